"""Slow and idle clients against a real server (uvicorn with claimscrub's protocol, as
``claimscrub serve`` runs it): a connection that never completes its headers is closed, a body
that stalls gets 408 and a closed connection, and a slow upload does not hold up other users'
checks."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from tests.web.conftest import one_claim, rows_csv
from tests.web.server import running

CLIENT_TIMEOUT = 1.0
#: far above CLIENT_TIMEOUT: only a server that never closes reaches it
GIVE_UP = 20.0


@pytest.fixture
def server(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from claimscrub.web import create_app
    from claimscrub.web.config import Settings
    from claimscrub.web.security import create_api_key

    monkeypatch.setenv("CLAIMSCRUB_CLIENT_TIMEOUT", str(CLIENT_TIMEOUT))
    settings = Settings(db=str(tmp_path / "w.db"), data_dir=tmp_path / "up", client_timeout=CLIENT_TIMEOUT)
    app = create_app(settings)
    key = create_api_key(settings.url, "slow")
    with running(app) as base:
        yield base, key


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=GIVE_UP)
    return sock


def _closed_by_server(sock: socket.socket, trickle: bytes = b"") -> bool:
    """Send ``trickle`` a line at a time every 0.2 s; True once the server closes."""
    deadline = time.monotonic() + GIVE_UP
    lines = trickle.splitlines(keepends=True) or [b""]
    sock.settimeout(0.2)
    i = 0
    while time.monotonic() < deadline:
        try:
            if i < len(lines) and lines[i]:
                sock.sendall(lines[i])
            i += 1
            data = sock.recv(65536)
            if data == b"":
                return True
            if data.startswith(b"HTTP/1.1 408") or b"\r\n\r\n" in data:
                continue
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_silent_connection_is_closed(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    with _connect(base) as sock:
        assert _closed_by_server(sock), "a connection that sends nothing stays open"


def test_slowloris_headers_are_cut_off(server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    headers = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"".join(
        f"X-Slow-{i}: {i}\r\n".encode() for i in range(200)
    )
    with _connect(base) as sock:
        assert _closed_by_server(sock, headers), "headers sent a line at a time keep the connection"


def test_stalled_body_gets_408_and_close(server) -> None:  # type: ignore[no-untyped-def]
    base, key = server
    with _connect(base) as sock:
        sock.sendall(
            b"POST /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"lines": ['
        )
        sock.settimeout(GIVE_UP)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_slow_upload_does_not_block_other_checks(server) -> None:  # type: ignore[no-untyped-def]
    base, key = server
    h = {"Authorization": f"Bearer {key}"}
    batch = rows_csv(one_claim() * 1)
    boundary = "slowboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    checked = threading.Event()
    result: dict[str, int] = {}

    def slow_body():  # type: ignore[no-untyped-def]
        yield head
        # a slow client: a byte every 0.2 s (never silent for CLIENT_TIMEOUT) until the other
        # user's check is answered
        sent = 0
        while not checked.wait(0.2) and sent < len(batch) - 1:
            yield batch[sent : sent + 1]
            sent += 1
        yield batch[sent:] + tail

    def upload() -> None:
        r = httpx.post(
            f"{base}/api/v1/batches",
            content=slow_body(),
            headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=GIVE_UP * 3,
        )
        result["upload"] = r.status_code

    t = threading.Thread(target=upload)
    t.start()
    try:
        time.sleep(0.3)
        r = httpx.post(f"{base}/api/v1/check", json={"lines": one_claim()}, headers=h, timeout=GIVE_UP)
        assert r.status_code == 200 and t.is_alive(), "the check waited for the slow upload"
    finally:
        checked.set()
        t.join(timeout=GIVE_UP * 3)
    assert result.get("upload") == 201
