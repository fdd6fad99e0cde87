"""The server and the admin's CLI on one database, as an operator uses them: ``claimscrub serve``
takes uploads while ``apikey list``, ``audit`` and a plain sqlite3 connection open the same
database; after a restart every batch that was answered 201 is there (SQLite and PostgreSQL).
``users disable`` and ``apikey revoke`` run from the CLI reach the running server.

Before the fix, ``store._schema_lock`` opened and closed the SQLite file inside the server
process; closing any descriptor drops every POSIX lock the process holds on the file, so the
CLI's next close deleted the server's live WAL and the acknowledged uploads vanished.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import cli, gen_batch
from tests.faults.test_kill_web_upload import Server as _Server

PASSWORD = "correct horse battery"


class Server(_Server):
    """``claimscrub serve`` on a SQLite file or a PostgreSQL URL."""

    def __init__(self, db: str, data: Path, log: Path, *extra: str) -> None:
        super().__init__(Path("."), data)
        self.db_arg, self.log, self.extra = db, log, extra

    def start(self) -> None:
        self.proc = subprocess.Popen(
            cli(
                "serve",
                "--port",
                str(self.port),
                "--db",
                self.db_arg,
                "--data-dir",
                str(self.data),
                *self.extra,
            ),
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115 - the child keeps it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cli(*args), capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})}
    )


def _key(db: str, name: str) -> str:
    proc = _run("apikey", "create", name, "--db", db)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _stop(server: Server) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=60)


def _admin_commands(db: str, sqlite_file: Path | None, out: Path) -> None:
    """What an admin runs next to a live server: each opens and closes the database."""
    for args in (("apikey", "list", "--db", db), ("users", "list", "--db", db)):
        proc = _run(*args)
        assert proc.returncode == 0, proc.stderr
    audit = _run("audit", "--db", db, "--format", "json", "-o", str(out / "audit.json"))
    assert "Traceback" not in audit.stderr, audit.stderr
    if sqlite_file is not None:
        conn = sqlite3.connect(sqlite_file)
        assert conn.execute("select 1").fetchone() == (1,)
        conn.close()


def _sign_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/signin",
        data={"username": name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    assert r.status_code == 303, r.text[-500:]
    return client


def _until(predicate, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    """Poll (the server caches valid API keys for a few seconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path) -> tuple[str, Path | None]:
    if request.param == "sqlite":
        path = tmp_path / "cs.db"
        return str(path), path
    return request.getfixturevalue("pg_server").create_database(), None


def test_acknowledged_uploads_survive_admin_commands_and_restart(database, tmp_path: Path) -> None:
    db, sqlite_file = database
    batches = [gen_batch(300, tmp_path / f"b{i}.csv", seed=100 + i).read_bytes() for i in range(4)]
    key = _key(db, "uploader")
    spare = _key(db, "to-revoke")
    env = {"CLAIMSCRUB_PASSWORD": PASSWORD}
    assert _run("users", "add", "bea", "--role", "biller", "--db", db, env=env).returncode == 0

    server = Server(db, tmp_path / "up", tmp_path / "server.log")
    server.start()
    try:
        h = {"Authorization": f"Bearer {key}"}
        acknowledged: list[str] = []

        def upload(i: int) -> None:
            r = httpx.post(
                f"{server.url}/api/v1/batches",
                files={"file": (f"b{i}.csv", batches[i])},
                headers=h,
                timeout=120,
            )
            assert r.status_code == 201, r.text
            acknowledged.append(r.json()["id"])

        upload(0)
        _admin_commands(db, sqlite_file, tmp_path)
        upload(1)
        bea = _sign_in(server.url, "bea")
        assert bea.get("/batches").status_code == 200
        _admin_commands(db, sqlite_file, tmp_path)
        upload(2)
        _admin_commands(db, sqlite_file, tmp_path)
        upload(3)
        listed = {b["id"] for b in httpx.get(f"{server.url}/api/v1/batches", headers=h).json()}
        assert set(acknowledged) <= listed

        # the CLI's changes reach the running server
        sh = {"Authorization": f"Bearer {spare}"}
        assert httpx.get(f"{server.url}/api/v1/rules", headers=sh).status_code == 200
        assert _run("apikey", "revoke", "to-revoke", "--db", db).returncode == 0
        assert _until(lambda: httpx.get(f"{server.url}/api/v1/rules", headers=sh).status_code == 401)
        assert _run("users", "disable", "bea", "--db", db).returncode == 0
        assert bea.get("/batches").status_code == 303, "a user disabled from the CLI is still signed in"
        bea.close()
        _stop(server)

        _admin_commands(db, sqlite_file, tmp_path)
        server.start()
        after = httpx.get(f"{server.url}/api/v1/batches", headers=h).json()
        by_id = {b["id"]: b for b in after}
        lost = [b for b in acknowledged if b not in by_id]
        assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged batches lost"
        assert all(by_id[b]["status"] == "done" for b in acknowledged)
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.kill9()

    # and in the claim history store: one stored batch per upload, every line
    from sqlalchemy import create_engine, text

    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM batches")).scalar_one() == len(batches)
        assert c.execute(text("SELECT count(*) FROM lines")).scalar_one() == 300 * len(batches)
        if sqlite_file is not None:
            assert c.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    engine.dispose()
