"""kill -9 while ``claimscrub check --output`` / ``claimscrub fix`` write a big batch's output.

Each run is killed at a different moment: spread over the run, and exactly while the output's
temp file exists (the write itself).  Afterwards the output file is absent or complete --
byte-identical to a clean run's -- never truncated; and a retry succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.conftest import cli

FRACTIONS = (0.2, 0.5, 0.8, 0.95, 1.05)
AT_WRITE = 2  # runs killed the moment the temp output file appears


def _temp_files(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp")]


def _kill_after(args: list[str], seconds: float) -> None:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _kill_at_write(args: list[str], folder: Path, name: str, timeout: float = 120) -> bool:
    """Kill the moment a temp file for ``name`` appears; True when it did while writing."""
    before = set(_temp_files(folder, name))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    hit = False
    while time.monotonic() < deadline and proc.poll() is None:
        if set(_temp_files(folder, name)) - before:
            os.kill(proc.pid, signal.SIGKILL)
            hit = True
            break
        time.sleep(0.0005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return hit


def _assert_absent_or(path: Path, *complete: bytes) -> str:
    if not path.exists():
        return "absent"
    data = path.read_bytes()
    assert data in complete, f"{path.name}: {len(data)} bytes, neither absent nor a complete output"
    return "complete"


def _kill_series(args: list[str], outputs: dict[Path, tuple[bytes, ...]], seconds: float, folder: Path):
    outcomes = []
    for frac in FRACTIONS:
        _kill_after(args, seconds * frac)
        outcomes.append([_assert_absent_or(p, *ok) for p, ok in outputs.items()])
    hits = 0
    for _ in range(AT_WRITE):
        for p in outputs:
            hits += _kill_at_write(args, folder, p.name)
            outcomes.append([_assert_absent_or(q, *ok) for q, ok in outputs.items()])
    return outcomes, hits


def _timed(args: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    t = time.monotonic()
    proc = subprocess.run(args, capture_output=True, timeout=300)
    return proc, time.monotonic() - t


def test_kill_9_during_check_output(big_batch: Path, tmp_path: Path) -> None:
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ref, seconds = _timed(cli("check", str(big_batch), "--format", "json", "-o", str(ref_dir / "r.json")))
    assert ref.returncode in (0, 1), ref.stderr
    complete = (ref_dir / "r.json").read_bytes()
    assert len(complete) > 1_000_000

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "report.json"
    args = cli("check", str(big_batch), "--format", "json", "-o", str(out))
    outcomes, hits = _kill_series(args, {out: (complete,)}, seconds, out_dir)
    assert hits >= 1, "no kill landed while the output was being written"
    assert {o[0] for o in outcomes} <= {"absent", "complete"}

    # an older report at the same path survives a killed rewrite intact
    out.write_bytes(b'{"old": "report"}\n')
    for _ in range(2):
        _kill_at_write(args, out_dir, out.name)
        _assert_absent_or(out, b'{"old": "report"}\n', complete)

    retry = subprocess.run(args, capture_output=True, timeout=300)
    assert retry.returncode in (0, 1), retry.stderr
    assert out.read_bytes() == complete


def test_kill_9_during_fix_output(big_batch: Path, tmp_path: Path) -> None:
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ref, seconds = _timed(
        cli("fix", str(big_batch), "-o", str(ref_dir / "f.csv"), "--changes", str(ref_dir / "c.csv"))
    )
    assert ref.returncode == 0, ref.stderr
    fixed, changes = (ref_dir / "f.csv").read_bytes(), (ref_dir / "c.csv").read_bytes()
    assert fixed.count(b"\n") > 10_000 and changes.count(b"\n") > 10

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out, chg = out_dir / "fixed.csv", out_dir / "changes.csv"
    args = cli("fix", str(big_batch), "-o", str(out), "--changes", str(chg))
    outcomes, hits = _kill_series(args, {out: (fixed,), chg: (changes,)}, seconds, out_dir)
    assert hits >= 1
    retry = subprocess.run(args, capture_output=True, timeout=300)
    assert retry.returncode == 0, retry.stderr
    assert out.read_bytes() == fixed and chg.read_bytes() == changes


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_other_formats_written_whole(big_batch: Path, tmp_path: Path, fmt: str) -> None:
    """Every --format goes through the same atomic write: one kill at write time each."""
    out = tmp_path / f"report.{fmt}"
    args = cli("check", str(big_batch), "--format", fmt, "-o", str(out))
    _kill_at_write(args, tmp_path, out.name)
    assert not out.exists()
    proc = subprocess.run(args, capture_output=True, timeout=300)
    assert proc.returncode in (0, 1) and out.stat().st_size > 0
