"""revsim from Python: Monte Carlo revenue forecasts for B2B sales organisations.

    import revsim
    s = revsim.load("scenarios/baseline.toml", set={"org.seats": 60})
    r = s.run(trials=2000, seed=2027)
    r.summary["fiscal_years"][0]["p_hit_plan"]   # the summary, as summary.json
    r.trials          # one row per trial (pandas), as trials.parquet
    r.monthly         # one row per month and metric, as monthly.parquet
    r.periods         # the horizon and each fiscal year, as summary.xlsx's period sheets

The numbers are the command line's, bit for bit: the same engine and the same tables, handed
over as Parquet and read through Arrow.
"""

from __future__ import annotations

import io
import json
import pathlib
import tempfile
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Mapping, Optional, Sequence, Union

from ._revsim import RESULTS_VERSION, RevsimError, Scenario as _Scenario, __version__
from ._revsim import _cli
from ._revsim import load as _load

__all__ = [
    "load",
    "compare",
    "sweep",
    "solve",
    "Scenario",
    "RunResult",
    "RevsimError",
    "__version__",
    "RESULTS_VERSION",
]

Path = Union[str, "PathLike[str]"]


def _frame(parquet: bytes):
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(parquet)).to_pandas()


@dataclass(frozen=True)
class RunResult:
    """A finished run: its summary (a dict, as summary.json) and its tables (pandas DataFrames,
    read on first use)."""

    scenario: "Scenario"
    trials_run: int
    seed: int
    summary: dict
    _parquet: Mapping[str, bytes] = field(repr=False)

    @property
    def trials(self):
        """One row per trial: bookings, ARR, fiscal-year figures and each uncertain input's
        draw (as trials.parquet)."""
        return _frame(self._parquet["trials"])

    @property
    def monthly(self):
        """Monthly percentiles of each metric (as monthly.parquet)."""
        return _frame(self._parquet["monthly"])

    @property
    def periods(self):
        """The horizon and each fiscal year: plan, P(hit plan) and the distribution of each
        headline figure."""
        return _frame(self._parquet["periods"])

    def to_parquet(self, table: str) -> bytes:
        """The Parquet bytes of one table ("trials", "monthly" or "periods")."""
        return self._parquet[table]


class Scenario:
    """A scenario file read and checked with its `extends` chain and overrides."""

    def __init__(self, inner: _Scenario):
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def path(self) -> str:
        return str(self._inner.path)

    @property
    def overrides(self) -> list:
        return list(self._inner.overrides)

    @property
    def trials(self) -> int:
        """The file's own trial count (simulation.trials)."""
        return self._inner.trials

    @property
    def seed(self) -> int:
        """The file's own seed (simulation.seed)."""
        return self._inner.seed

    def run(
        self,
        trials: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> RunResult:
        """Simulates the scenario (trials and seed default to the file's; threads to every
        core). Results do not depend on threads. Ctrl-C stops it (KeyboardInterrupt)."""
        raw = self._inner._run(trials=trials, seed=seed, threads=threads)
        summary = json.loads(raw["summary_json"])
        parquet = {k: raw[k] for k in ("trials", "monthly", "periods")}
        return RunResult(
            scenario=self,
            trials_run=summary["trials"],
            seed=self.seed if seed is None else seed,
            summary=summary,
            _parquet=parquet,
        )

    def __repr__(self) -> str:
        return repr(self._inner)


def load(path: Path, set: Optional[Mapping[str, Any]] = None) -> Scenario:
    """Reads a scenario file. `set` overrides keys as the command line's `--set key=value`
    does: {"org.seats": 60, "hiring.recruiting_capacity_per_month": 8}. A bad file or value raises
    RevsimError with `file`, `line`, `column`, `key`, `message` and `help`."""
    return Scenario(_load(path, set=dict(set) if set is not None else None))


def _value(key: str, v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v)
    raise TypeError(
        f"set[{key!r}] is a {type(v).__name__}; give a number, a bool or a string as you would "
        f"write it after `--set {key}=`"
    )


def _options(set, trials, seed, threads, out: str) -> list:
    """The options every command shares, as the command line's flags."""
    args = []
    for k, v in (set or {}).items():
        args += ["--set", f"{k}={_value(k, v)}"]
    for flag, v in (("--trials", trials), ("--seed", seed), ("--threads", threads)):
        if v is not None:
            args += [flag, str(v)]
    return args + ["--out", out, "--quiet"]


class _Folder:
    """The command's output folder: `out` if given (kept), else a temporary one."""

    def __init__(self, out: Optional[Path]):
        self._tmp = None if out is not None else tempfile.TemporaryDirectory(prefix="revsim-")
        self.path = pathlib.Path(out) if out is not None else pathlib.Path(self._tmp.name) / "out"

    def __enter__(self) -> pathlib.Path:
        return self.path

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def compare(
    *paths: Path,
    set: Optional[Mapping[str, Any]] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[Path] = None,
) -> dict:
    """`revsim compare`: the scenarios on common random numbers. Returns comparison.json as a
    dict (each scenario's summary, the paired differences with their intervals, the input
    differences). `out` keeps the folder (report, charts); otherwise it is temporary."""
    with _Folder(out) as d:
        _cli(["compare", *map(str, paths), *_options(set, trials, seed, threads, str(d))])
        return json.loads((d / "comparison.json").read_text())


def sweep(
    path: Path,
    vary: Mapping[str, Union[str, Sequence[Any]]],
    set: Optional[Mapping[str, Any]] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[Path] = None,
):
    """`revsim sweep`: every combination of the varied keys on common random numbers. `vary`
    maps a key to a list of values or a range as the command line writes it
    ({"org.seats": [50, 60, 70], "attrition.annual_rate": "0.2..0.4:0.05"}). Returns the tidy
    table (sweep.parquet) as a DataFrame: one row per variant and period."""
    import pandas as pd

    args = ["sweep", str(path)]
    for k, v in vary.items():
        values = v if isinstance(v, str) else ",".join(_value(k, x) for x in v)
        args += ["--vary", f"{k}={values}"]
    with _Folder(out) as d:
        _cli(args + _options(set, trials, seed, threads, str(d)))
        return pd.read_parquet(d / "sweep.parquet")


def solve(
    path: Path,
    target: str,
    vary: str,
    set: Optional[Mapping[str, Any]] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[Path] = None,
) -> dict:
    """`revsim solve`: the smallest value of one key in a range that meets `target`
    ("fy2028.p_hit_plan >= 80%"; vary "hiring.headcount_plan=0..60"). Returns solve.json as a
    dict (the answer, its 95% range, reps in seat and ramped capacity). No answer in the range
    raises RevsimError with `no_answer` True."""
    with _Folder(out) as d:
        _cli(
            ["solve", str(path), "--target", target, "--vary", vary]
            + _options(set, trials, seed, threads, str(d))
        )
        return json.loads((d / "solve.json").read_text())
