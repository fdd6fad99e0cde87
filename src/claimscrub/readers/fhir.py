"""FHIR R4 ``Claim`` JSON (one Claim, a Bundle of Claims, or a JSON array of resources)
-> raw claim-line frame.

Validation uses ``fhir.resources`` (its ``R4B`` models: the Claim resource is the same in
R4 and R4B).  Invalid FHIR raises :class:`~claimscrub.errors.InputError` naming the file,
the line of the object that holds the bad field and the field's JSON path
(``entry[1].resource.item[0].quantity.value``); the message never repeats the value.

One row per ``Claim.item``:

==================  ==============================================================
claim_id            identifier[0].value, else id
line_no             item.sequence
patient_id          patient.identifier.value, else the referenced Patient's identifier
                    (member id first), else the reference's id
service_date        item.servicedDate / servicedPeriod.start, else billablePeriod.start
payer               insurance (focal first) -> coverage.display / identifier / the
                    referenced Coverage's payor (display, identifier, Organization),
                    mapped through ``data/payer_ids.csv`` like the X12 reader
provider_npi        the item's careTeam member (careTeamSequence, else role primary,
                    else the first) with an NPI (system http://hl7.org/fhir/sid/us-npi on
                    the reference or the referenced Practitioner), else Claim.provider
provider_credential careTeam.qualification code when it is a known credential
provider_taxonomy   careTeam.qualification / Practitioner.qualification NUCC code
provider_state      item.locationAddress.state, else Claim.facility Location, else the
                    provider's address
cpt / modifiers     item.productOrService coding (CPT system, or any 5-character code);
                    item.modifier codes joined by ':'
units / minutes     item.quantity.value (in ``minutes`` when its unit is minutes)
charge / pos        item.net.value, else unitPrice.value / item.locationCodeableConcept
icd10               diagnosis codes picked by item.diagnosisSequence (all when absent);
                    ICD-9-CM codes are kept and flagged in ``dx_qualifier_icd9``
==================  ==============================================================

``_line`` is the line of the JSON text where the item object starts.
"""

from __future__ import annotations

import gc
import json
import re
from bisect import bisect_left
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from claimscrub.errors import InputError
from claimscrub.knowledge import knowledge
from claimscrub.readers.fhir_fast import ShapeValidator, shape
from claimscrub.readers.source import read_bounded, source_name
from claimscrub.readers.x12_837 import map_payer

COLUMNS: tuple[str, ...] = (
    "claim_id",
    "line_no",
    "patient_id",
    "service_date",
    "payer",
    "provider_npi",
    "provider_credential",
    "provider_taxonomy",
    "provider_state",
    "cpt",
    "modifiers",
    "units",
    "minutes",
    "pos",
    "icd10",
    "charge",
    "dx_qualifier_icd9",
)

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
ICD10_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"}
ICD9_SYSTEMS = {"http://hl7.org/fhir/sid/icd-9-cm", "http://hl7.org/fhir/sid/icd-9"}
MINUTE_UNITS = {"min", "minute", "minutes", "mins"}
_TAXONOMY = re.compile(r"[0-9]{3}[0-9A-Z]{6}X\Z")

Json = dict[str, Any]


# --------------------------------------------------------------------------- JSON with positions


MAX_NUMBER_DIGITS = 40  # FHIR integers are 32-bit; no amount or quantity in a claim needs more


