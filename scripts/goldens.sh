#!/usr/bin/env bash
# Every output file of every command, on the bundled scenarios and the CRM fixtures, written
# into one folder, so that two builds can be compared byte for byte:
#
#   scripts/goldens.sh OUT [REVSIM]        # REVSIM: the binary (default target/release/revsim)
#   scripts/goldens.sh --compare A B       # the files that differ between two such folders
#
# A refactoring that must not change results is checked by writing goldens with the build
# before it and after it, then comparing. `run.json` (and the manifests of batches) record the
# wall time, the thread count and paths; --compare leaves those keys out. Small trial counts
# keep the whole set to a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--compare" ]; then
  python3 - "$2" "$3" <<'PY'
import json, os, sys
a, b = sys.argv[1], sys.argv[2]
VOLATILE = {"wall_time_s", "simulation_s", "threads", "elapsed_s", "seconds"}
def files(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out
def scrub(v):
    if isinstance(v, dict):
        return {k: scrub(x) for k, x in v.items() if k not in VOLATILE}
    if isinstance(v, list):
        return [scrub(x) for x in v]
    return v
def same(p, q):
    x, y = open(p, "rb").read(), open(q, "rb").read()
    if x == y:
        return True
    if p.endswith(("run.json", "batch.json", "backtest.json", "fit.json")):
        try:
            return scrub(json.loads(x)) == scrub(json.loads(y))
        except ValueError:
            return False
    return False
fa, fb = files(a), files(b)
bad = 0
for f in sorted(fa ^ fb):
    print(f"only in {'A' if f in fa else 'B'}: {f}")
    bad += 1
for f in sorted(fa & fb):
    if not same(os.path.join(a, f), os.path.join(b, f)):
        print(f"differs: {f}")
        bad += 1
print(f"{len(fa & fb)} files compared, {bad} differences")
sys.exit(1 if bad else 0)
PY
  exit $?
fi

OUT=${1:?usage: scripts/goldens.sh OUT [REVSIM]}
B=${2:-target/release/revsim}
B=$(realpath "$B")
rm -rf "$OUT"
mkdir -p "$OUT"
T=300
q() { "$B" "$@" --quiet > /dev/null; }

# Every bundled scenario, both levels of detail.
for f in scenarios/*.toml; do
  n=$(basename "$f" .toml)
  q run "$f" --trials $T --seed 7 --out "$OUT/run/$n"
  q run "$f" --trials $T --seed 7 --out "$OUT/run/$n-bookings" --set 'simulation.detail="bookings"' \
    2>/dev/null || echo "($n has no bookings detail)" > "$OUT/run/$n-bookings.txt"
  "$B" check "$f" > "$OUT/run/$n.check.txt" 2>&1
done
# The printed summaries too.
"$B" run scenarios/baseline.toml --trials $T --seed 7 --out "$OUT/printed" > "$OUT/run-printed.txt" 2>&1
q run scenarios/baseline.toml --trials 2000 --precision 5% --max-trials 4000 --out "$OUT/precision"
q run scenarios/reference-r1.toml --trials 256 --shard 1/2 --out "$OUT/shards"
q run scenarios/reference-r1.toml --trials 256 --shard 2/2 --out "$OUT/shards"
q merge "$OUT/shards" --out "$OUT/merged"
q run scenarios/baseline.toml --trials 20000 --out "$OUT/sketched" --set 'simulation.detail="bookings"' \
  --set 'org.seats=20' --set 'org.filled_seats=18' --set 'hiring.headcount_plan=[]'

q compare scenarios/vp-stable.toml scenarios/vp-churn.toml --trials $T --out "$OUT/compare"
"$B" compare scenarios/baseline.toml scenarios/open-pipeline.toml scenarios/coverage-3x-vs-5x.toml \
  --trials 200 --out "$OUT/compare3" > "$OUT/compare3.txt" 2>&1

q sweep scenarios/baseline.toml --vary pipeline.opportunities_per_rep_month=3.5..4.5:0.5 \
  --vary attrition.annual_rate=0.2,0.35 --trials 200 --out "$OUT/sweep"
cat > "$OUT/what-ifs.toml" <<'EOF'
[[variant]]
name = "hire-faster"
set = { "hiring.recruiting_capacity_per_month" = 6, "hiring.backfill_delay_months" = 0 }

[[variant]]
name = "attrition-up"
set = { "attrition.annual_rate" = 0.38 }
EOF
q sweep scenarios/baseline.toml --variants "$OUT/what-ifs.toml" --trials 200 --out "$OUT/sweep-variants"
q sweep scenarios/baseline.toml --vary attrition.annual_rate=0.2,0.3,0.4 --trials 128 --shard 1/2 --out "$OUT/sweep-shards"
q sweep scenarios/baseline.toml --vary attrition.annual_rate=0.2,0.3,0.4 --trials 128 --shard 2/2 --out "$OUT/sweep-shards"
q merge "$OUT/sweep-shards" --out "$OUT/sweep-merged"
"$B" sensitivity scenarios/baseline.toml --param attrition.annual_rate \
  --param pipeline.opportunities_per_rep_month --vary hiring.recruiting_capacity_per_month=2,6 \
  --trials 200 --out "$OUT/sensitivity" > "$OUT/sensitivity.txt" 2>&1
"$B" solve scenarios/baseline.toml --set 'hiring.headcount_plan=[]' --target 'p_hit_plan >= 80%' \
  --vary org.seats=46..120 --trials 300 --out "$OUT/solve" > "$OUT/solve.txt" 2>&1
"$B" solve scenarios/baseline.toml --target 'bookings_usd_p50 >= 95M' \
  --vary pipeline.opportunities_per_rep_month=2..8:0.25 --trials 200 --out "$OUT/solve2" > "$OUT/solve2.txt" 2>&1

mkdir -p "$OUT/calibrate" "$OUT/synth"
for f in tests/fixtures/crm/*.csv; do
  n=$(basename "$f" .csv)
  "$B" calibrate "$f" --out "$OUT/calibrate/$n" --skip-bad-rows > "$OUT/calibrate/$n.txt" 2>&1 || true
done
"$B" calibrate tests/fixtures/crm/synthetic/history.csv --created-from 2024-01-01 \
  --created-until 2025-08-31 --out "$OUT/calibrate/synthetic" > "$OUT/calibrate/synthetic.txt" 2>&1
# The fragment names its base relative to the output folder: a copy inside OUT keeps that path
# the same wherever the checkout is.
cp scenarios/baseline.toml "$OUT/base.toml"
"$B" calibrate tests/fixtures/crm/example.csv --extends "$OUT/base.toml" --size empirical \
  --out "$OUT/calibrate/example-empirical" > "$OUT/calibrate/example-empirical.txt" 2>&1
q synth-crm tests/fixtures/crm/synthetic/known.toml --out "$OUT/synth/history.csv" \
  --open-out "$OUT/synth/open.csv" --as-of 2025-06-30
q synth-crm scenarios/baseline.toml --out "$OUT/synth/baseline.csv" --trial 3 --seed 5
"$B" backtest tests/fixtures/crm/example.csv --as-of 2024-03..2024-05 --months 3 --trials 200 \
  --out "$OUT/backtest" > "$OUT/backtest.txt" 2>&1
"$B" backtest tests/fixtures/crm/synthetic/history.csv --as-of 2025-01 --months 6 --trials 200 \
  --extends scenarios/baseline.toml --out "$OUT/backtest-synthetic" > "$OUT/backtest-synthetic.txt" 2>&1

"$B" init "$OUT/init.toml" > /dev/null
"$B" schema > "$OUT/schema.json"
# Run paths and times printed to the terminal are not results.
find "$OUT" \( -name '*.txt' -o -name 'fit-report.html' \) -exec sed -i -E "s#$OUT#OUT#g; s/[0-9.]+ ?(s|ms)\b/TIME/g" {} +
echo "goldens in $OUT"
