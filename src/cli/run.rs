//! `revsim run`: simulates one scenario, prints its summary and writes its results folder (or,
//! with `--shard`, one part of the trials for `revsim merge`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::{Format, SimArgs};
use super::{progress_bar, seconds};
use crate::batch::Shard;
use crate::batch::shards::{self, RunPart};
use crate::diagnostic::InputError;
use crate::output_dir::Access;
use crate::precision::Precision;
use crate::report::{self, Manifest, OutputDir, RUN_FILES, safe_dir_name};
use crate::scenario::Scenario;

/// Arguments of `revsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file.
    pub file: PathBuf,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Keep adding trials until the 95% half-width of P50 bookings is under this share of it
    /// and that of P(hit plan) under this many points, e.g. `--precision 1%`. `--trials` is then
    /// the first batch.
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// The most trials `--precision` may run.
    #[arg(long, default_value_t = 200_000, requires = "precision")]
    pub max_trials: u64,
    /// Run only part I of N of the trials (whole blocks), for a cluster array job; `revsim merge`
    /// combines the parts. `auto` reads JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or
    /// AWS_BATCH_JOB_ARRAY_INDEX and the count (the default when REVSIM_SHARD_COUNT is set; see
    /// docs/cluster.md).
    #[arg(long, value_name = "I/N", conflicts_with = "precision")]
    pub shard: Option<String>,
}

/// Runs `revsim run`.
pub fn run(a: &RunArgs) -> anyhow::Result<()> {
    let mut loaded = a.sim.load(&a.file)?;
    let precision = a
        .precision
        .as_deref()
        .map(|p| {
            crate::precision::parse_precision(p, loaded.scenario.plan_by_fiscal_year.is_some())
        })
        .transpose()?;
    // A precision-targeted run samples the across-trial draws by scrambled Sobol' points
    // unless the file (or --set) says how: fewer trials for the same precision. Without
    // across-trial draws there is nothing for it to spread evenly.
    if precision.is_some()
        && loaded.scenario.raw.simulation.sampling.is_none()
        && !loaded.scenario.uncertainty.params.is_empty()
    {
        loaded.scenario.sampling = crate::scenario::raw::Sampling::Sobol;
    }
    let (s, trials, seed) = (&loaded.scenario, loaded.trials, loaded.seed);
    if precision.is_some() {
        super::at_most_max_trials("--max-trials", a.max_trials)?;
    }
    let shard = crate::batch::resolve_shard(a.shard.as_deref(), &|k| std::env::var(k).ok())?;
    if precision.is_some() && shard.is_some() {
        return Err(InputError::file(
            "--precision",
            "a precision-targeted run cannot be split into shards: its trial count is not known in advance",
        )
        .help("run the shards with a fixed --trials, or drop --shard")
        .into());
    }
    let out = a.sim.output.out_or(|| safe_dir_name(&s.name));
    if let Some((shard, from)) = shard {
        return run_shard(a, s, &out, trials, seed, shard, &from);
    }
    // A rerun of the same file replaces revsim's previous run in its folder without --force.
    let from_file = (!crate::diagnostic::input::is_stdin(&a.file)).then_some(a.file.as_path());
    let dir = OutputDir::prepare_run(&out, a.sim.output.force, from_file)?;
    let quiet = a.sim.output.quiet;
    if let (Some(o), false) = (&s.open_deals, quiet) {
        super::note(format_args!("Starting pipeline: {}.", o.describe()));
    }

    let pool = a.sim.output.pool()?;
    let most = match &precision {
        Some(_) => usize::try_from(a.max_trials)
            .unwrap_or(usize::MAX)
            .max(trials),
        None => trials,
    };
    let cost = super::cost(s, most, pool.current_num_threads());
    if cost.worth_saying() && !quiet {
        super::note(format_args!("note: {}", cost.sentence()));
    }
    let started = Instant::now();
    let (results, calm, reached) = pool.install(|| simulate(a, s, trials, seed, &precision));
    let manifest = Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenario: s.name.clone(),
        scenario_path: s.source.clone(),
        scenario_inherits: s.inherits.clone(),
        overrides: a.sim.set.clone(),
        scenario_sha256: s.sha256.clone(),
        seed,
        trials: results.trials,
        threads: pool.current_num_threads(),
        wall_time_s: 0.0,
        simulation_s: Some(seconds(started)),
        detail: detail_name(s),
        sampling: s.sampling.name(),
        monthly_quantiles: "",
        precision: reached.clone(),
        shards: None,
        files: Vec::new(),
    };
    let shown = Shown {
        quiet,
        json: a.sim.output.format == Format::Json,
    };
    finish_run(&pool, &dir, s, results, calm, manifest, started, shown)?;
    if let (Some(r), false) = (reached, quiet) {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::words::para(&crate::precision::precision_sentence(&r, s.sampling))
        )?;
    }
    Ok(())
}

