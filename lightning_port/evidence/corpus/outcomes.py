"""The outcomes a corpus model can have, shared by the measuring and the rendering side."""

from __future__ import annotations

# Every parity row within its bound and the architecture rows equal.
PORTED = "ported"
# The port wrote the model, but a parity row is beyond its bound or the architecture differs.
BEYOND_BOUND = "ported, rows beyond bound"
# port_model raised PortError: its one-line message, without the file's path, is the reason.
REFUSED = "refused"
# port_model raised anything else: a bug in the port, recorded rather than hidden.
PORT_FAILED = "port failed"
# Keras could not save the tutorial's model to a .keras file, so there was nothing to port.
NOT_SAVED = "not saved"

OUTCOMES = (PORTED, BEYOND_BOUND, REFUSED, PORT_FAILED, NOT_SAVED)


def is_ported(entry: dict) -> bool:
    return entry["outcome"] in (PORTED, BEYOND_BOUND)
