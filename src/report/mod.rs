//! Writing a run's results: the terminal table and the files in the output directory.
//!
//! - `run.json`: the manifest (version, seed, trials, scenario path and SHA-256, wall time);
//! - `summary.json`: per fiscal year and horizon distributions ([`crate::summary::Summary`]);
//! - `monthly.csv`: tidy long format, one row per (month, metric, stat);
//! - `trials.csv`: one row per trial with its headline totals, to recompute anything outside;
//! - `monthly.parquet`, `trials.parquet`: the same two tables, typed (whole numbers as
//!   integers, months as dates);
//! - `summary.xlsx`: the horizon, the fiscal years and the monthly percentiles as Excel Tables.

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
use crate::tables::{Column, Format, Table, Values, guard};

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
    /// How the across-trial draws were sampled (`simulation.sampling`): "random" or "sobol"
    /// (16 scrambled replicates; the run's intervals come from their spread).
    pub sampling: &'static str,
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
pub const RUN_FILES: [&str; 7] = [
    "summary.json",
    "monthly.csv",
    "trials.csv",
    "monthly.parquet",
    "trials.parquet",
    "summary.xlsx",
    "run.json",
];

/// Trials per row group of `trials.parquet` (and per block of `trials.csv`): a run's
/// per-trial table is never held whole.
const TRIALS_PER_GROUP: usize = 65_536;

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
    // The charts are drawn while the tables are written (the files are still written one after
    // another, in the same order, so a failure keeps the same files).
    let run = crate::charts::run::RunData {
        scenario: s,
        results: r,
        summary,
        monthly,
    };
    let (drawn, tables) = rayon::join(
        || draw_charts(crate::charts::run::charts(&run)),
        || write_run_tables(dir, &run, calm),
    );
    let mut kept = tables?;
    let drawn = save_charts(dir, drawn).map_err(|e| incomplete(e, &kept))?;
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

/// The tables of a run (`summary.json` to `summary.xlsx`), in order; returns their names, or
/// the error of the first that failed, saying which were kept.
fn write_run_tables(
    dir: &OutputDir,
    run: &crate::charts::run::RunData<'_>,
    calm: Option<&Results>,
) -> Result<Vec<&'static str>, InputError> {
    let &crate::charts::run::RunData {
        scenario: s,
        results: r,
        summary,
        monthly,
    } = run;
    let mut kept: Vec<&str> = Vec::new();
    dir.write("summary.json", |w| json(w, summary))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("summary.json");
    dir.write("monthly.csv", |w| write_monthly(w, s, monthly))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("monthly.csv");
    // While `trials.csv` is written, the bytes of `trials.parquet` (when it is one row group:
    // at most a few dozen MB, from the same trials table) and of `summary.xlsx` are made beside
    // it; the files are still written one after another, in the same order.
    let one =
        (r.totals.len() <= TRIALS_PER_GROUP).then(|| trials_table(s, r, calm, 0..r.totals.len()));
    let (written, (trials_parquet, xlsx)) = rayon::join(
        || {
            dir.write("trials.csv", |w| match &one {
                Some(t) => write_trials_csv(w, std::iter::once(t)),
                None => write_trials(w, s, r, calm),
            })
        },
        || {
            let parquet = one.as_ref().map(|t| {
                let mut bytes = Vec::new();
                write_trials_parquet_of(&mut bytes, std::iter::once(t)).map(|()| bytes)
            });
            (parquet, summary_xlsx(s, summary, monthly))
        },
    );
    drop(one);
    written.map_err(|e| incomplete(e, &kept))?;
    kept.push("trials.csv");
    dir.write("monthly.parquet", |w| {
        crate::tables::parquet_bytes(&monthly_table(s, monthly)).and_then(|b| w.write_all(&b))
    })
    .map_err(|e| incomplete(e, &kept))?;
    kept.push("monthly.parquet");
    dir.write("trials.parquet", |w| match trials_parquet {
        Some(bytes) => w.write_all(&bytes?),
        None => write_trials_parquet(w, s, r, calm),
    })
    .map_err(|e| incomplete(e, &kept))?;
    kept.push("trials.parquet");
    dir.write("summary.xlsx", |w| w.write_all(&xlsx?))
        .map_err(|e| incomplete(e, &kept))?;
    kept.push("summary.xlsx");
    Ok(kept)
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
    mechanism: &'a [crate::compare::Mechanism],
}

