//! Plausibility warnings: values that are valid but lie outside the published ranges that
//! docs/model.md collects (its table of facts and benchmarks), each warning naming the benchmark and
//! its origin. A warning never stops a run; `--strict` turns warnings into errors.
//!
//! The checks read a validated [`Scenario`]; the value's file, line and column are found
//! afterwards ([`locate`]) in the layers the scenario was resolved from (the `--set`
//! overrides, the file, then the files it extends), so a warning points at the line that holds
//! the value in force.
//!
//! | check | warns when | benchmark (origin) |
//! | --- | --- | --- |
//! | ramp | a written ramp reaches full productivity in under one month | AE ramp median ~5 months, SDR ~3 (Bridge Group) |
//! | attrition | annual rate above 80% (also as set by an event) | ~1 in 3 per year; review if > 20% voluntary (Bridge Group; Alexander Group) |
//! | win rate | `pipeline.outcomes.won` above 70% | late-stage forecast deals won 47% (CSO Insights 2018-19); ~25% of qualified opportunities |
//! | no decision | `pipeline.outcomes.no_decision` above 60% | 40-60% of qualified deals lost to indecision (Dixon & McKenna, HBR 2022) |
//! | coverage | a global target below 2X or above 7.5X (also by an event) | SMB 2.5-3x, mid-market 3-4x, enterprise 4-5x (vendor survey) |
//! | VP tenure | median tenure below 9.5 or above 52 months (half of 19, twice 26) | VP of Sales tenure 26 -> 19 months (Gong, 2018) |
//! | sales cycle | mean cycle of won deals under 1 month or over 24 months (over 24: what it is if written in days) | SaaS median 60-72 days (Bridge Group 2017); CRM data just over 6 months |
//!
//! Unit slips: valid values that read as if written in another unit, each with the value
//! likely meant (the arithmetic is the benchmark):
//!
//! | check | warns when | likely meant |
//! | --- | --- | --- |
//! | monthly churn | `customers.monthly_logo_churn_rate` loses over 50% of customers a year | the annual rate: its monthly equivalent |
//! | monthly expansion | `customers.monthly_expansion_rate` grows ARR over 50% a year | the annual rate: its monthly equivalent |
//! | deal size | median `pipeline.deal_size_usd` under $1,000 | thousands of dollars (`120` for $120,000) |
//! | share of quota | `performance_management.min_share_of_quota` over 1.5 (and at most 100) | a percentage: the fraction |
//!
//! A share given as a percentage (`won = 25`) is an error already: the message gives the
//! fraction (`values::Probability`).

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use toml::de::{DeTable, DeValue};

use super::params;
use super::raw::RampCurve;
use super::{InputError, Scenario};
use crate::words::fmt_num;

/// One step of a key path: a table key, or an index into an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key of a table (may itself contain dots, as the keys of an event's `set` do).
    Key(String),
    /// An element of an array (`[[events]]`).
    Index(usize),
}

/// A valid value outside its published range.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Where the value lives in the scenario, step by step.
    pub path: Vec<Step>,
    /// What is implausible, with the value and the range.
    pub message: String,
    /// The published figure the value is compared with.
    pub benchmark: &'static str,
    /// Who published it, and when.
    pub origin: &'static str,
}

impl Warning {
    fn new(path: &[&str], message: String, benchmark: &'static str, origin: &'static str) -> Self {
        Warning {
            path: path.iter().map(|k| Step::Key(k.to_string())).collect(),
            message,
            benchmark,
            origin,
        }
    }

