"""Who signed in, viewed, exported, uploaded, called the API (table ``web_access_log``)."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from fastapi import Request
from sqlalchemy import select

from claimscrub.web.db import session_scope
from claimscrub.web.models import AccessLog


def record(
    request: Request, action: str, batch_id: str | None = None, *, who: str, detail: str | None = None
):
    with session_scope(request.app.state.settings.url) as s:
        s.add(AccessLog(actor=who, action=action, batch_id=batch_id, detail=(detail or None)))


def recent(url: str, limit: int = 500, batch_id: str | None = None) -> list[AccessLog]:
    with session_scope(url) as s:
        q = select(AccessLog).order_by(AccessLog.at.desc(), AccessLog.id.desc()).limit(limit)
        if batch_id:
            q = q.where(AccessLog.batch_id == batch_id)
        return list(s.scalars(q))


class GroupWriter:
    """Access-log rows of API calls, written by one thread per process in group commits: rows
    that arrive while a commit is running go in the next one, so a burst of calls costs one
    fsync per group, not one per call. ``add`` returns a future that resolves once the row is
    committed (the middleware awaits it after the answer was sent)."""

    def __init__(self, url: str, max_pending: int = 100_000) -> None:
        self.url = url
        self.max_pending = max_pending
        self._pending: list[tuple[AccessLog, Future]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, row: AccessLog) -> Future:
        fut: Future = Future()
        with self._lock:
            if len(self._pending) >= self.max_pending:  # bounded: the database is far behind
                fut.set_exception(OverflowError("access log backlog full"))
                return fut
            self._pending.append((row, fut))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="claimscrub-access-log", daemon=True)
                self._thread.start()
        self._wake.set()
        return fut

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                batch, self._pending = self._pending, []
                self._wake.clear()
            if not batch:
                continue
            try:
                with session_scope(self.url) as s:
                    s.add_all([row for row, _ in batch])
            except Exception as exc:  # noqa: BLE001 - reported to every waiting caller
                for _, fut in batch:
                    fut.set_exception(exc)
                continue
            for _, fut in batch:
                fut.set_result(None)
