"""``--engine spark``: the embedded rule code, run on Spark workers, with exact parity.

No rule is implemented twice: each Spark task runs :func:`claimscrub.service.check_raw`
(``normalize`` + ``run_rules``) on Polars frames it receives through Arrow
(``mapInArrow``).

Exact partitioning (same design as :mod:`claimscrub.engine.streaming`)
---------------------------------------------------------------------
Rules look at a line, a claim (DX001, DX002, DC*, and normalize's default ``line_no``
and claim note) or an encounter (DU001, UN001, AO*, PT004, PT005, PV003). A claim may
have lines in two encounters and an encounter lines on several claims, so we partition
by the *connected component* of the encounter graph in which a claim with lines on two
encounters links them. A component holds whole claims and whole encounters; any union
of components checked alone gives exactly the findings of the whole batch.

In Spark:

1. ``_ck`` / ``_ek``: xxhash64 of the claim id and of (patient, date, NPI), each value
   with all whitespace/control characters removed (coarser than ``normalize``'s
   strip; a coarser key or a hash collision only merges components, never splits one).
2. Bridge claims: ``(_ck, _ek)`` distinct, claims with 2+ encounters. Min-label
   propagation over the encounters of bridge claims (one Spark join round per
   iteration; stops when no label changes, i.e. after diameter + 1 rounds). Usually
   the bridge graph is tiny or empty; every other encounter is its own component.
3. ``repartition(n, _comp).sortWithinPartitions(_comp, _row)``, then ``mapInArrow``:
   each task gathers rows up to ``chunk_rows``, cuts at a component boundary, sorts
   the chunk by ``_row`` and runs ``check_raw``. The local ``_row`` of each finding is
   mapped back to the global one.

Global input order: ``_row`` is the position of a line in the whole input: files in
the order given, and inside a file ``(_metadata.file_path, file_block_start,
monotonically_increasing_id)``; a split is read by one task in file order, so a small
per-block count/offset table (collected on the driver) turns that into dense row
numbers 0..n-1 -- the same as the embedded engine's. ``_line`` (for error messages,
SARIF) is the record number + 2, or the physical line when quoted fields span lines
(computed on the driver for local files).

Findings are ordered by ``(_row, rule, _seq)`` (``_seq``: the engine's own order for
two findings of one rule on one line), which is the embedded engine's order.

Input errors: every chunk reports its first bad line; the driver raises the one with
the smallest ``_row`` (normalize's checks are all per line) -- the embedded message.

Entry points: :func:`check_paths_spark` (CLI ``check --engine spark``: collects a
:class:`~claimscrub.service.CheckResult`, for small and medium runs),
:func:`run_spark_check` (``claimscrub spark-check``: findings to Parquet, nothing
collected), :func:`check_spark_dataframe` (inside your own PySpark job).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from claimscrub.errors import EngineError, InputError
from claimscrub.model import (
    CANONICAL_SCHEMA,
    ENCOUNTER,
    FINDING_COLUMNS,
    INPUT_COLUMNS,
    REQUIRED_COLUMNS,
    SOURCE_COLUMNS,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

    from claimscrub.engine.streaming import StreamedResult
    from claimscrub.service import CheckOptions, CheckResult

DEFAULT_MASTER = "local[*]"
CHUNK_ROWS = 200_000

_SPARK_TYPES = {
    pl.String: "string",
    pl.Int64: "bigint",
    pl.UInt32: "bigint",
    pl.Date: "date",
    pl.Boolean: "boolean",
    pl.Binary: "binary",
}


def _spark_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"decimal({dtype.precision},{dtype.scale})"
    return _SPARK_TYPES[type(dtype)]


#: Output of a task: one row per finding (_kind f), error (e), chunk stats (s), line (l),
#: price of a line with a finding (p), the chunk's money (m, pickled dict) or what-if (w, Arrow IPC).
_FINDING_PART = ["_kind", "_row", "_seq", *FINDING_COLUMNS]
_LINE_PART = [c for c in CANONICAL_SCHEMA if c not in _FINDING_PART]
_PRICE_PART = ["expected_payment", "unit_price", "price_status", "price_basis", "_blob"]
OUT_COLUMNS = _FINDING_PART + _LINE_PART
_OUT_TYPES: dict[str, pl.DataType] = {
    "_kind": pl.String(),
    "_row": pl.Int64(),
    "_seq": pl.Int64(),
    "rule": pl.String(),
    "severity": pl.String(),
    "claim_id": pl.String(),
    "line_no": pl.Int64(),
    "code": pl.String(),
    "message": pl.String(),
    "fix": pl.String(),
    **{c: (pl.Int64() if CANONICAL_SCHEMA[c] == pl.UInt32 else CANONICAL_SCHEMA[c]) for c in _LINE_PART},
    "expected_payment": pl.Decimal(14, 2),
    "unit_price": pl.Decimal(14, 2),
    "price_status": pl.String(),
    "price_basis": pl.String(),
    "_blob": pl.Binary(),
}


@dataclass(frozen=True)
class TaskOutput:
    """What the check tasks send back besides findings: ``lines`` False / "findings" (the
    location -- ``_source``, ``_line`` -- of each line that has a finding: all the reports
    need, for SARIF) / True (all canonical lines); ``price``: the chunks' prices and money
    (:mod:`claimscrub.engine.money_parts`)."""

    lines: bool | str = False
    price: bool = False

    @property
    def columns(self) -> list[str]:
        lines = _LINE_PART if self.lines is True else list(SOURCE_COLUMNS) if self.lines else []
        return _FINDING_PART + lines + (_PRICE_PART if self.price else [])


def out_schema(out: TaskOutput) -> str:
    return ", ".join(f"`{c}` {_spark_type(_OUT_TYPES[c])}" for c in out.columns)


# ------------------------------------------------------------------------ session


def _configured_master(conf: Any) -> str | None:
    """The master spark-submit, ``PYSPARK_SUBMIT_ARGS`` or ``spark-defaults.conf`` gives.

    Starts the JVM (or joins spark-submit's) first: only the JVM knows those settings."""
    from pyspark import SparkConf, SparkContext

    SparkContext._ensure_initialized(conf=conf)
    return SparkConf().get("spark.master", None)


def spark_session(master: str | None = None, *, app: str = "claimscrub") -> SparkSession:
    """The active session, or a new one. Its master is ``master`` when given, else the one
    spark-submit (or spark-defaults.conf) configured, else ``local[*]``."""
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EngineError(
            "the spark engine needs PySpark and Java 17: pip install 'claimscrub[spark]'"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    conf = SparkConf(loadDefaults=False)
    conf.setAppName(app)
    conf.set("spark.ui.showConsoleProgress", "false")
    conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    try:
        master = master or _configured_master(conf) or DEFAULT_MASTER
    except Exception as exc:  # Java missing, the JVM did not start
        raise EngineError(f"Spark did not start ({type(exc).__name__}): is Java 17 installed?") from exc
    if _runs_here(master):
        # workers on this host must run this interpreter (with claimscrub), not "python3"
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.config(conf=conf).master(master)
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", str(max(4, 2 * (os.cpu_count() or 2))))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _runs_here(master: str) -> bool:
    return master.startswith("local")


def check_executors(spark: SparkSession) -> None:
    """Raises :class:`EngineError` in one line when the executors' Python cannot import
    claimscrub (``PYSPARK_PYTHON`` not set to a Python that has it). One tiny task."""
    if _runs_here(spark.sparkContext.master):
        return

    def probe(_: object) -> str:  # defined here so that it is pickled by value
        import importlib

        for name in ("claimscrub", "polars"):
            try:
                importlib.import_module(name)
            except ImportError:
                return name
        return ""

    python = spark.sparkContext.pythonExec
    try:
        missing = spark.sparkContext.parallelize([0], 1).map(probe).collect()[0]
    except Exception as exc:
        raise EngineError(
            f"the Spark executors could not run Python {python!r} ({_spark_cause(exc)}): "
            "set PYSPARK_PYTHON (or --conf spark.pyspark.python) to a Python that has claimscrub "
            "on every worker"
        ) from None
    if missing:
        raise EngineError(
            f"the Spark executors' Python ({python!r}) cannot import {missing}: set PYSPARK_PYTHON "
            "(or --conf spark.pyspark.python) to a Python that has claimscrub installed on every worker, "
            f"e.g. PYSPARK_PYTHON={sys.executable} on this host (docs/spark.md)"
        )


def _spark_cause(exc: BaseException) -> str:
    """A short cause for a failed Spark job: the exception class names, no values."""
    import re

    text = str(exc)
    names = re.findall(r"\b((?:[a-z]+\.)*[A-Z]\w*(?:Error|Exception))\b", text)
    short = list(dict.fromkeys(n.rsplit(".", 1)[-1] for n in names))
    return ", ".join(short[:3]) or type(exc).__name__


# ------------------------------------------------------------------------- input


def _norm_name(c: str) -> str:
    return c.strip().lower().lstrip("\ufeff")


def _is_local(p: str) -> bool:
    return "://" not in p or p.startswith("file://")


def _read_one(spark: SparkSession, p: Path | str, index: int, options: CheckOptions, multiline: bool):
    from pyspark.sql import functions as F

    from claimscrub.normalize import check_required_columns
    from claimscrub.service import detect_format, read_input

    name = str(p)
    local = Path(name.removeprefix("file://"))
    fmt = options.input_format
    if _is_local(name):
        if not local.exists():
            raise InputError(name, "file not found")
        if local.is_file():
            if local.stat().st_size == 0:
                raise InputError(name, "the file is empty", line=1)
            if fmt is None and local.suffix.lower() != ".parquet":
                fmt = detect_format(local)
    if fmt in ("x12", "fhir"):  # not large-batch formats: read on the driver
        frame = read_input(local, fmt, strict=options.strict)
        frame = frame.with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_ord"), pl.lit(name).alias("_fp")
        )
        df = spark.createDataFrame(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
        df = df.withColumn("_blk", F.lit(0).cast("long"))
        return df.withColumn("_mid", F.col("_ord")).withColumn("_file", F.lit(index))
    if name.lower().endswith(".parquet") or (local.is_dir() and any(local.glob("*.parquet"))):
        df = spark.read.parquet(name)
    else:
        reader = spark.read.options(
            header=True, inferSchema=False, multiLine=multiline, escape='"', mode="FAILFAST"
        )
        header = _local_header(local) if _is_local(name) and local.is_file() else None
        if header is not None:  # saves Spark a job to read the header
            reader = reader.schema(", ".join(f"`{c}` string" for c in header))
        df = reader.csv(name)
    cols = {c: _norm_name(c) for c in df.columns}
    check_required_columns(list(cols.values()), name)
    src = F.col("_metadata.file_path") if not (_is_local(name) and local.is_file()) else F.lit(name)
    return df.select(
        *[F.col(f"`{c}`").cast("string").alias(n) for c, n in cols.items()],
        F.col("_metadata.file_path").alias("_fp"),
        F.col("_metadata.file_block_start").alias("_blk"),
        F.monotonically_increasing_id().alias("_mid"),
        F.lit(index).alias("_file"),
        src.alias("_source"),
    )


def _local_header(path: Path) -> list[str] | None:
    """The header of a local CSV file, when Spark would read it the same way: distinct,
    non-empty names without backquotes. Else None (Spark reads it)."""
    import csv

    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        names = next(csv.reader(fh), None)
    if not names:
        return None
    normed = [_norm_name(n) for n in names]
    if len(set(normed)) != len(normed) or not all(normed) or any("`" in n for n in names):
        return None
    return names


@dataclass
class SparkInput:
    df: DataFrame  # spec columns (strings), _source, _line (may be null), _row, _file, _ord
    line_maps: dict[int, Any]  # file index -> physical line of each record, when needed
    rows: int | None = None  # number of lines, when known


#: ``monotonically_increasing_id`` = partition id << 33 | record number in the partition
_MID_MASK = (1 << 33) - 1


def _whole_file(p: Path | str, df: DataFrame, multiline: bool) -> bool:
    """One local CSV file read as one Spark partition (multi-line CSV is not split), so a
    record's number in its partition is its number in the file."""
    local = Path(str(p).removeprefix("file://"))
    return (
        multiline
        and "_ord" not in df.columns
        and _is_local(str(p))
        and local.is_file()
        and local.suffix.lower() != ".parquet"
    )


def _line_maps(paths: Sequence[Path | str], parts: list[DataFrame]) -> tuple[dict[int, Any], int | None]:
    """Physical line maps of local CSV files (when records span lines) and the total
    number of records when every input is a local file."""
    from claimscrub.engine.streaming import count_records, line_map

    maps: dict[int, Any] = {}
    total: int | None = 0
    for i, p in enumerate(paths):
        local = Path(str(p).removeprefix("file://"))
        if "_ord" in parts[i].columns:  # X12 / FHIR read on the driver
            total = None if total is None else total + int(parts[i].count())
        elif _is_local(str(p)) and local.is_file() and local.suffix.lower() != ".parquet":
            lm = line_map(local)
            if lm is not None:
                maps[i] = lm
            try:
                total = None if total is None else total + count_records(local)
            except pl.exceptions.PolarsError:
                total = None
        else:
            total = None
    return maps, total


def read_spark(
    spark: SparkSession, paths: Sequence[Path | str], options: CheckOptions, *, multiline: bool = True
) -> SparkInput:
    """Inputs as one Spark frame with the global ``_row`` (0..n-1, input order)."""
    from pyspark.sql import Row
    from pyspark.sql import functions as F

    parts = [_read_one(spark, p, i, options, multiline) for i, p in enumerate(paths)]
    line_maps, total = _line_maps(paths, parts)
    df = parts[0]
    for other in parts[1:]:
        df = df.unionByName(other, allowMissingColumns=True)
    if "_line" not in df.columns:
        df = df.withColumn("_line", F.lit(None).cast("long"))
    if len(parts) == 1 and _whole_file(paths[0], parts[0], multiline):
        # one file, one partition: no job needed to number the lines
        row = (F.col("_mid").bitwiseAND(F.lit(_MID_MASK))).cast("long")
        df = df.withColumn("_row", row).withColumn("_ord", row).drop("_mid", "_blk", "_fp")
        return SparkInput(df, line_maps, total)
    try:
        blocks = df.groupBy("_file", "_fp", "_blk").agg(F.min("_mid").alias("m"), F.count("*").alias("n"))
        stats = sorted(tuple(r) for r in blocks.collect())
    except Exception as exc:  # Spark's FAILFAST parse errors
        if "MALFORMED" in str(exc).upper():
            raise InputError(", ".join(map(str, paths)), "malformed CSV") from None
        raise
    rows, offsets, per_file = 0, [], {}
    for file, fp, blk, m, n in stats:
        ord0 = per_file.get((file, fp), 0)
        offsets.append(Row(_file=file, _fp=fp, _blk=blk, _m0=m, _r0=rows, _o0=ord0))
        per_file[(file, fp)] = ord0 + n
        rows += n
    if not offsets:
        empty = df.withColumn("_row", F.lit(0).cast("long")).withColumn("_ord", F.lit(0).cast("long"))
        return SparkInput(empty.limit(0), line_maps, 0)
    table = spark.createDataFrame(offsets)
    df = (
        df.join(F.broadcast(table), ["_file", "_fp", "_blk"])
        .withColumn("_row", (F.col("_r0") + F.col("_mid") - F.col("_m0")).cast("long"))
        .withColumn("_ord", (F.col("_o0") + F.col("_mid") - F.col("_m0")).cast("long"))
        .drop("_r0", "_o0", "_m0", "_mid", "_blk", "_fp")
    )
    return SparkInput(df, line_maps, rows)


def _with_dense_row(df: DataFrame) -> DataFrame:
    """``_row`` 0..n-1 in the frame's partition order (a user's frame without ``_row``)."""
    from pyspark.sql import Row
    from pyspark.sql import functions as F

    df = df.withColumn("_pid", F.spark_partition_id()).withColumn("_mid", F.monotonically_increasing_id())
    df = df.persist()
    counts = sorted(tuple(r) for r in df.groupBy("_pid").agg(F.min("_mid"), F.count("*")).collect())
    start, rows = 0, []
    for pid, m0, n in counts:
        rows.append(Row(_pid=pid, _m0=m0, _r0=start))
        start += n
    if not rows:
        return df.withColumn("_row", F.lit(0).cast("long")).drop("_pid", "_mid")
    table = F.broadcast(df.sparkSession.createDataFrame(rows))
    return (
        df.join(table, "_pid")
        .withColumn("_row", (F.col("_r0") + F.col("_mid") - F.col("_m0")).cast("long"))
        .drop("_pid", "_mid", "_m0", "_r0")
    )


# -------------------------------------------------------------------- components


def _clean(col: str):  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    from claimscrub.engine.streaming import SPARK_KEY_JUNK, US_DATE_TO_ISO

    out = F.regexp_replace(F.coalesce(F.col(col).cast("string"), F.lit("")), SPARK_KEY_JUNK, "")
    if col == "service_date":  # one key for both spellings of a date
        for pattern, repl in US_DATE_TO_ISO:
            out = F.regexp_replace(out, pattern, repl)
    return out


#: Up to this many bridge edges (claim, encounter), components are labelled on the driver.
DRIVER_BRIDGE_EDGES = 500_000


def with_components(df: DataFrame, *, max_rounds: int = 1000) -> DataFrame:
    """Adds ``_comp``: the claim/encounter component of each line (see the module doc).

    One job finds the bridge claims (claims on two or more encounters) with their
    encounters; usually few, so the driver labels their components (the streaming
    engine's :func:`~claimscrub.engine.streaming.encounter_components`) and the labels
    are broadcast. Many bridges: min-label propagation in Spark, one join per round."""
    from pyspark.sql import functions as F

    df = df.withColumn("_ck", F.xxhash64(_clean("claim_id"))).withColumn(
        "_ek", F.xxhash64(*[_clean(c) for c in ENCOUNTER])
    )
    multi = (
        df.groupBy("_ck")
        .agg(F.collect_set("_ek").alias("_eks"))
        .filter(F.size("_eks") > 1)
        .select("_ck", F.explode("_eks").alias("_ek"))
    )
    spark = df.sparkSession
    # plain rows, not Arrow: a limit that stops reading an Arrow conversion early makes
    # Spark 4 report "memory leaked" and fail the task
    small = multi.limit(DRIVER_BRIDGE_EDGES + 1).collect()
    if len(small) <= DRIVER_BRIDGE_EDGES:
        if not small:
            return df.withColumn("_comp", F.col("_ek")).drop("_ck", "_ek")
        from claimscrub.engine.streaming import encounter_components

        edges = pl.DataFrame(
            [(r["_ck"], r["_ek"]) for r in small], schema={"_ck": pl.Int64, "_ek": pl.Int64}, orient="row"
        )
        labels = encounter_components(edges).rename({"_comp": "_lab"})
        table = spark.createDataFrame(labels.to_arrow(compat_level=pl.CompatLevel.oldest()))
        return (
            df.join(F.broadcast(table), "_ek", "left")
            .withColumn("_comp", F.coalesce("_lab", "_ek"))
            .drop("_lab", "_ck", "_ek")
        )
    bridge = multi.localCheckpoint()
    labels = bridge.select("_ek").distinct().withColumn("_lab", F.col("_ek")).localCheckpoint()
    for _ in range(max_rounds):
        by_claim = bridge.join(labels, "_ek").groupBy("_ck").agg(F.min("_lab").alias("_lab"))
        new = bridge.join(by_claim, "_ck").groupBy("_ek").agg(F.min("_lab").alias("_lab")).localCheckpoint()
        changed = (
            new.join(labels.withColumnRenamed("_lab", "_old"), "_ek")
            .filter(F.col("_lab") != F.col("_old"))
            .limit(1)
            .count()
        )
        labels = new
        if not changed:
            break
    else:  # pragma: no cover - a path graph longer than max_rounds
        raise RuntimeError("claim/encounter components did not converge")
    return (
        df.join(labels, "_ek", "left")
        .withColumn("_comp", F.coalesce("_lab", "_ek"))
        .drop("_lab", "_ck", "_ek")
    )


# ----------------------------------------------------------------------- workers


def _to_out(frames: list[pl.DataFrame], spec: TaskOutput):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    cols = spec.columns
    out = []
    for f in frames:
        if f.height == 0:
            continue
        f = f.with_columns(
            [pl.lit(None, dtype=_OUT_TYPES[c]).alias(c) for c in cols if c not in f.columns]
        ).select([pl.col(c).cast(_OUT_TYPES[c]) for c in cols])
        out.append(f)
    if not out:
        return []
    table = pl.concat(out).to_arrow(compat_level=pl.CompatLevel.oldest())
    schema = pa.schema(
        [pa.field(c, _small(t)) for c, t in zip(table.column_names, table.schema.types, strict=True)]
    )
    return table.cast(schema).to_batches()


def _small(t):  # type: ignore[no-untyped-def]
    """Spark reads 32-bit offset strings and binaries."""
    import pyarrow as pa

    if pa.types.is_large_string(t):
        return pa.string()
    return pa.binary() if pa.types.is_large_binary(t) else t


def _money_frames(money) -> list[pl.DataFrame]:  # type: ignore[no-untyped-def]
    import io
    import pickle

    ipc = io.BytesIO()
    money.whatif.write_ipc(ipc)
    return [
        money.prices.with_columns(pl.lit("p").alias("_kind")),
        pl.DataFrame({"_kind": ["m", "w"], "_blob": [pickle.dumps(money.money), ipc.getvalue()]}),
    ]


def _chunk_frames(raw: pl.DataFrame, line_maps, options, policies, roster, spec):  # type: ignore[no-untyped-def]
    from claimscrub.engine.streaming import check_chunk

    if line_maps:
        import numpy as np

        ords = raw["_ord"].cast(pl.Int64).to_numpy()
        files = raw["_file"].cast(pl.Int64).to_numpy()
        mapped = ords + 2
        for file, starts in line_maps.items():
            hit = files == file
            mapped[hit] = np.frombuffer(starts, dtype=np.int64)[ords[hit]]
        line = pl.lit(pl.Series(mapped, dtype=pl.Int64))
    else:
        line = pl.col("_ord").cast(pl.Int64) + 2
    raw = raw.with_columns(pl.coalesce(pl.col("_line").cast(pl.Int64), line).alias("_line"))
    res = check_chunk(raw, options, policies, roster, keep_lines=spec.lines, price=spec.price)
    if res.error is not None:
        at, exc = res.error
        err = pl.DataFrame(
            {
                "_kind": ["e"],
                "_row": [at],
                "claim_id": [exc.file],
                "line_no": [exc.line],
                "code": [exc.field],
                "message": [exc.reason],
                "fix": [exc.segment],
            },
            schema_overrides={"line_no": pl.Int64, "code": pl.String, "fix": pl.String},
        )
        return [err]
    frames = [
        res.findings.with_columns(pl.lit("f").alias("_kind")),
        pl.DataFrame({"_kind": ["s"], "_row": [res.n_lines], "_seq": [res.n_claims]}),
    ]
    if res.lines is not None:
        frames.append(res.lines.with_columns(pl.lit("l").alias("_kind")))
    if res.money is not None:
        frames += _money_frames(res.money)
    return frames


def make_worker(options, policies, roster, line_maps, spec: TaskOutput, chunk_rows: int = CHUNK_ROWS):  # type: ignore[no-untyped-def]
    """The ``mapInArrow`` function: chunks of whole components -> check_raw -> rows."""

    def work(batches: Iterator[Any]) -> Iterator[Any]:
        pending: list[pl.DataFrame] = []
        size = 0
        for batch in batches:
            f = pl.from_arrow(batch)
            if f.height == 0:
                continue
            pending.append(f)
            size += f.height
            if size < chunk_rows:
                continue
            buf = pl.concat(pending, how="vertical_relaxed")
            last = buf["_comp"][-1]
            cut = buf.height - int((buf["_comp"] == last).sum())  # sorted by _comp: a suffix
            if cut == 0:
                pending, size = [buf], buf.height
                continue
            yield from _to_out(_chunk_frames(buf.head(cut), line_maps, options, policies, roster, spec), spec)
            rest = buf.slice(cut)
            pending, size = [rest], rest.height
        if size:
            buf = pl.concat(pending, how="vertical_relaxed")
            yield from _to_out(_chunk_frames(buf, line_maps, options, policies, roster, spec), spec)

    return work


# ---------------------------------------------------------------------- pipeline


def _prepare(options: CheckOptions | None):  # type: ignore[no-untyped-def]
    from claimscrub.engine.streaming import worker_options
    from claimscrub.readers.csv_reader import read_roster
    from claimscrub.service import CheckOptions, policies_for

    options = options or CheckOptions()
    policies = policies_for(options)
    roster = read_roster(options.providers) if options.providers is not None else None
    if options.notes_dir is not None and not options.notes_dir.is_dir():
        raise InputError(str(options.notes_dir), "notes folder not found")
    return options, worker_options(options), policies, roster


#: A check task takes at most this many lines (memory of one Python worker) ...
ROWS_PER_TASK = 500_000
#: ... and, to use every core, at least this many (fewer lines: fewer tasks).
MIN_ROWS_PER_TASK = 20_000


def partitions_for(rows: int, cores: int) -> int:
    """Check tasks for ``rows`` lines on ``cores`` cores: one per core (fewer for small
    inputs, where a task's start-up would outweigh its lines), more above 500k lines a task.
    91 lines -> 1 task; 1M lines on 2 cores -> 2; 10M -> 20."""
    return max(1, -(-rows // ROWS_PER_TASK), min(cores, -(-rows // MIN_ROWS_PER_TASK)))


@contextmanager
def sized_shuffles(spark: SparkSession, partitions: int | None) -> Iterator[None]:
    """``spark.sql.shuffle.partitions`` = ``partitions`` while our jobs run (the component
    and summary stages too, not Spark's default 200 for 91 lines), then restored."""
    if partitions is None:
        yield
        return
    old = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    try:
        yield
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", old)


@contextmanager
def engine_errors(what: str = "the Spark job") -> Iterator[None]:
    """A failed Spark job becomes one :class:`EngineError` line (exit 2); bad input stays
    an :class:`InputError`. ``CLAIMSCRUB_DEBUG=1`` keeps the original exception."""
    try:
        yield
    except (InputError, EngineError):
        raise
    except Exception as exc:
        if os.environ.get("CLAIMSCRUB_DEBUG"):
            raise
        raise EngineError(
            f"{what} failed ({_spark_cause(exc)}); CLAIMSCRUB_DEBUG=1 shows the Spark error"
        ) from None


def run_checks(
    raw: DataFrame,
    options,  # type: ignore[no-untyped-def]
    policies,  # type: ignore[no-untyped-def]
    roster,  # type: ignore[no-untyped-def]
    *,
    line_maps: dict[int, Any] | None = None,
    spec: TaskOutput = TaskOutput(),  # noqa: B008 - frozen
    partitions: int | None = None,
    rows: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> DataFrame:
    """The task output frame (``_kind`` f/e/s[/l]) for a raw frame with ``_row``.
    ``partitions``: tasks of the check stage (default: sized from ``rows`` when known,
    :func:`partitions_for`, else ``spark.sql.shuffle.partitions``)."""
    from pyspark.sql import functions as F

    for c in ("_file", "_ord"):
        if c not in raw.columns:
            raw = raw.withColumn(c, F.lit(0) if c == "_file" else F.col("_row"))
    raw = with_components(raw)
    spark = raw.sparkSession
    if partitions is None and rows is not None:
        partitions = partitions_for(rows, spark.sparkContext.defaultParallelism)
    n = partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
    raw = raw.repartition(n, "_comp").sortWithinPartitions("_comp", "_row")
    work = make_worker(options, policies, roster, line_maps or {}, spec, chunk_rows)
    return raw.mapInArrow(work, out_schema(spec))


def _raise_first_error(out: DataFrame) -> None:
    errs = out.filter(out["_kind"] == "e").orderBy("_row").limit(1).collect()
    if errs:
        e = errs[0]
        raise InputError(e["claim_id"], e["message"], line=e["line_no"], field=e["code"], segment=e["fix"])


def _collect(df: DataFrame) -> pl.DataFrame:
    if hasattr(df, "toArrow"):
        return pl.from_arrow(df.toArrow())  # type: ignore[return-value]
    import pyarrow as pa  # pragma: no cover - Spark 3.5

    return pl.from_arrow(pa.Table.from_batches(df._collect_as_arrow()))  # type: ignore[return-value]


def _spec_frame(df: DataFrame) -> DataFrame:
    """A user's frame: spec columns as strings, lower-case names; ``_source``/``_line``."""
    from pyspark.sql import functions as F

    from claimscrub.normalize import check_required_columns

    cols = {c: _norm_name(c) for c in df.columns}
    check_required_columns(list(cols.values()), "<spark dataframe>")
    keep = [c for c, n in cols.items() if n in INPUT_COLUMNS or n in ("_row", "_source", "_line")]
    df = df.select(
        *[
            F.col(f"`{c}`").cast("long" if cols[c] in ("_row", "_line") else "string").alias(cols[c])
            for c in keep
        ]
    )
    if "_row" not in df.columns:
        df = _with_dense_row(df)
    if "_source" not in df.columns:
        df = df.withColumn("_source", F.lit("<spark>"))
    if "_line" not in df.columns:
        df = df.withColumn("_line", F.col("_row") + 1)
    return df


def check_spark_dataframe(
    spark_df: DataFrame,
    options: CheckOptions | None = None,
    *,
    partitions: int | None = None,
    check_errors: bool = True,
) -> DataFrame:
    """Findings of a Spark frame of spec §1 claim lines, as a Spark frame: ``_row`` and the
    §5 columns, ordered by input order. Input order is the frame's ``_row`` column when
    it has one, else its partition order. With ``check_errors`` (default) the frame is
    computed once (persisted) and an :class:`InputError` is raised for bad input, as the
    embedded engine does; without it, bad input shows as rows with ``rule`` null."""
    options, wopts, policies, roster = _prepare(options)
    out = run_checks(_spec_frame(spark_df), wopts, policies, roster, partitions=partitions)
    if check_errors:
        out = out.persist()
        _raise_first_error(out)
        out = out.filter(out["_kind"] == "f")
    else:
        out = out.filter(out["_kind"].isin("f", "e"))
    return out.orderBy("_row", "rule", "_seq").select("_row", *FINDING_COLUMNS)


def check_paths_spark(
    paths: Sequence[Path],
    options: CheckOptions | None = None,
    *,
    master: str | None = None,
    spark: SparkSession | None = None,
    multiline: bool = True,
    partitions: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    all_lines: bool = True,
) -> CheckResult | StreamedResult:
    """``check --engine spark``: the embedded engine's result, computed on Spark.

    ``all_lines`` (default): every canonical line is collected and priced on the driver,
    a :class:`CheckResult` (for ``--store`` and library use). Without it only what the
    reports need comes back -- findings, the lines that have one, their prices and each
    chunk's money, added up (:mod:`claimscrub.engine.money_parts`) -- a
    :class:`~claimscrub.engine.streaming.StreamedResult` whose reports are byte-identical."""
    from claimscrub import service

    options, wopts, policies, roster = _prepare(options)
    price = bool(getattr(options, "price", False))
    spec = TaskOutput(lines=True, price=False) if all_lines else TaskOutput(lines="findings", price=price)
    spark = spark or spark_session(master)
    with engine_errors():
        check_executors(spark)
        inp = read_spark(spark, paths, options, multiline=multiline)
        n = partitions or _sized(spark, inp.rows)
        with sized_shuffles(spark, n):
            out = run_checks(
                inp.df, wopts, policies, roster, line_maps=inp.line_maps, spec=spec,
                partitions=n, chunk_rows=chunk_rows,
            )  # fmt: skip
            got = _collect(out)
    errs = got.filter(pl.col("_kind") == "e").sort("_row")
    if errs.height:
        e = errs.row(0, named=True)
        raise InputError(e["claim_id"], e["message"], line=e["line_no"], field=e["code"], segment=e["fix"])
    findings = (
        got.filter(pl.col("_kind") == "f")
        .sort(["_row", "rule", "_seq"])
        .select(pl.col("_row").cast(pl.UInt32), *FINDING_COLUMNS)
    )
    line_cols = CANONICAL_SCHEMA if all_lines else {c: CANONICAL_SCHEMA[c] for c in ("_row", *SOURCE_COLUMNS)}
    lines = (
        got.filter(pl.col("_kind") == "l")
        .sort("_row")
        .select([pl.col(c).cast(t) for c, t in line_cols.items()])
    )
    inputs = [str(p) for p in paths]
    if not all_lines:
        return _streamed(got, lines, findings, policies, inputs, price)
    result = service.CheckResult(lines, findings, policies, inputs)
    if price:
        service.add_money(result)  # pricing reads the collected canonical lines: same as embedded
    return result


def _streamed(got, lines, findings, policies, inputs, price) -> StreamedResult:  # type: ignore[no-untyped-def]
    import io
    import pickle

    from claimscrub.engine.money_parts import PRICE_COLUMNS, empty_money, merge_money, merge_whatif
    from claimscrub.engine.streaming import StreamedResult

    stats = got.filter(pl.col("_kind") == "s")
    result = StreamedResult(
        lines, findings, policies, inputs, n_lines=int(stats["_row"].sum()), n_claims=int(stats["_seq"].sum())
    )
    if not price:
        return result
    moneys = [pickle.loads(b) for b in got.filter(pl.col("_kind") == "m")["_blob"]]
    if not moneys:
        result.prices, result.money = empty_money()
        return result
    result.prices = (
        got.filter(pl.col("_kind") == "p")
        .select(pl.col("_row").cast(pl.UInt32), *PRICE_COLUMNS[1:])
        .sort("_row")
    )
    result.money = merge_money(moneys)
    whatifs = [pl.read_ipc(io.BytesIO(b)) for b in got.filter(pl.col("_kind") == "w")["_blob"]]
    result.whatif = merge_whatif(whatifs, bool((findings["rule"] == "PV003").any()))
    return result


@dataclass
class SparkSummary:
    claims: int
    lines: int
    errors: int
    warnings: int
    infos: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def run_spark_check(
    paths: Sequence[Path | str],
    findings_out: str,
    options: CheckOptions | None = None,
    *,
    master: str | None = None,
    spark: SparkSession | None = None,
    multiline: bool = True,
    partitions: int | None = None,
) -> SparkSummary:
    """``claimscrub spark-check``: findings written as Parquet to ``findings_out`` (in input
    order), nothing collected but the summary. Nothing is written on bad input."""
    options, wopts, policies, roster = _prepare(options)
    spark = spark or spark_session(master)
    with engine_errors():
        check_executors(spark)
        inp = read_spark(spark, paths, options, multiline=multiline)
        n = partitions or _sized(spark, inp.rows)
        with sized_shuffles(spark, n):
            return _write_findings(spark, inp, findings_out, wopts, policies, roster, n)


def _sized(spark: SparkSession, rows: int | None) -> int | None:
    return partitions_for(rows, spark.sparkContext.defaultParallelism) if rows is not None else None


def _write_findings(spark, inp, findings_out, wopts, policies, roster, partitions) -> SparkSummary:  # type: ignore[no-untyped-def]
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    out = run_checks(inp.df, wopts, policies, roster, line_maps=inp.line_maps, partitions=partitions)
    out = out.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _raise_first_error(out)
        counts = {
            r["_kind"]: r
            for r in out.groupBy("_kind")
            .agg(
                F.sum("_row").alias("lines"),
                F.sum("_seq").alias("claims"),
                F.sum((F.col("severity") == "error").cast("long")).alias("errors"),
                F.sum((F.col("severity") == "warning").cast("long")).alias("warnings"),
                F.sum((F.col("severity") == "info").cast("long")).alias("infos"),
            )
            .collect()
        }
        s, f = counts.get("s"), counts.get("f")
        summary = SparkSummary(
            claims=int(s["claims"] or 0) if s else 0,
            lines=int(s["lines"] or 0) if s else 0,
            errors=int(f["errors"] or 0) if f else 0,
            warnings=int(f["warnings"] or 0) if f else 0,
            infos=int(f["infos"] or 0) if f else 0,
        )
        (
            out.filter(F.col("_kind") == "f")
            .orderBy("_row", "rule", "_seq")
            .select("_row", *FINDING_COLUMNS)
            .write.mode("overwrite")
            .parquet(findings_out)
        )
    finally:
        out.unpersist()
    return summary


__all__ = [
    "REQUIRED_COLUMNS",
    "check_paths_spark",
    "check_spark_dataframe",
    "run_spark_check",
    "spark_session",
]