/// Writes every file of a comparison into `dir`; returns their names.
pub fn write_compare(
    dir: &OutputDir,
    arms: &[crate::compare::Arm],
    diffs: &[crate::compare::Difference],
    inputs: &[crate::compare::InputDifference],
    run: &CompareRun,
) -> Result<Vec<String>, InputError> {
    let mechanism = crate::compare::mechanism(arms);
    let doc = ComparisonJson {
        seed: run.seed,
        trials: run.trials,
        reference: arms.first().map_or("", |a| a.label.as_str()),
        scenarios: arms.iter().map(|a| &a.summary).collect(),
        differences: diffs,
        input_differences: inputs,
        mechanism: &mechanism,
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
    let page = html::compare_report(arms, diffs, &mechanism, inputs, &drawn, &info);
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
        if let Some(e) = &d.p_hit_plan_difference {
            let ci = |v: f64| v.is_finite().then_some(v);
            row(
                "p_hit_plan_difference",
                e.value,
                ci(e.ci95_low),
                ci(e.ci95_high),
            )
            .map_err(csv_err)?;
        }
    }
    out.flush()
}

/// `input-differences.csv`: key, then one column per scenario (empty = not set); text values
/// without their TOML quotes.
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
                .map(|v| guard(&plain_value(v.as_deref().unwrap_or_default())).into_owned()),
        );
        out.write_record(&row).map_err(csv_err)?;
    }
    out.flush()
}

/// A scenario value as a table cell: a TOML string without its quotes and escapes
/// (`"baseline"` -> `baseline`); any other value (number, list, table) as written.
pub fn plain_value(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['"', '\'']) {
        let doc = format!("v = {v}");
        if let Ok(t) = doc.parse::<toml::Table>()
            && let Some(toml::Value::String(s)) = t.get("v")
        {
            return s.clone().into();
        }
    }
    v.into()
}

/// Draws `charts` (in parallel) into `dir/charts/` as SVG and PNG; returns each with its SVG.
pub fn write_charts(
    dir: &OutputDir,
    charts: Vec<crate::charts::Chart>,
) -> Result<Vec<(crate::charts::Chart, String)>, InputError> {
    save_charts(dir, draw_charts(charts))
}

/// A chart with its SVG and PNG.
type Drawn = (crate::charts::Chart, String, Vec<u8>);

/// Draws `charts` in parallel, each as SVG and PNG.
fn draw_charts(charts: Vec<crate::charts::Chart>) -> Vec<Drawn> {
    use rayon::prelude::*;
    charts
        .into_par_iter()
        .map(|c| {
            let svg = c.svg();
            let png = c.png();
            (c, svg, png)
        })
        .collect()
}

