#!/usr/bin/env bash
# How the time (and memory) of model R1 grows with trials, reps, months and threads.
#
#   scripts/scaling.sh                 # bookings detail (R1 as shipped)
#   DETAIL=full scripts/scaling.sh     # every deal
#   BIG=1 scripts/scaling.sh           # also 1,000,000 trials and a 10,000-rep, 60-month org
#
# Prints one line per run: what was varied, its value, trials, simulation seconds, microseconds
# per trial, and peak resident memory (from /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
DETAIL=${DETAIL:-bookings}
TRIALS=${TRIALS:-4000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
run() { # label value trials threads --set...
  local label=$1 value=$2 trials=$3 threads=$4; shift 4
  /usr/bin/time -f "%M" -o "$work/rss" target/release/revsim run scenarios/reference-r1.toml \
    --trials "$trials" --threads "$threads" --quiet --force --out "$work/out" \
    --set "simulation.detail=\"$DETAIL\"" "$@"
  python3 - "$label" "$value" "$work/out/run.json" "$(cat "$work/rss")" <<'PY'
import json, sys
m = json.load(open(sys.argv[3]))
s = m["simulation_s"]
print(f"{sys.argv[1]:8} {sys.argv[2]:>8} {m['trials']:>9} {m['threads']:>3} {s:>9.2f} s "
      f"{1e6 * s / m['trials']:>9.1f} us/trial {int(sys.argv[4]) / 1024:>8.0f} MB")
PY
}
echo "detail = $DETAIL; $(nproc) cores"
echo "what        value    trials thr  simulation   per trial     peak"
for trials in 1000 4000 16000 64000 256000; do run trials "$trials" "$trials" 0; done
for threads in 1 2; do run threads "$threads" "$TRIALS" "$threads"; done
for reps in 50 100 200 400 800; do run reps "$reps" "$TRIALS" 0 --set "org.seats=$reps"; done
for months in 12 24 36 60 120; do
  run months "$months" "$TRIALS" 0 --set "simulation.horizon_months=$months"
done
if [ -n "${BIG:-}" ]; then
  run trials 1000000 1000000 0
  run reps 10000 1000 0 --set org.seats=10000 --set simulation.horizon_months=60
fi