    /// The key path as written in messages: `attrition.annual_rate`,
    /// `events[1].set."attrition.annual_rate"`.
    pub fn key(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Key(k) if k.contains('.') => out.push_str(&format!(".\"{k}\"")),
                Step::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

/// The band of the parameter at `path`, from the parameter table.
fn band(path: &str) -> params::Band {
    params::known(path)
        .plausible
        .unwrap_or_else(|| panic!("{path} has a published band"))
}

/// (benchmark, origin) of a band.
fn source(b: params::Band) -> (&'static str, &'static str) {
    (b.benchmark, b.origin)
}

fn pct(x: f64) -> String {
    format!("{}%", fmt_num((x * 1000.0).round() / 10.0))
}

/// Every plausibility warning for `s`, in the order of the file's sections.
pub fn check(s: &Scenario) -> Vec<Warning> {
    let mut out = Vec::new();
    for check in [
        ramp, attrition, outcomes, cycle, vp_tenure, coverage, events, unit_slips,
    ] {
        check(s, &mut out);
    }
    out
}

/// Adds a warning at `path`.
fn warn(out: &mut Vec<Warning>, path: &[&str], msg: String, (b, o): (&'static str, &'static str)) {
    out.push(Warning::new(path, msg, b, o));
}

/// A ramp curve written in the file that is full in the first month.
fn ramp(s: &Scenario, out: &mut Vec<Warning>) {
    let raw = &s.raw;
    // Ramp: a curve written in the file that is full in the first month. `none` is the
    // documented way to switch the ramp off, so it is taken as deliberate.
    let curve = raw.ramp.curve.get_ref();
    let written = raw.ramp.curve.span() != (0..0);
    let months = match curve {
        RampCurve::Linear { months_to_full }
        | RampCurve::SCurve { months_to_full }
        | RampCurve::Step { months_to_full } => Some(*months_to_full),
        RampCurve::Table(v) => Some(v.iter().take_while(|x| **x < 1.0).count() as f64),
        RampCurve::None {} => None,
    };
    let ramp = band("ramp.curve.months_to_full");
    if let (true, Some(m)) = (written, months)
        && m < ramp.lo
    {
        warn(
            out,
            &["ramp", "curve"],
            format!(
                "new reps reach full productivity in {} months, under one month",
                fmt_num(m)
            ),
            source(ramp),
        );
    }
}

/// Annual attrition above the published band.
fn attrition(s: &Scenario, out: &mut Vec<Warning>) {
    let raw = &s.raw;
    let attrition = band("attrition.annual_rate");
    if let Some(a) = raw.attrition.annual_rate
        && a.0 > attrition.hi
    {
        warn(
            out,
            &["attrition", "annual_rate"],
            format!(
                "annual attrition of {} is over {}",
                pct(a.0),
                pct(attrition.hi)
            ),
            source(attrition),
        );
    }
}

/// Win and no-decision shares above their published bands.
fn outcomes(s: &Scenario, out: &mut Vec<Warning>) {
    let [won, _, no_decision] = s.pipeline.outcomes;
    let (win_rate, indecision) = (
        band("pipeline.outcomes.won"),
        band("pipeline.outcomes.no_decision"),
    );
    if won > win_rate.hi {
        warn(
            out,
            &["pipeline", "outcomes", "won"],
            format!("a win rate of {} is over {}", pct(won), pct(win_rate.hi)),
            source(win_rate),
        );
    }
    if no_decision > indecision.hi {
        warn(
            out,
            &["pipeline", "outcomes", "no_decision"],
            format!(
                "a no-decision share of {} is above {}",
                pct(no_decision),
                pct(indecision.hi)
            ),
            source(indecision),
        );
    }
}

/// The mean cycle of won deals outside its published band.
fn cycle(s: &Scenario, out: &mut Vec<Warning>) {
    let cycle = s.pipeline.cycle_months[0].mean();
    let cycles = band("pipeline.cycle_months");
    if !(cycles.lo..=cycles.hi).contains(&cycle) {
        // Over two years reads as days (or weeks) written as months.
        let slip = if cycle > cycles.hi {
            format!(
                "; if that is in days, it is {} months: write the cycle in months",
                fmt_num((cycle / DAYS_PER_MONTH * 10.0).round() / 10.0)
            )
        } else {
            String::new()
        };
        warn(
            out,
            &["pipeline", "cycle_months"],
            format!(
                "won deals take {} months on average to decide, outside {} to {} months{slip}",
                fmt_num((cycle * 100.0).round() / 100.0),
                fmt_num(cycles.lo),
                fmt_num(cycles.hi)
            ),
            source(cycles),
        );
    }
}

/// The median of an exogenous VP tenure outside its published band.
fn vp_tenure(s: &Scenario, out: &mut Vec<Warning>) {
    if let Some(l) = &s.leadership
        && let Some(t) = &l.tenure_months
    {
        let median = t.quantile(0.5);
        let tenure = band("leadership.tenure_months");
        if !(tenure.lo..=tenure.hi).contains(&median) {
            warn(
                out,
                &["leadership", "tenure_months"],
                format!(
                    "a median VP tenure of {} months is outside {} to {} months",
                    fmt_num((median * 10.0).round() / 10.0),
                    fmt_num(tenure.lo),
                    fmt_num(tenure.hi)
                ),
                source(tenure),
            );
        }
    }
}

/// A global coverage target far outside the published norms.
fn coverage(s: &Scenario, out: &mut Vec<Warning>) {
    let raw = &s.raw;
    let coverage = band("coverage.target_multiple");
    if let Some(c) = &raw.coverage
        && c.get_ref().policy == super::raw::CoveragePolicy::Global
        && let Some(t) = c.get_ref().target_multiple
        && outside_coverage(t.0)
    {
        warn(
            out,
            &["coverage", "target_multiple"],
            coverage_message(t.0),
            source(coverage),
        );
    }
}

/// "a coverage target of 9X is far outside the 2.5-5X norms (...)".
fn coverage_message(x: f64) -> String {
    let coverage = band("coverage.target_multiple");
    format!(
        "a coverage target of {}X is far outside the 2.5-5X norms (warning below {}X or above {}X)",
        fmt_num(x),
        fmt_num(coverage.lo),
        fmt_num(coverage.hi)
    )
}

/// Whether a coverage target lies outside the published band.
fn outside_coverage(x: f64) -> bool {
    let coverage = band("coverage.target_multiple");
    !(coverage.lo..=coverage.hi).contains(&x)
}

/// Values set by events: attrition and coverage targets, as in the file.
fn events(s: &Scenario, out: &mut Vec<Warning>) {
    let raw = &s.raw;
    let (attrition, coverage) = (
        band("attrition.annual_rate"),
        band("coverage.target_multiple"),
    );
    for (i, e) in raw.events.iter().enumerate() {
        let Some(set) = &e.get_ref().set else {
            continue;
        };
        for (key, value) in set.get_ref() {
            let value = value.get_ref();
            let (msg, benchmark) = match key.get_ref().as_str() {
                "attrition.annual_rate" if *value > attrition.hi => (
                    format!(
                        "from {} annual attrition of {} is over {}",
                        e.get_ref().month.get_ref(),
                        pct(*value),
                        pct(attrition.hi)
                    ),
                    source(attrition),
                ),
                "coverage.target_multiple" if outside_coverage(*value) => (
                    format!(
                        "from {} {}",
                        e.get_ref().month.get_ref(),
                        coverage_message(*value)
                    ),
                    source(coverage),
                ),
                _ => continue,
            };
            out.push(Warning {
                path: vec![
                    Step::Key("events".into()),
                    Step::Index(i),
                    Step::Key("set".into()),
                    Step::Key(key.get_ref().clone()),
                ],
                message: msg,
                benchmark: benchmark.0,
                origin: benchmark.1,
            });
        }
    }
}

/// Days in an average month (365.25 / 12).
const DAYS_PER_MONTH: f64 = 30.4375;

/// A monthly rate over this share a year is taken as an annual rate written as a monthly one.
const MAX_YEARLY_FROM_MONTHLY: f64 = 0.5;

/// Deal sizes under this median (USD) are taken as written in thousands.
const MIN_DEAL_USD: f64 = 1_000.0;

/// The benchmark of the unit checks: arithmetic, not a published figure.
const UNIT_CHECK: (&str, &str) = (
    "unit check: a value this size usually means another unit",
    "arithmetic",
);

/// A rate to three significant figures, as a planner would write it: 0.08, 0.00692.
fn rate_text(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return fmt_num(x);
    }
    let decimals = (2 - x.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Valid values that read as written in another unit, each with the value likely meant.
fn unit_slips(s: &Scenario, out: &mut Vec<Warning>) {
    let raw = &s.raw;
    if let Some(m) = raw.customers.monthly_logo_churn_rate {
        let yearly = 1.0 - (1.0 - m.0).powi(12);
        if yearly > MAX_YEARLY_FROM_MONTHLY {
            warn(
                out,
                &["customers", "monthly_logo_churn_rate"],
                format!(
                    "a monthly logo churn of {} loses {} of customers a year; if {} is the annual churn, the monthly rate is {}",
                    rate_text(m.0),
                    pct(yearly),
                    rate_text(m.0),
                    rate_text(1.0 - (1.0 - m.0).powf(1.0 / 12.0))
                ),
                UNIT_CHECK,
            );
        }
    }
    if let Some(g) = raw.customers.monthly_expansion_rate {
        let yearly = (1.0 + g.0).powi(12) - 1.0;
        if yearly > MAX_YEARLY_FROM_MONTHLY {
            warn(
                out,
                &["customers", "monthly_expansion_rate"],
                format!(
                    "a monthly expansion of {} grows ARR {} a year; if {} is the annual expansion, the monthly rate is {}",
                    rate_text(g.0),
                    pct(yearly),
                    rate_text(g.0),
                    rate_text((1.0 + g.0).powf(1.0 / 12.0) - 1.0)
                ),
                UNIT_CHECK,
            );
        }
    }
    let median = s.pipeline.deal_size_usd.quantile(0.5);
    if median > 0.0 && median < MIN_DEAL_USD {
        warn(
            out,
            &["pipeline", "deal_size_usd"],
            format!(
                "a median deal of ${} is under ${}; if sizes are in thousands, that is ${}: write deal_size_usd in dollars",
                fmt_num(crate::words::sig(median, 3)),
                fmt_num(MIN_DEAL_USD),
                crate::words::thousands((median * 1000.0).round() as usize)
            ),
            UNIT_CHECK,
        );
    }
    if let Some(pm) = &raw.performance_management {
        let share = pm.get_ref().min_share_of_quota.0;
        if share > 1.5 && share <= 100.0 {
            warn(
                out,
                &["performance_management", "min_share_of_quota"],
                format!(
                    "a minimum of {} times quota exits nearly every rep; if {share} is a percentage, write {}",
                    fmt_num(share),
                    fmt_num(share / 100.0)
                ),
                UNIT_CHECK,
            );
        }
    }
}

/// One layer a scenario was resolved from: its label (a file, or `--set`) and its text.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The file as the user named it, or `--set`.
    pub label: String,
    /// Its text.
    pub text: Arc<str>,
}

/// The layers of a loaded scenario, the one whose values win first: the `--set` overrides
/// (last first), the file, then each file it extends. Files that cannot be read again are
/// left out (their warnings then carry no line).
pub fn layers(s: &Scenario, sets: &[Vec<String>]) -> Vec<Layer> {
    let mut out = Vec::new();
    for layer in sets.iter().rev() {
        if let Ok(text) = super::resolve::set_layer(layer)
            && !text.is_empty()
        {
            out.push(Layer {
                label: super::resolve::SET_LABEL.into(),
                text: Arc::from(text),
            });
        }
    }
    // Standard input cannot be read twice: its warnings carry no line.
    let files = std::iter::once(&s.source).chain(&s.inherits);
    for file in files.filter(|f| *f != crate::diagnostic::input::STDIN_LABEL) {
        if let Ok(text) = super::resolve::read(Path::new(file), file, false) {
            out.push(Layer {
                label: file.clone(),
                text: Arc::from(text),
            });
        }
    }
    out
}

/// The layer and byte span of the value at `path`: the first layer that sets it.
pub fn locate<'a>(path: &[Step], layers: &'a [Layer]) -> Option<(&'a Layer, Range<usize>)> {
    layers.iter().find_map(|layer| {
        let doc = DeTable::parse(&layer.text).ok()?;
        let mut table = doc.get_ref();
        let mut span = None;
        let mut value: Option<&DeValue<'_>> = None;
        for step in path {
            match (step, value) {
                (Step::Key(k), None) => {
                    let (_, v) = table.iter().find(|(key, _)| key.get_ref() == k)?;
                    span = Some(v.span());
                    value = Some(v.get_ref());
                }
                (Step::Key(k), Some(DeValue::Table(t))) => {
                    table = t;
                    let (_, v) = table.iter().find(|(key, _)| key.get_ref() == k)?;
                    span = Some(v.span());
                    value = Some(v.get_ref());
                }
                (Step::Index(i), Some(DeValue::Array(a))) => {
                    let v = a.get(*i)?;
                    span = Some(v.span());
                    value = Some(v.get_ref());
                }
                _ => return None,
            }
        }
        Some((layer, span?))
    })
}

/// A warning as it is printed: cargo's style, with the line of the value where it was found.
pub fn render(w: &Warning, layers: &[Layer], fallback_file: &str, strict: bool) -> String {
    let key = w.key();
    let located = locate(&w.path, layers);
    let file = located
        .as_ref()
        .map_or(fallback_file, |(l, _)| l.label.as_str());
    let title = format!("{file}: `{key}`: {}", w.message);
    let note = format!("benchmark: {}: {}", w.benchmark, w.origin);
    let help = if strict {
        "check the value; without --strict this is a warning".to_string()
    } else {
        "check the value; --strict turns this warning into an error".to_string()
    };
    let level = if strict { Level::ERROR } else { Level::WARNING };
    let label = format!("in `{key}`");
    let mut group = Group::with_title(level.primary_title(title.as_str()));
    if let Some((layer, span)) = located {
        group = group.element(
            Snippet::source(&*layer.text)
                .path(layer.label.as_str())
                .annotation(AnnotationKind::Primary.span(span).label(label.as_str())),
        );
    }
    group = group
        .element(Level::NOTE.message(note.as_str()))
        .element(Level::HELP.message(help.as_str()));
    Renderer::plain().render(&[group])
}

/// A warning as an input error (for `--strict`): the same message, at the same place.
pub fn to_error(w: &Warning, layers: &[Layer], fallback_file: &str) -> InputError {
    let key = w.key();
    let message = format!(
        "{}; benchmark: {}: {} (--strict makes this an error)",
        w.message, w.benchmark, w.origin
    );
    match locate(&w.path, layers) {
        Some((layer, span)) => InputError::at(&layer.label, &layer.text, Some(span), message),
        None => InputError::file(fallback_file, message),
    }
    .key(key)
    .help("check the value, or run without --strict to accept it with a warning")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        scenario_with("deal_size_usd = 1000\ncycle_months = 2", extra)
    }

