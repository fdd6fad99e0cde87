"""The file to give ``spark-submit`` (Spark runs only ``.py`` files as Python apps)::

    spark-submit --master spark://host:7077 "$(claimscrub spark-entry)" \
        spark-check claims.csv --findings-out findings/

It runs the ``claimscrub`` command line with the arguments after it (``spark-check``,
or ``check --engine spark``), in the master and settings spark-submit gives. See
``docs/spark.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    # spark-submit puts this file's folder first on sys.path: the package's own modules
    # (model, errors, ...) must not shadow top-level ones
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    try:
        from claimscrub.cli import main as cli
    except ImportError as exc:
        sys.stderr.write(
            f"claimscrub: error: this Python ({sys.executable}) cannot import {exc.name}: run "
            "spark-submit with PYSPARK_PYTHON (or --conf spark.pyspark.python) set to a Python "
            "that has claimscrub installed\n"
        )
        sys.exit(2)
    cli(prog_name="claimscrub")


if __name__ == "__main__":
    main()
