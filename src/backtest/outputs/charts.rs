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
