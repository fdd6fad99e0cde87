"""REST API: spec §6 check, auth (401, nothing said), 4xx for bad input, size limit, batches."""

from __future__ import annotations

import json

import pytest

from claimscrub.service import CheckOptions, check_records, findings_json
from claimscrub.web.db import session_scope
from claimscrub.web.models import ApiKey, utcnow

from .conftest import SAMPLE, one_claim


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_health_needs_no_key(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_openapi_published(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/check" in doc["paths"] and "/api/v1/batches/{batch_id}/findings" in doc["paths"]
    assert doc["components"]["securitySchemes"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
@pytest.mark.parametrize("path", ["/api/v1/check", "/api/v1/note", "/api/v1/batches", "/api/v1/nothing-here"])
def test_missing_or_wrong_key_is_401_and_says_nothing(client, api_key, headers, path):
    r = client.post(path, content=b"{not json", headers={**headers, "content-type": "application/json"})
    assert r.status_code == 401
    assert r.content == b""
    r = client.get("/api/v1/batches", headers=headers)
    assert r.status_code == 401 and r.content == b""


def test_revoked_key_is_refused(app, client, settings):
    from claimscrub.web.security import create_api_key

    key = create_api_key(settings.url, "old")
    with session_scope(settings.url) as s:
        for k in s.query(ApiKey).filter_by(name="old"):
            k.revoked_at = utcnow()
    r = client.post("/api/v1/check", json={"lines": one_claim()}, headers=auth(key))
    assert r.status_code == 401


def test_check_is_spec_json(client, api_key):
    lines = one_claim()
    r = client.post("/api/v1/check", json={"lines": lines}, headers=auth(api_key))
    assert r.status_code == 200
    expected = json.loads(json.dumps(findings_json(check_records(lines, CheckOptions())), default=str))
    assert r.json() == expected
    body = r.json()
    assert set(body["summary"]) >= {"claims", "lines", "errors", "warnings", "infos"}
    for f in body["findings"]:
        assert set(f) >= {"rule", "severity", "claim_id", "line_no", "code", "message", "fix"}


def test_misspelled_column_is_listed_not_read(client, api_key):
    """A misspelled ``minuts`` must be visible to an API caller too; its value is never used."""
    line = {**one_claim()[0], "minuts": "7391", "payer_note": {"nested": ["x"]}}
    line.pop("minutes", None)
    r = client.post("/api/v1/check", json={"lines": [line]}, headers=auth(api_key))
    assert r.status_code == 200
    assert r.json()["summary"]["ignored_columns"] == ["minuts", "payer_note"]
    assert "7391" not in r.text


def test_check_accepts_numbers_and_finds_errors(client, api_key):
    line = {
        "claim_id": "C1",
        "patient_id": "P1",
        "service_date": "2026-03-02",
        "provider_npi": 1234567893,
        "provider_credential": "LCSW",
        "cpt": 90863,
        "units": 1,
    }
    r = client.post("/api/v1/check", json={"lines": [line]}, headers=auth(api_key))
    assert r.status_code == 200
    rules = {f["rule"] for f in r.json()["findings"]}
    assert {"AO001", "PV001"} <= rules
    assert r.json()["summary"]["errors"] >= 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{bad json", 400, "malformed JSON"),
        (b"[]", 422, "body"),
        (b'{"lines": "x"}', 422, "lines"),
        (b'{"lines": []}', 422, "lines"),
        (b'{"lines": [1]}', 422, "lines[0]"),
        (b'{"lines": [{"claim_id": "C1"}]}', 422, "patient_id"),
        (
            b'{"lines": [{"claim_id": {"a": 1}, "patient_id": "P", "service_date": "2026-02-01", '
            b'"provider_npi": "1234567893", "cpt": "90834"}]}',
            422,
            "claim_id",
        ),
    ],
)
def test_bad_requests_are_4xx_with_a_clear_message(client, api_key, body, status, words):
    r = client.post(
        "/api/v1/check", content=body, headers={**auth(api_key), "content-type": "application/json"}
    )
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ({"service_date": "2026-02-30"}, "service_date"),
        ({"units": "many"}, "units"),
        ({"cpt": "90863-95"}, "cpt"),
    ],
)
def test_unreadable_value_is_in001_not_a_rejected_request(client, api_key, line, column):
    good = {"claim_id": "C2", "patient_id": "P2", "service_date": "03/02/2026",
            "provider_npi": "1234567893", "cpt": "90837", "minutes": "45", "icd10": "F33.1"}  # fmt: skip
    bad = {**good, "claim_id": "C1", "patient_id": "P", **line}
    r = client.post("/api/v1/check", json={"lines": [bad, good]}, headers=auth(api_key))
    assert r.status_code == 200, r.text
    found = [(f["claim_id"], f["rule"]) for f in r.json()["findings"]]
    assert found == [("C1", "IN001"), ("C2", "PT002")]
    assert column in r.json()["findings"][0]["message"]
    assert next(iter(line.values())) not in r.text


def test_error_messages_do_not_echo_values(client, api_key):
    secret = "PATIENT-XYZ-4711"
    bad = {
        "claim_id": "C1",
        "patient_id": secret,
        "service_date": secret,
        "provider_npi": "1",
        "cpt": "90834",
    }
    r = client.post("/api/v1/check", json={"lines": [bad]}, headers=auth(api_key))
    assert r.status_code == 200 and "IN001" in r.text  # the line's IN001 names the column only
    assert secret not in r.text


