//! The files `revsim backtest` writes, each atomically (through [`OutputDir`]), and the table it
//! prints:
//!
//! | file | what |
//! | --- | --- |
//! | `backtest.csv` | tidy: one row per origin, month and metric with the forecast, the actual and where it fell |
//! | `coverage.csv` | by metric and months ahead: how many actuals fell inside P10-P90, below and above |
//! | `backtest.json` | everything: the options, each origin's fit, open pipeline and months, the coverage |
//! | `report.html` | coverage, a fan chart per origin with the actual path, the rules |
//! | `charts/coverage.*`, `charts/reliability.*`, `charts/fan-YYYY-MM.*` | SVG and PNG |
//! | `origins/YYYY-MM/` | `scenario.toml` (rerun with `revsim run`), `open-pipeline.csv`, `calibrated.toml` |
//!
//! Nothing written depends on the thread count or the clock, so two runs give the same bytes.
//! This module writes the data files; the charts, the page and the printed tables have a module
//! each.

mod charts;
mod page;
mod text;

use std::io::Write;

use serde::Serialize;

pub use charts::{coverage_chart, fan_chart, reliability_chart};
pub use page::report;
pub use text::{coverage_text, origins_text, terminal};

use super::{Coverage, Measure, Options, OriginResult, Position};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;

/// What the run was: the export, the base and the options, for the files and the report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The export, as named.
    pub export: String,
    /// Its layout.
    pub layout: String,
    /// Usable opportunities in it.
    pub opportunities: usize,
    /// Bad rows skipped.
    pub bad_rows: usize,
    /// The base the org settings come from.
    pub base: String,
    /// Trials per origin.
    pub trials: usize,
    /// Seed.
    pub seed: u64,
    /// The fewest closed deals fitted from.
    pub min_closed: usize,
    /// The command that reproduces the run.
    pub command: String,
}

impl RunInfo {
    /// The run's description from its parts.
    pub fn new(history: &crate::crm::History, base: &str, o: &Options, command: String) -> RunInfo {
        RunInfo {
            export: history.file.clone(),
            layout: history.columns.layout_name().to_string(),
            opportunities: history.opportunities.len(),
            bad_rows: history.bad_rows.len(),
            base: base.to_string(),
            trials: o.trials,
            seed: o.seed,
            min_closed: o.min_closed,
            command,
        }
    }
}

/// `backtest.json`.
#[derive(Debug, Serialize)]
pub struct BacktestJson<'a> {
    /// revsim version that made it.
    pub revsim_version: &'static str,
    /// Version of the random streams and model.
    pub results_version: u32,
    /// The run.
    pub run: &'a RunInfo,
    /// Each origin.
    pub origins: &'a [OriginResult],
    /// Coverage by metric and months ahead (`months_ahead` null: all months).
    pub coverage: Vec<CoverageJson>,
    /// Files written.
    pub files: Vec<String>,
}

/// A coverage row in `backtest.json`.
#[derive(Debug, Serialize)]
pub struct CoverageJson {
    /// The metric.
    pub metric: Measure,
    /// Months ahead; null for all months.
    pub months_ahead: Option<usize>,
    /// Outcomes.
    pub n: usize,
    /// Inside P10-P90.
    pub inside: usize,
    /// Below P10.
    pub below_p10: usize,
    /// Above P90.
    pub above_p90: usize,
    /// Share inside.
    pub inside_share: f64,
    /// Mean percentile of the actuals.
    pub mean_percentile: f64,
    /// Central 95% range of the share inside for n independent outcomes of a right forecast.
    pub independent_95_range: (f64, f64),
    /// Inside P25-P75.
    pub inside_p25_p75: usize,
    /// The actuals' percentiles by tenth (0-10, ..., 90-100).
    pub pit_by_tenth: [usize; 10],
    /// The scores with 95% ranges from the spread between origins: shares inside the 80% and
    /// 50% intervals, mean percentile, mean CRPS and pinball losses (USD).
    pub scores: super::Scores,
}

fn coverage_json(c: &Coverage) -> CoverageJson {
    CoverageJson {
        metric: c.metric,
        months_ahead: c.months_ahead,
        n: c.tally.n,
        inside: c.tally.inside,
        below_p10: c.tally.below_p10,
        above_p90: c.tally.above_p90,
        inside_share: c.tally.inside_share(),
        mean_percentile: c.tally.mean_percentile(),
        independent_95_range: c.tally.expected_range(),
        inside_p25_p75: c.tally.inside_p25_p75,
        pit_by_tenth: c.tally.pit,
        scores: c.scores,
    }
}

