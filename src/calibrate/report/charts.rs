//! The charts of a fit: the samples behind each fitted quantity, and for each a histogram with
//! the fitted distribution over it and a quantile-quantile plot; the reps' raw and shrunk win
//! rates.

use crate::calibrate::estimate::{Ks, qq_points};
use crate::calibrate::fit::{
    Cycle, DealSize, Fit, SizeModel, gamma_spec, lognormal_spec, sampler, size_quantile,
};
use crate::charts::{
    Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, Panel, Scale, headroom, histogram,
};
use crate::crm::history::History;
use crate::crm::outcomes::Outcome;
use crate::scenario::dist::{Dist, DistSpec, Family};
use crate::words::{p_text, sig, thousands as count, usd_whole as usd};

/// Most points drawn in a QQ plot (evenly spread ranks; the extremes are always drawn).
const QQ_POINTS: usize = 200;

fn verdict(ks: &Ks) -> &'static str {
    if ks.p_value >= 0.05 {
        "consistent with the data"
    } else {
        "departs from the data beyond chance"
    }
}

/// The histogram and QQ panels of one fitted quantity. `sorted` is the sample (ascending),
/// `dist` the distribution written, `quantile` its quantile function.
fn fit_panels(
    sorted: &[f64],
    dist: Option<&Dist>,
    quantile: Option<&dyn Fn(f64) -> f64>,
    scale: Scale,
    unit: &str,
) -> Vec<Panel> {
    let mut panels = vec![histogram_panel(sorted, dist, scale, unit)];
    if let Some(q) = quantile {
        panels.push(qq_panel(sorted, q, scale, unit));
    }
    panels
}

/// The sample's histogram, as shares of deals, with the fitted distribution's share of each
/// bin over it.
fn histogram_panel(sorted: &[f64], dist: Option<&Dist>, scale: Scale, unit: &str) -> Panel {
    // The histogram stops at the 99th percentile so that a few huge deals do not squash it.
    let top = crate::stats::quantile_sorted(sorted, 0.99).max(sorted[0]);
    let lo = sorted[0].min(0.0);
    let range = (lo, if top > lo { top * 1.02 } else { lo + 1.0 });
    let bins = ((sorted.len() as f64).sqrt() as usize).clamp(8, 40);
    let (bars, mut tallest) = share_bars(sorted, range, bins);
    let mut layers = vec![bars];
    if let Some(d) = dist {
        let (x, y) = fitted_shares(d, range, bins);
        tallest = y.iter().copied().fold(tallest, f64::max);
        layers.push(Layer::Line {
            x,
            y,
            color: PALETTE[1],
            width: 3,
            dashed: false,
            label: Some("fitted".into()),
        });
    }
    Panel {
        heading: Some(format!("Histogram up to the 99th percentile ({unit})")),
        x: Axis::new(unit, scale, range),
        y: Axis::new(
            "share of deals",
            Scale::Share,
            (0.0, headroom(tallest) * 1.15),
        ),
        layers,
        legend: Legend::UpperRight,
    }
}

/// The bars of the values inside `range`, and the tallest bar's height.
fn share_bars(sorted: &[f64], range: (f64, f64), bins: usize) -> (Layer, f64) {
    let shown: Vec<f64> = sorted.iter().copied().filter(|v| *v <= range.1).collect();
    let n_all = sorted.len() as f64;
    let mut bars = histogram(&shown, range, bins);
    let mut tallest: f64 = 0.0;
    if let Layer::Bars { height, label, .. } = &mut bars {
        // Shares of the whole sample, not of the part shown.
        for h in height.iter_mut() {
            *h *= shown.len() as f64 / n_all;
            tallest = tallest.max(*h);
        }
        *label = Some("share of deals".into());
    }
    (bars, tallest)
}

/// The fitted distribution's share of each bin, at the bins' middles.
fn fitted_shares(d: &Dist, range: (f64, f64), bins: usize) -> (Vec<f64>, Vec<f64>) {
    let width = (range.1 - range.0) / bins as f64;
    let x: Vec<f64> = (0..bins)
        .map(|i| range.0 + (i as f64 + 0.5) * width)
        .collect();
    let y: Vec<f64> = (0..bins)
        .map(|i| {
            let a = range.0 + i as f64 * width;
            d.cdf(a + width) - d.cdf(a)
        })
        .collect();
    (x, y)
}

