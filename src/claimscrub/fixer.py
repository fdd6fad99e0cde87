"""Safe fixes: corrections that need no clinical judgement, applied only when the result,
checked again, is no worse (docs/fix.md).

The candidates: units capped at the daily limit (UN001), duplicate lines removed with what
they carried moved onto the lines that stay (DU001), the psychotherapy code matched to the
recorded minutes, E/M-aware (PT002). Each group of changes is applied to the file, the
file is read and checked again, and a group is dropped when the re-check shows a finding
the original did not have, or a claim lost its note or a diagnosis; the loop ends when
nothing new appears. Every other fix stays a suggestion in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from claimscrub.engine.context import ENC, Context, with_encounter_id
from claimscrub.engine.rule import get_rule
from claimscrub.service import CheckOptions, CheckResult, check_raw

CHANGE_SCHEMA = {
    "_row": pl.UInt32,
    "rule": pl.String,
    "field": pl.String,
    "value": pl.String,
}
DELETE = "_delete"
#: Cells a removed duplicate may carry that its kept copy lacks (moved, never overwritten).
MERGED_CELLS = (
    "minutes",
    "pos",
    "charge",
    "provider_credential",
    "provider_taxonomy",
    "provider_state",
    "provider_rx_authority",
)
MAX_ROUNDS = 12
#: Rules that judge a claim (one finding per claim, on its first line): the same finding
#: when the claim's first line is removed and the next one carries it.
CLAIM_LEVEL = frozenset({"DX001", "DC000", "DC001", "DC002", "DC003", "DC004"})

#: Applies changes to the input; returns the new raw frame and, for each of its rows, the
#: original row it came from.
Rewrite = Callable[[pl.DataFrame], tuple[pl.DataFrame, list[int]]]


@dataclass(frozen=True, slots=True)
class Change:
    row: int
    rule: str
    field: str
    value: str | None
    group: tuple  # changes of one group are applied together or not at all


@dataclass
class FixPlan:
    changes: pl.DataFrame  # CHANGE_SCHEMA
    after: CheckResult | None = None  # the re-check of the fixed input
    dropped: list[tuple] = field(default_factory=list)  # groups left as suggestions


def _blank(v: object) -> bool:
    return v is None or str(v).strip() == ""


class _Planner:
    def __init__(self, result: CheckResult, fields: frozenset[str] | None) -> None:
        self.result = result
        self.fields = fields  # fields the output can change (None: any column)
        raw = result.raw if result.raw is not None else pl.DataFrame()
        self.raw_rows = raw.to_dicts()
        self.columns = set(raw.columns)
        lines = with_encounter_id(result.lines)
        self.lines = lines
        self.claim = lines["claim_id"].to_list()
        self.enc = lines[ENC].to_list()
        self.icd = lines["icd10"].to_list()
        f = result.findings
        in001 = f.filter(pl.col("rule") == "IN001")
        self.unchecked = set(in001["claim_id"].to_list())
        self.fired = set(zip(f["_row"].to_list(), f["rule"].to_list(), strict=True))
        self.rows_of_claim: dict[object, list[int]] = {}
        for r, c in enumerate(self.claim):
            self.rows_of_claim.setdefault(c, []).append(r)
        readable = lines.join(in001.select("_row"), on="_row", how="anti")  # as the rules saw them
        self.ctx = Context(readable, result.policies, note_facts=result.note_facts)
        self.claim_values = True  # the file holds note/diagnoses per line (CSV), not per claim

    # ---------------------------------------------------------------- candidates
    def candidates(self, banned: set[tuple]) -> list[Change]:
        out: list[Change] = []
        for rule_id in ("PT002", "UN001"):
            rule = get_rule(rule_id)
            lf = rule.autofix(self.ctx) if rule else None
            if lf is None:
                continue
            for r in lf.collect().iter_rows(named=True):
                row = int(r["_row"])
                group = (rule_id, row)
                if group in banned or (row, rule_id) not in self.fired or self.claim[row] in self.unchecked:
                    continue
                if rule_id == "UN001" and (r["value"] is None or int(r["value"]) < 1):
                    continue  # a cap to 0 units is not a fix: the line is a duplicate to review
                out.append(Change(row, rule_id, r["field"], r["value"], group))
        out += self._duplicates(banned)
        deleted = {c.row for c in out if c.field == DELETE}
        out = [c for c in out if c.field == DELETE or c.row not in deleted]
        if self.fields is not None:
            bad = {c.group for c in out if c.field not in self.fields}
            out = [c for c in out if c.group not in bad]
        return out

    def _duplicates(self, banned: set[tuple]) -> list[Change]:
        """DU001: keep one copy of each duplicate set (the one with the most units), remove
        the others, and move what a removed copy carried onto the lines that stay."""
        if not any(rule == "DU001" for _, rule in self.fired):
            return []
        groups: dict[tuple, list[int]] = {}
        key_cols = self.lines.select(ENC, "cpt", "modifiers", "_row").rows()
        checked = {r for r in range(len(self.claim)) if self.claim[r] not in self.unchecked}
        for enc, cpt, mods, row in key_cols:
            if int(row) in checked:
                groups.setdefault((enc, cpt, mods), []).append(int(row))
        units = self.lines["units"].to_list()
        removed: dict[int, tuple] = {}
        keeper_of: dict[int, int] = {}
        remaining = {c: len(rows) for c, rows in self.rows_of_claim.items()}
        for key, rows in groups.items():
            group = ("DU001", *key)
            if len(rows) < 2 or group in banned:
                continue
            if not all((r, "DU001") in self.fired for r in rows[1:]):
                continue  # the rule is off for part of the set (payer policy)

            def rank(r: int) -> tuple:
                filled = sum(not _blank(v) for k, v in self.raw_rows[r].items() if not k.startswith("_"))
                return (-(units[r] or 0), remaining[self.claim[r]] > 1, -filled, r)

            keeper = min(rows, key=rank)
            for r in rows:
                if r != keeper and remaining[self.claim[r]] > 1:
                    remaining[self.claim[r]] -= 1
                    removed[r] = group
                    keeper_of[r] = keeper
        if not removed:
            return []
        out = [Change(r, "DU001", DELETE, None, g) for r, g in removed.items()]
        out += self._moved_cells(removed, keeper_of)
        return out

    def _moved_cells(self, removed: dict[int, tuple], keeper_of: dict[int, int]) -> list[Change]:
        out: list[Change] = []
        filled: dict[tuple[int, str], str] = {}
        for d in sorted(removed):
            k = keeper_of[d]
            for col in MERGED_CELLS:
                v = self.raw_rows[d].get(col)
                if col in self.columns and not _blank(v) and _blank(self.raw_rows[k].get(col)):
                    if (k, col) not in filled:
                        filled[(k, col)] = str(v)
                        out.append(Change(k, "DU001", col, str(v), removed[d]))
        if self.claim_values:
            for claim in {self.claim[d] for d in removed}:
                out += self._claim_values(claim, removed)
        return out

    def _claim_values(self, claim: object, removed: dict[int, tuple]) -> list[Change]:
        """The claim keeps its note and every diagnosis: what only removed lines carried goes
        to the claim's first remaining line; when that cannot be done the removal is dropped."""
        rows = self.rows_of_claim[claim]
        gone = [r for r in rows if r in removed]
        stay = [r for r in rows if r not in removed]
        first = stay[0]
        groups = {removed[r] for r in gone}
        out: list[Change] = []
        notes = [self.raw_rows[r].get("note") for r in rows]
        effective = next((n for n in notes if not _blank(n)), None)
        now = next(
            (self.raw_rows[r].get("note") for r in stay if not _blank(self.raw_rows[r].get("note"))), None
        )
        if effective is not None and now != effective:
            if not _blank(self.raw_rows[first].get("note")):
                return [Change(first, "DU001", "_conflict", None, g) for g in groups]
            out += [Change(first, "DU001", "note", str(effective), g) for g in groups]
        kept_texts = {self.raw_rows[r].get("note") for r in stay} | {effective}
        for r in gone:
            n = self.raw_rows[r].get("note")
            if not _blank(n) and n not in kept_texts:  # a second, different note: not ours to drop
                out.append(Change(first, "DU001", "_conflict", None, removed[r]))
        codes_before = _codes(self.icd[r] for r in rows)
        codes_after = _codes(self.icd[r] for r in stay)
        missing = [c for c in codes_before if c not in codes_after]
        if missing:
            if "icd10" not in self.columns:
                return [Change(first, "DU001", "_conflict", None, g) for g in groups]
            cell = self.raw_rows[first].get("icd10")
            value = ";".join(missing) if _blank(cell) else f"{str(cell).strip()};{';'.join(missing)}"
            out += [Change(first, "DU001", "icd10", value, g) for g in groups]
        return out


