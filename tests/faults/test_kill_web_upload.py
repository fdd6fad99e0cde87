"""kill -9 of ``claimscrub serve`` during a batch upload (mid-body, and while the uploaded batch
is being checked): afterwards the database opens, lists its batches, and a retry of the same
upload succeeds. A batch the crash left half-done is reported honestly (not shown as checked)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import cli, gen_batch


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: Path, data: Path) -> None:
        self.db, self.data = db, data
        self.port = _port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            cli("serve", "--port", str(self.port), "--db", str(self.db), "--data-dir", str(self.data)),
            stdout=subprocess.DEVNULL,
            stderr=open(self.db.parent / "server.log", "ab"),  # noqa: SIM115 - the child keeps it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path):
    srv = Server(tmp_path / "web.db", tmp_path / "uploads")
    yield srv
    if srv.proc is not None and srv.proc.poll() is None:
        srv.kill9()


def _key(db: Path) -> str:
    proc = subprocess.run(cli("apikey", "create", "faults", "--db", str(db)), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _slow_body(data: bytes, chunk: int = 256 * 1024, pause: float = 0.05):
    for i in range(0, len(data), chunk):
        yield data[i : i + chunk]
        time.sleep(pause)


def test_kill_9_during_web_upload(server: Server, tmp_path: Path) -> None:
    batch = gen_batch(60_000, tmp_path / "upload.csv").read_bytes()
    key = _key(server.db)
    h = {"Authorization": f"Bearer {key}"}
    server.start()
    boundary = "faultsboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + batch
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**h, "Content-Type": f"multipart/form-data; boundary={boundary}"}

    # 1. killed while the body is still arriving
    import threading

    errors: list[BaseException] = []

    def send() -> None:
        try:
            httpx.post(f"{server.url}/api/v1/batches", content=_slow_body(body), headers=headers, timeout=60)
        except BaseException as exc:  # noqa: BLE001 - the connection is expected to drop
            errors.append(exc)

    t = threading.Thread(target=send)
    t.start()
    time.sleep(0.5)
    server.kill9()
    t.join(timeout=60)
    assert errors, "the upload finished before the kill"

    # 2. killed while the uploaded batch is being checked (the API checks before answering)
    server.start()
    t = threading.Thread(target=send)
    t.start()
    time.sleep(0.1)
    deadline = time.monotonic() + 60
    while not any(server.data.glob("*/upload.csv")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    server.kill9()
    t.join(timeout=60)

    # afterwards: the database opens, the batch list answers, nothing claims "done" wrongly
    server.start()
    listed = httpx.get(f"{server.url}/api/v1/batches", headers=h, timeout=30)
    assert listed.status_code == 200
    for b in listed.json():
        if b["status"] == "done":
            assert b["summary"]["lines"] == 60_000
        # a batch that was being checked when the server died: must not stay "checking" forever
        r = httpx.get(f"{server.url}/api/v1/batches/{b['id']}/findings", headers=h, timeout=120)
        assert r.status_code in (200, 409)

    # 3. the retry succeeds completely
    r = httpx.post(
        f"{server.url}/api/v1/batches", files={"file": ("upload.csv", batch)}, headers=h, timeout=300
    )
    assert r.status_code == 201, (r.text, (server.db.parent / "server.log").read_text()[-3000:])
    assert r.json()["status"] == "done" and r.json()["summary"]["lines"] == 60_000
    stuck = [
        b for b in httpx.get(f"{server.url}/api/v1/batches", headers=h).json() if b["status"] == "checking"
    ]
    assert not stuck, f"{len(stuck)} batch(es) left 'checking' by the crash (must resume on restart)"
