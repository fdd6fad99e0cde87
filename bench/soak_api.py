"""Soak test of the REST API: sustained bounded load on loopback with the server's RSS sampled,
then a big batch upload with the server's peak RSS measured.

    python bench/soak_api.py [--seconds 180] [--clients 20] [--upload-lines 1000000]

Starts ``claimscrub serve`` on a fresh database in a temp folder, creates an API key, runs
``--clients`` concurrent clients (threads, keep-alive) over a mix of /check (one claim),
/price, /note, /rules and /batches for ``--seconds``, sampling the server's RSS (server process
+ children) every ``--sample`` seconds. Then uploads a generated ``--upload-lines`` CSV to
/api/v1/batches and samples RSS every 0.2 s until the answer. Writes bench/results/soak.json:
requests, errors, latency percentiles, RSS samples, the least-squares RSS slope (MB/min) over the
second half of the run (after warm-up), and the upload's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "claimscrub"

LINE = {
    "claim_id": "S1",
    "patient_id": "P1",
    "service_date": "2026-03-02",
    "payer": "medicare",
    "provider_npi": "1987654328",
    "provider_credential": "PSYCHOLOGIST",
    "provider_state": "NM",
    "provider_rx_authority": "yes",
    "cpt": "90834",
    "minutes": "45",
    "icd10": "F33.1",
    "charge": "100",
}
NOTE = ("Psychotherapy 45 minutes, CBT. Medication management: sertraline 100 mg daily, mood better, "
        "denies side effects, no missed doses. Plan: continue; benefit outweighs risk.")  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(proc: psutil.Process) -> float:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 3:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [m for _, m in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    qs = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    return {q: round(1000 * values[int(p * (len(values) - 1))], 1) for q, p in qs}


def request_mix(client: httpx.Client, key: str, rng: random.Random) -> int:
    h = {"Authorization": f"Bearer {key}"}
    pick = rng.random()
    if pick < 0.45:
        lines = [{**LINE, "claim_id": f"S{rng.randint(1, 10**6)}", "cpt": c} for c in ("90834", "90863")]
        r = client.post("/api/v1/check", json={"lines": lines}, headers=h)
    elif pick < 0.6:
        r = client.post("/api/v1/price", json={"lines": [LINE]}, headers=h)
    elif pick < 0.75:
        r = client.post("/api/v1/note", json={"text": NOTE + f" Visit {rng.randint(1, 10**6)}."}, headers=h)
    elif pick < 0.9:
        r = client.get("/api/v1/rules", headers=h)
    elif pick < 0.97:
        r = client.get("/api/v1/batches", headers=h)
    else:
        r = client.get("/api/v1/check", headers=h)  # 405: error paths are part of the load
        return 0 if r.status_code == 405 else 1
    return 0 if r.status_code == 200 else 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--sample", type=float, default=3.0)
    ap.add_argument("--upload-lines", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "soak.json")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="claimscrub-soak-"))
    db = work / "web.db"
    key = subprocess.run([str(BIN), "apikey", "create", "soak", "--db", str(db)], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--db", str(db), "--data-dir", str(work / "up"),
         "--max-upload-mb", "400"],
        stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "wb"),  # noqa: SIM115
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        proc = psutil.Process(server.pid)
        result: dict[str, object] = {"clients": args.clients, "seconds": args.seconds,
                                     "rss_start_mb": round(rss_mb(proc), 1)}  # fmt: skip

        stop = time.monotonic() + args.seconds
        counts = {"requests": 0, "errors": 0, "exceptions": 0}
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(n: int) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=base, timeout=60) as client:
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    try:
                        err = request_mix(client, key, rng)
                    except httpx.HTTPError:
                        err, exc = 1, 1
                    else:
                        exc = 0
                    dt = time.perf_counter() - t
                    with lock:
                        counts["requests"] += 1
                        counts["errors"] += err
                        counts["exceptions"] += exc
                        latencies.append(dt)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        samples: list[tuple[float, float]] = []
        while time.monotonic() < stop:
            samples.append((round(time.monotonic() - t0, 1), round(rss_mb(proc), 1)))
            time.sleep(args.sample)
        for t in threads:
            t.join(timeout=120)
        samples.append((round(time.monotonic() - t0, 1), round(rss_mb(proc), 1)))
        latencies.sort()
        half = [s for s in samples if s[0] >= args.seconds / 2]
        result.update(
            counts,
            requests_per_second=round(counts["requests"] / args.seconds, 1),
            latency_ms=percentiles(latencies),
            rss_samples_mb=samples,
            rss_end_mb=samples[-1][1],
            rss_slope_mb_per_min_second_half=round(slope_mb_per_min(half), 2),
            rss_slope_mb_per_min_all=round(slope_mb_per_min(samples), 2),
        )  # fmt: skip

        # big upload
        if args.upload_lines:
            csv_path = work / "upload.csv"
            subprocess.run([sys.executable, str(REPO / "bench" / "gen_batch.py"), str(args.upload_lines),
                            str(csv_path)], check=True, capture_output=True)  # fmt: skip
            before = rss_mb(proc)
            peak = [before]
            done = threading.Event()

            def sampler() -> None:
                while not done.is_set():
                    peak.append(rss_mb(proc))
                    time.sleep(0.2)

            th = threading.Thread(target=sampler, daemon=True)
            th.start()
            t = time.monotonic()
            with csv_path.open("rb") as fh:
                r = httpx.post(f"{base}/api/v1/batches", files={"file": ("upload.csv", fh, "text/csv")},
                               headers={"Authorization": f"Bearer {key}"}, timeout=1800)  # fmt: skip
            done.set()
            th.join()
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            result["upload"] = {
                "lines": args.upload_lines,
                "bytes": csv_path.stat().st_size,
                "status_code": r.status_code,
                "batch_status": body.get("status"),
                "lines_checked": (body.get("summary") or {}).get("lines"),
                "seconds": round(time.monotonic() - t, 1),
                "rss_before_mb": round(before, 1),
                "rss_peak_mb": round(max(peak), 1),
                "rss_after_mb": round(rss_mb(proc), 1),
                "machine_memory_mb": round(psutil.virtual_memory().total / 2**20),
            }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps({k: v for k, v in result.items() if k != "rss_samples_mb"}, indent=1))
    finally:
        server.kill()
        server.wait()
        if os.environ.get("SOAK_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
