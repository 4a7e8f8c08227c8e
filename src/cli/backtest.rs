//! `revsim backtest`: forecasts from past origins scored against what happened (clap arguments
//! and the glue; the work is in [`crate::backtest`]).

use std::io::Write;
use std::path::PathBuf;

use super::args::{OutputArgs, ReadArgs};
use crate::backtest::{self, Base, Options, outputs};
use crate::calibrate::{CycleModel, FitOptions, SizeModel};
use crate::diagnostic::InputError;
use crate::report::html::shell_word;
use crate::report::{OutputDir, safe_dir_name};

/// Arguments of `revsim backtest`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("out", |a| a.help("Output directory (default: out/backtest-<file name without extension>/)")))]
pub struct BacktestArgs {
    /// CRM export of opportunities, as CSV (the same file `revsim calibrate` reads).
    pub file: PathBuf,
    /// The origin: forecast from the first day of this month, YYYY-MM; a range YYYY-MM..YYYY-MM
    /// forecasts from every month in it (a rolling-origin backtest). Repeatable.
    #[arg(long = "as-of", value_name = "MONTH", required = true)]
    pub as_of: Vec<String>,
    /// Months to forecast and score from each origin (default: up to the export's last full
    /// month; never past it).
    #[arg(long)]
    pub months: Option<usize>,
    /// The scenario the org settings (ramp, attrition, hiring, customers, ...) come from
    /// (default: the starter template of `revsim init`).
    #[arg(long, value_name = "SCENARIO")]
    pub extends: Option<PathBuf>,
    /// Trials per origin.
    #[arg(long, default_value_t = backtest::DEFAULT_TRIALS as u64)]
    pub trials: u64,
    /// Seed (the same for every origin).
    #[arg(long, default_value_t = backtest::DEFAULT_SEED)]
    pub seed: u64,
    /// Leave out the opportunities created before this date (YYYY-MM-DD), as if the export
    /// began then: e.g. the still-open survivors of deals created before a synthetic export's
    /// start month, whose closed siblings are not in it.
    #[arg(long, value_name = "DATE", value_parser = super::args::iso_date)]
    pub created_from: Option<crate::crm::Date>,
    /// How to read the export.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Deal-size model: lognormal (maximum likelihood) or empirical (a table of at most 50
    /// values).
    #[arg(long, value_enum, default_value_t = SizeModel::Lognormal)]
    pub size: SizeModel,
    /// Cycle-time model, as in `revsim calibrate`: gamma (maximum likelihood) or empirical (a
    /// table of at most 50 values, for cycles a gamma does not fit), fitted at each origin.
    #[arg(long, value_enum, default_value_t = CycleModel::Gamma)]
    pub cycle: CycleModel,
    /// The fewest closed deals (in the cohorts old enough to have closed) to fit from at an
    /// origin.
    #[arg(long, default_value_t = backtest::DEFAULT_MIN_CLOSED)]
    pub min_closed: usize,
    /// Output directory, overwriting, printing and threads.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `revsim backtest`.
pub fn backtest(a: &BacktestArgs) -> anyhow::Result<()> {
    let as_of = backtest::parse_origins(&a.as_of)?;
    if a.months == Some(0) {
        return Err(
            InputError::file("--months", "0 months leaves nothing to forecast")
                .help("use at least 1, or leave --months out to score up to the export's last full month")
                .into(),
        );
    }
    let trials = super::trial_count(a.trials)?;
    let read = a.read.options(a.created_from, None)?;
    let history = crate::crm::read_history(&a.file, &read)?;
    if !a.output.quiet {
        ReadArgs::warn_bad_rows(&history, "calibrate's fit-report.html and fit.json");
    }
    let base = match &a.extends {
        Some(p) if !p.is_file() => {
            return Err(InputError::file(
                p.display().to_string(),
                "--extends names a scenario file that does not exist",
            )
            .help("give the path of the base scenario, e.g. --extends scenarios/baseline.toml, or leave --extends out to use the starter template")
            .into());
        }
        Some(p) => Base::load(p)?,
        None => Base::starter(),
    };
    let opts = Options {
        trials,
        seed: a.seed,
        fit: FitOptions {
            size: a.size,
            cycle: a.cycle,
            ..FitOptions::default()
        },
        min_closed: a.min_closed,
    };
    let origins = backtest::plan(&history, &as_of, a.months, opts.min_closed)?;
    let stem = a
        .file
        .file_stem()
        .map_or("history".into(), |s| s.to_string_lossy().into_owned());
    let out = a
        .output
        .out_or(|| format!("backtest-{}", safe_dir_name(&stem)));
    let dir = OutputDir::prepare(&out, a.output.force)?;
    let pool = a.output.pool()?;
    let origins_dir = dir.subdir("origins")?;
    // backtest.json is written last: a folder that a failure stopped does not look finished,
    // and the error says which files it kept.
    let results = pool
        .install(|| {
            origins
                .iter()
                .map(|o| {
                    let sub = origins_dir.subdir(&o.as_of.to_string())?;
                    backtest::run_origin(&history, &base, o, &opts, &sub)
                })
                .collect::<Result<Vec<_>, InputError>>()
        })
        .map_err(|e| dir.unfinished(e, "backtest.json"))?;
    let coverage = backtest::coverage(&results);
    let info = outputs::RunInfo::new(&history, &base.label, &opts, command(a));
    let files = pool
        .install(|| outputs::write(&dir, &info, &results, &coverage))
        .map_err(|e| dir.unfinished(e, "backtest.json"))?;
    if !a.output.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", outputs::terminal(&info, &results, &coverage))?;
        let done = format!(
            "Wrote {} (report.html, backtest.csv, coverage.csv, backtest.json, {} charts, and each origin's scenario.toml under origins/).",
            dir.path().display(),
            files.iter().filter(|f| f.ends_with(".svg")).count()
        );
        writeln!(stdout, "\n{}", crate::words::para(&done))?;
    }
    Ok(())
}

/// The command line that reproduces the run, for the report.
fn command(a: &BacktestArgs) -> String {
    let mut parts = vec![
        "revsim backtest".to_string(),
        shell_word(&a.file.display().to_string()),
    ];
    for v in &a.as_of {
        parts.push(format!("--as-of {}", shell_word(v)));
    }
    if let Some(m) = a.months {
        parts.push(format!("--months {m}"));
    }
    if let Some(e) = &a.extends {
        parts.push(format!(
            "--extends {}",
            shell_word(&e.display().to_string())
        ));
    }
    if let Some(d) = a.created_from {
        parts.push(format!("--created-from {d}"));
    }
    parts.push(format!("--trials {} --seed {}", a.trials, a.seed));
    parts.extend(a.read.words());
    if a.size == SizeModel::Empirical {
        parts.push("--size empirical".into());
    }
    if a.cycle == CycleModel::Empirical {
        parts.push("--cycle empirical".into());
    }
    if a.min_closed != backtest::DEFAULT_MIN_CLOSED {
        parts.push(format!("--min-closed {}", a.min_closed));
    }
    parts.join(" ")
}
