"""Hypothesis fuzzing of every reader with structure-aware mutations of real files.

Property: for any mutated input the reader (and, for claim files, the whole check) returns or
raises InputError naming the file -- never another exception, never longer than the watchdog.
``CLAIMSCRUB_FUZZ_EXAMPLES`` scales the number of examples (default: a bounded run for CI).
"""

from __future__ import annotations

import faulthandler
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.mutate import mutated
from tests.fuzz.targets import READERS, run, seeds, watchdog

EXAMPLES = int(os.environ.get("CLAIMSCRUB_FUZZ_EXAMPLES", "60"))
PER_INPUT_SECONDS = 10.0
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=os.environ.get("CLAIMSCRUB_FUZZ_RANDOM") != "1",
)


@pytest.fixture(autouse=True, scope="module")
def _hard_backstop():
    """A hang inside native code (Polars) is not interrupted by SIGALRM: dump and exit instead."""
    faulthandler.dump_traceback_later(600, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module", autouse=True)
def _warm():
    # load spaCy / rule tables once, outside the per-input watchdog
    for reader in READERS:
        for data in seeds(reader)[:1]:
            run(reader, data)


def _one(reader: str, data: bytes) -> None:
    with watchdog(PER_INPUT_SECONDS):
        run(reader, data)


@pytest.mark.parametrize("reader", READERS)
def test_mutated_real_files(reader: str) -> None:
    @FUZZ_SETTINGS
    @given(mutated(reader, seeds(reader)))
    def prop(data: bytes) -> None:
        _one(reader, data)

    prop()


@pytest.mark.parametrize("reader", READERS)
def test_arbitrary_bytes(reader: str) -> None:
    prefix = {"x12_837": b"ISA", "x12_835": b"ISA", "fhir": b"{", "csv": b"", "notes": b""}[reader]

    @FUZZ_SETTINGS
    @given(st.binary(max_size=300))
    def prop(data: bytes) -> None:
        _one(reader, prefix + data)

    prop()


def test_seeds_are_read() -> None:
    """The unmutated seeds read without error (else the mutations start from garbage)."""
    ok = {r: sum(run(r, d) == "ok" for d in seeds(r)[:3]) for r in READERS}
    assert all(ok.values()), ok
