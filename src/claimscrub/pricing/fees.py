"""Payer fee sources: how a payer policy prices a line (schema: ``data/fees/README.md``).

A fee source is a small YAML file named after the payer policy (``data/fees/<policy>.yaml``,
or ``$CLAIMSCRUB_DATA_DIR/fees/<policy>.yaml`` which wins), or a dict with the same keys:

``policy``               name (defaults to the file stem)
``medicare_pfs``         true: price with the installed Medicare PFS (Medicare itself)
``percent_of_medicare``  number: contract pays this percent of the Medicare PFS amount
``schedule``             CSV file (relative to the YAML) ``code,modifier,rate,effective_from,effective_to``
``credential_percent``   ``medicare`` (use Medicare's table in ``credential_percent.csv``), a
                         mapping ``{NP: 85, ...}``, or absent (100% for everyone)
``source``               where the rates come from (shown in docs, never used for pricing)

Order when several are given: schedule first, then percent_of_medicare / medicare_pfs for
codes the schedule lacks.  Nothing given: every line is "unknown: no rate".
A bare ``.csv`` path is accepted as a schedule-only source.
"""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from claimscrub.errors import PolicyError
from claimscrub.pricing.pfs import CENT, user_data_dir

SCHEDULE_COLUMNS = ("code", "modifier", "rate", "effective_from", "effective_to")
_KEYS = {"policy", "medicare_pfs", "percent_of_medicare", "schedule", "credential_percent", "source"}
CREDENTIALS = ("MD", "DO", "NP", "CNS", "PA", "PSYCHOLOGIST", "LCSW", "LPC", "LMFT", "OTHER")


class FeeSourceError(PolicyError, ValueError):
    """A fee source file is invalid; the message names the file, line and field (a PolicyError:
    the command line reports it in one line, exit 2)."""


@dataclass(frozen=True)
class CredentialPercent:
    credential: str
    percent: Decimal
    effective_from: date | None = None
    effective_to: date | None = None
    source: str = ""

    def applies(self, d: date | None) -> bool:
        if d is None:
            return self.effective_from is None and self.effective_to is None
        if self.effective_from is not None and d < self.effective_from:
            return False
        return not (self.effective_to is not None and d > self.effective_to)


@dataclass
class FeeSource:
    """How one payer policy prices lines."""

    name: str
    medicare_pfs: bool = False
    percent_of_medicare: Decimal | None = None
    schedule: pl.DataFrame | None = None  # code, modifier, rate Decimal(14,2), effective_from/to
    #: None: everyone 100%; otherwise the table (credentials not in it: unknown rate)
    credential_percent: list[CredentialPercent] | None = None
    source: str = ""
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def uses_medicare(self) -> bool:
        return self.medicare_pfs or self.percent_of_medicare is not None

    @property
    def has_rates(self) -> bool:
        return self.uses_medicare or (self.schedule is not None and self.schedule.height > 0)

    def credential_factor(self, credential: str | None, d: date | None) -> tuple[Decimal | None, str]:
        """(percent, note) for a credential on a date; (None, reason) when not payable/unknown."""
        if self.credential_percent is None:
            return Decimal(100), ""
        if credential is None or credential == "":
            return Decimal(100), "credential unknown: 100% assumed"
        rows = [c for c in self.credential_percent if c.credential == credential]
        if not rows:
            return None, f"no {self.name} rate for credential {credential}"
        for c in rows:
            if c.applies(d):
                return c.percent, ""
        return None, f"no {self.name} rate for credential {credential} on {d}"