/// Dollars to the cent, as CSV writes them.
fn cents(v: f64) -> String {
    format!("{}", (v * 100.0).round() / 100.0)
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// `backtest.csv`.
pub fn write_backtest_csv(w: &mut dyn Write, results: &[OriginResult]) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "as_of",
        "month",
        "months_ahead",
        "metric",
        "actual",
        "mean",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "percentile_of_actual",
        "inside_p10_p90",
        "position",
        "inside_p25_p75",
        "crps",
        "pinball_p10",
        "pinball_p50",
        "pinball_p90",
    ])
    .map_err(csv_err)?;
    for r in results {
        for m in Measure::ALL {
            for s in r.rows(m) {
                let (b, o) = (&s.band, &s.outcome);
                out.write_record([
                    r.as_of.to_string(),
                    s.month.to_string(),
                    s.months_ahead.to_string(),
                    m.name().to_string(),
                    cents(s.actual),
                    cents(b.mean),
                    cents(b.p10),
                    cents(b.p25),
                    cents(b.p50),
                    cents(b.p75),
                    cents(b.p90),
                    format!("{}", (o.percentile_of_actual * 1000.0).round() / 1000.0),
                    (o.position == Position::Inside).to_string(),
                    o.position.name().to_string(),
                    o.inside_p25_p75.to_string(),
                    cents(o.crps),
                    cents(o.pinball[0]),
                    cents(o.pinball[1]),
                    cents(o.pinball[2]),
                ])
                .map_err(csv_err)?;
            }
        }
    }
    out.flush()
}

/// `coverage.csv`.
pub fn write_coverage_csv(w: &mut dyn Write, coverage: &[Coverage]) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "metric",
        "months_ahead",
        "n",
        "inside",
        "below_p10",
        "above_p90",
        "inside_share",
        "below_share",
        "above_share",
        "mean_percentile",
        "independent_95_low",
        "independent_95_high",
        "origins",
        "inside_share_95_low",
        "inside_share_95_high",
        "inside_p25_p75",
        "inside_p25_p75_share",
        "inside_p25_p75_share_95_low",
        "inside_p25_p75_share_95_high",
        "mean_percentile_95_low",
        "mean_percentile_95_high",
        "mean_crps",
        "mean_pinball_p10",
        "mean_pinball_p50",
        "mean_pinball_p90",
        "pit_0_10",
        "pit_10_20",
        "pit_20_30",
        "pit_30_40",
        "pit_40_50",
        "pit_50_60",
        "pit_60_70",
        "pit_70_80",
        "pit_80_90",
        "pit_90_100",
    ])
    .map_err(csv_err)?;
    let share = |v: f64| format!("{}", (v * 10_000.0).round() / 10_000.0);
    for c in coverage {
        let t = &c.tally;
        let (lo, hi) = t.expected_range();
        let mut row = vec![
            c.metric.name().to_string(),
            c.months_ahead.map_or("all".into(), |m| m.to_string()),
            t.n.to_string(),
            t.inside.to_string(),
            t.below_p10.to_string(),
            t.above_p90.to_string(),
            share(t.inside_share()),
            share(t.below_share()),
            share(t.above_share()),
            format!("{}", (t.mean_percentile() * 100.0).round() / 100.0),
            share(lo),
            share(hi),
        ];
        let sc = &c.scores;
        let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or(String::new(), f);
        let pct = |v: f64| format!("{}", (v * 100.0).round() / 100.0);
        row.extend([
            sc.origins.to_string(),
            opt(sc.inside_80.low, &share),
            opt(sc.inside_80.high, &share),
            t.inside_p25_p75.to_string(),
            share(t.inside_50_share()),
            opt(sc.inside_50.low, &share),
            opt(sc.inside_50.high, &share),
            opt(sc.mean_percentile.low, &pct),
            opt(sc.mean_percentile.high, &pct),
            cents(sc.crps.value),
            cents(sc.pinball[0].value),
            cents(sc.pinball[1].value),
            cents(sc.pinball[2].value),
        ]);
        row.extend(t.pit.iter().map(|k| k.to_string()));
        out.write_record(&row).map_err(csv_err)?;
    }
    out.flush()
}

/// Writes every file; returns the files written (charts under `charts/`, origins under
/// `origins/`, which [`super::run_origin`] wrote).
pub fn write(
    dir: &OutputDir,
    info: &RunInfo,
    results: &[OriginResult],
    coverage: &[Coverage],
) -> Result<Vec<String>, InputError> {
    dir.write("backtest.csv", |w| write_backtest_csv(w, results))?;
    dir.write("coverage.csv", |w| write_coverage_csv(w, coverage))?;
    let mut charts = vec![coverage_chart(coverage), reliability_chart(coverage)];
    charts.extend(results.iter().map(fan_chart));
    let drawn = crate::report::write_charts(dir, charts)?;
    let mut files: Vec<String> = [
        "backtest.csv",
        "coverage.csv",
        "backtest.json",
        "report.html",
    ]
    .map(String::from)
    .to_vec();
    for (c, _) in &drawn {
        files.push(format!("charts/{}.svg", c.name));
        files.push(format!("charts/{}.png", c.name));
    }
    for r in results {
        for f in [
            super::build::OPEN_PIPELINE_CSV,
            "calibrated.toml",
            "scenario.toml",
        ] {
            files.push(format!("origins/{}/{f}", r.as_of));
        }
    }
    let html = report(info, results, coverage, &drawn);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;
    let json = BacktestJson {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        run: info,
        origins: results,
        coverage: coverage.iter().map(coverage_json).collect(),
        files: files.clone(),
    };
    dir.write_manifest("backtest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &json)?;
        w.write_all(b"\n")
    })?;
    Ok(files)
}
