"""FHIR R4 Claim / Bundle reader."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscrub.errors import InputError
from claimscrub.readers.fhir import read_fhir, read_fhir_bytes, read_fhir_text

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
COLS = [
    "claim_id", "line_no", "patient_id", "service_date", "payer", "provider_npi", "provider_credential",
    "provider_taxonomy", "provider_state", "cpt", "modifiers", "units", "minutes", "pos", "icd10",
    "charge", "dx_qualifier_icd9", "_line",
]  # fmt: skip


def test_single_claim_exact() -> None:
    df = read_fhir(DATA / "claim_psychiatry.json")
    assert df.select(COLS).rows() == [
        ("BH5001", "1", "BCX1234567", "2025-02-03", "independence blue cross", "1987654328", "NP",
         "363LP0808X", "PA", "99214", None, "1", None, "11", "F33.1;F41.1", "150.00", "", 64),
        ("BH5001", "2", "BCX1234567", "2025-02-03", "independence blue cross", "1987654328", "NP",
         "363LP0808X", "PA", "90836", "95", None, "45", "10", "F33.1", "100.00", "", 74),
    ]  # fmt: skip
    assert df["_source"].to_list() == [str(DATA / "claim_psychiatry.json")] * 2
    assert df["_line"].dtype == pl.Int64
    assert all(df[c].dtype == pl.String for c in df.columns if c != "_line")


def test_bundle_exact() -> None:
    df = read_fhir(DATA / "bundle_claims.json")
    assert df.select(COLS).rows() == [
        ("BH6001", "1", "1EG4TE5MK73", "2025-03-04", "medicare", "1678901236", "PsyD", "103TP2701X", "NJ",
         "90834", None, "1", None, None, "F41.1", "160", "", 59),
        ("BH6001", "2", "1EG4TE5MK73", "2025-03-04", "medicare", "1678901236", "PsyD", "103TP2701X", "NJ",
         "90863", None, "1", None, None, "F41.1", "70", "", 66),
        ("c6002", "1", "TRI556677", "2025-03-06", "tricare", "1543216786", None, None, "VA",
         "90837", None, "1", None, None, "296.20", None, "yes", 94),
    ]  # fmt: skip


def test_line_numbers_point_at_items() -> None:
    path = DATA / "bundle_claims.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    for n in read_fhir(path)["_line"]:
        assert lines[n - 1].strip() == "{"
        assert '"sequence"' in lines[n]


def _claim() -> dict:
    return json.loads((DATA / "claim_psychiatry.json").read_text(encoding="utf-8"))


def _read(obj: object) -> pl.DataFrame:
    return read_fhir_text(json.dumps(obj, indent=1), "c.json")


def test_json_array_of_resources() -> None:
    c = _claim()
    df = _read([c, c])
    assert df.height == 4


def test_careteam_fallback_to_claim_provider_and_plain_codes() -> None:
    c = _claim()
    del c["careTeam"]
    for item in c["item"]:
        item.pop("careTeamSequence")
        item["productOrService"] = {"coding": [{"system": "urn:local", "code": "X"}, {"code": "90834"}]}
        item.pop("diagnosisSequence")
    c["insurance"][0]["coverage"] = {"identifier": {"value": "12502"}}
    df = _read(c)
    assert df["provider_npi"].to_list() == ["1234567893"] * 2
    assert df["provider_credential"].to_list() == [None, None]
    assert df["cpt"].to_list() == ["90834", "90834"]
    assert df["icd10"].to_list() == ["F33.1;F41.1"] * 2
    assert df["payer"].to_list() == ["medicare"] * 2


def test_unknown_credential_is_not_emitted() -> None:
    c = _claim()
    c["careTeam"][0]["qualification"] = {"coding": [{"code": "BSN"}]}
    df = _read(c)
    assert df["provider_credential"].to_list() == [None, None]
    assert df["provider_taxonomy"].to_list() == [None, None]


def test_missing_item_date_uses_billable_period() -> None:
    c = _claim()
    for item in c["item"]:
        item.pop("servicedDate")
    c["billablePeriod"]["start"] = "2025-02-01T09:00:00Z"
    assert _read(c)["service_date"].to_list() == ["2025-02-01"] * 2


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c["item"][0]["quantity"].__setitem__("value", "many"), "item[0].quantity.value"),
        (lambda c: c["item"][1].__setitem__("sequence", "two"), "item[1].sequence"),
        (lambda c: c["item"][0].__setitem__("bogus", 1), "item[0].bogus"),
        (lambda c: c.pop("patient"), "patient"),
        (lambda c: c.__setitem__("status", 5), "status"),
    ],
)
def test_invalid_claim_names_json_path(mutate, field: str) -> None:
    c = _claim()
    mutate(c)
    with pytest.raises(InputError) as exc:
        _read(c)
    assert exc.value.file == "c.json"
    assert exc.value.field == field
    assert exc.value.line is not None
    assert "many" not in str(exc.value)  # never the value


def test_invalid_claim_in_bundle_names_entry_path() -> None:
    b = json.loads((DATA / "bundle_claims.json").read_text(encoding="utf-8"))
    b["entry"][4]["resource"]["item"][0]["quantity"]["value"] = "x"
    text = json.dumps(b, indent=2)
    with pytest.raises(InputError) as exc:
        read_fhir_text(text, "b.json")
    assert exc.value.field == "entry[4].resource.item[0].quantity.value"
    assert '"quantity": {' in text.splitlines()[exc.value.line - 1]


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("{", 1), ('{\n "a": }', 2), ("[1, 2]", None), ('"x"', 1), ("{}", None)],
)
def test_bad_json(text: str, line: int | None) -> None:
    with pytest.raises(InputError) as exc:
        read_fhir_text(text, "x.json")
    if line is not None:
        assert exc.value.line == line


def test_not_a_claim() -> None:
    with pytest.raises(InputError, match="no FHIR Claim"):
        read_fhir_text('{"resourceType": "Patient", "id": "p"}', "p.json")
    with pytest.raises(InputError) as exc:
        read_fhir_text('{"resourceType": "Nope"}', "p.json")
    assert exc.value.field == "resourceType"


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="UTF-8"):
        read_fhir_bytes(b'{"a": "\xff"}', "x.json")
    with pytest.raises(InputError, match="cannot read"):
        read_fhir(tmp_path / "none.json")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_mutations_only_input_error(data: st.DataObject) -> None:
    c = copy.deepcopy(_claim())
    paths: list[tuple[list, object]] = []

    def walk(node: object, trail: list) -> None:
        paths.append((trail, node))
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*trail, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*trail, i])

    walk(c, [])
    trail, _ = data.draw(st.sampled_from(paths[1:]))
    value = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just([]), st.just({})))
    holder = c
    for k in trail[:-1]:
        holder = holder[k]
    holder[trail[-1]] = value
    try:
        df = _read(c)
    except InputError as exc:
        assert exc.file == "c.json"
    else:
        assert isinstance(df, pl.DataFrame)


def test_unknown_contained_resource_type() -> None:
    c = _claim()
    c["contained"][2]["resourceType"] = "Nope"
    with pytest.raises(InputError) as exc:
        _read(c)
    assert exc.value.field == "contained[2].resourceType"
