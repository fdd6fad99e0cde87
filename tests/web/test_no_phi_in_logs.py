"""A full session (web and API) with distinctive patient ids and note text; every log record
of every logger, at DEBUG, is scanned for them."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from .conftest import csrf_of, rows_csv, sample_rows, sign_in
from .test_web import upload

PATIENT = "ZZPATIENT-93417"
NOTE = "Quetzalcoatl-unique-note-phrase sertraline 100 mg continue; denies side effects."


def test_no_patient_data_or_note_text_in_logs(app, api_key, caplog):
    caplog.set_level(logging.DEBUG)
    rows = sample_rows()
    for r in rows:
        r["patient_id"] = PATIENT + r["patient_id"]
        if r["note"]:
            r["note"] = NOTE + " " + r["note"]
    data = rows_csv(rows)
    client = TestClient(app)
    sign_in(client, "ada")
    batch_id = upload(client, data)
    client.get(f"/batches/{batch_id}")
    client.get(f"/batches/{batch_id}?severity=error")
    client.get(f"/batches/{batch_id}/export.csv")
    client.get(f"/batches/{batch_id}/export.html")
    page = client.get("/note")
    client.post("/note", data={"csrf_token": csrf_of(page.text), "text": NOTE + " <b>" + PATIENT})
    page = client.get("/check")
    client.post(
        "/check",
        data={
            "csrf_token": csrf_of(page.text),
            "patient_id": PATIENT,
            "service_date": "2026-13-01",
            "provider_npi": "1234567893",
            "cpt_0": "90863",
            "note": NOTE,
        },
    )
    client.get("/dashboard")
    bad = rows_csv([{**rows[0], "service_date": PATIENT}])
    upload(client, bad, "bad.csv")
    auth = {"Authorization": f"Bearer {api_key}"}
    api_rows = [{k: v for k, v in r.items()} for r in rows[:3]]
    client.post("/api/v1/check", json={"lines": api_rows}, headers=auth)
    client.post("/api/v1/check", json={"lines": [{**api_rows[0], "minutes": PATIENT}]}, headers=auth)
    client.post("/api/v1/note", json={"text": NOTE}, headers=auth)
    client.post("/api/v1/batches", files={"file": ("c.csv", data, "text/csv")}, headers=auth)
    client.post(
        "/api/v1/check", content=b'{"lines": [{"patient_id": "' + PATIENT.encode() + b'"', headers=auth
    )

    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "the session logged nothing at all: the scan would prove nothing"
    assert PATIENT not in text
    assert "Quetzalcoatl" not in text
    assert "sertraline" not in text.lower()