def _date(text: str, where: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FeeSourceError(f"{where}: not an ISO date (YYYY-MM-DD)") from exc


def _percent(value: Any, where: str) -> Decimal:
    try:
        p = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation as exc:
        raise FeeSourceError(f"{where}: not a number") from exc
    if p < 0 or p > 1000:
        raise FeeSourceError(f"{where}: percent out of range 0-1000")
    return p


@functools.cache  # the package does not move; importlib.resources costs ~0.1 ms a call
def package_fees_dir() -> Path:
    return Path(str(resources.files("claimscrub") / "data" / "fees"))


def read_credential_percent(path: Path | None = None, policy: str = "medicare") -> list[CredentialPercent]:
    """Rows of ``credential_percent.csv`` for one policy."""
    path = path or package_fees_dir() / "credential_percent.csv"
    out: list[CredentialPercent] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            if (r.get("policy") or "").strip().lower() != policy:
                continue
            where = f"{path.name}, line {i}"
            out.append(
                CredentialPercent(
                    credential=(r.get("credential") or "").strip().upper(),
                    percent=_percent(r.get("percent"), f"{where}, field percent"),
                    effective_from=_date(r.get("effective_from", ""), f"{where}, field effective_from"),
                    effective_to=_date(r.get("effective_to", ""), f"{where}, field effective_to"),
                    source=(r.get("source") or "").strip(),
                )
            )
    return out


def read_schedule(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read and validate a fee schedule CSV (``code,modifier,rate,effective_from,effective_to``).

    ``modifier`` empty = any modifier; ``rate`` is per unit, rounded half-up to cents; a blank
    rate means "no rate" (the row is dropped).  Overlapping date ranges for one code+modifier
    are an error.
    """
    p = Path(path)
    recs: list[dict[str, Any]] = []
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = [c.strip().lower() for c in (reader.fieldnames or [])]
        missing = [c for c in ("code", "rate") if c not in cols]
        if missing:
            raise FeeSourceError(f"{p.name}, line 1: missing column(s) {', '.join(missing)}")
        for i, raw in enumerate(reader, start=2):
            r = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            where = f"{p.name}, line {i}"
            code = r.get("code", "").upper()
            if not code:
                continue
            if len(code) != 5:
                raise FeeSourceError(f"{where}, field code: expected a 5-character code")
            if not r.get("rate"):
                continue
            try:
                rate = Decimal(r["rate"].lstrip("$"))
            except InvalidOperation as exc:
                raise FeeSourceError(f"{where}, field rate: not a number") from exc
            if rate < 0:
                raise FeeSourceError(f"{where}, field rate: negative")
            mods = sorted(m for m in r.get("modifier", "").replace(" ", ":").upper().split(":") if m)
            recs.append(
                {
                    "code": code,
                    "modifier": ":".join(mods),
                    "rate": rate.quantize(CENT, rounding=ROUND_HALF_UP),
                    "effective_from": _date(r.get("effective_from", ""), f"{where}, field effective_from"),
                    "effective_to": _date(r.get("effective_to", ""), f"{where}, field effective_to"),
                    "_line": i,
                }
            )
    _check_overlaps(recs, p.name)
    return pl.DataFrame(
        [{k: v for k, v in r.items() if k != "_line"} for r in recs],
        schema={
            "code": pl.String,
            "modifier": pl.String,
            "rate": pl.Decimal(14, 2),
            "effective_from": pl.Date,
            "effective_to": pl.Date,
        },
    )


def _check_overlaps(recs: list[dict[str, Any]], name: str) -> None:
    by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in recs:
        f, t = r["effective_from"] or date.min, r["effective_to"] or date.max
        if f > t:
            raise FeeSourceError(f"{name}, line {r['_line']}: effective_from after effective_to")
        by.setdefault((r["code"], r["modifier"]), []).append(r)
    for (code, mod), rows in by.items():
        rows.sort(key=lambda r: r["effective_from"] or date.min)
        for a, b in zip(rows, rows[1:], strict=False):
            if (b["effective_from"] or date.min) <= (a["effective_to"] or date.max):
                raise FeeSourceError(
                    f"{name}, line {b['_line']}: dates overlap line {a['_line']} for {code}"
                    f"{' ' + mod if mod else ''}"
                )


def fee_source_from_dict(
    cfg: Mapping[str, Any], *, name: str = "", base: Path | None = None, path: str = ""
) -> FeeSource:
    """Build a FeeSource from the YAML keys (see module doc)."""
    where = path or name or "fee source"
    unknown = set(cfg) - _KEYS
    if unknown:
        raise FeeSourceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    src = FeeSource(name=str(cfg.get("policy") or name), source=str(cfg.get("source") or ""), path=path)
    src.medicare_pfs = bool(cfg.get("medicare_pfs", False))
    if cfg.get("percent_of_medicare") is not None:
        src.percent_of_medicare = _percent(cfg["percent_of_medicare"], f"{where}, field percent_of_medicare")
    if cfg.get("schedule"):
        sp = Path(str(cfg["schedule"]))
        if not sp.is_absolute() and base is not None:
            sp = base / sp
        if not sp.is_file():
            raise FeeSourceError(f"{where}, field schedule: file not found: {sp}")
        src.schedule = read_schedule(sp)
    cp = cfg.get("credential_percent")
    if cp is None:
        src.credential_percent = None
    elif isinstance(cp, str):
        src.credential_percent = read_credential_percent(policy=cp.strip().lower())
        if not src.credential_percent:
            raise FeeSourceError(f"{where}, field credential_percent: no rows for {cp!r}")
    elif isinstance(cp, Mapping):
        rows = []
        for k, v in cp.items():
            cred = str(k).strip().upper()
            if cred not in CREDENTIALS:
                raise FeeSourceError(f"{where}, field credential_percent: unknown credential {k}")
            rows.append(CredentialPercent(cred, _percent(v, f"{where}, credential_percent.{k}")))
        # credentials not named in a contract's mapping are paid 100%
        named = {r.credential for r in rows}
        rows += [CredentialPercent(c, Decimal(100)) for c in CREDENTIALS if c not in named]
        src.credential_percent = rows
    else:
        raise FeeSourceError(f"{where}, field credential_percent: expected a name or a mapping")
    return src


def load_fee_source(path: str | os.PathLike[str], *, name: str = "") -> FeeSource:
    """Load a fee source from a YAML file, or a bare schedule CSV (cached until the file changes)."""
    p = Path(path)
    if not p.is_file():
        raise FeeSourceError(f"{p}: file not found")
    return _load_fee_source(p, name, p.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _load_fee_source(p: Path, name: str, _mtime: int) -> FeeSource:
    if p.suffix.lower() == ".csv":
        return FeeSource(name=name or p.stem, schedule=read_schedule(p), source=p.name, path=str(p))
    try:
        cfg = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise FeeSourceError(f"{p.name}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise FeeSourceError(f"{p.name}: not valid YAML") from exc
    if not isinstance(cfg, Mapping):
        raise FeeSourceError(f"{p.name}: expected a mapping of keys")
    return fee_source_from_dict(cfg, name=name or p.stem, base=p.parent, path=str(p))


def default_fee_source(policy: str) -> FeeSource | None:
    """The fee source file for a policy: user data dir first, then the package's."""
    dirs = []
    ud = user_data_dir()
    if ud:
        dirs.append(ud / "fees")
    dirs.append(package_fees_dir())
    for d in dirs:
        for ext in (".yaml", ".yml", ".csv"):
            p = d / f"{policy}{ext}"
            if p.is_file():
                return load_fee_source(p, name=policy)
    return None


FeeSourceLike = FeeSource | str | os.PathLike[str] | Mapping[str, Any]


def resolve_fee_sources(
    policies: list[str], fee_sources: Mapping[str, FeeSourceLike] | None
) -> dict[str, FeeSource | None]:
    """Fee source per policy: ``fee_sources`` (given by the caller) beats the data files."""
    given = {str(k).lower(): v for k, v in (fee_sources or {}).items()}
    out: dict[str, FeeSource | None] = {}
    for pol in policies:
        v = given.get(pol)
        if v is None:
            out[pol] = default_fee_source(pol) if pol else None
        elif isinstance(v, FeeSource):
            out[pol] = v
        elif isinstance(v, Mapping):
            out[pol] = fee_source_from_dict(v, name=pol)
        else:
            out[pol] = load_fee_source(v, name=pol)
    return out
