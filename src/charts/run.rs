//! The charts of one run: bookings distributions, the chance of reaching each target, fans of
//! cumulative bookings, ARR and headcount, VP tenure and quota attainment.

use super::{
    Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, PLAN, Panel, Scale, headroom, histogram,
    padded_range, usd,
};
use crate::engine::Results;
use crate::headline as words;
use crate::model::Metric;
use crate::model::trial::ATTAINMENT_BINS;
use crate::scenario::Scenario;
use crate::stats::Distribution;
use crate::summary::{PeriodSummary, Summary};
use crate::words::pct;

/// What the run charts are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct RunData<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Trial results.
    pub results: &'a Results,
    /// Its summary.
    pub summary: &'a Summary,
    /// Per-month distributions, `[metric][month]`.
    pub monthly: &'a [Vec<Distribution>],
}

/// Histogram bins for a distribution of `n` trials: enough to show its shape, few enough that
/// each bar holds a readable count.
pub fn bins_for(n: usize) -> usize {
    ((n as f64).sqrt() as usize).clamp(10, 50)
}

/// Every chart of a run, in report order.
pub fn charts(d: &RunData) -> Vec<Chart> {
    // A fan needs at least two months to draw.
    let fans = d.scenario.horizon() >= 2;
    let mut out = vec![bookings_distribution(d), plan_exceedance(d)];
    if fans {
        out.push(cumulative_bookings_fan(d));
    }
    if d.summary.fiscal_years.len() > 1 {
        out.push(bookings_by_fiscal_year(d));
    }
    if fans {
        out.push(arr_fan(d));
        out.push(headcount_fan(d));
    }
    if d.summary
        .fiscal_years
        .iter()
        .any(|f| f.quota_attainment_pct.is_some() && d.scenario.quota.is_some())
    {
        out.push(quota_attainment(d));
    }
    if d.scenario.leadership.is_some() {
        out.push(vp_tenure(d));
    }
    out
}

/// A histogram panel of per-trial bookings with P10 / P50 / P90 and plan marks.
fn bookings_panel(values: &[f64], p: &PeriodSummary, heading: Option<String>) -> Panel {
    let plan: Vec<f64> = p.plan_bookings_usd.into_iter().collect();
    let range = padded_range(values, &plan);
    let mut bars = histogram(values, range, bins_for(values.len()));
    let top = match &bars {
        Layer::Bars { height, .. } => height.iter().copied().fold(0.0, f64::max),
        _ => 0.0,
    };
    if let Layer::Bars { label, .. } = &mut bars {
        *label = Some("share of trials".into());
    }
    let b = &p.bookings_usd;
    let mut layers = vec![
        bars,
        mark(b.p10, MUTED, true, format!("P10 {}", usd(b.p10))),
        mark(b.p50, INK, false, format!("P50 {}", usd(b.p50))),
        mark(b.p90, MUTED, true, format!("P90 {}", usd(b.p90))),
    ];
    if let (Some(plan), Some(hit)) = (p.plan_bookings_usd, p.p_hit_plan) {
        layers.push(Layer::VLine {
            x: plan,
            color: PLAN,
            width: 3,
            dashed: false,
            label: Some(format!("plan {} ({} chance)", usd(plan), pct(hit.p))),
        });
    }
    let small = heading.is_some();
    Panel {
        heading,
        x: Axis::new("new bookings", Scale::Usd, range),
        y: Axis::new(
            "share of trials",
            Scale::Share,
            (
                0.0,
                (headroom(top) * if small { 1.0 } else { 1.25 }).min(1.0),
            ),
        ),
        layers,
        legend: if small {
            Legend::Hidden
        } else {
            Legend::UpperRight
        },
    }
}

fn mark(x: f64, color: plotters::style::RGBColor, dashed: bool, label: String) -> Layer {
    Layer::VLine {
        x,
        color,
        width: 2,
        dashed,
        label: Some(label),
    }
}

