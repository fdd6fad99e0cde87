#!/usr/bin/env bash
# Known-vulnerability audit of the installed Python environment (pip-audit, PyPI/OSV advisories).
#
#   scripts/ci-audit.sh            # audits the interpreter in .venv (or $PYTHON)
#
# Exit 0: no known vulnerability, or the vulnerability service could not be reached (a warning is
# printed: an offline CI must not fail for that). Exit 1: vulnerable packages found (listed).
# Exit 2: pip-audit itself is missing or broke for another reason.
# The project itself (claimscrub, installed editable) is skipped: it is not on PyPI.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
SERVICE=${PIP_AUDIT_SERVICE:-pypi}

if ! "$PY" -m pip_audit --version >/dev/null 2>&1; then
  echo "ci-audit: pip-audit is not installed (pip install -e '.[test]')" >&2
  exit 2
fi

out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$PY" -m pip_audit --local --skip-editable --progress-spinner off --desc off \
  --vulnerability-service "$SERVICE" --format json --output "$out" 2>"$err"
rc=$?

if [ $rc -ne 0 ] && [ ! -s "$out" ]; then
  if grep -qiE "connection|resolve|timed? ?out|network|unreachable|HTTPSConnection|Max retries|ProxyError|SSLError|temporary failure|name or service" "$err"; then
    echo "ci-audit: WARNING: the vulnerability service ($SERVICE) is unreachable; nothing audited" >&2
    tail -3 "$err" >&2
    exit 0
  fi
  echo "ci-audit: pip-audit failed (exit $rc):" >&2
  tail -20 "$err" >&2
  exit 2
fi

"$PY" - "$out" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
deps = doc.get("dependencies", doc if isinstance(doc, list) else [])
vuln = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
if deps and len(skipped) == len(deps):
    # every package "not found": the advisory API answered nothing (offline mirror / blocked)
    print("ci-audit: WARNING: no package could be looked up (vulnerability service unreachable?); "
          "nothing audited", file=sys.stderr)
    print(f"  first reason: {skipped[0]['skip_reason']}", file=sys.stderr)
    sys.exit(0)
print(f"ci-audit: {len(deps)} installed packages audited, {len(vuln)} with known vulnerabilities, "
      f"{len(skipped)} skipped")
for d in vuln:
    for v in d["vulns"]:
        fix = ", ".join(v.get("fix_versions") or []) or "no fixed version"
        print(f"  {d['name']} {d['version']}: {v['id']} (fixed in: {fix})")
sys.exit(1 if vuln else 0)
PYEOF
