"""One exception type for every data problem, with a message that fits on one line."""


class DataError(Exception):
    """Missing, truncated or malformed data. ``str(error)`` names the file and the fix."""

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))