fn bookings_distribution(d: &RunData) -> Chart {
    let values: Vec<f64> = d.results.totals.iter().map(|t| t.bookings_usd).collect();
    Chart {
        name: "bookings-distribution".into(),
        title: format!(
            "New bookings, {} ({})",
            words::horizon_words(d.scenario),
            crate::words::plural(d.summary.trials, "trial")
        ),
        subtitle: words::answer(d.scenario, d.summary),
        panels: vec![bookings_panel(&values, &d.summary.horizon, None)],
        columns: 1,
    }
}

/// At most `max` indices out of `0..n`, evenly spread, first and last included.
pub fn spread(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    if max < 2 {
        return (0..max).collect();
    }
    let mut v: Vec<usize> = (0..max)
        .map(|k| (k as f64 * (n - 1) as f64 / (max - 1) as f64).round() as usize)
        .collect();
    v.dedup();
    v
}

/// Most fiscal years drawn as panels or lines; the rest are in `summary.json`.
const MAX_YEARS_DRAWN: usize = 8;

fn bookings_by_fiscal_year(d: &RunData) -> Chart {
    let n = d.summary.fiscal_years.len();
    let shown = spread(n, MAX_YEARS_DRAWN);
    let note = if shown.len() < n {
        format!(
            " {} of {n} fiscal years shown; all are in summary.json.",
            shown.len()
        )
    } else {
        String::new()
    };
    let panels = shown
        .iter()
        .map(|&i| (i, &d.summary.fiscal_years[i]))
        .map(|(i, p)| {
            let values: Vec<f64> = (0..d.results.trials)
                .map(|t| d.results.trial_fiscal_years(t)[i].bookings_usd)
                .collect();
            let partial = if p.months < 12 {
                format!(" ({} months)", p.months)
            } else {
                String::new()
            };
            let b = &p.bookings_usd;
            let heading = match (p.plan_bookings_usd, p.p_hit_plan) {
                (Some(plan), Some(h)) => format!(
                    "{}{partial}: {} chance of {} · P50 {}",
                    p.label,
                    pct(h.p),
                    usd(plan),
                    usd(b.p50)
                ),
                _ => format!("{}{partial}: P50 {}", p.label, usd(b.p50)),
            };
            bookings_panel(&values, p, Some(heading))
        })
        .collect();
    Chart {
        name: "bookings-by-fiscal-year".into(),
        title: "New bookings by fiscal year".into(),
        subtitle: format!(
            "Each panel: the year's bookings over trials. Black: P50; dashed: P10 and P90; orange: the year's plan.{note}"
        ),
        panels,
        columns: 2,
    }
}

/// `P(X >= x)` on a grid over the range of `sorted` (ascending).
pub fn exceedance(sorted: &[f64], range: (f64, f64), points: usize) -> (Vec<f64>, Vec<f64>) {
    let n = sorted.len().max(1) as f64;
    let xs: Vec<f64> = (0..=points)
        .map(|i| range.0 + (range.1 - range.0) * i as f64 / points as f64)
        .collect();
    let ys = xs
        .iter()
        .map(|x| {
            let below = sorted.partition_point(|v| v < x);
            (sorted.len() - below) as f64 / n
        })
        .collect();
    (xs, ys)
}

