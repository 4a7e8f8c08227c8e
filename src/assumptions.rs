//! A scenario's key assumptions in words with their units, for the reports: "ramp: linear to
//! full in 5 months", "attrition: 28% a year (monthly 2.7%)", "logo churn: 0.8% of customers a
//! month (9.2% a year)", rather than the TOML they were written in. Also the human name of a
//! parameter for a chart ("Months to fill a requisition").

use crate::calendar::month_label;
use crate::scenario::Scenario;
use crate::scenario::dist::{DistSpec, Family};
use crate::scenario::params::{Unit, get, label_of};
use crate::scenario::raw::{Interpolation, RampCurve};
use crate::words::{count, pct, usd};

/// One assumption: what it is, in words, and the keys of the file it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// What it is: "Ramp".
    pub label: &'static str,
    /// Its value in words with units: "linear to full in 5 months".
    pub words: String,
    /// The key paths it reads, for the reader who wants the file: "ramp.curve".
    pub keys: &'static str,
}

/// "1 month", "2.5 months".
pub fn months(v: f64) -> String {
    if (v - 1.0).abs() < 1e-9 {
        "1 month".into()
    } else {
        format!("{} months", count(v))
    }
}

/// A share with one decimal below 10% ("2.7%", "0.8%"), whole above ("28%").
fn share(v: f64) -> String {
    if v > 0.0 && v < 0.1 {
        format!("{:.1}%", v * 100.0)
    } else {
        pct(v)
    }
}

/// A distribution in words, each value written by `unit` and the unit word `suffix` (" months",
/// or "" for money): "1 to 4 months, most often 2", "median $30.0K, 1 in 10 above $80.0K".
pub fn dist_words(d: &DistSpec, unit: &dyn Fn(f64) -> String, suffix: &str) -> String {
    let with = |v: f64| {
        if suffix == " months" && (v - 1.0).abs() < 1e-9 {
            format!("{} month", unit(v))
        } else {
            format!("{}{suffix}", unit(v))
        }
    };
    let f = match d {
        DistSpec::Value(v) => return with(*v),
        DistSpec::Family(f) => f,
    };
    let mean_sd = |mean: f64, sd: f64| format!("{} on average (sd {})", with(mean), unit(sd));
    match f {
        Family::Fixed(v) => with(*v),
        Family::Uniform { min, max } => {
            format!("anywhere from {} to {}", unit(*min), with(*max))
        }
        Family::Triangular { min, mode, max } | Family::Pert { min, mode, max } => format!(
            "{} to {}, most often {}",
            unit(*min),
            with(*max),
            unit(*mode)
        ),
        Family::Normal { mean, sd } => mean_sd(*mean, *sd),
        Family::Lognormal(t) => match (t.median, t.p90, t.mean, t.sd) {
            (Some(m), Some(p90), _, _) => {
                format!("median {}, 1 in 10 above {}", with(m), unit(p90))
            }
            (_, _, Some(mean), Some(sd)) => mean_sd(mean, sd),
            _ => "a lognormal distribution".into(),
        },
        Family::Gamma(g) => match (g.mean, g.sd, g.shape, g.scale) {
            (Some(mean), Some(sd), _, _) => mean_sd(mean, sd),
            (_, _, Some(k), Some(theta)) => mean_sd(k * theta, k.sqrt() * theta),
            _ => "a gamma distribution".into(),
        },
        Family::Beta(b) => match (b.mean, b.alpha, b.beta) {
            (Some(mean), _, _) => format!("{} on average", with(mean)),
            (_, Some(a), Some(bb)) if a + bb > 0.0 => {
                format!("{} on average", with(a / (a + bb)))
            }
            _ => "a beta distribution".into(),
        },
        Family::Poisson { mean } => format!("{} on average", with(*mean)),
        Family::Discrete {
            values,
            probabilities,
        } => {
            let parts: Vec<String> = values
                .iter()
                .zip(probabilities)
                .map(|(v, p)| format!("{} ({})", with(*v), pct(*p)))
                .collect();
            format!("one of {}", parts.join(", "))
        }
    }
}

/// The ramp curve in words: "linear to full in 5 months".
pub fn ramp_words(c: &RampCurve) -> String {
    match c {
        RampCurve::None {} => "none: fully productive from the first month".into(),
        RampCurve::Linear { months_to_full } => {
            format!("linear to full in {}", months(*months_to_full))
        }
        RampCurve::SCurve { months_to_full } => {
            format!("S-shaped to full in {}", months(*months_to_full))
        }
        RampCurve::Step { months_to_full } => {
            format!("nothing until month {}, then full", count(*months_to_full))
        }
        RampCurve::Table(t) => {
            let parts: Vec<String> = t.iter().map(|v| pct(*v)).collect();
            format!(
                "{} of full in tenure months 1 to {}, then full",
                parts.join(", "),
                t.len()
            )
        }
    }
}

