#!/usr/bin/env python3
"""Reruns the commands whose real output the docs quote and writes it into the docs.

    scripts/doc-quotes.py [BIN]      (default BIN: target/release/revsim)

The tests (`the_docs_show_real_output` and `the_docs_quote_real_output`) check that the docs
quote what the commands print; after a deliberate change of results, this script refreshes the
quoted blocks (a fenced block is found by the first words of its first line). The prose around
the quotes still needs reading and, where it cites the figures, rewriting by hand.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/revsim"))


def run(args, cwd=ROOT):
    out = subprocess.run([BIN] + args, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"revsim {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def summary(printed):
    """What the tests compare: the output up to the "Wrote ..." line."""
    return printed.split("\nWrote ")[0]


def replace_block(doc, starts_with, text):
    """Replaces the content of the fenced block whose first line starts with `starts_with`."""
    path = os.path.join(ROOT, doc)
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("```") and i + 1 < len(lines) and lines[i + 1].startswith(starts_with):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            body = text.rstrip("\n").split("\n")
            lines[i + 1 : end] = body
            open(path, "w", encoding="utf-8").write("\n".join(lines))
            print(f"{doc}: {starts_with!r} ({len(body)} lines)")
            return
    sys.exit(f"{doc}: no fenced block starting with {starts_with!r}")


with tempfile.TemporaryDirectory() as tmp:
    printed = run(["backtest", "tests/fixtures/crm/example.csv", "--as-of", "2023-07..2024-10",
                   "--months", "3", "--out", os.path.join(tmp, "bt")])
    replace_block("docs/backtest.md", "Backtest of tests/fixtures/crm/example.csv", summary(printed))

    out = os.path.join(tmp, "cal")
    printed = run(["calibrate", "tests/fixtures/crm/example.csv", "--out", out])
    replace_block("docs/calibrate.md", "Read tests/fixtures/crm/example.csv", summary(printed))
    fragment = open(os.path.join(out, "calibrated.toml"), encoding="utf-8").read()
    replace_block("docs/calibrate.md", "# revsim calibrate: fitted from tests/fixtures/crm/example.csv", fragment)

    known = os.path.join(ROOT, "tests/fixtures/crm/synthetic/known.toml")
    printed = run(["synth-crm", known, "--out", "history.csv"], cwd=tmp)
    replace_block("docs/synthetic-crm.md", "Wrote history.csv:", printed)
    printed = run(["calibrate", "tests/fixtures/crm/synthetic/history.csv", "--created-from", "2024-01-01",
                   "--created-until", "2025-08-31", "--extends", "tests/fixtures/crm/synthetic/known.toml",
                   "--out", os.path.join(tmp, "fit")])
    replace_block("docs/synthetic-crm.md", "Read tests/fixtures/crm/synthetic/history.csv", summary(printed))
