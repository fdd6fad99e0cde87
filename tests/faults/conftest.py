"""Fixtures for fault injection: the CLI as a subprocess, a big generated batch, mounts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.store.conftest import pg_server  # noqa: F401 - the store tests' PostgreSQL fixture

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "claimscrub"
BIG_LINES = int(os.environ.get("CLAIMSCRUB_FAULT_LINES", "40000"))


def cli(*args: str) -> list[str]:
    if BIN.exists():
        return [str(BIN), *args]
    return [sys.executable, "-c", "from claimscrub.cli import main; main()", *args]


def gen_batch(lines: int, path: Path, seed: int = 7) -> Path:
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "gen_batch.py"), str(lines), str(path), "--seed", str(seed)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


@pytest.fixture(scope="session")
def big_batch(tmp_path_factory) -> Path:
    return gen_batch(BIG_LINES, tmp_path_factory.mktemp("batch") / "big.csv")


def _mount(args: list[str]) -> str | None:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return "needs root and mount(8)"
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    return None if proc.returncode == 0 else (proc.stderr.strip() or f"mount exit {proc.returncode}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


@pytest.fixture
def small_tmpfs():
    """A 1 MB tmpfs (a full disk); skipped where mounting is not allowed."""
    where = Path(tempfile.mkdtemp(prefix="claimscrub-full-"))
    problem = _mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)])
    if problem:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({problem}); disk full is covered by RLIMIT_FSIZE")
    try:
        yield where
    finally:
        _umount(where)
        shutil.rmtree(where, ignore_errors=True)


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder that is read-only even for root (a read-only bind mount)."""
    where = tmp_path / "ro"
    where.mkdir()
    (where / "old-report.json").write_text('{"old": true}\n')
    problem = _mount(["--bind", str(where), str(where)])
    if problem:
        pytest.skip(f"cannot bind-mount here ({problem}); root ignores permissions, so no read-only test")
    problem = _mount(["-o", "remount,ro,bind", str(where)])
    if problem:
        _umount(where)
        pytest.skip(f"cannot remount read-only ({problem})")
    try:
        yield where
    finally:
        _umount(where)
