//! `revsim sensitivity`: moves each setting down and up alone from the base case and ranks the
//! settings by how far they move P50 bookings and P(hit plan), a tornado chart (the work is in
//! [`crate::batch::sensitivity`]); then, when the scenario has uncertain inputs, how much of the
//! spread of a period's bookings and of hitting its plan each input and group explains
//! ([`crate::batch::shares`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use super::BatchBar;
use super::args::SimArgs;
use crate::batch::sensitivity::{self, Study, Tornado};
use crate::batch::shares;
use crate::batch::{Progress, Store, folder};
use crate::output_dir::Access;
use crate::report::safe_dir_name;

/// Arguments of `revsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (the base case).
    pub file: PathBuf,
    /// A numeric setting to move (repeatable): between its belief's P10 and P90 when it is
    /// uncertain in the scenario, else down and up by `--change` from its value in the file.
    /// Default, without `--param` or `--vary`: every uncertain input.
    #[arg(long, value_name = "KEY")]
    pub param: Vec<String>,
    /// How far `--param` settings without a belief move each way, e.g. `20%`.
    #[arg(long, default_value = "20%", value_name = "PERCENT")]
    pub change: String,
    /// A setting with explicit low and high values: `key=low,high` (repeatable).
    #[arg(long, value_name = "KEY=LOW,HIGH")]
    pub vary: Vec<String>,
    /// The period whose bookings the variance shares explain: a fiscal year (`FY2028`) or
    /// `horizon`. Default: the first full fiscal year.
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// A group of inputs whose share is reported together: `NAME=KEY,KEY` (key paths or
    /// prefixes of uncertain inputs; repeatable). Default groups: hiring, attrition, VP
    /// turnover, market, pipeline, customers, coverage.
    #[arg(long = "group", value_name = "NAME=KEY,KEY")]
    pub group: Vec<String>,
    /// Trials per run of the variance shares (0: no shares).
    #[arg(long, default_value_t = crate::batch::shares::DEFAULT_TRIALS, value_name = "N")]
    pub shares_trials: usize,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs `revsim sensitivity`.
