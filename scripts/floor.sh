#!/usr/bin/env bash
# The sampling floor of model R1 and of the baseline: the random variates each cannot avoid,
# times the cost of one such draw (criterion's "1000 draws" group), against the measured time
# of one trial (criterion's "one trial" group); R1 in both levels of detail, the baseline as
# shipped (full detail).
#
#   scripts/floor.sh            # runs the benchmarks first (a few minutes)
#   SKIP_BENCH=1 scripts/floor.sh   # reuses target/criterion from an earlier `cargo bench`
#
# Counts per trial come from 4,000-trial runs of scenarios/reference-r1.toml and
# scenarios/baseline.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${SKIP_BENCH:-}" ]; then
  cargo bench --bench engine -- "1000 draws|one trial/reference-r1|one trial/baseline$" >/dev/null
fi
cargo build --release --quiet
for detail in bookings full; do
  target/release/revsim run scenarios/reference-r1.toml --trials 4000 --quiet \
    --out "$work/$detail" --set "simulation.detail=\"$detail\""
done
target/release/revsim run scenarios/baseline.toml --trials 4000 --quiet --out "$work/baseline"
python3 - "$work" <<'PY'
import csv, json, sys
work = sys.argv[1]
def ns(group, bench):
    # A benchmark named "group/bench" outside a group is stored as "group_bench".
    import os
    path = f"target/criterion/{group}/{bench}/new/estimates.json"
    if not os.path.exists(path):
        path = f"target/criterion/{group}_{bench}/new/estimates.json"
    est = json.load(open(path))
    return est["mean"]["point_estimate"]
per = {k: ns("1000 draws", k) / 1000 for k in
       ["u64", "deal size", "win rate", "departure budget", "monthly count", "decision lag",
        "baseline skill", "baseline win rate", "logo churn"]}
print("cost of one draw (ns): " + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))
def mean(rows, key):
    return sum(float(r[key]) for r in rows) / len(rows)
seats, months = 200, 36
for detail, bench in (("bookings", "reference-r1"), ("full", "reference-r1-full")):
    rows = list(csv.DictReader(open(f"{work}/{detail}/trials.csv")))
    reps = seats + mean(rows, "hires")          # a win rate and a departure budget each
    draws = {"win rate": reps, "departure budget": reps}
    if detail == "bookings":
        # One size per booked deal; one count per month.
        draws["deal size"] = mean(rows, "deals_won")
        draws["monthly count"] = months
    else:
        # Every deal: a size and a decision lag; a seat (one uniform) for each won deal decided
        # in the run (a lower bound: won deals still open at the end draw one too); three counts
        # a month (won, lost, no decision).
        deals = mean(rows, "opportunities_created") + mean(rows, "deals_open_at_start")
        draws["deal size"] = deals
        draws["decision lag"] = deals
        draws["u64"] = mean(rows, "deals_won")
        draws["monthly count"] = 3 * months
    floor = sum(n * per[k] for k, n in draws.items()) / 1000  # microseconds
    trial = ns("one trial", bench) / 1000
    print(f"\n{detail}: " + ", ".join(f"{k} x {n:,.0f}" for k, n in draws.items()))
    print(f"  floor {floor:8.1f} us   one trial {trial:8.1f} us   ratio {trial / floor:.2f}x")
# The baseline (full detail): every deal, those open at the start included, draws a size, a
# decision lag and a seat; every rep who holds a seat (46 at the start plus the hires) a skill,
# a win rate and a departure budget; each month three counts and the customers' logo churn.
# Left out (a few dozen draws a trial, against thousands): the starting reps' tenures, the
# hires' times to fill, the market's monthly shocks, the trial's 13 uncertain parameters, and
# the counts of the warm-up months before the start.
rows = list(csv.DictReader(open(f"{work}/baseline/trials.csv")))
deals = mean(rows, "opportunities_created") + mean(rows, "deals_open_at_start")
reps = 46 + mean(rows, "hires")
draws = {"deal size": deals, "decision lag": deals, "u64": deals,
         "baseline skill": reps, "baseline win rate": reps, "departure budget": reps,
         "monthly count": 3 * months, "logo churn": months}
floor = sum(n * per[k] for k, n in draws.items()) / 1000
trial = ns("one trial", "baseline") / 1000
print(f"\nbaseline: " + ", ".join(f"{k} x {n:,.0f}" for k, n in draws.items()))
print(f"  floor {floor:8.1f} us   one trial {trial:8.1f} us   ratio {trial / floor:.2f}x")
print(f"  floor rate on one core {1e6 / floor:,.0f} trials/s")
PY
