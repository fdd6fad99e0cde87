"""Fuzz targets, one per reader, shared by the hypothesis tests, the corpus replay and the
atheris harnesses (``fuzz/``).

A target takes the file's bytes and must either return, or raise :class:`InputError` whose
message names the file.  Anything else (another exception, a hang) is a bug.  Claim readers run
the whole pipeline after reading (normalize, every rule, pricing; notes are fuzzed apart) because a
frame that reads but then crashes the rules is the same failure to a user.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from claimscrub.errors import InputError

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
SOURCE = "fuzzed-input.dat"  # the "file name" every target passes to the reader

READERS = ("csv", "x12_837", "x12_835", "fhir", "notes")


class Hang(BaseException):  # noqa: N818 - BaseException: readers' `except Exception` must not swallow it
    """The input took longer than the watchdog allows."""


@contextmanager
def watchdog(seconds: float):
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM timer)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):  # type: ignore[no-untyped-def]
        raise Hang(f"input took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _check(raw) -> None:  # type: ignore[no-untyped-def]
    from claimscrub.service import CheckOptions, check_raw

    check_raw(raw, CheckOptions(read_notes=False, price=True))


def target_csv(data: bytes) -> None:
    from claimscrub.readers.csv_reader import read_csv_bytes

    _check(read_csv_bytes(data, SOURCE))


def target_x12_837(data: bytes) -> None:
    from claimscrub.readers.x12_837 import read_837_bytes

    # strict=False skips only the control counts, which random edits almost always break: the
    # mutations then reach the loops and elements behind them; the strict checks run as well
    try:
        read_837_bytes(data, SOURCE)
    except InputError as exc:
        assert SOURCE in str(exc)
    _check(read_837_bytes(data, SOURCE, strict=False))


def target_x12_835(data: bytes) -> None:
    from claimscrub.readers.x12_835 import parse_835

    remit = parse_835(data, SOURCE)
    for row in remit.rows:
        row.to_dict()
    for adj in remit.adjustments:
        adj.to_dict()


def target_fhir(data: bytes) -> None:
    from claimscrub.readers.fhir import read_fhir_bytes

    _check(read_fhir_bytes(data, SOURCE))


def target_notes(data: bytes) -> None:
    """The note reader takes text (``--notes`` files are read with errors='replace')."""
    from claimscrub.notes import ELEMENTS, extract_note

    text = data.decode("utf-8", errors="replace")
    facts = extract_note(text)
    d = facts.to_dict(evidence=True)
    for e in ELEMENTS:
        assert isinstance(d[e], bool), e
    m = d["therapy_minutes"]
    assert m is None or (isinstance(m, int) and 0 <= m <= 600), m
    assert all(isinstance(x, str) for x in d["medications"])
    for spans in d.get("evidence", {}).values():
        for start, end, _ in spans:
            assert 0 <= start <= end <= len(text)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "csv": target_csv,
    "x12_837": target_x12_837,
    "x12_835": target_x12_835,
    "fhir": target_fhir,
    "notes": target_notes,
}


def run(reader: str, data: bytes) -> str:
    """Run a target; ``"ok"`` or ``"rejected"``; raises AssertionError on a bad rejection and
    lets any other exception through (a crash)."""
    try:
        TARGETS[reader](data)
    except InputError as exc:
        assert SOURCE in str(exc), f"InputError does not name the file: {exc}"
        assert exc.file == SOURCE
        return "rejected"
    return "ok"


def seeds(reader: str) -> list[bytes]:
    """The seed corpus of a reader (sorted by name, ``found-*`` regressions included)."""
    folder = CORPUS / reader
    return [p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()]
