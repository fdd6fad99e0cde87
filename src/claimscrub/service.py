"""The one entry point that the CLI, the REST API and the web app call.

``check_paths`` reads files (CSV, X12 837P, FHIR), ``check_records`` takes spec §1
dicts (the API's single-claim path); both end in ``check_raw``, which runs the very
same rule code over a Polars frame.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path

import polars as pl

from claimscrub.engine.rule import all_rules, rule_ids
from claimscrub.engine.runner import run_rules
from claimscrub.errors import InputError
from claimscrub.model import FINDING_COLUMNS, INPUT_COLUMNS
from claimscrub.normalize import normalize_lines
from claimscrub.policies import Policy, load_policies, payer_table
from claimscrub.readers.csv_reader import read_csv_bytes, read_roster
from claimscrub.readers.source import MAX_NOTE_BYTES, is_stdin, read_bounded, read_regular, source_name

Progress = Callable[[str], None]


@dataclass
class CheckOptions:
    notes_dir: Path | None = None
    providers: Path | None = None
    policy_dir: Path | None = None
    input_format: str | None = None  # csv | x12 | fhir; None = detect from content
    read_notes: bool = True
    price: bool = True  # expected payment per line and money at risk
    strict: bool = False  # stop at the first unreadable value (exit 2) instead of IN001


_PATH_OPTIONS = ("notes_dir", "providers", "policy_dir")


def options_from(options: Mapping[str, object]) -> CheckOptions:
    """:class:`CheckOptions` from keywords (the package-level API); an unknown name is a
    ``TypeError`` that names it and the known ones."""
    known = [f.name for f in fields(CheckOptions)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(f"unknown check option(s) {', '.join(unknown)}; known: {', '.join(known)}")
    values = {k: Path(v) if k in _PATH_OPTIONS and v is not None else v for k, v in options.items()}
    return CheckOptions(**values)  # type: ignore[arg-type]


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
    ignored_columns: list[str] = field(default_factory=list)  # input columns §1 does not name

    @property
    def summary(self) -> dict[str, object]:
        counts = dict(self.findings["severity"].value_counts().iter_rows())
        claims = self.lines["claim_id"].n_unique() if self.lines.height else 0
        return summary_doc(claims, self.lines.height, counts, self.money, self.ignored_columns)

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["errors"] else 0

    def document(self) -> dict[str, object]:
        """The JSON report as Python objects (what ``check --format json`` writes)."""
        import json

        from claimscrub.writers.json_report import render_json

        return json.loads(render_json(self))


def summary_doc(
    claims: int,
    lines: int,
    severities: Mapping[str | None, int],
    money: dict | None,
    ignored_columns: Sequence[str] = (),
) -> dict[str, object]:
    """The report's ``summary`` object (``severities``: finding count per severity)."""
    out: dict[str, object] = {
        "claims": claims,
        "lines": lines,
        "errors": int(severities.get("error", 0)),
        "warnings": int(severities.get("warning", 0)),
        "infos": int(severities.get("info", 0)),
    }
    if ignored_columns:
        out["ignored_columns"] = list(ignored_columns)
    if money is not None:
        from claimscrub.pricing import jsonable

        out["money"] = jsonable(money)
    return out


def policies_for(options: CheckOptions) -> dict[str, Policy]:
    return load_policies(options.policy_dir, rule_ids())


def detect_format(path: Path) -> str:
    from claimscrub.readers.detect import detect_format as detect
    from claimscrub.readers.detect import detect_format_data

    if is_stdin(path) or (path.exists() and not path.is_file()):  # stdin, FIFO: the bytes read
        return detect_format_data(read_bounded(path))
    return detect(path)


