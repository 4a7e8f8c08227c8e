//! The charts of `revsim compare`: one colour per scenario, the same in every chart.

use super::{Axis, Chart, INK, Layer, Legend, PALETTE, Panel, Scale, headroom, padded_range, usd};
use crate::charts::run::{bins_for, cumulative_plan, fan_layers, fan_top, outline_bands};
use crate::compare::{Arm, Difference, bookings};
use crate::model::Metric;
use crate::words::pct;

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

/// Each arm's per-trial horizon bookings, and one range that holds them all and every plan.
fn horizon_bookings_and_range(arms: &[Arm]) -> (Vec<Vec<f64>>, (f64, f64)) {
    let values: Vec<Vec<f64>> = arms.iter().map(|a| bookings(&a.results, None)).collect();
    let plans: Vec<f64> = arms
        .iter()
        .filter_map(|a| a.summary.horizon.plan_bookings_usd)
        .collect();
    let all: Vec<f64> = values.iter().flatten().copied().collect();
    let range = padded_range(&all, &plans);
    (values, range)
}

/// The plans as solid lines: one black line when every scenario with a plan shares it, else a
/// line per distinct plan in the colour of the first scenario that has it. Scenarios without a
/// plan draw none.
fn plan_lines(arms: &[Arm]) -> Vec<Layer> {
    let mut plans: Vec<(usize, f64)> = Vec::new();
    for (i, a) in arms.iter().enumerate() {
        if let Some(p) = a.summary.horizon.plan_bookings_usd
            && !plans.iter().any(|(_, q)| *q == p)
        {
            plans.push((i, p));
        }
    }
    let shared = plans.len() == 1;
    plans
        .into_iter()
        .map(|(i, p)| Layer::VLine {
            x: p,
            color: if shared { INK } else { color(i) },
            width: 3,
            dashed: false,
            label: Some(if shared {
                format!("plan {}", usd(p))
            } else {
                format!("plan of {} {}", arms[i].label, usd(p))
            }),
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
    let (values, range) = horizon_bookings_and_range(arms);
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
        subtitle: format!("{}. Dashed: each scenario's median.", subtitle(arms)),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("new bookings", Scale::Usd, range),
            y: Axis::new(
                "share of trials",
                Scale::Share,
                (0.0, (headroom(top) * 1.3).min(1.0)),
            ),
            layers,
            legend: Legend::UpperRight,
        }],
        columns: 1,
    }
}

fn cdfs(arms: &[Arm]) -> Chart {
    let (values, range) = horizon_bookings_and_range(arms);
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
        subtitle: "Read up: the chance of booking at most each amount. Where one curve lies right of another, that scenario books more at that level of risk.".into(),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("new bookings", Scale::Usd, range),
            y: Axis::new("share of trials at or below", Scale::Share, (0.0, 1.0)),
            layers,
            legend: Legend::LowerRight,
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
        let mut range = padded_range(&d, &[0.0]);
        let mut bars = centred_histogram(&d, range, bins_for(d.len()));
        if let Layer::Bars { left, right, .. } = &bars
            && let (Some(l), Some(r)) = (left.first(), right.last())
        {
            range = (*l, *r);
        }
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
            let more = x.p_beats_reference.p;
            let less = (1.0 - more - x.share_tied).max(0.0);
            sentence.push(format!("{} books more in {}", b.label, pct(more)));
            format!(
                "{}: mean {}; more in {}, the same in {}, less in {}",
                b.label,
                usd(x.mean_difference_usd.value),
                pct(more),
                pct(x.share_tied),
                pct(less)
            )
        });
        panels.push(Panel {
            heading,
            x: Axis::new("difference in new bookings, same trial", Scale::Usd, range),
            y: Axis::new(
                "share of trials",
                Scale::Share,
                (0.0, headroom(top).min(1.0)),
            ),
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
            "Same trials, same random numbers: right of the dashed line the scenario books more; the bar on the line holds ties. {}.",
            sentence.join("; ")
        ),
        panels,
        columns,
    }
}

