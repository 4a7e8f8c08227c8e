//! The files `revsim backtest` writes, each atomically (through [`OutputDir`]), and the table it
//! prints:
//!
//! | file | what |
//! | --- | --- |
//! | `backtest.csv` | tidy: one row per origin, month and metric with the forecast, the actual and where it fell |
//! | `coverage.csv` | by metric and months ahead: how many actuals fell inside P10-P90, below and above |
//! | `backtest.json` | everything: the options, each origin's fit, open pipeline and months, the coverage |
//! | `report.html` | coverage, a fan chart per origin with the actual path, the rules |
//! | `charts/coverage.*`, `charts/fan-YYYY-MM.*` | SVG and PNG |
//! | `origins/YYYY-MM/` | `scenario.toml` (rerun with `revsim run`), `open-pipeline.csv`, `calibrated.toml` |
//!
//! Nothing written depends on the thread count or the clock, so two runs give the same bytes.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::{Coverage, Measure, Options, OriginResult, Position, Scored};
use crate::charts::{Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, Panel, Scale, headroom};
use crate::output_dir::OutputDir;
use crate::report::html::{escape, figure, page};
use crate::scenario::InputError;
use crate::words::{pct, usd};

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
    ])
    .map_err(csv_err)?;
    for r in results {
        for m in Measure::ALL {
            for s in r.rows(m) {
                let b = &s.band;
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
                    format!("{}", (s.percentile_of_actual * 1000.0).round() / 1000.0),
                    (s.position == Position::Inside).to_string(),
                    s.position.name().to_string(),
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
    ])
    .map_err(csv_err)?;
    let share = |v: f64| format!("{}", (v * 10_000.0).round() / 10_000.0);
    for c in coverage {
        let t = &c.tally;
        let (lo, hi) = t.expected_range();
        out.write_record([
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
        ])
        .map_err(csv_err)?;
    }
    out.flush()
}

/// The fan chart of one origin: new bookings by month and cumulative bookings, each with the
/// forecast's P10-P90 and P25-P75 bands, its median and the actuals.
pub fn fan_chart(r: &OriginResult) -> Chart {
    let panel = |m: Measure, heading: &str| {
        let rows: Vec<&Scored> = r.rows(m).collect();
        let x: Vec<f64> = (0..rows.len()).map(|i| i as f64).collect();
        let col = |f: &dyn Fn(&Scored) -> f64| rows.iter().map(|s| f(s)).collect::<Vec<f64>>();
        let actual = col(&|s| s.actual);
        let top = rows
            .iter()
            .map(|s| s.band.p90.max(s.actual))
            .fold(0.0, f64::max);
        let mut layers = vec![
            Layer::Band {
                x: x.clone(),
                lo: col(&|s| s.band.p10),
                hi: col(&|s| s.band.p90),
                color: PALETTE[0],
                opacity: 0.18,
                label: Some("forecast P10–P90".into()),
            },
            Layer::Band {
                x: x.clone(),
                lo: col(&|s| s.band.p25),
                hi: col(&|s| s.band.p75),
                color: PALETTE[0],
                opacity: 0.30,
                label: Some("P25–P75".into()),
            },
            Layer::Line {
                x: x.clone(),
                y: col(&|s| s.band.p50),
                color: PALETTE[0],
                width: 3,
                dashed: false,
                label: Some("median".into()),
            },
        ];
        if m == Measure::CumulativeBookings {
            layers.push(Layer::Line {
                x: x.clone(),
                y: actual.clone(),
                color: INK,
                width: 2,
                dashed: false,
                label: None,
            });
        }
        layers.push(Layer::Points {
            x,
            y: actual,
            color: INK,
            radius: 5,
            label: Some("actual".into()),
        });
        let last = (rows.len() as f64 - 1.0).max(0.0);
        Panel {
            heading: Some(heading.to_string()),
            x: Axis::new("month", Scale::Month(r.as_of), (-0.3, last + 0.3)),
            y: Axis::new(
                "bookings (USD)",
                Scale::Usd,
                (0.0, headroom(top.max(1.0)) * 1.1),
            ),
            layers,
            legend: Legend::UpperLeft,
        }
    };
    let end = r.rows(Measure::CumulativeBookings).last();
    let subtitle = match end {
        Some(e) => format!(
            "Actual new bookings inside the forecast's P10–P90 in {} of {} months; after {} months {} booked, percentile {:.0} of the forecast ({}–{}).",
            r.inside(Measure::NewBookings),
            r.months,
            r.months,
            usd(e.actual),
            e.percentile_of_actual,
            usd(e.band.p10),
            usd(e.band.p90)
        ),
        None => String::new(),
    };
    Chart {
        name: format!("fan-{}", r.as_of),
        title: format!(
            "Forecast from {} against what happened ({} reps, {} open deals)",
            r.as_of, r.reps, r.open_pipeline.deals
        ),
        subtitle,
        panels: vec![
            panel(Measure::NewBookings, "New bookings by month"),
            panel(
                Measure::CumulativeBookings,
                "Cumulative bookings from the origin",
            ),
        ],
        columns: 2,
    }
}

