"""Disk full (RLIMIT_FSIZE, and a 1 MB tmpfs) and a read-only output folder: a clear error,
exit 2, no partial file, an older output left as it was, no temp file left behind."""

from __future__ import annotations

import resource
import signal
import subprocess
from pathlib import Path

from tests.faults.conftest import cli

LIMIT = 512 * 1024


def _fsize_limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _assert_clean_failure(proc: subprocess.CompletedProcess, out: Path, reason: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err[-2000:])
    assert err.startswith("claimscrub: error: "), err[-2000:]
    assert str(out) in err and reason in err, err
    assert "Traceback" not in err


def test_file_size_limit_check_output(big_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        cli("check", str(big_batch), "--format", "json", "-o", str(out)),
        capture_output=True,
        timeout=300,
        preexec_fn=_fsize_limited,
    )
    _assert_clean_failure(proc, out, "File too large")
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_file_size_limit_keeps_old_output(big_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "fixed.csv"
    out.write_text("old,content\n")
    proc = subprocess.run(
        cli("fix", str(big_batch), "-o", str(out)),
        capture_output=True,
        timeout=300,
        preexec_fn=_fsize_limited,
    )
    _assert_clean_failure(proc, out, "File too large")
    assert out.read_text() == "old,content\n"
    assert _leftovers(tmp_path) == []


def test_full_tmpfs(big_batch: Path, small_tmpfs: Path) -> None:
    for args, out in (
        (("check", str(big_batch), "--format", "csv"), small_tmpfs / "report.csv"),
        (("fix", str(big_batch)), small_tmpfs / "fixed.csv"),
    ):
        proc = subprocess.run(cli(*args, "-o", str(out)), capture_output=True, timeout=300)
        _assert_clean_failure(proc, out, "No space left on device")
        assert not out.exists()
        assert _leftovers(small_tmpfs) == []
    # the disk is usable again afterwards: a small output fits
    small = small_tmpfs / "ok.json"
    sample = subprocess.run(
        cli("check", "--sample", "--format", "json", "-o", str(small)), capture_output=True
    )
    assert sample.returncode in (0, 1) and small.stat().st_size > 0


def test_read_only_output_folder(read_only_dir: Path) -> None:
    out = read_only_dir / "report.json"
    proc = subprocess.run(cli("check", "--sample", "--format", "json", "-o", str(out)), capture_output=True)
    _assert_clean_failure(proc, out, "Read-only file system")
    assert not out.exists()
    old = read_only_dir / "old-report.json"
    proc = subprocess.run(cli("check", "--sample", "--format", "json", "-o", str(old)), capture_output=True)
    _assert_clean_failure(proc, old, "Read-only file system")
    assert old.read_text() == '{"old": true}\n'
    proc = subprocess.run(cli("fix", "--sample", "-o", str(read_only_dir / "f.csv")), capture_output=True)
    _assert_clean_failure(proc, read_only_dir / "f.csv", "Read-only file system")


def test_output_folder_missing(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "report.json"
    proc = subprocess.run(cli("check", "--sample", "-o", str(out)), capture_output=True)
    _assert_clean_failure(proc, out, "No such file or directory")