def _codes(lists) -> list[str]:  # type: ignore[no-untyped-def]
    seen: dict[str, None] = {}
    for s in lists:
        for c in (s or "").split(";"):
            if c:
                seen.setdefault(c, None)
    return list(seen)


def _frame(changes: list[Change]) -> pl.DataFrame:
    rows = {}
    for c in changes:  # one value per line and field (the first group that sets it)
        rows.setdefault((c.row, c.field), (c.row, c.rule, c.field, c.value))
    return pl.DataFrame(list(rows.values()), schema=CHANGE_SCHEMA, orient="row").sort(
        "_row", maintain_order=True
    )


def _claim_state(result: CheckResult) -> dict[object, tuple]:
    """Per claim: its note and its diagnosis codes (what a fix must not lose)."""
    g = result.lines.group_by("claim_id").agg(
        pl.col("note").drop_nulls().first(), pl.col("icd10").str.split(";").explode().unique().sort()
    )
    return {r[0]: (r[1], tuple(c for c in r[2] if c)) for r in g.iter_rows()}


def plan_fixes(
    result: CheckResult,
    options: CheckOptions | None = None,
    *,
    rewrite: Rewrite | None = None,
    fields: frozenset[str] | None = None,
    claim_values: bool = True,
) -> FixPlan:
    """The safe changes for ``result``: each group applied (``rewrite``), re-checked, and
    kept only if the re-check has no finding the original lacked and no claim lost its
    note or a diagnosis. Without ``rewrite``, the changes are applied to the raw frame."""
    options = options or CheckOptions()
    rewrite = rewrite or (lambda changes: apply_to_raw_rows(result.raw, changes))
    planner = _Planner(result, fields)
    planner.claim_values = claim_values
    before = planner.fired
    state = _claim_state(result)
    banned: set[tuple] = set()
    for _ in range(MAX_ROUNDS):
        changes = planner.candidates(banned)
        conflicts = {c.group for c in changes if c.field == "_conflict"}
        if conflicts:
            banned |= conflicts
            continue
        if not changes:
            return FixPlan(pl.DataFrame(schema=CHANGE_SCHEMA), None, sorted(banned, key=str))
        frame = _frame(changes)
        try:
            raw2, origin = rewrite(frame)
            after = check_raw(raw2, options, policies=result.policies)
        except Exception:  # a fix the input cannot take: apply none (the report has them all)
            return FixPlan(
                pl.DataFrame(schema=CHANGE_SCHEMA), None, sorted({c.group for c in changes}, key=str)
            )
        worse = _worse_rows(after, origin, before, state if planner.claim_values else {}, planner.claim)
        if not worse:
            return FixPlan(frame, after, sorted(banned, key=str))
        near = _near(planner, worse) if -1 not in worse else set()
        hit = {c.group for c in changes if c.row in near}
        banned |= hit or {c.group for c in changes}  # nothing near: drop all, to be safe
    return FixPlan(pl.DataFrame(schema=CHANGE_SCHEMA), None, sorted(banned, key=str))