/// The coverage chart: the share of actuals inside P10-P90 by months ahead, for both metrics,
/// against the 80% a right forecast gives and the range of independent outcomes around it.
pub fn coverage_chart(coverage: &[Coverage]) -> Chart {
    let rows = |m: Measure| -> Vec<&Coverage> {
        coverage
            .iter()
            .filter(|c| c.metric == m && c.months_ahead.is_some() && c.tally.n > 0)
            .collect()
    };
    let new = rows(Measure::NewBookings);
    let last = new.iter().filter_map(|c| c.months_ahead).max().unwrap_or(1) as f64;
    let x = |v: &[&Coverage]| -> Vec<f64> {
        v.iter()
            .map(|c| c.months_ahead.unwrap_or(0) as f64)
            .collect()
    };
    let mut layers = vec![Layer::Band {
        x: x(&new),
        lo: new.iter().map(|c| c.tally.expected_range().0).collect(),
        hi: new.iter().map(|c| c.tally.expected_range().1).collect(),
        color: MUTED,
        opacity: 0.15,
        label: Some("95% range if right (independent outcomes)".into()),
    }];
    layers.push(Layer::HLine {
        y: 0.8,
        color: INK,
        width: 2,
        dashed: true,
        label: Some("80% expected".into()),
    });
    for (i, m) in Measure::ALL.into_iter().enumerate() {
        let v = rows(m);
        let y: Vec<f64> = v.iter().map(|c| c.tally.inside_share()).collect();
        layers.push(Layer::Line {
            x: x(&v),
            y: y.clone(),
            color: PALETTE[i],
            width: 3,
            dashed: false,
            label: None,
        });
        layers.push(Layer::Points {
            x: x(&v),
            y,
            color: PALETTE[i],
            radius: 5,
            label: Some(m.label().to_string()),
        });
    }
    let all = |m: Measure| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none())
    };
    let subtitle = match (all(Measure::NewBookings), all(Measure::CumulativeBookings)) {
        (Some(n), Some(c)) => format!(
            "Over all origins and months, {} of actual monthly bookings landed inside P10–P90 ({} of {}), {} of cumulative bookings; 80% if the forecast is right.",
            pct(n.tally.inside_share()),
            n.tally.inside,
            n.tally.n,
            pct(c.tally.inside_share())
        ),
        _ => String::new(),
    };
    Chart {
        name: "coverage".into(),
        title: "How often actual bookings landed inside the forecast's P10–P90".into(),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: Axis::new(
                "months ahead (1 = the origin month)",
                Scale::Count,
                (0.5, last + 0.5),
            )
            .with_ticks((1..=last as usize).map(|v| v as f64).collect()),
            y: Axis::new("share inside P10–P90", Scale::Share, (0.0, 1.05)),
            layers,
            legend: Legend::LowerLeft,
        }],
        columns: 1,
    }
}

/// The coverage table as text (terminal and docs).
pub fn coverage_text(coverage: &[Coverage]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Inside P10-P90 by months ahead (80% expected, 10% below P10 and 10% above P90)"
    );
    let _ = writeln!(
        o,
        "                new bookings                           cumulative bookings"
    );
    let _ = writeln!(
        o,
        "months ahead     n  inside  below  above  range*  pct     n  inside  below  above  pct"
    );
    let longest = coverage
        .iter()
        .filter_map(|c| c.months_ahead)
        .max()
        .unwrap_or(0);
    let find = |m: Measure, a: Option<usize>| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead == a)
            .map(|c| c.tally)
            .unwrap_or_default()
    };
    for a in (1..=longest).map(Some).chain([None]) {
        let n = find(Measure::NewBookings, a);
        let c = find(Measure::CumulativeBookings, a);
        let (lo, hi) = n.expected_range();
        let label = a.map_or("all".to_string(), |v| format!("{v:>3}"));
        let _ = writeln!(
            o,
            "  {label:<12} {:>3}  {:>6}  {:>5}  {:>5}  {:>6}  {:>3}   {:>3}  {:>6}  {:>5}  {:>5}  {:>3}",
            n.n,
            pct(n.inside_share()),
            pct(n.below_share()),
            pct(n.above_share()),
            format!("{:.0}-{:.0}", lo * 100.0, hi * 100.0),
            format!("{:.0}", n.mean_percentile()),
            c.n,
            pct(c.inside_share()),
            pct(c.below_share()),
            pct(c.above_share()),
            format!("{:.0}", c.mean_percentile())
        );
    }
    let _ = writeln!(
        o,
        "* the 95% range of the share inside for n independent outcomes of a right forecast; months of one\n  origin share its fit, and successive origins share history, so read it as a guide. pct: the mean\n  percentile of the actuals in the forecast (50 expected)."
    );
    o
}

