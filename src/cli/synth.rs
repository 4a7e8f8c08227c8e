//! `revsim synth-crm`: one trial of a scenario written as a CRM export (clap arguments and the
//! file handling; the work is in [`crate::synth`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::crm::Date;
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;
use crate::scenario::Scenario;
use crate::synth::{Status, SynthOptions, synthesize};

/// Arguments of `revsim synth-crm`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Scenario file.
    #[arg(value_name = "SCENARIO")]
    pub file: PathBuf,
    /// The export to write (CSV in revsim's calibrate layout).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Write the deals still open at the export date to this file (id, owner, created date,
    /// expected close date, amount, stage) instead of into the export as outcome `open`.
    #[arg(long, value_name = "FILE")]
    pub open_out: Option<PathBuf>,
    /// Random seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Which trial of a run with that seed to export.
    #[arg(long, default_value_t = 0)]
    pub trial: u64,
    /// The export date (YYYY-MM-DD): deals closed after it are open, deals created after it are
    /// left out (default: the last day of the horizon).
    #[arg(long, value_name = "DATE", value_parser = super::args::iso_date)]
    pub as_of: Option<Date>,
    /// Leave out the deals created before this date (YYYY-MM-DD): with the start month's first
    /// day, the still-open survivors of the starting pipeline (whose closed siblings the
    /// simulation never draws) are not in the export.
    #[arg(long, value_name = "DATE", value_parser = super::args::iso_date)]
    pub created_from: Option<Date>,
    /// Replace the files if they exist.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Override a setting: `--set key=value` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Runs `revsim synth-crm`.
pub fn synth_crm(a: &SynthArgs) -> anyhow::Result<()> {
    let s = Scenario::load_with(&a.file, &a.set)?;
    let targets: Vec<&Path> = std::iter::once(a.out.as_path())
        .chain(a.open_out.as_deref())
        .collect();
    if a.open_out.as_deref() == Some(a.out.as_path()) {
        return Err(InputError::file(
            a.out.display().to_string(),
            "--out and --open-out name the same file",
        )
        .help("give the open deals a file of their own, e.g. --open-out open.csv")
        .into());
    }
    // Every target is checked before anything is written.
    for t in &targets {
        check_target(t, a.force)?;
    }
    let opts = SynthOptions {
        seed: a.seed.unwrap_or(s.seed),
        trial: a.trial,
        as_of: a.as_of,
        created_from: a.created_from,
    };
    let x = synthesize(&s, &opts)?;
    let with_open = a.open_out.is_none();
    write_file(&a.out, |w| x.write_history(w, with_open))?;
    if let Some(open) = &a.open_out {
        write_file(open, |w| x.write_open(w))?;
    }
    if !a.quiet {
        let closed = x.count(Status::Won) + x.count(Status::Lost) + x.count(Status::NoDecision);
        let open = x.count(Status::Open);
        let count = crate::words::thousands;
        let mut stdout = std::io::stdout().lock();
        let wrote = format!(
            "Wrote {}: {} opportunities of {} reps, trial {} of {} (seed {}), as of {}: {} closed ({} won, {} lost, {} no decision) and {} open{}.",
            a.out.display(),
            count(if with_open { x.deals.len() } else { closed }),
            x.owners(),
            x.trial,
            x.scenario,
            x.seed,
            x.as_of,
            count(closed),
            count(x.count(Status::Won)),
            count(x.count(Status::Lost)),
            count(x.count(Status::NoDecision)),
            count(open),
            match &a.open_out {
                Some(p) => format!(" (in {})", p.display()),
                None => String::new(),
            }
        );
        writeln!(stdout, "{}", crate::words::para(&wrote))?;
        let before = x.deals.iter().filter(|d| d.created < x.first_day).count();
        let from = if before > 0 && a.created_from.is_none() {
            format!(" --created-from {}", x.first_day)
        } else {
            String::new()
        };
        let how = match x.settled_until {
            Some(until) => format!(
                "To fit it: revsim calibrate {}{from} --created-until {until} (cohorts {} months old or more by {}, whose deals are closed but for a 1-in-10,000 tail{}).",
                a.out.display(),
                x.settle_months,
                x.as_of,
                if before > 0 && a.created_from.is_none() {
                    format!(
                        "; {} opportunities created before {} are the starting pipeline, only the ones still open then",
                        count(before),
                        x.first_day
                    )
                } else {
                    String::new()
                }
            ),
            None => format!(
                "No cohort is {} months old by {}: slow deals are still open, so a fit's cycle times would be too short; export a later date with --as-of.",
                x.settle_months, x.as_of
            ),
        };
        writeln!(stdout, "{}", crate::words::para(&how))?;
    }
    Ok(())
}

/// Refuses an existing file without `force`, and a path that is a folder.
fn check_target(path: &Path, force: bool) -> Result<(), InputError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(InputError::file(&shown, "is a folder, not a file")
            .help("give the name of the CSV file to write, e.g. --out history.csv"));
    }
    if path.exists() && !force {
        return Err(
            InputError::file(&shown, "the file already exists; refusing to overwrite it")
                .help("choose another name, or pass --force to replace it"),
        );
    }
    Ok(())
}

/// Writes `path` through a temporary file renamed into place, creating its folder if needed.
fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), InputError> {
    let shown = path.display().to_string();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| {
        InputError::file(&shown, format!("cannot create its folder: {e}"))
            .help("check the path and your permissions")
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            InputError::file(&shown, "names no file").help("give a file name, e.g. history.csv")
        })?;
    OutputDir::existing(&parent).write(&name, fill)?;
    Ok(())
}