def _near(planner: _Planner, rows: set[int]) -> set[int]:
    claims = {planner.claim[r] for r in rows}
    encs = {planner.enc[r] for r in rows}
    return {r for r in range(len(planner.claim)) if planner.claim[r] in claims or planner.enc[r] in encs}


def _worse_rows(
    after: CheckResult,
    origin: list[int],
    before: set[tuple[int, str]],
    state: dict[object, tuple],
    claims: list,
) -> set[int]:
    """Original rows where the re-check is worse: a new finding, or its claim lost its note
    or a diagnosis (or the claim is gone)."""
    worse: set[int] = set()
    by_claim = {(claims[r], rule) for r, rule in before if rule in CLAIM_LEVEL}
    for r, rule, claim in after.findings.select("_row", "rule", "claim_id").iter_rows():
        o = origin[int(r)]
        if (o, rule) not in before and (rule not in CLAIM_LEVEL or (claim, rule) not in by_claim):
            worse.add(o)
    now = _claim_state(after)
    first_row: dict[object, int] = {}
    claim_of = after.lines["claim_id"].to_list()
    for i, c in enumerate(claim_of):
        first_row.setdefault(c, origin[i])
    lost = [
        c
        for c, (note, codes) in state.items()
        if c not in now or now[c][0] != note or not set(codes) <= set(now[c][1])
    ]
    for c in lost:
        if c in first_row:
            worse.add(first_row[c])
        else:
            worse.add(-1)
    return worse


