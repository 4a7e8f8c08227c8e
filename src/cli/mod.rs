//! The command line: `run`, `compare`, `sweep`, `sensitivity`, `solve`, `merge`, `check`, `init`,
//! `schema`, `calibrate`, `synth-crm`, `backtest`.
//!
//! Each command has its file, which parses its arguments, calls the library, prints and maps
//! errors; `args` holds the flags several commands share. This file holds the command list,
//! the dispatch, the exit codes and the helpers every command uses.

mod args;
mod backtest;
mod calibrate;
mod check;
mod compare;
mod init;
mod merge;
mod run;
mod schema;
mod sensitivity;
mod serve;
mod shell;
mod solve;
mod sweep;
mod synth;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::batch::Step;
use crate::diagnostic::InputError;
use crate::scenario::Scenario;

/// Monte Carlo revenue forecasts for B2B sales organisations.
#[derive(Debug, Parser)]
#[command(name = "revsim", version, about, long_about = None, max_term_width = 80)]
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
        after_help = "Examples:\n  revsim run scenarios/baseline.toml\n  revsim run scenarios/baseline.toml --trials 50000 --seed 7 \\\n    --out out/board-pack --force"
    )]
    Run(run::RunArgs),
    /// Run several scenarios on common random numbers and report how they differ.
    #[command(
        after_help = "The first file is the reference; every other is compared with it.\n\nExamples:\n  revsim compare scenarios/vp-stable.toml scenarios/vp-churn.toml\n  revsim compare base.toml hire-faster.toml hire-more.toml \\\n    --trials 20000 --out out/hiring"
    )]
    Compare(compare::CompareArgs),
    /// Run a grid of variants (or a batch file of named variants) on common random numbers.
    #[command(
        after_help = "Every combination of the --vary values runs with one seed; finished variants are kept, so a rerun resumes.\n\nExamples:\n  revsim sweep scenarios/baseline.toml \\\n    --vary pipeline.opportunities_per_rep_month=3.5..4.5:0.5 \\\n    --vary attrition.annual_rate=0.2,0.28,0.35\n  revsim sweep scenarios/baseline.toml --variants what-ifs.toml --trials 5000\n  revsim sweep scenarios/baseline.toml \\\n    --vary attrition.annual_rate=0.2..0.4:0.02 --shard 2/4 --out out/attrition\n  (then revsim merge out/attrition)"
    )]
    Sweep(sweep::SweepArgs),
    /// Rank parameters by how much they move P50 bookings and P(hit plan): a tornado chart.
    #[command(
        after_help = "Examples:\n  revsim sensitivity scenarios/baseline.toml --param attrition.annual_rate \\\n    --param pipeline.opportunities_per_rep_month \\\n    --param hiring.recruiting_capacity_per_month\n  revsim sensitivity scenarios/baseline.toml \\\n    --param pipeline.inbound_opportunities_per_month --change 10% \\\n    --vary attrition.annual_rate=0.2,0.4"
    )]
    Sensitivity(sensitivity::SensitivityArgs),
    /// Goal seek: the smallest (or largest) value of a setting that meets a target.
    #[command(
        after_help = "Examples:\n  revsim solve scenarios/baseline.toml --target 'fy2028.p_hit_plan >= 80%' \\\n    --vary hiring.headcount_plan=0..60\n  revsim solve scenarios/baseline.toml --set 'hiring.headcount_plan=[]' \\\n    --target 'p_hit_plan >= 0.8' --vary org.seats=46..120\n  revsim solve scenarios/baseline.toml --target 'bookings_usd_p50 >= 95M' \\\n    --vary pipeline.opportunities_per_rep_month=2..8:0.25"
    )]
    Solve(solve::SolveArgs),
    /// Combine the parts written by `--shard` runs into the outputs of one run or batch.
    #[command(
        after_help = "Examples:\n  revsim merge out/seats                      (shards that shared one --out directory)\n  revsim merge part-1 part-2 part-3 --out out/big-run"
    )]
    Merge(merge::MergeArgs),
    /// Validate scenario files without simulating.
    #[command(after_help = "Example:\n  revsim check scenarios/*.toml")]
    Check(check::CheckArgs),
    /// Write a commented starter scenario.
    #[command(after_help = "Example:\n  revsim init my-org.toml && revsim run my-org.toml")]
    Init(init::InitArgs),
    /// Print the JSON Schema of the scenario format (for editor completion).
    #[command(after_help = "Example:\n  revsim schema > revsim.schema.json")]
    Schema,
    /// Fit a scenario fragment (deal size, cycle times, outcome and win rates, opportunities per
    /// rep-month) from a CRM export of closed opportunities.
    #[command(
        after_help = "Reads revsim, Salesforce and HubSpot exports (detected from the header row); see docs/calibrate.md.\n\nExamples:\n  revsim calibrate history.csv\n  revsim calibrate sfdc-report.csv --extends scenarios/baseline.toml \\\n    --skip-bad-rows\n  revsim calibrate deals.csv --columns hubspot --map segment=\"Market tier\" \\\n    --no-decision \"Went quiet\"\n  revsim calibrate export.csv --map owner=\"Account Executive\" \\\n    --date-order dmy --size empirical --cycle empirical"
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// Write one trial of a scenario as a CRM export (the layout `revsim calibrate` reads): a
    /// synthetic history whose true parameters are known.
    #[command(
        name = "synth-crm",
        after_help = "Deals closed by the export date are won, lost or no decision; those still open are written as outcome `open` (or to --open-out); see docs/synthetic-crm.md.\n\nExamples:\n  revsim synth-crm scenarios/baseline.toml --out history.csv\n  revsim synth-crm scenarios/baseline.toml --out history.csv --seed 7 \\\n    --trial 3 --as-of 2028-06-30 --open-out open.csv\n  revsim synth-crm tests/fixtures/crm/synthetic/known.toml \\\n    --out history.csv --force\n  revsim calibrate history.csv --created-from 2024-01-01 \\\n    --created-until 2025-08-31"
    )]
    SynthCrm(synth::SynthArgs),
    /// Forecast from past origins with what was known then, and report where actual bookings
    /// fell in the forecast (how often inside P10-P90, by month).
    #[command(
        after_help = "Reads the exports `revsim calibrate` reads; see docs/backtest.md.\n\nExamples:\n  revsim backtest history.csv --as-of 2024-07\n  revsim backtest history.csv --as-of 2024-01..2024-06 --months 6 \\\n    --extends scenarios/baseline.toml --cycle empirical\n  revsim backtest sfdc-report.csv --as-of 2024-04 --as-of 2024-10 \\\n    --skip-bad-rows --trials 5000"
    )]
    Backtest(backtest::BacktestArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  revsim completions bash \\\n    > ~/.local/share/bash-completion/completions/revsim\n  revsim completions zsh > ~/.zfunc/_revsim\n  revsim completions fish > ~/.config/fish/completions/revsim.fish"
    )]
    Completions(shell::CompletionsArgs),
    /// Print the man page of revsim, or of one of its commands.
    #[command(
        after_help = "Examples:\n  revsim man > revsim.1 && man ./revsim.1\n  revsim man run | man -l -"
    )]
    Man(shell::ManArgs),
    /// Serve a local what-if page for the scenarios of a folder (in a browser).
    #[command(
        after_help = "Listens on 127.0.0.1 only unless --host is given; see docs/serve.md.\n\nExamples:\n  revsim serve scenarios\n  revsim serve . --port 0\n  revsim serve scenarios --port 9000 --max-trials 20000"
    )]
    Serve(serve::ServeArgs),
}

