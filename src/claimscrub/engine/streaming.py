"""Out-of-core embedded engine, and the exact partitioning the Spark engine shares.

``claimscrub check --engine streaming`` checks inputs much larger than memory (10M
lines within 4 GB) with the very same rule code as the embedded engine.

Exact partitioning
------------------
Every rule looks at one of three scopes: a line, a *claim* (DX001, DX002, DC*, and
``normalize`` itself: default ``line_no`` and the claim's note) or an *encounter*
(same patient, date, rendering NPI: DU001, UN001, AO*, PT004, PT005, PV003). A claim's
lines may sit in two encounters, and an encounter's lines on several claims, so
neither "partition by claim" nor "partition by encounter" is exact on its own.

The unit we partition by is the connected component of the graph whose nodes are
encounters and whose edges are claims: two encounters are linked when one claim has
lines in both. A component therefore holds *whole* claims and *whole* encounters, and
running ``check_raw`` on any union of components gives, for those lines, exactly the
findings of the whole batch. Almost every claim has one encounter, so only the few
"bridge" claims (lines on two or more encounters) feed a min-label propagation over
encounters (a handful of iterations: the component diameter); every other line's
component is its own encounter. The component id is then hashed into P partitions.

Keys are 64-bit hashes of the claim and encounter values with every whitespace and
control character removed. This is coarser than ``normalize`` (which strips only the
ends), and a hash collision only merges two components: a coarser key can only make
partitions bigger, never split what belongs together, so the result stays exact.

Global order: each line keeps ``_row``, its position in the whole input (files in the
order given, lines in file order). A partition is sorted by ``_row`` before the check,
so every "first line of the claim / encounter" decision is the global one, and the
findings' local ``_row`` is mapped back to the global one. Findings are finally sorted
by ``(_row, rule, _seq)``: ``_seq`` keeps the engine's own order where one line has
two findings of one rule (DX002 with two bad codes).

Input errors: each partition reports its first bad line; the error with the smallest
``_row`` across partitions is the one the embedded engine raises (all checks in
``normalize`` are per line).

Streaming steps: (1) a streaming scan of only the key columns (two u64 per line),
(2) components, (3) a second scan in batches that spills each line to
``parts/p<k>/*.parquet``, (4) ``check_raw`` per partition, findings spilled to Parquet,
(5) findings sorted into the output. Peak memory is set by the partition size
(``partition_rows``, default 400k lines), not by the input size.

Pricing (``summary.money``, the what-if) is computed partition by partition and added
up, exactly (:mod:`claimscrub.engine.money_parts`). X12 / FHIR inputs are read in
memory (they are not large-batch formats).
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
import tempfile
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from claimscrub.engine.money_parts import MoneyPart, empty_money, merge_money, merge_whatif, price_part
from claimscrub.errors import EngineError, InputError
from claimscrub.model import CANONICAL_SCHEMA, ENCOUNTER, FINDING_COLUMNS
from claimscrub.normalize import check_required_columns
from claimscrub.policies import Policy

#: Removed from key values before hashing (a superset of what ``str.strip`` removes).
KEY_JUNK = r"[\s\p{Z}\p{Cc}]"
SPARK_KEY_JUNK = r"[\s\p{Z}\p{Cc}]"  # the same class in Java regex syntax
INTERNAL = ("_row", "_comp", "_part", "_file", "_ord")


# ----------------------------------------------------------------------------- keys


def _clean(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null("").str.replace_all(KEY_JUNK, "")


#: A US date ``M/D/YYYY`` rewritten as ``YYYY-MM-DD`` (regex, replacement) in order, so the
#: two spellings of one date (normalize reads both) give one encounter key.
US_DATE_TO_ISO = (
    (r"^(\d)/", "0$1/"),
    (r"^(\d\d)/(\d)/", "$1/0$2/"),
    (r"^(\d\d)/(\d\d)/(\d{4})$", "$3-$1-$2"),
)


def _key_value(col: str) -> pl.Expr:
    out = _clean(col)
    if col == "service_date":
        for pattern, repl in US_DATE_TO_ISO:
            out = out.str.replace(pattern, repl)
    return out


def key_columns() -> list[pl.Expr]:
    """``_ck`` (claim key) and ``_ek`` (encounter key), u64 hashes of cleaned values."""
    return [
        _clean("claim_id").hash(seed=11).alias("_ck"),
        pl.struct([_key_value(c) for c in ENCOUNTER]).hash(seed=12).alias("_ek"),
    ]


def encounter_components(edges: pl.DataFrame) -> pl.DataFrame:
    """``edges``: distinct ``(_ck, _ek)``. Returns ``(_ek, _comp)`` for encounters linked by a
    bridge claim (a claim on two or more encounters); any other encounter is its own
    component (``_comp = _ek``)."""
    edges = edges.unique()
    multi = edges.group_by("_ck").agg(pl.len().alias("_n")).filter(pl.col("_n") > 1).select("_ck")
    bridge = edges.join(multi, on="_ck", how="semi")
    labels = bridge.select("_ek").unique().with_columns(pl.col("_ek").alias("_comp"))
    while bridge.height:
        by_claim = bridge.join(labels, on="_ek").group_by("_ck").agg(pl.col("_comp").min())
        new = bridge.join(by_claim, on="_ck").group_by("_ek").agg(pl.col("_comp").min())
        changed = new.join(labels, on="_ek", suffix="_old").filter(pl.col("_comp") != pl.col("_comp_old"))
        labels = new
        if changed.height == 0:
            break
    return labels


def component_of(keys: pl.DataFrame) -> pl.Series:
    """The component id of every line (``keys``: ``_ck``, ``_ek`` per line, in order)."""
    labels = encounter_components(keys.select("_ck", "_ek"))
    out = keys.select("_ek").join(labels, on="_ek", how="left", maintain_order="left")
    return out.select(pl.coalesce("_comp", "_ek").alias("_comp")).to_series()


# ----------------------------------------------------------------------- one chunk


@dataclass
class ChunkResult:
    findings: pl.DataFrame  # _row (Int64, global), _seq, FINDING_COLUMNS
    lines: pl.DataFrame | None  # canonical frame with the global _row (Int64), when asked
    n_lines: int = 0
    n_claims: int = 0
    error: tuple[int, InputError] | None = None  # (global _row, error)
    money: MoneyPart | None = None  # when priced


def worker_options(options):  # type: ignore[no-untyped-def]
    """The options a partition runs with: no pricing, roster already read by the driver."""
    changes: dict[str, object] = {"providers": None}
    names = {f.name for f in dataclasses.fields(options)}
    if "price" in names:
        changes["price"] = False
    return dataclasses.replace(options, **changes)


def check_chunk(
    raw: pl.DataFrame,
    options,  # type: ignore[no-untyped-def]
    policies: dict[str, Policy],
    roster: pl.DataFrame | None,
    *,
    keep_lines: bool | str = False,
    price: bool = False,
) -> ChunkResult:
    """``check_raw`` on a union of whole components. ``raw``: spec columns (strings),
    ``_source``, ``_line`` and the global ``_row``; other ``_``-columns are dropped.
    ``keep_lines``: True = all canonical lines, "findings" = lines that have a finding.
    ``price``: also the chunk's prices and money (:mod:`claimscrub.engine.money_parts`)."""
    from claimscrub.service import check_raw

    raw = raw.sort("_row")
    rows = raw["_row"].cast(pl.Int64)
    spec = raw.drop([c for c in INTERNAL if c in raw.columns])
    try:
        result = check_raw(spec, options, policies=policies, roster=roster)
    except InputError as exc:
        hit = raw.with_columns(pl.col("_line").cast(pl.Int64)).filter(
            (pl.col("_source") == exc.file) & (pl.col("_line") == (exc.line or -1))
        )
        at = int(hit["_row"].min()) if hit.height else int(rows.min())
        return ChunkResult(pl.DataFrame(), None, error=(at, exc))
    f = result.findings
    findings = f.select(
        rows.gather(f["_row"]).alias("_row"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_seq"),
        *FINDING_COLUMNS,
    )
    lines = None
    if keep_lines:
        lines = result.lines
        if keep_lines == "findings":
            lines = lines.filter(pl.col("_row").is_in(f["_row"].unique().implode()))
        lines = lines.with_columns(rows.gather(lines["_row"]).alias("_row"))
    n_claims = result.lines["claim_id"].n_unique() if result.lines.height else 0
    money = price_part(result.lines, f, rows) if price else None
    return ChunkResult(findings, lines, result.lines.height, n_claims, money=money)


# ------------------------------------------------------------------ line numbers


def physical_line_starts(path: Path) -> array | None:
    """1-based physical line of each CSV record when quoted fields span lines, else None
    (then record i sits on line i + 2). Streams the file; no copy in memory."""
    newlines = 0
    last = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            newlines += block.count(b"\n")
            last = block[-1:]
    physical = newlines + (0 if last in (b"\n", b"") else 1)
    starts = array("q")
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        line = reader.line_num + 1
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    if len(starts) + 1 == physical:
        return None
    return starts


def _count_records_fast(path: Path) -> tuple[int, bool]:
    """Newline count, and whether the file has a double quote at all (no quote: one record
    per physical line)."""
    n, quoted, last = 0, False, b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            n += block.count(b"\n")
            quoted = quoted or b'"' in block
            last = block[-1:]
    return n + (0 if last in (b"\n", b"") else 1), quoted


def count_records(path: Path) -> int:
    """CSV records after the header (Polars' reader: quoted newlines stay in the field)."""
    lf = pl.scan_csv(path, infer_schema=False, raise_if_empty=False, truncate_ragged_lines=True)
    return int(lf.select(pl.len()).collect().item())


def _has_blank_line(path: Path) -> bool:
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(1 << 24):
            text = tail + block
            if b"\n\n" in text or b"\n\r\n" in text:
                return True
            tail = text[-2:]
    return False


def line_map(path: Path) -> array | None:
    """Like :func:`physical_line_starts`, but skips the slow record scan when every record
    is one physical line: no quote character at all, or as many records as lines and no
    blank line (Polars counts the records in a fraction of the time of ``csv``)."""
    physical, quoted = _count_records_fast(path)
    if not quoted:
        return None
    try:
        if count_records(path) + 1 == physical and not _has_blank_line(path):
            return None
    except pl.exceptions.PolarsError:  # the csv module decides (and the reader reports)
        pass
    return physical_line_starts(path)


# -------------------------------------------------------------------- the engine


def _scan_csv(path: Path) -> pl.LazyFrame:
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file")
    if not path.is_file():  # a FIFO or device: scanned twice and its size is meaningless
        raise InputError(str(path), "--engine streaming reads regular files (the default engine reads this)")
    if path.stat().st_size == 0:
        raise InputError(str(path), "the file is empty", line=1)
    lf = pl.scan_csv(path, infer_schema=False, truncate_ragged_lines=False, raise_if_empty=False)
    cols = lf.collect_schema().names()
    renamed = {c: c.strip().lower().lstrip("\ufeff") for c in cols}
    check_required_columns(list(renamed.values()), str(path))
    return lf.rename(renamed)


@dataclass
class _Input:
    path: Path
    lf: pl.LazyFrame | None  # CSV: lazy scan; other formats: None (``frame`` holds it)
    frame: pl.DataFrame | None
    rows: int = 0
    offset: int = 0
    lines: array | None = None


@dataclass
class StreamedResult:
    """What the streaming engine returns: it quacks like :class:`CheckResult` for the
    writers (``findings``, ``summary``, ``exit_code``, ``lines`` holding the lines that
    have a finding, for SARIF locations)."""

    lines: pl.DataFrame
    findings: pl.DataFrame
    policies: dict[str, Policy]
    inputs: list[str] = field(default_factory=list)
    n_lines: int = 0
    n_claims: int = 0
    note_facts: None = None
    raw: None = None
    prices: pl.DataFrame | None = None  # of the lines that have a finding
    money: dict | None = None
    whatif: pl.DataFrame | None = None
    ignored_columns: list[str] = field(default_factory=list)  # as the embedded engine lists them

    @property
    def summary(self) -> dict[str, object]:
        from claimscrub.service import summary_doc

        counts = dict(self.findings["severity"].value_counts().iter_rows())
        return summary_doc(self.n_claims, self.n_lines, counts, self.money, self.ignored_columns)

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["errors"] else 0


def check_paths_streaming(
    paths: Sequence[Path],
    options=None,  # type: ignore[no-untyped-def]
    *,
    partition_rows: int = 400_000,
    batch_rows: int = 500_000,
    workdir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> StreamedResult:
    """Check ``paths`` out of core; findings equal :func:`claimscrub.service.check_paths`."""
    from claimscrub.readers.csv_reader import read_roster
    from claimscrub.service import CheckOptions, detect_format, ignored_columns, policies_for, read_input

    options = options or CheckOptions()
    say = progress or (lambda _msg: None)
    policies = policies_for(options)
    roster = read_roster(options.providers) if options.providers is not None else None
    if options.notes_dir is not None and not options.notes_dir.is_dir():
        raise InputError(str(options.notes_dir), "notes folder not found")
    wopts = worker_options(options)

    inputs: list[_Input] = []
    offset = 0
    for p in paths:
        p = Path(p)
        fmt = options.input_format or (detect_format(p) if p.is_file() else "csv")
        if fmt == "csv":
            lf = _scan_csv(p)
            inp = _Input(p, lf, None)
        else:
            inp = _Input(p, None, read_input(p, fmt, strict=options.strict))
        inputs.append(inp)
    ignored = ignored_columns(_input_columns(inputs))

    try:
        tmp = Path(tempfile.mkdtemp(prefix="claimscrub-stream-", dir=workdir))
    except OSError as exc:
        raise _workdir_error(workdir or tempfile.gettempdir(), exc) from None
    try:
        # (1) keys of every line, streamed: two u64 per line
        say("scanning keys")
        keys = []
        for inp in inputs:
            src = inp.lf if inp.lf is not None else inp.frame.lazy()
            try:
                k = src.select(key_columns()).collect(engine="streaming")
            except pl.exceptions.PolarsError:
                from claimscrub.readers.csv_reader import read_csv_file

                read_csv_file(inp.path)  # raises the embedded reader's precise InputError
                raise InputError(str(inp.path), "malformed CSV") from None
            inp.rows, inp.offset = k.height, offset
            offset += k.height
            keys.append(k)
            if inp.lf is not None:
                inp.lines = line_map(inp.path)
        all_keys = pl.concat(keys) if keys else pl.DataFrame(schema={"_ck": pl.UInt64, "_ek": pl.UInt64})
        del keys
        n_total = all_keys.height
        n_parts = max(1, -(-n_total // partition_rows))
        # (2) components -> partition of every line
        say("grouping claims and encounters")
        comp = component_of(all_keys)
        del all_keys
        part = (comp.hash(seed=13) % n_parts).cast(pl.UInt32)
        del comp
        # (3) spill lines to parquet, by partition
        say(f"spilling {n_total:,} lines to {n_parts} partitions")
        for i, inp in enumerate(inputs):
            src = inp.lf if inp.lf is not None else inp.frame.lazy()
            batches = src.collect_batches(chunk_size=batch_rows) if inp.lf is not None else [inp.frame]
            start = 0
            for b, batch in enumerate(batches):
                n = batch.height
                ords = pl.int_range(start, start + n, dtype=pl.Int64, eager=True)
                cols = [
                    (ords + inp.offset).alias("_row"),
                    part.slice(inp.offset + start, n).alias("_part"),
                ]
                if inp.lf is not None:
                    src_lines = (
                        pl.Series(inp.lines[start : start + n], dtype=pl.Int64)
                        if inp.lines is not None
                        else ords + 2
                    )
                    cols += [pl.lit(str(inp.path)).alias("_source"), src_lines.alias("_line")]
                batch = batch.with_columns(cols)
                batch = batch.with_columns(pl.col("_line").cast(pl.Int64))
                for (k,), piece in batch.partition_by("_part", as_dict=True).items():
                    d = tmp / "parts" / f"p{k}"
                    d.mkdir(parents=True, exist_ok=True)
                    piece.drop("_part").write_parquet(d / f"f{i}-b{b}.parquet")
                start += n
        del part
        # (4) check each partition
        fdir = tmp / "findings"
        fdir.mkdir()
        ldir = tmp / "lines"
        ldir.mkdir()
        mdir = tmp / "money"
        mdir.mkdir()
        price = bool(getattr(options, "price", False))
        moneys: list[dict] = []
        n_lines = n_claims = 0
        first_error: tuple[int, InputError] | None = None
        for k in range(n_parts):
            d = tmp / "parts" / f"p{k}"
            if not d.is_dir():
                continue
            say(f"checking partition {k + 1}/{n_parts}")
            raw = pl.concat([pl.read_parquet(f) for f in sorted(d.glob("*.parquet"))], how="diagonal_relaxed")
            res = check_chunk(raw, wopts, policies, roster, keep_lines="findings", price=price)
            del raw
            if res.error is not None:
                if first_error is None or res.error[0] < first_error[0]:
                    first_error = res.error
                continue
            n_lines += res.n_lines
            n_claims += res.n_claims
            res.findings.write_parquet(fdir / f"p{k}.parquet")
            if res.lines is not None:
                res.lines.write_parquet(ldir / f"p{k}.parquet")
            if res.money is not None:
                res.money.prices.write_parquet(mdir / f"prices-p{k}.parquet")
                res.money.whatif.write_parquet(mdir / f"whatif-p{k}.parquet")
                moneys.append(res.money.money)
            shutil.rmtree(d)
        if first_error is not None:
            raise first_error[1]
        # (5) findings in global order
        say("sorting findings")
        ffiles = sorted(fdir.glob("*.parquet"))
        if ffiles:
            findings = (
                pl.scan_parquet(ffiles).sort(["_row", "rule", "_seq"]).drop("_seq").collect()
            ).with_columns(pl.col("_row").cast(pl.UInt32))
        else:
            from claimscrub.engine.runner import EMPTY_FINDINGS

            findings = EMPTY_FINDINGS
        lfiles = sorted(ldir.glob("*.parquet"))
        lines = (
            pl.concat([pl.read_parquet(f) for f in lfiles]).sort("_row")
            if lfiles
            else pl.DataFrame(schema=CANONICAL_SCHEMA)
        )
        result = StreamedResult(
            lines,
            findings,
            policies,
            [str(p) for p in paths],
            n_lines=n_lines,
            n_claims=n_claims,
            ignored_columns=ignored,
        )
        if price:
            say("adding up the money")
            _add_money(result, mdir, moneys)
        return result
    except OSError as exc:  # the spill folder: full disk, no permission
        raise _workdir_error(tmp, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _input_columns(inputs: list[_Input]) -> list[str]:
    """The inputs' column names in the order the embedded engine joins them (first seen)."""
    cols: list[str] = []
    for inp in inputs:
        names = inp.lf.collect_schema().names() if inp.lf is not None else inp.frame.columns
        cols += [c for c in names if c not in cols]
    return cols


def _workdir_error(where: object, exc: OSError) -> EngineError:
    return EngineError(
        f"the streaming engine could not use its work folder {where} "
        f"({exc.strerror or type(exc).__name__}): free space there or set TMPDIR"
    )


def _add_money(result: StreamedResult, mdir: Path, moneys: list[dict]) -> None:
    """The parts' prices, money and what-if, added up (:mod:`claimscrub.engine.money_parts`)."""
    if not moneys:
        result.prices, result.money = empty_money()
        return
    prices = [pl.read_parquet(f) for f in sorted(mdir.glob("prices-*.parquet"))]
    result.prices = pl.concat(prices).sort("_row")
    result.money = merge_money(moneys)
    whatifs = [pl.read_parquet(f) for f in sorted(mdir.glob("whatif-*.parquet"))]
    result.whatif = merge_whatif(whatifs, bool((result.findings["rule"] == "PV003").any()))
