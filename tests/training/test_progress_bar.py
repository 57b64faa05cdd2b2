"""The progress bar refreshes at most about 50 times an epoch and at most once per
PROGRESS_REFRESH_SECONDS (each refresh reads the running metrics, a host sync), and always
at the epoch's last batch."""

from lightning_port.training import callbacks
from lightning_port.training.callbacks import RunningMetricsProgressBar


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_refreshes_are_spaced_in_time_except_the_last(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(callbacks.time, "perf_counter", clock)
    bar = RunningMetricsProgressBar()
    bar._refresh_rate = 1
    bar._last_refresh = clock.now
    assert not bar._should_update(1, 59)  # every batch is due by count, but 0 s have passed
    clock.now += callbacks.PROGRESS_REFRESH_SECONDS
    assert bar._should_update(2, 59)
    assert not bar._should_update(3, 59)
    assert bar._should_update(59, 59)  # the epoch's last batch always shows