fn plan_exceedance(d: &RunData) -> Chart {
    let mut sorted: Vec<f64> = d.results.totals.iter().map(|t| t.bookings_usd).collect();
    sorted.sort_by(f64::total_cmp);
    let h = &d.summary.horizon;
    let plan: Vec<f64> = h.plan_bookings_usd.into_iter().collect();
    let range = padded_range(&sorted, &plan);
    let (x, y) = exceedance(&sorted, range, 400);
    // The target reached with 80% confidence is the 20th percentile.
    let p20 = crate::stats::quantile_sorted(&sorted, 0.2);
    let mut layers = vec![
        Layer::Line {
            x,
            y,
            color: PALETTE[0],
            width: 3,
            dashed: false,
            label: Some("chance bookings reach the target".into()),
        },
        mark(
            p20,
            INK,
            true,
            format!("reached with an 80% chance: {}", usd(p20)),
        ),
    ];
    let subtitle = match (h.plan_bookings_usd, h.p_hit_plan) {
        (Some(p), Some(hit)) => {
            layers.push(Layer::VLine {
                x: p,
                color: PLAN,
                width: 3,
                dashed: false,
                label: Some(format!("plan {}: {} chance", usd(p), pct(hit.p))),
            });
            format!(
                "Read across: the chance of booking at least each amount. {} has an 80% chance; the {} plan has a {} chance.",
                usd(p20),
                usd(p),
                pct(hit.p)
            )
        }
        _ => format!(
            "Read across: the chance of booking at least each amount. {} has an 80% chance.",
            usd(p20)
        ),
    };
    Chart {
        name: "plan-exceedance".into(),
        title: format!(
            "Chance of reaching each bookings target, {}",
            words::horizon_words(d.scenario)
        ),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: Axis::new("bookings target", Scale::Usd, range),
            y: Axis::new("chance of reaching it", Scale::Share, (0.0, 1.0)),
            layers,
            legend: Legend::LowerLeft,
        }],
        columns: 1,
    }
}

/// `layers` with each band outlined: a thin line of the band's colour along its lower and upper
/// edges, right after it (dashed when `dashed`), so two overlapping bands stay two shapes.
pub fn outline_bands(layers: Vec<Layer>, dashed: bool) -> Vec<Layer> {
    let mut out = Vec::with_capacity(layers.len() * 2);
    for l in layers {
        let edges: Vec<Layer> = match &l {
            Layer::Band {
                x, lo, hi, color, ..
            } => [lo, hi]
                .into_iter()
                .map(|y| Layer::Line {
                    x: x.clone(),
                    y: y.clone(),
                    color: *color,
                    width: 1,
                    dashed,
                    label: None,
                })
                .collect(),
            _ => Vec::new(),
        };
        out.push(l);
        out.extend(edges);
    }
    out
}

/// P10-P90 and P25-P75 bands and the median of `metric` by month, in `color`.
pub fn fan_layers(
    monthly: &[Vec<Distribution>],
    metric: Metric,
    color: plotters::style::RGBColor,
    name: &str,
    outer_only: bool,
) -> Vec<Layer> {
    let cells = &monthly[metric.index()];
    let x: Vec<f64> = (0..cells.len()).map(|i| i as f64).collect();
    let col = |f: fn(&Distribution) -> f64| cells.iter().map(f).collect::<Vec<f64>>();
    let mut out = vec![Layer::Band {
        x: x.clone(),
        lo: col(|d| d.p10),
        hi: col(|d| d.p90),
        color,
        opacity: if outer_only { 0.15 } else { 0.18 },
        label: Some(format!("{name} P10–P90")),
    }];
    if !outer_only {
        out.push(Layer::Band {
            x: x.clone(),
            lo: col(|d| d.p25),
            hi: col(|d| d.p75),
            color,
            opacity: 0.30,
            label: Some(format!("{name} P25–P75")),
        });
    }
    out.push(Layer::Line {
        x,
        y: col(|d| d.p50),
        color,
        width: 3,
        dashed: false,
        label: Some(format!("{name} median")),
    });
    out
}

