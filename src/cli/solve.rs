//! `revsim solve`: goal seek, the smallest (or largest) value of a setting that meets a target
//! (the work is in [`crate::batch::solve`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use super::BatchBar;
use super::args::SimArgs;
use crate::batch::solve::{self, GoalSeek};
use crate::batch::{Progress, Store, folder, short_key};
use crate::output_dir::Access;
use crate::report::safe_dir_name;

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

/// Runs `revsim solve`.
pub fn solve(a: &SolveArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let loaded = a.sim.load(&a.file)?;
    let base = &loaded.scenario;
    let target = solve::parse_target(&a.target)?;
    let seek = GoalSeek::new(
        base,
        &a.file,
        &a.sim.set,
        target,
        &a.vary,
        loaded.seed,
        loaded.trials,
    )?;
    let out = a.sim.output.out_or(|| {
        format!(
            "solve-{}-{}",
            safe_dir_name(&base.name),
            safe_dir_name(short_key(&seek.key))
        )
    });
    let dir = folder::open(&out, &seek.plan(), a.sim.output.force, Access::Exclusive)?;
    let store = Store::open(&dir)?;
    let pool = a.sim.output.pool()?;
    let bar = BatchBar::new(a.sim.output.quiet);
    let progress = Progress {
        step: &|s| bar.step(s),
        trials: &|n| bar.trials(n),
    };
    let solution = pool.install(|| seek.run(&store, progress))?;
    pool.install(|| solve::write(&dir, &seek, &solution))?;
    if !a.sim.output.quiet {
        writeln!(
            std::io::stdout().lock(),
            "{}\n{} on common random numbers (seed {}). Wrote {} (report.html, solve.json, solve.csv, charts/solve.svg) in {:.1} s.",
            solution.describe(&seek),
            crate::words::plural(solution.evaluations.len(), "run"),
            seek.seed,
            dir.path().display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}
