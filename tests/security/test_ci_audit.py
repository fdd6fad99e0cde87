"""scripts/ci-audit.sh: findings exit 1, an unreachable service exits 0 with a warning (the real
pip-audit is replaced by a stub that answers as pip-audit would)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ci-audit.sh"


def _stub(tmp_path: Path, mode: str) -> Path:
    """A "python" that runs a fake ``-m pip_audit`` and is the real interpreter otherwise."""
    fake = tmp_path / "pip_audit"
    fake.mkdir()
    doc = {
        "vulnerable": {
            "dependencies": [
                {
                    "name": "jinja2",
                    "version": "2.10",
                    "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.1.6"]}],
                },
                {"name": "click", "version": "8.1.7", "vulns": []},
            ]
        },
        "clean": {"dependencies": [{"name": "click", "version": "8.1.7", "vulns": []}]},
        "notfound": {"dependencies": [{"name": "click", "skip_reason": "Dependency not found on PyPI"}]},
    }.get(mode)
    (fake / "__main__.py").write_text(
        "import json, sys\n"
        "if '--version' in sys.argv: print('pip-audit 0'); sys.exit(0)\n"
        f"mode = {mode!r}\n"
        "if mode == 'offline':\n"
        "    sys.stderr.write('requests.exceptions.ConnectionError: Max retries exceeded\\n'); sys.exit(1)\n"
        "out = sys.argv[sys.argv.index('--output') + 1]\n"
        f"open(out, 'w').write(json.dumps({doc!r}))\n"
        "sys.exit(1 if mode == 'vulnerable' else 0)\n"
    )
    (fake / "__init__.py").write_text("")
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{tmp_path}" exec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.mark.parametrize(
    ("mode", "code", "says"),
    [("vulnerable", 1, "GHSA-xxxx"), ("clean", 0, "0 with known"), ("offline", 0, "WARNING"),
     ("notfound", 0, "WARNING")],
)  # fmt: skip
def test_ci_audit_exit_codes(tmp_path: Path, mode: str, code: int, says: str) -> None:
    env = {**os.environ, "PYTHON": str(_stub(tmp_path, mode))}
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert says in proc.stdout + proc.stderr
    json.dumps(proc.stdout)
