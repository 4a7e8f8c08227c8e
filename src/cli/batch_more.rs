//! `revsim sensitivity` (the tornado) and `revsim solve` (goal seek).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::args::SimArgs;
use super::trial_count;
use crate::batch::{Estimate, Param, Store, Variant, VariantResult, short_key};
use crate::charts::Scale;
use crate::report::safe_dir_name;
use crate::scenario::{InputError, Scenario};
use crate::tables::{Column, Format, Table, Values};
use crate::words::{pct, usd};

/// Arguments of `revsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (the base case).
    pub file: PathBuf,
    /// A numeric setting to move down and up by `--change` from its value in the file
    /// (repeatable).
    #[arg(long, value_name = "KEY", required_unless_present = "vary")]
    pub param: Vec<String>,
    /// How far `--param` settings move each way, e.g. `20%`.
    #[arg(long, default_value = "20%", value_name = "PERCENT")]
    pub change: String,
    /// A setting with explicit low and high values: `key=low,high` (repeatable).
    #[arg(long, value_name = "KEY=LOW,HIGH")]
    pub vary: Vec<String>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Arguments of `revsim solve`.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    /// Scenario file.
    pub file: PathBuf,
    /// The goal: `METRIC OP VALUE`, e.g. `p_hit_plan >= 0.8`, `bookings_usd_p50 >= 95M`.
    #[arg(long)]
    pub target: String,
    /// The setting to search and its range: `key=lo..hi` or `key=lo..hi:step`.
    #[arg(long, value_name = "KEY=LO..HI[:STEP]")]
    pub vary: String,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

fn percent(spec: &str, flag: &str) -> Result<f64, InputError> {
    let t = spec.trim();
    let (n, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (t, 1.0),
    };
    n.trim()
        .parse::<f64>()
        .ok()
        .map(|v| v * scale)
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 1.0)
        .ok_or_else(|| {
            InputError::file(
                flag,
                format!("`{spec}` is not a change between 0% and 100%"),
            )
            .help("for example --change 20%")
        })
}

/// The literal of `key` in the resolved scenario, if it is set there, looking inside inline
/// tables (`pipeline.cycle_months.gamma.mean`).
fn value_in(s: &Scenario, key: &str) -> Option<String> {
    let flat = s.flatten();
    if let Some((_, v)) = flat.iter().find(|(k, _)| k == key) {
        return Some(v.clone());
    }
    let (prefix, v) = flat
        .iter()
        .filter(|(k, _)| key.starts_with(k.as_str()) && key[k.len()..].starts_with('.'))
        .max_by_key(|(k, _)| k.len())?;
    let doc: toml::Table = toml::from_str(&format!("v = {v}")).ok()?;
    let mut at = doc.get("v")?;
    for part in key[prefix.len() + 1..].split('.') {
        at = at.as_table()?.get(part)?;
    }
    Some(at.to_string())
}

fn low_high(base: &Scenario, key: &str, change: f64) -> Result<(String, String), InputError> {
    let Some(literal) = value_in(base, key) else {
        return Err(InputError::file(
            "--param",
            format!(
                "{key} is not set in {} (it takes its default, or is not a setting), so there is no value to move",
                base.source
            ),
        )
        .help("check the key against docs/scenario-reference.md")
        .help(format!(
            "give explicit values instead: --vary {key}=LOW,HIGH"
        )));
    };
    let clean = literal.replace('_', "");
    let parsed = clean.parse::<f64>();
    if parsed == Ok(0.0) {
        return Err(InputError::file(
            "--param",
            format!(
                "{key} is 0 in {}, so moving it by a percentage leaves it at 0",
                base.source
            ),
        )
        .help(format!(
            "give explicit values instead: --vary {key}=LOW,HIGH"
        )));
    }
    let Ok(v) = parsed else {
        return Err(InputError::file(
            "--param",
            format!("{key} = {literal} is not a single number, so it cannot move by a percentage"),
        )
        .help(format!(
            "give explicit values instead: --vary {key}=LOW,HIGH"
        )));
    };
    if clean.contains(['.', 'e', 'E']) {
        let d = crate::batch::Range {
            lo: 0.0,
            hi: 0.0,
            step: None,
            decimals: 6,
        };
        let f = |x: f64| {
            let s = d.literal(x);
            let s = s.trim_end_matches('0');
            format!("{s}{}", if s.ends_with('.') { "0" } else { "" })
        };
        Ok((f(v * (1.0 - change)), f(v * (1.0 + change))))
    } else {
        let lo = (v * (1.0 - change)).round().min(v - 1.0).max(0.0);
        let hi = (v * (1.0 + change)).round().max(v + 1.0);
        Ok((format!("{lo:.0}"), format!("{hi:.0}")))
    }
}

