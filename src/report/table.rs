//! The summary table `revsim run` prints.

use std::fmt::Write;

use crate::stats::Distribution;
use crate::summary::{PeriodSummary, Summary};
use crate::words::{count, pct, usd};

/// Renders the summary as a plain-text table.
pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    let periods: Vec<&PeriodSummary> = s.fiscal_years.iter().chain([&s.horizon]).collect();
    let label = |p: &PeriodSummary| {
        if p.label == "horizon" {
            format!("{} months", p.months)
        } else if p.months < 12 {
            format!("{} ({} mo)", p.label, p.months)
        } else {
            p.label.clone()
        }
    };
    let _ = writeln!(
        o,
        "{}: {} trials, seed {}, {} months from {}",
        s.scenario, s.trials, s.seed, s.horizon_months, s.start_month
    );
    let row =
        |o: &mut String, name: &str, d: &Distribution, f: &dyn Fn(f64) -> String, tail: &str| {
            let _ = writeln!(
                o,
                "  {name:<16} {:>9} {:>9} {:>9} {:>9}{tail}",
                f(d.mean),
                f(d.p10),
                f(d.p50),
                f(d.p90)
            );
        };
    let header = |o: &mut String, title: &str, extra: &str| {
        let _ = writeln!(
            o,
            "\n{title:<18} {:>9} {:>9} {:>9} {:>9}{extra}",
            "mean", "P10", "P50", "P90"
        );
    };
    let has_plan = s.horizon.plan_bookings_usd.is_some();
    header(
        &mut o,
        "New bookings",
        if has_plan {
            "      plan  P(hit plan)"
        } else {
            ""
        },
    );
    for p in &periods {
        let tail = match (p.plan_bookings_usd, p.p_hit_plan) {
            (Some(plan), Some(hit)) => format!(" {:>9}  {:>6}", usd(plan), pct(hit.p)),
            _ => String::new(),
        };
        row(&mut o, &label(p), &p.bookings_usd, &usd, &tail);
    }
    header(&mut o, "Ending ARR", "");
    for p in &periods {
        row(&mut o, &label(p), &p.ending_arr_usd, &usd, "");
    }
    header(&mut o, "Ending headcount", "");
    for p in &periods {
        row(&mut o, &label(p), &p.ending_headcount, &count, "");
    }
    if s.fiscal_years
        .iter()
        .any(|p| p.share_of_reps_at_quota.is_some())
    {
        header(&mut o, "Reps at quota", "");
        for p in &s.fiscal_years {
            if let Some(d) = &p.share_of_reps_at_quota {
                let spread = p.quota_attainment_pct.map_or(String::new(), |a| {
                    format!(
                        "   a rep's attainment: P10 {:.0}%, P50 {:.0}%, P90 {:.0}%",
                        a.p10, a.p50, a.p90
                    )
                });
                row(&mut o, &label(p), d, &pct, &spread);
            }
        }
    }
    if let Some(vp) = &s.vp_of_sales {
        header(&mut o, "VP of Sales", "");
        row(&mut o, "VP changes", &vp.changes, &count, "");
        row(
            &mut o,
            "transition months",
            &vp.months_in_transition,
            &count,
            "",
        );
        if let Some(lost) = &vp.bookings_lost_to_turnover_usd {
            row(
                &mut o,
                "bookings lost",
                lost,
                &usd,
                "   vs. no VP turnover, same random numbers",
            );
        }
        for (name, h) in [
            ("completed", &vp.completed_tenure_months),
            ("still in seat", &vp.running_tenure_months),
        ] {
            if let Some(h) = h {
                let _ = writeln!(
                    o,
                    "  VP tenure, {name}: median {} months (P10 {}, P90 {}; {} VPs)",
                    count(h.p50),
                    count(h.p10),
                    count(h.p90),
                    h.n
                );
            }
        }
    }
    let _ = writeln!(
        o,
        "\nP10 = 10th percentile (a 90% chance of doing better); P90 = a 10% chance of doing better."
    );
    o
}
