"""FHIR reader: linear line numbering and bounded numbers.

The line of every object is now found from one pass over the braces and one newline index
(it was a count of newlines from the start of the text for every item: quadratic).  The
properties below hold the new positions to the old algorithm -- a pure-Python scan recording each
``{`` -- on arbitrary JSON, hostile strings included.  Speed is in bench/bench_fhir.py
(docs/benchmarks.md), not here.
"""

from __future__ import annotations

import copy
import json
import os
from decimal import Decimal
from json import decoder as jdecoder
from json import scanner as jscanner
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.errors import InputError
from claimscrub.readers import fhir
from claimscrub.readers.fhir import MAX_NUMBER_DIGITS, read_fhir_text

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def old_positions(text: str) -> tuple[Any, dict[int, int]]:
    """The reader's former algorithm: the pure-Python scanner, recording each object's ``{``."""
    positions: dict[int, int] = {}
    dec = json.JSONDecoder(parse_float=Decimal)
    orig = jdecoder.JSONObject

    def parse_object(s_and_end, strict, scan_once, hook, pairs_hook, memo=None,
                     _w=jdecoder.WHITESPACE.match, _ws=jdecoder.WHITESPACE_STR):  # fmt: skip
        obj, end = orig(s_and_end, strict, scan_once, hook, pairs_hook, memo, _w, _ws)
        positions[id(obj)] = s_and_end[1] - 1
        return obj, end

    dec.parse_object = parse_object  # type: ignore[assignment]
    dec.scan_once = jscanner.py_make_scanner(dec)
    return dec.decode(text), positions


def _walk_objects(node: Any):  # type: ignore[no-untyped-def]
    """Every JSON object in document order (pre-order)."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk_objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_objects(v)


hostile_text = st.text(alphabet=st.sampled_from('{}[]"\\/\n\t :,aé€😀\u2028'), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=30,
)


@SETTINGS
@given(json_values, st.sampled_from([None, 0, 1, 2, "\t"]), st.booleans())
def test_object_positions_equal_the_old_algorithm(value: Any, indent: Any, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    new_doc, new_pos, new_ends = fhir._loads_with_positions(text)
    old_doc, old_pos = old_positions(text)
    assert new_doc == old_doc
    new_starts = [new_pos[id(o)] for o in _walk_objects(new_doc)]
    old_starts = [old_pos[id(o)] for o in _walk_objects(old_doc)]
    assert new_starts == old_starts
    for obj in _walk_objects(new_doc):  # each span is the object's own text
        assert json.loads(text[new_pos[id(obj)] : new_ends[id(obj)] + 1], parse_float=Decimal) == obj
    lines = fhir._Lines(text)
    assert [lines.line(off) for off in new_starts] == [text.count("\n", 0, off) + 1 for off in old_starts]


@SETTINGS
@given(
    st.lists(hostile_text.filter(lambda s: s.strip()), min_size=1, max_size=3),
    st.sampled_from([None, 1, 3]),
)
def test_item_lines_equal_the_old_count(names: list[str], indent: int | None) -> None:
    """A real Bundle with hostile display strings: each row's ``_line`` is the line where its
    item object starts, counted the old way."""
    bundle = json.loads((DATA / "bundle_claims.json").read_text(encoding="utf-8"))
    for entry, name in zip(bundle["entry"], names * len(bundle["entry"]), strict=False):
        entry["resource"].setdefault("text", {"status": "generated", "div": "<div>x</div>"})
        entry["resource"]["text"]["div"] = (
            f'<div xmlns="http://www.w3.org/1999/xhtml">{json.dumps(name)}</div>'
        )
    text = json.dumps(bundle, indent=indent)
    try:
        df = read_fhir_text(text, "b.json")
    except InputError:
        return  # a narrative FHIR refuses is not this property's concern
    doc, pos = old_positions(text)
    items = [
        i for e in doc["entry"] if e["resource"]["resourceType"] == "Claim" for i in e["resource"]["item"]
    ]
    assert df["_line"].to_list() == [text.count("\n", 0, pos[id(i)]) + 1 for i in items]


def test_the_newline_index_is_built_once() -> None:
    text = "{\n" * 1000
    lines = fhir._Lines(text)
    assert [lines.line(k) for k in (0, 2, 1998)] == [1, 2, 1000]
    first = lines._newlines
    lines.line(500)
    assert lines._newlines is first


# --------------------------------------------------------------------------- long numbers


def _claim_text(quantity: str) -> tuple[str, int]:
    """The single-claim sample with the first item's quantity replaced by ``quantity``; and the
    line the number is on."""
    text = (DATA / "claim_psychiatry.json").read_text(encoding="utf-8")
    doc = json.loads(text, parse_float=Decimal)
    doc["item"][0]["quantity"] = {"value": "__Q__"}
    out = json.dumps(doc, indent=2, default=str).replace('"__Q__"', quantity)
    return out, out[: out.index(quantity)].count("\n") + 1


@pytest.mark.parametrize(
    "literal",
    ["9" * 5000, "-" + "1" * 4301, "1" * 10_000 + ".5", "0." + "0" * 6000 + "1", "1" * 41, "1e" + "9" * 50],
)
def test_absurd_numbers_are_one_message(literal: str) -> None:
    text, line = _claim_text(literal)
    with pytest.raises(InputError) as exc:
        read_fhir_text(text, "claim.json")
    assert exc.value.line == line
    assert f"number longer than {MAX_NUMBER_DIGITS} characters" in str(exc.value)
    assert literal[:20] not in str(exc.value)


@SETTINGS
@given(
    st.integers(min_value=MAX_NUMBER_DIGITS + 1, max_value=8000), st.sampled_from(["", "-"]), st.booleans()
)
def test_any_too_long_number_names_its_line(digits: int, sign: str, fraction: bool) -> None:
    literal = sign + "7" * digits + (".25" if fraction else "")
    text, line = _claim_text(literal)
    with pytest.raises(InputError) as exc:
        read_fhir_text(text, "claim.json")
    assert exc.value.line == line and exc.value.file == "claim.json"


def test_ordinary_numbers_still_read() -> None:
    text, _ = _claim_text("2")
    assert read_fhir_text(text, "claim.json")["units"].to_list()[0] == "2"


# --------------------------------------------------------------------------- validation by shape

BAD_VALUES = ["", " ", "x y ", "2025-13-01", "2025-02-30", "no date", -1, 0, 2**40, 1.5, True, None, "é" * 3]


def _full_validation_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader as it was: every resource through fhir.resources in full."""
    monkeypatch.setattr(fhir.ShapeValidator, "known_valid", lambda self, res: False)
    monkeypatch.setattr(fhir.ShapeValidator, "entries_ok", lambda self, cls, entries: False)