/// Writes charts drawn by [`draw_charts`] into `dir/charts/`; returns each with its SVG.
fn save_charts(
    dir: &OutputDir,
    drawn: Vec<Drawn>,
) -> Result<Vec<(crate::charts::Chart, String)>, InputError> {
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

/// The long monthly table: scenario, month, metric, stat, value (`monthly.csv`,
/// `monthly.parquet`), month by month, the metrics in their order, a metric the scenario does
/// not define left out.
#[allow(clippy::needless_range_loop)] // rows go month by month across the metric-major table
pub fn monthly_table(s: &Scenario, monthly: &[Vec<Distribution>]) -> Table {
    let (mut month, mut metric, mut stat, mut value) = (vec![], vec![], vec![], vec![]);
    for t in 0..s.horizon() {
        let m = s.clock.start.plus(t as i32);
        for q in Metric::ALL {
            let d = &monthly[q.index()][t];
            if d.n == 0 {
                continue; // not defined in this scenario (e.g. capacity coverage without a plan)
            }
            for st in monthly_stats() {
                month.push(Some((m.year(), m.month())));
                metric.push(q.name().to_string());
                stat.push(st.to_string());
                value.push(d.stat(st));
            }
        }
    }
    let n = month.len();
    Table {
        columns: vec![
            column(
                "scenario",
                Format::Plain,
                "Scenario name",
                Values::Text(vec![s.name.clone(); n]),
            ),
            month_column(month),
            metric_column(metric),
            column(
                "stat",
                Format::Plain,
                "mean, or a type-7 percentile p5 ... p95 over trials",
                Values::Text(stat),
            ),
            column(
                "value",
                Format::Plain,
                "The statistic of the metric in the month (empty: undefined)",
                Values::Number(value),
            ),
        ],
    }
}

fn column(name: &str, format: Format, description: &str, values: Values) -> Column {
    Column {
        name: name.into(),
        format,
        description: description.into(),
        values,
    }
}

/// `monthly.csv`: scenario, month, metric, stat, value.
pub fn write_monthly(
    w: &mut dyn Write,
    s: &Scenario,
    monthly: &[Vec<Distribution>],
) -> std::io::Result<()> {
    crate::tables::write_csv(&monthly_table(s, monthly), w)
}

/// The per-trial table of trials `range` (`trials.csv`, `trials.parquet`): the trial's index,
/// its horizon totals, with `calm` (the run without VP turnover) the bookings it lost to
/// turnover, per fiscal year bookings, ending ARR, share of reps at quota and top-20% share,
/// and last a column per uncertain parameter and shock with the trial's draw, headed by its
/// key path.
pub fn trials_table(
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
    range: std::ops::Range<usize>,
) -> Table {
    let totals = &r.totals[range.clone()];
    let int = |v: u64| i64::try_from(v).ok();
    let mut columns = Vec::new();
    let mut count =
        |name: &str, what: &str, f: &dyn Fn(&crate::model::trial::TrialTotals) -> u64| {
            columns.push(column(
                name,
                Format::Count,
                what,
                Values::Integer(totals.iter().map(|t| int(f(t))).collect()),
            ));
        };
    count(
        "trial",
        "Trial index (0-based; the same trial on any thread count)",
        &|_| 0,
    );
    count(
        "ending_headcount",
        "Reps in seat at the end of the horizon",
        &|t| t.ending_headcount.into(),
    );
    count("hires", "Reps hired over the horizon", &|t| t.hires.into());
    count("departures", "Reps who left over the horizon", &|t| {
        t.departures.into()
    });
    count("opportunities_created", "Opportunities created", &|t| {
        t.opportunities_created
    });
    count("deals_won", "Deals won", &|t| t.deals_won);
    count("deals_lost", "Deals lost", &|t| t.deals_lost);
    count("deals_no_decision", "Deals closed with no decision", &|t| {
        t.deals_no_decision
    });
    count(
        "deals_orphaned",
        "Deals whose rep left before they closed",
        &|t| t.deals_orphaned,
    );
    count("deals_open_at_start", "Open deals at the start", &|t| {
        t.deals_open_at_start
    });
    count("deals_open_at_end", "Open deals at the end", &|t| {
        t.deals_open_at_end
    });
    if s.leadership.is_some() {
        count("vp_changes", "Changes of VP of Sales", &|t| {
            t.vp_changes.into()
        });
        count("vp_transition_months", "Months in a VP transition", &|t| {
            t.vp_transition_months.into()
        });
    }
    columns[0].values = Values::Integer(range.clone().map(|i| i64::try_from(i).ok()).collect());
    let usd =
        |name: &str, what: &str, v: Vec<f64>| column(name, Format::Usd, what, Values::Number(v));
    // Horizon money after the trial index, as in the CSV since its first version.
    columns.insert(
        1,
        usd(
            "bookings_usd",
            "Bookings over the horizon",
            totals.iter().map(|t| t.bookings_usd).collect(),
        ),
    );
    columns.insert(
        2,
        usd(
            "ending_arr_usd",
            "ARR at the end of the horizon",
            totals.iter().map(|t| t.ending_arr_usd).collect(),
        ),
    );
    if let Some(c) = calm {
        columns.push(usd(
            "bookings_lost_to_vp_turnover_usd",
            "Bookings the trial lost to VP turnover (the same trial without it, less this one)",
            range
                .clone()
                .map(|i| c.totals[i].bookings_usd - r.totals[i].bookings_usd)
                .collect(),
        ));
    }
    for (k, fy) in s.clock.fiscal_years.iter().enumerate() {
        let label = fy.label.to_lowercase();
        let pick = |f: fn(&crate::model::trial::FiscalYearOutcome) -> f64| -> Vec<f64> {
            range
                .clone()
                .map(|i| f(&r.trial_fiscal_years(i)[k]))
                .collect()
        };
        columns.push(usd(
            &format!("{label}_bookings_usd"),
            &format!("Bookings in {}", fy.label),
            pick(|f| f.bookings_usd),
        ));
        columns.push(usd(
            &format!("{label}_ending_arr_usd"),
            &format!("ARR at the end of {}", fy.label),
            pick(|f| f.ending_arr_usd),
        ));
        columns.push(column(
            &format!("{label}_share_of_reps_at_quota"),
            Format::Share,
            &format!("Share of reps at quota in {}", fy.label),
            Values::Number(pick(|f| f.share_of_reps_at_quota)),
        ));
        columns.push(column(
            &format!("{label}_top_20pct_share_of_bookings"),
            Format::Share,
            &format!("Share of {} bookings by the top 20% of reps", fy.label),
            Values::Number(pick(|f| f.top_20pct_share_of_bookings)),
        ));
    }
    // Each trial's draw of every uncertain parameter and shock, by key path, so that
    // sensitivity can be recomputed outside revsim.
    let draws = crate::model::trial::draw_columns(s);
    let n = draws.len();
    for (j, name) in draws.iter().enumerate() {
        columns.push(column(
            name,
            Format::Plain,
            "The trial's draw of this uncertain input",
            Values::Number(range.clone().map(|i| r.draws[i * n + j]).collect()),
        ));
    }
    Table { columns }
}

/// The trials in blocks of [`TRIALS_PER_GROUP`].
fn trial_blocks(trials: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..trials.max(1))
        .step_by(TRIALS_PER_GROUP)
        .map(move |a| a..(a + TRIALS_PER_GROUP).min(trials))
}

