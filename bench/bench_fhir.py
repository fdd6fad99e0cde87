"""FHIR reader throughput and scaling: a generated Bundle of N claim items, read to the raw frame.

    .venv/bin/python bench/bench_fhir.py [--items 1000 10000 100000] [--repeat 1]
                                          [--out bench/results/fhir.json]

The Bundle repeats the Claim entries of ``tests/data/fhir/bundle_claims.json`` (with their
Patient, Practitioner and Location) under new ids, 2 items per Claim, pretty-printed one element
per line as exporters write it.  Time (wall and CPU) = ``read_fhir_bytes`` (JSON parse with
positions, FHIR R4B validation, extraction, line numbers), best of ``--repeat``.  Linear reading
means the time per item stays flat as N grows.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "tests" / "data" / "fhir" / "bundle_claims.json"


def bundle(items: int) -> bytes:
    """A Bundle with ``items`` claim items (2 per Claim), pretty-printed."""
    base = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    shared = [e for e in base["entry"] if e["resource"]["resourceType"] != "Claim"]
    claim = next(e for e in base["entry"] if e["resource"]["resourceType"] == "Claim")
    entries = list(shared)
    n = 0
    while n < items:
        e = copy.deepcopy(claim)
        k = len(entries)
        e["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-{k:012d}"
        e["resource"]["id"] = f"c{k}"
        e["resource"]["identifier"][0]["value"] = f"BH{k}"
        e["resource"]["item"] = e["resource"]["item"][: items - n]
        n += len(e["resource"]["item"])
        entries.append(e)
    return json.dumps({**base, "entry": entries}, indent=1).encode()


def bench(items: int, repeat: int) -> dict[str, object]:
    from claimscrub.readers.fhir import read_fhir_bytes

    data = bundle(items)
    best = cpu = float("inf")
    rows = 0
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        rows = read_fhir_bytes(data, "bench.json").height
        best, cpu = min(best, time.perf_counter() - t), min(cpu, time.process_time() - c)
    assert rows == items, (rows, items)
    return {
        "items": items,
        "bytes": len(data),
        "seconds": round(best, 3),
        "cpu_seconds": round(cpu, 3),  # the machine is shared: CPU time is the steadier figure
        "items_per_s": round(items / best),
        "us_per_item": round(best / items * 1e6, 1),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    runs = []
    for n in args.items:
        row = bench(n, args.repeat)
        runs.append(row)
        print(json.dumps(row), flush=True)
    doc = {"python": sys.version.split()[0], "machine": platform.machine(), "runs": runs}
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
