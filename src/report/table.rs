//! The summary table `revsim run` prints.

use std::fmt::Write;

use crate::stats::Distribution;
use crate::summary::{PeriodSummary, Summary, VpSummary};
use crate::words::{count, pct, usd};

/// Renders the summary as a plain-text table.
pub fn render(s: &Summary) -> String {
    let mut t = Table::default();
    let _ = writeln!(
        t.0,
        "{}: {} trials, seed {}, {} months from {}",
        s.scenario, s.trials, s.seed, s.horizon_months, s.start_month
    );
    let periods: Vec<&PeriodSummary> = s.fiscal_years.iter().chain([&s.horizon]).collect();
    t.bookings(&periods, s.horizon.plan_bookings_usd.is_some());
    t.header("Ending ARR", "");
    for p in &periods {
        t.row(&period_label(p), &p.ending_arr_usd, &usd, "");
    }
    t.header("Ending headcount", "");
    for p in &periods {
        t.row(&period_label(p), &p.ending_headcount, &count, "");
    }
    t.reps_at_quota(&s.fiscal_years);
    if let Some(vp) = &s.vp_of_sales {
        t.vp_of_sales(vp);
    }
    if let Some(layers) = &s.spread_by_layer {
        let _ = writeln!(t.0, "\n{}", crate::words::wrap(&layers.sentence(), 80));
    }
    let _ = writeln!(
        t.0,
        "\nP10 = 10th percentile (a 90% chance of doing better);\nP90 = 90th percentile (a 10% chance of doing better)."
    );
    if s.horizon.plan_bookings_usd.is_some() {
        let _ = writeln!(
            t.0,
            "% of plan = P50 bookings / plan: how close the likely outcome comes, even where\nP(hit plan) is 0% or 100%."
        );
    }
    t.0
}

/// P50 bookings of `p` as a share of its plan: `None` without a plan (or with a plan of 0).
pub fn share_of_plan(p: &PeriodSummary) -> Option<f64> {
    p.plan_bookings_usd
        .filter(|plan| *plan > 0.0)
        .map(|plan| p.bookings_usd.p50 / plan)
}

/// A period as a row name: "FY2027", "FY2029 (6 mo)", "36 months" for the horizon.
fn period_label(p: &PeriodSummary) -> String {
    if p.label == "horizon" {
        format!("{} months", p.months)
    } else if p.months < 12 {
        format!("{} ({} mo)", p.label, p.months)
    } else {
        p.label.clone()
    }
}

/// Width of the row names: two spaces and a name as long as "FY2029 (6 mo)".
const NAME: usize = 15;

/// Width of a column of figures: one space and a figure as long as "-$1.24M".
const FIGURE: usize = 8;

/// `name` in the name column, then `columns`; a name longer than the column runs into the
/// blank start of the first column (keeping a space), so the columns stay where they are
/// whenever the figure leaves room.
fn beside(name: &str, columns: &str) -> String {
    let over = name.chars().count().saturating_sub(NAME);
    let blank = columns.len() - columns.trim_start().len();
    let cut = over.min(blank.saturating_sub(1));
    format!("{name:<NAME$}{}", &columns[cut..])
}

/// The table as it is written: sections of a header and rows of mean, P10, P50 and P90, at
/// most 80 columns wide (a section title may run into the padding of the first column).
#[derive(Default)]
struct Table(String);

impl Table {
    /// A section's header: its title over the columns, and `extra` column titles.
    fn header(&mut self, title: &str, extra: &str) {
        let columns = format!(
            "{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}{extra}",
            "mean", "P10", "P50", "P90"
        );
        let _ = writeln!(self.0, "\n{}", beside(title, &columns));
    }

    /// A row: `d`'s mean, P10, P50 and P90 written with `f`, then `tail`.
    fn row(&mut self, name: &str, d: &Distribution, f: &dyn Fn(f64) -> String, tail: &str) {
        let columns = format!(
            "{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}{tail}",
            f(d.mean),
            f(d.p10),
            f(d.p50),
            f(d.p90)
        );
        let _ = writeln!(self.0, "{}", beside(&format!("  {name}"), &columns));
    }

    /// New bookings by period, with each period's plan and chance of hitting it when there is
    /// a plan.
    fn bookings(&mut self, periods: &[&PeriodSummary], has_plan: bool) {
        self.header(
            "New bookings",
            if has_plan {
                "    plan  % of plan  P(hit plan)"
            } else {
                ""
            },
        );
        for p in periods {
            let tail = match (p.plan_bookings_usd, p.p_hit_plan) {
                (Some(plan), Some(hit)) => format!(
                    "{:>FIGURE$}{:>11}{:>13}",
                    usd(plan),
                    share_of_plan(p).map_or("-".into(), pct),
                    pct(hit.p)
                ),
                _ => String::new(),
            };
            self.row(&period_label(p), &p.bookings_usd, &usd, &tail);
        }
    }

    /// The share of reps at quota by fiscal year, then the spread of a rep's attainment; no
    /// section without quotas.
    fn reps_at_quota(&mut self, fiscal_years: &[PeriodSummary]) {
        if !fiscal_years
            .iter()
            .any(|p| p.share_of_reps_at_quota.is_some())
        {
            return;
        }
        self.header("Reps at quota", "");
        for p in fiscal_years {
            if let Some(d) = &p.share_of_reps_at_quota {
                self.row(&period_label(p), d, &pct, "");
            }
        }
        if !fiscal_years
            .iter()
            .any(|p| p.quota_attainment_pct.is_some())
        {
            return;
        }
        self.header("Quota attainment", "");
        for p in fiscal_years {
            if let Some(a) = &p.quota_attainment_pct {
                let whole = |v: f64| format!("{v:.0}%");
                let columns = format!(
                    "{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}",
                    whole(a.mean),
                    whole(a.p10),
                    whole(a.p50),
                    whole(a.p90)
                );
                let _ = writeln!(
                    self.0,
                    "{}",
                    beside(&format!("  {}", period_label(p)), &columns)
                );
            }
        }
        let _ = writeln!(
            self.0,
            "  (a rep's bookings / quota: reps in seat at year end, over reps and trials)"
        );
    }

    /// VP of Sales turnover: changes, months in transition, bookings lost and tenure.
    fn vp_of_sales(&mut self, vp: &VpSummary) {
        self.header("VP of Sales", "");
        self.row("VP changes", &vp.changes, &count, "");
        self.row("in transition", &vp.months_in_transition, &count, "");
        if let Some(lost) = &vp.bookings_lost_to_turnover_usd {
            self.row("bookings lost", lost, &usd, "");
        }
        for (name, h) in [
            ("completed", &vp.completed_tenure_months),
            ("still in seat", &vp.running_tenure_months),
        ] {
            if let Some(h) = h {
                let _ = writeln!(
                    self.0,
                    "  VP tenure, {name}: median {} months (P10 {}, P90 {}; {} VPs)",
                    count(h.p50),
                    count(h.p10),
                    count(h.p90),
                    h.n
                );
            }
        }
        let _ = writeln!(
            self.0,
            "  (in transition: months per trial from search to re-onboarding{})",
            if vp.bookings_lost_to_turnover_usd.is_some() {
                ";\n  bookings lost: against no VP turnover, on the same random numbers"
            } else {
                ""
            }
        );
    }
}
