"""Coverage-guided fuzzing of one reader with atheris (libFuzzer).

    python fuzz/harness.py READER [libFuzzer args...]     READER: csv x12_837 x12_835 fhir notes

The target is the same as the pytest fuzz tests (``tests/fuzz/targets.py``): read the bytes
(and run the whole check for claim files); an InputError naming the file is fine, any other
exception or a hang (libFuzzer ``-timeout``) is a finding, written as ``crash-*`` / ``timeout-*``
into the working folder.  ``fuzz/run.sh`` runs every reader for a bounded time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

with atheris.instrument_imports(include=["claimscrub", "tests.fuzz"]):
    from tests.fuzz import targets

COUNT_FILE = os.environ.get("FUZZ_COUNT_FILE")
_count = 0


def main() -> None:
    reader = sys.argv.pop(1)
    target = targets.TARGETS[reader]
    for seed in targets.seeds(reader)[:1]:  # warm up outside the timeout (spaCy, rule tables)
        targets.run(reader, seed)

    def one(data: bytes) -> None:
        global _count
        _count += 1
        if COUNT_FILE and _count % 200 == 0:
            Path(COUNT_FILE).write_text(str(_count))
        try:
            target(data)
        except targets.InputError as exc:
            if targets.SOURCE not in str(exc):
                raise AssertionError("InputError does not name the file") from None

    import atexit

    if COUNT_FILE:
        atexit.register(lambda: Path(COUNT_FILE).write_text(str(_count)))
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