/// The table of origins as text.
pub fn origins_text(results: &[OriginResult]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "as of    reps  fitted from (closed deals)  open at origin   months  new inside  cumulative: actual  P10-P90          pct"
    );
    for r in results {
        let end = r.rows(Measure::CumulativeBookings).last();
        let (actual, band, p) = match end {
            Some(e) => (
                usd(e.actual),
                format!("{}-{}", usd(e.band.p10), usd(e.band.p90)),
                format!("{:.0}", e.percentile_of_actual),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            o,
            "{}  {:>4}  {:>4} created to {}  {:<15}  {:>6}  {:>10}  {:>18}  {:<15}  {:>3}",
            r.as_of,
            r.reps,
            r.fit.fit.counts.closed,
            r.fit.created_until,
            format!(
                "{} ({})",
                r.open_pipeline.deals,
                usd(r.open_pipeline.value_usd)
            ),
            r.months,
            format!("{} of {}", r.inside(Measure::NewBookings), r.months),
            actual,
            band,
            p
        );
    }
    o
}

/// What `revsim backtest` prints.
pub fn terminal(info: &RunInfo, results: &[OriginResult], coverage: &[Coverage]) -> String {
    let mut o = String::new();
    let first = results
        .first()
        .map(|r| r.as_of.to_string())
        .unwrap_or_default();
    let last = results
        .last()
        .map(|r| r.as_of.to_string())
        .unwrap_or_default();
    let origins = if results.len() == 1 {
        format!("1 origin ({first})")
    } else {
        format!("{} origins from {first} to {last}", results.len())
    };
    let _ = writeln!(
        o,
        "Backtest of {} ({} layout): {origins}, {} trials each, seed {}.",
        info.export,
        info.layout,
        crate::words::thousands(info.trials),
        info.seed
    );
    let _ = writeln!(
        o,
        "Org settings from {}; the pipeline fitted at each origin from what was known then.\n",
        info.base
    );
    o.push_str(&origins_text(results));
    o.push('\n');
    o.push_str(&coverage_text(coverage));
    o
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
    let mut charts = vec![coverage_chart(coverage)];
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
    dir.write("backtest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &json)?;
        w.write_all(b"\n")
    })?;
    Ok(files)
}

