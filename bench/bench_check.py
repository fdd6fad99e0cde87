"""Benchmark: full `claimscrub check` of an N-line batch vs plain `polars.read_csv`.

    python bench/bench_check.py [--lines 1000000] [--repeat 3]

Each measurement runs in a fresh subprocess so peak memory (max RSS) is its own. The in-process
steps time the step alone (imports excluded); the two whole-process rows time the command a user
runs, start-up included: ``claimscrub check big.csv --format json -o out.json`` against
``python -c "import polars as pl; pl.read_csv(...)"``. Writes bench/results/check.json (the
numbers of docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# name -> (imports, the timed step); imports are not timed.
STEPS = {
    "polars_read_csv": ("import polars as pl", "pl.read_csv(P, infer_schema=False)"),
    "check_rules_only": (
        "from claimscrub.service import check_paths, CheckOptions",
        "check_paths([P], CheckOptions(price=False))",
    ),
    "check_with_pricing": ("from claimscrub.service import check_paths", "check_paths([P])"),
    "check_json_report": (
        "from claimscrub.service import check_paths; from claimscrub.writers import render",
        "render(check_paths([P]), 'json')",
    ),
}

TIMER = """
import time, sys, json
from pathlib import Path
P = Path(sys.argv[1])
{setup}
t = time.perf_counter()
{code}
print(json.dumps({{"seconds": time.perf_counter() - t}}))
"""


def measure(step: tuple[str, str], path: Path) -> tuple[float, float]:
    """(seconds of the measured step, peak RSS in MB of that child process alone)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", TIMER.format(setup=step[0], code=step[1]), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"benchmark step failed: {step[1]}")
    return json.loads(out.strip().splitlines()[-1])["seconds"], usage.ru_maxrss / 1024


# name -> argv of a whole process (P: the batch, O: an output file); wall time includes start-up
READ_CSV = "import sys, polars as pl; pl.read_csv(sys.argv[1], infer_schema=False)"
CLAIMSCRUB = str(Path(sys.executable).with_name("claimscrub"))  # the installed command
PROCESSES = {
    "process_polars_read_csv": [sys.executable, "-c", READ_CSV, "P"],
    "process_check_json": [CLAIMSCRUB, "check", "P", "--format", "json", "-o", "O", "--exit-zero"],
}


def measure_process(argv: list[str], path: Path, out: Path) -> tuple[float, float]:
    """(wall seconds of the whole process, its peak RSS in MB)."""
    args = [str(path) if a == "P" else str(out) if a == "O" else a for a in argv]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"benchmark process failed: {' '.join(args)}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "check.json")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from gen_batch import generate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.csv"
        generate(args.lines).write_csv(path)
        results = {}
        for name, step in STEPS.items():
            runs = [measure(step, path) for _ in range(args.repeat)]
            best = min(r[0] for r in runs)
            results[name] = {"seconds": round(best, 3), "lines_per_second": round(args.lines / best),
                             "peak_rss_mb": round(max(r[1] for r in runs))}  # fmt: skip
            print(f"{name:20} {best:7.2f} s  {args.lines / best:12,.0f} lines/s", flush=True)
        runs_by_name: dict[str, list[tuple[float, float]]] = {name: [] for name in PROCESSES}
        for _ in range(args.repeat):  # round-robin: a load spike hits both alike
            for name, argv in PROCESSES.items():
                runs_by_name[name].append(measure_process(argv, path, Path(tmp) / "out.json"))
        for name, runs in runs_by_name.items():
            best = min(r[0] for r in runs)
            results[name] = {"seconds": round(best, 3), "lines_per_second": round(args.lines / best),
                             "peak_rss_mb": round(max(r[1] for r in runs))}  # fmt: skip
            print(f"{name:20} {best:7.2f} s", flush=True)
    read = results["polars_read_csv"]["seconds"]
    for name, r in results.items():
        if not name.startswith("process_"):
            r["ratio_to_read_csv"] = round(r["seconds"] / read, 2)
    whole = results["process_check_json"]
    whole["ratio_to_process_read_csv"] = round(
        whole["seconds"] / results["process_polars_read_csv"]["seconds"], 2
    )
    doc = {
        "lines": args.lines,
        "machine": f"{platform.machine()}, {platform.python_version()}, cpus={os.cpu_count()}",
        "results": results,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "command": " ".join(["python", "bench/bench_check.py", *sys.argv[1:]]),
        "note": "peak_rss_mb: max RSS of the child process running the step (imports included)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
