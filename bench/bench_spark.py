"""Embedded vs Spark local vs streaming: lines/s and peak RSS (whole process tree).

    python bench/bench_spark.py --sizes 1000000 10000000 --engines embedded streaming spark

Each run is a child process; peak RSS sums the child and all its descendants (the
Spark JVM and its Python workers), sampled every 0.2 s with psutil. Inputs come from
``bench/gen_batch.py`` (cached in ``--data``). Results go to ``bench/results/spark.json``
(merged with earlier runs, keyed by engine and size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "spark.json"

CHILD = {
    "embedded": """
from pathlib import Path
from claimscrub.service import CheckOptions, check_paths
from claimscrub.writers import render
opts = CheckOptions(price=False) if "price" in CheckOptions.__dataclass_fields__ else CheckOptions()
r = check_paths([Path({path!r})], opts)
Path({out!r}).write_text(render(r, "json"))
print(r.findings.height)
""",
    "streaming": """
from pathlib import Path
from claimscrub.engine.streaming import check_paths_streaming
from claimscrub.writers import render
r = check_paths_streaming([Path({path!r})])
Path({out!r}).write_text(render(r, "json"))
print(r.findings.height)
""",
    "spark": """
import os, sys
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
from claimscrub.engine.spark import run_spark_check
spark = (SparkSession.builder.master("local[*]").config("spark.driver.memory", "2g")
         .config("spark.sql.shuffle.partitions", "{parts}").config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
s = run_spark_check([{path!r}], {out!r}, spark=spark, multiline=False)
print(s.errors + s.warnings + s.infos)
spark.stop()
""",
}


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(engine: str, path: Path, lines: int, timeout: float) -> dict[str, object]:
    out = Path(f"/tmp/bench-{engine}-{lines}.out")
    parts = max(4, lines // 250_000)
    code = CHILD[engine].format(path=str(path), out=str(out), parts=parts)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        if time.perf_counter() - start > timeout:
            for p in [*proc.children(recursive=True), proc]:
                p.kill()
            return {"engine": engine, "lines": lines, "status": f"timeout after {timeout:.0f}s"}
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        return {"engine": engine, "lines": lines, "status": "failed", "error": stderr.decode()[-2000:]}
    return {
        "engine": engine,
        "lines": lines,
        "status": "ok",
        "seconds": round(seconds, 2),
        "lines_per_s": round(lines / seconds),
        "peak_rss_mb": round(peak / 2**20),
        "findings": int(stdout.decode().split()[-1]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--engines", nargs="+", default=["embedded", "streaming", "spark"])
    ap.add_argument("--data", type=Path, default=Path("/tmp"))
    ap.add_argument("--timeout", type=float, default=1800)
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_batch import generate

    doc = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    runs = {(r["engine"], r["lines"]): r for r in doc["runs"]}
    for n in a.sizes:
        path = a.data / f"batch_{n}.csv"
        if not path.exists():
            generate(n).write_csv(path)
        for engine in a.engines:
            r = run(engine, path, n, a.timeout)
            print(json.dumps(r), flush=True)
            runs[(engine, n)] = r
            doc = {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "note": "shared 2-core box",
                },
                "runs": sorted(runs.values(), key=lambda r: (r["lines"], r["engine"])),
            }
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