/// `report.html`: the answer, the coverage chart and table, the origins, a fan chart per
/// origin, and the rules of what was known.
pub fn report(
    info: &RunInfo,
    results: &[OriginResult],
    coverage: &[Coverage],
    drawn: &[(Chart, String)],
) -> String {
    let mut b = String::new();
    let all = |m: Measure| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none())
            .map(|c| c.tally)
            .unwrap_or_default()
    };
    let (n, c) = (all(Measure::NewBookings), all(Measure::CumulativeBookings));
    let _ = writeln!(
        b,
        "<p class=\"eyebrow\">revsim backtest</p>\n<h1>{}</h1>\n<p class=\"desc\">Forecasts made at {} from what the CRM showed then, scored against what was booked. Org settings from {}.</p>",
        escape(&info.export),
        if results.len() == 1 {
            "one origin".to_string()
        } else {
            format!("{} origins", results.len())
        },
        escape(&info.base)
    );
    let _ = writeln!(
        b,
        "<p class=\"answer\">Actual monthly bookings landed inside the forecast's P10–P90 in {} of {} origin-months ({}; 80% if the forecast is right): {} below P10, {} above P90. Cumulative bookings: {} inside.</p>",
        n.inside,
        n.n,
        pct(n.inside_share()),
        n.below_p10,
        n.above_p90,
        pct(c.inside_share())
    );
    let _ = writeln!(
        b,
        "<p class=\"note\">P10 is the 10th percentile of the forecast: a right forecast puts 10% of actuals below it, 10% above P90 and 80% between. Many actuals below P10 mean the forecast ran high; many above P90, low; too many inside, too wide.</p>"
    );
    let find = |name: &str| drawn.iter().find(|(c, _)| c.name == name);
    if let Some((chart, svg)) = find("coverage") {
        b.push_str(&figure(chart, svg));
    }
    b.push_str("<h2>Coverage by months ahead</h2>\n<div class=\"scroll\"><table><thead><tr><th>months ahead</th><th>new: n</th><th>inside</th><th>below P10</th><th>above P90</th><th>range if right*</th><th>mean pct</th><th>cumulative: n</th><th>inside</th><th>below P10</th><th>above P90</th><th>mean pct</th></tr></thead><tbody>\n");
    let longest = coverage
        .iter()
        .filter_map(|c| c.months_ahead)
        .max()
        .unwrap_or(0);
    for a in (1..=longest).map(Some).chain([None]) {
        let get = |m: Measure| {
            coverage
                .iter()
                .find(|c| c.metric == m && c.months_ahead == a)
                .map(|c| c.tally)
                .unwrap_or_default()
        };
        let (x, y) = (get(Measure::NewBookings), get(Measure::CumulativeBookings));
        let (lo, hi) = x.expected_range();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}–{:.0}%</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td></tr>",
            a.map_or("all".to_string(), |v| v.to_string()),
            x.n,
            pct(x.inside_share()),
            pct(x.below_share()),
            pct(x.above_share()),
            lo * 100.0,
            hi * 100.0,
            x.mean_percentile(),
            y.n,
            pct(y.inside_share()),
            pct(y.below_share()),
            pct(y.above_share()),
            y.mean_percentile()
        );
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">* The central 95% range of the share inside for that many independent outcomes of a right forecast. The months of one origin share its fitted parameters and successive origins share history, so the real range is wider: read it as a guide, not a test. Mean pct: the mean percentile of the actuals in the forecast, 50 if the forecast is centred.</p>\n");
    b.push_str("<style>td.nowrap { white-space:nowrap; }</style>\n");
    b.push_str("<h2>Origins</h2>\n<div class=\"scroll\"><table><thead><tr><th>as of</th><th>reps</th><th>closed deals fitted</th><th>created up to</th><th>open deals</th><th>open value</th><th>months</th><th>new inside</th><th>cumulative actual</th><th>P10–P90</th><th>pct</th></tr></thead><tbody>\n");
    for r in results {
        let end = r.rows(Measure::CumulativeBookings).last();
        let _ = writeln!(
            b,
            "<tr><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{} of {}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
            r.as_of,
            r.reps,
            r.fit.fit.counts.closed,
            r.fit.created_until,
            r.open_pipeline.deals,
            usd(r.open_pipeline.value_usd),
            r.months,
            r.inside(Measure::NewBookings),
            r.months,
            end.map_or("-".into(), |e| usd(e.actual)),
            end.map_or("-".into(), |e| format!(
                "{}–{}",
                usd(e.band.p10),
                usd(e.band.p90)
            )),
            end.map_or("-".into(), |e| format!("{:.0}", e.percentile_of_actual)),
        );
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">Each origin's scenario is in <code>origins/YYYY-MM/scenario.toml</code> (rerun it with <code>revsim run</code>), with the deals open then in <code>open-pipeline.csv</code> and the fit, with its comments, in <code>calibrated.toml</code>. Every month's forecast and actual: <code>backtest.csv</code>.</p>\n");
    b.push_str("<h2>Forecasts and actuals</h2>\n");
    for r in results {
        if let Some((chart, svg)) = find(&format!("fan-{}", r.as_of)) {
            b.push_str(&figure(chart, svg));
        }
    }
    b.push_str("<h2>What was known at each origin</h2>\n<ul>\n<li>The forecast is made on the first day of the origin month. Opportunities closed before it are history; those created before it and closed later (or still open) were open then, with their outcome and close date unknown; those created later did not exist.</li>\n<li>Deal sizes, cycle times, outcome shares and the spread of reps' win rates are fitted from the opportunities created up to the origin less the 90th percentile of the longest cycle, cohorts old enough to have closed; opportunities per rep-month from every opportunity created before the origin.</li>\n<li>Reps in seat: the owners who created an opportunity in the three months before the origin. Ramp, attrition, hiring, customers and the other org settings come from the base; its dated plans (the headcount plan, events) are left out.</li>\n<li>The open deals keep their owner, created date and amount (as exported: an amount changed later is a small leak of the future); their stage and close date are final, not as they were then, so each is decided by its outcome's cycle time given its age (<code>expected_close = \"ignore\"</code>).</li>\n<li>Actuals: the won deals' amounts by the month of their close date, in the whole export.</li>\n</ul>\n");
    let _ = writeln!(
        b,
        "<footer>Made by revsim {} (results version {}), {} trials per origin, seed {}. The same export, base, options and version give the same files: <code>{}</code>. Quantiles are type 7 (Excel PERCENTILE.INC).</footer>",
        escape(env!("CARGO_PKG_VERSION")),
        crate::RESULTS_VERSION,
        info.trials,
        info.seed,
        escape(&info.command)
    );
    page(&format!("Backtest of {}", info.export), &b)
}
