"""Disk full while ``claimscrub import`` / ``claimscrub check --store`` write the database: one
clear line, exit 2, nothing half-written (the database opens, integrity_check ok, the batches
stored before are intact, nothing of the failed batch), and once there is room again the
same command succeeds. A real full disk (a 1 MB tmpfs) and RLIMIT_FSIZE (no root needed)."""

from __future__ import annotations

import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.faults.conftest import cli, gen_batch

SAMPLE = str(Path(__file__).resolve().parents[2] / "src" / "claimscrub" / "data" / "sample" / "claims.csv")


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return gen_batch(6000, tmp_path_factory.mktemp("full") / "batch.csv", seed=5)


def _state(db: Path) -> tuple[str, int, int]:
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("SELECT count(*) FROM batches").fetchone()[0],
            conn.execute("SELECT count(*) FROM lines").fetchone()[0],
        )
    finally:
        conn.close()


def _one_clear_line(proc: subprocess.CompletedProcess, *says: str) -> None:
    err = proc.stderr
    assert proc.returncode == 2, (proc.returncode, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    lines = [ln for ln in err.splitlines() if ln.startswith("claimscrub: error:")]
    assert len(lines) == 1, err
    assert "nothing was stored" in lines[0] and all(s in lines[0] for s in says), lines[0]


def test_disk_full_on_a_real_filesystem(batch: Path, small_tmpfs: Path, tmp_path: Path) -> None:
    db = small_tmpfs / "history.db"
    ok = subprocess.run(cli("import", SAMPLE, "--db", str(db)), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    before = _state(db)
    assert before[0] == "ok" and before[1] == 1

    for args in (
        ("import", str(batch), "--db", str(db)),
        ("check", str(batch), "--store", "--db", str(db), "--format", "json", "-o", str(tmp_path / "r.json")),
    ):
        proc = subprocess.run(cli(*args), capture_output=True, text=True, timeout=300)
        _one_clear_line(proc, "disk is full")
        assert _state(db) == before, "the failed batch left something behind"
        assert not (tmp_path / "r.json").exists()

    # room again (the database moves to a roomier folder): the same import succeeds
    roomy = tmp_path / "history.db"
    src, dst = sqlite3.connect(db), sqlite3.connect(roomy)
    src.backup(dst)
    src.close()
    dst.close()
    again = subprocess.run(cli("import", str(batch), "--db", str(roomy)), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert _state(roomy) == ("ok", 2, before[2] + 6000)


LIMIT = 640 * 1024


def _fsize_limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_file_size_limit(batch: Path, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    ok = subprocess.run(cli("import", SAMPLE, "--db", str(db)), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    before = _state(db)
    for args in (
        ("import", str(batch), "--db", str(db)),
        ("check", str(batch), "--store", "--db", str(db), "-o", str(tmp_path / "r.txt")),
    ):
        proc = subprocess.run(
            cli(*args), capture_output=True, text=True, timeout=300, preexec_fn=_fsize_limited
        )
        _one_clear_line(proc)
        assert _state(db) == before
        assert not (tmp_path / "r.txt").exists()
