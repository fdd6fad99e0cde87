#!/usr/bin/env bash
# CI helper for the Spark engine: Java 17 (if missing) and the [spark] extra in .venv.
# Usage (from the repo root, after .venv exists): scripts/ci-spark.sh
# Then `.venv/bin/python -m pytest tests/spark` runs the Spark parity tests (they skip,
# with the reason, when Java or PySpark is absent).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else
    echo "ci-spark: java 17 is missing and apt-get is not available" >&2
    exit 1
  fi
fi
java -version 2>&1 | head -1

PY=.venv/bin/python
[ -x "$PY" ] || python3 -m venv .venv
# pyspark[sql] brings pandas/pyarrow; keep numpy/pyarrow as the venv already has them
# (spaCy's thinc pins numpy<2, and pyarrow>=22 needs numpy>=2).
"$PY" -m pip install -q -e '.[spark]' 'pandas>=2.2,<3'
"$PY" - <<'PY'
import numpy, pyarrow, pyspark
print(f"pyspark {pyspark.__version__}, pyarrow {pyarrow.__version__}, numpy {numpy.__version__}")
PY