impl Command {
    /// `--wait` and `--quiet` of a command that writes an output folder.
    fn waits(&self) -> (bool, bool) {
        let o = match self {
            Command::Run(a) => &a.sim.output,
            Command::Compare(a) => &a.sim.output,
            Command::Sweep(a) => &a.sim.output,
            Command::Sensitivity(a) => &a.sim.output,
            Command::Solve(a) => &a.sim.output,
            Command::Merge(a) => &a.output,
            Command::Backtest(a) => &a.output,
            Command::Calibrate(a) => return (a.wait, a.quiet),
            Command::Check(_)
            | Command::Init(_)
            | Command::Schema
            | Command::SynthCrm(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::Serve(_) => {
                return (false, false);
            }
        };
        (o.wait, o.quiet)
    }
}

/// Exit code for an error: 3 for a goal seek with no answer in its range, 2 for bad input (the
/// user can fix it), 1 otherwise.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<crate::batch::solve::NoAnswer>()) {
        crate::batch::solve::NO_ANSWER_EXIT
    } else if e.chain().any(|c| c.is::<InputError>()) {
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
    let (wait, quiet) = cli.command.waits();
    crate::output_dir::wait_for_locks(wait, quiet);
    crate::interrupt::set_hint(match &cli.command {
        Command::Sweep(_) | Command::Sensitivity(_) | Command::Solve(_) => {
            "Each finished variant is kept: rerun the same command to resume where it stopped"
        }
        Command::Run(_) | Command::Compare(_) | Command::Merge(_) => {
            "The command did not finish (run.json, written last, was not): rerun it, with --force if its folder now holds files"
        }
        _ => "The command did not finish: rerun it",
    });
    execute(cli.command)
}

/// Runs a parsed command, without [`main`]'s signal handler (which exits the process) or its
/// wait for locked output folders: for a program that embeds revsim, such as the Python package.
pub fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run(a) => run::run(&a),
        Command::Compare(a) => compare::compare(&a),
        Command::Sweep(a) => sweep::sweep(&a),
        Command::Sensitivity(a) => sensitivity::sensitivity(&a),
        Command::Solve(a) => solve::solve(&a),
        Command::Merge(a) => merge::merge(&a),
        Command::Check(a) => check::check(&a),
        Command::Init(a) => init::init(&a),
        Command::Schema => schema::schema(),
        Command::Calibrate(a) => calibrate::calibrate(&a),
        Command::SynthCrm(a) => synth::synth_crm(&a),
        Command::Backtest(a) => backtest::backtest(&a),
        Command::Completions(a) => shell::completions(&a),
        Command::Man(a) => shell::man(&a),
        Command::Serve(a) => serve::serve(&a),
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
            note(plausibility::render(w, &layers, &s.source, true));
        }
        let last = warnings.last().expect("not empty");
        return Err(plausibility::to_error(last, &layers, &s.source));
    }
    if !quiet {
        for w in &warnings {
            note(plausibility::render(w, &layers, &s.source, false));
        }
    }
    Ok(())
}

