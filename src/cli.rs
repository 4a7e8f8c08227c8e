//! The command line: `run`, `check`, `init`, `schema`.

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
    /// Validate scenario files without simulating.
    #[command(after_help = "Example:\n  revsim check scenarios/*.toml")]
    Check {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override a setting: `--set key=value` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
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
    /// Output directory (default: out/<scenario name>/, or out/compare-<a>-vs-<b>/).
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
}

/// Arguments of `revsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file.
    pub file: PathBuf,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub opts: SimOptions,
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
    match cli.command {
        Command::Run(a) => run(&a),
        Command::Compare(a) => compare(&a),
        Command::Check { files, set } => check(&files, &set),
        Command::Init { file, force } => init(&file, force),
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

fn trial_count(requested: u64) -> anyhow::Result<usize> {
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
fn progress_bar(quiet: bool, total: usize) -> indicatif::ProgressBar {
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
    let trials = trial_count(a.opts.trials.unwrap_or(s.trials))?;
    let seed = a.opts.seed.unwrap_or(s.seed);
    let out = a
        .opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(safe_dir_name(&s.name)));
    let dir = OutputDir::prepare(&out, a.opts.force)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.opts.threads.unwrap_or(0))
        .build()?;
    let threads = pool.current_num_threads();
    let passes = if s.leadership.is_some() { 2 } else { 1 };
    let bar = progress_bar(a.opts.quiet, passes * trials);
    let started = Instant::now();
    let (results, calm, summary, monthly) = pool.install(|| {
        let r = crate::engine::simulate(&s, trials, seed, &|n| bar.inc(n as u64));
        let calm = crate::engine::without_leadership(&s, trials, seed, &|n| bar.inc(n as u64));
        let summary = crate::summary::summarize(&s, &r, calm.as_ref());
        let monthly = crate::summary::monthly(&r);
        (r, calm, summary, monthly)
    });
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
        trials,
        threads,
        wall_time_s: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        files: Vec::new(),
    };
    let files = pool.install(|| {
        report::write_run(
            &dir,
            &s,
            &results,
            calm.as_ref(),
            &summary,
            &monthly,
            &manifest,
        )
    })?;
    if !a.opts.quiet {
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
        Path::new("out").join(format!("compare-{}", names.join("-vs-")))
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

fn check(files: &[PathBuf], set: &[String]) -> anyhow::Result<()> {
    let mut failed = None;
    for f in files {
        match Scenario::load_with(f, set) {
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
            )?,
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