fn horizon(r: &VariantResult, name: &str) -> Option<Estimate> {
    r.periods[0].get(name)
}

/// One row of the tornado: a parameter's swing in one metric.
#[derive(Debug, Clone, Serialize)]
struct Swing {
    parameter: String,
    low_value: String,
    high_value: String,
    metric: &'static str,
    at_low: f64,
    base: f64,
    at_high: f64,
    swing: f64,
}

/// `revsim sensitivity`.
pub fn sensitivity(a: &SensitivityArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = Scenario::load_with(&a.file, &a.sim.set)?;
    super::plausibility(&base, &a.sim.set, a.sim.strict, a.sim.output.quiet)?;
    let trials = trial_count(a.sim.trials.unwrap_or(base.trials))?;
    let seed = a.sim.seed.unwrap_or(base.seed);
    let change = percent(&a.change, "--change")?;
    let mut params: Vec<Param> = Vec::new();
    for key in &a.param {
        let (lo, hi) = low_high(&base, key, change)?;
        params.push(Param {
            key: key.clone(),
            values: vec![lo, hi],
        });
    }
    for spec in &a.vary {
        let p = crate::batch::parse_vary(spec)?;
        if p.values.len() != 2 {
            return Err(InputError::file(
                "--vary",
                format!(
                    "`{spec}` gives {} values; sensitivity takes a low and a high",
                    p.values.len()
                ),
            )
            .help(format!("for example --vary {}=LOW,HIGH", p.key))
            .into());
        }
        params.push(p);
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(p) = params.iter().find(|p| !seen.insert(p.key.clone())) {
        return Err(
            InputError::file("--param", format!("{} is given twice", p.key))
                .help("give each setting once")
                .into(),
        );
    }
    let mut variants = vec![Variant {
        name: "base".into(),
        sets: Vec::new(),
    }];
    for p in &params {
        for (which, v) in ["low", "high"].iter().zip(&p.values) {
            variants.push(Variant {
                name: format!("{} {which} ({v})", p.key),
                sets: vec![(p.key.clone(), v.clone())],
            });
        }
    }
    let planned = crate::batch::plan(&a.file, &a.sim.set, variants, seed, trials)?;
    let plan = crate::batch::sweep::BatchPlan::new(
        "sensitivity",
        &a.file,
        &a.sim.set,
        &planned,
        params.clone(),
        seed,
        trials,
    );
    let out = a.sim.output.out.clone().unwrap_or_else(|| {
        Path::new("out").join(format!("sensitivity-{}", safe_dir_name(&base.name)))
    });
    let dir = crate::batch::folder::open(&out, &plan, a.sim.output.force)?;
    let store = Store::open(&dir)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.sim.output.threads.unwrap_or(0))
        .build()?;
    run_variants(
        &pool,
        &store,
        &planned,
        None,
        seed,
        trials,
        a.sim.output.quiet,
    )?;
    let results: Vec<VariantResult> = planned
        .iter()
        .map(|p| store.get(&p.key).expect("just written"))
        .collect();

    let metrics: Vec<(&'static str, &str, Scale)> = {
        let mut m = vec![("bookings_usd_p50", "P50 bookings", Scale::Usd)];
        if horizon(&results[0], "p_hit_plan").is_some() {
            m.push(("p_hit_plan", "P(hit plan)", Scale::Share));
        }
        m
    };
    let mut swings: Vec<Swing> = Vec::new();
    for (metric, _, _) in &metrics {
        let base_v = horizon(&results[0], metric).map_or(f64::NAN, |e| e.value);
        let mut rows: Vec<Swing> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let lo = horizon(&results[1 + 2 * i], metric).map_or(f64::NAN, |e| e.value);
                let hi = horizon(&results[2 + 2 * i], metric).map_or(f64::NAN, |e| e.value);
                Swing {
                    parameter: p.key.clone(),
                    low_value: p.values[0].clone(),
                    high_value: p.values[1].clone(),
                    metric,
                    at_low: lo,
                    base: base_v,
                    at_high: hi,
                    swing: (hi - lo).abs(),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.swing
                .total_cmp(&a.swing)
                .then(a.parameter.cmp(&b.parameter))
        });
        swings.extend(rows);
    }

    let table = Table {
        columns: vec![
            Column {
                name: "metric".into(),
                format: Format::Plain,
                description: "Headline metric over the horizon".into(),
                values: Values::Text(swings.iter().map(|s| s.metric.to_string()).collect()),
            },
            Column {
                name: "rank".into(),
                format: Format::Count,
                description: "Rank by swing within the metric (1 = moves it most)".into(),
                values: Values::Number({
                    let mut r = Vec::new();
                    let mut last = "";
                    let mut k = 0.0;
                    for s in &swings {
                        if s.metric != last {
                            k = 0.0;
                            last = s.metric;
                        }
                        k += 1.0;
                        r.push(k);
                    }
                    r
                }),
            },
            Column {
                name: "parameter".into(),
                format: Format::Plain,
                description: "Setting moved".into(),
                values: Values::Text(swings.iter().map(|s| s.parameter.clone()).collect()),
            },
            Column {
                name: "low_value".into(),
                format: Format::Plain,
                description: "Low setting".into(),
                values: Values::Text(swings.iter().map(|s| s.low_value.clone()).collect()),
            },
            Column {
                name: "high_value".into(),
                format: Format::Plain,
                description: "High setting".into(),
                values: Values::Text(swings.iter().map(|s| s.high_value.clone()).collect()),
            },
            Column {
                name: "at_low".into(),
                format: Format::Plain,
                description: "Metric with the low setting".into(),
                values: Values::Number(swings.iter().map(|s| s.at_low).collect()),
            },
            Column {
                name: "base".into(),
                format: Format::Plain,
                description: "Metric in the base case".into(),
                values: Values::Number(swings.iter().map(|s| s.base).collect()),
            },
            Column {
                name: "at_high".into(),
                format: Format::Plain,
                description: "Metric with the high setting".into(),
                values: Values::Number(swings.iter().map(|s| s.at_high).collect()),
            },
            Column {
                name: "swing".into(),
                format: Format::Plain,
                description: "|at_high - at_low|".into(),
                values: Values::Number(swings.iter().map(|s| s.swing).collect()),
            },
        ],
    };
    dir.write("sensitivity.csv", |w| crate::tables::write_csv(&table, w))?;
    let xlsx = crate::tables::xlsx_bytes(
        &table,
        "revsim sensitivity",
        &[format!(
            "{} on common random numbers: seed {seed}, {trials} trials per run; each setting moved alone from the base case.",
            a.file.display()
        )],
    )?;
    dir.write("sensitivity.xlsx", |w| w.write_all(&xlsx))?;
    let parquet = crate::tables::parquet_bytes(&table)?;
    dir.write("sensitivity.parquet", |w| w.write_all(&parquet))?;

    let mut charts = Vec::new();
    for (metric, label, scale) in &metrics {
        let rows: Vec<&Swing> = swings.iter().filter(|s| s.metric == *metric).collect();
        let base_v = rows.first().map_or(f64::NAN, |s| s.base);
        let show = |v: f64| if *scale == Scale::Usd { usd(v) } else { pct(v) };
        let takeaway = match rows.first() {
            Some(top) => format!(
                "{} moves {label} most: {} at {} to {} at {}.",
                top.parameter,
                show(top.at_low),
                top.low_value,
                show(top.at_high),
                top.high_value
            ),
            None => String::new(),
        };
        let bars: Vec<crate::charts::batch::TornadoBar> = rows
            .iter()
            .map(|s| crate::charts::batch::TornadoBar {
                parameter: s.parameter.clone(),
                low_label: s.low_value.clone(),
                high_label: s.high_value.clone(),
                at_low: s.at_low,
                at_high: s.at_high,
            })
            .collect();
        let mut c = crate::charts::batch::tornado(
            &format!("What moves {label}"),
            &takeaway,
            (label, *scale),
            base_v,
            &format!("Base {}", show(base_v)),
            &bars,
        );
        c.name = format!("tornado-{}", metric.replace('_', "-"));
        charts.push(c);
    }
    let drawn = pool.install(|| crate::report::write_charts(&dir, charts))?;
    let mut body = format!(
        "<h1>Sensitivity of {}</h1>\n<p class=\"lead\">Each setting moved alone from the base case, on common random numbers (seed {seed}, {trials} trials per run). Ranked by how far it moves the metric.</p>\n",
        crate::report::html::escape(&a.file.display().to_string())
    );
    for (c, svg) in &drawn {
        body.push_str(&crate::report::html::figure(c, svg));
    }
    for (metric, label, scale) in &metrics {
        let show = |v: f64| if *scale == Scale::Usd { usd(v) } else { pct(v) };
        let _ = writeln!(
            body,
            "<h2>{}</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Setting</th><th>Low</th><th>High</th><th>At low</th><th>Base</th><th>At high</th><th>Swing</th></tr></thead>\n<tbody>",
            crate::report::html::escape(label)
        );
        for s in swings.iter().filter(|s| s.metric == *metric) {
            let swing = if *scale == Scale::Usd {
                usd(s.swing)
            } else {
                format!("{:.0} points", s.swing * 100.0)
            };
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                crate::report::html::escape(&s.parameter),
                crate::report::html::escape(&s.low_value),
                crate::report::html::escape(&s.high_value),
                crate::report::html::escape(&show(s.at_low)),
                crate::report::html::escape(&show(s.base)),
                crate::report::html::escape(&show(s.at_high)),
                crate::report::html::escape(&swing)
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    let _ = writeln!(
        body,
        "<p>Settings given with <code>--param</code> move {} each way from their value in the file; those given with <code>--vary</code> take the values given. The same table: <code>sensitivity.csv</code>, <code>sensitivity.xlsx</code>, <code>sensitivity.parquet</code>.</p>",
        crate::report::html::escape(&a.change)
    );
    let html = crate::report::html::page(&format!("Sensitivity of {}", a.file.display()), &body);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;

    if !a.sim.output.quiet {
        let mut stdout = std::io::stdout().lock();
        for (metric, label, scale) in &metrics {
            let show = |v: f64| if *scale == Scale::Usd { usd(v) } else { pct(v) };
            let rows: Vec<&Swing> = swings.iter().filter(|s| s.metric == *metric).collect();
            writeln!(
                stdout,
                "{label} (base {}), largest swing first:",
                rows.first().map_or("-".into(), |s| show(s.base))
            )?;
            let w = rows.iter().map(|s| s.parameter.len()).max().unwrap_or(9);
            for s in rows {
                let swing = if *scale == Scale::Usd {
                    usd(s.swing)
                } else {
                    format!("{:.0} points", s.swing * 100.0)
                };
                writeln!(
                    stdout,
                    "  {:w$}  {:>9} at {:<8} {:>9} at {:<8} swing {swing}",
                    s.parameter,
                    show(s.at_low),
                    s.low_value,
                    show(s.at_high),
                    s.high_value,
                )?;
            }
        }
        writeln!(
            stdout,
            "\nWrote {} (report.html, sensitivity.csv/.xlsx/.parquet, tornado charts) in {:.1} s.",
            dir.path().display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}

/// A goal: `metric op threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Metric name (a column of the sweep table, over the horizon).
    pub metric: String,
    /// ">=", ">", "<=" or "<".
    pub op: String,
    /// The threshold.
    pub threshold: f64,
}

impl Target {
    /// Whether `v` meets the goal.
    pub fn met(&self, v: f64) -> bool {
        match self.op.as_str() {
            ">=" => v >= self.threshold,
            ">" => v > self.threshold,
            "<=" => v <= self.threshold,
            _ => v < self.threshold,
        }
    }

    /// The end of the interval that must meet the goal for it to be met with 95% confidence,
    /// and the end that meets it if anything does.
    fn ends(&self, e: Estimate) -> (f64, f64) {
        if self.op.starts_with('>') {
            (e.ci95_low, e.ci95_high)
        } else {
            (e.ci95_high, e.ci95_low)
        }
    }
}

/// A number as people write it: `0.8`, `80%`, `95M`, `$1,200,000`, `250K`.
fn amount(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | '_' | ' '))
        .collect();
    let (num, mul) = match t.chars().last()? {
        '%' => (&t[..t.len() - 1], 0.01),
        'k' | 'K' => (&t[..t.len() - 1], 1e3),
        'm' | 'M' => (&t[..t.len() - 1], 1e6),
        'b' | 'B' => (&t[..t.len() - 1], 1e9),
        _ => (t.as_str(), 1.0),
    };
    num.parse::<f64>()
        .ok()
        .map(|v| v * mul)
        .filter(|v| v.is_finite())
}

