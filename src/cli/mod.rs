//! The command line: `run`, `compare`, `sweep`, `sensitivity`, `solve`, `merge`, `check`, `init`,
//! `schema`, `calibrate`, `synth-crm`, `backtest`.

mod backtest;
mod batch;
mod batch_more;
mod calibrate;
mod synth;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::report::{self, Manifest, OutputDir, RUN_FILES, safe_dir_name};
use crate::scenario::{InputError, Scenario, template};

/// Monte Carlo revenue forecasts for B2B sales organisations.
#[derive(Debug, Parser)]
#[command(name = "revsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario: print the summary and write results to a directory.
    #[command(
        after_help = "Examples:\n  revsim run scenarios/baseline.toml\n  revsim run scenarios/baseline.toml --trials 50000 --seed 7 --out out/board-pack --force"
    )]
    Run(RunArgs),
    /// Run several scenarios on common random numbers and report how they differ.
    #[command(
        after_help = "The first file is the reference; every other is compared with it.\n\nExamples:\n  revsim compare scenarios/vp-stable.toml scenarios/vp-churn.toml\n  revsim compare base.toml hire-faster.toml hire-more.toml --trials 20000 --out out/hiring"
    )]
    Compare(CompareArgs),
    /// Run a grid of variants (or a batch file of named variants) on common random numbers.
    #[command(
        after_help = "Every combination of the --vary values runs with one seed; finished variants are kept, so a rerun resumes.\n\nExamples:\n  revsim sweep scenarios/baseline.toml --vary pipeline.opportunities_per_rep_month=3.5..4.5:0.5 --vary attrition.annual_rate=0.2,0.28,0.35\n  revsim sweep scenarios/baseline.toml --variants what-ifs.toml --trials 5000\n  revsim sweep scenarios/baseline.toml --vary attrition.annual_rate=0.2..0.4:0.02 --shard 2/4 --out out/attrition   (then revsim merge out/attrition)"
    )]
    Sweep(batch::SweepArgs),
    /// Rank parameters by how much they move P50 bookings and P(hit plan): a tornado chart.
    #[command(
        after_help = "Examples:\n  revsim sensitivity scenarios/baseline.toml --param attrition.annual_rate --param pipeline.opportunities_per_rep_month --param hiring.recruiting_capacity_per_month\n  revsim sensitivity scenarios/baseline.toml --param pipeline.inbound_opportunities_per_month --change 10% --vary attrition.annual_rate=0.2,0.4"
    )]
    Sensitivity(batch::SensitivityArgs),
    /// Goal seek: the smallest (or largest) value of a setting that meets a target.
    #[command(
        after_help = "Examples:\n  revsim solve scenarios/baseline.toml --set 'hiring.headcount_plan=[]' --target 'p_hit_plan >= 0.8' --vary org.seats=46..120\n  revsim solve scenarios/baseline.toml --target 'bookings_usd_p50 >= 95M' --vary pipeline.opportunities_per_rep_month=2..8:0.25"
    )]
    Solve(batch::SolveArgs),
    /// Combine the parts written by `--shard` runs into the outputs of one run or batch.
    #[command(
        after_help = "Examples:\n  revsim merge out/seats                      (shards that shared one --out directory)\n  revsim merge part-1 part-2 part-3 --out out/big-run"
    )]
    Merge(batch::MergeArgs),
    /// Validate scenario files without simulating.
    #[command(after_help = "Example:\n  revsim check scenarios/*.toml")]
    Check {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override a setting: `--set key=value` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Treat plausibility warnings (values outside published benchmarks) as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Write a commented starter scenario.
    #[command(after_help = "Example:\n  revsim init my-org.toml && revsim run my-org.toml")]
    Init {
        /// File to create.
        file: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the scenario format (for editor completion).
    #[command(after_help = "Example:\n  revsim schema > revsim.schema.json")]
    Schema,
    /// Fit a scenario fragment (deal size, cycle times, outcome and win rates, opportunities per
    /// rep-month) from a CRM export of closed opportunities.
    #[command(
        after_help = "Reads revsim, Salesforce and HubSpot exports (detected from the header row); see docs/calibrate.md.\n\nExamples:\n  revsim calibrate history.csv\n  revsim calibrate sfdc-report.csv --extends scenarios/baseline.toml --skip-bad-rows\n  revsim calibrate deals.csv --columns hubspot --map segment=\"Market tier\" --no-decision \"Went quiet\"\n  revsim calibrate export.csv --map owner=\"Account Executive\" --date-order dmy --size empirical"
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// Write one trial of a scenario as a CRM export (the layout `revsim calibrate` reads): a
    /// synthetic history whose true parameters are known.
    #[command(
        name = "synth-crm",
        after_help = "Deals closed by the export date are won, lost or no decision; those still open are written as outcome `open` (or to --open-out); see docs/synthetic-crm.md.\n\nExamples:\n  revsim synth-crm scenarios/baseline.toml --out history.csv\n  revsim synth-crm scenarios/baseline.toml --out history.csv --seed 7 --trial 3 --as-of 2028-06-30 --open-out open.csv\n  revsim synth-crm tests/fixtures/crm/synthetic/known.toml --out history.csv --force && revsim calibrate history.csv --created-from 2024-01-01 --created-until 2025-08-31"
    )]
    SynthCrm(synth::SynthArgs),
    /// Forecast from past origins with what was known then, and report where actual bookings
    /// fell in the forecast (how often inside P10-P90, by month).
    #[command(
        after_help = "Reads the exports `revsim calibrate` reads; see docs/backtest.md.\n\nExamples:\n  revsim backtest history.csv --as-of 2024-07\n  revsim backtest history.csv --as-of 2024-01..2024-06 --months 6 --extends scenarios/baseline.toml\n  revsim backtest sfdc-report.csv --as-of 2024-04 --as-of 2024-10 --skip-bad-rows --trials 5000"
    )]
    Backtest(backtest::BacktestArgs),
}