/// The largest P90 of `metric` over months.
pub fn fan_top(monthly: &[Vec<Distribution>], metric: Metric) -> f64 {
    monthly[metric.index()]
        .iter()
        .map(|d| d.p90)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The plan accumulated month by month (flat within each fiscal year).
pub fn cumulative_plan(s: &Scenario) -> Option<Vec<f64>> {
    s.plan_by_month.as_ref().map(|p| {
        p.iter()
            .scan(0.0, |acc, v| {
                *acc += v;
                Some(*acc)
            })
            .collect()
    })
}

fn month_axis(s: &Scenario) -> Axis {
    Axis::new(
        "month",
        Scale::Month(s.clock.start),
        (0.0, (s.horizon().max(2) - 1) as f64),
    )
}

fn cumulative_bookings_fan(d: &RunData) -> Chart {
    let mut layers = fan_layers(
        d.monthly,
        Metric::CumulativeBookingsUsd,
        PALETTE[0],
        "bookings",
        false,
    );
    let mut top = fan_top(d.monthly, Metric::CumulativeBookingsUsd);
    let last = d.monthly[Metric::CumulativeBookingsUsd.index()].last();
    let mut subtitle = match last {
        Some(l) => format!(
            "Bookings since {}: by the last month a median {}, P10–P90 {}–{}.",
            crate::calendar::month_label(d.scenario.clock.start, 0),
            usd(l.p50),
            usd(l.p10),
            usd(l.p90)
        ),
        None => String::new(),
    };
    if let Some(plan) = cumulative_plan(d.scenario) {
        top = top.max(plan.last().copied().unwrap_or(0.0));
        if let Some(l) = last {
            let total = plan.last().copied().unwrap_or(0.0);
            subtitle = format!(
                "Bookings since {}: by the last month a median {} against a {} plan (P10–P90 {}–{}).",
                crate::calendar::month_label(d.scenario.clock.start, 0),
                usd(l.p50),
                usd(total),
                usd(l.p10),
                usd(l.p90)
            );
        }
        layers.push(Layer::Line {
            x: (0..plan.len()).map(|i| i as f64).collect(),
            y: plan,
            color: PLAN,
            width: 3,
            dashed: true,
            label: Some("plan, cumulative".into()),
        });
    }
    Chart {
        name: "cumulative-bookings-fan".into(),
        title: "Cumulative new bookings by month".into(),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: month_axis(d.scenario),
            y: Axis::new("bookings to date", Scale::Usd, (0.0, headroom(top))),
            layers,
            legend: Legend::UpperLeft,
        }],
        columns: 1,
    }
}

fn arr_fan(d: &RunData) -> Chart {
    let layers = fan_layers(d.monthly, Metric::ArrUsd, PALETTE[0], "ARR", false);
    let top = fan_top(d.monthly, Metric::ArrUsd);
    let e = &d.summary.horizon.ending_arr_usd;
    Chart {
        name: "arr-fan".into(),
        title: "Annual recurring revenue (ARR) at month end".into(),
        subtitle: format!(
            "From {} at the start to a median {} at the end (P10–P90 {}–{}).",
            usd(d.scenario.customers.starting_arr_usd),
            usd(e.p50),
            usd(e.p10),
            usd(e.p90)
        ),
        panels: vec![Panel {
            heading: None,
            x: month_axis(d.scenario),
            y: Axis::new("ARR", Scale::Usd, (0.0, headroom(top))),
            layers,
            legend: Legend::LowerRight,
        }],
        columns: 1,
    }
}

fn headcount_fan(d: &RunData) -> Chart {
    // Two bands that overlap: each outlined, the second dashed, so they stay apart.
    let mut layers = outline_bands(
        fan_layers(
            d.monthly,
            Metric::Headcount,
            PALETTE[0],
            "reps in seat",
            true,
        ),
        false,
    );
    layers.extend(outline_bands(
        fan_layers(
            d.monthly,
            Metric::RampedEquivalentReps,
            PALETTE[1],
            "ramped capacity",
            true,
        ),
        true,
    ));
    let seats: Vec<f64> = d
        .scenario
        .staffing
        .seats_by_month
        .iter()
        .map(|v| f64::from(*v))
        .collect();
    let top = fan_top(d.monthly, Metric::Headcount).max(seats.iter().copied().fold(0.0, f64::max));
    layers.push(Layer::Line {
        x: (0..seats.len()).map(|i| i as f64).collect(),
        y: seats,
        color: INK,
        width: 2,
        dashed: true,
        label: Some("seat plan".into()),
    });
    let h = &d.monthly[Metric::Headcount.index()];
    let r = &d.monthly[Metric::RampedEquivalentReps.index()];
    let subtitle = match (h.last(), r.last()) {
        (Some(h), Some(r)) => format!(
            "At the end: a median {} reps in seat, worth {} fully ramped reps (the gap is reps still ramping).",
            crate::words::count(h.p50),
            crate::words::count(r.p50)
        ),
        _ => String::new(),
    };
    Chart {
        name: "headcount-fan".into(),
        title: "Sales headcount: reps in seat and ramped capacity".into(),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: month_axis(d.scenario),
            y: Axis::new("reps", Scale::Count, (0.0, headroom(top) * 1.15)),
            layers,
            legend: Legend::LowerRight,
        }],
        columns: 1,
    }
}