def apply_to_raw_rows(raw: pl.DataFrame | None, changes: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """The raw frame with ``changes`` applied, and each remaining row's original row."""
    assert raw is not None
    df = raw.with_row_index("_orig")
    fields = [f for f in changes["field"].unique().to_list() if f != DELETE]
    for f in fields:
        col = changes.filter(pl.col("field") == f).select(
            pl.col("_row").alias("_orig"), pl.col("value").alias("_v")
        )
        if f not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(f))
        df = df.join(col, on="_orig", how="left").with_columns(pl.coalesce("_v", f).alias(f)).drop("_v")
    gone = changes.filter(pl.col("field") == DELETE).select(pl.col("_row").alias("_orig"))
    df = df.join(gone, on="_orig", how="anti").sort("_orig")
    return df.drop("_orig"), df["_orig"].cast(pl.Int64).to_list()


def apply_to_raw(raw: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The input rows (strings) with the changes applied; internal columns dropped."""
    df, _ = apply_to_raw_rows(raw, changes)
    return df.drop([c for c in df.columns if c.startswith("_")])


def describe_changes(result: CheckResult, changes: pl.DataFrame) -> pl.DataFrame:
    """Human-readable change list: claim, line, rule, what changed (never a note's text)."""
    meta = result.lines.select("_row", "claim_id", "line_no", "cpt", pl.col("units").cast(pl.String))
    rows = changes.join(meta, on="_row", how="left")
    f = pl.col("field")
    return rows.select(
        "claim_id",
        "line_no",
        "rule",
        pl.when(f == DELETE)
        .then(pl.format("removed duplicate line {}", pl.col("cpt")))
        .when(f == "cpt")
        .then(pl.format("code {} -> {}", pl.col("cpt"), pl.col("value")))
        .when((f == "units") & (pl.col("rule") == "UN001"))
        .then(pl.format("units {} -> {}", pl.col("units"), pl.col("value")))
        .when(f == "note")
        .then(pl.lit("note moved here from a removed duplicate line"))
        .when(f == "icd10")
        .then(pl.lit("diagnoses of a removed duplicate line kept here"))
        .otherwise(pl.format("{} filled from a removed duplicate line", f))
        .alias("change"),
    )


X12_KIND = {DELETE: "delete_line", "cpt": "replace_code", "units": "set_units"}
X12_FIELDS = frozenset(X12_KIND)


def x12_changes(result: CheckResult, changes: pl.DataFrame) -> list:
    """The plan as 837P writer changes: one per service line, addressed by its segment number."""
    from claimscrub.writers.x12_837 import Change as X12Change

    lines = result.lines.select("_row", "_line")
    rows = changes.join(lines, on="_row")
    return [
        X12Change(int(r["_line"]), X12_KIND[r["field"]], r["value"])
        for r in rows.sort("_row").iter_rows(named=True)
    ]
