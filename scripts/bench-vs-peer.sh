#!/usr/bin/env bash
# revsim against the NumPy reference peer on model R1: first agreement, then speed.
#
#   scripts/bench-vs-peer.sh                  # 20,000 trials on 2 threads, each side 3 times
#   TRIALS=4000 THREADS=1 REPEAT=5 scripts/bench-vs-peer.sh
#
# PEER is the path of numpy_reference.py (default: ../shared/peers/numpy_reference.py beside
# the checkout), PYTHON a Python with NumPy (python3 -m venv .venv-peer &&
# .venv-peer/bin/pip install numpy; then PYTHON=.venv-peer/bin/python).
#
# Both levels of revsim's detail are run: "bookings" (scenarios/reference-r1.toml as shipped:
# the outputs the peer computes) and "full" (every deal, the open pipeline, per-rep figures).
# Speed is reported for the simulation alone (what the peer times), for the whole run with
# every summary (run.json's wall time) and for the whole command, from process start to exit
# with every file, chart and report written (what a user waits for), with what everything after
# the simulation adds to it as a percentage of it. Each side runs REPEAT times,
# alternating, and the median rate of each is compared (a shared machine's speed wanders by a
# few percent from run to run); revsim's outputs are identical on every repeat.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/peers/numpy_reference.py}
PYTHON=${PYTHON:-python3}
TRIALS=${TRIALS:-20000}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
for r in $(seq "$REPEAT"); do
  # OpenBLAS tuning variables some machines export make NumPy slower or crash; the peer needs none.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYTHON" "$PEER" --trials "$TRIALS" --threads "$THREADS" >> "$work/peer.json"
  for detail in bookings full; do
    start=$(date +%s%N)
    target/release/revsim run scenarios/reference-r1.toml --trials "$TRIALS" --threads "$THREADS" \
      --quiet --out "$work/$detail-$r" --set "simulation.detail=\"$detail\""
    echo $(( $(date +%s%N) - start )) > "$work/$detail-$r.command_ns"
  done
done

python3 - "$work" "$REPEAT" <<'PY'
import csv, json, math, statistics, sys
work, repeat = sys.argv[1], int(sys.argv[2])
peers = [json.loads(line) for line in open(f"{work}/peer.json")]
peer = peers[0]
peer_rate = statistics.median(p["trials_per_s"] for p in peers)
m = peer["trials"]
ok = True
rates = ", ".join(f"{p['trials_per_s']:,.0f}" for p in peers)
print(f"peer      {peer['peer']}, {m} trials on {peer['threads']} threads: "
      f"{peer_rate:,.0f} trials/s (median of {rates})")
for detail in ("bookings", "full"):
    runs = [json.load(open(f"{work}/{detail}-{r}/run.json")) for r in range(1, repeat + 1)]
    run = runs[0]
    totals = sorted(float(r["bookings_usd"]) for r in csv.DictReader(open(f"{work}/{detail}-1/trials.csv")))
    n = len(totals)
    mean = sum(totals) / n
    sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / (n - 1))
    print(f"\nrevsim    detail = {detail}, {n} trials on {run['threads']} threads")
    # Means: two independent samples, 4 standard errors.
    se = sd * math.sqrt(1 / n + 1 / m)
    z = (mean - peer["mean"]) / se
    print(f"  mean    revsim {mean:14,.0f}  numpy {peer['mean']:14,.0f}  z = {z:+.2f}")
    ok &= abs(z) < 4
    # Quantiles: the rank of the peer's quantile among revsim's trials, against its binomial
    # spread (two samples, so the variance doubles), 4 standard deviations.
    for name, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        rank = sum(1 for t in totals if t < peer[name])
        z = (rank - n * p) / math.sqrt(2 * n * p * (1 - p))
        print(f"  {name}     revsim {totals[int(p * (n - 1))]:14,.0f}  numpy {peer[name]:14,.0f}  z = {z:+.2f}")
        ok &= abs(z) < 4
    if not ok:
        sys.exit("the two models disagree beyond sampling error: not timing them")
    for r, run_json in enumerate(runs, start=1):
        run_json["command_s"] = int(open(f"{work}/{detail}-{r}.command_ns").read()) / 1e9
    for what, key in (("simulation", "simulation_s"), ("whole run", "wall_time_s"),
                      ("command", "command_s")):
        rate = statistics.median(r["trials"] / r[key] for r in runs)
        print(f"  speed   {what:10s} {rate:10,.0f} trials/s  ratio {rate / peer_rate:5.1f}x")
    # What everything after the simulation (summaries, tables, charts, report, exit) adds to it.
    added = statistics.median(r["command_s"] / r["simulation_s"] - 1 for r in runs)
    print(f"  outputs add {100 * added:.1f}% to the simulation (command over simulation, median)")
PY
