"""Passwords, API keys, signed session cookies, CSRF tokens, request size limit, API auth.

* Passwords: argon2id (argon2-cffi).
* API keys: ``cs_`` + 32 random bytes (urlsafe base64); stored as sha256 hex only.
* Sessions: a signed (itsdangerous), time-limited cookie ``claimscrub_session``; HttpOnly,
  SameSite=Lax, Secure when the request came over https (or ``--secure-cookies``).
* CSRF: a random per-session token, in a hidden field of every form; every form POST checks it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from claimscrub.web.db import session_scope
from claimscrub.web.models import ApiKey, utcnow

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("claimscrub.web")
SESSION_COOKIE = "claimscrub_session"
KEY_PREFIX = "cs_"

_hasher = PasswordHasher()
# Verifying against this keeps sign-in time the same for unknown users.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# -- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < 10:
        return "the password must have at least 10 characters"
    return None


# -- API keys ----------------------------------------------------------------------------------


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(url: str, name: str) -> str:
    key = new_api_key()
    with session_scope(url) as s:
        s.add(ApiKey(name=name, key_hash=key_hash(key), prefix=key[:10]))
    return key


class KeyCache:
    """Valid key hashes for a few seconds, so a request costs no database round trip.

    A revoked key stops working within ``ttl`` seconds in every worker.
    """

    def __init__(self, url: str, ttl: float = 5.0) -> None:
        self.url = url
        self.ttl = ttl
        self._valid: dict[str, tuple[str, float]] = {}

    def cached(self, key: str) -> str | None:
        """The key's name if it was found valid less than ``ttl`` seconds ago (no I/O)."""
        hit = self._valid.get(key_hash(key)) if key and len(key) <= 200 else None
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def lookup(self, key: str) -> str | None:
        """The key's name, from the cache or the database (blocking: call it off the event loop)."""
        if not key or len(key) > 200:
            return None
        digest = key_hash(key)
        now = time.monotonic()
        hit = self._valid.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        with session_scope(self.url) as s:
            row = s.scalars(
                select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            ).one_or_none()
            if row is None:
                self._valid.pop(digest, None)
                return None
            if row.last_used_at is None or (utcnow() - row.last_used_at).total_seconds() > 60:
                row.last_used_at = utcnow()
            name = row.name
        if len(self._valid) > 10_000:
            self._valid.clear()
        self._valid[digest] = (name, now + self.ttl)
        return name


# -- sessions ----------------------------------------------------------------------------------


class SessionMiddleware:
    """Signed-cookie sessions (``scope["session"]``, a dict), like Starlette's, but the Secure
    flag follows the request scheme (behind an https proxy run uvicorn with --proxy-headers)."""

    def __init__(self, app: ASGIApp, secret: str, max_age: int, force_secure: bool = False) -> None:
        self.app = app
        self.signer = URLSafeTimedSerializer(secret, salt="claimscrub.session")
        self.max_age = max_age
        self.force_secure = force_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        raw = _cookie(scope, SESSION_COOKIE)
        data: dict[str, Any] = {}
        if raw:
            try:
                data = self.signer.loads(raw, max_age=self.max_age)
            except (BadSignature, ValueError):
                data = {}
        scope["session"] = data
        initial = json.dumps(data, sort_keys=True)
        secure = self.force_secure or scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != initial or (raw and not current):
                    headers = list(message.get("headers", []))
                    if current:
                        value = self.signer.dumps(current)
                        cookie = f"{SESSION_COOKIE}={value}; Path=/; Max-Age={self.max_age}"
                    else:
                        cookie = f"{SESSION_COOKIE}=; Path=/; Max-Age=0"
                    cookie += "; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _cookie(scope: Scope, name: str) -> str | None:
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            for part in v.decode("latin-1").split(";"):
                key, _, value = part.strip().partition("=")
                if key == name:
                    return value
    return None


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: object) -> bool:
    expected = session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


# -- API: body size and bearer keys ---------------------------------------------------------------

