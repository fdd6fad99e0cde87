"""Uploads the readers refuse: a 400 with a one-line reason naming the uploaded file, never
"internal error" (a FHIR integer of thousands of digits used to be one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FHIR = Path(__file__).resolve().parents[1] / "data" / "fhir" / "claim_psychiatry.json"


def _claim_with_quantity(literal: str) -> bytes:
    doc = json.loads(FHIR.read_text(encoding="utf-8"))
    doc["item"][0]["quantity"] = {"value": "__Q__"}
    return json.dumps(doc, indent=2).replace('"__Q__"', literal).encode()


@pytest.mark.parametrize("literal", ["9" * 5000, "1" * 100 + ".5"])
def test_fhir_absurd_number_is_a_400_with_the_reason(client, api_key, literal: str) -> None:
    r = client.post(
        "/api/v1/batches",
        files={"file": ("claim.json", _claim_with_quantity(literal), "application/json")},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail.startswith("claim.json, line ") and "number longer than 40 characters" in detail
    assert "internal error" not in detail and literal[:10] not in detail