/// Options shared by the commands that simulate (`run`, `compare`).
#[derive(Debug, clap::Args)]
pub struct SimOptions {
    /// Number of trials (default: the (first) scenario's `simulation.trials`).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Random seed, shared by every scenario (default: the (first) scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: out/NAME/ for scenario NAME, or out/compare-A-vs-B/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the files of a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a setting: `--set key=value` (repeatable), applied after the file and everything
    /// it inherits, e.g. `--set pipeline.outcomes.won=0.3`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Treat plausibility warnings (values outside published benchmarks, e.g. annual attrition
    /// over 80%) as errors (exit 2).
    #[arg(long)]
    pub strict: bool,
}

/// Arguments of `revsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file.
    pub file: PathBuf,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub opts: SimOptions,
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

/// Arguments of `revsim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files: the reference first, then the alternatives (2 to 7 in all).
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub opts: SimOptions,
}

/// Exit code for an error: 2 for bad input (the user can fix it), 1 otherwise.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<InputError>()) {
        2
    } else {
        1
    }
}

/// Whether `e` is a closed standard output (the reader of a pipe went away): not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Parses `args` and runs the command.
pub fn main(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<()> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            std::process::exit(code);
        }
    };
    crate::interrupt::install();
    crate::interrupt::set_hint(match &cli.command {
        Command::Sweep(_) | Command::Sensitivity(_) | Command::Solve(_) => {
            "Each finished variant is kept: rerun the same command to resume where it stopped"
        }
        Command::Run(_) | Command::Compare(_) | Command::Merge(_) => {
            "The command did not finish (run.json, written last, was not): rerun it, with --force if its folder now holds files"
        }
        _ => "The command did not finish: rerun it",
    });
    match cli.command {
        Command::Run(a) => run(&a),
        Command::Compare(a) => compare(&a),
        Command::Sweep(a) => batch::sweep(&a),
        Command::Sensitivity(a) => batch::sensitivity(&a),
        Command::Solve(a) => batch::solve(&a),
        Command::Merge(a) => batch::merge(&a),
        Command::Check { files, set, strict } => check(&files, &set, strict),
        Command::Init { file, force } => init(&file, force),
        Command::Calibrate(a) => calibrate::calibrate(&a),
        Command::SynthCrm(a) => synth::synth_crm(&a),
        Command::Backtest(a) => backtest::backtest(&a),
        Command::Schema => {
            let schema = schemars::schema_for!(crate::scenario::raw::RawScenario);
            writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string_pretty(&schema)?
            )?;
            Ok(())
        }
    }
}

