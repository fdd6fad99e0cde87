"""``claimscrub apikey`` and ``claimscrub users``: keys shown once and stored hashed; roles."""

from __future__ import annotations

import hashlib
import sqlite3

from click.testing import CliRunner

from claimscrub.cli import main


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # noqa: A002
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_apikey_create_list_revoke(tmp_path):
    db = str(tmp_path / "k.db")
    r = run("apikey", "create", "billing-system", "--db", db)
    assert r.exit_code == 0
    key = r.stdout.strip()
    assert key.startswith("cs_") and len(key) > 40
    rows = sqlite3.connect(db).execute("select name, key_hash from web_api_keys").fetchall()
    assert rows == [("billing-system", hashlib.sha256(key.encode()).hexdigest())]
    assert key not in (tmp_path / "k.db").read_bytes().decode("latin-1")
    listed = run("apikey", "list", "--db", db).stdout
    assert "billing-system" in listed and "active" in listed and key not in listed
    assert run("apikey", "revoke", "billing-system", "--db", db).exit_code == 0
    assert "revoked" in run("apikey", "list", "--db", db).stdout
    assert run("apikey", "revoke", "billing-system", "--db", db).exit_code != 0


def test_users_add_from_env_and_prompt(tmp_path):
    db = str(tmp_path / "u.db")
    r = run(
        "users",
        "add",
        "carol",
        "--role",
        "auditor",
        "--db",
        db,
        env={"CLAIMSCRUB_PASSWORD": "a long password"},
    )
    assert r.exit_code == 0, r.output
    r = run("users", "add", "dave", "--role", "admin", "--db", db, input="another long pw\nanother long pw\n")
    assert r.exit_code == 0, r.output
    r = run("users", "add", "erin", "--role", "biller", "--db", db, env={"CLAIMSCRUB_PASSWORD": "short"})
    assert r.exit_code != 0 and "at least 10" in r.output
    r = run("users", "add", "x", "--role", "boss", "--db", db)
    assert r.exit_code != 0
    listed = run("users", "list", "--db", db).stdout
    assert "carol" in listed and "auditor" in listed and "dave" in listed
    hashes = [h for (h,) in sqlite3.connect(db).execute("select password_hash from web_users")]
    assert all(h.startswith("$argon2") for h in hashes)
    assert run("users", "disable", "carol", "--db", db).exit_code == 0
    assert "disabled" in run("users", "list", "--db", db).stdout


def test_serve_help():
    r = run("serve", "--help")
    assert r.exit_code == 0 and "--port" in r.stdout and "--workers" in r.stdout
