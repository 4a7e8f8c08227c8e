//! The forecast scenario of one origin: the base's org settings, the pipeline fitted from what
//! was known at the origin, and the deals open then as its `[open_pipeline]`.
//!
//! **Fit.** Sizes, cycle times, outcome shares and the spread of reps' win rates are fitted
//! from the cohorts old enough to have closed: opportunities created up to the origin less the
//! 90th percentile of the longest outcome's cycle (in days, among deals closed before the
//! origin), as `revsim calibrate --created-until` would. A cohort younger than that still has
//! open deals, and the slow ones among them (no decision, usually) would be missing from the
//! closed deals, making cycles look short and the slowest outcome rare. Opportunities per
//! rep-month count every opportunity created before the origin (open or closed: creation is
//! not censored).
//!
//! **Scenario.** The base, resolved (its `extends` chain merged), with:
//! - `simulation.start_month` the origin, `horizon_months` the months scored, and the run's
//!   trials and seed;
//! - `org.seats` and `org.filled_seats` the owners active at the origin (an opportunity created
//!   in the three months before it); the base's dated plans do not apply to the past, so
//!   `hiring.headcount_plan` is emptied and `[[events]]` are left out (`[plan]` stays, cut to the
//!   fiscal years the horizon covers: leadership's board reviews compare bookings with it);
//! - the fitted `[pipeline]`, `[pipeline.outcomes]` and `reps.win_rate_sd` over the base's
//!   (values the history cannot give, such as the cycle of an outcome with fewer than two
//!   deals, stay the base's);
//! - `[open_pipeline]` the deals open at the origin (`open-pipeline.csv` beside it), with
//!   `expected_close = "ignore"`: the export holds each deal's final close date, not the date
//!   expected at the origin, so each is decided by its outcome's cycle time given its age.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::snapshot::{Snapshot, first_day};
use crate::calendar::YearMonth;
use crate::calibrate::fit::{Calibration, Fit, FitOptions, fit};
use crate::calibrate::fragment::{self, FragmentOptions, comment};
use crate::crm::{Date, History, Opportunity, Outcome};
use crate::diagnostic::InputError;
use crate::scenario::{Scenario, template};
use crate::stats::quantile_sorted;
use crate::tables::guard;

/// The scenario the org settings come from.
#[derive(Debug, Clone)]
pub struct Base {
    /// How messages and reports name it: its path, or "the starter template".
    pub label: String,
    /// Its file, if it came from one.
    pub path: Option<PathBuf>,
    table: toml::Table,
}

impl Base {
    /// The starter scenario `revsim init` writes.
    pub fn starter() -> Base {
        let s = Scenario::from_toml(template::STARTER, "starter.toml", "starter")
            .expect("the starter scenario loads");
        Base {
            label: "the starter template (revsim init)".into(),
            path: None,
            table: resolved(&s),
        }
    }

    /// A scenario file, with its `extends` chain; an error if it does not load.
    pub fn load(path: &Path) -> Result<Base, InputError> {
        let s = Scenario::load(path)?;
        Ok(Base {
            label: path.display().to_string(),
            path: Some(path.to_path_buf()),
            table: resolved(&s),
        })
    }
}

fn resolved(s: &Scenario) -> toml::Table {
    toml::from_str(&s.resolved_toml()).expect("a resolved scenario reads back")
}

/// The fit at one origin.
#[derive(Debug, Clone, Serialize)]
pub struct OriginFit {
    /// Opportunities created up to this date fed the sizes, cycles and outcome shares.
    pub created_until: Date,
    /// The 90th percentile of the longest outcome's cycle before the origin, days.
    pub censoring_days: i32,
    /// The fit: sizes, cycles and shares from the cohorts up to `created_until`; creation from
    /// every opportunity created before the origin.
    pub fit: Fit,
    /// The fitted keys as scenario TOML (with the calibration's comments).
    #[serde(skip)]
    pub fragment: String,
}

/// Too little closed history at an origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    /// Closed deals in the cohorts old enough to have closed.
    pub closed: usize,
    /// Of which won with an amount.
    pub won: usize,
    /// The cohorts' last created date.
    pub created_until: Date,
}