/// Attainment shares in 10-point bins (0-10%, ..., 290-300%, 300%+), from a whole-percent
/// histogram.
fn attainment_bins(hist: &[u64]) -> (Vec<f64>, Vec<f64>) {
    let n: u64 = hist.iter().sum();
    let bins = ATTAINMENT_BINS.div_ceil(10);
    let mut share = vec![0.0; bins];
    for (pct, c) in hist.iter().enumerate() {
        share[(pct / 10).min(bins - 1)] += *c as f64 / n.max(1) as f64;
    }
    let x = (0..bins).map(|i| (i as f64 * 10.0 + 5.0) / 100.0).collect();
    (x, share)
}

fn quota_attainment(d: &RunData) -> Chart {
    let mut layers = Vec::new();
    let mut top: f64 = 0.0;
    let mut parts = Vec::new();
    let with_reps: Vec<usize> = (0..d.summary.fiscal_years.len())
        .filter(|i| {
            d.results.attainment[i * ATTAINMENT_BINS..(i + 1) * ATTAINMENT_BINS]
                .iter()
                .sum::<u64>()
                > 0
        })
        .collect();
    let shown: Vec<usize> = spread(with_reps.len(), 6)
        .into_iter()
        .map(|k| with_reps[k])
        .collect();
    for &i in &shown {
        let f = &d.summary.fiscal_years[i];
        let hist = &d.results.attainment[i * ATTAINMENT_BINS..(i + 1) * ATTAINMENT_BINS];
        let (x, y) = attainment_bins(hist);
        top = top.max(y.iter().copied().fold(0.0, f64::max));
        let at_quota = f
            .share_of_reps_at_quota
            .as_ref()
            .map(|s| s.mean)
            .unwrap_or(f64::NAN);
        parts.push(format!("{} {}", f.label, pct(at_quota)));
        layers.push(Layer::Line {
            x,
            y,
            color: PALETTE[(layers.len()) % PALETTE.len()],
            width: 3,
            dashed: false,
            label: Some(format!("{} ({} of reps at quota)", f.label, pct(at_quota))),
        });
    }
    layers.push(Layer::VLine {
        x: 1.0,
        color: PLAN,
        width: 2,
        dashed: true,
        label: Some("100% of quota".into()),
    });
    Chart {
        name: "quota-attainment".into(),
        title: "Quota attainment of reps in seat at year end".into(),
        subtitle: format!(
            "Share of reps at or above quota (mean over trials): {}. Last bin: 300% or more.",
            parts.join(" · ")
        ),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("attainment (share of quota)", Scale::Share, (0.0, 3.1)),
            y: Axis::new("share of reps", Scale::Share, (0.0, headroom(top) * 1.2)),
            layers,
            legend: Legend::UpperRight,
        }],
        columns: 1,
    }
}

/// Shares of a month-indexed histogram in bins of `width` months.
fn tenure_bins(hist: &[u64], width: usize, total: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let bins = hist.len().div_ceil(width);
    let mut share = vec![0.0; bins];
    for (m, c) in hist.iter().enumerate() {
        share[m / width] += *c as f64 / total.max(1) as f64;
    }
    let left = (0..bins).map(|i| (i * width) as f64).collect();
    let right = (0..bins).map(|i| ((i + 1) * width) as f64).collect();
    (left, right, share)
}

