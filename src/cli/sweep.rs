//! `revsim sweep`: runs a grid of variants (or a batch file of named variants) on common random
//! numbers and writes the sweep's table, charts and report (the work is in [`crate::batch`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use super::BatchBar;
use super::args::SimArgs;
use crate::batch::sweep::BatchPlan;
use crate::batch::{Progress, Store, VariantResult, folder};
use crate::output_dir::Access;
use crate::report::safe_dir_name;

/// Arguments of `revsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file every variant starts from.
    pub file: PathBuf,
    /// A setting and its values: `key=v1,v2,...` or `key=lo..hi:step` (repeat for a grid of
    /// every combination).
    #[arg(long, value_name = "KEY=VALUES", required_unless_present = "variants")]
    pub vary: Vec<String>,
    /// A batch file of named variants instead of a grid (see docs/batches.md).
    #[arg(long, value_name = "FILE", conflicts_with = "vary")]
    pub variants: Option<PathBuf>,
    /// Run only shard I of N of the variants (for a cluster array job); `revsim merge` combines
    /// them. `auto` reads the array job's index and count (the default when
    /// REVSIM_SHARD_COUNT is set; see docs/cluster.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs `revsim sweep`.
pub fn sweep(a: &SweepArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let loaded = a.sim.load(&a.file)?;
    let (trials, seed, quiet) = (loaded.trials, loaded.seed, a.sim.output.quiet);
    let (params, variants) = crate::batch::sweep::variants(&a.vary, a.variants.as_deref())?;
    let shard = crate::batch::resolve_shard(a.shard.as_deref(), &|k| std::env::var(k).ok())?;
    let planned = crate::batch::plan(&a.file, &a.sim.set, variants, seed, trials)?;
    let plan = BatchPlan::new("sweep", &a.file, &a.sim.set, &planned, params, seed, trials);
    if !quiet {
        for (dup, first) in plan.duplicates() {
            super::warn(&format!(
                "variant {dup:?} resolves to the same scenario as {first:?}: one run serves both rows"
            ));
        }
    }
    let out = a
        .sim
        .output
        .out_or(|| format!("sweep-{}", safe_dir_name(&loaded.scenario.name)));
    // The shards of a batch share its folder; a whole batch (or shard 1/1) holds it alone.
    let access = if shard.as_ref().is_some_and(|(s, _)| s.count > 1) {
        Access::Shared
    } else {
        Access::Exclusive
    };
    let dir = folder::open(&out, &plan, a.sim.output.force, access)?;
    let store = Store::open(&dir)?;
    let pool = a.sim.output.pool()?;
    let bar = BatchBar::new(quiet);
    let progress = Progress {
        step: &|s| bar.step(s),
        trials: &|n| bar.trials(n),
    };
    let ran = pool.install(|| {
        crate::batch::run_variants(
            &store,
            &planned,
            shard.as_ref().map(|(s, _)| *s),
            seed,
            trials,
            progress,
        )
    })?;
    let mut stdout = std::io::stdout().lock();
    if let Some((s, from)) = shard.as_ref().filter(|(s, _)| s.count > 1) {
        if !quiet {
            writeln!(
                stdout,
                "Shard {}/{} ({from}): ran {} variant(s){} into {}. When every shard has finished: revsim merge {}",
                s.index + 1,
                s.count,
                ran.now,
                if ran.before > 0 {
                    format!(", {} already done", ran.before)
                } else {
                    String::new()
                },
                dir.path().display(),
                crate::report::html::shell_word(&dir.path().display().to_string())
            )?;
        }
        return Ok(());
    }
    let results = folder::collect(&plan, std::slice::from_ref(&store))?;
    let files = pool.install(|| crate::batch::sweep::write(&dir, &plan, &results))?;
    if !quiet {
        print_table(&mut stdout, &results)?;
        let done = format!(
            "Ran {} variant(s){} in {:.1} s. Wrote {} (report.html, sweep.csv, sweep.xlsx, sweep.parquet and {} charts).",
            ran.now,
            if ran.before > 0 {
                format!(" ({} were already done)", ran.before)
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64(),
            dir.path().display(),
            files.iter().filter(|f| f.ends_with(".svg")).count()
        );
        writeln!(stdout, "\n{}", crate::words::wrap(&done, 80))?;
    }
    Ok(())
}

/// The sweep on the terminal: bookings over the horizon, one line per variant (`sweep`, and
/// `merge` of a sharded sweep), at most 80 columns wide: a variant's name too long for its
/// column is wrapped at spaces, its figures beside the last line.
pub(super) fn print_table(out: &mut dyn Write, results: &[VariantResult]) -> std::io::Result<()> {
    use crate::words::{pct, usd, wrap};
    let has_plan = results
        .first()
        .is_some_and(|r| r.periods[0].get("p_hit_plan").is_some());
    let figures = 3 * 9 + if has_plan { 13 } else { 0 };
    let width = results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 80 - 2 - figures);
    writeln!(
        out,
        "{:width$}  {:>9}{:>9}{:>9}{}",
        "variant",
        "P10",
        "P50",
        "P90",
        if has_plan { "  P(hit plan)" } else { "" }
    )?;
    for r in results {
        let h = &r.periods[0];
        let v = |n: &str| h.get(n).map_or(f64::NAN, |e| e.value);
        let wrapped = wrap(&r.name, width);
        let mut lines: Vec<&str> = wrapped.lines().collect();
        let last = lines.pop().unwrap_or("");
        for l in lines {
            writeln!(out, "{l}")?;
        }
        writeln!(
            out,
            "{last:width$}  {:>9}{:>9}{:>9}{}",
            usd(v("bookings_usd_p10")),
            usd(v("bookings_usd_p50")),
            usd(v("bookings_usd_p90")),
            h.get("p_hit_plan")
                .map(|e| format!("{:>13}", pct(e.value)))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "(bookings over the horizon)")
}