/// The fewest won deals a backtest fits from (a size and a won cycle need two).
pub const MIN_WON: usize = 2;

/// The cohort cut-off at an origin: the origin's first day less the 90th percentile of the
/// longest outcome's cycle (days) among deals closed before it; with `days`.
pub fn cohort_cutoff(snap: &Snapshot) -> (Date, i32) {
    let mut longest: f64 = 0.0;
    for outcome in Outcome::CLOSED {
        let mut days: Vec<f64> = snap
            .closed_deals()
            .filter(|o| o.outcome == outcome)
            .filter_map(|o| o.cycle_days())
            .map(f64::from)
            .collect();
        if days.len() >= 2 {
            days.sort_by(f64::total_cmp);
            longest = longest.max(quantile_sorted(&days, 0.9));
        }
    }
    let days = longest.ceil() as i32;
    let day = first_day(snap.origin);
    // The day before the origin at the latest: a deal created on the origin day is not known.
    let cutoff = day
        .add_days(-days.max(1))
        .or_else(|| day.add_days(-1))
        .unwrap_or(day);
    (cutoff, days)
}

/// Fits the pipeline at `snap`'s origin: an error ([`Shortfall`]) with fewer than `min_closed`
/// closed deals or [`MIN_WON`] won deals in the cohorts old enough to have closed.
pub fn fit_at(
    history: &History,
    snap: &Snapshot,
    opts: &FitOptions,
    min_closed: usize,
) -> Result<OriginFit, Shortfall> {
    let (cutoff, censoring_days) = cohort_cutoff(snap);
    let cohorts: Vec<&Opportunity> = snap.known.iter().filter(|o| o.created <= cutoff).collect();
    let closed = cohorts
        .iter()
        .filter(|o| o.outcome != Outcome::Open)
        .count();
    let won = cohorts
        .iter()
        .filter(|o| o.outcome == Outcome::Won && o.amount_usd.is_some())
        .count();
    if closed < min_closed.max(1) || won < MIN_WON {
        return Err(Shortfall {
            closed,
            won,
            created_until: cutoff,
        });
    }
    let all: Vec<&Opportunity> = snap.known.iter().collect();
    let everything = fit(&all, "org", opts);
    let mut f = fit(&cohorts, "org", opts);
    // The cohort fit's own censoring note (and its --created-until advice) is what the cut-off
    // already did.
    f.notes.retain(|n| !n.contains("--created-until"));
    // Creation is not censored: the rate and the shared layer (its month-to-month swings and
    // trend, read from the counts) use every month up to the origin, the latest included.
    f.creation = everything.creation;
    f.market = everything.market;
    f.market_note = everything.market_note;
    f.counts.created = everything.counts.created;
    f.counts.open = everything.counts.open;
    let cal = Calibration {
        org: f,
        segments: Vec::new(),
        segment_win_rates: None,
        without_segment: 0,
    };
    let text = fragment::org_fragment(history, &cal, &FragmentOptions::default());
    // The calibration's heading speaks of laying the fragment over a base; here it is laid.
    let body = text
        .find("\n[pipeline]\n")
        .map_or(text.as_str(), |i| &text[i + 1..]);
    let mut out = String::new();
    let c = &cal.org.counts;
    let cohort = cohorts.len();
    comment(
        &mut out,
        &format!(
            "revsim backtest: the pipeline as known on {} (the origin), fitted from {}. Opportunities per rep-month: the {} opportunities created before the origin ({} of them open then). Sizes, cycles and outcome shares: the {cohort} created up to {cutoff}, the origin less the 90th percentile of the longest cycle ({censoring_days} days), of which {closed} had closed by the origin.",
            first_day(snap.origin),
            history.file,
            c.created,
            snap.open
        ),
    );
    for n in &cal.org.notes {
        comment(&mut out, &format!("Note: {n}."));
    }
    out.push('\n');
    out.push_str(body);
    Ok(OriginFit {
        created_until: cutoff,
        censoring_days,
        fit: cal.org,
        fragment: out,
    })
}

/// The deals open at an origin, as written to `open-pipeline.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OpenPipeline {
    /// Deals.
    pub deals: usize,
    /// Their value, USD (imputed amounts included).
    pub value_usd: f64,
    /// Deals without an amount in the export, given the mean won amount known at the origin.
    pub imputed: usize,
    /// The amount given to them, USD.
    pub imputed_usd: f64,
}

