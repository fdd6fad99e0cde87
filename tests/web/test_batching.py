"""Micro-batching of POST /api/v1/check: ``check_many`` answers exactly what checking each
request alone answers, and the API under concurrent load answers as it does sequentially."""

from __future__ import annotations

import asyncio
import copy
import csv
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub import service
from claimscrub.knowledge import DATA_DIR
from claimscrub.service import check_many, check_records, findings_json

with (DATA_DIR / "sample" / "claims.csv").open(newline="", encoding="utf-8") as fh:
    POOL: list[dict[str, Any]] = [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(fh)]

BAD = [
    ("service_date", "2026-13-45"),
    ("units", "x"),
    ("charge", "abc"),
    ("claim_id", "  "),
    ("claim_id", "A\x1fB"),  # holds the batch separator: checked alone
    ("provider_credential", "WIZARD"),
    ("minutes", "1e99"),
]


def ser(x: Any) -> str:
    if isinstance(x, dict):
        return json.dumps(x, separators=(",", ":"), default=str)  # key order matters too
    return f"{type(x).__name__}: {x}"


def alone(req: Any) -> Any:
    try:
        return findings_json(check_records(req))
    except Exception as exc:
        return exc


def assert_parity(reqs: list[Any], monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    want = [ser(alone(r)) for r in reqs]
    calls: list[Any] = []
    if monkeypatch is not None:
        real = service._check_alone
        monkeypatch.setattr(service, "_check_alone", lambda r, o: calls.append(r) or real(r, o))
    got = [ser(d) for d in check_many(reqs)]
    assert got == want
    if monkeypatch is not None and len(reqs) > 1 and all(w.startswith("{") for w in want):
        # a request holding the separator, or a blank claim/patient id (which cannot carry the
        # request tag), is checked alone by design
        if all(service._batchable(r) for r in reqs):
            assert calls == [], "good requests must be checked together, not alone"


def claims(*ids: str) -> list[dict[str, Any]]:
    return [dict(r) for r in POOL if r["claim_id"] in ids]


def test_same_claim_in_every_request_is_not_a_duplicate(monkeypatch):
    # every request bills the same claim id, patient, date and NPI: alone, no DU001; together
    # they would be duplicates of each other if requests could meet
    reqs = [claims("E01") for _ in range(5)]
    assert_parity(reqs, monkeypatch)
    assert all(f["rule"] != "DU001" for d in check_many(reqs) for f in d["findings"])


def test_sample_claims_in_requests_with_notes_money_and_whatif(monkeypatch):
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for r in POOL:
        by_claim.setdefault(r["claim_id"], []).append(dict(r))
    reqs = list(by_claim.values()) + [list(POOL), claims("E04"), claims("E01", "E04")]
    assert_parity(reqs, monkeypatch)
    docs = check_many(reqs)
    assert any("whatif" in d for d in docs)
    assert any(d["summary"]["money"]["priced_lines"] for d in docs)
    assert any(f["rule"].startswith("DC") and f["rule"] != "DC000" for d in docs for f in d["findings"])


def test_duplicate_lines_inside_one_request_still_found(monkeypatch):
    dup = claims("E01") + claims("E01")
    assert_parity([dup, claims("E01"), dup], monkeypatch)
    assert any(f["rule"] == "DU001" for f in check_many([dup, claims("E01")])[0]["findings"])


def test_one_bad_request_among_good_ones():
    bad = claims("E01")
    bad[0]["service_date"] = "2026-13-45"
    reqs = [claims("E01"), bad, claims("E04"), [], [{"claim_id": "x"}], claims("E02")]
    got = check_many(reqs)
    assert {f["rule"] for f in got[1]["findings"]} == {"IN001"}  # a bad value: IN001, not an error
    assert isinstance(got[3], service.InputError)
    assert_parity(reqs)


line = st.builds(
    lambda base, cid, pid, npi, payer, bad, dup: (base, cid, pid, npi, payer, bad, dup),
    st.sampled_from(POOL),
    st.sampled_from([None, "E01", "E04", " E01 ", "C-1"]),
    st.sampled_from([None, "X-1", "X-4", "P"]),
    st.sampled_from([None, "1987654328", "1888111220"]),
    st.sampled_from([None, "medicare", "commercial", "MEDICARE", ""]),
    st.one_of(st.none(), st.none(), st.none(), st.none(), st.sampled_from(BAD)),
    st.booleans(),
)


def make_request(spec: list[tuple]) -> list[dict[str, Any]]:
    out = []
    for base, cid, pid, npi, payer, bad, dup in spec:
        rec = dict(base)
        for k, v in (("claim_id", cid), ("patient_id", pid), ("provider_npi", npi), ("payer", payer)):
            if v is not None:
                rec[k] = v
        if bad:
            rec[bad[0]] = bad[1]
        out.append(rec)
        if dup:
            out.append(copy.deepcopy(rec))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(line, min_size=1, max_size=5), min_size=1, max_size=6))
def test_random_request_sets(monkeypatch, specs):
    with monkeypatch.context() as m:
        assert_parity([make_request(s) for s in specs], m)


def test_api_concurrent_equals_sequential(app, api_key, monkeypatch):
    httpx = pytest.importorskip("httpx")
    from claimscrub.web import api

    bodies = []
    for i in range(30):
        lines = claims(["E01", "E04", "E02"][i % 3]) if i % 4 else list(POOL)
        if i == 7:
            lines = [{**lines[0], "service_date": "bad"}]
        bodies.append({"lines": lines})
    headers = {"Authorization": f"Bearer {api_key}"}

    async def run(concurrent: bool) -> list[tuple[int, bytes]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            if concurrent:
                rs = await asyncio.gather(*(c.post("/api/v1/check", json=b, headers=headers) for b in bodies))
            else:
                rs = [await c.post("/api/v1/check", json=b, headers=headers) for b in bodies]
        return [(r.status_code, r.content) for r in rs]

    monkeypatch.setenv("CLAIMSCRUB_API_BATCH", "0")
    sequential = asyncio.run(run(False))
    monkeypatch.setenv("CLAIMSCRUB_API_BATCH", "1")
    before = api.checks.batches
    concurrent = asyncio.run(run(True))
    assert concurrent == sequential
    assert all(s == 200 for s, _ in sequential) and b'"IN001"' in sequential[7][1]
    assert api.checks.batches - before < len(bodies)  # requests really were batched
