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