/// Prints `s`'s plausibility warnings on stderr (unless `quiet`), or, with `strict`, returns
/// the first as an error. `sets` are the `--set` overrides it was loaded with.
pub(crate) fn plausibility(
    s: &Scenario,
    sets: &[String],
    strict: bool,
    quiet: bool,
) -> Result<(), InputError> {
    use crate::scenario::plausibility;
    let warnings = plausibility::check(s);
    if warnings.is_empty() {
        return Ok(());
    }
    let layers = plausibility::layers(s, &[sets.to_vec()]);
    if strict {
        // All but the last are printed here; the caller prints the one returned.
        for w in &warnings[..warnings.len() - 1] {
            eprintln!("{}", plausibility::render(w, &layers, &s.source, true));
        }
        let last = warnings.last().expect("not empty");
        return Err(plausibility::to_error(last, &layers, &s.source));
    }
    if !quiet {
        for w in &warnings {
            eprintln!("{}", plausibility::render(w, &layers, &s.source, false));
        }
    }
    Ok(())
}

pub(crate) fn trial_count(requested: u64) -> anyhow::Result<usize> {
    if requested == 0 {
        return Err(
            InputError::file("--trials", "0 trials cannot give a distribution")
                .help("use at least 1")
                .into(),
        );
    }
    usize::try_from(requested).context("trial count too large")
}

/// A progress bar on a terminal's stderr; hidden when quiet or redirected.
pub(crate) fn progress_bar(quiet: bool, total: usize) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} trials [{bar:30}] {per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    b
}

fn run(a: &RunArgs) -> anyhow::Result<()> {
    let s = Scenario::load_with(&a.file, &a.opts.set)?;
    plausibility(&s, &a.opts.set, a.opts.strict, a.opts.quiet)?;
    let trials = trial_count(a.opts.trials.unwrap_or(s.trials))?;
    let seed = a.opts.seed.unwrap_or(s.seed);
    let precision = a
        .precision
        .as_deref()
        .map(|p| crate::precision::parse_precision(p, s.plan_by_fiscal_year.is_some()))
        .transpose()?;
    let shard = crate::batch::resolve_shard(a.shard.as_deref(), &|k| std::env::var(k).ok())?;
    if precision.is_some() && shard.is_some() {
        return Err(InputError::file(
            "--precision",
            "a precision-targeted run cannot be split into shards: its trial count is not known in advance",
        )
        .help("run the shards with a fixed --trials, or drop --shard")
        .into());
    }
    let out = a
        .opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(safe_dir_name(&s.name)));
    if let Some((shard, from)) = shard {
        return batch::run_shard(a, &s, &out, trials, seed, shard, &from);
    }
    let dir = OutputDir::prepare(&out, a.opts.force)?;
    if let (Some(o), false) = (&s.open_deals, a.opts.quiet) {
        eprintln!("Starting pipeline: {}.", o.describe());
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.opts.threads.unwrap_or(0))
        .build()?;
    let threads = pool.current_num_threads();
    let passes = if s.leadership.is_some() { 2 } else { 1 };
    let bar = progress_bar(a.opts.quiet, passes * trials);
    let started = Instant::now();
    let (results, calm, reached) = pool.install(|| {
        let (r, reached) = match &precision {
            None => (
                crate::engine::simulate(&s, trials, seed, &|n| bar.inc(n as u64)),
                None,
            ),
            Some(p) => {
                let max = usize::try_from(a.max_trials)
                    .unwrap_or(usize::MAX)
                    .max(trials);
                let (r, reached) = crate::precision::until_precise(&s, trials, max, seed, p, &bar);
                bar.set_length((passes * r.trials) as u64);
                (r, Some(reached))
            }
        };
        let calm = crate::engine::without_leadership(&s, r.trials, seed, &|n| bar.inc(n as u64));
        (r, calm, reached)
    });
    let simulation_s = seconds(started);
    bar.finish_and_clear();
    let manifest = Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenario: s.name.clone(),
        scenario_path: s.source.clone(),
        scenario_inherits: s.inherits.clone(),
        overrides: a.opts.set.clone(),
        scenario_sha256: s.sha256.clone(),
        seed,
        trials: results.trials,
        threads,
        wall_time_s: 0.0,
        simulation_s: Some(simulation_s),
        detail: detail_name(&s),
        monthly_quantiles: "",
        precision: reached.clone(),
        shards: None,
        files: Vec::new(),
    };
    finish_run(
        &pool,
        &dir,
        &s,
        results,
        calm,
        manifest,
        started,
        a.opts.quiet,
    )?;
    if let (Some(r), false) = (reached, a.opts.quiet) {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::precision::precision_sentence(&r)
        )?;
    }
    Ok(())
}

