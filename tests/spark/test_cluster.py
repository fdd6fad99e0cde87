"""The documented spark-submit command against a real standalone master and worker, both
started here on 127.0.0.1 (the master/worker classes of the pyspark package): the job runs
on the cluster (not silently in local mode) and gives the embedded engine's findings."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from claimscrub.service import check_paths
from tests.spark.batches import rows
from tests.spark.conftest import spark_missing

BIN = Path(sys.executable).parent
TIMEOUT = 900


def _spark_home() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _base_python(tmp: Path) -> Path:
    """A folder whose ``python3`` is a Python without claimscrub (the venv's base)."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    probe = subprocess.run([str(base), "-c", "import claimscrub"], capture_output=True, env={})
    if not base.exists() or probe.returncode == 0:
        pytest.skip("no Python without claimscrub to stand for a worker's default python3")
    folder = tmp / "bare-python"
    folder.mkdir()
    (folder / "python3").symlink_to(base)
    return folder


@dataclass
class Cluster:
    url: str
    work: Path


def _wait_for_worker(ui: int, procs: list[subprocess.Popen], logs: Path) -> None:
    deadline = time.monotonic() + TIMEOUT / 3
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=5) as r:
                if json.load(r).get("aliveworkers", 0) >= 1:
                    return
        except OSError:
            pass
        time.sleep(1)
    text = "\n".join(p.read_text(errors="replace")[-2000:] for p in logs.glob("*.log"))
    pytest.fail(f"the standalone master/worker did not come up:\n{text}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reason = spark_missing()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("cluster")
    port, ui, wui = _free_port(), _free_port(), _free_port()
    work = tmp / "work"
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_WORKER_DIR": str(work),
        "SPARK_HOME": _spark_home(),
    }
    env.pop("PYSPARK_PYTHON", None)
    # executors started without PYSPARK_PYTHON run "python3": make that one without claimscrub
    worker_env = {**env, "PATH": f"{_base_python(tmp)}{os.pathsep}{env.get('PATH', '')}"}
    spark_class = _tool("spark-class")
    master_cmd = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
    master_cmd += ["--port", str(port), "--webui-port", str(ui)]
    worker_cmd = ["org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--host", "127.0.0.1"]
    worker_cmd += ["--cores", "2", "--memory", "2g", "--work-dir", str(work), "--webui-port", str(wui)]
    procs: list[subprocess.Popen] = []
    try:
        for name, cmd, e in (("master", master_cmd, env), ("worker", worker_cmd, worker_env)):
            log = (tmp / f"{name}.log").open("wb")
            procs.append(subprocess.Popen([spark_class, *cmd], env=e, stdout=log, stderr=subprocess.STDOUT))
        _wait_for_worker(ui, procs, tmp)
        yield Cluster(f"spark://127.0.0.1:{port}", work)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()


def _submit_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_HOME": _spark_home(), **extra}
    for k in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "PYSPARK_SUBMIT_ARGS"):
        if k not in extra:
            env.pop(k, None)
    return env


def _entry() -> str:
    """The documented ``$(claimscrub spark-entry)``."""
    out = subprocess.run([_tool("claimscrub"), "spark-entry"], capture_output=True, text=True, check=True)
    path = out.stdout.strip()
    assert path.endswith(".py") and Path(path).is_file()
    return path


def _apps(work: Path) -> set[str]:
    return {p.name for p in work.glob("app-*")} if work.is_dir() else set()


def test_spark_submit_runs_on_the_cluster_with_embedded_findings(
    cluster: Cluster, shared: Path, tmp_path: Path
) -> None:
    src = shared / "examples" / "claims.csv"
    out = tmp_path / "findings"
    before = _apps(cluster.work)
    cmd = [_tool("spark-submit"), "--master", cluster.url, "--conf", "spark.ui.enabled=false"]
    cmd += [_entry(), "spark-check", str(src), "--findings-out", str(out)]
    r = subprocess.run(
        cmd, env=_submit_env(PYSPARK_PYTHON=sys.executable), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert r.returncode == 1, r.stderr[-3000:]  # 1: the examples have error findings
    # spark-submit merges the Python driver's stderr into its stdout
    summary = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert json.loads(summary[-1])["lines"] == 18
    assert _apps(cluster.work) - before, "the job did not run on the standalone cluster"
    got = pl.read_parquet(out / "*.parquet").with_columns(pl.col("_row").cast(pl.UInt32))
    assert rows(got) == rows(check_paths([src]).findings)


def test_spark_master_option_from_a_client(cluster: Cluster, shared: Path) -> None:
    src = str(shared / "examples" / "claims.csv")
    before = _apps(cluster.work)
    cmd = [_tool("claimscrub"), "check", src, "--format", "json", "--engine", "spark"]
    cmd += ["--spark-master", cluster.url, "--partitions", "2"]
    env = _submit_env(PYSPARK_PYTHON=sys.executable)
    spk = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    emb = subprocess.run(cmd[:5], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert spk.returncode == emb.returncode == 1, spk.stderr[-3000:]
    assert spk.stdout == emb.stdout
    assert _apps(cluster.work) - before


def test_executors_without_claimscrub_say_what_to_set(cluster: Cluster, shared: Path, tmp_path: Path) -> None:
    """No PYSPARK_PYTHON: the driver runs this Python, the executors the worker's python3."""
    cmd = [_tool("spark-submit"), "--master", cluster.url, "--conf", "spark.ui.enabled=false"]
    cmd += [_entry(), "spark-check", str(shared / "examples" / "claims.csv")]
    cmd += ["--findings-out", str(tmp_path / "f")]
    env = _submit_env(PYSPARK_DRIVER_PYTHON=sys.executable)
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 2, r.stderr[-3000:]
    both = r.stdout + r.stderr  # spark-submit merges the driver's stderr into its stdout
    ours = [ln for ln in both.splitlines() if ln.startswith("claimscrub: error:")]
    assert len(ours) == 1
    assert "cannot import claimscrub" in ours[0] and "PYSPARK_PYTHON" in ours[0]
    assert "Traceback" not in both
    assert not (tmp_path / "f").exists()
