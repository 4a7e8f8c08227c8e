//! Writing a run's results: the terminal table and the files in the output directory.
//!
//! - `run.json`: the manifest (version, seed, trials, scenario path and SHA-256, wall time);
//! - `summary.json`: per fiscal year and horizon distributions ([`crate::summary::Summary`]);
//! - `monthly.csv`: tidy long format, one row per (month, metric, stat);
//! - `trials.csv`: one row per trial with its headline totals, to recompute anything outside.

pub mod html;
pub mod table;

use std::io::Write;

use serde::Serialize;

use crate::diagnostic::InputError;
use crate::engine::Results;
use crate::model::Metric;
pub use crate::output_dir::{OutputDir, safe_dir_name};
use crate::scenario::Scenario;
use crate::stats::Distribution;
use crate::summary::{Summary, monthly_stats};
use crate::tables::guard;

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
    /// Files the scenario inherits from through `extends`, nearest first.
    pub scenario_inherits: Vec<String>,
    /// `--set` overrides applied, in order.
    pub overrides: Vec<String>,
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
    /// Of which the simulation of the trials alone, seconds (not known for a run merged from
    /// shards).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation_s: Option<f64>,
    /// What each trial tracked (`simulation.detail`): "full" or "bookings".
    pub detail: &'static str,
    /// How the monthly quantiles were computed: "exact", or from a sketch and within what
    /// error (runs too large to keep every trial's months).
    pub monthly_quantiles: &'static str,
    /// For `--precision` runs: the target, the trials it took and the half-widths reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::precision::Precision>,
    /// For a run merged from shards: how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<usize>,
    /// Files written beside this one (charts under `charts/`).
    pub files: Vec<String>,
}

/// The data files a run writes, in order; charts and `report.html` follow them.
pub const RUN_FILES: [&str; 4] = ["summary.json", "monthly.csv", "trials.csv", "run.json"];

/// Removes a previous run's `run.json` before any of its files is replaced, so that a
/// directory holds a manifest only while it holds a complete run: `run.json` is written last.
fn remove_stale_manifest(dir: &OutputDir) -> Result<(), InputError> {
    let path = dir.path().join("run.json");
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(InputError::file(
            path.display().to_string(),
            format!("cannot remove the previous run's manifest: {e}"),
        )
        .help("check your permissions on the output directory, or choose another --out")),
    }
}

/// Adds to a failed write what the directory now holds: the files this run completed (each
/// whole: every file is written to a temporary file and renamed), and no manifest.
fn incomplete(e: InputError, kept: &[&str]) -> InputError {
    let kept = if kept.is_empty() {
        "no file of this run was written".to_string()
    } else {
        format!("kept, complete: {}", kept.join(", "))
    };
    e.help(format!(
        "{kept}; run.json was not written, so the directory does not hold a finished run (rerun with --force once the problem is fixed)"
    ))
}

/// Writes every file of a run into `dir`, `run.json` last. On failure the files already
/// written are complete, no temporary file is left, and the error says which files were kept.
pub fn write_run(
    dir: &OutputDir,
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
    summary: &Summary,
    monthly: &[Vec<Distribution>],
    manifest: &Manifest,
) -> Result<Vec<String>, InputError> {
    remove_stale_manifest(dir)?;
    let mut kept: Vec<&str> = Vec::new();
    dir.write("summary.json", |w| json(w, summary))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("summary.json");
    dir.write("monthly.csv", |w| write_monthly(w, s, monthly))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("monthly.csv");
    dir.write("trials.csv", |w| write_trials(w, s, r, calm))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("trials.csv");
    let charts = crate::charts::run::charts(&crate::charts::run::RunData {
        scenario: s,
        results: r,
        summary,
        monthly,
    });
    let drawn = write_charts(dir, charts).map_err(|e| incomplete(e, &kept))?;
    kept.push("charts/");
    let mut files: Vec<String> = RUN_FILES.iter().map(|f| f.to_string()).collect();
    files.push("report.html".into());
    for (c, _) in &drawn {
        files.push(format!("charts/{}.svg", c.name));
        files.push(format!("charts/{}.png", c.name));
    }
    let manifest = Manifest {
        files: files.clone(),
        ..manifest.clone()
    };
    let html = html::run_report(s, summary, &drawn, &manifest);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("report.html");
    dir.write_manifest("run.json", |w| json(w, &manifest))
        .map_err(|e| incomplete(e, &kept))?;
    Ok(files)
}