/// A histogram whose bins are centred on multiples of their width, so that 0 (a tie) sits in the
/// middle of its own bin rather than on an edge.
fn centred_histogram(values: &[f64], range: (f64, f64), bins: usize) -> Layer {
    let width = ((range.1 - range.0) / bins as f64).max(f64::MIN_POSITIVE);
    let start = ((range.0 / width) - 0.5).floor() * width + 0.5 * width;
    let n_bins = (((range.1 - start) / width).ceil() as usize).max(1);
    let mut counts = vec![0u64; n_bins];
    for &v in values {
        let k = (((v - start) / width).floor().max(0.0) as usize).min(n_bins - 1);
        counts[k] += 1;
    }
    let n = values.len().max(1) as f64;
    Layer::Bars {
        left: (0..n_bins).map(|k| start + k as f64 * width).collect(),
        right: (0..n_bins)
            .map(|k| start + (k + 1) as f64 * width)
            .collect(),
        height: counts.iter().map(|c| *c as f64 / n).collect(),
        color: PALETTE[0],
        opacity: 0.75,
        label: None,
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

/// A fan of `metric` by month for every scenario on one scale, with the plans of cumulative
/// bookings.
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
        layers.extend(scenario_fan(a, i, metric));
        top = top.max(fan_top(&a.monthly, metric));
    }
    if metric == Metric::CumulativeBookingsUsd {
        let plans = cumulative_plan_lines(arms);
        for p in &plans {
            if let Layer::Line { y, .. } = p {
                top = top.max(y.last().copied().unwrap_or(0.0));
            }
        }
        layers.extend(plans);
    }
    let start = arms.first().map(|a| a.scenario.clock.start);
    let horizon = arms.first().map_or(2, |a| a.scenario.horizon());
    let x = match start {
        Some(s) => Axis::new("month", Scale::Month(s), (0.0, (horizon.max(2) - 1) as f64)),
        None => Axis::new("month", Scale::Count, (0.0, 1.0)),
    };
    Chart {
        name: name.into(),
        title: title.into(),
        subtitle: format!(
            "Median and P10–P90 band (outlined) of each scenario, on one scale. Last month's median: {}.",
            last_medians(arms, metric, scale)
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

/// The P10–P90 band and median line of arm `i`, with one legend entry: its median line carries
/// the scenario's name.
///
/// So that two overlapping bands never blend into one, the reference's band is filled and
/// outlined with a thin solid line; every other band is a dashed outline in its scenario's
/// colour over a faint fill; each is named in the legend.
fn scenario_fan(a: &Arm, i: usize, metric: Metric) -> Vec<Layer> {
    let mut layers = fan_layers(&a.monthly, metric, color(i), &a.label, true);
    for l in &mut layers {
        match l {
            Layer::Band { label, opacity, .. } => {
                *label = Some(format!("{} P10–P90", a.label));
                // Only the reference's band is filled in earnest: two fills over each other
                // mix into a third colour that belongs to neither.
                if i > 0 {
                    *opacity = 0.06;
                }
            }
            Layer::Line { label, .. } => *label = Some(format!("{} median", a.label)),
            _ => {}
        }
    }
    let mut layers = outline_bands(layers, i > 0);
    // The other scenarios' bands are their outlines: dashed, and thick enough to follow.
    if i > 0 {
        let name = format!("{} P10–P90 (dashed outline)", a.label);
        let mut named = false;
        for l in &mut layers {
            match l {
                Layer::Band { label, .. } => *label = None,
                Layer::Line {
                    width,
                    dashed: true,
                    label,
                    ..
                } => {
                    *width = 2;
                    if !named {
                        *label = Some(name.clone());
                        named = true;
                    }
                }
                _ => {}
            }
        }
    }
    layers
}

/// The cumulative plans as dashed lines, distinct plans only: one black line when they agree,
/// else one per distinct plan in the colour of the first scenario that has it.
fn cumulative_plan_lines(arms: &[Arm]) -> Vec<Layer> {
    let mut plans: Vec<(usize, Vec<f64>)> = Vec::new();
    for (i, a) in arms.iter().enumerate() {
        if let Some(p) = cumulative_plan(&a.scenario)
            && !plans.iter().any(|(_, q)| *q == p)
        {
            plans.push((i, p));
        }
    }
    let shared = plans.len() == 1;
    plans
        .into_iter()
        .map(|(i, p)| Layer::Line {
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
        })
        .collect()
}

/// "A $12.3M · B $13.1M": each scenario's median of `metric` in the last month.
fn last_medians(arms: &[Arm], metric: Metric, scale: Scale) -> String {
    arms.iter()
        .map(|a| {
            let last = a.monthly[metric.index()].last();
            let v = last.map_or(f64::NAN, |d| d.p50);
            let shown = if scale == Scale::Usd {
                usd(v)
            } else {
                crate::words::count(v)
            };
            format!("{} {}", a.label, shown)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