def _leaves(node: Any, trail: tuple[Any, ...] = ()):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "resourceType":
                yield from _leaves(v, (*trail, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*trail, i))
    else:
        yield trail


def _outcome(text: str) -> Any:
    try:
        return read_fhir_text(text, "b.json").rows()
    except InputError as exc:
        return str(exc)


@settings(
    max_examples=int(os.environ.get("CLAIMSCRUB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.integers(2, 4), st.data())
def test_shape_validation_agrees_with_full_validation(copies: int, data: st.DataObject) -> None:
    """A Bundle whose claims repeat (so later ones take the fast path), one primitive value in a
    later copy replaced by a hostile one: the fast reader answers exactly as the full one --
    the same rows, or the same message naming the same entry, line and field."""
    bundle = json.loads((DATA / "bundle_claims.json").read_text(encoding="utf-8"), parse_float=Decimal)
    claims = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim"]
    for _ in range(copies):
        for e in claims:
            twin = json.loads(json.dumps(e, default=str))
            twin["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{len(bundle['entry']):012d}"
            bundle["entry"].append(twin)
    target = data.draw(st.sampled_from(bundle["entry"][len(bundle["entry"]) - len(claims) :]))
    trail = data.draw(st.sampled_from(list(_leaves(target))))
    holder = target
    for part in trail[:-1]:
        holder = holder[part]
    holder[trail[-1]] = copy.deepcopy(data.draw(st.sampled_from([*BAD_VALUES, {}, [], [None], "x"])))
    text = json.dumps(bundle, indent=1, default=str)
    fast = _outcome(text)
    with pytest.MonkeyPatch.context() as mp:
        _full_validation_only(mp)
        full = _outcome(text)
    assert fast == full
