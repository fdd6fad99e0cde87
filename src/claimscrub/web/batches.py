"""Uploaded batches: keep the file, check it in the background, serve its findings.

The check runs through :func:`claimscrub.service.check_paths` (the same code as the CLI). The
result stays in a small in-process cache; another worker (or a restart) re-checks the kept
file on demand. When the store (``claimscrub.store``) is installed, the batch is also imported
there. Nothing here logs patient data: only batch ids and counts.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import select

from claimscrub.errors import InputError
from claimscrub.private_files import private_dir, write_private
from claimscrub.service import CheckOptions, CheckResult, check_paths
from claimscrub.web.db import session_scope
from claimscrub.web.models import Batch

log = logging.getLogger("claimscrub.web")

FINDING_VIEW_COLUMNS = (
    "rule",
    "severity",
    "claim_id",
    "line_no",
    "code",
    "message",
    "fix",
    "provider_npi",
    "payer",
    "expected_payment",
)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def safe_name(filename: str | None) -> str:
    name = Path(filename or "batch").name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "batch"
    return name[:100]


def new_batch_id() -> str:
    return secrets.token_hex(8)


class ResultCache:
    def __init__(self, size: int = 6) -> None:
        self.size = size
        self._data: OrderedDict[str, CheckResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CheckResult | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: str, value: CheckResult) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


@dataclass
class BatchService:
    url: str
    upload_dir: Path

    def __post_init__(self) -> None:
        self.cache = ResultCache()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimscrub-batch")
        self._running: dict[str, Future] = {}
        self.resume_interrupted()

    def resume_interrupted(self) -> None:
        """Batches left "checking" by a crash are checked again (their upload is on disk; the
        store import is idempotent), so none stays "checking" forever."""
        with session_scope(self.url) as s:
            stuck = [b.id for b in s.query(Batch).filter(Batch.status == "checking").all()]
        for batch_id in stuck:
            log.info("batch %s was interrupted; checking it again", batch_id)
            self.submit(batch_id)

    # -- upload ------------------------------------------------------------------------------

    def save(self, filename: str | None, data: bytes, actor: str, input_format: str | None) -> str:
        if not data:
            raise InputError(safe_name(filename), "the file is empty")
        batch_id = new_batch_id()
        private_dir(self.upload_dir)
        folder = private_dir(self.upload_dir / batch_id)
        path = folder / safe_name(filename)
        try:
            write_private(path, data)
        except OSError:  # disk full: no partial upload is left behind (the app answers 507)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with session_scope(self.url) as s:
            s.add(
                Batch(
                    id=batch_id,
                    filename=safe_name(filename),
                    input_format=input_format,
                    path=str(path),
                    uploaded_by=actor,
                    status="checking",
                )
            )
        log.info("batch %s uploaded (%d bytes)", batch_id, len(data))
        return batch_id

    def submit(self, batch_id: str) -> Future:
        fut = self.pool.submit(self.run, batch_id)
        self._running[batch_id] = fut
        return fut

    def run(self, batch_id: str) -> CheckResult | None:
        batch = self.get(batch_id)
        if batch is None:
            return None
        try:
            result = self._check(batch)
        except InputError as exc:
            message = _public_error(exc, batch)
            self._finish(batch_id, "failed", error=message)
            log.info("batch %s could not be read", batch_id)
            return None
        except Exception as exc:  # never let a worker thread die silently
            self._finish(batch_id, "failed", error="the file could not be checked (internal error)")
            log.error("batch %s failed: %s", batch_id, type(exc).__name__)
            return None
        finally:
            self._running.pop(batch_id, None)
        self.cache.put(batch_id, result)
        self._finish(batch_id, "done", summary=json.dumps(stored_summary(result), default=str))
        self._store(batch, result)
        s = result.summary
        log.info("batch %s checked: %s lines, %s errors", batch_id, s["lines"], s["errors"])
        return result

    def _check(self, batch: Batch) -> CheckResult:
        return check_paths([Path(batch.path)], CheckOptions(input_format=batch.input_format))

    def _finish(self, batch_id: str, status: str, *, error: str | None = None, summary: str | None = None):
        with session_scope(self.url) as s:
            row = s.get(Batch, batch_id)
            if row is not None:
                row.status = status
                row.error = error
                if summary is not None:
                    row.summary = summary

    def _store(self, batch: Batch, result: CheckResult) -> None:
        """Import into the store when it is installed (integration point, kept small)."""
        try:
            from claimscrub.web.store_link import store_result
        except ImportError:
            return
        store_id = store_result(self.url, batch, result)
        if store_id is not None:
            with session_scope(self.url) as s:
                row = s.get(Batch, batch.id)
                if row is not None:
                    row.store_batch_id = str(store_id)

    # -- read --------------------------------------------------------------------------------

    def get(self, batch_id: str) -> Batch | None:
        if not re.fullmatch(r"[0-9a-f]{16}", batch_id or ""):
            return None
        with session_scope(self.url) as s:
            return s.get(Batch, batch_id)

    def list(self, limit: int = 200) -> list[Batch]:
        with session_scope(self.url) as s:
            return list(s.scalars(select(Batch).order_by(Batch.created_at.desc()).limit(limit)))

    def result(self, batch: Batch) -> CheckResult | None:
        if batch.status != "done":
            return None
        hit = self.cache.get(batch.id)
        if hit is not None:
            return hit
        running = self._running.get(batch.id)
        if running is not None:
            return running.result()
        try:
            result = self._check(batch)
        except (InputError, OSError):
            return None
        self.cache.put(batch.id, result)
        return result

    def delete(self, batch_id: str) -> None:
        batch = self.get(batch_id)
        if batch is None:
            return
        shutil.rmtree(Path(batch.path).parent, ignore_errors=True)
        with session_scope(self.url) as s:
            row = s.get(Batch, batch_id)
            if row is not None:
                s.delete(row)


def _public_error(exc: InputError, batch: Batch) -> str:
    """The InputError text with the server path replaced by the uploaded file name."""
    return str(exc).replace(batch.path, batch.filename)


def stored_summary(result: CheckResult) -> dict:
    """§5 summary plus counts for the dashboard (by rule, by provider NPI; no patient data)."""
    out = dict(result.summary)
    f = result.findings
    out["by_rule"] = {r["rule"]: r["len"] for r in f.group_by("rule").len().to_dicts()}
    errors = f.filter(pl.col("severity") == "error").join(
        result.lines.select("_row", "provider_npi"), on="_row", how="left"
    )
    out["errors_by_provider"] = {
        str(r["provider_npi"]): r["len"] for r in errors.group_by("provider_npi").len().to_dicts()
    }
    return out


def summary_of(batch: Batch) -> dict:
    return json.loads(batch.summary) if batch.summary else {}


# -- findings view ---------------------------------------------------------------------------


def findings_view(result: CheckResult) -> pl.DataFrame:
    """Findings with the line's provider, payer and expected payment (money as text)."""
    f = result.findings
    lines = result.lines.select("_row", "provider_npi", "payer")
    out = f.join(lines, on="_row", how="left", maintain_order="left")
    prices = getattr(result, "prices", None)
    if prices is not None and "expected_payment" in prices.columns:
        out = out.join(
            prices.select("_row", pl.col("expected_payment").cast(pl.String)),
            on="_row",
            how="left",
            maintain_order="left",
        )
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("expected_payment"))
    return out.with_columns(pl.col("payer").fill_null("")).select("_row", *FINDING_VIEW_COLUMNS)