pub fn sensitivity(a: &SensitivityArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let loaded = a.sim.load(&a.file)?;
    let base = &loaded.scenario;
    let change = sensitivity::parse_change(&a.change)?;
    let keys = if a.param.is_empty() && a.vary.is_empty() {
        let keys = sensitivity::uncertain_keys(base);
        if keys.is_empty() {
            return Err(crate::diagnostic::InputError::file(
                "--param",
                format!(
                    "{} declares no uncertain input, so there is nothing to move by default",
                    base.source
                ),
            )
            .help("name the settings to move: --param KEY (repeatable) or --vary KEY=LOW,HIGH")
            .help("or declare beliefs in [uncertainty.parameters] (docs/scenario-reference.md#uncertainty)")
            .into());
        }
        keys
    } else {
        a.param.clone()
    };
    let params = sensitivity::params(base, &keys, change, &a.change, &a.vary)?;
    if a.shares_trials == 1 {
        return Err(crate::diagnostic::InputError::file(
            "--shares-trials",
            "1 trial per run has no variance to share out",
        )
        .help("give at least 2 (the default is 2000), or 0 for no shares")
        .into());
    }
    // Checked before anything runs.
    let period = shares::period(base, a.period.as_deref())?;
    let factors = shares::factors(base);
    let groups = shares::groups(&factors, &a.group)?;
    // The settings named with --param and --vary: those with a belief are reported alone in
    // the shares (the other uncertain inputs together); the others have no share.
    let named: Vec<String> = a
        .param
        .iter()
        .cloned()
        .chain(
            a.vary
                .iter()
                .filter_map(|v| v.split_once('=').map(|(k, _)| k.trim().to_string())),
        )
        .collect();
    let (chosen, unshared) = if named.is_empty() {
        (None, Vec::new())
    } else {
        let chosen = shares::chosen(&factors, &named);
        let unshared: Vec<(String, String)> = named
            .iter()
            .filter(|k| shares::chosen(&factors, std::slice::from_ref(*k)).is_empty())
            .map(|k| {
                (
                    k.clone(),
                    format!(
                        "{} declares no belief about it, so no share of the spread is defined for it (the tornado moves it; declare a belief in [uncertainty.parameters] to get its share)",
                        base.source
                    ),
                )
            })
            .collect();
        (Some(chosen), unshared)
    };
    let study = Study::new(&a.file, &a.sim.set, params, loaded.seed, loaded.trials)?;
    let out = a
        .sim
        .output
        .out_or(|| format!("sensitivity-{}", safe_dir_name(&base.name)));
    let dir = folder::open(&out, &study.plan(), a.sim.output.force, Access::Exclusive)?;
    let store = Store::open(&dir)?;
    let pool = a.sim.output.pool()?;
    let bar = BatchBar::new(a.sim.output.quiet);
    let progress = Progress {
        step: &|s| bar.step(s),
        trials: &|n| bar.trials(n),
    };
    let tornado = pool.install(|| study.run(&store, progress))?;
    let tornado_time = started.elapsed().as_secs_f64();
    let found = if a.shares_trials > 0 {
        let runs = shares::runs(&factors, chosen.as_deref(), &groups);
        bar.step(crate::batch::Step::Start {
            variants: runs,
            trials: a.shares_trials,
        });
        bar.step(crate::batch::Step::Variant {
            index: 0,
            of: 1,
            name: "variance shares",
        });
        let found = pool.install(|| {
            shares::study(
                base,
                period.clone(),
                chosen.as_deref(),
                groups,
                loaded.seed,
                a.shares_trials,
                &|n| bar.trials(n),
            )
        });
        bar.step(crate::batch::Step::Finish);
        found
    } else {
        None
    };
    let shares_found = sensitivity::SharesFound {
        shares: found.as_ref(),
        unshared: &unshared,
    };
    pool.install(|| sensitivity::write(&dir, &study, &tornado, &a.change, shares_found))?;
    drop(bar);
    if a.sim.output.format == super::args::Format::Json {
        super::args::print_json(&serde_json::json!({
            "tornado": tornado.swings,
            "skipped": study
                .skipped
                .iter()
                .map(|(key, why)| serde_json::json!({ "parameter": key, "reason": why }))
                .collect::<Vec<_>>(),
            "shares": found.as_ref().map(|f| f.table().json_records()),
            "shares_captions": found.as_ref().map(|f| {
                f.outputs
                    .iter()
                    .map(|o| serde_json::json!({ "output": o.name, "caption": shares::caption(f, o) }))
                    .collect::<Vec<_>>()
            }),
            "unshared": unshared
                .iter()
                .map(|(key, why)| serde_json::json!({ "parameter": key, "reason": why }))
                .collect::<Vec<_>>(),
        }))?;
    } else if !a.sim.output.quiet {
        let mut stdout = std::io::stdout().lock();
        print(&mut stdout, &tornado, &study.skipped)?;
        match &found {
            Some(f) => print_shares(&mut stdout, f, base, &unshared)?,
            None if a.shares_trials > 0 => writeln!(
                stdout,
                "\n{}",
                crate::words::para(&format!(
                    "No variance shares: {} declares no uncertain input and no market shock.",
                    base.source
                ))
            )?,
            None => {}
        }
        let done = format!(
            "Wrote {} (report.html, sensitivity.csv/.xlsx/.parquet{}) in {:.1} s ({:.1} s for the shares).",
            dir.path().display(),
            if found.is_some() {
                ", shares.csv/.xlsx/.parquet, tornado and shares charts"
            } else {
                ", tornado charts"
            },
            started.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64() - tornado_time
        );
        writeln!(stdout, "\n{}", crate::words::para(&done))?;
    }
    Ok(())
}