/// Parses `--target 'p_hit_plan >= 0.8'`.
pub fn parse_target(spec: &str) -> Result<Target, InputError> {
    let names = crate::batch::metric_names();
    let bad = |msg: String| {
        InputError::file("--target", msg).help(format!(
            "write METRIC OP VALUE, e.g. 'p_hit_plan >= 0.8' or 'bookings_usd_p50 >= 95M'; metrics: {}",
            names.join(", ")
        ))
    };
    let op = [">=", "<=", ">", "<"]
        .into_iter()
        .find(|op| spec.contains(op))
        .ok_or_else(|| bad(format!("`{spec}` has no comparison (>=, >, <=, <)")))?;
    let (metric, value) = spec.split_once(op).expect("found above");
    let metric = metric.trim();
    if !names.iter().any(|n| n == metric) {
        let options: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut e = bad(format!("`{metric}` is not a metric"));
        if let Some(s) = crate::diagnostic::did_you_mean(metric, &options) {
            e = e.help(format!("did you mean `{s}`?"));
        }
        return Err(e);
    }
    let threshold =
        amount(value).ok_or_else(|| bad(format!("`{}` is not a number", value.trim())))?;
    if metric == "p_hit_plan" && !(0.0..=1.0).contains(&threshold) {
        return Err(bad(format!(
            "P(hit plan) is a probability between 0 and 1, not {}",
            value.trim()
        ))
        .help(format!(
            "write it as a share or a percentage, e.g. {}%",
            value.trim()
        )));
    }
    Ok(Target {
        metric: metric.to_string(),
        op: op.to_string(),
        threshold,
    })
}