/// `open-pipeline.csv` of an origin (revsim's layout: id, owner, created date, an empty
/// expected close date, amount, `open`) and its totals. A deal without an amount gets the mean
/// amount of the deals won before the origin.
pub fn open_pipeline_csv(snap: &Snapshot) -> (String, OpenPipeline) {
    let won: Vec<f64> = snap
        .closed_deals()
        .filter(|o| o.outcome == Outcome::Won)
        .filter_map(|o| o.amount_usd)
        .collect();
    let mean_won = if won.is_empty() {
        0.0
    } else {
        (won.iter().sum::<f64>() / won.len() as f64).round()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "owner",
        "created_date",
        "close_date",
        "amount_usd",
        "outcome",
    ];
    w.write_record(header).expect("writing to memory");
    let mut totals = OpenPipeline {
        deals: 0,
        value_usd: 0.0,
        imputed: 0,
        imputed_usd: mean_won,
    };
    for o in snap.open_deals() {
        let amount = match o.amount_usd {
            Some(a) => a,
            None => {
                totals.imputed += 1;
                mean_won
            }
        };
        totals.deals += 1;
        totals.value_usd += amount;
        let id = o.id.clone().unwrap_or_else(|| format!("row {}", o.row));
        // Owner names and ids are the export's text: guarded as every CSV cell of user text.
        w.write_record([
            guard(&id).as_ref(),
            guard(&o.owner).as_ref(),
            &o.created.to_string(),
            "",
            &format!("{amount}"),
            "open",
        ])
        .expect("writing to memory");
    }
    let bytes = w.into_inner().expect("writing to memory");
    (
        String::from_utf8(bytes).expect("the cells are text"),
        totals,
    )
}

/// The settings a backtest lays over the base.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Scenario name.
    pub name: String,
    /// The origin (the start month).
    pub origin: YearMonth,
    /// Months simulated.
    pub horizon: usize,
    /// Reps (filled seats) at the origin.
    pub reps: usize,
    /// Trials.
    pub trials: usize,
    /// Seed.
    pub seed: u64,
    /// The export the scenario was built from, for the heading.
    pub export: String,
    /// The base, for the heading.
    pub base: String,
}

/// The name of the open-pipeline file beside each origin's `scenario.toml`.
pub const OPEN_PIPELINE_CSV: &str = "open-pipeline.csv";

