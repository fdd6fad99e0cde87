"""The out-of-core engine gives the embedded engine's findings, with tiny partitions."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings

from claimscrub.engine.streaming import check_paths_streaming, encounter_components
from claimscrub.errors import InputError
from claimscrub.service import CheckOptions, check_paths
from claimscrub.writers import FORMATS, render
from tests.spark.batches import batch_st, canon, rows, write_csv, write_files

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gen_batch.py"


def _gen():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_batch", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_batch"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.generate


def test_components_follow_bridge_claims() -> None:
    edges = pl.DataFrame(
        {"_ck": [1, 1, 2, 2, 3, 4], "_ek": [10, 11, 11, 12, 13, 14]},
        schema={"_ck": pl.UInt64, "_ek": pl.UInt64},
    )
    got = dict(encounter_components(edges).iter_rows())
    assert got == {10: 10, 11: 10, 12: 10}  # 13, 14 are their own components


def test_generated_batch_with_bridges(tmp_path: Path) -> None:
    df = _gen()(30_000, seed=5)
    # move every 7th claim's second line to the next day: claims spanning two encounters,
    # and encounters shared with other claims of that day
    bump = (pl.col("claim_id").cast(pl.Int64) % 7 == 0) & (pl.col("line_no") == 2)
    df = df.with_columns(
        pl.when(bump).then(pl.lit("2026-03-29")).otherwise(pl.col("service_date")).alias("service_date")
    )
    df = pl.concat([df, df.sample(300, seed=1)])  # copies in the second file: DU001 across files
    half = df.height // 2
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    # unknown columns, one in both files and one only in the second: listed in first-seen order
    df = df.with_columns(pl.lit("45").alias("minuts"))
    df.head(half).write_csv(a)
    df.slice(half).with_columns(pl.lit("x").alias("clinic")).select("clinic", *df.columns).write_csv(b)
    opts = CheckOptions(price=False) if "price" in CheckOptions.__dataclass_fields__ else CheckOptions()
    want = check_paths([a, b], opts)
    got = check_paths_streaming([a, b], opts, partition_rows=2_000, batch_rows=3_000, workdir=tmp_path)
    assert canon(got.findings).equals(canon(want.findings))
    assert got.summary == {k: v for k, v in want.summary.items() if k != "money"}
    assert set(want.findings["rule"]) >= {"DU001", "UN001", "PT002", "DX002"}
    assert got.summary["ignored_columns"] == ["minuts", "clinic"]


@settings(max_examples=25, deadline=None)
@given(batch=batch_st)
def test_random_batches(batch) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as d:
        files = write_files(Path(d), batch)
        try:
            want = check_paths(files, CheckOptions())
        except InputError as exc:
            with pytest.raises(InputError) as got:
                check_paths_streaming(files, partition_rows=4, batch_rows=5)
            assert str(got.value) == str(exc)
            return
        got = check_paths_streaming(files, partition_rows=4, batch_rows=5)
        assert rows(got.findings) == rows(want.findings)
        assert got.summary == want.summary  # money added up by parts, exactly
        assert render(got, "json") == render(want, "json")  # what-if rows too


def test_priced_reports_equal_embedded(tmp_path: Path) -> None:
    """Money, what-if and per-line prices computed by parts give the embedded reports,
    byte for byte, in every format (bridged claims, tiny partitions), the ignored column
    listed too."""
    df = _gen()(6_000, seed=9)
    bump = (pl.col("claim_id").cast(pl.Int64) % 5 == 0) & (pl.col("line_no") == 2)
    df = df.with_columns(
        pl.when(bump).then(pl.lit("2026-03-29")).otherwise(pl.col("service_date")).alias("service_date")
    )
    path = tmp_path / "b.csv"
    df.insert_column(3, pl.lit("").alias("Minuts ")).write_csv(path)  # a typo: ignored and listed
    want = check_paths([path])
    got = check_paths_streaming([path], partition_rows=500, batch_rows=700, workdir=tmp_path)
    assert want.money is not None and want.whatif is not None and want.whatif.height > 0
    assert want.summary["ignored_columns"] == ["minuts"]
    for fmt in FORMATS:
        assert render(got, fmt) == render(want, fmt), fmt


def test_two_spellings_of_a_date_are_one_encounter(tmp_path: Path) -> None:
    """The partition key reads ``3/2/2026`` as ``2026-03-02`` (as normalize does): the copy
    across files and spellings is still a duplicate, and IN001 lines match too."""
    base = {
        "patient_id": "P",
        "provider_npi": "1234567893",
        "cpt": "90834",
        "minutes": "45",
        "icd10": "F33.1",
    }
    a = [{**base, "claim_id": f"A{i}", "service_date": "3/2/2026", "patient_id": f"P{i}"} for i in range(6)]
    b = [{**base, "claim_id": f"B{i}", "service_date": "2026-03-02", "patient_id": f"P{i}"} for i in range(6)]
    b[2]["units"] = "x"
    files = [write_csv(tmp_path / "a.csv", a), write_csv(tmp_path / "b.csv", b)]
    want = check_paths(files, CheckOptions())
    got = check_paths_streaming(files, partition_rows=1, batch_rows=2)
    assert rows(got.findings) == rows(want.findings)
    assert set(want.findings["rule"]) >= {"DU001", "IN001"}
