"""Every file of ``tests/corpus/<reader>/`` (seeds and inputs fuzzers once broke a reader with)
is read, or rejected with an InputError naming the file, within the time limit."""

from __future__ import annotations

import pytest

from tests.fuzz.targets import CORPUS, READERS, run, watchdog

CASES = [
    pytest.param(reader, path, id=f"{reader}/{path.name}")
    for reader in READERS
    for path in sorted((CORPUS / reader).iterdir())
    if path.is_file()
]


def test_every_reader_has_seeds() -> None:
    for reader in READERS:
        assert any((CORPUS / reader).iterdir()), reader


@pytest.mark.parametrize(("reader", "path"), CASES)
def test_replay(reader: str, path) -> None:  # type: ignore[no-untyped-def]
    with watchdog(10.0):
        outcome = run(reader, path.read_bytes())
    if not path.name.startswith("found-"):
        assert outcome == "ok", f"seed {path.name} no longer reads"


def test_every_shared_x12_file(shared) -> None:  # type: ignore[no-untyped-def]
    """All public X12 samples (valid and deliberately broken): read or rejected cleanly."""
    files = sorted((shared / "domain" / "data" / "x12").glob("*/*"))
    assert files
    for path in files:
        reader = "x12_835" if path.parent.name == "835" else "x12_837"
        with watchdog(20.0):
            run(reader, path.read_bytes())