/// The [`trials_table`] of each block of [`TRIALS_PER_GROUP`] trials, made as they are needed.
fn trial_tables<'a>(
    s: &'a Scenario,
    r: &'a Results,
    calm: Option<&'a Results>,
) -> impl Iterator<Item = Table> + 'a {
    trial_blocks(r.totals.len()).map(move |range| trials_table(s, r, calm, range))
}

/// `trials.csv`: one row per trial ([`trials_table`]).
pub fn write_trials(
    w: &mut dyn Write,
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
) -> std::io::Result<()> {
    write_trials_csv(w, trial_tables(s, r, calm))
}

/// `trials.csv` of the trials tables of the blocks in order.
fn write_trials_csv<T: std::borrow::Borrow<Table>>(
    w: &mut dyn Write,
    tables: impl Iterator<Item = T>,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Rows are formatted in parallel, a few thousand at a time, and written in order.
    const ROWS: usize = 4096;
    let mut header = true;
    for t in tables {
        let t = t.borrow();
        if header {
            crate::tables::write_csv_header(t, w)?;
            header = false;
        }
        let chunks: Vec<Vec<u8>> = (0..t.rows().div_ceil(ROWS))
            .into_par_iter()
            .map(|k| {
                let mut out = Vec::new();
                crate::tables::write_csv_rows(
                    t,
                    k * ROWS..((k + 1) * ROWS).min(t.rows()),
                    &mut out,
                )?;
                Ok(out)
            })
            .collect::<std::io::Result<_>>()?;
        for c in chunks {
            w.write_all(&c)?;
        }
    }
    Ok(())
}

