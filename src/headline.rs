//! The sentences executives read first, shared by the charts and the HTML reports.

use crate::calendar::month_label;
use crate::scenario::Scenario;
use crate::summary::{PeriodSummary, Summary};
use crate::words::{pct, usd};

/// "FY2027–FY2029" when the horizon is whole fiscal years, else "the 30 months from Jul 2027".
pub fn horizon_words(s: &Scenario) -> String {
    let fys = &s.clock.fiscal_years;
    match (fys.first(), fys.last()) {
        (Some(a), Some(b)) if fys.iter().all(|f| f.months == 12) => {
            if fys.len() == 1 {
                a.label.clone()
            } else {
                format!("{}–{}", a.label, b.label)
            }
        }
        _ if s.horizon() == 1 => month_label(s.clock.start, 0),
        _ => format!(
            "the {} months from {}",
            s.horizon(),
            month_label(s.clock.start, 0)
        ),
    }
}

/// The one-sentence answer: "62% chance of hitting the $90.0M plan for FY2027–FY2029; P10–P90
/// $81.1M–$97.3M."
pub fn answer(s: &Scenario, summary: &Summary) -> String {
    period_answer(&summary.horizon, &horizon_words(s))
}

/// The answer for one period, named `words`.
pub fn period_answer(p: &PeriodSummary, words: &str) -> String {
    let b = &p.bookings_usd;
    let range = format!("P10–P90 {}–{}", usd(b.p10), usd(b.p90));
    match (p.plan_bookings_usd, p.p_hit_plan) {
        (Some(plan), Some(hit)) => format!(
            "{} chance of hitting the {} bookings plan for {words}; {range}.",
            pct(hit.p),
            usd(plan)
        ),
        _ => format!(
            "Bookings for {words}: most likely {}; {range} (no plan set).",
            usd(b.p50)
        ),
    }
}

/// The label of a period that may be partial: "FY2027", or "FY2027 (6 months)".
fn period_label(p: &PeriodSummary) -> String {
    if p.months < 12 {
        format!("{} ({} months)", p.label, p.months)
    } else {
        p.label.clone()
    }
}

/// The answer for the first fiscal year of the horizon, the year a leader is held to next:
/// "FY2027: 57% chance of hitting the $27.0M bookings plan; P50 $27.4M, 101% of plan; P10–P90
/// $24.1M–$30.9M." `None` without fiscal years.
pub fn first_year_answer(summary: &Summary) -> Option<String> {
    let f = summary.fiscal_years.first()?;
    let b = &f.bookings_usd;
    let range = format!("P10–P90 {}–{}", usd(b.p10), usd(b.p90));
    let label = period_label(f);
    Some(match (f.plan_bookings_usd, f.p_hit_plan) {
        (Some(plan), Some(hit)) if plan > 0.0 => format!(
            "{label}: {} chance of hitting the {} bookings plan; P50 {}, {} of plan; {range}.",
            pct(hit.p),
            usd(plan),
            usd(b.p50),
            pct(b.p50 / plan)
        ),
        _ => format!(
            "{label}: bookings most likely {}; {range} (no plan set).",
            usd(b.p50)
        ),
    })
}

/// The headline of a report, first line first: the first fiscal year's answer, then the
/// horizon's ("Over FY2027–FY2029: ..."); the horizon's alone when it is that one year.
pub fn lead(s: &Scenario, summary: &Summary) -> Vec<String> {
    let horizon = answer(s, summary);
    let same =
        summary.fiscal_years.len() == 1 && summary.fiscal_years[0].months == summary.horizon.months;
    match first_year_answer(summary) {
        Some(first) if !same => vec![first, format!("Over the horizon: {horizon}")],
        _ => vec![horizon],
    }
}

/// "By fiscal year: FY2027 71% · FY2028 60% · FY2029 52%", or `None` without a plan or with a
/// single fiscal year.
pub fn by_year(summary: &Summary) -> Option<String> {
    if summary.fiscal_years.len() < 2 {
        return None;
    }
    let parts: Option<Vec<String>> = summary
        .fiscal_years
        .iter()
        .map(|f| {
            f.p_hit_plan.map(|h| {
                let partial = if f.months < 12 {
                    format!(" ({} months)", f.months)
                } else {
                    String::new()
                };
                format!("{}{partial} {}", f.label, pct(h.p))
            })
        })
        .collect();
    parts.map(|p| format!("Chance of hitting each year's plan: {}.", p.join(" · ")))
}
