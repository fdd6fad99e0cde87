"""The one entry point that the CLI, the REST API and the web app call.

``check_paths`` reads files (CSV, X12 837P, FHIR), ``check_records`` takes spec §1
dicts (the API's single-claim path); both end in ``check_raw``, which runs the very
same rule code over a Polars frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from claimscrub.engine.rule import all_rules, rule_ids
from claimscrub.engine.runner import run_rules
from claimscrub.errors import InputError
from claimscrub.model import INPUT_COLUMNS
from claimscrub.normalize import normalize
from claimscrub.policies import Policy, load_policies, payer_table
from claimscrub.readers.csv_reader import read_csv_file, read_roster

Progress = Callable[[str], None]


@dataclass
class CheckOptions:
    notes_dir: Path | None = None
    providers: Path | None = None
    policy_dir: Path | None = None
    input_format: str | None = None  # csv | x12 | fhir; None = detect from content
    read_notes: bool = True
    price: bool = True  # expected payment per line and money at risk


@dataclass
class CheckResult:
    lines: pl.DataFrame  # canonical frame
    findings: pl.DataFrame  # _row + spec §5 finding columns
    policies: dict[str, Policy]
    inputs: list[str] = field(default_factory=list)
    note_facts: pl.DataFrame | None = None
    raw: pl.DataFrame | None = None  # the input as read (strings), same row order as lines
    prices: pl.DataFrame | None = None  # _row, expected_payment, price_status, price_basis
    money: dict | None = None  # claimscrub.pricing.money_at_risk
    whatif: pl.DataFrame | None = None  # claimscrub.pricing.crosswalk_whatif

    @property
    def summary(self) -> dict[str, object]:
        sev = self.findings["severity"]
        out: dict[str, object] = {
            "claims": self.lines["claim_id"].n_unique() if self.lines.height else 0,
            "lines": self.lines.height,
            "errors": int((sev == "error").sum()),
            "warnings": int((sev == "warning").sum()),
            "infos": int((sev == "info").sum()),
        }
        if self.money is not None:
            from claimscrub.pricing import jsonable

            out["money"] = jsonable(self.money)
        return out

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["errors"] else 0


def policies_for(options: CheckOptions) -> dict[str, Policy]:
    return load_policies(options.policy_dir, rule_ids())


def detect_format(path: Path) -> str:
    try:
        from claimscrub.readers.detect import detect_format as detect
    except ImportError:  # pragma: no cover - readers arrive in their own module
        return "csv"
    return detect(path)


def read_input(path: Path, input_format: str | None = None) -> pl.DataFrame:
    """One input file as a raw frame (format detected from the content)."""
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file")
    fmt = input_format or detect_format(path)
    if fmt == "csv":
        return read_csv_file(path)
    if fmt == "x12":
        from claimscrub.readers.x12_837 import read_837

        return read_837(path)
    if fmt == "fhir":
        from claimscrub.readers.fhir import read_fhir

        return read_fhir(path)
    raise InputError(str(path), f"unknown input format {fmt!r} (csv, x12, fhir)")


def _concat_raw(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    if len(frames) == 1:
        return frames[0]
    cols: list[str] = []
    for f in frames:
        cols += [c for c in f.columns if c not in cols]
    aligned = [
        f.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in cols if c not in f.columns]).select(
            [pl.col(c).cast(pl.Int64 if c == "_line" else pl.String) for c in cols]
        )
        for f in frames
    ]
    return pl.concat(aligned, how="vertical")


def attach_notes_dir(lines: pl.DataFrame, notes_dir: Path) -> pl.DataFrame:
    """Fill the note of claims that have none from ``notes_dir/<claim_id>.txt``.

    Claim IDs that would leave the folder (``../x``, absolute paths) are ignored.
    """
    if not notes_dir.is_dir():
        raise InputError(str(notes_dir), "notes folder not found")
    root = notes_dir.resolve()
    available = {p.stem: p for p in root.glob("*.txt") if p.is_file()}
    wanted = lines.filter(pl.col("note").is_null())["claim_id"].unique().to_list()
    texts: dict[str, str] = {}
    for claim_id in wanted:
        path = available.get(claim_id)
        if path is None or path.resolve().parent != root:
            continue
        try:
            texts[claim_id] = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(str(path), f"cannot read note ({exc.strerror})") from None
    if not texts:
        return lines
    found = pl.DataFrame(
        {"claim_id": list(texts), "_note_file": list(texts.values())},
        schema={"claim_id": pl.String, "_note_file": pl.String},
    )
    return (
        lines.join(found, on="claim_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("note", "_note_file").alias("note"))
        .drop("_note_file")
    )


def note_facts_for(lines: pl.DataFrame) -> pl.DataFrame | None:
    """The §3 note elements of every claim that has a note (one extraction per distinct note)."""
    notes = lines.filter(pl.col("note").is_not_null()).select("claim_id", "note").unique("claim_id")
    if notes.height == 0:
        return None
    from claimscrub.note_facts import facts_frame

    return facts_frame(notes)


def check_raw(
    raw: pl.DataFrame,
    options: CheckOptions | None = None,
    *,
    policies: dict[str, Policy] | None = None,
    roster: pl.DataFrame | None = None,
    inputs: Iterable[str] = (),
) -> CheckResult:
    options = options or CheckOptions()
    policies = policies if policies is not None else policies_for(options)
    if roster is None and options.providers is not None:
        roster = read_roster(options.providers)
    lines = normalize(raw, payer_policies=payer_table(policies), roster=roster)
    if options.notes_dir is not None:
        lines = attach_notes_dir(lines, options.notes_dir)
    facts = note_facts_for(lines) if options.read_notes else None
    findings = run_rules(lines, policies, rules=all_rules(), note_facts=facts)
    result = CheckResult(lines, findings, policies, list(inputs), facts, raw)
    if options.price:
        add_money(result)
    return result


def add_money(result: CheckResult) -> None:
    """Expected payment per line, money at risk, and the E/M crosswalk what-if."""
    from claimscrub.pricing import crosswalk_whatif, money_at_risk, price_lines

    result.prices = price_lines(result.lines)
    result.money = money_at_risk(result.lines, result.prices, result.findings)
    if (result.findings["rule"] == "PV003").any():  # the crosswalk only concerns PV003 lines
        result.whatif = crosswalk_whatif(result.lines)


def load_lines(paths: Sequence[Path], options: CheckOptions | None = None) -> pl.DataFrame:
    """Read and normalize input files (no rules): the canonical frame."""
    options = options or CheckOptions()
    policies = policies_for(options)
    raw = _concat_raw([read_input(p, options.input_format) for p in paths])
    roster = read_roster(options.providers) if options.providers is not None else None
    return normalize(raw, payer_policies=payer_table(policies), roster=roster)


def check_paths(paths: Sequence[Path], options: CheckOptions | None = None) -> CheckResult:
    options = options or CheckOptions()
    policies = policies_for(options)
    frames = [read_input(p, options.input_format) for p in paths]
    raw = _concat_raw(frames)
    return check_raw(raw, options, policies=policies, inputs=[str(p) for p in paths])


def records_frame(records: Sequence[Mapping[str, object]], source: str = "request") -> pl.DataFrame:
    """Spec §1 dicts (API body) as a raw frame; unknown keys are ignored."""
    if not records:
        raise InputError(source, "no claim lines given", field="lines")
    cols = {c: [] for c in INPUT_COLUMNS}  # type: dict[str, list[str | None]]
    for rec in records:
        if not isinstance(rec, Mapping):
            raise InputError(source, "each line must be an object", field="lines")
        for c in INPUT_COLUMNS:
            v = rec.get(c)
            cols[c].append(None if v is None else str(v))
    df = pl.DataFrame(cols, schema={c: pl.String for c in INPUT_COLUMNS})
    present = {k for rec in records for k in rec}
    df = df.select([c for c in INPUT_COLUMNS if c in present])
    return df.with_columns(
        pl.lit(source).alias("_source"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 1).alias("_line"),
    )


def check_records(
    records: Sequence[Mapping[str, object]], options: CheckOptions | None = None
) -> CheckResult:
    return check_raw(records_frame(records), options)


def findings_json(result: CheckResult) -> dict[str, object]:
    """The spec §5 JSON document."""
    rows = result.findings.drop("_row").to_dicts()
    doc: dict[str, object] = {"findings": rows, "summary": result.summary}
    from claimscrub.writers.money import whatif_rows

    if rows := whatif_rows(result):
        from claimscrub.pricing import jsonable

        doc["whatif"] = jsonable(rows)
    return doc
