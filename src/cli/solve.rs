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
    /// The goal: `[PERIOD.]METRIC[.STAT] OP VALUE`, e.g. `fy2028.p_hit_plan >= 80%`,
    /// `fy2027.bookings_usd.p50 >= 30M`, `horizon.ending_arr_usd.p10 >= 150M`.
    #[arg(long, value_name = "GOAL")]
    pub target: String,
    /// The setting to search and its range: `key=lo..hi` or `key=lo..hi:step`;
    /// `hiring.headcount_plan=0..40` adds seats to every point of the headcount plan,
    /// `hiring.headcount_plan.scale=1..1.5:0.05` multiplies them.
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
    let target = solve::parse_target(&a.target, &solve::periods_of(base))?;
    let seek = GoalSeek::new(
        base,
        &a.file,
        &a.sim.set,
        target,
        &a.vary,
        loaded.seed,
        loaded.trials,
    )?;
    for w in &seek.warnings {
        super::warn(w);
    }
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
    if a.sim.output.format == super::args::Format::Json {
        super::args::print_json(&solve::json(&seek, &solution))?;
    } else if !a.sim.output.quiet {
        let answer = format!(
            "{}\n{} on common random numbers (seed {}). Wrote {} (report.html, solve.json, solve.csv, solve.xlsx, solve.parquet, charts/solve.svg) in {:.1} s.",
            solution.describe(&seek),
            crate::words::plural(solution.evaluations.len(), "run"),
            seek.seed,
            dir.path().display(),
            started.elapsed().as_secs_f64()
        );
        writeln!(std::io::stdout().lock(), "{}", crate::words::para(&answer))?;
    }
    match solution.no_answer(&seek) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
