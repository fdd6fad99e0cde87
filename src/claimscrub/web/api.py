"""REST API ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

Every route but ``/health`` needs ``Authorization: Bearer <key>``; the key is checked by
:class:`claimscrub.web.security.LimitsMiddleware` before the request reaches a route, so a
request without a valid key learns nothing (401, empty body).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from claimscrub.service import CheckOptions, check_records, findings_json
from claimscrub.web import batches as bt
from claimscrub.web.audit_log import record
from claimscrub.web.batcher import Batcher, batching_enabled

log = logging.getLogger("claimscrub.web")
Scalar = str | int | float | None
BatchId = Annotated[str, Path(max_length=32, description="batch id (16 hex digits)")]

# Documents the bearer scheme in OpenAPI; the check itself happens in LimitsMiddleware.
bearer = HTTPBearer(auto_error=False, description="API key from `claimscrub apikey create NAME`")


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Malformed JSON, or a value the checker cannot read "
        "(the message names the line and field, never the value)",
    },
    401: {"description": "Missing, unknown or revoked API key (empty body)"},
    413: {"model": ErrorBody, "description": "Request body over the size limit"},
    422: {"model": ErrorBody, "description": "Wrong shape: a missing field, a wrong type"},
}
router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], responses=ERRORS)
public = APIRouter(prefix="/api/v1")
checks = Batcher()  # POST /check micro-batching (per process)


class JSON(JSONResponse):
    """JSON with dates and decimals as text."""

    def render(self, content: Any) -> bytes:
        # ASCII escapes: a lone surrogate sent in a string value comes back escaped, not as a 500
        return json.dumps(content, separators=(",", ":"), default=str).encode("ascii")


class ClaimLine(BaseModel):
    """One service line, docs/input.md columns (values may be strings or numbers). An unknown
    key is ignored and listed in ``summary.ignored_columns``; its value is never read."""

    model_config = ConfigDict(extra="allow")

    claim_id: Scalar = Field(description="claim identifier; lines of one claim share it")
    line_no: Scalar = Field(None, description="1-based line number in the claim")
    patient_id: Scalar = Field(description="patient (member) identifier")
    service_date: Scalar = Field(description="ISO date YYYY-MM-DD")
    payer: Scalar = Field(None, description="payer id: medicare, medicaid, tricare, commercial, ...")
    provider_npi: Scalar = Field(description="rendering provider NPI (10 digits)")
    provider_credential: Scalar = Field(None, description="MD DO NP CNS PA PSYCHOLOGIST LCSW LPC LMFT OTHER")
    provider_taxonomy: Scalar = Field(None, description="NUCC taxonomy code")
    provider_state: Scalar = Field(None, description="two-letter state")
    provider_rx_authority: Scalar = Field(None, description="yes/no")
    cpt: Scalar = Field(description="CPT/HCPCS code")
    modifiers: Scalar = Field(None, description="up to four, separated by ':' or spaces")
    units: Scalar = Field(None, description="default 1")
    minutes: Scalar = Field(None, description="psychotherapy minutes")
    pos: Scalar = Field(None, description="place of service, 2 digits")
    icd10: Scalar = Field(None, description="';'-separated diagnosis codes")
    charge: Scalar = Field(None, description="billed amount")
    note: Scalar = Field(None, description="clinical note text for the claim")

    @field_validator("line_no", "units", "minutes", "charge")
    @classmethod
    def _in_range(cls, v: Scalar) -> Scalar:
        """Numbers a claim line can hold (the checker names any other bad value itself)."""
        if v is None or isinstance(v, bool):
            return v
        try:
            x = float(str(v).strip())
        except ValueError:
            return v
        if not math.isfinite(x) or abs(x) > 1e9:
            raise ValueError("number out of range")
        return v


class LinesBody(BaseModel):
    lines: list[ClaimLine] = Field(min_length=1, max_length=20_000)


class Finding(BaseModel):
    rule: str
    severity: Literal["error", "warning", "info"]
    claim_id: str | None
    line_no: int | None
    code: str | None
    message: str
    fix: str | None


class CheckResponse(BaseModel):
    findings: list[Finding]
    summary: dict[str, Any] = Field(description="claims, lines, errors, warnings, infos (+ money)")
    whatif: list[dict[str, Any]] | None = None


class NoteBody(BaseModel):
    text: str = Field(max_length=200_000, description="the clinical note")


class NoteResponse(BaseModel):
    medication: bool
    action: bool
    response: bool
    side_effects: bool
    adherence: bool
    rationale: bool
    not_performed: bool
    therapy_minutes: int | None
    medications: list[str]
    evidence: dict[str, list[list[int | str]]] = Field(
        description="element -> [start, end, matched text] spans in the note"
    )


class BatchInfo(BaseModel):
    id: str
    filename: str
    status: Literal["checking", "done", "failed"]
    created_at: str
    uploaded_by: str
    error: str | None = None
    summary: dict[str, Any] | None = None


class UploadFailure(BaseModel):
    detail: str = Field(description="why the file could not be read (names line and field)")
    id: str | None = None
    filename: str | None = None
    status: Literal["failed"] | None = None
    error: str | None = None


class FindingRow(Finding):
    provider_npi: str | None
    payer: str | None
    expected_payment: str | None = Field(description="expected payment of the line; null when unknown")


class FindingsPage(BaseModel):
    batch_id: str
    total: int
    page: int
    page_size: int
    findings: list[FindingRow]


class RuleInfo(BaseModel):
    id: str
    name: str
    severity: str
    summary: str
    doc: str | None = None


def actor(request: Request) -> str:
    return "apikey:" + str(request.scope.get("state", {}).get("api_key", "?"))


def services(request: Request) -> bt.BatchService:
    return request.app.state.batches


def run_check(records: list[dict[str, Any]]) -> Any:
    """``check_records``; a value the engine cannot convert becomes a 400, never a 500."""
    try:
        return check_records(records, CheckOptions())
    except pl.exceptions.PolarsError as exc:
        log.warning("check: unreadable value (%s)", type(exc).__name__)  # never the message: it quotes values
        raise HTTPException(
            400, "a value in the claim lines could not be read (numbers, dates, codes)"
        ) from None


def _lines(body: LinesBody) -> list[dict[str, Any]]:
    out = []
    for line in body.lines:
        record = line.model_dump(exclude_unset=True)
        for key in line.model_extra or {}:
            record[key] = None  # the name is listed (a misspelled ``minuts``), the value dropped
        out.append(record)
    return out


@public.get("/health", tags=["service"])
def health() -> dict[str, str]:
    """Liveness check (no key needed)."""
    from importlib.metadata import version

    return {"status": "ok", "version": version("claimscrub")}


def _check_alone(body: LinesBody) -> Any:
    result = run_check(_lines(body))
    return JSON(findings_json(result))


@router.post("/check", response_model=CheckResponse, response_class=JSON, tags=["check"])
async def check(body: LinesBody) -> Any:
    """Check claim lines (spec §6): `{"lines": [...]}` in, spec §5 JSON out."""
    if not batching_enabled():
        return await run_in_threadpool(_check_alone, body)
    try:  # checked with the requests that arrive within a few ms (claimscrub.web.batcher)
        doc = await checks.submit(_lines(body))
    except pl.exceptions.PolarsError as exc:  # as run_check
        log.warning("check: unreadable value (%s)", type(exc).__name__)
        raise HTTPException(
            400, "a value in the claim lines could not be read (numbers, dates, codes)"
        ) from None
    return JSON(doc)


@router.post("/price", tags=["check"], response_class=JSON)
def price(body: LinesBody) -> Any:
    """Expected payment per line and money at risk (same lines as /check)."""
    from claimscrub.pricing import jsonable, money_at_risk, price_lines

    result = run_check(_lines(body))
    prices = getattr(result, "prices", None)
    if prices is None:
        prices = price_lines(result.lines)
    money = getattr(result, "money", None) or money_at_risk(result.lines, prices, result.findings)
    rows = result.lines.select("_row", "claim_id", "line_no", pl.col("cpt").alias("code"), "units").join(
        prices.select("_row", "unit_price", "expected_payment", "price_status", "price_basis"),
        on="_row",
        how="left",
    )
    out = [{k: v for k, v in r.items() if k != "_row"} for r in rows.sort("_row").to_dicts()]
    return JSON({"lines": jsonable(out), "money": jsonable(money)})


@router.post("/note", response_model=NoteResponse, tags=["check"])
def note(body: NoteBody) -> Any:
    """Documentation elements of one note (spec §3) with the evidence spans."""
    from claimscrub.notes import extract_note

    return extract_note(body.text).to_dict(evidence=True)


def _batch_info(b: Any) -> dict[str, Any]:
    return {
        "id": b.id,
        "filename": b.filename,
        "status": b.status,
        "created_at": b.created_at.isoformat(timespec="seconds"),
        "uploaded_by": b.uploaded_by,
        "error": b.error,
        "summary": bt.summary_of(b) or None,
    }


@router.post(
    "/batches",
    response_model=BatchInfo,
    status_code=201,
    tags=["batches"],
    responses={400: {"model": UploadFailure, "description": "The file is empty or could not be read"}},
)
def upload_batch(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV, X12 837P or FHIR JSON claim file")],
    input_format: Annotated[Literal["csv", "x12", "fhir"] | None, Form(alias="format")] = None,
) -> Any:
    """Upload a batch file; it is checked before the answer (status `done` or `failed`)."""
    svc = services(request)
    data = file.file.read()
    try:
        batch_id = svc.save(file.filename, data, actor(request), input_format)
    except bt.InputError as exc:
        raise HTTPException(400, str(exc)) from None
    svc.run(batch_id)
    batch = svc.get(batch_id)
    assert batch is not None
    record(request, "upload", batch_id, who=actor(request))
    if batch.status == "failed":
        return JSON(
            {**_batch_info(batch), "detail": batch.error or "the file could not be read"}, status_code=400
        )
    return JSON(_batch_info(batch), status_code=201)


@router.get("/batches", response_model=list[BatchInfo], tags=["batches"])
def list_batches(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Any:
    return [_batch_info(b) for b in services(request).list(limit)]


def _batch_or_404(request: Request, batch_id: str) -> Any:
    batch = services(request).get(batch_id)
    if batch is None:
        raise HTTPException(404, "no such batch")
    return batch


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such batch"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The batch is still checking or could not be read"}
}


@router.get("/batches/{batch_id}", response_model=BatchInfo, tags=["batches"], responses=NOT_FOUND)
def get_batch(request: Request, batch_id: BatchId) -> Any:
    return _batch_info(_batch_or_404(request, batch_id))


@router.get(
    "/batches/{batch_id}/findings",
    response_model=FindingsPage,
    tags=["batches"],
    responses={**NOT_FOUND, **CONFLICT},
)
def batch_findings(
    request: Request,
    batch_id: BatchId,
    severity: Literal["error", "warning", "info"] | None = None,
    rule: Annotated[str | None, Query(max_length=10, description="rule ID, e.g. AO001")] = None,
    provider: Annotated[str | None, Query(max_length=20, description="rendering NPI")] = None,
    payer: Annotated[str | None, Query(max_length=60)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Findings of a batch, paged, filterable by severity, rule, provider NPI and payer."""
    batch = _batch_or_404(request, batch_id)
    result = services(request).result(batch)
    if result is None:
        raise HTTPException(409, f"batch is {batch.status}, no findings")
    view = bt.filter_findings(
        bt.findings_view(result), severity=severity, rule=rule, provider=provider, payer=payer
    )
    rows, total = bt.page_of(view, page, page_size)
    record(request, "view", batch.id, who=actor(request), detail="api findings")
    return JSON(
        {
            "batch_id": batch.id,
            "total": total,
            "page": page,
            "page_size": page_size,
            "findings": rows.drop("_row").to_dicts(),
        }
    )


