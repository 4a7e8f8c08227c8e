#!/usr/bin/env bash
# revsim against the NumPy reference peer on model R1: first agreement, then speed.
#
#   scripts/bench-vs-peer.sh                 # 4,000 trials on 2 threads
#   TRIALS=20000 THREADS=2 scripts/bench-vs-peer.sh
#
# PEER is the path of numpy_reference.py (default: ../shared/peers/numpy_reference.py beside
# the checkout), PYTHON a Python with NumPy (python3 -m venv .venv-peer &&
# .venv-peer/bin/pip install numpy; then PYTHON=.venv-peer/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/peers/numpy_reference.py}
PYTHON=${PYTHON:-python3}
TRIALS=${TRIALS:-4000}
THREADS=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
# OpenBLAS tuning variables some machines export make NumPy slower or crash; the peer needs none.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYTHON" "$PEER" --trials "$TRIALS" --threads "$THREADS" > "$work/peer.json"
target/release/revsim run scenarios/reference-r1.toml --trials "$TRIALS" --threads "$THREADS" \
  --quiet --out "$work/revsim"

python3 - "$work" <<'PY'
import csv, json, math, sys
work = sys.argv[1]
peer = json.load(open(f"{work}/peer.json"))
run = json.load(open(f"{work}/revsim/run.json"))
totals = sorted(float(r["bookings_usd"]) for r in csv.DictReader(open(f"{work}/revsim/trials.csv")))
n, m = len(totals), peer["trials"]
mean = sum(totals) / n
sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / (n - 1))
ok = True
# Means: two independent samples, 4 standard errors.
se = sd * math.sqrt(1 / n + 1 / m)
z = (mean - peer["mean"]) / se
print(f"mean      revsim {mean:14,.0f}  numpy {peer['mean']:14,.0f}  z = {z:+.2f}")
ok &= abs(z) < 4
# Quantiles: the rank of the peer's quantile among revsim's trials, against its binomial spread
# (two samples, so the variance doubles), 4 standard deviations.
for name, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
    rank = sum(1 for t in totals if t < peer[name])
    z = (rank - n * p) / math.sqrt(2 * n * p * (1 - p))
    print(f"{name}       revsim {totals[int(p * (n - 1))]:14,.0f}  numpy {peer[name]:14,.0f}  z = {z:+.2f}")
    ok &= abs(z) < 4
if not ok:
    sys.exit("the two models disagree beyond sampling error: not timing them")
revsim_rate = run["trials"] / run["wall_time_s"]
print(f"speed     revsim {revsim_rate:10,.0f} trials/s  numpy {peer['trials_per_s']:10,.0f} trials/s"
      f"  ({run['threads']} vs {peer['threads']} threads, {n} trials)")
print(f"ratio     {revsim_rate / peer['trials_per_s']:.2f}x")
PY
