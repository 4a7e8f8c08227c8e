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
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Mapping, Optional, Union

from ._revsim import RESULTS_VERSION, RevsimError, Scenario as _Scenario, __version__
from ._revsim import load as _load

__all__ = ["load", "Scenario", "RunResult", "RevsimError", "__version__", "RESULTS_VERSION"]


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


def load(path: Union[str, "PathLike[str]"], set: Optional[Mapping[str, Any]] = None) -> Scenario:
    """Reads a scenario file. `set` overrides keys as the command line's `--set key=value`
    does: {"org.seats": 60, "hiring.recruiting_capacity_per_month": 8}. A bad file or value raises
    RevsimError with `file`, `line`, `column`, `key`, `message` and `help`."""
    return Scenario(_load(path, set=dict(set) if set is not None else None))