/// `trials.parquet`: [`trials_table`], one row group per block of trials.
pub fn write_trials_parquet(
    w: &mut dyn Write,
    s: &Scenario,
    r: &Results,
    calm: Option<&Results>,
) -> std::io::Result<()> {
    write_trials_parquet_of(w, trial_tables(s, r, calm))
}

/// `trials.parquet` of the trials tables of the blocks in order (at least one), each a row
/// group, each dropped before the next is made.
fn write_trials_parquet_of<T: std::borrow::Borrow<Table>>(
    w: &mut dyn Write,
    mut tables: impl Iterator<Item = T>,
) -> std::io::Result<()> {
    let first = tables
        .next()
        .ok_or_else(|| std::io::Error::other("no trials table"))?;
    let mut file = crate::tables::ParquetStream::new(w, first.borrow())?;
    file.group(first.borrow())?;
    drop(first);
    for t in tables {
        file.group(t.borrow())?;
    }
    file.finish()
}

/// One row per period: the horizon or a fiscal year, its plan and P(hit plan), and the
/// distribution of each headline quantity over trials (as `summary.json`).
pub fn period_table(periods: &[&crate::summary::PeriodSummary], trials: usize) -> Table {
    let rows = periods;
    let nums = |f: &dyn Fn(&crate::summary::PeriodSummary) -> f64| -> Values {
        Values::Number(rows.iter().map(|p| f(p)).collect())
    };
    let mut columns = vec![
        column(
            "period",
            Format::Plain,
            "\"horizon\" (the whole run) or a fiscal year",
            Values::Text(rows.iter().map(|p| p.label.clone()).collect()),
        ),
        column(
            "first_month",
            Format::Plain,
            "First month of the period",
            Values::Month(
                rows.iter()
                    .map(|p| {
                        let m: crate::calendar::YearMonth = p.first_month.parse().ok()?;
                        Some((m.year(), m.month()))
                    })
                    .collect(),
            ),
        ),
        column(
            "months",
            Format::Count,
            "Months in the period",
            Values::Integer(rows.iter().map(|p| i64::try_from(p.months).ok()).collect()),
        ),
        column(
            "trials",
            Format::Count,
            "Trials run",
            Values::Integer(vec![i64::try_from(trials).ok(); rows.len()]),
        ),
        column(
            "plan_bookings_usd",
            Format::Usd,
            "Bookings plan of the period (empty: none)",
            nums(&|p| p.plan_bookings_usd.unwrap_or(f64::NAN)),
        ),
        column(
            "p_hit_plan",
            Format::Share,
            "Share of trials whose bookings reach the plan",
            nums(&|p| p.p_hit_plan.as_ref().map_or(f64::NAN, |h| h.p)),
        ),
        column(
            "p_hit_plan_ci95_low",
            Format::Share,
            "Lower end of its 95% interval",
            nums(&|p| p.p_hit_plan.as_ref().map_or(f64::NAN, |h| h.ci95_low)),
        ),
        column(
            "p_hit_plan_ci95_high",
            Format::Share,
            "Upper end of its 95% interval",
            nums(&|p| p.p_hit_plan.as_ref().map_or(f64::NAN, |h| h.ci95_high)),
        ),
    ];
    type Get = fn(&crate::summary::PeriodSummary) -> Option<&Distribution>;
    let quantities: [(&str, Format, Get); 6] = [
        ("bookings_usd", Format::Usd, |p| Some(&p.bookings_usd)),
        ("ending_arr_usd", Format::Usd, |p| Some(&p.ending_arr_usd)),
        ("ending_headcount", Format::Count, |p| {
            Some(&p.ending_headcount)
        }),
        ("hires", Format::Count, |p| Some(&p.hires)),
        ("departures", Format::Count, |p| Some(&p.departures)),
        ("share_of_reps_at_quota", Format::Share, |p| {
            p.share_of_reps_at_quota.as_ref()
        }),
    ];
    for (q, format, get) in quantities {
        if rows.iter().all(|p| get(p).is_none()) {
            continue;
        }
        for st in [
            "mean", "sd", "min", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "max",
        ] {
            let what = match st {
                "mean" => "Mean".to_string(),
                "sd" => "Standard deviation".to_string(),
                "min" => "Minimum".to_string(),
                "max" => "Maximum".to_string(),
                other => format!("{} (type-7 percentile)", other.to_uppercase()),
            };
            let value = |d: &Distribution| match st {
                "sd" => d.sd,
                "min" => d.min,
                "max" => d.max,
                other => d.stat(other),
            };
            columns.push(column(
                &format!("{q}_{st}"),
                format,
                &format!("{what} of {} over trials", q.replace('_', " ")),
                nums(&|p| get(p).map_or(f64::NAN, value)),
            ));
        }
    }
    Table { columns }
}

