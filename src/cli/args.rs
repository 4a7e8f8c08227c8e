//! The flags several commands share: where and how to write ([`OutputArgs`]), what to simulate
//! ([`SimArgs`]), and how to read a CRM export ([`ReadArgs`]).

use std::path::{Path, PathBuf};

use crate::crm::{Date, DateOrder, Layout, OutcomeRules, ReadOptions, columns, mapping, outcomes};
use crate::diagnostic::InputError;
use crate::report::html::shell_word;
use crate::scenario::Scenario;

/// The output flags of the commands that write a folder: `--out`, `--force`, `--wait`,
/// `--quiet`, `--threads`. A command whose `--out` has another default says so with `mut_arg` (without
/// the final period, which clap drops from a one-line doc comment).
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Output directory (default: out/NAME/ for scenario NAME, or out/compare-A-vs-B/).
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
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// What the command prints on stdout: `text`, its table, or `json`, its answer as JSON (run:
    /// the summary; solve: the search; sensitivity: the tornado and the shares), printed even
    /// with --quiet. Progress, warnings and errors stay on stderr.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// What a command prints on stdout (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The table for a person.
    Text,
    /// The answer as JSON, for a script.
    Json,
}

/// Prints `value` as pretty JSON on stdout, with a final newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

impl OutputArgs {
    /// The worker threads `--threads` asks for (all cores by default).
    pub fn pool(&self) -> anyhow::Result<rayon::ThreadPool> {
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()?)
    }

    /// `--out`, or `default` under `out/`.
    pub fn out_or(&self, default: impl FnOnce() -> String) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| Path::new("out").join(default()))
    }
}

/// Options shared by the commands that simulate (`run`, `compare`, `sweep`, `sensitivity`,
/// `solve`). The output flags sit between the seed and the overrides, where `--help` lists
/// them.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Number of trials (default: the (first) scenario's `simulation.trials`).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Random seed, shared by every scenario (default: the (first) scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory, overwriting, printing and threads.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Override a setting: `--set key=value` (repeatable), applied after the file and everything
    /// it inherits, e.g. `--set pipeline.outcomes.won=0.3`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Treat plausibility warnings (values outside published benchmarks, e.g. annual attrition
    /// over 80%) as errors (exit 2).
    #[arg(long)]
    pub strict: bool,
}

/// A scenario loaded with the simulation flags: what `run` and the batches start from.
#[derive(Debug)]
pub struct Loaded {
    /// The scenario with the `--set` overrides.
    pub scenario: Scenario,
    /// `--trials`, or the scenario's.
    pub trials: usize,
    /// `--seed`, or the scenario's.
    pub seed: u64,
}

impl SimArgs {
    /// Loads `file` with the `--set` overrides, reports its plausibility warnings (errors with
    /// `--strict`), and settles the trial count and the seed.
    pub fn load(&self, file: &Path) -> anyhow::Result<Loaded> {
        let scenario = Scenario::load_with(file, &self.set)?;
        super::plausibility(&scenario, &self.set, self.strict, self.output.quiet)?;
        let trials = super::trial_count(self.trials.unwrap_or(scenario.trials))?;
        let seed = self.seed.unwrap_or(scenario.seed);
        Ok(Loaded {
            scenario,
            trials,
            seed,
        })
    }
}

