"""Benchmark: one 2-line claim checked in process, against one trivial Polars query on the
same lines, measured side by side in one run (a ratio survives a busy machine better than
milliseconds do).

    python bench/bench_single.py [--repeat 200]

Rows: the trivial query (build a frame from the dicts, filter, collect); ``claimscrub.check_records``
with the defaults (rules + pricing + money at risk) and without pricing; the JSON document
(``result.document()``); and 50 such requests checked as one micro-batch (``check_many``, per
request). Writes bench/results/single.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load_api import BODY  # noqa: E402  (the same one-claim body as the REST benchmark)


def medians_ms(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median ms of each function, run round-robin (a load spike hits every row alike)."""
    for fn in fns.values():
        fn()  # warm: imports, data files, caches
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: round(statistics.median(ts), 3) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "single.json")
    args = ap.parse_args()
    import polars as pl

    # the service functions behind claimscrub.check_records (they also exist in older versions,
    # so `PYTHONPATH=<old checkout>/src python bench/bench_single.py` measures a baseline)
    from claimscrub.service import CheckOptions, check_many, check_records, findings_json

    lines = BODY["lines"]
    batch = [lines] * 50

    def trivial() -> object:
        return pl.DataFrame(lines).lazy().filter(pl.col("cpt") == "90863").select("claim_id").collect()

    load_before = os.getloadavg()[0]
    rows = medians_ms(
        {
            "trivial_polars_query": trivial,
            "check_records": lambda: check_records(lines, CheckOptions()),
            "check_records_no_pricing": lambda: check_records(lines, CheckOptions(price=False)),
            "check_records_json_document": lambda: findings_json(check_records(lines, CheckOptions())),
        },
        args.repeat,
    )
    rows["check_many_50_per_request"] = round(
        medians_ms({"m": lambda: check_many(batch)}, max(5, args.repeat // 20))["m"] / 50, 3
    )
    base = rows["trivial_polars_query"]
    doc = {
        "benchmark": "one 2-line claim (90834 + 90863) in process, median ms",
        "command": " ".join(["python", "bench/bench_single.py", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, Python {platform.python_version()}, cpus={os.cpu_count()}",
        "median_ms": rows,
        "ratio_to_trivial_query": {k: round(v / base, 1) for k, v in rows.items()},
        "target": "check_records <= 12x the trivial query",
        "target_met": rows["check_records"] <= 12 * base,
        "load_average_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
