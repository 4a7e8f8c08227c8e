//! `revsim compare`: runs several scenarios on common random numbers and reports how each
//! differs from the first (the work is in [`crate::compare`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use super::args::SimArgs;
use super::{plausibility, progress_bar, trial_count};
use crate::compare::{Arm, Difference, InputDifference, MAX_SCENARIOS};
use crate::diagnostic::InputError;
use crate::report::{self, OutputDir, safe_dir_name};
use crate::scenario::Scenario;

/// Arguments of `revsim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files: the reference first, then the alternatives (2 to 7 in all).
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs `revsim compare`.
pub fn compare(a: &CompareArgs) -> anyhow::Result<()> {
    let scenarios = load(a)?;
    let reference = &scenarios[0];
    let trials = trial_count(a.sim.trials.unwrap_or(reference.trials))?;
    let seed = a.sim.seed.unwrap_or(reference.seed);
    let labels = crate::compare::unique_labels(
        &scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
    );
    let out = a.sim.output.out_or(|| {
        let names: Vec<String> = scenarios.iter().map(|s| safe_dir_name(&s.name)).collect();
        safe_dir_name(&format!("compare-{}", names.join("-vs-")))
    });
    let dir = OutputDir::prepare(&out, a.sim.output.force)?;
    let pool = a.sim.output.pool()?;
    let threads = pool.current_num_threads();
    let bar = progress_bar(a.sim.output.quiet, trials * scenarios.len());
    let started = Instant::now();
    let (arms, diffs) = pool.install(|| {
        let arms: Vec<Arm> = scenarios
            .into_iter()
            .zip(labels)
            .map(|(s, label)| arm(s, label, trials, seed, &|n| bar.inc(n as u64)))
            .collect();
        let diffs = crate::compare::differences(&arms, seed);
        (arms, diffs)
    });
    bar.finish_and_clear();
    let wall_time_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    let inputs =
        crate::compare::input_differences(&arms.iter().map(|a| &a.scenario).collect::<Vec<_>>());
    let run = report::CompareRun {
        seed,
        trials,
        threads,
        wall_time_s,
        command: command(a, &arms, seed, trials),
    };
    let files = pool.install(|| report::write_compare(&dir, &arms, &diffs, &inputs, &run))?;
    if !a.sim.output.quiet {
        print(&diffs, &inputs, &dir, files.len(), wall_time_s)?;
    }
    Ok(())
}

/// The scenarios, checked: at most [`MAX_SCENARIOS`], plausible, and on one calendar.
fn load(a: &CompareArgs) -> anyhow::Result<Vec<Scenario>> {
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
        .map(|f| Scenario::load_with(f, &a.sim.set))
        .collect::<Result<Vec<_>, _>>()?;
    for s in &scenarios {
        plausibility(s, &a.sim.set, a.sim.strict, a.sim.output.quiet)?;
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
    Ok(scenarios)
}

/// One scenario simulated and summarised (on the current thread pool).
fn arm(
    s: Scenario,
    label: String,
    trials: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Arm {
    let results = crate::engine::simulate(&s, trials, seed, progress);
    let summary = crate::summary::summarize(&s, &results, None);
    let monthly = crate::summary::monthly(&results);
    Arm {
        label,
        scenario: s,
        results,
        summary,
        monthly,
    }
}

/// The command line that reproduces the comparison, for the report.
fn command(a: &CompareArgs, arms: &[Arm], seed: u64, trials: usize) -> String {
    format!(
        "revsim compare {} --seed {seed} --trials {trials}{}",
        arms.iter()
            .map(|a| crate::report::html::shell_word(&a.scenario.source))
            .collect::<Vec<_>>()
            .join(" "),
        a.sim
            .set
            .iter()
            .map(|s| format!(" --set {}", crate::report::html::shell_word(s)))
            .collect::<String>()
    )
}

/// The answer on the terminal: a sentence per alternative, the inputs that differ, the files.
fn print(
    diffs: &[Difference],
    inputs: &[InputDifference],
    dir: &OutputDir,
    files: usize,
    wall_time_s: f64,
) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for d in diffs.iter().filter(|d| d.period == "horizon") {
        writeln!(
            stdout,
            "{}",
            crate::words::para(&report::html::compare_sentence(d))
        )?;
    }
    if !inputs.is_empty() {
        writeln!(stdout, "\nInputs that differ:")?;
        for d in inputs {
            let values: Vec<String> = d
                .values
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| "(default)".into()))
                .collect();
            let line = format!("{}: {}", d.key, values.join(" | "));
            writeln!(stdout, "{}", crate::words::hang(&line, "  ", "      "))?;
        }
    }
    let done = format!(
        "Wrote {} (report.html and {} files) in {:.1} s.",
        dir.path().display(),
        files - 1,
        wall_time_s
    );
    writeln!(stdout, "\n{}", crate::words::para(&done))
}