/// What `solve.json` holds.
#[derive(Debug, Serialize)]
struct Solution {
    target: Target,
    setting: String,
    range: (f64, f64),
    step: f64,
    /// "increasing" (the goal is met from some value up) or "decreasing" (up to some value).
    direction: Option<&'static str>,
    /// The boundary value on the point estimates; `None` when no value in the range meets it.
    answer: Option<f64>,
    /// The boundary when the goal must hold at the pessimistic end of the 95% interval.
    answer_95_conservative: Option<f64>,
    /// The boundary when the goal need hold only at the optimistic end.
    answer_95_optimistic: Option<f64>,
    seed: u64,
    trials: usize,
    evaluations: Vec<Evaluation>,
}

#[derive(Debug, Clone, Serialize)]
struct Evaluation {
    value: f64,
    estimate: f64,
    ci95_low: f64,
    ci95_high: f64,
    met: bool,
}

/// Bisection for the boundary of a monotone predicate on grid indices 0..=n: with `up`, the
/// smallest index where it holds (it holds at n); otherwise the largest (it holds at 0).
fn boundary(
    n: usize,
    up: bool,
    holds: &mut dyn FnMut(usize) -> anyhow::Result<bool>,
) -> anyhow::Result<usize> {
    let (mut fail, mut ok) = if up { (0usize, n) } else { (n, 0usize) };
    // Invariant: holds(ok), !holds(fail); they close in.
    while fail.abs_diff(ok) > 1 {
        let mid = (fail + ok) / 2;
        if holds(mid)? {
            ok = mid;
        } else {
            fail = mid;
        }
    }
    Ok(ok)
}

