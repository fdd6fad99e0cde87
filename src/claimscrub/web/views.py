"""Web app pages (server-rendered Jinja2; CSRF on every form POST; roles biller/auditor/admin)."""

from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimscrub.errors import InputError
from claimscrub.web import batches as bt
from claimscrub.web import sessions, throttle
from claimscrub.web.audit_log import recent, record
from claimscrub.web.db import session_scope
from claimscrub.web.models import ROLES, User, utcnow
from claimscrub.web.security import (
    csrf_ok,
    csrf_token,
    fmt_time,
    hash_password,
    password_problem,
    verify_password,
)

log = logging.getLogger("claimscrub.web")
HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))

UPLOADERS = ("biller", "admin")
READERS = ROLES
AUDIT_VIEWERS = ("auditor", "admin")
PAGE_SIZE = 100
FORMATS = ("csv", "json", "html")


# -- template helpers ------------------------------------------------------------------------


def usd(value: object) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"${Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return "—"


def mdlite(text: str) -> Markup:
    """Rule pages: escape, then **bold**, `code` and paragraphs."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        html = str(escape(para))
        html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
        html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
        out.append(f"<p>{html}</p>")
    return Markup("\n".join(out))


def rule_section(doc: str, title: str) -> str:
    m = re.search(rf"\*\*{re.escape(title)}\.?\*\*\s*(.+?)(?:\n\s*\n|$)", doc, re.S)
    return " ".join(m.group(1).split()) if m else ""


def highlight(text: str, evidence: dict[str, list]) -> Markup:
    """The note, escaped, with evidence spans wrapped in <mark> (overlaps merged)."""
    spans: list[tuple[int, int, str]] = []
    for element, items in evidence.items():
        for item in items:
            start, end = int(item[0]), int(item[1])
            if 0 <= start < end <= len(text):
                spans.append((start, end, element))
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, element in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].add(element)
        else:
            merged.append([start, end, {element}])
    out, pos = [], 0
    for start, end, elements in merged:
        out.append(str(escape(text[pos:start])))
        label = ", ".join(sorted(e.replace("_", " ") for e in elements))
        out.append(
            f'<mark class="ev" title="{escape(label)}" data-elements="{escape(" ".join(sorted(elements)))}">'
            f"{escape(text[start:end])}</mark>"
        )
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


templates.env.filters["usd"] = usd
templates.env.filters["mdlite"] = mdlite
templates.env.filters["when"] = fmt_time


# -- sessions, users, roles -----------------------------------------------------------------


class NeedSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def current_user(request: Request) -> User | None:
    token = request.session.get("sid")
    if not token:
        return None
    cached = request.scope.get("claimscrub_user")
    if cached is not None:
        return cached
    settings = request.app.state.settings
    with session_scope(settings.url) as s:
        user = sessions.resolve(s, token, settings.timeouts)
    if user is None:
        request.session.clear()
        return None
    request.scope["claimscrub_user"] = user
    return user


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: the forwarded one, with ``--proxy-headers``)."""
    return request.client.host if request.client else "unknown"