/// The trials of a run (all of `trials`, or until `precision` is reached), with the run without
/// leadership effects when the scenario has them, showing a progress bar.
fn simulate(
    a: &RunArgs,
    s: &Scenario,
    trials: usize,
    seed: u64,
    precision: &Option<Precision>,
) -> (
    crate::engine::Results,
    Option<crate::engine::Results>,
    Option<Precision>,
) {
    let passes = if s.leadership.is_some() { 2 } else { 1 };
    let bar = progress_bar(a.sim.output.quiet, passes * trials);
    let (r, reached) = match precision {
        None => (
            crate::engine::simulate(s, trials, seed, &|n| bar.inc(n as u64)),
            None,
        ),
        Some(p) => {
            let max = usize::try_from(a.max_trials)
                .unwrap_or(usize::MAX)
                .max(trials);
            let (r, reached) = crate::precision::until_precise(s, trials, max, seed, p, &bar);
            bar.set_length((passes * r.trials) as u64);
            (r, Some(reached))
        }
    };
    let calm = crate::engine::without_leadership(s, r.trials, seed, &|n| bar.inc(n as u64));
    bar.finish_and_clear();
    (r, calm, reached)
}

/// The scenario's `simulation.detail`, as written in the file.
pub(super) fn detail_name(s: &Scenario) -> &'static str {
    match s.detail {
        crate::scenario::raw::Detail::Full => "full",
        crate::scenario::raw::Detail::Bookings => "bookings",
    }
}

/// What a finished run prints on stdout: nothing (`--quiet`), its table, or its summary as
/// JSON (`--format json`, printed even with `--quiet`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Shown {
    pub quiet: bool,
    pub json: bool,
}

/// Summarises a finished run, writes its files and prints its table (`run`, and `merge` of a
/// sharded run).
#[allow(clippy::too_many_arguments)]
pub(super) fn finish_run(
    pool: &rayon::ThreadPool,
    dir: &OutputDir,
    s: &Scenario,
    results: crate::engine::Results,
    calm: Option<crate::engine::Results>,
    mut manifest: Manifest,
    started: Instant,
    shown: Shown,
) -> anyhow::Result<()> {
    // The headline figures (a few sorted columns) on one thread while the monthly ones (a
    // thousand) take the others.
    let (mut summary, monthly) = pool.install(|| {
        rayon::join(
            || crate::summary::summarize(s, &results, calm.as_ref()),
            || crate::summary::monthly(&results),
        )
    });
    summary.spread_by_layer =
        pool.install(|| crate::layers::attribute(s, &results, manifest.seed, &|_| ()));
    manifest.wall_time_s = seconds(started);
    manifest.monthly_quantiles = crate::summary::monthly_method(&results);
    let files = pool.install(|| {
        report::write_run(
            dir,
            s,
            &results,
            calm.as_ref(),
            &summary,
            &monthly,
            &manifest,
        )
    })?;
    if shown.json {
        super::args::print_json(&summary)?;
    } else if !shown.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", report::table::render(&summary))?;
        let done = format!(
            "Wrote {} ({}, and {} charts) in {:.1} s.",
            dir.path().display(),
            ["report.html"]
                .iter()
                .chain(RUN_FILES.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            files.iter().filter(|f| f.ends_with(".svg")).count(),
            manifest.wall_time_s
        );
        writeln!(stdout, "\n{}", crate::words::para(&done))?;
    }
    Ok(())
}

/// `revsim run FILE --shard I/N`: runs this shard's whole blocks of trials and writes them.
fn run_shard(
    a: &RunArgs,
    s: &Scenario,
    out: &Path,
    trials: usize,
    seed: u64,
    shard: Shard,
    from: &str,
) -> anyhow::Result<()> {
    let quiet = a.sim.output.quiet;
    let dir = shards::part_dir(out, a.sim.output.force, Access::Shared)?;
    let range = shard.trial_range(trials);
    let pool = a.sim.output.pool()?;
    let passes = if s.leadership.is_some() { 2 } else { 1 };
    let bar = progress_bar(quiet, passes * range.len());
    let part = pool.install(|| {
        RunPart::simulate(&a.file, &a.sim.set, s, seed, trials, shard, &|n| {
            bar.inc(n as u64)
        })
    });
    bar.finish_and_clear();
    let written = part.write(&dir)?;
    if !quiet {
        let done = format!(
            "Shard {}/{} ({from}): trials {}..{} of {} written to {}. When every shard has finished: revsim merge {}",
            shard.index + 1,
            shard.count,
            range.start,
            range.end,
            trials,
            written.display(),
            crate::report::html::shell_word(&dir.path().display().to_string())
        );
        writeln!(std::io::stdout().lock(), "{}", crate::words::para(&done))?;
    }
    Ok(())
}
