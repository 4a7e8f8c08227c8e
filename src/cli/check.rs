//! `revsim check`: loads and validates scenario files without simulating, and says what each
//! one describes.

use std::io::Write;
use std::path::PathBuf;

use super::plausibility;
use crate::scenario::Scenario;

/// Arguments of `revsim check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Override a setting: `--set key=value` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Treat plausibility warnings (values outside published benchmarks) as errors.
    #[arg(long)]
    pub strict: bool,
}

/// The uncertain parameters as `check` lists them: each with the P10, P50 and P90 of its draws.
fn uncertain_lines(s: &Scenario) -> String {
    let u = &s.uncertainty;
    if u.is_empty() {
        return String::new();
    }
    let num = |v: f64| crate::words::fmt_num(crate::words::sig(v, 4));
    let mut out = format!(
        "  varies across trials ({}; P10 / P50 / P90 of the draws):\n",
        crate::words::counted(u.params.len(), "parameter")
    );
    for p in &u.params {
        out.push_str(&format!(
            "    {}: {} / {} / {}\n",
            p.path,
            num(p.quantile(0.1)),
            num(p.quantile(0.5)),
            num(p.quantile(0.9))
        ));
    }
    if let Some((idx, _)) = &u.correlated {
        let names: Vec<&str> = idx.iter().map(|&i| u.params[i].path.as_str()).collect();
        let line = format!("correlated by rank: {}", names.join(", "));
        out.push_str(&crate::words::hang(&line, "    ", "      "));
        out.push('\n');
    }
    out
}

/// Runs `revsim check`: every file is checked; the last failure is returned, the others
/// printed.
pub fn check(a: &CheckArgs) -> anyhow::Result<()> {
    let mut failed = None;
    for f in &a.files {
        let loaded = Scenario::load_with(f, &a.set)
            .and_then(|s| plausibility(&s, &a.set, a.strict, false).map(|()| s));
        match loaded {
            Ok(s) => report(f, &s)?,
            Err(e) => {
                // Print all but the last failure here; main prints the one returned.
                if let Some(prev) = failed.replace(e) {
                    super::note(format_args!("error: {prev}"));
                }
            }
        }
    }
    match failed {
        None => Ok(()),
        Some(e) => Err(e.into()),
    }
}

/// Prints what `s`, loaded from `f`, describes. A closed standard output (its reader gone) does
/// not stop the check: every file is still checked, and the exit code says whether all loaded.
fn report(f: &std::path::Path, s: &Scenario) -> std::io::Result<()> {
    let ok = format!(
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
    );
    let printed = writeln!(
        std::io::stdout().lock(),
        "{}",
        crate::words::hang(&ok, "", "  ")
    )
    .and_then(|()| match &s.open_deals {
        Some(o) => writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::words::hang(&o.describe(), "  ", "  ")
        ),
        None => Ok(()),
    })
    .and_then(|()| write!(std::io::stdout().lock(), "{}", uncertain_lines(s)))
    .and_then(|()| {
        // A long run is said to be long before anyone starts it.
        let trials = usize::try_from(s.trials).unwrap_or(usize::MAX);
        let cost = super::cost(s, trials, rayon::current_num_threads());
        match cost.worth_saying() {
            true => writeln!(
                std::io::stdout().lock(),
                "{}",
                crate::words::hang(&cost.sentence(), "  ", "  ")
            ),
            false => Ok(()),
        }
    });
    match printed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
