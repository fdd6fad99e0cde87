"""Who viewed / exported / uploaded which batch (table ``web_access_log``)."""

from __future__ import annotations

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