/// Observed quantiles against fitted ones, with the line where they are equal.
fn qq_panel(sorted: &[f64], quantile: &dyn Fn(f64) -> f64, scale: Scale, unit: &str) -> Panel {
    let (fitted, observed) = qq_points(sorted, quantile, QQ_POINTS);
    let hi = fitted
        .iter()
        .chain(&observed)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * 1.04;
    let lo = fitted
        .iter()
        .chain(&observed)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min);
    Panel {
        heading: Some("Quantile-quantile: on the line where the fit is right".into()),
        x: Axis::new(format!("fitted quantile ({unit})"), scale, (lo, hi)),
        y: Axis::new(format!("observed quantile ({unit})"), scale, (lo, hi)),
        layers: vec![
            Layer::Line {
                x: vec![lo, hi],
                y: vec![lo, hi],
                color: MUTED,
                width: 2,
                dashed: true,
                label: Some("observed = fitted".into()),
            },
            Layer::Points {
                x: fitted,
                y: observed,
                color: PALETTE[0],
                radius: 3,
                label: Some("deals".into()),
            },
        ],
        legend: Legend::UpperLeft,
    }
}

fn size_chart(d: &DealSize, sorted: &[f64]) -> Chart {
    let (what, dist): (String, Option<Dist>) = match (d.fixed, d.model, &d.lognormal, &d.table) {
        (Some(v), ..) => (format!("every deal {}", usd(v)), None),
        (None, SizeModel::Empirical, _, Some(t)) => (
            format!("empirical table of {} values", t.values.len()),
            sampler(&crate::scenario::dist::DistSpec::Family(
                crate::scenario::dist::Family::Discrete {
                    values: t.values.clone(),
                    probabilities: t.probabilities.clone(),
                },
            )),
        ),
        (None, _, Some(l), _) => (
            format!("lognormal, median {}, P90 {}", usd(l.median), usd(l.p90)),
            sampler(&lognormal_spec(l)),
        ),
        _ => ("not fitted".into(), None),
    };
    let q = size_quantile(d);
    let subtitle = match &d.ks {
        Some(ks) => format!(
            "{} won deals; the fit is {} (KS D = {:.3}, {}).",
            count(d.n),
            verdict(ks),
            ks.d,
            p_text(ks.p_value)
        ),
        None => format!("{} won deals.", count(d.n)),
    };
    Chart {
        name: "deal-size".into(),
        title: format!("Won deal size: {what}"),
        subtitle,
        panels: fit_panels(sorted, dist.as_ref(), q.as_deref(), Scale::Usd, "USD"),
        columns: 2,
    }
}

fn cycle_chart(c: &Cycle, sorted: &[f64]) -> Chart {
    let dist = match &c.table {
        Some(t) => sampler(&DistSpec::Family(Family::Discrete {
            values: t.values.clone(),
            probabilities: t.probabilities.clone(),
        })),
        None => c.gamma.as_ref().and_then(|g| sampler(&gamma_spec(g))),
    };
    let q: Option<Box<dyn Fn(f64) -> f64>> = dist
        .clone()
        .map(|d| Box::new(move |p| d.quantile(p)) as Box<dyn Fn(f64) -> f64>);
    let what = match (&c.gamma, c.fixed_months) {
        (_, None) if c.table.is_some() => format!(
            "empirical table of {} values",
            c.table.as_ref().map_or(0, |t| t.values.len())
        ),
        (Some(g), _) => format!("gamma, mean {} months, sd {}", sig(g.mean, 3), sig(g.sd, 3)),
        (None, Some(v)) => format!("every deal {} months", sig(v, 3)),
        _ => "not fitted".into(),
    };
    let subtitle = match &c.ks {
        Some(ks) => format!(
            "{} {} deals; the fit is {} (KS D = {:.3}, {}).",
            count(c.n),
            c.outcome.label(),
            verdict(ks),
            ks.d,
            p_text(ks.p_value)
        ),
        None => format!("{} {} deals.", count(c.n), c.outcome.label()),
    };
    Chart {
        name: format!("cycle-{}", c.outcome.label().replace(' ', "-")),
        title: format!("Cycle time of {} deals: {what}", c.outcome.label()),
        subtitle,
        panels: fit_panels(sorted, dist.as_ref(), q.as_deref(), Scale::Count, "months"),
        columns: 2,
    }
}

