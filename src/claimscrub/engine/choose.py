"""``check --engine auto`` (the default): the embedded engine, or the streaming engine
when the input is too big to check in memory.

The embedded engine holds every line several times over (raw strings, the canonical
frame, rule intermediates): about 1.1 KB of peak memory per line of a typical batch,
~8 GB at 10M lines (docs/benchmarks.md). The streaming engine gives the same findings and
reports (money included) with a peak set by its partition size (under 4 GB at 10M lines),
but pays for a spill at small sizes. The switch is on the input files' total size --
known before reading a byte -- at :data:`STREAMING_ABOVE` bytes (256 MB, ~2.5M lines of
~100-byte lines, ~3 GB peak embedded), settable with ``--streaming-above`` or
``CLAIMSCRUB_STREAMING_ABOVE`` (bytes, or with a K/M/G suffix; 0 = always stream).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

STREAMING_ABOVE = 256 * 2**20
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``"256M"`` -> bytes; a bare number is bytes. ValueError when unreadable."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", text.upper())
    if not m:
        raise ValueError(f"not a size: {text!r} (bytes, or a number with K, M, G)")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def streaming_threshold(option: str | None = None) -> int:
    text = option if option is not None else os.environ.get("CLAIMSCRUB_STREAMING_ABOVE")
    return STREAMING_ABOVE if text is None else parse_size(text)


def input_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size if p.is_file() else 0
        except OSError:
            pass  # the reader reports a missing file, with its name
    return total


def choose_engine(engine: str, paths: Sequence[Path], *, threshold: int, store: bool = False) -> str:
    """``auto`` -> ``streaming`` above ``threshold`` bytes of input, else ``embedded``.
    ``--store`` keeps every line for the history database: embedded."""
    if engine != "auto":
        return engine
    if store:
        return "embedded"
    return "streaming" if input_bytes(paths) > threshold else "embedded"