/// The tornado on the terminal: for each metric, the settings from the largest swing down;
/// then the settings left out.
fn print(out: &mut dyn Write, t: &Tornado, skipped: &[(String, String)]) -> std::io::Result<()> {
    for m in &t.metrics {
        let rows: Vec<_> = t.rows(m).collect();
        writeln!(
            out,
            "{} (base {}), largest swing first:",
            m.label,
            rows.first().map_or("-".into(), |s| m.show(s.base))
        )?;
        // One line per setting when every one fits in 80 columns; else each setting's name on
        // a line of its own, its figures indented below it.
        let figures = |s: &crate::batch::sensitivity::Swing| {
            format!(
                "{:>7} at {:<7} {:>7} at {:<7} {} ({})",
                m.show(s.at_low),
                s.low_value,
                m.show(s.at_high),
                s.high_value,
                m.show_swing(s.swing),
                s.basis
            )
        };
        let w = rows.iter().map(|s| s.parameter.len()).max().unwrap_or(9);
        let one_line = rows
            .iter()
            .all(|s| 2 + w + 2 + figures(s).chars().count() <= crate::words::WIDTH);
        for s in rows {
            if one_line {
                writeln!(out, "  {:w$}  {}", s.parameter, figures(s))?;
            } else {
                writeln!(out, "  {}\n      {}", s.parameter, figures(s))?;
            }
        }
    }
    if t.swings.iter().any(|s| s.basis == "P10-P90") {
        writeln!(
            out,
            "{}",
            crate::words::para(
                "P10-P90: an uncertain input fixed at its belief's P10, then its P90 (the others keep their beliefs)."
            )
        )?;
    }
    for (key, why) in skipped {
        writeln!(
            out,
            "{}",
            crate::words::hang(&format!("Skipped {key}: {why}"), "", "  ")
        )?;
    }
    Ok(())
}