fn win_rate_chart(fit: &Fit) -> Option<Chart> {
    let bb = fit.rep_win_rates.as_ref()?;
    let reps: Vec<_> = fit.reps.iter().filter(|r| r.closed > 0).collect();
    let n: Vec<f64> = reps.iter().map(|r| r.closed as f64).collect();
    let raw: Vec<f64> = reps.iter().filter_map(|r| r.raw_win_rate).collect();
    let shrunk: Vec<f64> = reps.iter().filter_map(|r| r.shrunk_win_rate).collect();
    let xmax = n.iter().copied().fold(1.0, f64::max) * 1.05;
    let ymax = raw.iter().copied().fold(bb.mean, f64::max);
    Some(Chart {
        name: "win-rates".into(),
        title: "Reps' win rates: raw and shrunk toward the org mean".into(),
        subtitle: format!(
            "{} reps; true rates spread {:.3} (sd), raw rates {:.3}: a rep with few deals is pulled most.",
            bb.groups, bb.sd, bb.raw_sd
        ),
        panels: vec![Panel {
            heading: None,
            x: Axis::new("closed deals", Scale::Count, (0.0, xmax)),
            // Headroom above the highest rate keeps the legend clear of the points.
            y: Axis::new("win rate", Scale::Share, (0.0, (ymax * 1.35).min(1.05))),
            layers: vec![
                Layer::HLine {
                    y: bb.mean,
                    color: INK,
                    width: 2,
                    dashed: true,
                    label: Some(format!("mean of true rates {:.1}%", bb.mean * 100.0)),
                },
                Layer::Points {
                    x: n.clone(),
                    y: raw,
                    color: PALETTE[0],
                    radius: 4,
                    label: Some("raw: won / closed".into()),
                },
                Layer::Points {
                    x: n,
                    y: shrunk,
                    color: PALETTE[1],
                    radius: 3,
                    label: Some("shrunk (empirical Bayes)".into()),
                },
            ],
            legend: Legend::UpperRight,
        }],
        columns: 1,
    })
}

/// The samples behind a fit: the won deals' amounts and each outcome's cycle months, sorted.
pub struct Samples {
    /// Won deals' amounts (positive ones only for a lognormal).
    pub won_amounts: Vec<f64>,
    /// Cycle months by outcome.
    pub cycles: Vec<(Outcome, Vec<f64>)>,
}

impl Samples {
    /// The samples of `history` that [`crate::calibrate::fit::fit`] used for the org.
    pub fn of(history: &History, fit: &Fit) -> Samples {
        let mut won: Vec<f64> = history
            .opportunities
            .iter()
            .filter(|o| o.outcome == Outcome::Won)
            .filter_map(|o| o.amount_usd)
            .filter(|a| {
                *a > 0.0
                    || fit
                        .deal_size
                        .as_ref()
                        .is_some_and(|d| d.model == SizeModel::Empirical)
            })
            .collect();
        won.sort_by(f64::total_cmp);
        let cycles = Outcome::CLOSED
            .into_iter()
            .map(|o| {
                let mut v: Vec<f64> = history
                    .opportunities
                    .iter()
                    .filter(|x| x.outcome == o)
                    .filter_map(|x| x.cycle_days())
                    .map(|d| {
                        let d = if d == 0 {
                            crate::calibrate::fit::SAME_DAY_CYCLE_DAYS
                        } else {
                            f64::from(d)
                        };
                        d / crate::crm::dates::DAYS_PER_MONTH
                    })
                    .collect();
                v.sort_by(f64::total_cmp);
                (o, v)
            })
            .collect();
        Samples {
            won_amounts: won,
            cycles,
        }
    }
}

/// The charts of the org's fit, in report order.
pub fn charts(fit: &Fit, samples: &Samples) -> Vec<Chart> {
    let mut out = Vec::new();
    if let Some(d) = &fit.deal_size
        && !samples.won_amounts.is_empty()
    {
        out.push(size_chart(d, &samples.won_amounts));
    }
    for c in &fit.cycles {
        if let Some((_, v)) = samples
            .cycles
            .iter()
            .find(|(o, v)| *o == c.outcome && !v.is_empty())
        {
            out.push(cycle_chart(c, v));
        }
    }
    out.extend(win_rate_chart(fit));
    out
}
