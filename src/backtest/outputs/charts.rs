//! The charts of a backtest: a fan chart per origin (the forecast's bands with the actuals),
//! and the coverage chart over origins.

use crate::backtest::{Coverage, Measure, OriginResult, Scored};
use crate::charts::{Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, Panel, Scale, headroom};
use crate::words::{pct, usd};

/// The fan chart of one origin: new bookings by month and cumulative bookings, each with the
/// forecast's P10-P90 and P25-P75 bands, its median and the actuals.
pub fn fan_chart(r: &OriginResult) -> Chart {
    let end = r.rows(Measure::CumulativeBookings).last();
    let subtitle = match end {
        Some(e) => format!(
            "Actual new bookings inside the forecast's P10–P90 in {} of {} months; after {} months {} booked, percentile {:.0} of the forecast ({}–{}).",
            r.inside(Measure::NewBookings),
            r.months,
            r.months,
            usd(e.actual),
            e.outcome.percentile_of_actual,
            usd(e.band.p10),
            usd(e.band.p90)
        ),
        None => String::new(),
    };
    Chart {
        name: format!("fan-{}", r.as_of),
        title: format!(
            "Forecast from {} against what happened ({} reps, {} open deals)",
            r.as_of, r.reps, r.open_pipeline.deals
        ),
        subtitle,
        panels: vec![
            fan_panel(r, Measure::NewBookings, "New bookings by month"),
            fan_panel(
                r,
                Measure::CumulativeBookings,
                "Cumulative bookings from the origin",
            ),
        ],
        columns: 2,
    }
}

/// One panel of a fan chart: measure `m` by month, the forecast's bands and median, and the
/// actuals (joined by a line for the cumulative measure).
fn fan_panel(r: &OriginResult, m: Measure, heading: &str) -> Panel {
    let rows: Vec<&Scored> = r.rows(m).collect();
    let x: Vec<f64> = (0..rows.len()).map(|i| i as f64).collect();
    let col = |f: &dyn Fn(&Scored) -> f64| rows.iter().map(|s| f(s)).collect::<Vec<f64>>();
    let actual = col(&|s| s.actual);
    let top = rows
        .iter()
        .map(|s| s.band.p90.max(s.actual))
        .fold(0.0, f64::max);
    let mut layers = vec![
        Layer::Band {
            x: x.clone(),
            lo: col(&|s| s.band.p10),
            hi: col(&|s| s.band.p90),
            color: PALETTE[0],
            opacity: 0.18,
            label: Some("forecast P10–P90".into()),
        },
        Layer::Band {
            x: x.clone(),
            lo: col(&|s| s.band.p25),
            hi: col(&|s| s.band.p75),
            color: PALETTE[0],
            opacity: 0.30,
            label: Some("P25–P75".into()),
        },
        Layer::Line {
            x: x.clone(),
            y: col(&|s| s.band.p50),
            color: PALETTE[0],
            width: 3,
            dashed: false,
            label: Some("median".into()),
        },
    ];
    if m == Measure::CumulativeBookings {
        layers.push(Layer::Line {
            x: x.clone(),
            y: actual.clone(),
            color: INK,
            width: 2,
            dashed: false,
            label: None,
        });
    }
    layers.push(Layer::Points {
        x,
        y: actual,
        color: INK,
        radius: 5,
        label: Some("actual".into()),
    });
    let last = (rows.len() as f64 - 1.0).max(0.0);
    Panel {
        heading: Some(heading.to_string()),
        x: Axis::new("month", Scale::Month(r.as_of), (-0.3, last + 0.3)),
        y: Axis::new(
            "bookings (USD)",
            Scale::Usd,
            (0.0, headroom(top.max(1.0)) * 1.1),
        ),
        layers,
        legend: Legend::UpperLeft,
    }
}