/// How to read a CRM export: the options `revsim calibrate` and `revsim backtest` share.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// The export's column layout (default: detected from the header row).
    #[arg(long, value_enum, value_name = "LAYOUT")]
    pub columns: Option<Layout>,
    /// Read a field from a named column, e.g. `--map owner="Account Executive"` (repeatable),
    /// or read a saved mapping file, `--map team.toml` (options given here win over it).
    /// Fields: id, owner, created, closed, amount, outcome, stage, won, is_closed, reason, segment.
    #[arg(long = "map", value_name = "FIELD=HEADER|FILE")]
    pub map: Vec<String>,
    /// What a stage (or outcome) name means, e.g. `--stage "Closed - Stalled=no-decision"`:
    /// won, lost, no-decision, open or ignore (repeatable).
    #[arg(long = "stage", value_name = "NAME=OUTCOME")]
    pub stage: Vec<String>,
    /// A stage or loss reason that means the buyer made no decision, e.g.
    /// `--no-decision "Budget frozen"` (repeatable; added to the built-in ones).
    #[arg(long = "no-decision", value_name = "NAME")]
    pub no_decision: Vec<String>,
    /// The order of dates written as three numbers: mdy (1/15/2024, US), dmy (15.01.2024) or
    /// ymd (24-01-15) (default: the one order that reads every date of the file).
    #[arg(long, value_enum)]
    pub date_order: Option<DateOrder>,
    /// Leave out rows that cannot be used and count them by reason, instead of stopping at the
    /// first.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl ReadArgs {
    /// The library's reading options, with an optional window of creation dates.
    pub fn options(
        &self,
        created_from: Option<Date>,
        created_until: Option<Date>,
    ) -> Result<ReadOptions, InputError> {
        let mut rules = OutcomeRules::default();
        let mut saved = crate::crm::mapping::MapFile::default();
        for m in self.map.iter().filter(|m| mapping::is_map_file(m)) {
            let f = mapping::read_map_file(m.as_ref())?;
            saved.columns = f.columns.or(saved.columns);
            saved.date_order = f.date_order.or(saved.date_order);
            saved = crate::crm::mapping::MapFile {
                map: saved.under(None, None, &f.map).2,
                ..saved
            };
            saved.stages.extend(f.stages);
            saved.no_decision.extend(f.no_decision);
        }
        for (name, meaning) in &saved.stages {
            rules.set_stage(name, *meaning);
        }
        for n in &saved.no_decision {
            rules.add_no_decision(n);
        }
        for s in &self.stage {
            let (name, meaning) =
                outcomes::parse_stage_flag(s).map_err(|m| InputError::file("--stage", m))?;
            rules.set_stage(&name, meaning);
        }
        for n in &self.no_decision {
            rules.add_no_decision(n);
        }
        let map = self
            .map
            .iter()
            .filter(|m| !mapping::is_map_file(m))
            .map(|m| columns::parse_map(m))
            .collect::<Result<Vec<_>, _>>()?;
        let (layout, date_order, map) = saved.under(self.columns, self.date_order, &map);
        Ok(ReadOptions {
            layout,
            map,
            date_order,
            outcomes: rules,
            skip_bad_rows: self.skip_bad_rows,
            created_from,
            created_until,
            ..ReadOptions::default()
        })
    }

    /// The options as command-line words, for the command that reproduces a run.
    pub fn words(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(l) = self.columns {
            parts.push(format!("--columns {l}"));
        }
        for m in &self.map {
            parts.push(format!("--map {}", shell_word(m)));
        }
        for s in &self.stage {
            parts.push(format!("--stage {}", shell_word(s)));
        }
        for n in &self.no_decision {
            parts.push(format!("--no-decision {}", shell_word(n)));
        }
        if let Some(o) = self.date_order {
            parts.push(format!("--date-order {o}"));
        }
        if self.skip_bad_rows {
            parts.push("--skip-bad-rows".into());
        }
        parts
    }

    /// Prints the warning about skipped bad rows (with where they are listed).
    pub fn warn_bad_rows(history: &crate::crm::History, listed_in: &str) {
        if history.bad_rows.is_empty() {
            return;
        }
        let by: Vec<String> = history
            .bad_row_counts()
            .iter()
            .map(|(k, n)| format!("{n} {}", k.label()))
            .collect();
        let rows: Vec<String> = history
            .bad_rows
            .iter()
            .take(10)
            .map(|b| b.row.to_string())
            .collect();
        let more = if history.bad_rows.len() > 10 {
            ", ..."
        } else {
            ""
        };
        super::warn(&format!(
            "skipped {} bad row(s): {} (rows {}{more}; {listed_in} list them)",
            history.bad_rows.len(),
            by.join(", "),
            rows.join(", ")
        ));
    }
}

/// Parses a `YYYY-MM-DD` flag (`--created-from`, `--as-of`, ...).
pub(crate) fn iso_date(s: &str) -> Result<Date, String> {
    let t = s.trim().as_bytes();
    if t.len() < 10 || !t[..4].iter().all(u8::is_ascii_digit) || t[4] != b'-' {
        return Err(format!("`{s}` is not a date; write it as YYYY-MM-DD"));
    }
    crate::crm::dates::parse_date(s, DateOrder::Mdy)
}