/// `revsim solve`.
pub fn solve(a: &SolveArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = Scenario::load_with(&a.file, &a.sim.set)?;
    super::plausibility(&base, &a.sim.set, a.sim.strict, a.sim.output.quiet)?;
    let trials = trial_count(a.sim.trials.unwrap_or(base.trials))?;
    let seed = a.sim.seed.unwrap_or(base.seed);
    let target = parse_target(&a.target)?;
    if target.metric == "p_hit_plan" && base.plan_by_fiscal_year.is_none() {
        return Err(InputError::file(
            &base.source,
            "the target is P(hit plan), but the scenario has no [plan]",
        )
        .help("add [plan] fiscal_year_bookings_usd = [...], or aim at a bookings figure")
        .into());
    }
    let (key, range) = crate::batch::parse_solve_range(&a.vary)?;
    let step = range
        .step
        .unwrap_or_else(|| 10f64.powi(-(range.decimals as i32)));
    let n = ((range.hi - range.lo) / step + 1e-9).floor() as usize;
    if (range.lo + n as f64 * step - range.hi).abs() > step * 1e-6 {
        return Err(InputError::file(
            "--vary",
            format!(
                "{}..{} is not a whole number of steps of {step}",
                range.literal(range.lo),
                range.literal(range.hi)
            ),
        )
        .help(format!(
            "end the range on the grid, e.g. {key}={}..{}:{step}",
            range.literal(range.lo),
            range.literal(range.lo + (n + 1) as f64 * step)
        ))
        .into());
    }
    let x = |i: usize| range.at(range.lo + i as f64 * step);
    let literal = |i: usize| range.literal(range.lo + i as f64 * step);
    // Check both ends resolve before running anything.
    for i in [0, n] {
        crate::batch::plan(
            &a.file,
            &a.sim.set,
            vec![Variant {
                name: literal(i),
                sets: vec![(key.clone(), literal(i))],
            }],
            seed,
            trials,
        )?;
    }
    let params = vec![Param {
        key: key.clone(),
        values: vec![literal(0), literal(n)],
    }];
    let plan = crate::batch::sweep::BatchPlan::new(
        "solve",
        &a.file,
        &a.sim.set,
        &[],
        params,
        seed,
        trials,
    );
    let out = a.sim.output.out.clone().unwrap_or_else(|| {
        Path::new("out").join(format!(
            "solve-{}-{}",
            safe_dir_name(&base.name),
            safe_dir_name(short_key(&key))
        ))
    });
    let dir = crate::batch::folder::open(&out, &plan, a.sim.output.force)?;
    let store = Store::open(&dir)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.sim.output.threads.unwrap_or(0))
        .build()?;
    let mut cache: BTreeMap<usize, Estimate> = BTreeMap::new();
    let mut eval = |i: usize| -> anyhow::Result<Estimate> {
        if let Some(e) = cache.get(&i) {
            return Ok(*e);
        }
        let planned = crate::batch::plan(
            &a.file,
            &a.sim.set,
            vec![Variant {
                name: format!("{}={}", short_key(&key), literal(i)),
                sets: vec![(key.clone(), literal(i))],
            }],
            seed,
            trials,
        )?;
        super::BatchBar::new(a.sim.output.quiet).step(crate::batch::Step::Trying {
            key: &key,
            value: &literal(i),
        });
        run_variants(
            &pool,
            &store,
            &planned,
            None,
            seed,
            trials,
            a.sim.output.quiet,
        )?;
        let r = store.get(&planned[0].key).expect("just written");
        let e = horizon(&r, &target.metric).expect("metric checked");
        cache.insert(i, e);
        Ok(e)
    };
    let (lo_e, hi_e) = (eval(0)?, eval(n)?);
    let (lo_met, hi_met) = (target.met(lo_e.value), target.met(hi_e.value));
    let direction = match (lo_met, hi_met) {
        (false, true) => Some("increasing"),
        (true, false) => Some("decreasing"),
        (true, true) => Some("met everywhere"),
        (false, false) => None,
    };
    // Search upwards unless the goal is met at the low end only.
    let up = !lo_met || hi_met;
    let mut find = |pick: &dyn Fn(Estimate) -> f64| -> anyhow::Result<Option<usize>> {
        let at_end = if up { n } else { 0 };
        let other = if up { 0 } else { n };
        if !target.met(pick(eval(at_end)?)) {
            return Ok(None);
        }
        if target.met(pick(eval(other)?)) {
            return Ok(Some(other));
        }
        let mut holds = |i: usize| -> anyhow::Result<bool> { Ok(target.met(pick(eval(i)?))) };
        boundary(n, up, &mut holds).map(Some)
    };
    let (answer, conservative, optimistic) = if direction.is_some() {
        let a_ = find(&|e: Estimate| e.value)?;
        let c_ = find(&|e: Estimate| target.ends(e).0)?;
        let o_ = find(&|e: Estimate| target.ends(e).1)?;
        (a_, c_, o_)
    } else {
        (None, None, None)
    };
    let evaluations: Vec<Evaluation> = cache
        .iter()
        .map(|(i, e)| Evaluation {
            value: x(*i),
            estimate: e.value,
            ci95_low: e.ci95_low,
            ci95_high: e.ci95_high,
            met: target.met(e.value),
        })
        .collect();
    let solution = Solution {
        target: target.clone(),
        setting: key.clone(),
        range: (range.lo, range.hi),
        step,
        direction: direction.filter(|d| *d != "met everywhere"),
        answer: answer.map(x),
        answer_95_conservative: conservative.map(x),
        answer_95_optimistic: optimistic.map(x),
        seed,
        trials,
        evaluations: evaluations.clone(),
    };
    dir.write("solve.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &solution)?;
        w.write_all(b"\n")
    })?;
    let table = Table {
        columns: vec![
            Column {
                name: key.clone(),
                format: Format::Plain,
                description: "Value tried".into(),
                values: Values::Number(evaluations.iter().map(|e| e.value).collect()),
            },
            Column {
                name: target.metric.clone(),
                format: Format::Plain,
                description: "Estimate over the horizon".into(),
                values: Values::Number(evaluations.iter().map(|e| e.estimate).collect()),
            },
            Column {
                name: "ci95_low".into(),
                format: Format::Plain,
                description: "Lower end of its 95% interval".into(),
                values: Values::Number(evaluations.iter().map(|e| e.ci95_low).collect()),
            },
            Column {
                name: "ci95_high".into(),
                format: Format::Plain,
                description: "Upper end of its 95% interval".into(),
                values: Values::Number(evaluations.iter().map(|e| e.ci95_high).collect()),
            },
            Column {
                name: "target_met".into(),
                format: Format::Plain,
                description: "Whether the estimate meets the target".into(),
                values: Values::Text(evaluations.iter().map(|e| e.met.to_string()).collect()),
            },
        ],
    };
    dir.write("solve.csv", |w| crate::tables::write_csv(&table, w))?;
    let scale = if target.metric == "p_hit_plan" {
        Scale::Share
    } else if target.metric.contains("usd") {
        Scale::Usd
    } else {
        Scale::Count
    };
    let show = |v: f64| match scale {
        Scale::Usd => usd(v),
        Scale::Share => pct(v),
        _ => crate::words::count(v),
    };
    let mut c = crate::charts::batch::sweep_chart(
        &{
            let mut t = crate::batch::metric_label(&target.metric);
            t[..1].make_ascii_uppercase();
            format!("{t} against {}", short_key(&key))
        },
        &format!(
            "The points the search tried; the dashed line is the target ({} {}).",
            crate::batch::op_symbol(&target.op),
            show(target.threshold)
        ),
        (&key, Scale::Count),
        (&target.metric, scale),
        "95% interval",
        &[crate::charts::batch::Band {
            label: String::new(),
            x: evaluations.iter().map(|e| e.value).collect(),
            low: evaluations.iter().map(|e| e.ci95_low).collect(),
            mid: evaluations.iter().map(|e| e.estimate).collect(),
            high: evaluations.iter().map(|e| e.ci95_high).collect(),
        }],
        Some((
            target.threshold,
            &format!("Target {}", show(target.threshold)),
        )),
    );
    c.name = "solve".into();
    let drawn = crate::report::write_charts(&dir, vec![c])?;

    let fmt = |i: usize| literal(i);
    let mut text = String::new();
    let goal = format!(
        "{} {} {}",
        target.metric,
        crate::batch::op_symbol(&target.op),
        show(target.threshold)
    );
    let grid = format!("{}..{} (step {})", fmt(0), fmt(n), range.literal(step));
    match (direction, answer) {
        (Some("met everywhere"), _) => {
            let _ = write!(
                text,
                "{goal} holds across the whole range {grid}, even at {key} = {} ({} = {}) and {} ({}): the boundary lies outside the range. Widen it to find where the goal stops being met.",
                fmt(0),
                target.metric,
                show(lo_e.value),
                fmt(n),
                show(hi_e.value)
            );
        }
        (Some(d), Some(i)) => {
            let which = if d == "decreasing" {
                "Largest"
            } else {
                "Smallest"
            };
            let e = cache[&i];
            let _ = write!(
                text,
                "{which} {key} in {grid} that meets {goal}: {} ({} = {}, 95% CI {} to {}).",
                fmt(i),
                target.metric,
                show(e.value),
                show(e.ci95_low),
                show(e.ci95_high)
            );
            let _ = write!(
                text,
                "\nAllowing for sampling error ({trials} trials): {}.",
                match (optimistic, conservative) {
                    (Some(o), Some(c)) if o == c => format!("the answer is {} either way", fmt(o)),
                    (Some(o), Some(c)) => format!(
                        "between {} and {} (at {} the target is met even at the pessimistic end of the 95% interval)",
                        fmt(o.min(c)),
                        fmt(o.max(c)),
                        fmt(c)
                    ),
                    (Some(o), None) => format!(
                        "{} {} it may be met, but nowhere in the range is it met at the pessimistic end of the 95% interval; widen the range or add trials",
                        if d == "decreasing" { "up to" } else { "from" },
                        fmt(o)
                    ),
                    _ => "uncertain".into(),
                }
            );
        }
        _ => {
            let higher_is_better = target.op.starts_with('>');
            let best = if (lo_e.value > hi_e.value) == higher_is_better {
                (0, lo_e)
            } else {
                (n, hi_e)
            };
            let _ = write!(
                text,
                "No {key} in {grid} meets {goal}: the closest is {} = {} at {key} = {}. Widen the range or change another setting.",
                target.metric,
                show(best.1.value),
                fmt(best.0)
            );
        }
    }
    let mut body = format!(
        "<h1>Goal seek on {}</h1>\n",
        crate::report::html::escape(&a.file.display().to_string())
    );
    for line in text.lines() {
        let _ = writeln!(body, "<p>{}</p>", crate::report::html::escape(line));
    }
    let _ = writeln!(
        body,
        "<p>{} of {trials} trials each, on common random numbers (seed {seed}). Every point tried: <code>solve.csv</code>; the search: <code>solve.json</code>.</p>",
        crate::words::plural(cache.len(), "run")
    );
    for (c, svg) in &drawn {
        body.push_str(&crate::report::html::figure(c, svg));
    }
    let html = crate::report::html::page(&format!("Goal seek on {}", a.file.display()), &body);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;
    if !a.sim.output.quiet {
        writeln!(
            std::io::stdout().lock(),
            "{text}\n{} on common random numbers (seed {seed}). Wrote {} (report.html, solve.json, solve.csv, charts/solve.svg) in {:.1} s.",
            crate::words::plural(cache.len(), "run"),
            dir.path().display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}

/// Interim: runs the variants with a progress bar.
fn run_variants(
    pool: &rayon::ThreadPool,
    store: &Store,
    planned: &[crate::batch::Planned],
    shard: Option<crate::batch::Shard>,
    seed: u64,
    trials: usize,
    quiet: bool,
) -> anyhow::Result<crate::batch::Ran> {
    let bar = super::BatchBar::new(quiet);
    let progress = crate::batch::Progress {
        step: &|s| bar.step(s),
        trials: &|n| bar.trials(n),
    };
    Ok(pool.install(|| crate::batch::run_variants(store, planned, shard, seed, trials, progress))?)
}