/// How a comparison was run, for its manifest and report.
#[derive(Debug, Clone)]
pub struct CompareRun {
    /// Seed shared by every scenario.
    pub seed: u64,
    /// Trials per scenario.
    pub trials: usize,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the simulations, seconds.
    pub wall_time_s: f64,
    /// The command that reproduces it.
    pub command: String,
}

/// One scenario of a comparison in its manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestScenario {
    /// Label in the report.
    pub label: String,
    /// File as given.
    pub path: String,
    /// SHA-256 of the resolved scenario.
    pub sha256: String,
}

/// `run.json` of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CompareManifest {
    /// revsim version.
    pub revsim_version: &'static str,
    /// Results version.
    pub results_version: u32,
    /// The scenarios, reference first.
    pub scenarios: Vec<ManifestScenario>,
    /// Seed shared by every scenario.
    pub seed: u64,
    /// Trials per scenario.
    pub trials: usize,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Wall time of the simulations, seconds.
    pub wall_time_s: f64,
    /// Files written beside this one.
    pub files: Vec<String>,
}

#[derive(Serialize)]
struct ComparisonJson<'a> {
    seed: u64,
    trials: usize,
    reference: &'a str,
    scenarios: Vec<&'a Summary>,
    differences: &'a [crate::compare::Difference],
    input_differences: &'a [crate::compare::InputDifference],
}

/// Writes every file of a comparison into `dir`; returns their names.
pub fn write_compare(
    dir: &OutputDir,
    arms: &[crate::compare::Arm],
    diffs: &[crate::compare::Difference],
    inputs: &[crate::compare::InputDifference],
    run: &CompareRun,
) -> Result<Vec<String>, InputError> {
    let doc = ComparisonJson {
        seed: run.seed,
        trials: run.trials,
        reference: arms.first().map_or("", |a| a.label.as_str()),
        scenarios: arms.iter().map(|a| &a.summary).collect(),
        differences: diffs,
        input_differences: inputs,
    };
    remove_stale_manifest(dir)?;
    dir.write("comparison.json", |w| json(w, &doc))?;
    dir.write("differences.csv", |w| write_differences(w, diffs))?;
    dir.write("input-differences.csv", |w| {
        write_input_differences(w, arms, inputs)
    })?;
    let drawn = write_charts(dir, crate::charts::compare::charts(arms, diffs))?;
    let mut files: Vec<String> = [
        "report.html",
        "comparison.json",
        "differences.csv",
        "input-differences.csv",
        "run.json",
    ]
    .map(String::from)
    .to_vec();
    for (c, _) in &drawn {
        files.push(format!("charts/{}.svg", c.name));
        files.push(format!("charts/{}.png", c.name));
    }
    let info = html::CompareInfo {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        seed: run.seed,
        trials: run.trials,
        command: run.command.clone(),
    };
    let page = html::compare_report(arms, diffs, inputs, &drawn, &info);
    dir.write("report.html", |w| w.write_all(page.as_bytes()))?;
    let manifest = CompareManifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenarios: arms
            .iter()
            .map(|a| ManifestScenario {
                label: a.label.clone(),
                path: a.scenario.source.clone(),
                sha256: a.scenario.sha256.clone(),
            })
            .collect(),
        seed: run.seed,
        trials: run.trials,
        threads: run.threads,
        wall_time_s: run.wall_time_s,
        files: files.clone(),
    };
    dir.write_manifest("run.json", |w| json(w, &manifest))?;
    Ok(files)
}

