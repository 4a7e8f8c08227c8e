"""The Python package against the command line: the same numbers, bit for bit.

Needs the revsim binary: REVSIM_BIN, or `revsim` on PATH (CI sets REVSIM_BIN)."""

import _thread
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import revsim

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def cli():
    exe = os.environ.get("REVSIM_BIN") or shutil.which("revsim")
    if not exe:
        pytest.fail("set REVSIM_BIN to the revsim binary (or put revsim on PATH)")
    return exe


def cli_run(tmp_path, *args):
    out = tmp_path / "cli"
    subprocess.run([cli(), "run", *map(str, args), "--out", str(out), "--quiet"], check=True)
    return out


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", revsim.__version__)
    version = subprocess.run([cli(), "--version"], capture_output=True, text=True, check=True)
    assert revsim.__version__ in version.stdout
    assert isinstance(revsim.RESULTS_VERSION, int) and revsim.RESULTS_VERSION >= 1


def test_run_equals_the_command_line(tmp_path):
    s = revsim.load(BASELINE, set={"org.seats": 60, "attrition.annual_rate": 0.3})
    r = s.run(trials=300, seed=11)
    out = cli_run(
        tmp_path, BASELINE, "--set", "org.seats=60", "--set", "attrition.annual_rate=0.3",
        "--trials", 300, "--seed", 11,
    )
    assert r.summary == json.loads((out / "summary.json").read_text())
    for name, frame in [("trials", r.trials), ("monthly", r.monthly)]:
        expected = pq.read_table(out / f"{name}.parquet").to_pandas()
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert r.to_parquet("monthly") == (out / "monthly.parquet").read_bytes()
    periods = r.periods.set_index("period")
    for fy in r.summary["fiscal_years"]:
        assert periods.loc[fy["label"], "p_hit_plan"] == fy["p_hit_plan"]["p"]
    assert r.trials_run == 300 and len(r.trials) == 300


def test_threads_do_not_change_results():
    s = revsim.load(BASELINE)
    one = s.run(trials=200, seed=3, threads=1)
    two = s.run(trials=200, seed=3, threads=2)
    assert one.summary == two.summary
    assert one.to_parquet("trials") == two.to_parquet("trials")


def test_extends_and_defaults(tmp_path):
    what_if = tmp_path / "faster-hiring.toml"
    what_if.write_text(f'extends = "{BASELINE.as_posix()}"\n\n[hiring]\nrecruiting_capacity_per_month = 8\n')
    s = revsim.load(what_if)
    assert s.trials == revsim.load(BASELINE).trials
    r = s.run(trials=100)
    out = cli_run(tmp_path, what_if, "--trials", 100)
    assert r.summary == json.loads((out / "summary.json").read_text())


def test_errors_carry_file_line_column_and_fix(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BASELINE.read_text().replace("seats = ", "seats = -", 1))
    with pytest.raises(revsim.RevsimError) as caught:
        revsim.load(bad)
    e = caught.value
    assert e.file.endswith("bad.toml") and e.line and e.column and e.help
    assert e.key == "org.seats"
    shown = subprocess.run([cli(), "check", str(bad)], capture_output=True, text=True)
    assert shown.returncode == 2
    assert e.message in shown.stderr
    with pytest.raises(revsim.RevsimError) as caught:
        revsim.load(BASELINE, set={"org.seets": 60})
    assert "did you mean `seats`" in str(caught.value)
    with pytest.raises(revsim.RevsimError):
        revsim.load(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        revsim.load(BASELINE, set={"org.seats": [60]})
    with pytest.raises(revsim.RevsimError):
        revsim.load(BASELINE).run(trials=0)


def test_ctrl_c_stops_a_run():
    # Python's own Ctrl-C handler, even where the test runs with SIGINT ignored (a background
    # job of a non-interactive shell), in which case interrupt_main would do nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    s = revsim.load(BASELINE)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            s.run(trials=2_000_000, threads=2)
    finally:
        signal.signal(signal.SIGINT, previous)
    # Stopped at the next block, long before two million trials (minutes) could finish.
    assert time.monotonic() - started < 60


def test_the_docs_example_runs(tmp_path, monkeypatch):
    """docs/python.md's ```python blocks, run in order in the repository's root."""
    page = (ROOT / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(ROOT)
    env = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), env)


def cli_batch(tmp_path, command, *args):
    out = tmp_path / f"cli-{command}"
    subprocess.run([cli(), command, *map(str, args), "--out", str(out), "--quiet"], check=True)
    return out


def test_sweep_equals_the_command_line(tmp_path):
    frame = revsim.sweep(
        BASELINE,
        vary={"org.seats": [50, 60], "attrition.annual_rate": "0.2..0.3:0.1"},
        trials=100,
        seed=5,
    )
    out = cli_batch(
        tmp_path, "sweep", BASELINE, "--vary", "org.seats=50,60",
        "--vary", "attrition.annual_rate=0.2..0.3:0.1", "--trials", 100, "--seed", 5,
    )
    pd.testing.assert_frame_equal(frame, pd.read_parquet(out / "sweep.parquet"), check_exact=True)
    assert len(frame) == 4 * (1 + len(revsim.load(BASELINE).run(trials=1).summary["fiscal_years"]))


def test_compare_and_solve_equal_the_command_line(tmp_path):
    churn = ROOT / "scenarios" / "vp-churn.toml"
    got = revsim.compare(BASELINE, churn, trials=100, seed=5, out=tmp_path / "kept")
    out = cli_batch(tmp_path, "compare", BASELINE, churn, "--trials", 100, "--seed", 5)
    assert got == json.loads((out / "comparison.json").read_text())
    assert (tmp_path / "kept" / "report.html").is_file()  # out= keeps the folder

    target, vary = "fy2028.p_hit_plan >= 50%", "hiring.headcount_plan=0..20"
    got = revsim.solve(BASELINE, target, vary, trials=200, seed=5)
    out = cli_batch(tmp_path, "solve", BASELINE, "--target", target, "--vary", vary,
                    "--trials", 200, "--seed", 5)
    assert got == json.loads((out / "solve.json").read_text())
    with pytest.raises(revsim.RevsimError) as caught:
        revsim.solve(BASELINE, "fy2028.p_hit_plan >= 99.9%", "hiring.headcount_plan=0..1", trials=50)
    assert caught.value.no_answer
    with pytest.raises(revsim.RevsimError) as caught:
        revsim.sweep(BASELINE, vary={"org.seets": [1, 2]}, trials=10)
    assert not caught.value.no_answer