/// The monthly hazard of an annual rate: 1 - (1 - a)^(1/12).
fn monthly_of_annual(a: f64) -> f64 {
    1.0 - (1.0 - a).powf(1.0 / 12.0)
}

/// The annual share of a monthly rate compounded over 12 months: 1 - (1 - m)^12.
fn annual_of_monthly(m: f64) -> f64 {
    1.0 - (1.0 - m).powi(12)
}

/// The key assumptions of `s` in words, in the order a reader checks them: seats, hiring, ramp,
/// attrition, pipeline, deals, customers, quota, plan, the VP of Sales. Sections the scenario
/// does not have are left out.
pub fn key_assumptions(s: &Scenario) -> Vec<Assumption> {
    let r = &s.raw;
    let mut out = Vec::new();
    let mut add = |label, words: String, keys| {
        out.push(Assumption { label, words, keys });
    };

    let seats = *r.org.seats.get_ref();
    let filled = r.org.filled_seats.as_ref().map_or(seats, |f| *f.get_ref());
    add(
        "Seats",
        if filled == seats {
            format!("{seats} quota-carrying seats, all filled at the start")
        } else {
            format!("{seats} quota-carrying seats, {filled} filled at the start")
        },
        "org.seats, org.filled_seats",
    );

    let mut hiring: Vec<String> = Vec::new();
    if !r.hiring.headcount_plan.is_empty() {
        let steps: Vec<String> = r
            .hiring
            .headcount_plan
            .iter()
            .map(|p| {
                let p = p.get_ref();
                format!("{} in {}", p.seats, month_label(p.month, 0))
            })
            .collect();
        let how = match r.hiring.plan_interpolation {
            Interpolation::Step => "",
            Interpolation::Linear => ", moving evenly between",
        };
        hiring.push(format!("seats go to {}{how}", steps.join(", then ")));
    }
    hiring.push(format!(
        "time to fill a seat {}",
        dist_words(r.hiring.time_to_fill_months.get_ref(), &count, " months")
    ));
    if let Some(c) = r.hiring.recruiting_capacity_per_month {
        hiring.push(format!("at most {c} hires a month"));
    }
    hiring.push(if r.hiring.backfill {
        format!(
            "leavers backfilled after {}",
            months(f64::from(r.hiring.backfill_delay_months))
        )
    } else {
        "leavers not backfilled".into()
    });
    add("Hiring", hiring.join("; "), "hiring.*");

    add("Ramp", ramp_words(r.ramp.curve.get_ref()), "ramp.curve");

    let a = r.attrition.annual_rate.map_or(0.0, |p| p.0);
    let mut attrition = format!(
        "{} a year (monthly {})",
        pct(a),
        share(monthly_of_annual(a))
    );
    if let Some(w) = &r.attrition.early_washout {
        attrition.push_str(&format!(
            "; {} of hires leave within their first {}",
            pct(w.share_of_hires.0),
            months(f64::from(w.months))
        ));
    }
    add(
        "Attrition",
        attrition,
        "attrition.annual_rate, attrition.early_washout",
    );

    let p = &r.pipeline;
    let mut opps = format!(
        "{} a month per fully ramped rep",
        count(p.opportunities_per_rep_month.0)
    );
    if let Some(i) = p.inbound_opportunities_per_month.filter(|i| i.0 > 0.0) {
        opps.push_str(&format!(
            ", plus {} inbound a month shared among reps",
            count(i.0)
        ));
    }
    add(
        "Qualified opportunities",
        opps,
        "pipeline.opportunities_per_rep_month, pipeline.inbound_opportunities_per_month",
    );
    let o = p.outcomes.get_ref();
    add(
        "Deal outcomes",
        format!(
            "{} won, {} lost, {} no decision",
            pct(o.won.0),
            pct(o.lost.0),
            pct(o.no_decision.0)
        ),
        "pipeline.outcomes",
    );
    add(
        "Deal size",
        dist_words(p.deal_size_usd.get_ref(), &usd, ""),
        "pipeline.deal_size_usd",
    );
    add(
        "Sales cycle",
        dist_words(p.cycle_months.get_ref(), &count, " months"),
        "pipeline.cycle_months",
    );

    let c = &r.customers;
    if let Some(arr) = &c.starting_arr_usd {
        let customers = c.starting_customers.map_or(String::new(), |n| {
            format!(" from {} customers", crate::words::thousands(n as usize))
        });
        add(
            "Starting ARR",
            format!("{}{customers}", usd(arr.get_ref().0)),
            "customers.starting_arr_usd",
        );
    }
    let churn = c.monthly_logo_churn_rate.map_or(0.0, |p| p.0);
    let mut base = format!(
        "churn {} of customers a month ({} a year)",
        share(churn),
        share(annual_of_monthly(churn))
    );
    if let Some(e) = c.monthly_expansion_rate {
        base.push_str(&format!(
            "; expansion {} a month ({} a year)",
            share(e.0),
            share((1.0 + e.0).powi(12) - 1.0)
        ));
    }
    add(
        "Customer base",
        base,
        "customers.monthly_logo_churn_rate, customers.monthly_expansion_rate",
    );

    let m = &r.market;
    let mut market: Vec<String> = Vec::new();
    if let Some(d) = &m.demand_factor {
        let times = |v: f64| format!("{}×", crate::words::fmt_num(crate::words::sig(v, 3)));
        market.push(format!(
            "demand over the whole run {} (1× = as planned)",
            dist_words(d.get_ref(), &times, "")
        ));
    }
    if let Some(sd) = m.monthly_shock_sd.filter(|sd| sd.0 > 0.0) {
        market.push(format!("monthly swings of about {}", pct(sd.0)));
    }
    if !market.is_empty() {
        add(
            "Market",
            market.join("; "),
            "market.demand_factor, market.monthly_shock_sd",
        );
    }

    if let Some(q) = &r.quota {
        add(
            "Quota",
            format!(
                "{} a year per fully ramped rep{}",
                usd(q.annual_quota_usd.get_ref().0),
                if q.ramped {
                    "; new hires carry a ramped quota"
                } else {
                    ""
                }
            ),
            "quota.annual_quota_usd",
        );
    }
    if let Some(plan) = &s.plan_by_fiscal_year {
        let parts: Vec<String> = s
            .clock
            .fiscal_years
            .iter()
            .zip(plan)
            .map(|(f, p)| {
                let partial = if f.months < 12 {
                    format!(" ({})", months(f.months as f64))
                } else {
                    String::new()
                };
                format!("{}{partial} {}", f.label, usd(*p))
            })
            .collect();
        add(
            "Bookings plan",
            parts.join(", "),
            "plan.fiscal_year_bookings_usd",
        );
    }
    add(
        "VP of Sales",
        match (&r.leadership, &s.leadership) {
            (Some(l), Some(_)) => match &l.board_review {
                Some(b) => {
                    let b = b.get_ref();
                    format!(
                        "modelled: after {} in seat, the board reviews every {} and may replace a VP whose last {} fall below {} of plan ({} chance when they do)",
                        months(f64::from(b.grace_months)),
                        months(f64::from(b.every_months)),
                        months(f64::from(b.trailing_months)),
                        pct(b.min_share_of_plan.0),
                        pct(b.replacement_probability.0)
                    )
                }
                None => "modelled: VP tenure and transitions, no board review".into(),
            },
            _ => "not modelled".into(),
        },
        "leadership",
    );
    out
}

