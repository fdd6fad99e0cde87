"""Reading an input whole, but never without bound: files, FIFOs, devices and stdin (``-``).

Every reader gets its bytes here, so an endless input (``/dev/zero``, ``yes |``) stops at the
input limit with one message instead of filling memory.  The limit is
``$CLAIMSCRUB_MAX_INPUT_MB`` (MiB, default :data:`DEFAULT_MAX_INPUT_MB`), or ``--max-input-mb``
on the command line (docs/input.md, "Size limit").
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from claimscrub.errors import InputError

MIB = 1024 * 1024
DEFAULT_MAX_INPUT_MB = 512
MAX_INPUT_ENV = "CLAIMSCRUB_MAX_INPUT_MB"
MAX_NOTE_BYTES = 1024 * 1024  # a clinical note is a few KB; the REST API takes 200,000 characters
STDIN = "-"
STDIN_NAME = "<stdin>"
_CHUNK = MIB

_override_mb: int | None = None
_streams: dict[str, bytes] | None = None  # FIFOs and devices already read in this command run
_stdin_cache: tuple[object, bytes] | None = None  # (the stdin stream it was read from, its bytes)


def set_max_input_mb(mb: int | None) -> None:
    """The limit for this process (the CLI option); ``None`` = from the environment."""
    global _override_mb
    _override_mb = mb


def remember_streams() -> None:
    """For one command run: a FIFO or device is read once and its bytes reused when the same
    name is read again (``fix`` reads its input twice; a FIFO's data is gone after the first)."""
    global _streams
    _streams = {}


def max_input_bytes() -> int:
    if _override_mb is not None:
        return _override_mb * MIB
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * MIB
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(MAX_INPUT_ENV, "must be a whole number of MiB (1 or more)")
    return int(raw) * MIB


def is_stdin(path: Path | str) -> bool:
    return str(path) == STDIN


def source_name(path: Path | str) -> str:
    """The name messages use for ``path`` (``<stdin>`` for ``-``)."""
    return STDIN_NAME if is_stdin(path) else str(path)


def _too_big(name: str, limit: int, what: str = "input") -> InputError:
    size = f"{limit // MIB} MiB" if limit >= MIB else f"{limit} bytes"
    if what == "input":
        return InputError(name, f"larger than the input limit of {size} (--max-input-mb or ${MAX_INPUT_ENV})")
    return InputError(name, f"larger than the {size} a {what} may have")


def _read_stream(fh, name: str, limit: int, what: str = "input") -> bytes:  # type: ignore[no-untyped-def]
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_big(name, limit, what)


def _read_stdin(limit: int, kind: str) -> bytes:
    """stdin, read once per stream (``check -`` may need the bytes twice, e.g. for ``fix``)."""
    global _stdin_cache
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if _stdin_cache is not None and _stdin_cache[0] is stream:
        data = _stdin_cache[1]
    else:
        try:
            data = _read_stream(stream, STDIN_NAME, limit, kind)
        except OSError as exc:
            raise InputError(STDIN_NAME, f"cannot read ({exc.strerror})") from None
        _stdin_cache = (stream, data)
    if len(data) > limit:
        raise _too_big(STDIN_NAME, limit, kind)
    return data


def read_bounded(path: Path | str, *, what: str = "file", limit: int | None = None) -> bytes:
    """All bytes of ``path`` (``-`` = stdin), at most ``limit`` (default: the input limit).

    Regular files, FIFOs and character devices are read; a folder is an error.
    """
    kind = "input" if limit is None else what  # which limit a message names
    limit = max_input_bytes() if limit is None else limit
    if is_stdin(path):
        return _read_stdin(limit, kind)
    name = str(path)
    if _streams is not None and name in _streams:
        return _streams[name]
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > limit:
                raise _too_big(name, limit, kind)
            data = _read_stream(fh, name, limit, kind)
            if _streams is not None and not stat.S_ISREG(st.st_mode):
                _streams[name] = data
            return data
    except IsADirectoryError:
        raise InputError(name, "is a folder, not a file") from None
    except OSError as exc:
        raise InputError(name, f"cannot read {what} ({exc.strerror})") from None


def read_regular(path: Path, *, what: str = "file", limit: int | None = None) -> bytes | None:
    """The bytes of ``path`` when it is a regular file (symlinks followed), else ``None``.

    Opened non-blocking and checked on the open descriptor, so a FIFO (or anything swapped in
    after a directory listing) is skipped instead of hanging the run.
    """
    kind = "input" if limit is None else what
    limit = max_input_bytes() if limit is None else limit
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, IsADirectoryError):
        return None
    except OSError as exc:
        raise InputError(str(path), f"cannot read {what} ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_size > limit:
            raise _too_big(str(path), limit, kind)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return _read_stream(fh, str(path), limit, kind)
    except OSError as exc:
        raise InputError(str(path), f"cannot read {what} ({exc.strerror})") from None
    finally:
        os.close(fd)
