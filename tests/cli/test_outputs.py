"""Outputs are written safely and only where asked (docs/reliability.md, "Inputs and outputs").

A device, FIFO or ``/dev/stdout`` is written to, never replaced by a regular file; a symlink's
target is replaced, the link stays; ``fix -o A --changes B`` writes both or neither; ``-`` is
stdin / stdout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main
from tests.cli.test_check_cli import GOOD, HEADER, write_csv


def _row(**kw: str) -> list[str]:
    r = GOOD.copy()
    for k, v in kw.items():
        r[HEADER.index(k)] = v
    return r


# C1: 90837 for 45 minutes, fixed to 90834 (PT002); C2: 90863 alone, an error fix leaves (AO001)
FIXABLE = [_row(cpt="90837"), _row(claim_id="C2", patient_id="P2", cpt="90863", minutes="")]


def run(*args: str, stdin: bytes | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin)


def _no_replace_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """Safety net for tests that name /dev/null: a rename onto anything in /dev fails the test
    instead of replacing the machine's device (what the old code did when run as root)."""
    real_replace = os.replace

    def guarded(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        if os.path.realpath(dst).startswith("/dev/"):
            raise AssertionError(f"refused to replace {dst}")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", guarded)


def test_dev_null_stays_a_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_replace_in_dev(monkeypatch)
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    res = run("check", str(claims), "--format", "json", "-o", "/dev/null")
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fixed = run("fix", str(claims), "-o", "/dev/null", "--changes", "/dev/null")
    assert fixed.exit_code == 0, fixed.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_private_char_device_is_written_not_replaced(tmp_path: Path) -> None:
    dev = tmp_path / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    res = run("check", str(claims), "-o", str(dev))
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.lstat(dev).st_mode), "the device was replaced by a regular file"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _drain(fifo: Path, out: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as fh:
            out.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


def test_fifo_output_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    got: list[bytes] = []
    reader = _drain(fifo, got)
    res = run("check", str(claims), "--format", "json", "-o", str(fifo))
    reader.join(timeout=30)
    assert res.exit_code == 0, res.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert got and b'"summary"' in got[0]


def test_symlink_target_replaced_link_kept(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "report.json"
    link.symlink_to(real)
    res = run("check", str(claims), "--format", "json", "-o", str(link))
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert '"summary"' in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640, "the report kept its permissions"
    # a dangling link: its target is created, the link stays a link
    dangling = tmp_path / "new.json"
    dangling.symlink_to(tmp_path / "reports" / "new-target.json")
    assert run("check", str(claims), "--format", "json", "-o", str(dangling)).exit_code == 0
    assert dangling.is_symlink() and '"summary"' in (tmp_path / "reports" / "new-target.json").read_text()


def test_output_folder_is_refused(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    res = run("check", str(claims), "-o", str(tmp_path))
    assert res.exit_code == 2
    assert "is a folder" in res.output and "Traceback" not in res.output
    assert tmp_path.is_dir()


def test_fix_writes_neither_when_the_change_list_cannot_be_written(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", FIXABLE)
    out = tmp_path / "fixed.csv"
    out.write_text("previous corrected file\n")
    res = run("fix", str(claims), "-o", str(out), "--changes", str(tmp_path / "missing" / "changes.csv"))
    assert res.exit_code == 2, res.output
    assert out.read_text() == "previous corrected file\n", "written without its change list"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "fixed.csv"]


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_fix_rolls_back_when_the_second_rename_fails(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", FIXABLE)
    out, changes = tmp_path / "fixed.csv", tmp_path / "changes.csv"
    out.write_text("old fixed\n")
    changes.write_text("old changes\n")
    # an immutable file cannot be renamed over, not even by root: a real rename failure
    if subprocess.run(["chattr", "+i", str(changes)], capture_output=True).returncode != 0:
        pytest.skip("the file system does not support the immutable attribute")
    try:
        res = run("fix", str(claims), "-o", str(out), "--changes", str(changes))
    finally:
        subprocess.run(["chattr", "-i", str(changes)], capture_output=True)
    assert res.exit_code == 2, res.output
    assert "changes.csv: cannot write" in res.output
    assert out.read_text() == "old fixed\n", "fixed.csv was replaced although changes.csv was not"
    assert changes.read_text() == "old changes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "changes.csv", "fixed.csv"]


def test_fix_writes_both(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", FIXABLE)
    out, changes = tmp_path / "fixed.csv", tmp_path / "changes.csv"
    res = run("fix", str(claims), "-o", str(out), "--changes", str(changes))
    assert res.exit_code == 0, res.output
    assert "90837" not in out.read_text() and "90834" in out.read_text()
    assert "PT002" in changes.read_text()


def test_stdin_and_stdout_with_dash(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "c.csv", FIXABLE).read_bytes()
    checked = run("check", "-", "--format", "json", stdin=data)
    assert checked.exit_code == 1  # C2's error
    assert '"AO001"' in checked.output
    assert "<stdin>" not in checked.output
    fixed = run("fix", "-", "-o", "-", stdin=data)
    assert fixed.exit_code == 0, fixed.output
    rows = list(csv.reader(io.StringIO(fixed.stdout)))
    assert rows[0][:3] == HEADER[:3] and [r[HEADER.index("cpt")] for r in rows[1:]] == ["90834", "90863"]
    assert "PT002" in fixed.stderr and "change(s) written to stdout" in fixed.stderr
    note = run("note", "-", stdin=b"Seen 45 min psychotherapy; sertraline 50 mg continued.\n")
    assert note.exit_code == 0 and "sertraline" in note.output.lower()
    as_json = run("note", "-", "--format", "json", stdin=b"Sertraline 50 mg, continue.\n")
    assert json.loads(as_json.output)["file"] == "<stdin>"  # named as in every message
    stored = run("check", "-", "--store", "--db", f"sqlite:///{tmp_path / 'cs.db'}", stdin=data)
    assert stored.exit_code == 1 and "stored as new batch" in stored.stderr
    assert run("check", "-", "-", stdin=data).exit_code == 2  # stdin once
    assert run("check", "-", "--engine", "streaming", stdin=data).exit_code == 2
    assert run("fix", "-", "-o", "-", "--changes", "-", stdin=data).exit_code == 2


def test_bad_stdin_names_stdin() -> None:
    res = run("check", "-", stdin=b"claim_id,line_no\n\xff\xfe\n")
    assert res.exit_code == 2
    assert res.output.startswith("claimscrub: error: <stdin>")


def test_fix_reads_a_fifo_input_once(tmp_path: Path) -> None:
    """fix reads its input twice (check, then the format); a FIFO's data is there only once."""
    src = write_csv(tmp_path / "c.csv", FIXABLE)
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat {src} > {fifo}"])
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from claimscrub.cli import main; main()",
            "fix",
            str(fifo),
            "-o",
            str(tmp_path / "f.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    writer.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "90834" in (tmp_path / "f.csv").read_text()