/// The complete scenario of one origin as TOML (see the module docs for what is set).
pub fn scenario_toml(base: &Base, fragment: &str, s: &Settings) -> Result<String, InputError> {
    use toml::Value;
    let fitted: toml::Table = toml::from_str(fragment).map_err(|e| {
        InputError::from_toml("calibrated.toml", &std::sync::Arc::from(fragment), &e)
    })?;
    let mut t = base.table.clone();
    t.remove("events");
    // The resolved scenario writes every defaulted value, `reps.skill` among them, which may not
    // be given beside `skill_top_20pct_share`.
    if let Some(Value::Table(r)) = t.get_mut("reps")
        && r.contains_key("skill_top_20pct_share")
    {
        r.remove("skill");
    }
    t.insert("name".into(), Value::String(s.name.clone()));
    t.insert(
        "description".into(),
        Value::String(format!(
            "Backtest forecast from {}: the pipeline fitted from {} as known then, the org settings of {}.",
            s.origin, s.export, s.base
        )),
    );
    let section = |t: &mut toml::Table, name: &str| -> toml::Table {
        match t.remove(name) {
            Some(Value::Table(x)) => x,
            _ => toml::Table::new(),
        }
    };
    let mut sim = section(&mut t, "simulation");
    let fy_start = sim
        .get("fiscal_year_start_month")
        .and_then(Value::as_integer)
        .map_or(1, |m| m.clamp(1, 12) as u32);
    let years = crate::calendar::fiscal_years(s.origin, s.horizon, fy_start).len();
    // A plan value per fiscal year, the last repeating: only those the horizon covers may stay.
    if let Some(Value::Table(p)) = t.get_mut("plan")
        && let Some(Value::Array(v)) = p.get_mut("fiscal_year_bookings_usd")
    {
        v.truncate(years.max(1));
    }
    sim.insert("start_month".into(), Value::String(s.origin.to_string()));
    sim.insert("horizon_months".into(), Value::Integer(s.horizon as i64));
    sim.insert("trials".into(), Value::Integer(s.trials as i64));
    sim.insert("seed".into(), Value::Integer(s.seed as i64));
    t.insert("simulation".into(), Value::Table(sim));
    let mut org = section(&mut t, "org");
    org.insert("seats".into(), Value::Integer(s.reps as i64));
    org.insert("filled_seats".into(), Value::Integer(s.reps as i64));
    t.insert("org".into(), Value::Table(org));
    if let Some(Value::Table(h)) = t.get_mut("hiring")
        && h.contains_key("headcount_plan")
    {
        h.insert("headcount_plan".into(), Value::Array(Vec::new()));
    }
    if let Some(Value::Table(p)) = t.get_mut("pipeline") {
        p.remove("starting_pipeline");
    }
    // Sections merge key by key; a key's value (a distribution, `pipeline.outcomes`) replaces
    // the base's whole.
    for (name, value) in fitted {
        match value {
            Value::Table(keys) => {
                let mut into = section(&mut t, &name);
                for (k, v) in keys {
                    into.insert(k, v);
                }
                t.insert(name, Value::Table(into));
            }
            v => {
                t.insert(name, v);
            }
        }
    }
    let mut open = toml::Table::new();
    open.insert("csv".into(), Value::String(OPEN_PIPELINE_CSV.into()));
    open.insert("columns".into(), Value::String("revsim".into()));
    open.insert("expected_close".into(), Value::String("ignore".into()));
    t.insert("open_pipeline".into(), Value::Table(open));
    let mut out = String::new();
    comment(
        &mut out,
        &format!(
            "revsim backtest: the forecast from {} as it could have been made on its first day. Org settings (ramp, attrition, hiring, customers, ...) from {}; the pipeline fitted from {} as known then (calibrated.toml has the fit with its comments); the deals open then in {OPEN_PIPELINE_CSV}; {} reps in seat. Rerun it with `revsim run` on this file.",
            s.origin, s.base, s.export, s.reps
        ),
    );
    out.push('\n');
    out.push_str(&render(&t));
    Ok(out)
}

/// The order of sections in a written scenario: the scenario reference's.
const SECTION_ORDER: [&str; 16] = [
    "simulation",
    "org",
    "ramp",
    "attrition",
    "hiring",
    "reps",
    "pipeline",
    "open_pipeline",
    "customers",
    "market",
    "leadership",
    "managers",
    "performance_management",
    "coverage",
    "quota",
    "plan",
];

/// A scenario table as TOML: plain keys first, then one `[section]` per table in the reference's
/// order, every value inside a section written inline (`deal_size_usd = { lognormal = { ... } }`,
/// `outcomes = { won = ..., ... }`), as the bundled scenarios write distributions.
pub fn render(t: &toml::Table) -> String {
    let mut out = String::new();
    for (k, v) in t.iter().filter(|(_, v)| !v.is_table()) {
        let _ = writeln!(out, "{} = {}", key(k), inline(v));
    }
    let mut sections: Vec<(&String, &toml::Table)> = t
        .iter()
        .filter_map(|(k, v)| v.as_table().map(|x| (k, x)))
        .collect();
    sections.sort_by_key(|(k, _)| {
        (
            SECTION_ORDER
                .iter()
                .position(|s| s == k)
                .unwrap_or(SECTION_ORDER.len()),
            k.to_string(),
        )
    });
    for (name, table) in sections {
        let _ = writeln!(out, "\n[{}]", key(name));
        for (k, v) in table {
            let _ = writeln!(out, "{} = {}", key(k), inline(v));
        }
    }
    out
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        fragment::toml_string(k)
    }
}

fn inline(v: &toml::Value) -> String {
    use toml::Value;
    match v {
        Value::String(s) => fragment::toml_string(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => {
            let s = format!("{f:?}");
            if f.is_finite() { s } else { v.to_string() }
        }
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(t) if t.is_empty() => "{}".into(),
        Value::Table(t) => {
            let items: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}
