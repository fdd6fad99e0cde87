"""The FastAPI application: REST API under ``/api/v1``, web app everywhere else."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimscrub.errors import InputError, PolicyError
from claimscrub.web.batches import BatchService
from claimscrub.web.config import Settings
from claimscrub.web.db import init_db, session_secret
from claimscrub.web.security import KeyCache, LimitsMiddleware, SessionMiddleware

log = logging.getLogger("claimscrub.web")
HERE = Path(__file__).resolve().parent

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
]


class SecurityHeaders:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def wrapped(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except Exception as exc:
            # Starlette re-raises after answering 500; stop it here so no server log prints a
            # traceback whose message could quote patient data. Only the type is logged.
            log.error("unhandled %s on %s", type(exc).__name__, scope.get("path"))
            if not started:
                body = b'{"detail":"internal error"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})


def validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """One readable line per problem: where and what, never the submitted value."""
    parts = []
    status = 422
    for err in exc.errors()[:10]:
        if err.get("type") == "json_invalid":
            status = 400
            pos = (err.get("ctx") or {}).get("error", "")
            return 400, f"malformed JSON body ({pos})" if pos else "malformed JSON body"
        where = ""
        for part in err.get("loc", ()):
            if part == "body":
                continue
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        where = where or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return status, "; ".join(parts) or "invalid request"


def create_app(settings: Settings | None = None) -> object:
    """The ASGI app (FastAPI wrapped in the size-limit / API-key and session middlewares)."""
    from claimscrub.web import api, views

    settings = settings or Settings.from_env()
    url = settings.url
    init_db(url)

    app = FastAPI(
        title="claimscrub",
        summary="Checks behavioral-health claims (CPT 90863, psychotherapy, E/M) before they go to a payer.",
        version=_version(),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.batches = BatchService(url, settings.upload_dir)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):  # type: ignore[no-untyped-def]
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(views.NeedSignIn)
    async def _sign_in(request: Request, exc: views.NeedSignIn):  # type: ignore[no-untyped-def]
        return views.sign_in_redirect(exc)

    @app.exception_handler(PolicyError)
    async def _policy_error(request: Request, exc: PolicyError):  # type: ignore[no-untyped-def]
        return JSONResponse({"detail": "payer policy configuration error"}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        if not request.url.path.startswith("/api/"):
            return await views.form_error(request, exc)
        status, message = validation_message(exc)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return await views.http_error(request, exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        if _disk_full(exc):
            log.error("disk full on %s", request.url.path)
            return JSONResponse({"detail": "the server's disk is full; nothing was stored"}, status_code=507)
        # Only the type: messages of data errors can quote field values (patient data).
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.include_router(api.public)
    app.include_router(api.router)
    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    secret = session_secret(url)
    inner = SessionMiddleware(
        app, secret, max_age=int(settings.session_hours * 3600), force_secure=settings.secure_cookies
    )
    limited = LimitsMiddleware(
        inner, KeyCache(url), settings.max_body, settings.max_upload, settings.client_timeout
    )
    wrapped = SecurityHeaders(limited)
    wrapped.fastapi = app  # type: ignore[attr-defined]
    return wrapped


def _disk_full(exc: BaseException) -> bool:
    import errno

    from claimscrub.store import DISK_FULL

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(k in text for k in DISK_FULL)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claimscrub")
    except PackageNotFoundError:  # pragma: no cover
        return "0"