@router.get(
    "/batches/{batch_id}/export",
    tags=["batches"],
    responses={
        **NOT_FOUND,
        **CONFLICT,
        200: {
            "description": "The report file",
            "content": {
                m: {} for m in ("text/csv", "application/json", "text/html", "application/sarif+json")
            },
        },
    },
)
def export_batch(
    request: Request, batch_id: BatchId, format: Literal["json", "csv", "html", "sarif"] = "json"
) -> Response:
    """The batch report as a file (CSV is safe to open in a spreadsheet)."""
    from claimscrub.web.exports import export_response

    batch = _batch_or_404(request, batch_id)
    result = services(request).result(batch)
    if result is None:
        raise HTTPException(409, f"batch is {batch.status}, no report")
    record(request, "export", batch.id, who=actor(request), detail=format)
    return export_response(result, batch, format)


@router.get("/rules", response_model=list[RuleInfo], tags=["rules"])
def rules() -> Any:
    from claimscrub.engine.rule import all_rules

    return [r.describe() for r in all_rules()]


@router.get(
    "/rules/{rule_id}",
    response_model=RuleInfo,
    tags=["rules"],
    responses={404: {"model": ErrorBody, "description": "No such rule"}},
)
def rule(rule_id: Annotated[str, Path(max_length=10)]) -> Any:
    from claimscrub.engine.rule import get_rule

    r = get_rule(rule_id) if rule_id.isalnum() else None
    if r is None:
        raise HTTPException(404, "no such rule")
    return {**r.describe(), "doc": r.doc()}


class AuditProfile(BaseModel):
    model_config = ConfigDict(extra="allow")
    provider_npi: str
    risk_score: float | None = None
    reasons: list[str] = []


class AuditProfiles(BaseModel):
    profiles: list[AuditProfile]


@router.get(
    "/audit/profiles",
    response_model=AuditProfiles,
    tags=["audit"],
    responses={404: {"model": ErrorBody, "description": "Audit module not installed"}},
)
def audit_profiles(request: Request) -> Any:
    """Provider audit profiles over the stored claim history, riskiest first, each with its
    reasons in plain words (from ``claimscrub.audit``)."""
    from claimscrub.web.audit_link import profiles

    found = profiles(request.app.state.settings.url)
    if found is None:
        raise HTTPException(404, "audit profiles are not installed on this server")
    record(request, "audit-profiles", who=actor(request))
    return JSON({"profiles": found})
