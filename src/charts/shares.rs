//! The variance-shares chart of `revsim sensitivity`: for one output (a period's bookings, or
//! whether they reach its plan), how much of its variance each uncertain input, group, the
//! inputs' interactions and per-rep and per-deal luck explain, first-order (alone) and
//! total-order (with interactions), each with its 95% bootstrap interval.

use plotters::style::RGBColor;

use super::{Axis, Chart, INK, Layer, Legend, PALETTE, Panel, Scale, row_label_area, text_width};

/// One row of the chart: an input, a group, all inputs, their interactions or luck.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareBar {
    /// The row's name (an input's key path, a group's name, `per-rep and per-deal luck`).
    pub name: String,
    /// First-order share and its 95% interval (low, high).
    pub first: (f64, f64, f64),
    /// Total-order share and its interval; NaN where it is not defined (interactions, luck).
    pub total: (f64, f64, f64),
}

/// Colour of the first-order bars (blue).
const FIRST: RGBColor = PALETTE[0];
/// Colour of the total-order bars (sky blue).
const TOTAL: RGBColor = PALETTE[4];

/// Rows left empty below the bars for the legend.
const LEGEND_ROWS: f64 = 2.0;

/// A share as the notes print it: `12%`, `0.4%`, never `-0%`.
fn pct(v: f64) -> String {
    crate::words::pct(v)
}

/// The chart of `bars`, top to bottom, titled `title` with the takeaway `takeaway`;
/// `axis` names the output whose variance is shared out. Named `shares`; set `name` to change.
pub fn shares(title: &str, takeaway: &str, axis: &str, bars: &[ShareBar]) -> Chart {
    let names: Vec<String> = bars.iter().map(|b| b.name.clone()).collect();
    let y_area = row_label_area(&names, false);
    let n = bars.len();
    let finite = |v: f64| v.is_finite().then_some(v);
    let ends = bars.iter().flat_map(|b| {
        [
            b.first.0, b.first.1, b.first.2, b.total.0, b.total.1, b.total.2,
        ]
        .into_iter()
        .filter_map(finite)
    });
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let hi = hi.max(0.01);
    // Room for the notes past the interval ends: the widest note over the plot's width.
    let note = |b: &ShareBar, first: bool| {
        let (v, l, h) = if first { b.first } else { b.total };
        if v.is_finite() {
            let range = if l.is_finite() && h.is_finite() {
                format!(" ({} to {})", pct(l), pct(h))
            } else {
                String::new()
            };
            format!("{}{}{range}", if first { "" } else { "total " }, pct(v))
        } else {
            String::new()
        }
    };
    let widest = bars
        .iter()
        .flat_map(|b| [note(b, true), note(b, false)])
        .map(|s| text_width(&s, 12.0) + 14.0)
        .fold(0.0, f64::max);
    let plot_w = (f64::from(super::WIDTH) - 48.0 - f64::from(y_area)).max(200.0);
    let frac = (widest / plot_w).min(0.6);
    let x_hi = hi / (1.0 - frac);
    let x_lo = if lo < 0.0 { lo * 1.1 } else { 0.0 };
    let col = |f: &dyn Fn(&ShareBar) -> f64| -> Vec<f64> { bars.iter().map(f).collect() };
    let notes = |first: bool| -> Vec<String> { bars.iter().map(|b| note(b, first)).collect() };
    let to_end = |v: f64, h: f64| if h.is_finite() { h } else { v };
    let layers = vec![
        Layer::HBars {
            names,
            from: vec![0.0; n],
            to: col(&|b| b.first.0),
            notes: vec![String::new(); n],
            slot: (0.1, 0.48),
            color: FIRST,
            opacity: 0.9,
            label: Some("alone (first-order share)".into()),
        },
        Layer::HBars {
            names: Vec::new(),
            from: vec![0.0; n],
            to: col(&|b| b.total.0),
            notes: vec![String::new(); n],
            slot: (0.52, 0.9),
            color: TOTAL,
            opacity: 0.9,
            label: Some("with interactions (total-order share)".into()),
        },
        Layer::HBars {
            names: Vec::new(),
            from: col(&|b| b.first.1),
            to: col(&|b| to_end(b.first.0, b.first.2)),
            notes: notes(true),
            slot: (0.27, 0.31),
            color: INK,
            opacity: 1.0,
            label: Some("95% interval".into()),
        },
        Layer::HBars {
            names: Vec::new(),
            from: col(&|b| b.total.1),
            to: col(&|b| to_end(b.total.0, b.total.2)),
            notes: notes(false),
            slot: (0.69, 0.73),
            color: INK,
            opacity: 1.0,
            label: None,
        },
    ];
    let rows = n.max(1) as f64;
    let mut chart = Chart {
        name: "shares".into(),
        title: title.to_string(),
        subtitle: takeaway.trim().to_string(),
        panels: vec![Panel {
            heading: None,
            x: Axis::new(axis, Scale::Share, (x_lo, x_hi)),
            y: Axis::new("", Scale::Count, (-LEGEND_ROWS, rows)),
            layers,
            legend: Legend::LowerRight,
        }],
        columns: 1,
    };
    if bars.is_empty() {
        chart.subtitle = format!("{} No inputs to show.", chart.subtitle)
            .trim()
            .to_string();
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_names_every_row_and_draws() {
        let bars = vec![
            ShareBar {
                name: "attrition.annual_rate".into(),
                first: (0.03, 0.02, 0.04),
                total: (0.04, 0.035, 0.045),
            },
            ShareBar {
                name: "per-rep and per-deal luck".into(),
                first: (0.11, 0.04, 0.17),
                total: (f64::NAN, f64::NAN, f64::NAN),
            },
        ];
        let c = shares(
            "What makes the spread",
            "Luck most.",
            "Share of variance",
            &bars,
        );
        let svg = c.svg();
        assert!(svg.contains("attrition.annual_rate"), "{svg}");
        assert!(svg.contains("per-rep and per-deal luck"));
        assert!(svg.contains("3% (2% to 4%)"));
        assert!(!c.png().is_empty());
    }
}
