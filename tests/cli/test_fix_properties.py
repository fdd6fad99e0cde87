"""Properties over generated claim batches (hypothesis), CSV and 837P:

* ``fix`` reaches a fixed point: fixing the fixed file changes nothing;
* ``fix`` never makes things worse: re-checking the fixed file gives no finding (rule on a
  line) the original lacked, every claim keeps its note and diagnoses, and (CSV) every line
  the fix did not change is byte-identical, line ending included;
* checking a batch gives the findings of checking its independent parts one by one, also
  when some lines cannot be read (IN001).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claimscrub.csv_bytes import split_records
from claimscrub.fix_io import fix_files
from claimscrub.fixer import CLAIM_LEVEL, DELETE
from claimscrub.service import CheckOptions, check_paths, check_records
from tests.readers import x12_build as xb

CODES = ["90832", "90834", "90837", "90833", "90836", "90838", "90785", "90863", "99214", "90791", "90839",
         "90840", "90853"]  # fmt: skip
NPIS = ["1234567893", "1543216786"]
NOTES = [
    "",
    "   ",
    "Psychotherapy 45 minutes. Sertraline 100 mg: mood improved, no side effects, adherent. Continue.",
    "Therapy session, 60 minutes, CBT for panic.",
    "Medication not reviewed today.",
]
DX = ["", "F33.1", "F41", "F33.1;F41.1", "Z00.00", "F41.1;X99"]
COLUMNS = ["claim_id", "line_no", "patient_id", "service_date", "provider_npi", "provider_credential",
           "provider_rx_authority", "cpt", "modifiers", "units", "minutes", "pos", "icd10",
           "note"]  # fmt: skip

line_st = st.fixed_dictionaries(
    {
        "cpt": st.sampled_from(CODES),
        "modifiers": st.sampled_from(["", "", "59", "59:59", "95"]),
        "units": st.sampled_from(["", "1", "1", "2", "3"]),
        "minutes": st.sampled_from(["", "", "30", "45", "60", "10"]),
        "pos": st.sampled_from(["", "11", "52"]),
        "icd10": st.sampled_from(DX),
        "note": st.sampled_from(NOTES),
    }
)
claim_st = st.fixed_dictionaries(
    {
        "patient_id": st.sampled_from(["P1", "P2"]),
        "service_date": st.sampled_from(["2026-03-02", "03/02/2026", "2026-03-03"]),
        "provider_npi": st.sampled_from(NPIS),
        "provider_credential": st.sampled_from(["MD", "LCSW", "PSYCHOLOGIST", "PMHNP-BC", "RN", ""]),
        "provider_rx_authority": st.sampled_from(["yes", "n", ""]),
        "lines": st.lists(line_st, min_size=1, max_size=4),
    }
)
batch_st = st.lists(claim_st, min_size=1, max_size=5)


def _line(cpt: str, units: str) -> dict[str, str]:
    return {
        "cpt": cpt,
        "modifiers": "",
        "units": units,
        "minutes": "",
        "pos": "11",
        "icd10": "F33.1",
        "note": "",
    }


#: A duplicate whose kept copy (more units) is over the daily limit only once the other copy
#: is gone: the cap is safe in a second round (generated batches rarely hit it).
DUPLICATE_THEN_CAP = [
    {
        "patient_id": "P1",
        "service_date": "2026-03-02",
        "provider_npi": NPIS[0],
        "provider_credential": "LCSW",
        "provider_rx_authority": "",
        "lines": [_line("90834", "1"), _line("90834", "2")],
    }
]


def rows_of(batch: list[dict]) -> list[dict[str, str]]:
    rows = []
    for i, claim in enumerate(batch):
        for n, ln in enumerate(claim["lines"], 1):
            head = {k: v for k, v in claim.items() if k != "lines"}
            rows.append({"claim_id": f"C{i}", "line_no": str(n), **head, **ln})
    return rows


def csv_of(rows: list[dict[str, str]], newline: str) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator=newline)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


def _claims(result) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    g = result.lines.group_by("claim_id").agg(
        pl.col("note").drop_nulls().first(), pl.col("icd10").str.split(";").explode().unique()
    )
    return {c: (note, {x for x in codes if x}) for c, note, codes in g.iter_rows()}


def assert_no_worse(path: Path, fmt: str, tmp: Path) -> tuple[bytes, bytes, pl.DataFrame]:
    options = CheckOptions()
    before = check_paths([path], options)
    plan, fixed = fix_files([path], fmt, before, options)
    out = tmp / ("fixed" + path.suffix)
    out.write_bytes(fixed)
    after = check_paths([out], options)
    gone = set(plan.changes.filter(pl.col("field") == DELETE)["_row"].to_list())
    origin = [r for r in range(before.lines.height) if r not in gone]
    assert after.lines.height == len(origin)
    # a finding is its rule on a line; a claim-level one (DX001, DC*: on the claim's first
    # line) is its rule on the claim
    claim_of = before.lines["claim_id"].to_list()

    def key(row: int, rule: str) -> tuple:
        return (claim_of[row], rule) if rule in CLAIM_LEVEL else (row, rule)

    had = {key(r, rule) for r, rule in before.findings.select("_row", "rule").iter_rows()}
    new = {key(origin[r], rule) for r, rule in after.findings.select("_row", "rule").iter_rows()}
    assert new <= had, sorted(new - had, key=str)
    was, now = _claims(before), _claims(after)
    assert set(was) == set(now)
    for claim, (note, codes) in was.items():
        assert now[claim][0] == note, claim
        assert codes <= now[claim][1], claim
    again, refixed = fix_files([out], fmt, after, options)  # a fixed point: fix(fix(x)) == fix(x)
    assert again.changes.height == 0, again.changes.to_dicts()
    assert refixed == fixed
    return path.read_bytes(), fixed, plan.changes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batch_st, newline=st.sampled_from(["\n", "\r\n"]))
@example(batch=DUPLICATE_THEN_CAP, newline="\n")
def test_csv_fix_never_makes_things_worse(tmp_path: Path, batch: list[dict], newline: str) -> None:
    rows = rows_of(batch)
    src = tmp_path / "in.csv"
    src.write_bytes(csv_of(rows, newline))
    data, fixed, changes = assert_no_worse(src, "csv", tmp_path)
    old, new = split_records(data), split_records(fixed)
    touched = set(changes["_row"].to_list())
    gone = set(changes.filter(pl.col("field") == DELETE)["_row"].to_list())
    kept = [r for r in range(len(rows)) if r not in gone]
    assert new[0] == old[0] or data[: old[0].after] == fixed[: new[0].after]  # header
    for i, r in enumerate(kept):
        a, b = old[r + 1], new[i + 1]
        if r not in touched:
            assert data[a.start : a.after] == fixed[b.start : b.after], (r, newline)
        else:
            assert data[a.end : a.after] == fixed[b.end : b.after]  # its line ending


def x12_of(batch: list[dict]) -> bytes:
    st_: list = xb._header("KEYSTONE HEALTH PLAN", "54771")
    st_ += xb._billing(xb.BILLING_NPI, "PA")
    st_ += xb._subscriber(
        "2", False, "KHP1", "ROE", "MARY", ("KEYSTONE HEALTH PLAN", "54771"),
        ["SBR", "P", "18", "GRP", "", "", "", "", "", "CI"],
    )  # fmt: skip
    for i, claim in enumerate(batch):
        dx = [c.replace(".", "") for ln in claim["lines"] for c in ln["icd10"].split(";") if c] or ["F331"]
        dx = list(dict.fromkeys(dx))[:4]
        hi = ["HI", ("ABK", dx[0]), *[("ABF", c) for c in dx[1:]]]
        st_ += [
            ["CLM", f"C{i}", "100", "", "", ("11", "B", "1"), "Y", "A", "Y", "Y"],
            hi,
            ["NM1", "82", "1", "LEE", "KIM", "", "", "", "XX", claim["provider_npi"]],
            ["PRV", "PE", "PXC", "2084P0800X" if claim["provider_credential"] == "MD" else "1041C0700X"],
        ]
        date = "20260302" if claim["service_date"] != "2026-03-03" else "20260303"
        for n, ln in enumerate(claim["lines"], 1):
            mods = tuple(m for m in ln["modifiers"].split(":") if m)
            minutes = ln["minutes"] and ln["cpt"] in ("90832", "90834", "90837", "90833", "90836", "90838")
            qty, basis = (ln["minutes"], "MJ") if minutes else (ln["units"] or "1", "UN")
            st_ += xb._line(n, ln["cpt"], "50", qty, ("1",), date, mods=mods, basis=basis)
    return xb.render([[st_]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batch_st)
@example(batch=DUPLICATE_THEN_CAP)
def test_837_fix_never_makes_things_worse(tmp_path: Path, batch: list[dict]) -> None:
    src = tmp_path / "in.837"
    src.write_bytes(x12_of(batch))
    assert_no_worse(src, "x12", tmp_path)


BAD_VALUES = {"service_date": "02/30/2026", "cpt": "9083", "units": "two", "provider_rx_authority": "maybe"}


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(batch_st, min_size=2, max_size=4),
    bad=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(sorted(BAD_VALUES))), max_size=3),
)
def test_batch_equals_its_parts_checked_alone(parts: list[list[dict]], bad: list[tuple[int, str]]) -> None:
    """Parts never share a claim or an encounter (own claim and patient ids)."""
    all_rows: list[dict[str, str]] = []
    alone: list[tuple] = []
    for p, part in enumerate(parts):
        rows = [
            {**r, "claim_id": f"p{p}-{r['claim_id']}", "patient_id": f"p{p}-{r['patient_id']}"}
            for r in rows_of(part)
        ]
        for i, col in bad:
            if i < len(rows) and i % len(parts) == p:
                rows[i] = {**rows[i], col: BAD_VALUES[col]}
        all_rows += rows
        alone += _found(check_records(rows))
    assert sorted(_found(check_records(all_rows))) == sorted(alone)


def _found(result) -> list[tuple]:  # type: ignore[no-untyped-def]
    keys = ["rule", "severity", "claim_id", "line_no", "code", "message", "fix"]
    return [tuple(str(r[k]) for k in keys) for r in result.findings.to_dicts()]
