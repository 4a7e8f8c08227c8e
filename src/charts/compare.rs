//! The charts of `revsim compare`: one colour per scenario, the same in every chart.

use super::{Axis, Chart, INK, Layer, Legend, PALETTE, Panel, Scale, headroom, padded_range, usd};
use crate::charts::run::{bins_for, cumulative_plan, fan_layers, fan_top};
use crate::compare::{Arm, Difference, bookings};
use crate::model::Metric;
use crate::report::money::pct;

/// The colour of arm `i`.
pub fn color(i: usize) -> plotters::style::RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Every comparison chart, in report order.
pub fn charts(arms: &[Arm], diffs: &[Difference]) -> Vec<Chart> {
    vec![
        distributions(arms),
        cdfs(arms),
        differences(arms, diffs),
        fan(
            arms,
            Metric::CumulativeBookingsUsd,
            "compare-cumulative-bookings",
            "Cumulative new bookings by month",
            "bookings to date",
            Scale::Usd,
        ),
        fan(
            arms,
            Metric::ArrUsd,
            "compare-arr",
            "ARR at month end",
            "ARR",
            Scale::Usd,
        ),
        fan(
            arms,
            Metric::Headcount,
            "compare-headcount",
            "Reps in seat at month end",
            "reps",
            Scale::Count,
        ),
    ]
}

fn all_horizon_bookings(arms: &[Arm]) -> Vec<Vec<f64>> {
    arms.iter().map(|a| bookings(&a.results, None)).collect()
}

/// Plans that differ get a line each, in the scenario's colour; one shared plan is one line.
fn plan_lines(arms: &[Arm]) -> Vec<Layer> {
    let plans: Vec<Option<f64>> = arms
        .iter()
        .map(|a| a.summary.horizon.plan_bookings_usd)
        .collect();
    let first = plans.first().copied().flatten();
    if plans.iter().all(|p| *p == first) {
        return first
            .map(|p| Layer::VLine {
                x: p,
                color: INK,
                width: 3,
                dashed: false,
                label: Some(format!("plan {}", usd(p))),
            })
            .into_iter()
            .collect();
    }
    plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.map(|p| Layer::VLine {
                x: p,
                color: color(i),
                width: 2,
                dashed: true,
                label: Some(format!("plan of {} {}", arms[i].label, usd(p))),
            })
        })
        .collect()
}

fn subtitle(arms: &[Arm]) -> String {
    arms.iter()
        .map(|a| {
            let h = &a.summary.horizon;
            match h.p_hit_plan {
                Some(p) => format!("{}: {} chance of plan", a.label, pct(p.p)),
                None => format!("{}: P50 {}", a.label, usd(h.bookings_usd.p50)),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn distributions(arms: &[Arm]) -> Chart {
    let values = all_horizon_bookings(arms);
    let plans: Vec<f64> = arms
        .iter()
        .filter_map(|a| a.summary.horizon.plan_bookings_usd)
        .collect();
    let all: Vec<f64> = values.iter().flatten().copied().collect();
    let range = padded_range(&all, &plans);
    let bins = bins_for(values.first().map_or(0, Vec::len));
    let width = (range.1 - range.0) / bins as f64;
    let mut layers = Vec::new();
    let mut top: f64 = 0.0;
    for (i, v) in values.iter().enumerate() {
        let mut counts = vec![0usize; bins];
        for x in v {
            let k = (((x - range.0) / width).floor().max(0.0) as usize).min(bins - 1);
            counts[k] += 1;
        }
        let n = v.len().max(1) as f64;
        // A step outline per scenario, so overlapping distributions stay readable.
        let mut xs = vec![range.0];
        let mut ys = vec![0.0];
        for (k, c) in counts.iter().enumerate() {
            let h = *c as f64 / n;
            top = top.max(h);
            xs.extend([range.0 + k as f64 * width, range.0 + (k + 1) as f64 * width]);
            ys.extend([h, h]);
        }
        xs.push(range.1);
        ys.push(0.0);
        layers.push(Layer::Band {
            lo: vec![0.0; xs.len()],
            x: xs.clone(),
            hi: ys.clone(),
            color: color(i),
            opacity: 0.08,
            label: None,
        });
        layers.push(Layer::Line {
            x: xs,
            y: ys,
            color: color(i),
            width: 3,
            dashed: false,
            label: Some(format!(
                "{}: P50 {}",
                arms[i].label,
                usd(arms[i].summary.horizon.bookings_usd.p50)
            )),
        });
    }
    for (i, a) in arms.iter().enumerate() {
        layers.push(Layer::VLine {
            x: a.summary.horizon.bookings_usd.p50,
            color: color(i),
            width: 2,
            dashed: true,
            label: None,
        });
    }
    layers.extend(plan_lines(arms));
    Chart {
        name: "compare-bookings-distribution".into(),
        title: "New bookings over the horizon, by scenario".into(),
        subtitle: subtitle(arms),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("new bookings", Scale::Usd, range),
            y: Axis::new("share of trials", Scale::Share, (0.0, headroom(top) * 1.3)),
            layers,
            legend: Legend::UpperRight,
        }],
        columns: 1,
    }
}

fn cdfs(arms: &[Arm]) -> Chart {
    let values = all_horizon_bookings(arms);
    let plans: Vec<f64> = arms
        .iter()
        .filter_map(|a| a.summary.horizon.plan_bookings_usd)
        .collect();
    let all: Vec<f64> = values.iter().flatten().copied().collect();
    let range = padded_range(&all, &plans);
    let mut layers = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len().max(1) as f64;
        let points = 400;
        let xs: Vec<f64> = (0..=points)
            .map(|k| range.0 + (range.1 - range.0) * k as f64 / points as f64)
            .collect();
        let ys: Vec<f64> = xs
            .iter()
            .map(|x| sorted.partition_point(|v| v <= x) as f64 / n)
            .collect();
        layers.push(Layer::Line {
            x: xs,
            y: ys,
            color: color(i),
            width: 3,
            dashed: false,
            label: Some(arms[i].label.clone()),
        });
    }
    layers.extend(plan_lines(arms));
    Chart {
        name: "compare-bookings-cdf".into(),
        title: "Cumulative distribution of new bookings over the horizon".into(),
        subtitle: "Read up: the chance of booking at most each amount. A curve further right is better at every level of risk.".into(),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("new bookings", Scale::Usd, range),
            y: Axis::new("share of trials at or below", Scale::Share, (0.0, 1.0)),
            layers,
            legend: Legend::UpperLeft,
        }],
        columns: 1,
    }
}

