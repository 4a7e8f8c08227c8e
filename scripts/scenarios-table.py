#!/usr/bin/env python3
"""Reruns every bundled scenario (10,000 trials at its own seed) and prints the table of
docs/scenarios.md, with each run's split of the spread by layer.

    python3 scripts/scenarios-table.py [path/to/revsim]     # default: target/release/revsim
"""
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/revsim")
ORDER = ["baseline", "vp-churn", "vp-stable", "scale-100-to-200", "coverage-3x-vs-5x",
         "pareto-enablement", "cycle-4-months", "cycle-4-vs-6-months", "open-pipeline",
         "reference-r1"]


def money(x):
    return f"${x / 1e6:.1f}M"


def band(d):
    return f"{money(d['p10'])} / {money(d['p50'])} / {money(d['p90'])}"


def main():
    print("| scenario | year-1 bookings | year-2 bookings | P(hit plan) y1 / y2 | % of plan y1 / y2 "
          "| VP changes per trial |")
    print("| --- | --- | --- | --- | --- | --- |")
    layers = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ORDER:
            out = pathlib.Path(tmp) / name
            subprocess.run([BIN, "run", str(ROOT / "scenarios" / f"{name}.toml"), "--quiet",
                            "--out", str(out)], check=True)
            s = json.loads((out / "summary.json").read_text())
            y1, y2 = s["fiscal_years"][0], s["fiscal_years"][1]
            hit = share = "no plan"
            if y1.get("p_hit_plan"):
                hit = f"{y1['p_hit_plan']['p']:.0%} / {y2['p_hit_plan']['p']:.0%}"
                share = " / ".join(f"{y['bookings_usd']['p50'] / y['plan_bookings_usd']:.0%}"
                                   for y in (y1, y2))
            vp = "-"
            if s.get("vp_of_sales"):
                v = s["vp_of_sales"]
                vp = (f"{v['changes']['mean']:.2f} (completed tenure P50 "
                      f"{v['completed_tenure_months']['p50']:.0f} months; "
                      f"{money(v['bookings_lost_to_turnover_usd']['mean'])} lost to turnover "
                      "over 3 years)")
            print(f"| `{name}` | {band(y1['bookings_usd'])} | {band(y2['bookings_usd'])} | {hit} "
                  f"| {share} | {vp} |")
            h = s["horizon"]["bookings_usd"]
            spread = s.get("spread_by_layer")
            shares = "-"
            if spread:
                shares = (f"{spread['parameters_share']:.0%} / {spread['shocks_share']:.0%} / "
                          f"{spread['luck_share']:.0%}")
            layers.append((name, h["p10"] / h["p50"] - 1, h["p90"] / h["p50"] - 1, shares))
    print()
    print("| scenario | 36-month P10 / P90 against P50 | spread: parameters / shocks / luck |")
    print("| --- | --- | --- |")
    for name, lo, hi, shares in layers:
        print(f"| `{name}` | {lo:+.0%} / {hi:+.0%} | {shares} |")


if __name__ == "__main__":
    main()