/// A parameter's name for a chart, with its unit where the label does not say it: the key
/// `hiring.time_to_fill_months` is "Months to fill a requisition", `attrition.annual_rate`
/// "Annual attrition (share a year)". An unknown key comes back as it is.
pub fn human_name(key: &str) -> String {
    let label = label_of(key);
    if label == key {
        return label;
    }
    let row = get(key).or_else(|| key.rsplit_once('.').and_then(|(k, _)| get(k)));
    let lower = label.to_lowercase();
    let unit = match row.map(|r| r.unit) {
        Some(Unit::Usd) if !lower.contains("usd") && !lower.contains('$') => " (USD)",
        Some(Unit::Months) if !lower.contains("month") => " (months)",
        Some(Unit::AnnualRate) if !lower.contains("annual") && !lower.contains("year") => {
            " (share a year)"
        }
        Some(Unit::MonthlyRate) if !lower.contains("month") => " (share a month)",
        Some(Unit::PerMonth) if !lower.contains("month") => " (a month)",
        _ => "",
    };
    format!("{label}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_convert_between_a_month_and_a_year() {
        // 28% a year is 2.7% a month; 0.8% of customers a month is 9.2% a year.
        assert_eq!(share(monthly_of_annual(0.28)), "2.7%");
        assert_eq!(share(annual_of_monthly(0.008)), "9.2%");
    }

    #[test]
    fn ramps_and_distributions_read_as_words() {
        assert_eq!(
            ramp_words(&RampCurve::Linear {
                months_to_full: 5.0
            }),
            "linear to full in 5 months"
        );
        assert_eq!(
            ramp_words(&RampCurve::Table(vec![0.25, 0.5])),
            "25%, 50% of full in tenure months 1 to 2, then full"
        );
        let tri = DistSpec::Family(Family::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 4.0,
        });
        assert_eq!(
            dist_words(&tri, &count, " months"),
            "1 to 4 months, most often 2"
        );
    }
}
