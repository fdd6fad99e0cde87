# ruff: noqa: E501
"""Import into the claim history store: idempotent, one transaction, both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from claimscrub.cli import main
from claimscrub.store import current_revision, head_revision, open_store, upgrade
from claimscrub.store.importer import import_paths

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "src" / "claimscrub" / "data" / "sample" / "claims.csv"
X835 = Path("/work/shared/domain/data/x12/835")
if not X835.is_dir():
    X835 = REPO.parent / "shared" / "domain" / "data" / "x12" / "835"


def counts(url: str) -> dict[str, int]:
    engine = open_store(url)
    try:
        with engine.connect() as c:
            return {
                t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in (
                    "batches",
                    "lines",
                    "findings",
                    "prices",
                    "remittance_files",
                    "remittances",
                    "adjustments",
                )
            }
    finally:
        engine.dispose()


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.output


def test_upgrade_creates_schema_0001_then_head(db_url):
    assert upgrade(db_url, "0001_store") == "0001_store"
    engine = open_store(db_url)
    assert current_revision(engine) == "0001_store"
    engine.dispose()
    assert upgrade(db_url) == head_revision()  # later revisions (0002_web ...) build on 0001_store
    code, out = run("db", "upgrade", "--db", db_url)
    assert code == 0 and head_revision() in out


def test_import_is_idempotent_and_keeps_no_note_text(db_url):
    code, out = run("import", str(SAMPLE), "--db", db_url)
    assert code == 0, out
    assert "stored batch 1: 18 line(s)" in out
    first = counts(db_url)
    assert first["batches"] == 1 and first["lines"] == 18 and first["prices"] == 18
    assert first["findings"] > 0
    code, out = run("import", str(SAMPLE), "--db", db_url)
    assert code == 0 and "already stored as batch 1" in out
    assert counts(db_url) == first
    engine = open_store(db_url)
    with engine.connect() as c:
        cols = set(c.execute(text("SELECT * FROM lines LIMIT 1")).keys())
        assert "note" not in cols and "note_medication" in cols
        row = c.execute(
            text(
                "SELECT note_medication, note_therapy_minutes, patient_id FROM lines WHERE claim_id = 'E01' AND cpt = '90834'"
            )
        ).one()
        summary = c.execute(text("SELECT summary FROM batches")).scalar_one()
    engine.dispose()
    assert bool(row[0]) is True and row[1] == 45 and row[2] == "X-1"
    assert '"errors"' in summary and "sertraline" not in summary


def test_same_content_under_another_name_is_the_same_batch(sqlite_url, tmp_path):
    copy = tmp_path / "again.csv"
    copy.write_bytes(SAMPLE.read_bytes())
    run("import", str(SAMPLE), "--db", sqlite_url)
    code, out = run("import", str(copy), "--db", sqlite_url)
    assert "already stored" in out and counts(sqlite_url)["batches"] == 1


def test_bad_input_exits_2_and_stores_nothing(sqlite_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,cpt\nC1,90834\n")
    code, out = run("import", str(SAMPLE), str(bad), "--db", sqlite_url)
    assert code == 2
    assert counts(sqlite_url)["batches"] == 0


def test_unreachable_database_exits_2():
    code, out = run("import", str(SAMPLE), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert code == 2 and "error" in out.lower()


def _big_batch(path: Path, n: int) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_batch import generate
    finally:
        sys.path.pop(0)
    generate(n, 3).write_csv(path)


def test_kill_9_mid_import_leaves_nothing_and_retry_succeeds(db_url, tmp_path):
    batch = tmp_path / "batch.csv"
    _big_batch(batch, 5000)
    upgrade(db_url)
    marker = tmp_path / "inserted"
    env = {**os.environ, "CLAIMSCRUB_IMPORT_PAUSE": str(marker)}
    cmd = [
        sys.executable,
        "-c",
        "from claimscrub.cli import main; main()",
        "import",
        str(batch),
        "--db",
        db_url,
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.time() < deadline, "import never reached the lines insert"
        time.sleep(0.1)
    # lines are inserted, the transaction is open: kill without any chance to clean up
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert counts(db_url)["batches"] == 0 and counts(db_url)["lines"] == 0
    code, out = run("import", str(batch), "--db", db_url)
    assert code == 0 and "stored batch" in out
    c = counts(db_url)
    assert c["batches"] == 1 and c["lines"] == 5000


def test_100k_lines_bulk_import_is_complete(tmp_path):
    """The bulk path stores every line and finding (speed is measured in bench/, not here)."""
    batch = tmp_path / "big.csv"
    _big_batch(batch, 100_000)
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = open_store(url)
    rep = import_paths(engine, [batch])
    engine.dispose()
    assert rep.lines == 100_000
    stored = counts(url)
    assert stored["batches"] == 1 and stored["lines"] == 100_000