/// The trial count `--trials` (or the scenario) asks for: at least 1, at most
/// [`crate::scenario::MAX_TRIALS`].
pub(crate) fn trial_count(requested: u64) -> anyhow::Result<usize> {
    if requested == 0 {
        return Err(
            InputError::file("--trials", "0 trials cannot give a distribution")
                .help("use at least 1")
                .into(),
        );
    }
    Ok(at_most_max_trials("--trials", requested)?)
}

/// `n` trials given by `flag`, refused above [`crate::scenario::MAX_TRIALS`] before anything
/// runs.
pub(crate) fn at_most_max_trials(flag: &str, n: u64) -> Result<usize, InputError> {
    use crate::scenario::{MAX_TRIALS, MAX_TRIALS_HELP};
    match usize::try_from(n) {
        Ok(n) if n as u64 <= MAX_TRIALS => Ok(n),
        _ => Err(InputError::file(
            flag,
            format!("{n} trials is more than the {MAX_TRIALS} revsim runs"),
        )
        .help(MAX_TRIALS_HELP)),
    }
}

/// A progress bar on a terminal's stderr; hidden when quiet or redirected.
pub(crate) fn progress_bar(quiet: bool, total: usize) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {pos}/{len} trials [{bar:30}] {rate} eta {eta}",
        )
        .expect("valid template")
        .with_key("rate", trials_per_second)
        .progress_chars("=> "),
    );
    b
}

/// The progress rate in whole trials per second (`2,293/s`; indicatif's own `{per_sec}` prints
/// four decimals).
fn trials_per_second(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{}/s", rate_words(state.per_sec()));
}

/// A rate as the progress bar prints it: whole, with thousands separators.
fn rate_words(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec >= 0.0 {
        crate::words::thousands(per_sec.round() as usize)
    } else {
        "-".to_string()
    }
}

/// A batch's progress on a terminal's stderr: a bar for each round of variants, and the values
/// goal seek tries; nothing when quiet or redirected. Its two methods are the callbacks of
/// [`crate::batch::Progress`].
pub(crate) struct BatchBar {
    quiet: bool,
    /// The bar of the round under way.
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl BatchBar {
    /// A display for a batch (silent with `quiet`).
    pub(crate) fn new(quiet: bool) -> BatchBar {
        BatchBar {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Shows a step of the batch (the library's `Progress::step`).
    pub(crate) fn step(&self, step: Step<'_>) {
        match step {
            Step::Start { variants, trials } => {
                let bar = progress_bar(self.quiet, variants * trials);
                if !bar.is_hidden() {
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{spinner} {msg} [{bar:30}] {pos}/{len} trials, eta {eta}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                }
                *self.bar() = Some(bar);
            }
            Step::Variant { index, of, name } => {
                if let Some(bar) = self.bar().as_ref() {
                    bar.set_message(format!("variant {}/{of} {name}", index + 1));
                }
            }
            Step::Finish => {
                if let Some(bar) = self.bar().take() {
                    bar.finish_and_clear();
                }
            }
            Step::Trying { key, value } => {
                if !self.quiet && std::io::stderr().is_terminal() {
                    note(format_args!("  trying {key} = {value}"));
                }
            }
        }
    }

    /// Counts finished trials (the library's `Progress::trials`).
    pub(crate) fn trials(&self, n: usize) {
        if let Some(bar) = self.bar().as_ref() {
            bar.inc(n as u64);
        }
    }
}

/// The estimated cost of `trials` trials of `s` on `threads` threads, the layer reruns of a
/// run included.
pub(crate) fn cost(s: &Scenario, trials: usize, threads: usize) -> crate::engine::cost::Cost {
    let reruns = if crate::layers::applies(s) {
        2 * trials.min(crate::layers::MAX_TRIALS)
    } else {
        0
    };
    crate::engine::cost::estimate(s, trials, reruns, threads)
}

/// Prints `line` on stderr. A closed stderr (its reader gone) is not an error: a note or a
/// warning must not end a command, and `eprintln!` would panic.
pub(crate) fn note(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints `warning: MSG` on stderr (see [`note`]).
pub(crate) fn warn(msg: &str) {
    note(format_args!("warning: {msg}"));
}

/// Seconds since `started`, to the millisecond.
pub(crate) fn seconds(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_progress_rate_is_whole() {
        assert_eq!(super::rate_words(2_293.193_4), "2,293");
        assert_eq!(super::rate_words(0.4), "0");
        assert_eq!(super::rate_words(f64::NAN), "-");
    }

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
