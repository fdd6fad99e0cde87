"""Writing outputs safely, and only where asked (docs/reliability.md, "Inputs and outputs").

* A regular file (or a new one) is written completely or not at all: a temp file in the same
  folder, fsync, rename.  An existing file keeps its permission bits (and owner, when allowed).
* A symlink: its target is replaced that way; the link itself stays a link.
* Anything that is not a regular file -- ``/dev/null``, a FIFO, a terminal, ``/dev/stdout`` or
  ``/dev/fd/N`` -- is written to where it is, never replaced by a regular file.
* ``-`` is stdout.
* Several outputs (``fix -o A --changes B``) are written all or none: every file is staged first;
  if a rename fails, the files already renamed get their old content back.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDOUT = "-"
# names of an already open descriptor: written to (appending), never replaced
_DESCRIPTOR = re.compile(r"/dev/(?:stdout|stderr|fd/\d+)|/proc/(?:self|thread-self|\d+)/fd/\d+")


class OutputError(Exception):
    """The output could not be written (read-only folder, disk full, ...)."""


@dataclass(frozen=True)
class _Target:
    shown: str  # as the user named it (for messages)
    kind: str  # "stdout" | "stream" | "file"
    real: str  # where the bytes go: symlinks resolved for "file"


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and os.fspath(path) == STDOUT


def _fail(target: str, exc: OSError) -> OutputError:
    return OutputError(f"{target}: cannot write ({_reason(exc)})")


def _reason(exc: OSError) -> str:
    """The OS's words for the failure; Polars' writer reports them only in the message text
    (``File too large (os error 27)``)."""
    if exc.strerror:
        return exc.strerror
    if exc.errno:
        return os.strerror(exc.errno)
    text = str(exc.args[0]) if exc.args else ""
    return re.sub(r"\s*\(os error \d+\)$", "", text) or type(exc).__name__


def _target(path: Path | str) -> _Target:
    name = os.fspath(path)
    if name in (STDOUT, "/dev/stdout"):
        return _Target(name, "stdout", name)
    try:
        st: os.stat_result | None = os.stat(name)  # follows symlinks
    except FileNotFoundError:
        st = None  # a new file, or a symlink whose target does not exist yet
    except OSError as exc:
        raise _fail(name, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{name}: is a folder, not a file")
    if (st is not None and not stat.S_ISREG(st.st_mode)) or _DESCRIPTOR.fullmatch(name):
        return _Target(name, "stream", name)
    return _Target(name, "file", os.path.realpath(name))


def _payload(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


Writer = Callable[[BinaryIO], object]


def _stage(t: _Target, write: Writer) -> str:
    """A complete, fsynced temp file next to the target; returns its path."""
    folder = os.path.dirname(t.real) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(t.real)}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _fail(t.shown, exc) from None
    try:
        try:
            old = os.stat(t.real)
        except FileNotFoundError:
            old = None
        if old is None:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # a report is an ordinary file, not mkstemp's 0600
        else:
            os.fchmod(fd, stat.S_IMODE(old.st_mode))
            try:
                os.fchown(fd, old.st_uid, old.st_gid)
            except PermissionError:
                pass  # not ours to give away: the file becomes the writer's, like any rewrite
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        _unlink_quiet(tmp)
        raise _fail(t.shown, exc) from None
    return tmp


def _write_stream(t: _Target, payload: bytes) -> None:
    try:
        if t.kind == "stdout":
            sys.stdout.flush()
            out = getattr(sys.stdout, "buffer", None)
            if out is None:
                sys.stdout.write(payload.decode("utf-8"))
            else:
                out.write(payload)
                out.flush()
            return
        with open(t.real, "ab") as fh:  # a device, FIFO or descriptor: write, never truncate/replace
            fh.write(payload)
    except OSError as exc:
        raise _fail(t.shown, exc) from None


def _unlink_quiet(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _backup(real: str) -> str | None:
    """A hard link (else a copy) of the current file, to put back if a later output fails."""
    if not os.path.lexists(real):
        return None
    folder, name = os.path.split(real)
    backup = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.bak")
    try:
        os.link(real, backup)
    except OSError:
        shutil.copy2(real, backup)
    return backup


def _commit(staged: list[tuple[_Target, str]]) -> None:
    if len(staged) == 1:
        t, tmp = staged[0]
        try:
            os.replace(tmp, t.real)
        except OSError as exc:
            raise _fail(t.shown, exc) from None
        return
    done: list[tuple[_Target, str | None]] = []  # renamed so far, with the old file's backup
    try:
        for t, tmp in staged:
            backup = _backup(t.real)
            try:
                os.replace(tmp, t.real)
            except OSError:
                if backup is not None:
                    _unlink_quiet(backup)
                raise
            done.append((t, backup))
    except OSError as exc:
        for prev, backup in reversed(done):
            try:
                if backup is not None:
                    os.replace(backup, prev.real)
                else:
                    os.unlink(prev.real)
            except OSError:
                pass  # best effort: the error below is what the user must act on
        raise _fail(t.shown, exc) from None
    for _, backup in done:
        if backup is not None:
            _unlink_quiet(backup)


def write_outputs(outputs: Sequence[tuple[Path | str, str | bytes]]) -> None:
    """Write every ``(path, data)`` or none of them (see the module docstring)."""
    targets = [(_target(p), _payload(d)) for p, d in outputs]
    seen: set[tuple[str, str]] = set()
    for t, _ in targets:
        key = (t.kind, t.real)
        if t.kind != "stream" and key in seen:
            raise OutputError(f"{t.shown}: given as more than one output")
        seen.add(key)
    staged: list[tuple[_Target, str]] = []
    try:
        for t, payload in targets:
            if t.kind == "file":
                staged.append((t, _stage(t, lambda fh, data=payload: fh.write(data))))
        for t, payload in targets:
            if t.kind != "file":
                _write_stream(t, payload)
        _commit(staged)
    finally:
        for _, tmp in staged:
            _unlink_quiet(tmp)  # gone already when committed


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write one output (see the module docstring)."""
    write_outputs([(path, data)])


def write_atomic_with(path: Path | str, write: Writer) -> None:
    """As :func:`write_atomic`, with ``write(fh)`` writing the bytes: a big report goes to a
    regular file as it is made, never held as one string."""
    t = _target(path)
    if t.kind != "file":
        buffer = io.BytesIO()
        write(buffer)
        _write_stream(t, buffer.getvalue())
        return
    tmp = _stage(t, write)
    try:
        _commit([(t, tmp)])
    finally:
        _unlink_quiet(tmp)