def require(request: Request, roles: tuple[str, ...] = READERS) -> User:
    user = current_user(request)
    if user is None:
        raise NeedSignIn(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if user.role not in roles:
        raise HTTPException(403, "Your role does not allow this page.")
    return user


def who(user: User) -> str:
    return f"user:{user.name}"


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = current_user(request)
    ctx.update(
        request=request,
        user=user,
        csrf=csrf_token(request.session),
        flash=request.session.pop("flash", None),
        can_upload=bool(user and user.role in UPLOADERS),
        can_audit=bool(user and user.role in AUDIT_VIEWERS),
        is_admin=bool(user and user.role == "admin"),
    )
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form, after the CSRF check (403 on a missing or wrong token)."""
    form = await request.form()
    if not csrf_ok(request.session, form.get("csrf_token")):
        raise HTTPException(
            403, "The form expired or did not come from this site. Reload the page and try again."
        )
    return dict(form)


def safe_next(value: object) -> str:
    text = str(value or "")
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/"


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    try:
        return render(
            request, "error.html", status=exc.status_code, status_code=exc.status_code, detail=exc.detail
        )
    except NeedSignIn as need:
        return redirect("/signin?next=" + quote(need.next_path))


async def form_error(request: Request, exc: RequestValidationError) -> Response:
    return render(request, "error.html", status=400, status_code=400, detail="The form was not complete.")


def sign_in_redirect(exc: NeedSignIn) -> Response:
    return redirect("/signin?next=" + quote(exc.next_path))


# -- sign in / out ----------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    return redirect("/batches" if current_user(request) else "/signin")


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    return render(request, "signin.html", next=safe_next(next))


LOCKED = "Too many failed sign-ins. Wait {minutes} minutes, or ask an admin."


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await form_of(request)
    name = str(form.get("username", "")).strip()[:80]
    password = str(form.get("password", ""))[:1024]
    nxt = safe_next(form.get("next"))
    settings = request.app.state.settings
    policy = settings.signin_policy
    address = client_address(request)
    locked_msg = LOCKED.format(minutes=f"{policy.window.total_seconds() / 60:g}")
    token = newly = None
    with session_scope(settings.url) as s:
        refused = throttle.locked(s, name, address, policy)
        user = s.scalars(select(User).where(User.name == name)).one_or_none()
        # verify even when refused: the answer takes as long either way
        ok = (
            verify_password(user.password_hash if user else None, password)
            and user is not None
            and user.active
        )
        if refused:
            ok = False
        elif ok:
            throttle.succeeded(s, name)
            user.last_login_at = utcnow()
            sessions.end(s, request.session.get("sid"))  # signing in again replaces the old one
            token = sessions.start(s, user, settings.timeouts)
        else:
            newly = throttle.failed(s, name, address, policy)
    actor = who(user) if user is not None else "unknown user"
    if refused:
        record(request, "sign-in-refused", who=actor, detail=f"{refused} locked, from {address}")
        return render(request, "signin.html", status=429, next=nxt, error=locked_msg)
    if not ok:
        log.info("sign-in failed")
        record(request, "sign-in-failed", who=actor, detail=f"from {address}")
        if newly:
            record(request, "lockout", who=actor, detail=f"{newly} locked, from {address}")
            return render(request, "signin.html", status=429, next=nxt, error=locked_msg)
        return render(request, "signin.html", status=401, next=nxt, error="Wrong user name or password.")
    request.session.clear()  # new session on sign-in (no fixation)
    request.session["sid"] = token
    csrf_token(request.session)
    record(request, "sign-in", who=who(user), detail=f"from {address}")
    return redirect(nxt if nxt != "/signin" else "/")


@router.post("/signout")
async def signout(request: Request) -> Response:
    await form_of(request)
    user = current_user(request)
    with session_scope(request.app.state.settings.url) as s:
        sessions.end(s, request.session.get("sid"))
    if user is not None:
        record(request, "sign-out", who=who(user))
    request.session.clear()
    return redirect("/signin")


# -- batches ----------------------------------------------------------------------------------


@router.get("/batches")
def batches_page(request: Request) -> Response:
    require(request)
    rows = [(b, bt.summary_of(b)) for b in request.app.state.batches.list()]
    return render(request, "batches.html", batches=rows)


@router.post("/batches/upload")
async def upload(request: Request) -> Response:
    user = require(request, UPLOADERS)
    form = await form_of(request)
    wants_json = request.headers.get("x-requested-with") == "claimscrub-upload"
    file = form.get("file")
    fmt = form.get("format") or None
    if fmt not in (None, "csv", "x12", "fhir"):
        fmt = None
    if file is None or not hasattr(file, "read") or not getattr(file, "filename", ""):
        message = "Choose a claim file (CSV, X12 837P or FHIR JSON) to upload."
        if wants_json:
            return JSONResponse({"error": message}, status_code=400)
        flash(request, message, "error")
        return redirect("/batches")
    data = await file.read()
    svc: bt.BatchService = request.app.state.batches
    try:
        batch_id = svc.save(file.filename, data, who(user), fmt)
    except InputError as exc:
        if wants_json:
            return JSONResponse({"error": str(exc)}, status_code=400)
        flash(request, str(exc), "error")
        return redirect("/batches")
    svc.submit(batch_id)
    record(request, "upload", batch_id, who=who(user))
    if wants_json:
        return JSONResponse({"url": f"/batches/{batch_id}"})
    return redirect(f"/batches/{batch_id}")


def _batch(request: Request, batch_id: str) -> Any:
    batch = request.app.state.batches.get(batch_id)
    if batch is None:
        raise HTTPException(404, "There is no such batch.")
    return batch


@router.get("/batches/{batch_id}")
def batch_page(
    request: Request,
    batch_id: str,
    severity: str = "",
    rule: str = "",
    provider: str = "",
    payer: str = "",
    page: int = 1,
) -> Response:
    user = require(request)
    batch = _batch(request, batch_id)
    if batch.status != "done":
        return render(request, "batch_status.html", batch=batch)
    result = request.app.state.batches.result(batch)
    if result is None:
        return render(request, "batch_status.html", batch=batch, missing=True)
    view = bt.findings_view(result)
    options = bt.facets(view)
    chosen = {
        "severity": severity if severity in options["severity"] else "",
        "rule": rule.upper() if rule.upper() in options["rule"] else "",
        "provider": provider if provider in options["provider"] else "",
        "payer": payer.lower() if payer.lower() in options["payer"] else "",
    }
    shown = bt.by_severity(bt.filter_findings(view, **{k: v or None for k, v in chosen.items()}))
    pages = max(1, -(-shown.height // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows, total = bt.page_of(shown, page, PAGE_SIZE)
    record(request, "view", batch.id, who=who(user), detail=_filters_detail(chosen))
    from claimscrub.engine.rule import all_rules

    rules = {r.id: r for r in all_rules()}
    why = {rid: rule_section(r.doc(), "Why it matters") for rid, r in rules.items()}
    query = {k: v for k, v in chosen.items() if v}
    return render(
        request,
        "batch.html",
        batch=batch,
        summary=result.summary,
        money=getattr(result, "money", None),
        findings=rows.drop("_row").to_dicts(),
        total=total,
        page=page,
        pages=pages,
        options=options,
        chosen=chosen,
        rules=rules,
        why=why,
        by_rule=_counts(shown, "rule"),
        by_severity=_counts(view, "severity"),
        query=urlencode(query),
        export_query=("?" + urlencode(query)) if query else "",
    )


def _filters_detail(chosen: dict[str, str]) -> str:
    # rule / severity only: provider and payer are not patient data, but keep the log short
    return ",".join(f"{k}={v}" for k, v in chosen.items() if v and k in ("severity", "rule"))[:200]


def _counts(view: Any, column: str) -> list[tuple[str, int]]:
    if view.height == 0:
        return []
    counts = view.group_by(column).len().sort(["len", column], descending=[True, False])
    return [(str(r[column]), int(r["len"])) for r in counts.to_dicts()]


@router.get("/batches/{batch_id}/export.{fmt}")
def export(
    request: Request,
    batch_id: str,
    fmt: str,
    severity: str = "",
    rule: str = "",
    provider: str = "",
    payer: str = "",
) -> Response:
    user = require(request)
    if fmt not in FORMATS:
        raise HTTPException(404, "Unknown export format.")
    batch = _batch(request, batch_id)
    result = request.app.state.batches.result(batch)
    if result is None:
        raise HTTPException(409, "This batch has no findings to export.")
    from claimscrub.web.exports import export_response

    filters = {"severity": severity, "rule": rule, "provider": provider, "payer": payer}
    if any(filters.values()):
        result = _filtered_result(result, filters)
    record(request, "export", batch.id, who=who(user), detail=fmt)
    return export_response(result, batch, fmt)


def _filtered_result(result: Any, filters: dict[str, str]) -> Any:
    import copy

    view = bt.filter_findings(bt.findings_view(result), **{k: v or None for k, v in filters.items()})
    out = copy.copy(result)
    out.findings = result.findings.join(
        view.select("_row", "rule"), on=["_row", "rule"], how="semi", maintain_order="left"
    )
    return out


# -- one encounter check ----------------------------------------------------------------------

ENCOUNTER_FIELDS = (
    "claim_id",
    "patient_id",
    "service_date",
    "payer",
    "provider_npi",
    "provider_credential",
    "provider_state",
    "provider_rx_authority",
    "pos",
    "icd10",
    "note",
)
LINE_FIELDS = ("cpt", "modifiers", "units", "minutes", "charge")
N_LINES = 4


@router.get("/check")
def check_page(request: Request) -> Response:
    require(request)
    return render(request, "check.html", form={}, n_lines=N_LINES, result=None)


@router.post("/check")
async def check_submit(request: Request) -> Response:
    require(request)
    form = {k: str(v)[:20000] for k, v in (await form_of(request)).items() if isinstance(v, str)}
    base = {f: form.get(f, "").strip() for f in ENCOUNTER_FIELDS}
    base["claim_id"] = base["claim_id"] or "ENCOUNTER"
    records = []
    for i in range(N_LINES):
        line = {f: form.get(f"{f}_{i}", "").strip() for f in LINE_FIELDS}
        if not line["cpt"]:
            continue
        rec = {**{k: v for k, v in base.items() if v}, **{k: v for k, v in line.items() if v}}
        rec["line_no"] = str(len(records) + 1)
        records.append(rec)
    error = None
    result = None
    if not records:
        error = "Enter at least one CPT code."
    else:
        from fastapi import HTTPException as _HTTP

        from claimscrub.web.api import run_check

        try:
            result = run_check(records)
        except InputError as exc:
            error = str(exc).replace("request, ", "", 1)
        except _HTTP as exc:
            error = str(exc.detail)
    findings = bt.by_severity(bt.findings_view(result)).drop("_row").to_dicts() if result is not None else []
    from claimscrub.engine.rule import all_rules

    rules = {r.id: r for r in all_rules()}
    return render(
        request,
        "check.html",
        form=form,
        n_lines=N_LINES,
        result=result,
        findings=findings,
        error=error,
        rules=rules,
        why={rid: rule_section(r.doc(), "Why it matters") for rid, r in rules.items()},
        money=getattr(result, "money", None) if result is not None else None,
    )


# -- note check -------------------------------------------------------------------------------

ELEMENT_LABELS = {
    "medication": "Current medication named",
    "action": "Decision about the medication",
    "response": "Response to medication",
    "side_effects": "Side effects reviewed",
    "adherence": "Adherence reviewed",
    "rationale": "Rationale for the plan",
    "not_performed": "States medication management was NOT done",
}


MED_ELEMENTS = ("medication", "action", "response", "side_effects", "adherence", "rationale")


@router.get("/note")
def note_page(request: Request) -> Response:
    require(request)
    return render(request, "note.html", text="", facts=None, labels=ELEMENT_LABELS)


@router.post("/note")
async def note_submit(request: Request) -> Response:
    require(request)
    form = await form_of(request)
    text = str(form.get("text", ""))[:200_000]
    from claimscrub.notes import extract_note

    facts = extract_note(text).to_dict(evidence=True)
    missing = [ELEMENT_LABELS[k].lower() for k in MED_ELEMENTS if not facts[k]]
    return render(
        request,
        "note.html",
        text=text,
        facts=facts,
        labels=ELEMENT_LABELS,
        highlighted=highlight(text, facts.get("evidence", {})),
        missing=missing,
    )


# -- rules ------------------------------------------------------------------------------------


@router.get("/rules")
def rules_page(request: Request) -> Response:
    require(request)
    from claimscrub.engine.rule import all_rules

    return render(request, "rules.html", rules=all_rules())


@router.get("/rules/{rule_id}")
def rule_page(request: Request, rule_id: str) -> Response:
    require(request)
    from claimscrub.engine.rule import get_rule

    rule = get_rule(rule_id) if rule_id.isalnum() and len(rule_id) < 10 else None
    if rule is None:
        raise HTTPException(404, "There is no such rule.")
    return render(request, "rule.html", rule=rule, doc=rule.doc())


# -- dashboard and audit log ------------------------------------------------------------------


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    require(request)
    from claimscrub.web.dashboard import dashboard_data

    return render(request, "dashboard.html", **dashboard_data(request.app.state.batches))


@router.get("/admin/access-log")
def access_log(request: Request, batch: str = "") -> Response:
    require(request, AUDIT_VIEWERS)
    batch_id = batch if re.fullmatch(r"[0-9a-f]{16}", batch) else None
    return render(
        request,
        "access_log.html",
        entries=recent(request.app.state.settings.url, 500, batch_id),
        batch=batch_id,
    )


# -- users (admin) ----------------------------------------------------------------------------


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    require(request, ("admin",))
    with session_scope(request.app.state.settings.url) as s:
        users = list(s.scalars(select(User).order_by(User.name)))
    return render(request, "users.html", users=users, roles=ROLES)


@router.post("/admin/users")
async def users_add(request: Request) -> Response:
    admin = require(request, ("admin",))
    form = await form_of(request)
    name = str(form.get("username", "")).strip()
    role = str(form.get("role", ""))
    password = str(form.get("password", ""))
    problem = user_problem(name, role) or password_problem(password)
    if problem is None:
        with session_scope(request.app.state.settings.url) as s:
            if s.scalars(select(User).where(User.name == name)).one_or_none() is not None:
                problem = f"a user named {name} already exists"
            else:
                s.add(User(name=name, role=role, password_hash=hash_password(password)))
    if problem:
        flash(request, problem[0].upper() + problem[1:] + ".", "error")
    else:
        record(request, "user-add", who=who(admin), detail=f"{name} ({role})")
        flash(request, f"User {name} added as {role}.")
    return redirect("/admin/users")


@router.post("/admin/users/{user_id}")
async def users_change(request: Request, user_id: int) -> Response:
    admin = require(request, ("admin",))
    form = await form_of(request)
    role = str(form.get("role", ""))
    active = form.get("active") == "on"
    password = str(form.get("password", ""))
    with session_scope(request.app.state.settings.url) as s:
        user = s.get(User, user_id)
        if user is None:
            raise HTTPException(404, "There is no such user.")
        if user.id == admin.id and (role != "admin" or not active):
            flash(request, "You cannot remove your own admin role or disable yourself.", "error")
            return redirect("/admin/users")
        before = (user.role, user.active, user.password_hash)
        if role in ROLES:
            user.role = role
        user.active = active
        if password:
            problem = password_problem(password)
            if problem:
                flash(request, problem[0].upper() + problem[1:] + ".", "error")
                return redirect("/admin/users")
            user.password_hash = hash_password(password)
        if (user.role, user.active, user.password_hash) != before:
            sessions.end_all(s, user.id)
        name = user.name
    record(
        request, "user-change", who=who(admin), detail=f"{name}: {role}, {'active' if active else 'disabled'}"
    )
    flash(request, f"User {name} updated.")
    return redirect("/admin/users")


def user_problem(name: str, role: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9._@-]{2,80}", name):
        return "a user name has 2-80 letters, digits or . _ @ -"
    if role not in ROLES:
        return f"the role must be one of {', '.join(ROLES)}"
    return None
