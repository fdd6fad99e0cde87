"""Files that hold patient data or secrets are private to the service user, whatever the umask:
the database and its WAL/SHM/journal files (they hold API key hashes, session records, the
session-signing secret, claim lines), uploaded batches, and the folders that hold them.

Modes are set by path (``os.chmod``), never by opening the database file: closing any descriptor
of a SQLite file drops the POSIX locks the process holds on it (see docs/reliability.md).
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _tighten(path: str | Path, mode: int) -> None:
    try:
        if os.stat(path).st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:  # another owner's file: not ours to change
        pass


def private_sqlite(db_file: str | None) -> None:
    """Make a SQLite database and its companion files 0600. Called on every new connection,
    after SQLite created the file (empty until the first write) and before any pragma runs: SQLite
    gives the WAL and SHM files the database file's mode when it creates them."""
    if not db_file or db_file == ":memory:" or db_file.startswith("file:"):
        return
    _tighten(db_file, FILE_MODE)
    for suffix in SQLITE_COMPANIONS:
        _tighten(db_file + suffix, FILE_MODE)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) 0700; an existing folder is tightened to 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file that is 0600 from its first byte (no window where others can read it),
    and durable before the caller acknowledges it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask can only remove bits; this also covers odd ACL defaults
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