def test_request_size_limit(client, api_key, settings):
    big = b'{"lines": [' + b" " * (settings.max_body + 10) + b"]}"
    r = client.post(
        "/api/v1/check", content=big, headers={**auth(api_key), "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]

    def chunks():
        for _ in range(settings.max_body // 65536 + 2):
            yield b" " * 65536

    r = client.post(
        "/api/v1/check", content=chunks(), headers={**auth(api_key), "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_upload_batch_and_page_findings(client, api_key):
    r = client.post(
        "/api/v1/batches",
        files={"file": ("claims.csv", SAMPLE.read_bytes(), "text/csv")},
        headers=auth(api_key),
    )
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["status"] == "done" and batch["summary"]["lines"] > 0
    bid = batch["id"]
    everything = client.get(f"/api/v1/batches/{bid}/findings?page_size=1000", headers=auth(api_key)).json()
    total = everything["total"]
    assert total == len(everything["findings"]) > 0
    page1 = client.get(f"/api/v1/batches/{bid}/findings?page_size=3", headers=auth(api_key)).json()
    page2 = client.get(f"/api/v1/batches/{bid}/findings?page_size=3&page=2", headers=auth(api_key)).json()
    assert (
        page1["findings"] == everything["findings"][:3] and page2["findings"] == everything["findings"][3:6]
    )
    errors = client.get(f"/api/v1/batches/{bid}/findings?severity=error", headers=auth(api_key)).json()
    assert errors["total"] == batch["summary"]["errors"]
    assert all(f["severity"] == "error" for f in errors["findings"])
    first = everything["findings"][0]
    for key, param in (("rule", "rule"), ("provider_npi", "provider"), ("payer", "payer")):
        got = client.get(
            f"/api/v1/batches/{bid}/findings", params={param: first[key]}, headers=auth(api_key)
        ).json()
        assert got["total"] >= 1 and all(f[key] == first[key] for f in got["findings"])
    assert client.get("/api/v1/batches/0000000000000000", headers=auth(api_key)).status_code == 404
    assert client.get(f"/api/v1/batches/{bid}/findings?page=0", headers=auth(api_key)).status_code == 422
    listed = client.get("/api/v1/batches", headers=auth(api_key)).json()
    assert [b["id"] for b in listed] == [bid]


def test_upload_unreadable_file_is_400(client, api_key):
    r = client.post(
        "/api/v1/batches",
        files={"file": ("x.csv", b"just,some\ncolumns,here\n", "text/csv")},
        headers=auth(api_key),
    )
    assert r.status_code == 400
    assert r.json()["status"] == "failed" and "x.csv" in r.json()["error"]
    assert "/" not in r.json()["error"].split(":")[0]  # the server path is not shown


def test_export_csv_is_formula_safe(client, api_key):
    line = dict(one_claim()[1], claim_id='=HYPERLINK("http://x")', note="")
    data = "claim_id,line_no,patient_id,service_date,provider_npi,provider_credential,cpt\n"
    data += f'"{line["claim_id"].replace(chr(34), chr(34) * 2)}",1,P1,2026-03-02,1234567893,LCSW,90863\n'
    r = client.post(
        "/api/v1/batches", files={"file": ("f.csv", data.encode(), "text/csv")}, headers=auth(api_key)
    )
    assert r.status_code == 201, r.text
    out = client.get(f"/api/v1/batches/{r.json()['id']}/export?format=csv", headers=auth(api_key))
    assert out.status_code == 200 and "attachment" in out.headers["content-disposition"]
    assert "'=HYPERLINK" in out.text
    assert "\n=HYPERLINK" not in out.text and ",=HYPERLINK" not in out.text


def test_note_endpoint_gives_elements_and_evidence(client, api_key):
    text = one_claim()[0]["note"]
    r = client.post("/api/v1/note", json={"text": text}, headers=auth(api_key))
    assert r.status_code == 200
    body = r.json()
    for key in (
        "medication",
        "action",
        "response",
        "side_effects",
        "adherence",
        "rationale",
        "not_performed",
    ):
        assert isinstance(body[key], bool)
    assert body["medications"] == ["sertraline"]
    start, end, word = body["evidence"]["medication"][0]
    assert text[start:end] == word
    assert client.post("/api/v1/note", json={"txt": "x"}, headers=auth(api_key)).status_code == 422


def test_price_rules_and_profiles(client, api_key):
    r = client.post("/api/v1/price", json={"lines": one_claim()}, headers=auth(api_key))
    assert r.status_code == 200 and len(r.json()["lines"]) == 2 and "at_risk" in r.json()["money"]
    rules = client.get("/api/v1/rules", headers=auth(api_key)).json()
    assert {r["id"] for r in rules} >= {"AO001", "PV001", "DC001"}
    page = client.get("/api/v1/rules/ao001", headers=auth(api_key)).json()
    assert page["id"] == "AO001" and "Why it matters" in page["doc"]
    assert client.get("/api/v1/rules/XX999", headers=auth(api_key)).status_code == 404
    profiles = client.get("/api/v1/audit/profiles", headers=auth(api_key))
    assert profiles.status_code in (200, 404)
