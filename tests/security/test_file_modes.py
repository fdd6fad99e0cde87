"""Database (and its WAL/SHM), uploads and their folders are private to the service user
(0600 / 0700) whatever the umask; so is the session-signing secret inside the database. A
database made 0644 by an older version is tightened when opened."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.security.conftest import BIN, new_client, rows_csv, sign_in, upload

ONE_LINE = rows_csv(
    [
        {
            "claim_id": "A1",
            "patient_id": "P",
            "service_date": "2026-01-02",
            "provider_npi": "1987654328",
            "cpt": "90834",
            "minutes": "45",
        }
    ]  # fmt: skip
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def world_readable_dir():
    """A folder other users can enter (pytest's own tmp folders are 0700, which hides a leak)."""
    where = Path(tempfile.mkdtemp(prefix="claimscrub-modes-"))
    where.chmod(0o755)
    try:
        yield where
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _database_files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def test_web_files_private_with_umask_0(open_umask, world_readable_dir: Path) -> None:
    from claimscrub.web import create_app
    from claimscrub.web.config import Settings
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User
    from claimscrub.web.security import hash_password

    db = world_readable_dir / "web.db"
    settings = Settings(db=str(db), data_dir=world_readable_dir / "uploads")
    app = create_app(settings)
    with session_scope(settings.url) as s:
        s.add(User(name="biller", role="biller", password_hash=hash_password("correct horse battery")))
    client = new_client(app)
    batch_id = upload(client, sign_in(client, "biller"), ONE_LINE)
    files = _database_files(db)
    assert Path(f"{db}-wal") in files
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}
    folder = world_readable_dir / "uploads" / batch_id
    assert oct(mode(world_readable_dir / "uploads")) == "0o700"
    assert oct(mode(folder)) == "0o700"
    assert [oct(mode(p)) for p in folder.iterdir()] == ["0o600"]


def test_cli_import_database_private_with_umask_0(world_readable_dir: Path) -> None:
    db = world_readable_dir / "history.db"
    proc = subprocess.run(
        [
            str(BIN),
            "import",
            "--db",
            str(db),
            str(Path(__file__).parents[2] / "src/claimscrub/data/sample/claims.csv"),
        ],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0),
    )
    assert proc.returncode == 0, proc.stderr
    assert [oct(mode(p)) for p in _database_files(db)] == ["0o600"] * len(_database_files(db))


def test_old_world_readable_database_is_tightened(world_readable_dir: Path) -> None:
    db = world_readable_dir / "old.db"
    proc = subprocess.run(
        [str(BIN), "apikey", "create", "k", "--db", str(db)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    for p in _database_files(db):
        p.chmod(0o644)
    proc = subprocess.run([str(BIN), "apikey", "list", "--db", str(db)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert all(mode(p) == 0o600 for p in _database_files(db))


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root to act as another user"
)
def test_other_local_user_cannot_read_the_session_secret(open_umask, world_readable_dir: Path) -> None:
    """Another account on the machine (``nobody``) cannot open the database holding the secret."""
    from claimscrub.web import create_app
    from claimscrub.web.config import Settings

    db = world_readable_dir / "web.db"
    create_app(Settings(db=str(db), data_dir=world_readable_dir / "uploads"))
    for p in _database_files(db):
        proc = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(p)], capture_output=True)
        assert proc.returncode != 0 and b"Permission denied" in proc.stderr, p.name