fn vp_tenure(d: &RunData) -> Chart {
    let r = d.results;
    let last_nonzero = |h: &[u64]| h.iter().rposition(|c| *c > 0).map_or(0, |i| i + 1);
    let len = last_nonzero(&r.vp_tenure_completed)
        .max(last_nonzero(&r.vp_tenure_running))
        .max(1)
        .min(r.vp_tenure_completed.len().min(r.vp_tenure_running.len()));
    let width = if len > 72 { 6 } else { 3 };
    // The axis ends on a bin edge and shows at least a year.
    let axis_end = (len.div_ceil(width) * width).max(12);
    let total: u64 =
        r.vp_tenure_completed.iter().sum::<u64>() + r.vp_tenure_running.iter().sum::<u64>();
    let (l, rt, done) = tenure_bins(&r.vp_tenure_completed[..len], width, total);
    let (_, _, running) = tenure_bins(&r.vp_tenure_running[..len], width, total);
    let top = done
        .iter()
        .zip(&running)
        .map(|(a, b)| a.max(*b))
        .fold(0.0, f64::max);
    let vp = d.summary.vp_of_sales.as_ref();
    let completed = vp.and_then(|v| v.completed_tenure_months);
    let mut layers = vec![
        Layer::Bars {
            left: l.clone(),
            right: rt.clone(),
            height: done.clone(),
            color: PALETTE[0],
            opacity: 0.75,
            label: Some("VPs who left: tenure at exit".into()),
        },
        Layer::Line {
            x: l.iter().zip(&rt).flat_map(|(a, b)| [*a, *b]).collect(),
            y: running.iter().flat_map(|v| [*v, *v]).collect(),
            color: PALETTE[1],
            width: 3,
            dashed: false,
            label: Some("VPs still in seat at the end: tenure so far".into()),
        },
    ];
    let mut subtitle = String::from("No VP left in any trial.");
    if let Some(c) = completed {
        layers.push(Layer::VLine {
            x: c.p50,
            color: INK,
            width: 2,
            dashed: true,
            label: Some(format!("median tenure at exit {:.0} months", c.p50)),
        });
        let changes = vp.map(|v| v.changes.mean).unwrap_or(f64::NAN);
        subtitle = format!(
            "{:.1} VP changes per trial on average; VPs who left had served a median {:.0} months (counting months before the start).",
            changes, c.p50
        );
    }
    Chart {
        name: "vp-tenure".into(),
        title: "VP of Sales tenure".into(),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: Axis::new("tenure, months", Scale::Count, (0.0, axis_end as f64)),
            y: Axis::new("share of VPs", Scale::Share, (0.0, headroom(top) * 1.3)),
            layers,
            legend: Legend::UpperRight,
        }],
        columns: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceedance_is_the_share_at_or_above() {
        let v = [1.0, 2.0, 3.0, 4.0];
        let (x, y) = exceedance(&v, (0.0, 4.0), 4);
        assert_eq!(x, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, vec![1.0, 1.0, 0.75, 0.5, 0.25]);
    }

    #[test]
    fn spread_keeps_the_ends() {
        assert_eq!(spread(3, 8), vec![0, 1, 2]);
        assert_eq!(spread(50, 6), vec![0, 10, 20, 29, 39, 49]);
    }

    #[test]
    fn attainment_bins_sum_to_one() {
        let mut h = vec![0u64; ATTAINMENT_BINS];
        h[95] = 1;
        h[105] = 3;
        h[300] = 1;
        let (_, s) = attainment_bins(&h);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(s[9], 0.2);
        assert_eq!(s[10], 0.6);
        assert_eq!(*s.last().unwrap(), 0.2);
    }
}
