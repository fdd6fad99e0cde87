#!/usr/bin/env bash
# Coverage-guided fuzzing (atheris/libFuzzer) of every reader for a bounded time each.
#
#   fuzz/run.sh                 # 60 s per reader, all readers, one after the other
#   FUZZ_SECONDS=300 fuzz/run.sh csv fhir
#
# Starts from the seed corpus tests/corpus/<reader>/ (copied to a scratch folder, so the
# repository keeps only the small seed set), with a dictionary for X12 / FHIR / CSV tokens.
# A crash or timeout input is copied to tests/corpus/<reader>/found-<sha1> (replayed by pytest
# from then on). Writes fuzz/results.json: inputs tried, seconds, findings per reader.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
SECONDS_EACH=${FUZZ_SECONDS:-60}
READERS=("$@")
[ ${#READERS[@]} -eq 0 ] && READERS=(csv x12_837 x12_835 fhir notes)
WORK=$(mktemp -d /tmp/claimscrub-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RESULTS=()
status=0

if ! "$PY" -c "import atheris" 2>/dev/null; then
  echo "atheris is not installed (pip install atheris); nothing fuzzed" >&2
  exit 2
fi

for reader in "${READERS[@]}"; do
  corpus="$WORK/$reader/corpus"; artifacts="$WORK/$reader/artifacts/"
  mkdir -p "$corpus" "$artifacts"
  cp tests/corpus/"$reader"/* "$corpus"/
  dict=()
  case $reader in
    x12_*) dict=(-dict=fuzz/x12.dict) ;;
    fhir) dict=(-dict=fuzz/fhir.dict) ;;
    csv) dict=(-dict=fuzz/csv.dict) ;;
  esac
  count="$WORK/$reader/count"
  echo "== $reader: ${SECONDS_EACH}s" >&2
  start=$(date +%s)
  FUZZ_COUNT_FILE="$count" timeout --signal=INT $((SECONDS_EACH + 120)) \
    "$PY" fuzz/harness.py "$reader" "$corpus" "${dict[@]}" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=3072 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$artifacts" >"$WORK/$reader/log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$WORK/$reader/log" | grep -o '[0-9]*$' | tail -1)
  [ -z "$execs" ] && execs=$(cat "$count" 2>/dev/null || echo 0)
  found=()
  for f in "$artifacts"*; do
    [ -f "$f" ] || continue
    kind=$(basename "$f" | cut -d- -f1)
    dest="tests/corpus/$reader/found-$kind-$(sha1sum "$f" | cut -c1-12)"
    cp "$f" "$dest"
    found+=("\"$dest\"")
    status=1
  done
  last=$(grep -E '^(==[0-9]+== ERROR|Traceback| === Uncaught|[A-Za-z]+Error)' "$WORK/$reader/log" | head -3 | tr '"\\' "'/" | tr '\n' ' ')
  corpus_size=$(ls "$corpus" | wc -l)
  echo "   $reader: $execs inputs in ${elapsed}s, rc=$rc, findings: ${#found[@]}" >&2
  [ ${#found[@]} -gt 0 ] && tail -30 "$WORK/$reader/log" >&2
  RESULTS+=("\"$reader\": {\"inputs\": $execs, \"seconds\": $elapsed, \"exit_code\": $rc, \"corpus_after\": $corpus_size, \"findings\": [$(IFS=,; echo "${found[*]}")], \"first_error\": \"$last\"}")
done

atheris_version=$("$PY" -c "import importlib.metadata as m; print(m.version('atheris'))")
# merge into fuzz/results.json (readers not run this time keep their last result)
printf '{%s}' "$(IFS=,; echo "${RESULTS[*]}")" > "$WORK/new.json"
"$PY" - "$WORK/new.json" "atheris $atheris_version (libFuzzer)" "$SECONDS_EACH" <<'PYEOF'
import datetime, json, pathlib, sys
path = pathlib.Path("fuzz/results.json")
old = json.loads(path.read_text()) if path.exists() else {}
new = json.loads(pathlib.Path(sys.argv[1]).read_text())
when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
readers = old.get("readers", {})
for name, res in new.items():
    readers[name] = {**res, "date": when, "seconds_budget": int(sys.argv[3])}
doc = {"tool": sys.argv[2], "readers": readers,
       "total_inputs": sum(r.get("inputs", 0) for r in readers.values())}
path.write_text(json.dumps(doc, indent=1) + "\n")
PYEOF
cat fuzz/results.json
exit $status