/// The coverage chart: the share of actuals inside P10-P90 by months ahead, for both metrics,
/// against the 80% a right forecast gives and the range of independent outcomes around it.
pub fn coverage_chart(coverage: &[Coverage]) -> Chart {
    let rows = |m: Measure| -> Vec<&Coverage> {
        coverage
            .iter()
            .filter(|c| c.metric == m && c.months_ahead.is_some() && c.tally.n > 0)
            .collect()
    };
    let new = rows(Measure::NewBookings);
    let last = new.iter().filter_map(|c| c.months_ahead).max().unwrap_or(1) as f64;
    let x = |v: &[&Coverage]| -> Vec<f64> {
        v.iter()
            .map(|c| c.months_ahead.unwrap_or(0) as f64)
            .collect()
    };
    let mut layers = vec![Layer::Band {
        x: x(&new),
        lo: new.iter().map(|c| c.tally.expected_range().0).collect(),
        hi: new.iter().map(|c| c.tally.expected_range().1).collect(),
        color: MUTED,
        opacity: 0.15,
        label: Some("95% range if right (independent outcomes)".into()),
    }];
    layers.push(Layer::HLine {
        y: 0.8,
        color: INK,
        width: 2,
        dashed: true,
        label: Some("80% expected".into()),
    });
    for (i, m) in Measure::ALL.into_iter().enumerate() {
        let v = rows(m);
        let y: Vec<f64> = v.iter().map(|c| c.tally.inside_share()).collect();
        layers.push(Layer::Line {
            x: x(&v),
            y: y.clone(),
            color: PALETTE[i],
            width: 3,
            dashed: false,
            label: None,
        });
        layers.push(Layer::Points {
            x: x(&v),
            y,
            color: PALETTE[i],
            radius: 5,
            label: Some(m.label().to_string()),
        });
    }
    let all = |m: Measure| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none())
    };
    let subtitle = match (all(Measure::NewBookings), all(Measure::CumulativeBookings)) {
        (Some(n), Some(c)) => format!(
            "Over all origins and months, {} of actual monthly bookings landed inside P10–P90 ({} of {}), {} of cumulative bookings; 80% if the forecast is right.",
            pct(n.tally.inside_share()),
            n.tally.inside,
            n.tally.n,
            pct(c.tally.inside_share())
        ),
        _ => String::new(),
    };
    Chart {
        name: "coverage".into(),
        title: "How often actual bookings landed inside the forecast's P10–P90".into(),
        subtitle,
        panels: vec![Panel {
            heading: None,
            x: Axis::new(
                "months ahead (1 = the origin month)",
                Scale::Count,
                (0.5, last + 0.5),
            )
            .with_ticks((1..=last as usize).map(|v| v as f64).collect()),
            y: Axis::new("share inside P10–P90", Scale::Share, (0.0, 1.05)),
            layers,
            legend: Legend::LowerLeft,
        }],
        columns: 1,
    }
}

/// The reliability chart: for central intervals of 20%, 40%, 60% and 80%, the share of actuals
/// that landed inside (from the actuals' percentiles, by tenths), against the diagonal a right
/// forecast follows. Below the diagonal: too narrow; above: too wide.
pub fn reliability_chart(coverage: &[Coverage]) -> Chart {
    let levels: [f64; 4] = [0.2, 0.4, 0.6, 0.8];
    let mut layers = vec![Layer::Line {
        x: vec![0.0, 1.0],
        y: vec![0.0, 1.0],
        color: INK,
        width: 2,
        dashed: true,
        label: Some("a right forecast".into()),
    }];
    let mut said = Vec::new();
    for (i, m) in Measure::ALL.into_iter().enumerate() {
        let Some(c) = coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none() && c.tally.n > 0)
        else {
            continue;
        };
        // The central interval of level L holds the percentiles from 50 - 50 L to 50 + 50 L:
        // tenths 5 - 5L to 5 + 5L - 1.
        let y: Vec<f64> = levels
            .iter()
            .map(|l| {
                let k = (5.0 * l).round() as usize;
                let inside: usize = c.tally.pit[5 - k..5 + k].iter().sum();
                inside as f64 / c.tally.n as f64
            })
            .collect();
        said.push(format!("{} {}", m.label(), pct(y[3])));
        layers.push(Layer::Line {
            x: levels.to_vec(),
            y: y.clone(),
            color: PALETTE[i],
            width: 3,
            dashed: false,
            label: None,
        });
        layers.push(Layer::Points {
            x: levels.to_vec(),
            y,
            color: PALETTE[i],
            radius: 5,
            label: Some(m.label().to_string()),
        });
    }
    Chart {
        name: "reliability".into(),
        title: "Reliability: how often each central interval held the actual".into(),
        subtitle: format!(
            "From the actuals' percentiles in their forecasts, over every origin and month. On the diagonal the forecast is calibrated; below it, too narrow; above it, too wide. The 80% interval held {}.",
            said.join(", ")
        ),
        panels: vec![Panel {
            heading: None,
            x: Axis::new(
                "central interval (nominal coverage)",
                Scale::Share,
                (0.0, 1.0),
            )
            .with_ticks(vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            y: Axis::new("share of actuals inside", Scale::Share, (0.0, 1.05)),
            layers,
            legend: Legend::UpperLeft,
        }],
        columns: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{Outcome, Position, Scores, Tally};
    use crate::charts::Layer;

    #[test]
    fn a_flat_pit_lies_on_the_diagonal() {
        // One actual at each percentile 0.5, 1.5, ..., 99.5: every central interval of level L
        // holds exactly the share L.
        let mut t = Tally::default();
        for k in 0..100 {
            t.add(&Outcome {
                position: Position::Inside,
                inside_p25_p75: false,
                percentile_of_actual: k as f64 + 0.5,
                crps: 0.0,
                pinball: [0.0; 3],
            });
        }
        let coverage: Vec<Coverage> = Measure::ALL
            .into_iter()
            .map(|metric| Coverage {
                metric,
                months_ahead: None,
                tally: t,
                scores: Scores::of(&[t]),
            })
            .collect();
        let chart = reliability_chart(&coverage);
        let mut seen = 0;
        for layer in &chart.panels[0].layers {
            if let Layer::Points { x, y, .. } = layer {
                for (a, b) in x.iter().zip(y) {
                    assert!((a - b).abs() < 1e-12, "{a} against {b}");
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, 8);
    }
}
