#!/usr/bin/env bash
# Time per trial of model R1 against reps (seats) and months, on all cores.
#
#   scripts/scaling.sh            # prints a table: what, value, trials, seconds, ms per trial
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
run() { # label value --set...
  local label=$1 value=$2; shift 2
  target/release/revsim run scenarios/reference-r1.toml --trials "$TRIALS" --quiet --force \
    --out "$work/out" "$@"
  python3 - "$label" "$value" "$work/out/run.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[3]))
print(f"{sys.argv[1]:7} {sys.argv[2]:>6} {m['trials']:>7} {m['wall_time_s']:>8.2f} s {1000 * m['wall_time_s'] / m['trials']:>9.3f} ms/trial")
PY
}
echo "what      value  trials   seconds   per trial   ($(nproc) cores)"
for reps in 50 100 200 400 800; do run reps "$reps" --set "org.seats=$reps"; done
for months in 12 24 36 60 120; do run months "$months" --set "simulation.horizon_months=$months"; done