def filter_findings(
    view: pl.DataFrame,
    *,
    severity: str | None = None,
    rule: str | None = None,
    provider: str | None = None,
    payer: str | None = None,
) -> pl.DataFrame:
    if severity:
        view = view.filter(pl.col("severity") == severity.lower())
    if rule:
        view = view.filter(pl.col("rule") == rule.upper())
    if provider:
        view = view.filter(pl.col("provider_npi") == provider)
    if payer:
        view = view.filter(pl.col("payer") == payer.lower())
    return view


def by_severity(view: pl.DataFrame) -> pl.DataFrame:
    """Errors first, then warnings, then infos; input order within each."""
    rank = pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
    return view.with_columns(rank.alias("_sev")).sort("_sev", "_row", maintain_order=True).drop("_sev")


def facets(view: pl.DataFrame) -> dict[str, list[str]]:
    def distinct(col: str) -> list[str]:
        return sorted(v for v in view[col].unique().to_list() if v)

    return {
        "severity": [s for s in SEVERITY_ORDER if s in set(view["severity"].to_list())],
        "rule": distinct("rule"),
        "provider": distinct("provider_npi"),
        "payer": distinct("payer"),
    }


def page_of(view: pl.DataFrame, page: int, page_size: int) -> tuple[pl.DataFrame, int]:
    total = view.height
    start = (page - 1) * page_size
    return view.slice(start, page_size), total