/// Seconds since `started`, to the millisecond.
pub(crate) fn seconds(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// The scenario's `simulation.detail`, as written in the file.
pub(crate) fn detail_name(s: &Scenario) -> &'static str {
    match s.detail {
        crate::scenario::raw::Detail::Full => "full",
        crate::scenario::raw::Detail::Bookings => "bookings",
    }
}

/// Summarises a finished run, writes its files and prints its table.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_run(
    pool: &rayon::ThreadPool,
    dir: &OutputDir,
    s: &Scenario,
    results: crate::engine::Results,
    calm: Option<crate::engine::Results>,
    mut manifest: Manifest,
    started: Instant,
    quiet: bool,
) -> anyhow::Result<()> {
    let (summary, monthly) = pool.install(|| {
        (
            crate::summary::summarize(s, &results, calm.as_ref()),
            crate::summary::monthly(&results),
        )
    });
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
    if !quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", report::table::render(&summary))?;
        writeln!(
            stdout,
            "\nWrote {} ({}, and {} charts) in {:.1} s.",
            dir.path().display(),
            ["report.html"]
                .iter()
                .chain(RUN_FILES.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            files.iter().filter(|f| f.ends_with(".svg")).count(),
            manifest.wall_time_s
        )?;
    }
    Ok(())
}