PUBLIC_API = {"/api/v1/health", "/api/v1/openapi.json"}


async def _plain(send: Send, status: int, body: bytes = b"", headers: list | None = None) -> None:
    hdrs = [(b"content-length", str(len(body)).encode())] + (headers or [])
    if body:
        hdrs.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


#: Batch uploads may be larger than other requests (``--max-upload-mb``).
UPLOAD_PATHS = {"/api/v1/batches", "/batches/upload"}


class ClientTooSlow(BaseException):
    """The client sent nothing for ``client_timeout`` seconds mid-body. A BaseException so no
    route or error handler turns it into a 500: :class:`LimitsMiddleware` answers 408."""


class LimitsMiddleware:
    """API bearer-key check (401, empty body), the request size limit (413), a client that
    stalls mid-body (408, connection closed) and one access-log row per API call (the key's
    name, never the key) for every request."""

    def __init__(
        self, app: ASGIApp, keys: KeyCache, max_body: int, max_upload: int, client_timeout: float = 30
    ) -> None:
        self.app = app
        self.keys = keys
        self.max_body = max_body
        self.max_upload = max_upload
        self.client_timeout = client_timeout
        self.api_log = None  # GroupWriter, made on the first API call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        key_name = None
        if path.startswith("/api/") and path not in PUBLIC_API:
            key_name = await self._bearer(scope)
            if key_name is None:
                log.warning("API request without a valid key on %s", path[:100])
                await _plain(send, 401, headers=[(b"www-authenticate", b"Bearer")])
                return
            scope.setdefault("state", {})["api_key"] = key_name
        status: list[int] = []

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self._limited(scope, self._patient(receive), watched_send)
        except ClientTooSlow:
            log.info("client sent nothing for %g s on %s; connection closed", self.client_timeout, path[:100])
            if not status:
                await _plain(send, 408, b'{"detail":"request body too slow"}', [(b"connection", b"close")])
            return
        finally:
            if key_name is not None:
                await self._log_api_call(key_name, scope["method"], path, status[0] if status else 0)

    async def _log_api_call(self, key_name: str, method: str, path: str, status: int) -> None:
        from claimscrub.web.audit_log import GroupWriter
        from claimscrub.web.models import AccessLog

        if self.api_log is None:
            self.api_log = GroupWriter(self.keys.url)
        row = AccessLog(actor=f"apikey:{key_name}", action="api", detail=f"{method} {path} {status}"[:255])
        try:
            await asyncio.wrap_future(self.api_log.add(row))
        except Exception as exc:  # noqa: BLE001 - the answer is already sent; say so in the server log
            log.error("access log not written: %s", type(exc).__name__)

    def _patient(self, receive: Receive) -> Receive:
        """``receive`` with a deadline while the body is still arriving; afterwards (waiting for
        a disconnect while a response streams) without one."""
        body_done = False

        async def timed() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.client_timeout)
            except TimeoutError:
                raise ClientTooSlow from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        return timed

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        length = _header(scope, b"content-length")
        limit = self.limit_for(path)
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                await _plain(send, 400, b'{"detail":"invalid Content-Length header"}')
                return
            if too_big:
                await _plain(send, 413, self._too_large(limit))
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read up to the limit, then replay.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _plain(send, 413, self._too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def limit_for(self, path: str) -> int:
        return self.max_upload if path in UPLOAD_PATHS else self.max_body

    def _too_large(self, limit: int) -> bytes:
        mb = limit / (1024 * 1024)
        return json.dumps({"detail": f"request body larger than {mb:g} MB"}).encode()

    async def _bearer(self, scope: Scope) -> str | None:
        auth = _header(scope, b"authorization")
        if not auth:
            return None
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        key = key.strip()
        # a key seen valid within the TTL costs one sha256; a database look-up runs in a worker
        # thread, so it never stalls the other requests of this event loop
        return self.keys.cached(key) or await run_in_threadpool(self.keys.lookup, key)


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return v.decode("latin-1")
    return None


def fmt_time(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "-"
