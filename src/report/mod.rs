//! Writing a run's results: the terminal table and the files in the output directory.
//!
//! - `run.json`: the manifest (version, seed, trials, scenario path and SHA-256, wall time);
//! - `summary.json`: per fiscal year and horizon distributions ([`crate::summary::Summary`]);
//! - `monthly.csv`: tidy long format, one row per (month, metric, stat);
//! - `trials.csv`: one row per trial with its headline totals, to recompute anything outside.

pub mod money;
pub mod output_dir;
pub mod table;

use std::io::Write;

use serde::Serialize;

use crate::engine::Results;
use crate::model::Metric;
use crate::scenario::{InputError, Scenario};
use crate::stats::Distribution;
use crate::summary::{Summary, monthly_stats};
pub use output_dir::{OutputDir, safe_dir_name};

/// The manifest written to `run.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// revsim version that produced the run.
    pub revsim_version: &'static str,
    /// Version of the random streams and model: results are reproducible within one version.
    pub results_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the resolved scenario (canonical TOML).
    pub scenario_sha256: String,
    /// Seed.
    pub seed: u64,
    /// Trials.
    pub trials: usize,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Wall time of the simulation and summary, seconds.
    pub wall_time_s: f64,
    /// Files written beside this one.
    pub files: Vec<&'static str>,
}

/// The files a run writes, in order.
pub const RUN_FILES: [&str; 4] = ["summary.json", "monthly.csv", "trials.csv", "run.json"];

/// Writes every file of a run into `dir`.
pub fn write_run(
    dir: &OutputDir,
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
    summary: &Summary,
    monthly: &[Vec<Distribution>],
    manifest: &Manifest,
) -> Result<(), InputError> {
    dir.write("summary.json", |w| json(w, summary))?;
    dir.write("monthly.csv", |w| write_monthly(w, s, monthly))?;
    dir.write("trials.csv", |w| write_trials(w, s, r, calm))?;
    dir.write("run.json", |w| json(w, manifest))?;
    Ok(())
}

fn json<T: Serialize>(w: &mut dyn Write, v: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, v)?;
    w.write_all(b"\n")
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// `monthly.csv`: scenario, month, metric, stat, value.
#[allow(clippy::needless_range_loop)] // rows go month by month across the metric-major table
pub fn write_monthly(
    w: &mut dyn Write,
    s: &Scenario,
    monthly: &[Vec<Distribution>],
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["scenario", "month", "metric", "stat", "value"])
        .map_err(csv_err)?;
    for t in 0..s.horizon() {
        let month = s.clock.start.plus(t as i32).to_string();
        for m in Metric::ALL {
            let d = &monthly[m.index()][t];
            if d.n == 0 {
                continue; // not defined in this scenario (e.g. capacity coverage without a plan)
            }
            for stat in monthly_stats() {
                let v = d.stat(stat);
                out.write_record([s.name.as_str(), &month, m.name(), stat, &num(v)])
                    .map_err(csv_err)?;
            }
        }
    }
    out.flush()
}

/// `trials.csv`: one row per trial. With `calm` (the run without VP turnover), a column of the
/// bookings each trial lost to turnover.
pub fn write_trials(
    w: &mut dyn Write,
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header: Vec<String> = [
        "trial",
        "bookings_usd",
        "ending_arr_usd",
        "ending_headcount",
        "hires",
        "departures",
        "opportunities_created",
        "deals_won",
        "deals_lost",
        "deals_no_decision",
        "deals_orphaned",
        "deals_open_at_start",
        "deals_open_at_end",
    ]
    .map(String::from)
    .to_vec();
    if s.leadership.is_some() {
        header.extend(["vp_changes", "vp_transition_months"].map(String::from));
    }
    if calm.is_some() {
        header.push("bookings_lost_to_vp_turnover_usd".into());
    }
    for fy in &s.clock.fiscal_years {
        for col in [
            "bookings_usd",
            "ending_arr_usd",
            "share_of_reps_at_quota",
            "top_20pct_share_of_bookings",
        ] {
            header.push(format!("{}_{col}", fy.label.to_lowercase()));
        }
    }
    out.write_record(&header).map_err(csv_err)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for (i, t) in r.totals.iter().enumerate() {
        row.clear();
        row.push(i.to_string());
        row.push(num(t.bookings_usd));
        row.push(num(t.ending_arr_usd));
        for v in [t.ending_headcount, t.hires, t.departures] {
            row.push(v.to_string());
        }
        for v in [
            t.opportunities_created,
            t.deals_won,
            t.deals_lost,
            t.deals_no_decision,
            t.deals_orphaned,
            t.deals_open_at_start,
            t.deals_open_at_end,
        ] {
            row.push(v.to_string());
        }
        if s.leadership.is_some() {
            row.push(t.vp_changes.to_string());
            row.push(t.vp_transition_months.to_string());
        }
        if let Some(c) = calm {
            row.push(num(c.totals[i].bookings_usd - t.bookings_usd));
        }
        for fy in r.trial_fiscal_years(i) {
            row.push(num(fy.bookings_usd));
            row.push(num(fy.ending_arr_usd));
            row.push(num(fy.share_of_reps_at_quota));
            row.push(num(fy.top_20pct_share_of_bookings));
        }
        out.write_record(&row).map_err(csv_err)?;
    }
    out.flush()
}

/// A number for CSV: shortest round-trip form; empty for NaN (undefined).
fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}
