//! `revsim sensitivity`: moves each setting down and up alone from the base case and ranks the
//! settings by how far they move P50 bookings and P(hit plan), a tornado chart (the work is in
//! [`crate::batch::sensitivity`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use super::BatchBar;
use super::args::SimArgs;
use crate::batch::sensitivity::{self, Study, Tornado};
use crate::batch::{Progress, Store, folder};
use crate::output_dir::Access;
use crate::report::safe_dir_name;

/// Arguments of `revsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (the base case).
    pub file: PathBuf,
    /// A numeric setting to move down and up by `--change` from its value in the file
    /// (repeatable).
    #[arg(long, value_name = "KEY", required_unless_present = "vary")]
    pub param: Vec<String>,
    /// How far `--param` settings move each way, e.g. `20%`.
    #[arg(long, default_value = "20%", value_name = "PERCENT")]
    pub change: String,
    /// A setting with explicit low and high values: `key=low,high` (repeatable).
    #[arg(long, value_name = "KEY=LOW,HIGH")]
    pub vary: Vec<String>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs `revsim sensitivity`.
pub fn sensitivity(a: &SensitivityArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let loaded = a.sim.load(&a.file)?;
    let base = &loaded.scenario;
    let change = sensitivity::parse_change(&a.change)?;
    let params = sensitivity::params(base, &a.param, change, &a.vary)?;
    let study = Study::new(&a.file, &a.sim.set, params, loaded.seed, loaded.trials)?;
    let out = a
        .sim
        .output
        .out_or(|| format!("sensitivity-{}", safe_dir_name(&base.name)));
    let dir = folder::open(&out, &study.plan(), a.sim.output.force, Access::Exclusive)?;
    let store = Store::open(&dir)?;
    let pool = a.sim.output.pool()?;
    let bar = BatchBar::new(a.sim.output.quiet);
    let progress = Progress {
        step: &|s| bar.step(s),
        trials: &|n| bar.trials(n),
    };
    let tornado = pool.install(|| study.run(&store, progress))?;
    pool.install(|| sensitivity::write(&dir, &study, &tornado, &a.change))?;
    if !a.sim.output.quiet {
        let mut stdout = std::io::stdout().lock();
        print(&mut stdout, &tornado)?;
        writeln!(
            stdout,
            "\nWrote {} (report.html, sensitivity.csv/.xlsx/.parquet, tornado charts) in {:.1} s.",
            dir.path().display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}

/// The tornado on the terminal: for each metric, the settings from the largest swing down.
fn print(out: &mut dyn Write, t: &Tornado) -> std::io::Result<()> {
    for m in &t.metrics {
        let rows: Vec<_> = t.rows(m).collect();
        writeln!(
            out,
            "{} (base {}), largest swing first:",
            m.label,
            rows.first().map_or("-".into(), |s| m.show(s.base))
        )?;
        let w = rows.iter().map(|s| s.parameter.len()).max().unwrap_or(9);
        for s in rows {
            writeln!(
                out,
                "  {:w$}  {:>9} at {:<8} {:>9} at {:<8} swing {}",
                s.parameter,
                m.show(s.at_low),
                s.low_value,
                m.show(s.at_high),
                s.high_value,
                m.show_swing(s.swing)
            )?;
        }
    }
    Ok(())
}
