#!/usr/bin/env python3
"""Trials needed for a given precision, plain Monte Carlo against scrambled Sobol' points.

For each scenario and each sampling ("random", "sobol"), runs SEEDS independent runs of TRIALS
trials and takes the spread of their estimates across seeds (no interval formula involved):

    trials needed for P(hit plan) to +-1 point (95%)  = TRIALS * (1.96 sd / 0.01)^2
    trials needed for P50 bookings to +-0.5% (95%)     = TRIALS * (1.96 sd / (0.005 P50))^2

for the first fiscal year and the horizon. It also checks the intervals the runs report: the
average reported 95% half-width against 1.96 sd across seeds, and how many runs' intervals hold
the mean of all runs.

    scripts/qmc-gain.py                      # baseline and a scenario calibrated from its CRM
    SEEDS=40 TRIALS=4096 scripts/qmc-gain.py scenarios/baseline.toml

BIN (default target/release/revsim) is the binary; it is not built here.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

BIN = os.environ.get("BIN", "target/release/revsim")
SEEDS = int(os.environ.get("SEEDS", "40"))
TRIALS = int(os.environ.get("TRIALS", "4096"))
THREADS = os.environ.get("THREADS", "2")


def run(scenario, sampling, seed, out):
    subprocess.run(
        [BIN, "run", scenario, "--trials", str(TRIALS), "--seed", str(seed), "--quiet",
         "--force", "--out", out, "--threads", THREADS,
         "--set", f"simulation.sampling=\"{sampling}\""],
        check=True,
    )
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def periods(summary):
    fy = summary["fiscal_years"]
    first = next((p for p in fy if p["months"] == 12), fy[0])
    return [(first["label"], first), ("horizon", summary["horizon"])]


def calibrated(work):
    """A scenario calibrated from one trial of the baseline written as a CRM export."""
    history = os.path.join(work, "history.csv")
    subprocess.run([BIN, "synth-crm", "scenarios/baseline.toml", "--out", history,
                    "--force"], check=True, stdout=subprocess.DEVNULL)
    out = os.path.join(work, "cal")
    subprocess.run([BIN, "calibrate", history, "--extends",
                    os.path.abspath("scenarios/baseline.toml"), "--out", out, "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "calibrated.toml")


def measure(scenario, work):
    rows = {}
    for sampling in ("random", "sobol"):
        runs = [run(scenario, sampling, 1000 + k, os.path.join(work, "r"))
                for k in range(SEEDS)]
        for label, _ in periods(runs[0]):
            def pick(s):
                return dict(periods(s))[label]
            hit = [pick(s)["p_hit_plan"] for s in runs]
            p50 = [pick(s)["bookings_usd"]["p50"] for s in runs]
            sd_hit = statistics.stdev(h["p"] for h in hit)
            mean_hit = statistics.fmean(h["p"] for h in hit)
            sd_p50 = statistics.stdev(p50)
            mean_p50 = statistics.fmean(p50)
            half = statistics.fmean((h["ci95_high"] - h["ci95_low"]) / 2 for h in hit)
            held = sum(h["ci95_low"] <= mean_hit <= h["ci95_high"] for h in hit)
            rows[(label, sampling)] = dict(
                hit_trials=TRIALS * (1.96 * sd_hit / 0.01) ** 2,
                p50_trials=TRIALS * (1.96 * sd_p50 / (0.005 * mean_p50)) ** 2,
                hit=mean_hit, half=half, spread=1.96 * sd_hit, held=held,
            )
    name = os.path.basename(scenario)
    print(f"\n{name}: {SEEDS} runs of {TRIALS:,} trials per sampling")
    print(f"{'period':<9} {'sampling':<8} {'P(hit)':>7} {'trials for +-1 pt':>18} "
          f"{'trials for P50 +-0.5%':>22} {'reported +-':>12} {'1.96 sd':>8} {'held':>6}")
    for (label, sampling), r in rows.items():
        print(f"{label:<9} {sampling:<8} {r['hit']:>7.3f} {r['hit_trials']:>18,.0f} "
              f"{r['p50_trials']:>22,.0f} {r['half'] * 100:>11.2f}p {r['spread'] * 100:>7.2f}p "
              f"{r['held']:>3}/{SEEDS}")
    for label in dict.fromkeys(k[0] for k in rows):
        a, b = rows[(label, "random")], rows[(label, "sobol")]
        print(f"{label}: Sobol' needs {b['hit_trials'] / a['hit_trials']:.2f}x the trials for "
              f"P(hit plan), {b['p50_trials'] / a['p50_trials']:.2f}x for P50 "
              f"(the ratio's own sd: about {200 / math.sqrt(SEEDS - 1):.0f}%)")


def main():
    with tempfile.TemporaryDirectory() as work:
        scenarios = sys.argv[1:] or ["scenarios/baseline.toml", calibrated(work)]
        for s in scenarios:
            measure(s, work)


if __name__ == "__main__":
    main()
