"""Large batches, whole `claimscrub check` processes: embedded vs streaming vs Spark.

    python bench/bench_spark.py --sizes 1000000 10000000 --engines embedded streaming spark auto

Each run is ``claimscrub check FILE --format json -o OUT --engine E`` in a child process
(``spark-check`` for ``spark-check``). Measured: wall seconds, CPU seconds of the whole
process tree (the Spark JVM and its Python workers included; sampled every 0.2 s with
psutil), peak RSS of the tree, and the load average before and after (the machine is
shared: CPU seconds move less with load than wall seconds). Every report is compared
byte for byte with the embedded engine's (``same_as_embedded``). Inputs come from
``bench/gen_batch.py`` (cached in ``--data``). Results go to ``bench/results/spark.json``
(merged with earlier runs, keyed by engine and size).
"""

from __future__ import annotations

import argparse
import filecmp
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
CLAIMSCRUB = [sys.executable, "-c", "from claimscrub.cli import main; main()"]


def command(engine: str, path: Path, out: Path) -> list[str]:
    if engine == "spark-check":
        return [*CLAIMSCRUB, "spark-check", str(path), "--findings-out", str(out), "--single-line-csv"]
    return [*CLAIMSCRUB, "check", str(path), "--format", "json", "-o", str(out), "--engine", engine]


class Tree:
    """Peak RSS and CPU seconds of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.cpu: dict[int, float] = {}
        self.peak = 0

    def sample(self) -> None:
        rss = 0
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        for p in procs:
            try:
                t = p.cpu_times()
                self.cpu[p.pid] = max(self.cpu.get(p.pid, 0.0), t.user + t.system)
                rss += p.memory_info().rss
            except psutil.Error:
                pass
        self.peak = max(self.peak, rss)


def run(engine: str, path: Path, lines: int, timeout: float) -> dict[str, object]:
    out = Path(f"/tmp/bench-{engine}-{lines}.out")
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(command(engine, path, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree = Tree(child.pid)
    while child.poll() is None:
        tree.sample()
        if time.perf_counter() - start > timeout:
            for p in [*tree.root.children(recursive=True), tree.root]:
                p.kill()
            return {"engine": engine, "lines": lines, "status": f"timeout after {timeout:.0f}s"}
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    _, stderr = child.communicate()
    if child.returncode not in (0, 1):
        return {"engine": engine, "lines": lines, "status": "failed", "error": stderr.decode()[-2000:]}
    ref = Path(f"/tmp/bench-embedded-{lines}.out")
    same = None
    if engine not in ("embedded", "spark-check") and ref.exists():
        same = filecmp.cmp(ref, out, shallow=False)
    return {
        "engine": engine,
        "lines": lines,
        "status": "ok",
        "seconds": round(seconds, 2),
        "cpu_seconds": round(sum(tree.cpu.values()), 1),
        "lines_per_s": round(lines / seconds),
        "peak_rss_mb": round(tree.peak / 2**20),
        "same_as_embedded": same,
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--engines", nargs="+", default=["embedded", "streaming", "spark", "auto"])
    ap.add_argument("--data", type=Path, default=Path("/tmp"))
    ap.add_argument("--timeout", type=float, default=3600)
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
                    "note": "shared 2-core box; load averages per run",
                },
                "command": "python bench/bench_spark.py " + " ".join(sys.argv[1:]),
                "runs": sorted(runs.values(), key=lambda r: (r["lines"], r["engine"])),
            }
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
