"""837P throughput: claimscrub's reader vs pyx12 on the same file.

    .venv/bin/python bench/bench_x12.py [FILE] [--repeat 5] [--out bench/results/x12.json]

Default FILE: shared/domain/data/x12/837p_imsweb/x12_many_claims.txt (820 claims, 330 KB).
Ours: ``read_837`` (lenient: that file's SE01 count is wrong) building the full raw frame.
pyx12: ``X12ContextReader`` walking the file against its 837P map and visiting every
2300 (claim) loop -- the least a pyx12-based reader has to do, without extracting values.
Times are the best of ``--repeat`` runs (pyx12: best of min(repeat, 3)).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "domain" / "data" / "x12" / "837p_imsweb" / "x12_many_claims.txt"


def bench_ours(path: Path, repeat: int) -> tuple[float, int, int]:
    from claimscrub.readers.x12_837 import read_837

    best = float("inf")
    df = None
    for _ in range(repeat):
        t = time.perf_counter()
        df = read_837(path, strict=False)
        best = min(best, time.perf_counter() - t)
    assert df is not None
    return best, df.height, _claims(path)


def _claims(path: Path) -> int:
    from claimscrub.readers.x12_837 import split_segments

    return sum(
        1 for seg, seps in split_segments(path.read_bytes(), str(path)) if seg[:4] == b"CLM" + seps.element
    )


def bench_pyx12(path: Path, repeat: int) -> tuple[float | None, int | None, str | None]:
    try:
        import pyx12.error_handler
        import pyx12.params
        import pyx12.x12context
    except ImportError:
        return None, None, "pyx12 is not installed (pip install pyx12)"
    logging.disable(logging.CRITICAL)
    best = float("inf")
    claims = 0
    try:
        for _ in range(min(repeat, 3)):
            t = time.perf_counter()
            param = pyx12.params.params()
            errh = pyx12.error_handler.errh_null()
            with path.open(encoding="ascii", errors="replace") as fh:
                src = pyx12.x12context.X12ContextReader(param, errh, fh)
                claims = sum(1 for node in src.iter_segments("2300") if node.id == "2300")
            best = min(best, time.perf_counter() - t)
    except Exception as exc:  # noqa: BLE001 - report whatever pyx12 raises
        return None, None, f"pyx12 cannot read the file: {type(exc).__name__}: {exc}"
    return best, claims, None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "x12.json")
    args = ap.parse_args()
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    ours_s, lines, claims = bench_ours(args.file, args.repeat)
    py_s, py_claims, py_note = bench_pyx12(args.file, args.repeat)
    result = {
        "file": args.file.name,
        "bytes": args.file.stat().st_size,
        "claims": claims,
        "service_lines": lines,
        "claimscrub": {"seconds": round(ours_s, 4), "claims_per_s": round(claims / ours_s)},
        "pyx12": (
            {"seconds": round(py_s, 4), "claims_per_s": round(py_claims / py_s), "claims": py_claims}
            if py_s
            else {"error": py_note}
        ),
        "speedup": round(py_s / ours_s, 1) if py_s else None,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