def read_input(path: Path, input_format: str | None = None, *, strict: bool = False) -> pl.DataFrame:
    """One input file (``-`` = stdin) as a raw frame (format detected from the content).

    The input is read once, within the input limit (``readers/source.py``), so a FIFO or
    stdin works and an endless device stops with a message. An X12 envelope error is IN002
    (``_in002`` column), or with ``strict`` an :class:`InputError`."""
    from claimscrub.readers.detect import detect_format_data

    if not is_stdin(path) and not path.exists():
        raise InputError(str(path), "file not found")
    data = read_bounded(path)
    name = source_name(path)
    fmt = input_format or detect_format_data(data)
    if fmt == "csv":
        return read_csv_bytes(data, name)
    if fmt == "x12":
        from claimscrub.readers.x12_837 import read_837_bytes

        return read_837_bytes(data, name, report_envelope=not strict)
    if fmt == "fhir":
        from claimscrub.readers.fhir import read_fhir_bytes

        return read_fhir_bytes(data, name)
    raise InputError(name, f"unknown input format {fmt!r} (csv, x12, fhir)")


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

    Claim IDs that would leave the folder (``../x``, absolute paths) are ignored, and so is
    anything that is not a regular file (a sub-folder or FIFO named ``x.txt``).
    """
    if not notes_dir.is_dir():
        raise InputError(str(notes_dir), "notes folder not found")
    root = notes_dir.resolve()
    available = {p.stem: p for p in root.glob("*.txt")}
    wanted = lines.filter(pl.col("note").is_null())["claim_id"].unique().to_list()
    texts: dict[str, str] = {}
    for claim_id in wanted:
        path = available.get(claim_id)
        if path is None or path.resolve().parent != root:
            continue
        data = read_regular(path, what="note", limit=MAX_NOTE_BYTES)  # None: a folder, FIFO, device
        text = data.decode("utf-8", errors="replace") if data is not None else ""
        if text.strip():  # an empty or whitespace-only note file is no note
            texts[claim_id] = text
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
    lines, problems = normalize_lines(
        raw, payer_policies=payer_table(policies), roster=roster, strict=options.strict
    )
    if options.notes_dir is not None:
        lines = attach_notes_dir(lines, options.notes_dir)
    checked, unchecked_claims = readable_lines(lines, problems)
    facts = note_facts_for(checked) if options.read_notes else None
    findings = run_rules(checked, policies, rules=all_rules(), note_facts=facts)
    findings = with_input_findings(findings, lines, problems, unchecked_claims, raw)
    result = CheckResult(lines, findings, policies, list(inputs), facts, raw)
    result.ignored_columns = ignored_columns(raw)
    if options.price:
        add_money(result)
    return result


#: Reader columns that are not §1 columns but are read (roster pricing, X12/FHIR ICD-9 flag).
KNOWN_EXTRA_COLUMNS = frozenset({"locality", "dx_qualifier_icd9"})


def ignored_columns(raw: pl.DataFrame | Sequence[str]) -> list[str]:
    """Input columns (of a raw frame, or its column names) the spec does not name: ignored,
    and shown so a typo is visible."""
    known = set(INPUT_COLUMNS) | KNOWN_EXTRA_COLUMNS
    names = raw.columns if isinstance(raw, pl.DataFrame) else raw
    return [c for c in names if c not in known and not c.startswith("_")]


def readable_lines(lines: pl.DataFrame, problems: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """The lines the rules read (every readable line: a claim left unchecked by IN001 still
    counts in its encounters) and the claims whose findings are dropped (docs/input.md)."""
    if problems.height == 0:
        return lines, pl.Series("claim_id", [], pl.String)
    bad = pl.col("_row").is_in(problems["_row"].implode())
    unchecked = lines.filter(bad)["claim_id"].unique()
    return lines.filter(~bad), unchecked


def with_input_findings(
    findings: pl.DataFrame,
    lines: pl.DataFrame,
    problems: pl.DataFrame,
    unchecked_claims: pl.Series,
    raw: pl.DataFrame,
) -> pl.DataFrame:
    """Rule findings less those of unchecked claims, plus IN001 (unreadable line) and IN002
    (X12 envelope error, from the reader's ``_in002`` column)."""
    parts = []
    if unchecked_claims.len():
        keep = ~pl.col("claim_id").is_in(unchecked_claims.drop_nulls().implode())
        if unchecked_claims.null_count():
            keep = keep & pl.col("claim_id").is_not_null()
        findings = findings.filter(keep.fill_null(False))
        parts.append(
            problems.join(lines.select("_row", "claim_id", "line_no", "cpt"), on="_row", how="left").select(
                "_row",
                pl.lit("IN001").alias("rule"),
                pl.lit("error").alias("severity"),
                "claim_id",
                "line_no",
                # a code that cannot be read is not repeated (it may hold anything)
                pl.when(pl.col("columns").str.contains(r"(^|, )cpt(,|$)"))
                .then(pl.lit(""))
                .otherwise("cpt")
                .alias("code"),
                pl.format(
                    "the line cannot be read ({}); claim not checked further",
                    pl.col("reason"),
                ).alias("message"),
                pl.format("Correct {} in the source system and check the claim again.", "columns").alias(
                    "fix"
                ),
            )
        )
    if "_in002" in raw.columns:
        flagged = (
            raw.select(pl.col("_in002").cast(pl.String))
            .with_row_index("_row")
            .filter(pl.col("_in002").is_not_null())
        )
        if flagged.height:
            parts.append(
                flagged.join(
                    lines.select("_row", "claim_id", "line_no", "cpt"), on="_row", how="left"
                ).select(
                    "_row",
                    pl.lit("IN002").alias("rule"),
                    pl.lit("error").alias("severity"),
                    "claim_id",
                    "line_no",
                    pl.col("cpt").alias("code"),
                    pl.col("_in002").alias("message"),
                    pl.lit(
                        "Correct the X12 envelope (counts and control numbers) in the software that "
                        "wrote the file, or the receiver's 999 rejects it."
                    ).alias("fix"),
                )
            )
    if not parts:
        return findings
    extra = [
        p.select(
            pl.col("_row").cast(pl.UInt32), *[pl.col(c).cast(findings.schema[c]) for c in FINDING_COLUMNS]
        )
        for p in parts
    ]
    return pl.concat([findings, *extra], how="vertical").sort(["_row", "rule"], maintain_order=True)


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
    raw = _concat_raw([read_input(p, options.input_format, strict=options.strict) for p in paths])
    roster = read_roster(options.providers) if options.providers is not None else None
    lines, _ = normalize_lines(
        raw, payer_policies=payer_table(policies), roster=roster, strict=options.strict
    )
    return lines


def check_paths(paths: Sequence[Path], options: CheckOptions | None = None) -> CheckResult:
    options = options or CheckOptions()
    policies = policies_for(options)
    frames = [read_input(p, options.input_format, strict=options.strict) for p in paths]
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


def unknown_keys(records: Sequence[Mapping[str, object]], limit: int = 50) -> list[str]:
    """Keys of API lines that are not §1 columns (a misspelled ``minuts``): ignored, listed."""
    known = set(INPUT_COLUMNS) | KNOWN_EXTRA_COLUMNS
    keys = {str(k)[:64] for rec in records if isinstance(rec, Mapping) for k in rec if k not in known}
    return sorted(keys)[:limit]


def check_records(
    records: Sequence[Mapping[str, object]], options: CheckOptions | None = None
) -> CheckResult:
    result = check_raw(records_frame(records), options)
    result.ignored_columns = unknown_keys(records)
    return result


def findings_json(result: CheckResult) -> dict[str, object]:
    """The spec §5 JSON document."""
    rows = result.findings.drop("_row").to_dicts()
    doc: dict[str, object] = {"findings": rows, "summary": result.summary}
    from claimscrub.writers.money import whatif_rows

    if rows := whatif_rows(result):
        from claimscrub.pricing import jsonable

        doc["whatif"] = jsonable(rows)
    return doc


# --- many requests as one batch (the REST API's micro-batching) --------------------------

BATCH_SEP = "\x1f"  # unit separator: tags each request's claim and patient ids in a batch
_TAG = r"\x1f(\d+)\x1f"
_ISOLATE = ("claim_id", "patient_id")  # claims and encounters are keyed on these


def _check_alone(records: Sequence[Mapping[str, object]], options: CheckOptions) -> dict | Exception:
    try:
        return findings_json(check_records(records, options))
    except Exception as exc:  # the caller raises it where check_records would have
        return exc


def _batchable(records: object) -> bool:
    """A request the batch can carry: a non-empty list of objects holding no separator
    (anything else is checked alone, so it gets the very error it gets today)."""
    if not isinstance(records, Sequence) or isinstance(records, str) or not records:
        return False
    for rec in records:
        if not isinstance(rec, Mapping):
            return False
        for c in INPUT_COLUMNS:
            v = rec.get(c)
            if v is not None and BATCH_SEP in str(v):
                return False
        if any(v is None or not str(v).strip() for v in (rec.get(c) for c in _ISOLATE)):
            return False  # a blank claim or patient id (IN001) cannot carry the request tag
    return True


def _batch_frame(requests: Sequence[Sequence[Mapping[str, object]]], order: list[int]) -> pl.DataFrame:
    """The raw frame of the requests ``order`` (as :func:`records_frame` makes each), with the
    claim and patient ids prefixed ``\x1f<i>\x1f`` (blank ones stay blank: normalize strips
    and nulls them the same way), so no claim or encounter spans two requests."""
    cols: dict[str, list[str | None]] = {c: [] for c in INPUT_COLUMNS}
    req: list[int] = []
    line: list[int] = []
    present: set[str] = set()
    for i in order:
        records = requests[i]
        for rec in records:
            present.update(rec)
            for c in INPUT_COLUMNS:
                v = rec.get(c)
                cols[c].append(None if v is None else str(v))
        req += [i] * len(records)
        line += range(1, len(records) + 1)
    df = pl.DataFrame(cols, schema={c: pl.String for c in INPUT_COLUMNS})
    tag = pl.lit(BATCH_SEP) + pl.col("_req").cast(pl.String) + pl.lit(BATCH_SEP)
    tagged = []
    for c in _ISOLATE:
        s = pl.col(c).str.strip_chars()
        tagged.append(pl.when(s == "").then(None).otherwise(tag + s).alias(c))
    return (
        df.with_columns(pl.Series("_req", req, pl.Int64))
        .with_columns(tagged)
        .select([c for c in INPUT_COLUMNS if c in present])
        .with_columns(pl.lit("request").alias("_source"), pl.Series("_line", line, pl.Int64))
    )


def _req_of(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.extract(r"^" + _TAG, 1).cast(pl.Int64)


def _untagged(frame: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).cast(pl.String).str.replace_all(_TAG, "").alias(c) for c in cols if c in frame.columns
    )


def _check_together(
    requests: Sequence[Sequence[Mapping[str, object]]], order: list[int], options: CheckOptions
) -> dict[int, dict[str, object]]:
    """One ``check_raw`` over the requests ``order``, split back into one §5 document per
    request. Raises on anything unexpected (the caller then checks each request alone)."""
    result = check_raw(_batch_frame(requests, order), replace(options, price=False))
    lines, findings = result.lines, result.findings
    if options.price:  # as add_money, less the batch-wide money_at_risk (done per request below)
        from claimscrub.pricing import crosswalk_whatif, price_lines

        result.prices = price_lines(lines)
        if (findings["rule"] == "PV003").any():
            result.whatif = crosswalk_whatif(lines)
    sizes = [len(requests[i]) for i in order]
    total = sum(sizes)
    if lines.height != total or not lines["_row"].equals(pl.Series("_row", range(total), pl.UInt32)):
        raise RuntimeError("batch lines out of order")
    req_of_row = pl.Series("_req", [i for i, n in zip(order, sizes, strict=True) for _ in range(n)], pl.Int64)
    if not lines.select(_req_of("claim_id")).to_series().equals(req_of_row, check_names=False):
        raise RuntimeError("a claim id lost its request tag")
    if not findings["_row"].is_sorted():
        raise RuntimeError("findings out of row order")
    # each finding belongs to the request of its line, and names that request's claim only
    f_req = req_of_row.gather(findings["_row"])
    if not findings.select(_req_of("claim_id")).to_series().equals(f_req, check_names=False):
        raise RuntimeError("a finding crossed requests")
    findings = _untagged(findings, ("claim_id", "message", "fix"))
    if findings.select(
        pl.any_horizontal(pl.col(pl.String).str.contains(BATCH_SEP, literal=True).any())
    ).item():
        raise RuntimeError("a request tag left in a finding")
    money = _money_by_request(result, req_of_row) if result.prices is not None else {}
    whatif: dict[int, list[dict[str, object]]] = {}
    if result.whatif is not None:
        tagged = result.whatif.with_columns(_req_of("claim_id").alias("_req"))
        for row in _untagged(tagged, ("claim_id", "patient_id")).drop("patient_id", strict=False).to_dicts():
            whatif.setdefault(row.pop("_req"), []).append(row)
    # The split is plain Python over one to_dicts: per-request Polars calls would cost more
    # than the whole batch check (each call has a fixed cost of ~0.1 ms).
    rows = findings.drop("_row").to_dicts()
    f_rows = findings["_row"].to_list()
    claim_ids = lines["claim_id"].to_list()
    docs: dict[int, dict[str, object]] = {}
    start = a = 0
    for i, n in zip(order, sizes, strict=True):
        b = bisect_left(f_rows, start + n, lo=a)
        mine = rows[a:b]
        severities = Counter(r["severity"] for r in mine)
        claims = len(set(claim_ids[start : start + n]))
        doc: dict[str, object] = {
            "findings": mine,
            "summary": summary_doc(claims, n, severities, money.get(i), unknown_keys(requests[i])),
        }
        if whatif.get(i) and any(r["rule"] == "PV003" for r in mine):
            from claimscrub.pricing import jsonable

            doc["whatif"] = jsonable(whatif[i])
        docs[i] = doc
        start, a = start + n, b
    return docs


def _money_by_request(result: CheckResult, req_of_row: pl.Series) -> dict[int, dict]:
    """:func:`claimscrub.pricing.money_at_risk` of each request's lines, for all requests in a
    few queries (the at-risk rows are per encounter, and encounters never span requests)."""
    from claimscrub.pricing.risk import MONEY, ZERO, _at_risk_rows

    assert result.prices is not None
    lines = result.lines
    errs, propagated = _at_risk_rows(lines, result.findings)
    p = lines.select(pl.col("_row").cast(pl.UInt32), pl.col("provider_npi").cast(pl.String), req_of_row).join(
        result.prices.select(pl.col("_row").cast(pl.UInt32), pl.col("expected_payment").cast(MONEY)),
        on="_row",
        how="left",
    )
    p = p.with_columns(
        pl.col("_row").is_in(errs.get_column("_row").unique().implode()).alias("_direct"),
        pl.col("_row").is_in(propagated.get_column("_row").implode()).alias("_prop"),
        pl.col("expected_payment").is_null().alias("_unknown"),
    ).with_columns((pl.col("_direct") | pl.col("_prop")).alias("_risk"))
    pay, unknown = pl.col("expected_payment"), pl.col("_unknown")

    def stats(prefix: str, keep: pl.Expr | None) -> list[pl.Expr]:
        pp = pay if keep is None else pay.filter(keep)
        uu = unknown if keep is None else unknown.filter(keep)
        return [
            pp.sum().alias(f"{prefix}amount"),
            (pl.len() if keep is None else keep.sum()).cast(pl.Int64).alias(f"{prefix}lines"),
            uu.sum().cast(pl.Int64).alias(f"{prefix}unknown"),
        ]

    def total(v: object) -> Decimal:
        return ZERO if v is None else Decimal(v).quantize(ZERO)  # type: ignore[arg-type]

    groups = [*stats("all_", None), *stats("risk_", pl.col("_risk")), *stats("prop_", pl.col("_prop"))]
    overall = p.group_by("_req").agg(groups)
    by_rule = errs.unique().join(p, on="_row", how="left").group_by("_req", "rule").agg(stats("", None))
    by_prov = p.group_by("_req", "provider_npi").agg(groups[:6])
    out: dict[int, dict] = {}
    for r in overall.to_dicts():
        out[r["_req"]] = {
            "expected_payment": total(r["all_amount"]),
            "at_risk": total(r["risk_amount"]),
            "lines": r["all_lines"],
            "priced_lines": r["all_lines"] - r["all_unknown"],
            "unknown_lines": r["all_unknown"],
            "at_risk_lines": r["risk_lines"],
            "at_risk_unknown_lines": r["risk_unknown"],
            "propagated": {
                "amount": total(r["prop_amount"]),
                "lines": r["prop_lines"],
                "unknown_lines": r["prop_unknown"],
            },
            "by_rule": {},
            "by_provider": {},
        }
    for r in sorted(by_rule.to_dicts(), key=lambda r: str(r["rule"])):
        out[r["_req"]]["by_rule"][str(r["rule"])] = {
            "amount": total(r["amount"]),
            "lines": r["lines"],
            "unknown_lines": r["unknown"],
        }
    for r in sorted(by_prov.to_dicts(), key=lambda r: str(r["provider_npi"])):
        npi = r["provider_npi"]
        out[r["_req"]]["by_provider"][str(npi) if npi is not None else ""] = {
            "expected_payment": total(r["all_amount"]),
            "at_risk": total(r["risk_amount"]),
            "lines": r["all_lines"],
            "unknown_lines": r["all_unknown"],
            "at_risk_lines": r["risk_lines"],
            "at_risk_unknown_lines": r["risk_unknown"],
        }
    return out


def check_many(
    requests: Sequence[Sequence[Mapping[str, object]]], options: CheckOptions | None = None
) -> list[dict[str, object] | Exception]:
    """``findings_json(check_records(r))`` for each request ``r``, checked together as one batch.

    Each item is the request's spec §5 document, or the exception ``check_records`` would have
    raised for it (an :class:`InputError`; a Polars error for a value the engine cannot convert).
    Requests never meet: each one's claim and patient ids are tagged ``\x1f<i>\x1f`` in the
    batch (so no claim or encounter spans two requests) and untagged in its answer. A request
    that already holds the separator, or is not a list of objects, is checked alone; if the
    batch fails in any way (e.g. one request has a bad value), every request is checked alone,
    so each gets its own answer or error.
    """
    options = options or CheckOptions()
    out: list[dict[str, object] | Exception | None] = [None] * len(requests)
    together: list[int] = []
    alone: list[int] = []
    batchable = options.notes_dir is None and options.providers is None
    for i, req in enumerate(requests):
        (together if batchable and _batchable(req) else alone).append(i)
    for i in alone:
        out[i] = _check_alone(requests[i], options)
    _check_group(requests, together, options, out)
    return out  # type: ignore[return-value]


def _check_group(
    requests: Sequence[Sequence[Mapping[str, object]]],
    order: list[int],
    options: CheckOptions,
    out: list[dict[str, object] | Exception | None],
) -> None:
    """Check ``order`` together; if that fails, each half the same way (a bad request costs
    a few smaller batches, not one check per request); a single request is checked alone."""
    if len(order) <= 1:
        for i in order:
            out[i] = _check_alone(requests[i], options)
        return
    try:
        docs = _check_together(requests, order, options)
    except Exception:
        half = len(order) // 2
        _check_group(requests, order[:half], options, out)
        _check_group(requests, order[half:], options, out)
        return
    for i, doc in docs.items():
        out[i] = doc
