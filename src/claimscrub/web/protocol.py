"""uvicorn's h11 protocol with a deadline for request headers.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive``, but a connection that
never completes its request headers (a new one that sends nothing, or a "slowloris" that sends a
byte every few seconds) stays open for ever. Here, a client has ``CLAIMSCRUB_CLIENT_TIMEOUT``
seconds (``claimscrub serve --client-timeout``) from connecting, and from the end of the
previous response, to send complete headers; otherwise the connection is closed. A stalled
body is cut off by :class:`claimscrub.web.security.LimitsMiddleware` (408).
"""

from __future__ import annotations

import asyncio
import logging
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("claimscrub.web")
DEFAULT_CLIENT_TIMEOUT = 30.0


def client_timeout() -> float:
    try:
        return float(os.environ.get("CLAIMSCRUB_CLIENT_TIMEOUT") or DEFAULT_CLIENT_TIMEOUT)
    except ValueError:
        return DEFAULT_CLIENT_TIMEOUT


class GuardedH11Protocol(H11Protocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(client_timeout(), self._headers_overdue)

    def _headers_overdue(self) -> None:
        self._header_timer = None
        # IDLE: no complete request line and headers since the timer was armed
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("client sent no complete request in %g s; connection closed", client_timeout())
            self.transport.close()