/// `summary.xlsx`: sheets "Summary" (the horizon), "Fiscal years" and "Monthly percentiles"
/// (one row per month and metric, the statistics across; money in dollars, the win rate as a
/// percentage).
#[allow(clippy::needless_range_loop)] // rows go month by month across the metric-major table
pub fn summary_xlsx(
    s: &Scenario,
    summary: &Summary,
    monthly: &[Vec<Distribution>],
) -> std::io::Result<Vec<u8>> {
    use crate::tables::Sheet;
    let horizon = period_table(&[&summary.horizon], summary.trials);
    let years: Vec<&crate::summary::PeriodSummary> = summary.fiscal_years.iter().collect();
    let years = period_table(&years, summary.trials);
    let (mut month, mut metric, mut formats) = (vec![], vec![], vec![]);
    let stats: Vec<&str> = monthly_stats().collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); stats.len()];
    for t in 0..s.horizon() {
        let m = s.clock.start.plus(t as i32);
        for q in Metric::ALL {
            let d = &monthly[q.index()][t];
            if d.n == 0 {
                continue;
            }
            month.push(Some((m.year(), m.month())));
            metric.push(q.name().to_string());
            formats.push(if q.name().ends_with("_usd") {
                Format::Usd
            } else if q.name() == "realised_win_rate" {
                Format::Share
            } else {
                Format::Plain
            });
            for (k, st) in stats.iter().enumerate() {
                values[k].push(d.stat(st));
            }
        }
    }
    let mut columns = vec![month_column(month), metric_column(metric)];
    for (st, v) in stats.iter().zip(values) {
        let what = if *st == "mean" {
            "Mean".to_string()
        } else {
            format!("{} (type-7 percentile)", st.to_uppercase())
        };
        columns.push(column(
            st,
            Format::Plain,
            &format!("{what} of the metric over trials"),
            Values::Number(v),
        ));
    }
    let monthly_t = Table { columns };
    let notes = vec![
        format!(
            "Scenario {} from {}: seed {}, {} trials, {} months from {}.",
            summary.scenario, s.source, summary.seed, summary.trials, summary.horizon_months, summary.start_month
        ),
        "P10 is the 10th percentile (a 90% chance of doing better); percentiles are type 7.".to_string(),
        "The same figures as summary.json and monthly.csv; every trial in trials.csv and trials.parquet.".to_string(),
    ];
    crate::tables::xlsx_book(
        &[
            Sheet {
                name: "Summary",
                table: &horizon,
                row_formats: None,
            },
            Sheet {
                name: "Fiscal years",
                table: &years,
                row_formats: None,
            },
            Sheet {
                name: "Monthly percentiles",
                table: &monthly_t,
                row_formats: Some(&formats),
            },
        ],
        &format!("revsim run of {}", summary.scenario),
        &notes,
    )
}

/// A number for CSV: shortest round-trip form; empty for NaN (undefined).
fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// The `month` column of the monthly tables (the long table and the percentiles sheet).
fn month_column(month: Vec<Option<(i32, u32)>>) -> Column {
    column(
        "month",
        Format::Plain,
        "Calendar month",
        Values::Month(month),
    )
}

/// The `metric` column of the monthly tables.
fn metric_column(metric: Vec<String>) -> Column {
    column(
        "metric",
        Format::Plain,
        "Monthly metric (see docs/outputs.md)",
        Values::Text(metric),
    )
}
