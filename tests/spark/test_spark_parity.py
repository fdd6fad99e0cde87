"""Spark findings == embedded findings: same rows, order, severities, messages, fixes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from claimscrub.errors import InputError
from claimscrub.service import CheckOptions, check_paths
from claimscrub.writers import FORMATS, render
from tests.rules.cases import load_cases
from tests.spark.batches import batch_st, canon, rows, write_csv, write_files

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def spark_check(spark, paths, options=None, **kw):  # type: ignore[no-untyped-def]
    from claimscrub.engine.spark import check_paths_spark

    return check_paths_spark(paths, options or CheckOptions(), spark=spark, **kw)


def assert_same(spark, paths, options=None, **kw):  # type: ignore[no-untyped-def]
    want = check_paths(paths, options or CheckOptions())
    got = spark_check(spark, paths, options, **kw)
    assert rows(got.findings) == rows(want.findings)
    assert canon(got.findings).equals(canon(want.findings))  # same dtypes, same values
    assert got.lines.equals(want.lines)
    assert got.summary == want.summary
    return want


def _unreadable(lines: list[dict[str, str]]) -> bool:
    from claimscrub.normalize import normalize_lines
    from claimscrub.service import records_frame

    return normalize_lines(records_frame(lines), payer_policies={})[1].height > 0


def _case_lines(isolate: bool) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for i, case in enumerate(load_cases()):
        if not isolate and _unreadable(case.lines):
            continue  # merged, an IN001 line would leave the big claim C1 unchecked
        for ln in case.lines:
            if isolate:
                ln = {**ln, "claim_id": f"k{i}-{ln['claim_id']}", "patient_id": f"k{i}-{ln['patient_id']}"}
            out.append(ln)
    return out


@pytest.mark.parametrize("isolate", [True, False], ids=["cases-isolated", "cases-merged"])
def test_rule_cases(spark, tmp_path: Path, isolate: bool) -> None:
    """Every rule case; merged (not isolated) the cases' C1/P1 lines form big components:
    claims spanning many encounters, encounters spanning many claims."""
    path = write_csv(tmp_path / "cases.csv", _case_lines(isolate))
    want = assert_same(spark, [path], chunk_rows=50)
    if isolate:
        from claimscrub.engine.rule import all_rules

        # every rule fires somewhere (IN002 only on X12 envelopes)
        assert want.findings["rule"].n_unique() == len(all_rules()) - 1
    else:
        assert want.findings.height > 100


def test_shared_examples_with_notes(spark, shared: Path) -> None:
    ex = shared / "examples"
    assert_same(spark, [ex / "claims.csv"], CheckOptions(notes_dir=ex / "notes"))
    assert_same(spark, [ex / "claims.csv", ex / "claims.csv"])  # every line duplicated: DU001


def test_claim_on_two_encounters_across_files(spark, tmp_path: Path) -> None:
    base = {
        "patient_id": "P1",
        "provider_npi": "1234567893",
        "provider_credential": "PSYCHOLOGIST",
        "provider_state": "NM",
        "provider_rx_authority": "yes",
        "icd10": "F33.1",
        "units": "1",
    }
    a = [
        {**base, "claim_id": "X", "service_date": "2026-03-02", "cpt": "90863"},
        {**base, "claim_id": "Y", "service_date": "2026-03-03", "cpt": "90834", "minutes": "45"},
    ]
    b = [
        {**base, "claim_id": "X", "service_date": "2026-03-03", "cpt": "90863", "icd10": "F41"},
        {**base, "claim_id": "Z", "service_date": "2026-03-02", "cpt": "90834", "minutes": "45"},
        {**base, "claim_id": "Z", "service_date": "2026-03-02", "cpt": "90834", "minutes": "45"},
    ]
    files = [write_csv(tmp_path / "a.csv", a), write_csv(tmp_path / "b.csv", b)]
    want = assert_same(spark, files, chunk_rows=1, partitions=3)
    assert {"DU001", "DX002", "AO002"} - set(want.findings["rule"]) == {"AO002"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batch_st)
def test_random_batches(spark, batch) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as d:
        files = write_files(Path(d), batch)
        try:
            want = check_paths(files, CheckOptions())
        except InputError as exc:
            with pytest.raises(InputError) as got:
                spark_check(spark, files, chunk_rows=3)
            assert str(got.value) == str(exc)
            return
        got = spark_check(spark, files, chunk_rows=3)
        assert rows(got.findings) == rows(want.findings)
        assert got.summary == want.summary


def test_input_error_is_the_first_bad_line(spark, tmp_path: Path) -> None:
    good = {"claim_id": "A", "patient_id": "P", "service_date": "2026-03-02", "provider_npi": "1234567893",
            "cpt": "90834"}  # fmt: skip
    f1 = write_csv(
        tmp_path / "a.csv", [good, good, {**good, "units": "x"}, {**good, "service_date": "3/2/26"}]
    )
    f2 = write_csv(tmp_path / "b.csv", [{**good, "claim_id": "B", "cpt": ""}])
    strict = CheckOptions(strict=True)
    for files in ([f1, f2], [f2, f1]):
        with pytest.raises(InputError) as want:
            check_paths(files, strict)
        with pytest.raises(InputError) as got:
            spark_check(spark, files, strict, chunk_rows=1)
        assert str(got.value) == str(want.value)
        # without --strict: IN001 on each unreadable line, the same in both engines
        assert "IN001" in set(assert_same(spark, files, chunk_rows=1).findings["rule"])


def test_multiline_notes_keep_line_numbers(spark, tmp_path: Path) -> None:
    good = {"claim_id": "A", "patient_id": "P", "service_date": "2026-03-02", "provider_npi": "1234567893",
            "cpt": "90863", "note": "line one\nline two\nsertraline 50 mg continue"}  # fmt: skip
    f = write_csv(tmp_path / "a.csv", [good, {**good, "claim_id": "B"}, {**good, "charge": "abc"}])
    with pytest.raises(InputError) as want:
        check_paths([f], CheckOptions(strict=True))
    with pytest.raises(InputError) as got:
        spark_check(spark, [f], CheckOptions(strict=True))
    assert str(got.value) == str(want.value) and want.value.line == 8
    f = write_csv(tmp_path / "b.csv", [good, {**good, "claim_id": "B"}])
    assert_same(spark, [f])


def test_dataframe_api(spark, shared: Path) -> None:
    from claimscrub.engine.spark import check_spark_dataframe

    raw = pl.read_csv(shared / "examples" / "claims.csv", infer_schema=False)
    want = check_paths([shared / "examples" / "claims.csv"]).findings

    def sdf(frame: pl.DataFrame):  # type: ignore[no-untyped-def]
        ddl = ", ".join(f"`{c}` {'bigint' if c == '_row' else 'string'}" for c in frame.columns)
        return spark.createDataFrame(frame.rows(), schema=ddl)

    # with _row: input order is the column, whatever the partitioning
    with_row = sdf(raw.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))).repartition(3)
    got = pl.from_arrow(check_spark_dataframe(with_row).toArrow())
    assert rows(got.with_columns(pl.col("_row").cast(pl.UInt32))) == rows(want)
    # without _row: the frame's partition order is the input order
    got = pl.from_arrow(check_spark_dataframe(sdf(raw).coalesce(1)).toArrow())
    assert rows(got.with_columns(pl.col("_row").cast(pl.UInt32))) == rows(want)
    bad = sdf(raw.with_columns(pl.lit("13/45/2026").alias("service_date")))
    got = pl.from_arrow(check_spark_dataframe(bad).toArrow())
    assert set(got["rule"]) == {"IN001"}  # every line unreadable: IN001 each, nothing else


def test_cli_spark_check_and_check_engine_spark(spark, shared: Path, tmp_path: Path) -> None:
    from claimscrub.cli import main

    src = str(shared / "examples" / "claims.csv")
    out = tmp_path / "findings"
    r = CliRunner().invoke(main, ["spark-check", src, "--findings-out", str(out)])
    assert r.exit_code == 1, r.output
    got = pl.read_parquet(out / "*.parquet")
    want = check_paths([Path(src)])
    assert rows(got.with_columns(pl.col("_row").cast(pl.UInt32))) == rows(want.findings)
    assert '"lines": 18' in r.output
    for fmt in FORMATS:
        emb = CliRunner().invoke(main, ["check", src, "--format", fmt])
        spk_args = ["check", src, "--format", fmt, "--engine", "spark", "--partitions", "3"]
        spk = CliRunner().invoke(main, spk_args)
        assert spk.exit_code == emb.exit_code == 1
        assert spk.stdout == emb.stdout, fmt


def test_reports_from_findings_lines_and_money_by_chunk(spark, tmp_path: Path) -> None:
    """``all_lines=False`` (what ``check --engine spark`` does): only findings, their lines
    and prices and each chunk's money come back; every report is byte-identical."""
    path = write_csv(tmp_path / "cases.csv", _case_lines(False) + _case_lines(True))
    want = check_paths([path])
    got = spark_check(spark, [path], all_lines=False, chunk_rows=40, partitions=3)
    assert got.summary == want.summary
    for fmt in FORMATS:
        assert render(got, fmt) == render(want, fmt), fmt


