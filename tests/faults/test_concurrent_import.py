"""Two ``claimscrub import`` of different batches at the same moment into one database (SQLite
and PostgreSQL; a fresh database, so both also race to create the schema, and an existing one):
both land complete -- every line, finding and price of each batch, nothing mixed."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.faults.conftest import cli, gen_batch

LINES = (6000, 9000)


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("two")
    return [gen_batch(n, folder / f"batch{i}.csv", seed=11 + i) for i, n in enumerate(LINES)]


def _rows(path: Path) -> int:
    with path.open(newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def _import_both(url: str, batches: list[Path], rounds: int = 1) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(cli("import", str(b), "--db", url), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for b in batches
        for _ in range(rounds)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _assert_complete(url: str, batches: list[Path]) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            stored = c.execute(text("SELECT id, files, n_lines FROM batches ORDER BY id")).all()
            assert len(stored) == len(batches), stored
            by_file = {Path(files.strip('[]"')).name: (bid, n) for bid, files, n in stored}
            for b in batches:
                bid, n = by_file[b.name]
                expected = _rows(b)
                assert n == expected
                got = c.execute(
                    text("SELECT count(*) FROM lines WHERE batch_id = :b"), {"b": bid}
                ).scalar_one()
                assert got == expected, (b.name, got, expected)
                rows = c.execute(
                    text(
                        "SELECT count(DISTINCT row_no), min(row_no), max(row_no) FROM lines "
                        "WHERE batch_id = :b"
                    ),
                    {"b": bid},
                ).one()
                assert rows[0] == expected and rows[2] - rows[1] + 1 == expected
                prices = c.execute(
                    text("SELECT count(*) FROM prices WHERE batch_id = :b"), {"b": bid}
                ).scalar_one()
                assert prices == expected
                findings = c.execute(
                    text("SELECT count(*) FROM findings WHERE batch_id = :b"), {"b": bid}
                ).scalar_one()
                assert findings > 0
    finally:
        engine.dispose()


def _run(url: str, batches: list[Path]) -> None:
    results = _import_both(url, batches)
    for r in results:
        assert r.returncode == 0, r.stderr.decode()[-3000:]
    _assert_complete(url, batches)
    # the same two again, twice each, at once: idempotent, nothing doubled
    again = _import_both(url, batches, rounds=2)
    for r in again:
        assert r.returncode == 0, r.stderr.decode()[-3000:]
        assert b"already stored" in r.stdout + r.stderr
    _assert_complete(url, batches)


def test_sqlite_fresh_database(two_batches: list[Path], tmp_path: Path) -> None:
    _run(f"sqlite:///{tmp_path / 'h.db'}", two_batches)


def test_sqlite_existing_database(two_batches: list[Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert subprocess.run(cli("db", "upgrade", "--db", url), capture_output=True).returncode == 0
    _run(url, two_batches)


def test_postgresql(two_batches: list[Path], pg_server) -> None:  # type: ignore[no-untyped-def]
    _run(pg_server.create_database(), two_batches)
