//! `revsim calibrate`: fit a scenario fragment from a CRM export (clap arguments and the glue;
//! the work is in [`crate::calibrate`]).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::args::{ReadArgs, iso_date};
use crate::calibrate::fragment::FragmentOptions;
use crate::calibrate::{CycleModel, FitOptions, SizeModel, outputs, report};
use crate::crm::Date;
use crate::diagnostic::InputError;
use crate::report::html::shell_word;
use crate::report::{OutputDir, safe_dir_name};
use crate::scenario::Scenario;

/// Arguments of `revsim calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// CRM export of opportunities, as CSV (closed ones are fitted; open ones count as created).
    pub file: PathBuf,
    /// Output directory (default: out/calibrate-<file name without extension>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the files of a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// If another revsim command is writing the output directory, wait for it to finish instead
    /// of stopping.
    #[arg(long)]
    pub wait: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// How to read the export.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Deal-size model: lognormal (maximum likelihood) or empirical (a table of at most 50
    /// values).
    #[arg(long, value_enum, default_value_t = SizeModel::Lognormal)]
    pub size: SizeModel,
    /// Cycle-time model: gamma (maximum likelihood) or empirical (a table of at most 50
    /// values, for cycles a gamma does not fit).
    #[arg(long, value_enum, default_value_t = CycleModel::Gamma)]
    pub cycle: CycleModel,
    /// Fit only opportunities created on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = iso_date)]
    pub created_from: Option<Date>,
    /// Fit only opportunities created on or before this date (YYYY-MM-DD): cohorts old enough to
    /// have closed, so that slow deals still open do not make cycles look short.
    #[arg(long, value_name = "DATE", value_parser = iso_date)]
    pub created_until: Option<Date>,
    /// A base scenario for the fragments to extend: each fragment then starts with
    /// `extends = "..."` and is a complete scenario (checked before the command ends).
    #[arg(long, value_name = "SCENARIO")]
    pub extends: Option<PathBuf>,
}

/// The calibration's manifest, written last: a folder holds it only when the calibration
/// finished.
const MANIFEST: &str = "run.json";

/// `run.json` of a calibration: what made the folder, and every file in it.
#[derive(Debug, serde::Serialize)]
struct Manifest<'a> {
    /// revsim version that made it.
    revsim_version: &'static str,
    /// The command that reproduces it.
    command: &'a str,
    /// The export, as named.
    export: &'a str,
    /// Every file written, this one last.
    files: Vec<String>,
}

/// Runs `revsim calibrate`.
pub fn calibrate(a: &CalibrateArgs) -> anyhow::Result<()> {
    let read = a.read.options(a.created_from, a.created_until)?;
    let history = crate::crm::read_history(&a.file, &read)?;
    if !a.quiet {
        ReadArgs::warn_bad_rows(&history, "fit-report.html and fit.json");
    }
    let closed = history
        .opportunities
        .iter()
        .filter(|o| o.outcome != crate::crm::Outcome::Open)
        .count();
    if closed == 0 {
        return Err(InputError::file(
            &history.file,
            format!(
                "no closed opportunities to fit ({} open, {} bad rows skipped, {} ignored)",
                history.opportunities.len(),
                history.bad_rows.len(),
                history.ignored_rows
            ),
        )
        .help("export closed won, closed lost and no-decision opportunities; check the stage names with --stage")
        .into());
    }

    let fit_opts = FitOptions {
        size: a.size,
        cycle: a.cycle,
        ..FitOptions::default()
    };
    let cal = crate::calibrate::calibrate(&history, &fit_opts);
    let stem = a
        .file
        .file_stem()
        .map_or("history".into(), |s| s.to_string_lossy().into_owned());
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("calibrate-{}", safe_dir_name(&stem))));

    if let Some(base) = &a.extends
        && !base.is_file()
    {
        return Err(InputError::file(
            base.display().to_string(),
            "--extends names a scenario file that does not exist",
        )
        .help("give the path of the base scenario, e.g. --extends scenarios/baseline.toml")
        .into());
    }
    let dir = OutputDir::prepare(&out, a.force)?;
    let frag = FragmentOptions {
        extends: a
            .extends
            .as_ref()
            .map(|base| relative_to(base, dir.path()))
            .transpose()?,
        name: a
            .extends
            .as_ref()
            .map(|_| format!("calibrated-{}", safe_dir_name(&stem))),
    };
    let reproduce = command(a);
    let written = outputs::write(&dir, &history, &cal, &fit_opts, &frag, &reproduce)
        .map_err(|e| dir.unfinished(e, MANIFEST))?;
    if a.extends.is_some() {
        // The fragments now are complete scenarios: load each over its base, as `revsim check`
        // would, so an incompatibility with the base is found here.
        for (f, _) in &written.fragments {
            Scenario::load(&dir.path().join(&f.file)).map_err(|e| dir.unfinished(e, MANIFEST))?;
        }
    }
    let mut files = written.files.clone();
    files.push(MANIFEST.to_string());
    let manifest = Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        command: &reproduce,
        export: &history.file,
        files,
    };
    dir.write_manifest(MANIFEST, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })
    .map_err(|e| dir.unfinished(e, MANIFEST))?;
    if !a.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", report::terminal(&history, &cal))?;
        let charts = written.files.iter().filter(|f| f.ends_with(".svg")).count();
        let named: Vec<&str> = manifest
            .files
            .iter()
            .filter(|f| !f.starts_with("charts/"))
            .map(String::as_str)
            .collect();
        let done = format!(
            "Wrote {} ({}, and {charts} charts).{}",
            dir.path().display(),
            named.join(", "),
            if a.extends.is_some() {
                " Each fragment loads over its base."
            } else {
                ""
            }
        );
        writeln!(stdout, "\n{}", crate::words::para(&done))?;
    }
    Ok(())
}

/// `target` as a path relative to the directory `from`, with `/` separators (as `extends`
/// takes it).
fn relative_to(target: &Path, from: &Path) -> Result<String, InputError> {
    let abs = |p: &Path| {
        std::fs::canonicalize(p).map_err(|e| {
            InputError::file(
                p.display().to_string(),
                format!("cannot resolve the path: {e}"),
            )
        })
    };
    let (t, f) = (abs(target)?, abs(from)?);
    let tc: Vec<Component> = t.components().collect();
    let fc: Vec<Component> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        // No shared root (another drive): only the absolute path reaches it.
        return Ok(t.display().to_string().replace('\\', "/"));
    }
    let mut parts: Vec<String> = vec!["..".into(); fc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// The command line that reproduces the run, for the report.
fn command(a: &CalibrateArgs) -> String {
    let mut parts = vec![
        "revsim calibrate".to_string(),
        shell_word(&a.file.display().to_string()),
    ];
    parts.extend(a.read.words());
    if let Some(d) = a.created_from {
        parts.push(format!("--created-from {d}"));
    }
    if let Some(d) = a.created_until {
        parts.push(format!("--created-until {d}"));
    }
    if a.size == SizeModel::Empirical {
        parts.push("--size empirical".into());
    }
    if a.cycle == CycleModel::Empirical {
        parts.push("--cycle empirical".into());
    }
    if let Some(e) = &a.extends {
        parts.push(format!(
            "--extends {}",
            shell_word(&e.display().to_string())
        ));
    }
    parts.join(" ")
}