/// Per-trial differences B - A (paired on common random numbers), one panel per B.
fn differences(arms: &[Arm], diffs: &[Difference]) -> Chart {
    let Some(a) = arms.first() else {
        return empty();
    };
    let xa = bookings(&a.results, None);
    let mut panels = Vec::new();
    let mut sentence = Vec::new();
    for (i, b) in arms.iter().enumerate().skip(1) {
        let d: Vec<f64> = bookings(&b.results, None)
            .iter()
            .zip(&xa)
            .map(|(y, x)| y - x)
            .collect();
        let range = padded_range(&d, &[0.0]);
        let mut bars = super::histogram(&d, range, bins_for(d.len()));
        let mut top: f64 = 0.0;
        if let Layer::Bars {
            color: c, height, ..
        } = &mut bars
        {
            *c = color(i);
            top = height.iter().copied().fold(0.0, f64::max);
        }
        let diff = diffs
            .iter()
            .find(|x| x.scenario == b.label && x.period == "horizon");
        let heading = diff.map(|x| {
            sentence.push(format!(
                "{} beats {} in {} of trials",
                b.label,
                a.label,
                pct(x.p_beats_reference.p)
            ));
            format!(
                "{} minus {}: mean {}, better in {} of trials",
                b.label,
                a.label,
                usd(x.mean_difference_usd.value),
                pct(x.p_beats_reference.p)
            )
        });
        panels.push(Panel {
            heading,
            x: Axis::new("difference in new bookings, same trial", Scale::Usd, range),
            y: Axis::new("share of trials", Scale::Share, (0.0, headroom(top))),
            layers: vec![
                bars,
                Layer::VLine {
                    x: 0.0,
                    color: INK,
                    width: 2,
                    dashed: true,
                    label: None,
                },
            ],
            legend: Legend::Hidden,
        });
    }
    let columns = if panels.len() > 1 { 2 } else { 1 };
    Chart {
        name: "compare-difference".into(),
        title: format!("Trial by trial: each scenario minus {}", a.label),
        subtitle: format!(
            "Common random numbers pair the trials; right of the dashed line the scenario books more. {}.",
            sentence.join("; ")
        ),
        panels,
        columns,
    }
}

fn empty() -> Chart {
    Chart {
        name: "empty".into(),
        title: String::new(),
        subtitle: String::new(),
        panels: Vec::new(),
        columns: 1,
    }
}

fn fan(
    arms: &[Arm],
    metric: Metric,
    name: &str,
    title: &str,
    y_label: &str,
    scale: Scale,
) -> Chart {
    let mut layers = Vec::new();
    let mut top: f64 = 0.0;
    for (i, a) in arms.iter().enumerate() {
        layers.extend(fan_layers(&a.monthly, metric, color(i), &a.label, true));
        top = top.max(fan_top(&a.monthly, metric));
    }
    if metric == Metric::CumulativeBookingsUsd {
        let plans: Vec<Option<Vec<f64>>> =
            arms.iter().map(|a| cumulative_plan(&a.scenario)).collect();
        let first = plans.first().cloned().flatten();
        let shared = plans.iter().all(|p| *p == first);
        for (i, p) in plans.into_iter().enumerate() {
            let Some(p) = p else { continue };
            if shared && i > 0 {
                break;
            }
            top = top.max(p.last().copied().unwrap_or(0.0));
            layers.push(Layer::Line {
                x: (0..p.len()).map(|k| k as f64).collect(),
                y: p,
                color: if shared { INK } else { color(i) },
                width: 2,
                dashed: true,
                label: Some(if shared {
                    "plan, cumulative".into()
                } else {
                    format!("plan of {}", arms[i].label)
                }),
            });
        }
    }
    let start = arms.first().map(|a| a.scenario.clock.start);
    let horizon = arms.first().map_or(2, |a| a.scenario.horizon());
    let x = match start {
        Some(s) => Axis::new("month", Scale::Month(s), (0.0, (horizon.max(2) - 1) as f64)),
        None => Axis::new("month", Scale::Count, (0.0, 1.0)),
    };
    let ends: Vec<String> = arms
        .iter()
        .map(|a| {
            let last = a.monthly[metric.index()].last();
            let v = last.map_or(f64::NAN, |d| d.p50);
            let shown = if scale == Scale::Usd {
                usd(v)
            } else {
                crate::report::money::count(v)
            };
            format!("{} {}", a.label, shown)
        })
        .collect();
    Chart {
        name: name.into(),
        title: title.into(),
        subtitle: format!(
            "Median and P10–P90 band of each scenario, on one scale. Last month's median: {}.",
            ends.join(" · ")
        ),
        panels: vec![Panel {
            heading: None,
            x,
            y: Axis::new(y_label, scale, (0.0, headroom(top) * 1.1)),
            layers,
            legend: Legend::UpperLeft,
        }],
        columns: 1,
    }
}