fn compare(a: &CompareArgs) -> anyhow::Result<()> {
    use crate::compare::{Arm, MAX_SCENARIOS};
    if a.files.len() > MAX_SCENARIOS {
        return Err(InputError::file(
            "revsim compare",
            format!(
                "{} scenarios given; a comparison takes at most {MAX_SCENARIOS}, one colour each",
                a.files.len()
            ),
        )
        .help("split the scenarios into several comparisons that share the reference")
        .into());
    }
    let scenarios = a
        .files
        .iter()
        .map(|f| Scenario::load_with(f, &a.opts.set))
        .collect::<Result<Vec<_>, _>>()?;
    for s in &scenarios {
        plausibility(s, &a.opts.set, a.opts.strict, a.opts.quiet)?;
    }
    let reference = &scenarios[0];
    for s in &scenarios[1..] {
        if s.clock.start != reference.clock.start || s.horizon() != reference.horizon() {
            return Err(InputError::file(
                &s.source,
                format!(
                    "starts {} for {} months, but the reference {} starts {} for {} months; a comparison needs one calendar",
                    s.clock.start,
                    s.horizon(),
                    reference.source,
                    reference.clock.start,
                    reference.horizon()
                ),
            )
            .help("set simulation.start_month and simulation.horizon_months alike in every file")
            .into());
        }
    }
    let trials = trial_count(a.opts.trials.unwrap_or(reference.trials))?;
    let seed = a.opts.seed.unwrap_or(reference.seed);
    let labels = crate::compare::unique_labels(
        &scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
    );
    let out = a.opts.out.clone().unwrap_or_else(|| {
        let names: Vec<String> = scenarios.iter().map(|s| safe_dir_name(&s.name)).collect();
        Path::new("out").join(safe_dir_name(&format!("compare-{}", names.join("-vs-"))))
    });
    let dir = OutputDir::prepare(&out, a.opts.force)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.opts.threads.unwrap_or(0))
        .build()?;
    let threads = pool.current_num_threads();
    let bar = progress_bar(a.opts.quiet, trials * scenarios.len());
    let started = Instant::now();
    let (arms, diffs) = pool.install(|| {
        let arms: Vec<Arm> = scenarios
            .into_iter()
            .zip(labels)
            .map(|(s, label)| {
                let results = crate::engine::simulate(&s, trials, seed, &|n| bar.inc(n as u64));
                let summary = crate::summary::summarize(&s, &results, None);
                let monthly = crate::summary::monthly(&results);
                Arm {
                    label,
                    scenario: s,
                    results,
                    summary,
                    monthly,
                }
            })
            .collect();
        let diffs = crate::compare::differences(&arms, seed);
        (arms, diffs)
    });
    bar.finish_and_clear();
    let wall_time_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let inputs =
        crate::compare::input_differences(&arms.iter().map(|a| &a.scenario).collect::<Vec<_>>());
    let command = format!(
        "revsim compare {} --seed {seed} --trials {trials}{}",
        arms.iter()
            .map(|a| crate::report::html::shell_word(&a.scenario.source))
            .collect::<Vec<_>>()
            .join(" "),
        a.opts
            .set
            .iter()
            .map(|s| format!(" --set {}", crate::report::html::shell_word(s)))
            .collect::<String>()
    );
    let files = pool.install(|| {
        report::write_compare(
            &dir,
            &arms,
            &diffs,
            &inputs,
            &report::CompareRun {
                seed,
                trials,
                threads,
                wall_time_s,
                command,
            },
        )
    })?;
    if !a.opts.quiet {
        let mut stdout = std::io::stdout().lock();
        for d in diffs.iter().filter(|d| d.period == "horizon") {
            writeln!(stdout, "{}", report::html::compare_sentence(d))?;
        }
        if !inputs.is_empty() {
            writeln!(stdout, "\nInputs that differ:")?;
            for d in &inputs {
                let values: Vec<String> = d
                    .values
                    .iter()
                    .map(|v| v.clone().unwrap_or_else(|| "(default)".into()))
                    .collect();
                writeln!(stdout, "  {}: {}", d.key, values.join(" | "))?;
            }
        }
        writeln!(
            stdout,
            "\nWrote {} (report.html and {} files) in {:.1} s.",
            dir.path().display(),
            files.len() - 1,
            wall_time_s
        )?;
    }
    Ok(())
}

fn check(files: &[PathBuf], set: &[String], strict: bool) -> anyhow::Result<()> {
    let mut failed = None;
    for f in files {
        let loaded = Scenario::load_with(f, set)
            .and_then(|s| plausibility(&s, set, strict, false).map(|()| s));
        match loaded {
            Ok(s) => writeln!(
                std::io::stdout().lock(),
                "ok: {} ({}: {} seats, {} months from {}, {} trials{})",
                f.display(),
                s.name,
                s.staffing.starting_seats,
                s.horizon(),
                s.clock.start,
                s.trials,
                if s.inherits.is_empty() {
                    String::new()
                } else {
                    format!("; extends {}", s.inherits.join(" <- "))
                }
            )
            .and_then(|()| match &s.open_deals {
                Some(o) => writeln!(std::io::stdout().lock(), "  {}", o.describe()),
                None => Ok(()),
            })?,
            Err(e) => {
                // Print all but the last failure here; main prints the one returned.
                if let Some(prev) = failed.replace(e) {
                    eprintln!("error: {prev}");
                }
            }
        }
    }
    match failed {
        None => Ok(()),
        Some(e) => Err(e.into()),
    }
}

fn init(file: &Path, force: bool) -> anyhow::Result<()> {
    let shown = file.display().to_string();
    if file.exists() && !force {
        return Err(
            InputError::file(&shown, "the file already exists; refusing to overwrite it")
                .help("choose another name, or pass --force to replace it")
                .into(),
        );
    }
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(InputError::file(&shown, "its folder does not exist")
            .help("create the folder first")
            .into());
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = OutputDir::existing(&parent);
    dir.write(&name, |w| w.write_all(template::STARTER.as_bytes()))?;
    writeln!(
        std::io::stdout().lock(),
        "Wrote {shown}: edit it, then `revsim run {shown}`."
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
