"""SIGKILL at random points of first-time schema creation and of ``claimscrub import``; after
every kill the next run completes cleanly and ``PRAGMA integrity_check`` is ok.

Schema creation is slowed by the migration test hook (``$CLAIMSCRUB_MIGRATION_PAUSE`` after each
statement, ``$CLAIMSCRUB_MIGRATION_MARKER`` at the first), so each kill lands at a random point
*inside* it. Before the fix, pysqlite ran each ``CREATE TABLE`` outside any transaction and a kill
left half a schema: "no such table: remittances", or ``db upgrade`` failing with "table batches
already exists".

``CLAIMSCRUB_KILLS`` sets the number of kills of each kind (default 20).
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.conftest import cli, gen_batch

KILLS = int(os.environ.get("CLAIMSCRUB_KILLS", "20"))
PAUSE = 0.05  # seconds after each migration statement (about 40 statements)
STORE_TABLES = {"batches", "lines", "findings", "prices", "remittance_files", "remittances", "adjustments"}
WEB_TABLES = {"web_users", "web_api_keys", "web_batches", "web_access_log", "web_settings", "web_sessions"}


def _kill_at(args: list[str], seconds: float, marker: Path | None = None, env: dict | None = None) -> str:
    """Start ``args``; SIGKILL it ``seconds`` after ``marker`` appears (or after start).
    Returns "killed" or "finished" (it ended before the kill)."""
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    if marker is not None:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
    time.sleep(seconds)
    outcome = "finished" if proc.poll() is not None else "killed"
    if outcome == "killed":
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return outcome


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _tables(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=300)


SAMPLE = str(Path(__file__).resolve().parents[2] / "src" / "claimscrub" / "data" / "sample" / "claims.csv")


def test_kills_during_schema_creation(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CLAIMSCRUB_KILL_SEED", "13")))
    killed = 0
    partial_seen = 0
    for i in range(KILLS):
        db = tmp_path / f"s{i}.db"
        marker = tmp_path / f"s{i}.marker"
        # half first-time `import` (creates the schema itself), half `db upgrade`
        first = ("import", SAMPLE, "--db", str(db)) if i % 2 else ("db", "upgrade", "--db", str(db))
        env = {"CLAIMSCRUB_MIGRATION_PAUSE": str(PAUSE), "CLAIMSCRUB_MIGRATION_MARKER": str(marker)}
        outcome = _kill_at(cli(*first), rng.uniform(0, 40 * PAUSE), marker, env)
        killed += outcome == "killed"
        assert db.exists()
        assert _integrity(db) == "ok", f"kill {i}"
        tables = _tables(db)
        # all or nothing: no table of the schema without the rest and the revision
        if tables & (STORE_TABLES | WEB_TABLES):
            partial_seen += not (STORE_TABLES | WEB_TABLES | {"alembic_version"}) <= tables
        # the next run completes the store and works
        nxt = _run("import", SAMPLE, "--db", str(db))
        assert nxt.returncode == 0, f"kill {i}: next run failed: {nxt.stderr[-1500:]}"
        assert "stored batch" in nxt.stdout, nxt.stdout
        up = _run("db", "upgrade", "--db", str(db))
        assert up.returncode == 0, up.stderr
        assert _integrity(db) == "ok"
        assert STORE_TABLES | WEB_TABLES <= _tables(db)
    print(f"\nschema creation: {killed} of {KILLS} runs killed inside it, 0 left half a schema")
    assert partial_seen == 0, f"{partial_seen} kill(s) left half a schema"
    assert killed >= KILLS * 3 // 4, f"only {killed} of {KILLS} runs were killed mid-creation"


@pytest.fixture(scope="module")
def slices(tmp_path_factory) -> list[tuple[Path, int]]:
    """KILLS different batches (slices of one generated batch), with their line counts."""
    folder = tmp_path_factory.mktemp("slices")
    big = gen_batch(200 * (KILLS + 1), folder / "all.csv", seed=21)
    with big.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    # keep claims whole: cut at claim boundaries
    claims: dict[str, list[dict]] = {}
    for r in rows:
        claims.setdefault(r["claim_id"], []).append(r)
    groups = list(claims.values())
    per = max(1, len(groups) // (KILLS + 1))
    out = []
    for i in range(KILLS + 1):
        part = [r for g in groups[i * per : (i + 1) * per] for r in g]
        path = folder / f"slice{i}.csv"
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(part)
        out.append((path, len(part)))
    return out


def _stored(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        out = {}
        for bid, files, n in conn.execute("SELECT id, files, n_lines FROM batches"):
            lines = conn.execute("SELECT count(*) FROM lines WHERE batch_id = ?", (bid,)).fetchone()[0]
            prices = conn.execute("SELECT count(*) FROM prices WHERE batch_id = ?", (bid,)).fetchone()[0]
            assert lines == n == prices, (files, n, lines, prices)
            out[Path(files.strip('[]"')).name] = n
        return out
    finally:
        conn.close()


def test_kills_during_import(tmp_path: Path, slices: list[tuple[Path, int]]) -> None:
    rng = random.Random(int(os.environ.get("CLAIMSCRUB_KILL_SEED", "13")) + 1)
    db = tmp_path / "history.db"
    base, base_n = slices[0]
    t = time.monotonic()
    first = _run("import", str(base), "--db", str(db))
    seconds = time.monotonic() - t
    assert first.returncode == 0, first.stderr
    killed = in_transaction = 0
    expected = {base.name: base_n}
    for i, (path, n) in enumerate(slices[1:], start=1):
        args = cli("import", str(path), "--db", str(db))
        if i % 4 == 0:
            # exactly inside the write transaction: the import's pause hook fires after the
            # lines are inserted, before findings, prices and the commit
            marker = tmp_path / f"pause{i}"
            env = {"CLAIMSCRUB_IMPORT_PAUSE": str(marker)}
            outcome = _kill_at(args, rng.uniform(0, 0.2), marker, env)
            in_transaction += outcome == "killed"
        else:
            outcome = _kill_at(args, rng.uniform(0.1, 0.9) * seconds)
        killed += outcome == "killed"
        assert _integrity(db) == "ok", f"kill {i}"
        stored = _stored(db)  # every stored batch is whole (lines = prices = n_lines)
        assert path.name not in stored or stored[path.name] == n
        nxt = _run("import", str(path), "--db", str(db))
        assert nxt.returncode == 0, f"kill {i}: next run failed: {nxt.stderr[-1500:]}"
        expected[path.name] = n
        assert _stored(db) == expected, f"kill {i}: a batch is missing or doubled"
    assert _integrity(db) == "ok"
    print(f"\nimport: {killed} of {KILLS} killed ({in_transaction} mid-transaction), 0 lost")
    assert killed >= KILLS // 2, f"only {killed} of {KILLS} imports were killed before finishing"
    assert in_transaction >= KILLS // 4 - 1
