"""Inputs that used to hang or crash: endless devices, FIFOs and folders where files are
expected, policy files that are not UTF-8.  Each is one message and exit 2, never a traceback.

Runs that could hang or eat memory on a regression go through a subprocess with a timeout and an
address-space limit, so a bad build fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.cli import main
from claimscrub.errors import InputError
from claimscrub.readers.source import MAX_INPUT_ENV, read_bounded, read_regular
from tests.cli.test_check_cli import GOOD, write_csv

TIMEOUT = 120
ADDRESS_SPACE = 3 * 1024**3  # enough for the CLI, far below "read /dev/zero into memory"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from claimscrub.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        env={**os.environ, **(env or {})},
    )


def one_message(proc: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimscrub: error: "), lines
    for part in parts:
        assert part in lines[0]


# --------------------------------------------------------------------------- endless input


def test_dev_zero_stops_at_the_default_limit() -> None:
    one_message(cli("check", "/dev/zero"), "/dev/zero", "larger than the input limit of 512 MiB")


@pytest.mark.parametrize("fmt", ["csv", "x12", "fhir"])
def test_dev_zero_with_a_smaller_limit(fmt: str) -> None:
    one_message(
        cli("check", "/dev/zero", "--input-format", fmt, "--max-input-mb", "2"), "/dev/zero", "limit of 2 MiB"
    )


def test_streaming_engine_refuses_devices() -> None:
    one_message(cli("check", "/dev/zero", "--engine", "streaming"), "/dev/zero", "regular files")


def test_limit_from_the_environment(tmp_path: Path) -> None:
    big = write_csv(tmp_path / "c.csv", [GOOD] * 40_000)  # about 3 MB
    one_message(cli("check", str(big), env={MAX_INPUT_ENV: "1"}), "c.csv", "limit of 1 MiB")
    assert cli("check", str(big), env={MAX_INPUT_ENV: "8"}).returncode == 1  # read and checked
    one_message(cli("check", str(big), env={MAX_INPUT_ENV: "lots"}), MAX_INPUT_ENV)


def test_dev_zero_as_note_import_and_roster(tmp_path: Path) -> None:
    one_message(cli("note", "/dev/zero"), "/dev/zero", "1 MiB a note may have")
    db = f"sqlite:///{tmp_path / 'cs.db'}"
    one_message(cli("import", "/dev/zero", "--db", db, env={MAX_INPUT_ENV: "2"}), "/dev/zero")
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    one_message(cli("check", str(claims), "--providers", "/dev/zero", "--max-input-mb", "2"), "/dev/zero")


def test_read_bounded_reads_fifo_and_stops_endless_streams(tmp_path: Path) -> None:
    assert read_bounded("/dev/null") == b""
    with pytest.raises(InputError, match="larger than the 1000 bytes a file may have"):
        read_bounded("/dev/zero", limit=1000)
    with pytest.raises(InputError, match="is a folder"):
        read_bounded(tmp_path)
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"printf abc > {fifo}"])
    assert read_bounded(fifo) == b"abc"
    writer.wait(timeout=30)


# --------------------------------------------------------------------------- notes folders


@pytest.fixture
def odd_notes(tmp_path: Path) -> tuple[Path, Path]:
    """A batch of C1 (note file) and C2, C3 whose "notes" are a FIFO and a sub-folder."""
    rows = [[f"C{k}", "1", f"P{k}", *GOOD[3:]] for k in range(1, 5)]
    claims = write_csv(tmp_path / "claims.csv", rows)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "C1.txt").write_text("Psychotherapy 45 minutes.\n")
    os.mkfifo(notes / "C2.txt")  # nobody ever writes: opening it for reading would block forever
    (notes / "C3.txt").mkdir()
    (notes / "C4.txt").symlink_to("/dev/zero")  # endless, and not a regular file
    return claims, notes


def test_notes_folder_skips_what_is_not_a_regular_file(odd_notes: tuple[Path, Path], tmp_path: Path) -> None:
    claims, notes = odd_notes
    assert cli("check", str(claims), "--notes", str(notes)).returncode == 0
    stored = cli("check", str(claims), "--notes", str(notes), "--store", "--db", f"sqlite:///{tmp_path}/a.db")
    assert stored.returncode == 0, stored.stderr[-2000:]
    assert "stored as new batch" in stored.stderr
    imported = cli("import", str(claims), "--notes", str(notes), "--db", f"sqlite:///{tmp_path}/b.db")
    assert imported.returncode == 0, imported.stderr[-2000:]


def test_read_regular_skips_fifo_folder_and_device(odd_notes: tuple[Path, Path]) -> None:
    _, notes = odd_notes
    assert read_regular(notes / "C1.txt") == b"Psychotherapy 45 minutes.\n"
    assert read_regular(notes / "C2.txt") is None
    assert read_regular(notes / "C3.txt") is None
    assert read_regular(notes / "C4.txt") is None
    assert read_regular(notes / "missing.txt") is None


# --------------------------------------------------------------------------- policy files


@pytest.mark.parametrize("content", [b"name: x\ndescription: caf\xe9\n", b"\xff\xfe n\x00a\x00m\x00e\x00"])
def test_policy_file_not_utf8(tmp_path: Path, content: bytes) -> None:
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "x.yaml").write_bytes(content)
    res = CliRunner().invoke(main, ["check", str(claims), "--policies", str(pol)])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"claimscrub: error: {pol / 'x.yaml'}, line ") and "not UTF-8" in res.output
    payers = CliRunner().invoke(main, ["payers", "--policies", str(pol)])
    assert payers.exit_code == 2 and "not UTF-8" in payers.output


def test_policy_folder_skips_fifo_and_sub_folder(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    pol = tmp_path / "pol"
    pol.mkdir()
    os.mkfifo(pol / "fifo.yaml")
    (pol / "folder.yml").mkdir()
    (pol / "acme.yaml").write_text("name: acme\nmatch: [acme]\ndisabled: [DX001]\n")
    res = cli("payers", "--policies", str(pol), "acme")
    assert res.returncode == 0, res.stderr[-2000:]
    assert "acme" in res.stdout
    assert cli("check", str(claims), "--policies", str(pol)).returncode == 0


def test_fee_file_not_utf8_is_one_message(tmp_path: Path) -> None:
    claims = write_csv(tmp_path / "c.csv", [GOOD])
    (tmp_path / "data" / "fees").mkdir(parents=True)
    (tmp_path / "data" / "fees" / "commercial.yaml").write_bytes(b"percent_of_medicare: 100\n# caf\xe9\n")
    one_message(cli("check", str(claims), env={"CLAIMSCRUB_DATA_DIR": str(tmp_path / "data")}), "not UTF-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(0, 5000), limit=st.integers(1, 5000), fifo=st.booleans())
def test_read_bounded_returns_everything_up_to_the_limit(
    tmp_path: Path, size: int, limit: int, fifo: bool
) -> None:
    """Regular file or FIFO: all bytes when they fit, else one error naming the file."""
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / f"in-{size}-{limit}-{fifo}"
    writer = None
    if fifo:
        os.mkfifo(path)

        def write() -> None:
            try:
                path.write_bytes(data)
            except BrokenPipeError:
                pass  # the reader stopped at the limit

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
    else:
        path.write_bytes(data)
    try:
        if size <= limit:
            assert read_bounded(path, limit=limit) == data
        else:
            with pytest.raises(InputError) as exc:
                read_bounded(path, limit=limit)
            assert exc.value.file == str(path) and f"{limit} bytes" in str(exc.value)
    finally:
        if writer is not None:
            writer.join(timeout=0.2)  # a refused FIFO writer may still block on its last chunk
        path.unlink()
