"""``claimscrub serve``: the REST API (``/api/v1``) and the web app, one FastAPI application.

``create_app(settings)`` builds it; :mod:`claimscrub.web.models` holds the web tables (users,
API keys, batches, access log); guide: ``docs/web.md``.
"""

from __future__ import annotations

from claimscrub.web.config import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    from claimscrub.web.app import create_app as _create

    return _create(settings)