    /// The scenario with `pipeline` keys `deal_and_cycle` in place of the plain ones.
    fn scenario_with(deal_and_cycle: &str, extra: &str) -> Scenario {
        let text = format!(
            "[simulation]\nstart_month = \"2027-01\"\nhorizon_months = 24\n[org]\nseats = 5\n[pipeline]\nopportunities_per_rep_month = 2\n{deal_and_cycle}\n[pipeline.outcomes]\nwon = 0.25\nlost = 0.35\nno_decision = 0.4\n{extra}"
        );
        Scenario::from_toml(&text, "t.toml", "t").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_plain_scenario_has_no_warning() {
        assert_eq!(check(&scenario("")), vec![]);
    }

    #[test]
    fn each_bound_is_its_own_edge() {
        let keys = |extra: &str| -> Vec<String> {
            check(&scenario(extra)).iter().map(Warning::key).collect()
        };
        assert_eq!(keys("[attrition]\nannual_rate = 0.8"), Vec::<String>::new());
        assert_eq!(
            keys("[attrition]\nannual_rate = 0.81"),
            ["attrition.annual_rate"]
        );
        assert_eq!(
            keys("[ramp]\ncurve = { linear = { months_to_full = 1 } }"),
            Vec::<String>::new()
        );
        assert_eq!(
            keys("[ramp]\ncurve = { linear = { months_to_full = 0.5 } }"),
            ["ramp.curve"]
        );
        assert_eq!(keys("[ramp]\ncurve = { table = [1.0] }"), ["ramp.curve"]);
        assert_eq!(
            keys("[ramp]\ncurve = { table = [0.5] }"),
            Vec::<String>::new()
        );
        assert_eq!(keys("[ramp]\ncurve = { none = {} }"), Vec::<String>::new());
        assert_eq!(
            keys("[[events]]\nmonth = \"2027-06\"\nset = { \"attrition.annual_rate\" = 0.9 }"),
            ["events[0].set.\"attrition.annual_rate\""]
        );
    }

    #[test]
    fn unit_slips_say_the_value_likely_meant() {
        let warned = |extra: &str| -> Vec<(String, String)> {
            check(&scenario(extra))
                .into_iter()
                .map(|w| (w.key(), w.message))
                .collect()
        };
        // The base scenario's $1,000 deals are the edge: no warning.
        let w = warned("[customers]\nmonthly_logo_churn_rate = 0.08");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, "customers.monthly_logo_churn_rate");
        assert!(
            w[0].1.contains("63.2% of customers a year") && w[0].1.contains("0.00692"),
            "{w:?}"
        );
        // 1 - 0.95^12 = 46%: under half a year, no warning.
        assert_eq!(
            warned("[customers]\nmonthly_logo_churn_rate = 0.05"),
            vec![]
        );
        let w = warned("[customers]\nmonthly_expansion_rate = 0.04");
        assert!(
            w[0].1.contains("60.1%") && w[0].1.contains("0.00327"),
            "{w:?}"
        );
        let slips = |pipeline: &str| -> Vec<(String, String)> {
            check(&scenario_with(pipeline, ""))
                .into_iter()
                .map(|w| (w.key(), w.message))
                .collect()
        };
        let w = slips("deal_size_usd = 120\ncycle_months = 2");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, "pipeline.deal_size_usd");
        assert!(w[0].1.contains("$120,000"), "{w:?}");
        let w = slips("deal_size_usd = 1000\ncycle_months = 270");
        assert_eq!(w[0].0, "pipeline.cycle_months");
        assert!(w[0].1.contains("in days, it is 8.9 months"), "{w:?}");
        let quota = "[quota]\nannual_quota_usd = 100000\n";
        let w = warned(&format!(
            "{quota}[performance_management]\nmin_share_of_quota = 50"
        ));
        assert!(w[0].1.contains("write 0.5"), "{w:?}");
        assert_eq!(
            warned(&format!(
                "{quota}[performance_management]\nmin_share_of_quota = 0.5"
            )),
            vec![]
        );
    }

    #[test]
    fn warnings_are_located_in_the_layer_that_sets_the_value() {
        let layers = [
            Layer {
                label: "--set".into(),
                text: Arc::from("attrition.annual_rate = 0.9\n"),
            },
            Layer {
                label: "a.toml".into(),
                text: Arc::from(
                    "[attrition]\nannual_rate = 0.85\n[[events]]\nmonth = \"2027-02\"\nset = { \"attrition.annual_rate\" = 0.95 }\n",
                ),
            },
        ];
        let key = |k: &str| Step::Key(k.into());
        let (l, span) = locate(&[key("attrition"), key("annual_rate")], &layers).unwrap();
        assert_eq!((l.label.as_str(), &l.text[span]), ("--set", "0.9"));
        let path = [
            key("events"),
            Step::Index(0),
            key("set"),
            key("attrition.annual_rate"),
        ];
        let (l, span) = locate(&path, &layers).unwrap();
        assert_eq!((l.label.as_str(), &l.text[span]), ("a.toml", "0.95"));
        assert!(locate(&[key("ramp"), key("curve")], &layers).is_none());
    }
}
