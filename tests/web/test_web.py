"""Web app: sign-in, roles, CSRF, cookies, escaping, results filters, exports, access log."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from claimscrub.web.audit_log import recent

from .conftest import PASSWORD, SAMPLE, csrf_of, sign_in

PAGES = [
    "/batches",
    "/check",
    "/note",
    "/rules",
    "/rules/AO001",
    "/dashboard",
    "/admin/users",
    "/admin/access-log",
]


def upload(client: TestClient, data: bytes = b"", name: str = "claims.csv") -> str:
    page = client.get("/batches")
    r = client.post(
        "/batches/upload",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, data or SAMPLE.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    batch_id = r.headers["location"].rsplit("/", 1)[1]
    for _ in range(200):
        if "Checking…" not in client.get(f"/batches/{batch_id}").text:
            break
        time.sleep(0.05)
    return batch_id


@pytest.mark.parametrize(
    "path", [*PAGES, "/batches/0123456789abcdef", "/batches/0123456789abcdef/export.csv"]
)
def test_signed_out_sees_nothing_and_goes_to_sign_in(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/signin?next=")


def test_sign_in_cookie_flags_and_wrong_password(client):
    r = sign_in(client, "bill", "wrong password!")
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = sign_in(client, "nobody")
    assert r.status_code == 401
    r = sign_in(client, "bill")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/batches").status_code == 200


def test_cookie_is_secure_over_https(app):
    client = TestClient(app, base_url="https://testserver")
    r = sign_in(client, "bill")
    assert "; Secure" in r.headers["set-cookie"]


def test_sign_in_keeps_next_but_not_other_sites(client):
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={
            "username": "bill",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


@pytest.mark.parametrize(
    "path", ["/signin", "/signout", "/batches/upload", "/check", "/note", "/admin/users", "/admin/users/1"]
)
def test_every_form_post_needs_the_csrf_token(client, path):
    sign_in(client, "ada")
    r = client.post(path, data={"username": "x", "password": "y" * 12, "role": "admin", "text": "x"})
    assert r.status_code == 403
    r = client.post(path, data={"csrf_token": "forged", "text": "x"})
    assert r.status_code == 403


def test_roles(client, app):
    sign_in(client, "bill")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/access-log").status_code == 403
    page = client.get("/batches")
    r = client.post(
        "/admin/users",
        data={"csrf_token": csrf_of(page.text), "username": "mallory", "role": "admin", "password": "x" * 12},
    )
    assert r.status_code == 403

    auditor = TestClient(app)
    sign_in(auditor, "aud")
    assert auditor.get("/admin/access-log").status_code == 200
    assert auditor.get("/admin/users").status_code == 403
    page = auditor.get("/batches")
    assert 'action="/batches/upload"' not in page.text
    r = auditor.post(
        "/batches/upload",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("c.csv", b"a,b\n", "text/csv")},
    )
    assert r.status_code == 403


def test_admin_manages_users(client, app):
    sign_in(client, "ada")
    page = client.get("/admin/users")
    r = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "newbie",
            "role": "biller",
            "password": "long enough pw",
        },
    )
    assert "User newbie added as biller" in r.text
    other = TestClient(app)
    assert sign_in(other, "newbie", "long enough pw").status_code == 303
    r = client.post(
        "/admin/users",
        data={"csrf_token": csrf_of(page.text), "username": "x2", "role": "biller", "password": "short"},
    )
    assert "at least 10 characters" in r.text


def test_note_with_script_is_shown_as_text_with_marks(client):
    sign_in(client, "bill")
    note = "<script>alert('x')</script> Sertraline 50 mg, continue. Denies side effects."
    page = client.get("/note")
    r = client.post("/note", data={"csrf_token": csrf_of(page.text), "text": note})
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(" in r.text
    assert '<mark class="ev"' in r.text
    assert "Sertraline</mark>" in r.text


def test_batch_results_filter_explain_and_export(client, settings):
    sign_in(client, "bill")
    batch_id = upload(client)
    page = client.get(f"/batches/{batch_id}")
    assert page.status_code == 200
    assert "Why it matters" in page.text and "Fix:" in page.text and 'href="/rules/AO001"' in page.text
    errors_only = client.get(f"/batches/{batch_id}?severity=error")
    assert 'class="sev warning"' not in errors_only.text.split("<tbody>", 2)[-1]
    rule = client.get(f"/batches/{batch_id}?rule=AO001").text
    assert "1 finding" in rule or "findings shown" in rule
    for fmt, kind in (("csv", "text/csv"), ("json", "application/json"), ("html", "text/html")):
        r = client.get(f"/batches/{batch_id}/export.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        assert "attachment" in r.headers["content-disposition"]
    filtered = client.get(f"/batches/{batch_id}/export.json?severity=error").json()
    assert filtered["findings"] and all(f["severity"] == "error" for f in filtered["findings"])
    log = recent(settings.url)
    actions = {(e.actor, e.action, e.batch_id) for e in log}
    assert ("user:bill", "upload", batch_id) in actions
    assert ("user:bill", "view", batch_id) in actions
    assert ("user:bill", "export", batch_id) in actions


def test_bad_upload_shows_the_reason(client):
    sign_in(client, "bill")
    batch_id = upload(client, b"not,a,claim\nfile,at,all\n", "odd.csv")
    page = client.get(f"/batches/{batch_id}").text
    assert "could not be read" in page and "odd.csv" in page


def test_encounter_check_form(client):
    sign_in(client, "bill")
    page = client.get("/check")
    form = {
        "csrf_token": csrf_of(page.text),
        "patient_id": "P1",
        "service_date": "2026-03-02",
        "provider_npi": "1234567893",
        "provider_credential": "LCSW",
        "cpt_0": "90863",
        "units_0": "1",
    }
    r = client.post("/check", data=form)
    assert r.status_code == 200
    assert "fix before billing" in r.text and "PV001" in r.text and "AO001" in r.text
    r = client.post("/check", data={**form, "service_date": "2026-02-31"})
    assert "service_date" in r.text and "IN001" in r.text


def test_batch_page_lists_ignored_columns(client):
    sign_in(client, "bill")
    data = b"claim_id,patient_id,service_date,provider_npi,cpt,minuts\nA,P1,03/02/2026,1234567893,90834,45\n"
    batch_id = upload(client, data, "typo.csv")
    page = client.get(f"/batches/{batch_id}").text
    assert "Ignored column" in page and "<code>minuts</code>" in page


def test_rule_pages_and_dashboard(client):
    sign_in(client, "aud")
    assert "PV001" in client.get("/rules").text
    page = client.get("/rules/PV001").text
    assert "<strong>Why it matters.</strong>" in page
    assert client.get("/rules/nope").status_code == 404
    assert "Audit dashboard" in client.get("/dashboard").text


def test_security_headers(client):
    r = client.get("/signin")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