class _NumberTooLong(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__("number too long")
        self.literal = literal


def _number(parse):  # type: ignore[no-untyped-def]
    """``parse`` for JSON numbers of at most MAX_NUMBER_DIGITS characters (Python refuses to
    convert integers of more than 4,300 digits, and nothing in a claim needs more than 40)."""

    def convert(literal: str):  # type: ignore[no-untyped-def]
        if len(literal) > MAX_NUMBER_DIGITS:
            raise _NumberTooLong(literal)
        return parse(literal)

    return convert


# one match per brace outside strings (possessive: strings and other text are skipped without
# backtracking); the empty \Z branch ends the scan instead of retrying at every later offset
_BRACE = re.compile(r'(?:"(?:[^"\\]|\\.)*+"|[^{}"]++)*+(?:([{}])|\Z)', re.S)
_ANY_BRACE = re.compile(r"[{}]")


def _object_spans(text: str, objects: int) -> list[tuple[int, int]]:
    """Offsets of each of the ``objects`` objects' ``{`` and ``}``, in the order they close."""
    spans: list[tuple[int, int]] = []
    open_at: list[int] = []
    # as many braces of each kind as objects: none is inside a string, so a plain search will do
    plain = text.count("{") == objects and text.count("}") == objects
    for m in (_ANY_BRACE if plain else _BRACE).finditer(text):
        brace = m.group() if plain else m.group(1)
        if brace is None:  # _BRACE's end-of-text match
            break
        if brace == "{":
            open_at.append(m.end() - 1)
        else:
            spans.append((open_at.pop(), m.end() - 1))
    return spans


def _loads_with_positions(text: str) -> tuple[Any, dict[int, int], dict[int, int]]:
    """``json.loads`` (floats as Decimal) that also records where each object is:
    ``positions[id(obj)]`` is the offset of its ``{``, ``ends[id(obj)]`` of its ``}``.

    The C parser hands every object to the hook as it closes; the k-th object closed is the one
    whose ``}`` is the k-th closing brace outside strings, matched to its ``{`` in one pass."""
    closed: list[dict[str, Any]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        closed.append(obj)
        return obj

    dec = json.JSONDecoder(parse_float=_number(Decimal), parse_int=_number(int), object_pairs_hook=hook)
    doc = dec.decode(text)
    spans = _object_spans(text, len(closed))
    positions = {id(obj): start for obj, (start, _) in zip(closed, spans, strict=True)}
    ends = {id(obj): end for obj, (_, end) in zip(closed, spans, strict=True)}
    return doc, positions, ends


class _Lines:
    """Line numbers of character offsets: the newlines are found once (a count from the start
    for every item made reading quadratic in the file size)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect_left(self._newlines, offset) + 1


# --------------------------------------------------------------------------- validation


def _validator(resource_type: str):
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource_type)


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(root)"


def _validate(
    resource: Json,
    prefix: tuple[Any, ...],
    source: str,
    lines: _Lines,
    pos: dict[int, int],
    outer: str | None = None,  # the resource type messages name: the Bundle's, for its entries
) -> None:
    from pydantic import ValidationError

    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise InputError(source, "not a FHIR resource (no resourceType)", line=_line_of(resource, lines, pos),
                         field=_path((*prefix, "resourceType")))  # fmt: skip
    try:
        model = _validator(rtype)
    except (KeyError, ValueError, ImportError, AttributeError):
        raise InputError(source, "unknown FHIR R4 resource type", line=_line_of(resource, lines, pos),
                         field=_path((*prefix, "resourceType"))) from None  # fmt: skip
    bad = _unknown_nested_type(resource, ())
    if bad is not None:
        holder = _walk(resource, bad)
        raise InputError(source, "unknown FHIR R4 resource type", line=_line_of(holder, lines, pos),
                         field=_path((*prefix, *bad, "resourceType")))  # fmt: skip
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err.get("loc", ()))
        holder = _walk(resource, loc)
        msg = str(err.get("msg", "invalid value")).split("\n")[0][:160]
        raise InputError(source, f"invalid FHIR {outer or rtype}: {msg}", line=_line_of(holder, lines, pos),
                         field=_path((*prefix, *loc))) from None  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - the model library raises more than ValidationError
        raise InputError(
            source,
            f"invalid FHIR {outer or rtype} ({type(exc).__name__})",
            line=_line_of(resource, lines, pos),
            field=_path(prefix),
        ) from None


def _validate_many(
    res: Json,
    prefix: tuple[Any, ...],
    source: str,
    lines: _Lines,
    pos: dict[int, int],
    shapes: ShapeValidator,
) -> None:
    """``_validate`` of a resource, a Bundle entry by entry: each shape in full once, then by
    values (``readers/fhir_fast.py``).  Any doubt ends in the full validation of the original."""
    entries = res.get("entry")
    if res.get("resourceType") != "Bundle" or not isinstance(entries, list) or not entries:
        if not shapes.known_valid(res):
            _validate(res, prefix, source, lines, pos)
            shapes.remember(res)
        return
    if not all(isinstance(e, dict) and isinstance(e.get("resource", {}), dict) for e in entries):
        _validate(res, prefix, source, lines, pos)  # an odd entry: the library judges the whole
        return
    shells = [{k: v for k, v in e.items() if k != "resource"} for e in entries]
    firsts = list({shape(s): s for s in reversed(shells)}.values())  # one entry per shape
    try:
        _validate({**res, "entry": firsts}, prefix, source, lines, pos)
        shells_ok = shapes.entries_ok(_validator("Bundle"), shells)
    except InputError:
        shells_ok = False
    if not shells_ok:
        _validate(res, prefix, source, lines, pos)  # the exact error (or none after all)
    for i, e in enumerate(entries):
        inner = e.get("resource")
        if isinstance(inner, dict) and not shapes.known_valid(inner):
            _validate(inner, (*prefix, "entry", i, "resource"), source, lines, pos, outer="Bundle")
            shapes.remember(inner)


def _unknown_nested_type(node: Any, trail: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Path of the first nested object whose ``resourceType`` is not an R4 resource."""
    if isinstance(node, dict):
        rtype = node.get("resourceType")
        if trail and "resourceType" in node:
            try:
                _validator(rtype if isinstance(rtype, str) else "")
            except (KeyError, ValueError, ImportError, AttributeError):
                return trail
        for k, v in node.items():
            hit = _unknown_nested_type(v, (*trail, k))
            if hit is not None:
                return hit
    elif isinstance(node, list):
        for i, v in enumerate(node):
            hit = _unknown_nested_type(v, (*trail, i))
            if hit is not None:
                return hit
    return None


def _walk(obj: Any, loc: tuple[Any, ...]) -> Any:
    """The innermost JSON object on the path ``loc`` (for its line number)."""
    best = obj
    for part in loc:
        try:
            obj = obj[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(obj, dict):
            best = obj
    return best


def _line_of(obj: Any, lines: _Lines, pos: dict[int, int]) -> int | None:
    off = pos.get(id(obj))
    return None if off is None else lines.line(off)


# --------------------------------------------------------------------------- helpers


def _s(v: Any) -> str | None:
    if v is None or isinstance(v, dict | list):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    out = str(v).strip()
    return out or None


def _codings(cc: Any) -> list[Json]:
    if not isinstance(cc, dict):
        return []
    return [c for c in cc.get("coding") or [] if isinstance(c, dict)]


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


class _Index:
    """Resolves references: contained resources (``#id``), bundle entries (fullUrl and
    ``Type/id``)."""

    def __init__(self, entries: list[tuple[str | None, Json]]) -> None:
        self.by_ref: dict[str, Json] = {}
        for full_url, res in entries:
            if full_url:
                self.by_ref[full_url] = res
            rtype, rid = res.get("resourceType"), res.get("id")
            if rtype and rid:
                self.by_ref[f"{rtype}/{rid}"] = res

    def resolve(self, ref: Any, container: Json) -> Json | None:
        if not isinstance(ref, dict):
            return None
        target = ref.get("reference")
        if not isinstance(target, str) or not target:
            return None
        if target.startswith("#"):
            for c in _list(container.get("contained")):
                if isinstance(c, dict) and c.get("id") == target[1:]:
                    return c
            return None
        hit = self.by_ref.get(target)
        if hit is None and "/" in target:  # absolute URL ending in Type/id
            parts = target.rstrip("/").split("/")
            hit = self.by_ref.get("/".join(parts[-2:]))
        return hit


def _identifier(ident: Any, system: str | None = None) -> str | None:
    if not isinstance(ident, dict):
        return None
    if system is not None and ident.get("system") != system:
        return None
    return _s(ident.get("value"))


def _npi_of(ref: Any, claim: Json, idx: _Index) -> tuple[str | None, Json | None]:
    """NPI of a provider reference (its identifier or the referenced resource's) and the
    referenced resource."""
    if not isinstance(ref, dict):
        return None, None
    target = idx.resolve(ref, claim)
    npi = _identifier(ref.get("identifier"), NPI_SYSTEM)
    if npi is None and target is not None:
        for ident in _list(target.get("identifier")):
            npi = _identifier(ident, NPI_SYSTEM)
            if npi:
                break
        if npi is None and target.get("resourceType") == "PractitionerRole":
            inner = idx.resolve(target.get("practitioner"), claim)
            for ident in _list(inner.get("identifier") if inner else None):
                npi = _identifier(ident, NPI_SYSTEM)
                if npi:
                    target = inner
                    break
    return npi, target


def _qualification(codings: list[Json]) -> tuple[str | None, str | None]:
    """(credential, taxonomy) from qualification codings."""
    aliases = knowledge().credential_aliases
    cred = tax = None
    for c in codings:
        code = _s(c.get("code"))
        if not code:
            continue
        if c.get("system") == NUCC_SYSTEM or _TAXONOMY.match(code.upper()):
            tax = tax or code
        elif cred is None:
            key = re.sub(r"[.\s-]", "", code.upper())
            if key in aliases:
                cred = code
    return cred, tax


def _state(res: Json | None) -> str | None:
    if not isinstance(res, dict):
        return None
    addrs = res.get("address")
    for a in addrs if isinstance(addrs, list) else [addrs]:
        if isinstance(a, dict) and _s(a.get("state")):
            return _s(a.get("state"))
    return None


def _date(v: Any) -> str | None:
    s = _s(v)
    return s[:10] if s else None


# --------------------------------------------------------------------------- extraction


class _Out:
    def __init__(self) -> None:
        self.cols: dict[str, list[str | None]] = {c: [] for c in COLUMNS}
        self.lines: list[int | None] = []


def _payer(claim: Json, idx: _Index) -> str | None:
    ins = [i for i in _list(claim.get("insurance")) if isinstance(i, dict)]
    ins.sort(
        key=lambda i: (not i.get("focal"), i.get("sequence") if isinstance(i.get("sequence"), int) else 0)
    )
    for i in ins:
        cov = i.get("coverage")
        if not isinstance(cov, dict):
            continue
        name, pid = _s(cov.get("display")), _identifier(cov.get("identifier"))
        res = idx.resolve(cov, claim)
        if res is not None and not (name or pid):
            for payor in _list(res.get("payor")):
                name, pid = _s(payor.get("display")) if isinstance(payor, dict) else None, None
                if isinstance(payor, dict):
                    pid = _identifier(payor.get("identifier"))
                    org = idx.resolve(payor, res) or idx.resolve(payor, claim)
                    if org is not None:
                        name = name or _s(org.get("name"))
                        for ident in _list(org.get("identifier")):
                            pid = pid or _identifier(ident)
                if name or pid:
                    break
        if name or pid:
            return map_payer(pid, name)
    return None


def _patient(claim: Json, idx: _Index) -> str | None:
    ref = claim.get("patient")
    if not isinstance(ref, dict):
        return None
    direct = _identifier(ref.get("identifier"))
    if direct:
        return direct
    res = idx.resolve(ref, claim)
    if res is not None:
        idents = [i for i in _list(res.get("identifier")) if isinstance(i, dict) and _s(i.get("value"))]
        member = [i for i in idents if any(c.get("code") == "MB" for c in _codings(i.get("type")))]
        for ident in member + idents:
            return _s(ident.get("value"))
        if _s(res.get("id")):
            return _s(res.get("id"))
    target = _s(ref.get("reference"))
    if target:
        return target.lstrip("#").rstrip("/").split("/")[-1] or None
    return None


def _cpt(item: Json) -> str | None:
    codings = _codings(item.get("productOrService"))
    for c in codings:
        if c.get("system") == CPT_SYSTEM and _s(c.get("code")):
            return _s(c.get("code"))
    for c in codings:
        code = _s(c.get("code"))
        if code and len(code) == 5:
            return code
    for c in codings:
        if _s(c.get("code")):
            return _s(c.get("code"))
    return None


def _diagnoses(claim: Json, idx: _Index) -> list[tuple[int | None, list[tuple[str, bool]]]]:
    out: list[tuple[int | None, list[tuple[str, bool]]]] = []
    for d in _list(claim.get("diagnosis")):
        if not isinstance(d, dict):
            continue
        cc = d.get("diagnosisCodeableConcept")
        if cc is None:
            cond = idx.resolve(d.get("diagnosisReference"), claim)
            cc = cond.get("code") if cond else None
        codes: list[tuple[str, bool]] = []
        for c in _codings(cc):
            code, system = _s(c.get("code")), c.get("system")
            if not code:
                continue
            if system in ICD9_SYSTEMS:
                codes.append((code, True))
            elif system in ICD10_SYSTEMS or not system:
                codes.append((code, False))
        seq = d.get("sequence") if isinstance(d.get("sequence"), int) else None
        out.append((seq, codes))
    return out


def _care_team_provider(
    claim: Json, item: Json, idx: _Index
) -> tuple[str | None, str | None, str | None, Json | None]:
    """(npi, credential, taxonomy, provider resource) of the item's care-team member."""
    team = [m for m in _list(claim.get("careTeam")) if isinstance(m, dict)]
    seqs = [s for s in _list(item.get("careTeamSequence")) if isinstance(s, int)]
    ordered = [m for s in seqs for m in team if m.get("sequence") == s]
    ordered += [m for m in team if any(c.get("code") == "primary" for c in _codings(m.get("role")))]
    ordered += team
    for m in ordered:
        npi, res = _npi_of(m.get("provider"), claim, idx)
        if not npi:
            continue
        quals = _codings(m.get("qualification"))
        cred, tax = _qualification(quals)
        if res is not None and (cred is None or tax is None):
            for q in _list(res.get("qualification")):
                c2, t2 = _qualification(_codings(q.get("code")) if isinstance(q, dict) else [])
                cred, tax = cred or c2, tax or t2
        return npi, cred, tax, res
    return None, None, None, None


def _extract(claim: Json, idx: _Index, out: _Out, lines: _Lines, pos: dict[int, int], n: int) -> None:
    ident = next((_identifier(i) for i in _list(claim.get("identifier")) if _identifier(i)), None)
    claim_id = ident or _s(claim.get("id")) or f"claim-{n}"
    patient = _patient(claim, idx)
    payer = _payer(claim, idx)
    claim_date = _date((claim.get("billablePeriod") or {}).get("start"))
    dx = _diagnoses(claim, idx)
    facility = idx.resolve(claim.get("facility"), claim)
    prov_npi, prov_res = _npi_of(claim.get("provider"), claim, idx)
    for k, item in enumerate(_list(claim.get("item")), 1):
        if not isinstance(item, dict):
            continue
        npi, cred, tax, res = _care_team_provider(claim, item, idx)
        if npi is None:
            npi, res = prov_npi, prov_res
        period = item.get("servicedPeriod") if isinstance(item.get("servicedPeriod"), dict) else {}
        date = _date(item.get("servicedDate")) or _date(period.get("start")) or claim_date
        seqs = [s for s in _list(item.get("diagnosisSequence")) if isinstance(s, int)]
        picked = [c for s in seqs for seq, codes in dx if seq == s for c in codes] if seqs else []
        if not picked:
            picked = [c for _, codes in dx for c in codes]
        qty = item.get("quantity") if isinstance(item.get("quantity"), dict) else {}
        unit = (_s(qty.get("code")) or _s(qty.get("unit")) or "").lower()
        qty_value = _s(qty.get("value"))
        money = item.get("net") if isinstance(item.get("net"), dict) else None
        if money is None or _s(money.get("value")) is None:
            money = item.get("unitPrice") if isinstance(item.get("unitPrice"), dict) else {}
        mods = [_s(c.get("code")) for m in _list(item.get("modifier")) for c in _codings(m)]
        pos_codes = [_s(c.get("code")) for c in _codings(item.get("locationCodeableConcept"))]
        address = item.get("locationAddress") if isinstance(item.get("locationAddress"), dict) else None
        state = _s(address.get("state")) if address else None
        cols = out.cols
        cols["claim_id"].append(claim_id)
        cols["line_no"].append(_s(item.get("sequence")) or str(k))
        cols["patient_id"].append(patient)
        cols["service_date"].append(date)
        cols["payer"].append(payer)
        cols["provider_npi"].append(npi)
        cols["provider_credential"].append(cred)
        cols["provider_taxonomy"].append(tax)
        cols["provider_state"].append(state or _state(facility) or _state(res) or _state(prov_res))
        cols["cpt"].append(_cpt(item))
        cols["modifiers"].append(":".join(m for m in mods if m) or None)
        in_minutes = unit in MINUTE_UNITS
        cols["units"].append(None if in_minutes else qty_value)
        cols["minutes"].append(qty_value if in_minutes else None)
        cols["pos"].append(next((p for p in pos_codes if p), None))
        cols["icd10"].append(";".join(dict.fromkeys(c for c, _ in picked)) or None)
        cols["charge"].append(_s(money.get("value")))
        cols["dx_qualifier_icd9"].append("yes" if any(i9 for _, i9 in picked) else "")
        out.lines.append(_line_of(item, lines, pos))


# --------------------------------------------------------------------------- entry points


@contextmanager
def _no_cycle_collection():
    """The parse and the validation make millions of small objects and no garbage cycles; the
    cyclic collector would walk all of them again and again (half the time of a 100k-item
    Bundle), so it waits until the reader is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_fhir_text(text: str, source: str) -> pl.DataFrame:
    """Raw claim-line frame of FHIR JSON text (see the module docstring)."""
    with _no_cycle_collection():
        return _read_fhir_text(text, source)


def _read_fhir_text(text: str, source: str) -> pl.DataFrame:
    if not text.strip():
        raise InputError(source, "the file is empty", line=1)
    text = text.lstrip("\ufeff")
    lines = _Lines(text)
    try:
        doc, pos, ends = _loads_with_positions(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"invalid JSON ({exc.msg})", line=exc.lineno) from None
    except _NumberTooLong as exc:
        raise InputError(
            source,
            f"number longer than {MAX_NUMBER_DIGITS} characters",
            line=lines.line(text.find(exc.literal)),
        ) from None
    except RecursionError:
        raise InputError(source, "invalid JSON (nested too deeply)") from None
    if isinstance(doc, list):
        resources = [(None, r, (i,)) for i, r in enumerate(doc)]
    elif isinstance(doc, dict):
        resources = [(None, doc, ())]
    else:
        raise InputError(source, "expected a FHIR resource (a JSON object) or a list of them", line=1)
    claims: list[tuple[Json, tuple[Any, ...]]] = []
    entries: list[tuple[str | None, Json]] = []

    def text_of(obj: Any) -> str | None:  # the JSON text of a parsed object: equal text, equal value
        start = pos.get(id(obj))
        return None if start is None else text[start : ends[id(obj)] + 1]

    shapes = ShapeValidator(_validator, text_of)
    for _, res, prefix in resources:
        if not isinstance(res, dict):
            raise InputError(source, "expected a FHIR resource (a JSON object)", field=_path(prefix) or None)
        _validate_many(res, prefix, source, lines, pos, shapes)
        if res.get("resourceType") == "Bundle":
            for i, e in enumerate(_list(res.get("entry"))):
                inner = e.get("resource") if isinstance(e, dict) else None
                if isinstance(inner, dict):
                    entries.append((_s(e.get("fullUrl")), inner))
                    if inner.get("resourceType") == "Claim":
                        claims.append((inner, (*prefix, "entry", i, "resource")))
        else:
            entries.append((None, res))
            if res.get("resourceType") == "Claim":
                claims.append((res, prefix))
    if not claims:
        raise InputError(source, "no FHIR Claim resource found", line=1, field="resourceType")
    idx = _Index(entries)
    out = _Out()
    for n, (claim, prefix) in enumerate(claims, 1):
        try:
            _extract(claim, idx, out, lines, pos, n)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            # fhir.resources accepts some elements as JSON-encoded strings ('"{\"start\": ...}"'),
            # so a validated resource can still have a shape the extraction does not expect
            raise InputError(
                source,
                "unexpected FHIR Claim structure",
                line=_line_of(claim, lines, pos),
                field=_path(prefix) or None,
            ) from None
    df = pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in out.cols.items()})
    return df.with_columns(
        pl.lit(source, dtype=pl.String).alias("_source"),
        pl.Series("_line", out.lines, dtype=pl.Int64),
    )


def read_fhir_bytes(data: bytes, source: str) -> pl.DataFrame:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, "not UTF-8 text", line=data[: exc.start].count(b"\n") + 1) from None
    return read_fhir_text(text, source)


def read_fhir(path: Path | str) -> pl.DataFrame:
    """Raw claim-line frame of a FHIR R4 Claim / Bundle JSON file."""
    return read_fhir_bytes(read_bounded(path), source_name(path))