def _tasks_of(spark, group: str) -> int:  # type: ignore[no-untyped-def]
    tracker = spark.sparkContext.statusTracker()
    total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        for stage in info.stageIds if info else []:
            s = tracker.getStageInfo(stage)
            total += s.numTasks if s else 0
    return total


def test_partitions_are_sized_from_the_input(spark, shared: Path) -> None:
    """Not spark.sql.shuffle.partitions (200 by default off local mode) tasks per stage for
    18 lines: one check task, and the session's setting is left as it was."""
    spark.conf.set("spark.sql.shuffle.partitions", "200")
    try:
        spark.sparkContext.setJobGroup("sized", "18 lines")
        spark_check(spark, [shared / "examples" / "claims.csv"])
        assert _tasks_of(spark, "sized") < 20
        assert spark.conf.get("spark.sql.shuffle.partitions") == "200"
    finally:
        spark.sparkContext.setJobGroup("other", "")
        spark.conf.set("spark.sql.shuffle.partitions", "4")


def test_partitions_for() -> None:
    from claimscrub.engine.spark import partitions_for

    assert partitions_for(91, cores=8) == 1
    assert partitions_for(1_000_000, cores=2) == 2
    assert partitions_for(10_000_000, cores=2) == 20
    assert partitions_for(10_000_000, cores=100) == 100


def test_spark_failure_exits_2_in_one_line(spark, shared: Path, tmp_path: Path) -> None:
    """A failed Spark job (here: the findings folder cannot be created) is not "error
    findings": exit 2 and one line, not a Java stack trace and exit 1."""
    from claimscrub.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("")
    src = str(shared / "examples" / "claims.csv")
    r = CliRunner().invoke(main, ["spark-check", src, "--findings-out", str(blocker / "findings")])
    assert r.exit_code == 2
    ours = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(ours) == 1 and ours[0].startswith("claimscrub: error: the Spark job failed"), r.output