/// `differences.csv`: scenario, reference, period, metric, value, ci95_low, ci95_high.
pub fn write_differences(
    w: &mut dyn Write,
    diffs: &[crate::compare::Difference],
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "scenario",
        "reference",
        "period",
        "metric",
        "value",
        "ci95_low",
        "ci95_high",
    ])
    .map_err(csv_err)?;
    for d in diffs {
        let mut row = |metric: &str, v: f64, lo: Option<f64>, hi: Option<f64>| {
            out.write_record([
                guard(&d.scenario).as_ref(),
                guard(&d.reference).as_ref(),
                d.period.as_str(),
                metric,
                &num(v),
                &lo.map_or(String::new(), num),
                &hi.map_or(String::new(), num),
            ])
        };
        row("p50_reference_usd", d.p50_reference_usd, None, None).map_err(csv_err)?;
        row("p50_usd", d.p50_usd, None, None).map_err(csv_err)?;
        for (m, e) in [
            ("p50_difference_usd", &d.p50_difference_usd),
            ("mean_difference_usd", &d.mean_difference_usd),
        ] {
            row(m, e.value, Some(e.ci95_low), Some(e.ci95_high)).map_err(csv_err)?;
        }
        let p = &d.p_beats_reference;
        row(
            "p_beats_reference",
            p.p,
            Some(p.ci95_low),
            Some(p.ci95_high),
        )
        .map_err(csv_err)?;
        row("share_tied", d.share_tied, None, None).map_err(csv_err)?;
        for (m, p) in [
            ("p_hit_plan_reference", &d.p_hit_plan_reference),
            ("p_hit_plan", &d.p_hit_plan),
        ] {
            if let Some(p) = p {
                row(m, p.p, Some(p.ci95_low), Some(p.ci95_high)).map_err(csv_err)?;
            }
        }
    }
    out.flush()
}

/// `input-differences.csv`: key, then one column per scenario (empty = not set).
pub fn write_input_differences(
    w: &mut dyn Write,
    arms: &[crate::compare::Arm],
    inputs: &[crate::compare::InputDifference],
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec!["key".to_string()];
    header.extend(arms.iter().map(|a| guard(&a.label).into_owned()));
    out.write_record(&header).map_err(csv_err)?;
    for d in inputs {
        let mut row = vec![guard(&d.key).into_owned()];
        row.extend(
            d.values
                .iter()
                .map(|v| guard(v.as_deref().unwrap_or_default()).into_owned()),
        );
        out.write_record(&row).map_err(csv_err)?;
    }
    out.flush()
}

/// Draws `charts` (in parallel) into `dir/charts/` as SVG and PNG; returns each with its SVG.
pub fn write_charts(
    dir: &OutputDir,
    charts: Vec<crate::charts::Chart>,
) -> Result<Vec<(crate::charts::Chart, String)>, InputError> {
    use rayon::prelude::*;
    let drawn: Vec<(crate::charts::Chart, String, Vec<u8>)> = charts
        .into_par_iter()
        .map(|c| {
            let svg = c.svg();
            let png = c.png();
            (c, svg, png)
        })
        .collect();
    let sub = dir.subdir("charts")?;
    let mut out = Vec::with_capacity(drawn.len());
    for (c, svg, png) in drawn {
        sub.write(&format!("{}.svg", c.name), |w| w.write_all(svg.as_bytes()))?;
        sub.write(&format!("{}.png", c.name), |w| w.write_all(&png))?;
        out.push((c, svg));
    }
    Ok(out)
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
    let name = guard(&s.name);
    for t in 0..s.horizon() {
        let month = s.clock.start.plus(t as i32).to_string();
        for m in Metric::ALL {
            let d = &monthly[m.index()][t];
            if d.n == 0 {
                continue; // not defined in this scenario (e.g. capacity coverage without a plan)
            }
            for stat in monthly_stats() {
                let v = d.stat(stat);
                out.write_record([name.as_ref(), &month, m.name(), stat, &num(v)])
                    .map_err(csv_err)?;
            }
        }
    }
    out.flush()
}

/// `trials.csv`: one row per trial. With `calm` (the run without VP turnover), a column of the
/// bookings each trial lost to turnover; last, a column per uncertain parameter and shock with
/// the trial's draw, headed by its key path.
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
    // Each trial's draw of every uncertain parameter and shock, by key path, so that
    // sensitivity can be recomputed outside revsim.
    let draws = crate::model::trial::draw_columns(s);
    header.extend(draws.iter().cloned());
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
        let n = draws.len();
        if n > 0 {
            row.extend(r.draws[i * n..(i + 1) * n].iter().map(|v| num(*v)));
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