/// A share's row name (one key, or correlated keys joined by " + ") in lines of at most
/// `width` characters where it can: broken at spaces, a "+" kept at the end of the line before
/// the next key, and a key longer than `width` on a line of its own.
fn name_lines(name: &str, width: usize) -> Vec<String> {
    let keys: Vec<&str> = name.split(" + ").collect();
    let mut lines: Vec<String> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let piece = if i + 1 < keys.len() {
            format!("{key} +")
        } else {
            (*key).to_string()
        };
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + piece.chars().count() <= width => {
                line.push(' ');
                line.push_str(&piece);
            }
            _ if !key.contains(' ') => lines.push(piece),
            _ => lines.extend(crate::words::wrap(&piece, width).lines().map(String::from)),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// The variance shares on the terminal, and the answer in a sentence.
fn print_shares(
    out: &mut dyn Write,
    f: &shares::Shares,
    base: &crate::scenario::Scenario,
    unshared: &[(String, String)],
) -> std::io::Result<()> {
    use crate::words::pct;
    let iv = |i: &shares::Interval| format!("{} ({} to {})", pct(i.value), pct(i.lo), pct(i.hi));
    let rows = f.rows();
    for o in &f.outputs {
        let what = if o.name == "hit_plan" {
            format!("hitting the {} plan", f.period.label)
        } else {
            format!("{} bookings", f.period.label)
        };
        let title = format!(
            "What makes the spread of {what} (share of variance, 95% interval; {} trials x {} runs):",
            crate::words::thousands(f.trials),
            f.runs
        );
        writeln!(out, "\n{}", crate::words::para(&title))?;
        if o.estimates.variance.is_nan() || o.estimates.variance <= 0.0 {
            writeln!(out, "  no spread to explain: every trial gives the same")?;
            continue;
        }
        let mine: Vec<&shares::Row> = rows.iter().filter(|r| r.output == o.name).collect();
        // The name column leaves room for two intervals in 80 columns; a longer name is wrapped
        // at spaces, its shares beside its last line. An interval such as "0.1% (0.1% to 0.2%)"
        // or "-3% (-12% to -8%)" takes at most IV characters.
        const IV: usize = 20;
        let w = mine
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(10)
            .clamp(10, crate::words::WIDTH - 2 - 2 - IV - 2 - IV);
        writeln!(out, "  {:w$}  {:<IV$}  with interactions", "input", "alone")?;
        let mut grouped = false;
        for r in &mine {
            if r.kind == "group" && !grouped {
                grouped = true;
                writeln!(out, "  groups:")?;
            }
            if r.kind == "all inputs" {
                writeln!(out, "  together:")?;
            }
            let mut lines = name_lines(&r.name, w);
            let mut last = lines.pop().unwrap_or_default();
            for l in lines {
                writeln!(out, "  {l}")?;
            }
            if last.chars().count() > w {
                // A key longer than the column: the shares go on the line below it, aligned.
                writeln!(out, "  {last}")?;
                last.clear();
            }
            let total = if r.total.value.is_finite() {
                iv(&r.total)
            } else {
                String::new()
            };
            let row = format!("  {last:w$}  {:<IV$}  {total}", iv(&r.first));
            writeln!(out, "{}", row.trim_end())?;
        }
    }
    let joined: Vec<&str> = f
        .factors
        .iter()
        .filter(|x| x.paths.len() > 1)
        .map(|x| x.name.as_str())
        .collect();
    if !joined.is_empty() {
        let note = format!(
            "Correlated inputs count as one: {} (single shares of correlated inputs are not defined).",
            joined.join("; ")
        );
        writeln!(out, "{}", crate::words::para(&note))?;
    }
    if f.sets[..f.singles].iter().any(|s| s.len() > 1) {
        let note = format!(
            "{}: the uncertain inputs --param and --vary did not name, taken together.",
            shares::OTHERS
        );
        writeln!(out, "{}", crate::words::para(&note))?;
    }
    for (key, why) in unshared {
        writeln!(
            out,
            "{}",
            crate::words::para(&format!("No share for {key}: {why}."))
        )?;
    }
    if let Some(set) = f.group("attrition") {
        let b = &f.outputs[0].estimates;
        let mut s = format!(
            "Attrition explains {} of the variance of {} bookings",
            iv(&b.first[set]),
            f.period.label
        );
        if let Some(h) = f.outputs.get(1)
            && h.estimates.variance > 0.0
        {
            s.push_str(&format!(
                " and {} of the variance of hitting its plan (P(hit plan) {})",
                iv(&h.estimates.first[set]),
                pct(h.estimates.mean)
            ));
        }
        writeln!(out, "{}", crate::words::para(&format!("{s}.")))?;
    } else if base
        .uncertainty
        .params
        .iter()
        .all(|p| !p.path.starts_with("attrition."))
    {
        let note = format!(
            "Attrition is certain in {}: declare a belief about attrition.annual_rate to get its share.",
            base.source
        );
        writeln!(out, "{}", crate::words::para(&note))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::name_lines;

    #[test]
    fn share_names_keep_the_plus_with_the_key_before_it() {
        let joined =
            "pipeline.inbound_opportunities_per_month + pipeline.opportunities_per_rep_month";
        assert_eq!(
            name_lines(joined, 34),
            [
                "pipeline.inbound_opportunities_per_month +",
                "pipeline.opportunities_per_rep_month"
            ]
        );
        assert_eq!(
            name_lines("pipeline.cycle_months.mean + pipeline.outcomes", 34),
            ["pipeline.cycle_months.mean +", "pipeline.outcomes"]
        );
        assert_eq!(name_lines("a + b + c", 34), ["a + b + c"]);
        assert_eq!(
            name_lines("attrition.annual_rate", 34),
            ["attrition.annual_rate"]
        );
        assert_eq!(
            name_lines("the uncertain inputs not named", 10),
            ["the", "uncertain", "inputs not", "named"]
        );
    }
}
