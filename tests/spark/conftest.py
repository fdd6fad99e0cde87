"""One local SparkSession for the whole test session (small: 2 cores, 4 shuffle partitions).

The Spark tests skip, with the reason, when PySpark or Java is missing; the streaming
tests (no Spark) always run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest


def spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]'; scripts/ci-spark.sh)"
    java = shutil.which("java") or (
        os.environ.get("JAVA_HOME") and os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    )
    if not java:
        return "java is not installed (Spark needs Java 17; scripts/ci-spark.sh installs it)"
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "java does not run"
    return None


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    reason = spark_missing()
    if reason:
        pytest.skip(reason)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("claimscrub-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
