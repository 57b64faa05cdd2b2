"""The stamp every measured record carries, and the CPU fields that tell machines apart."""

from __future__ import annotations

from pathlib import Path

from lightning_port.support import provenance

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
stepping\t: 1
flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512_bf16 avx512_vnni

processor\t: 1
cpu family\t: 99
flags\t\t: amx_tile
"""


def test_the_cpu_field_reads_the_first_processors_generation_and_kernel_flags(monkeypatch):
    monkeypatch.setattr(provenance, "Path", lambda path: _FakeFile(CPUINFO) if path == "/proc/cpuinfo" else Path(path))
    provenance._first_processor.cache_clear()
    try:
        # flags in KERNEL_CPU_FLAGS order; avx512dq is not one of them; processor 1 is not read
        assert provenance.cpu() == "family 25 model 17 stepping 1; avx2 fma avx512f avx512_vnni avx512_bf16"
    finally:
        provenance._first_processor.cache_clear()


def test_without_cpuinfo_the_cpu_field_says_unknown(monkeypatch):
    monkeypatch.setattr(provenance, "Path", lambda path: _FakeFile(None))
    provenance._first_processor.cache_clear()
    try:
        assert provenance.cpu() == "unknown"
    finally:
        provenance._first_processor.cache_clear()


def test_every_stamp_carries_the_cpu():
    stamp = provenance.stamp()
    assert set(stamp) == {"measured_at", "commit", "machine", "cpu"}
    assert stamp["cpu"] == provenance.cpu()


class _FakeFile:
    def __init__(self, text: str | None):
        self.text = text

    def read_text(self) -> str:
        if self.text is None:
            raise OSError("no /proc/cpuinfo")
        return self.text
