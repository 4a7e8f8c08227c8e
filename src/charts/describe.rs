//! A chart's content in plain text: what it says, not how it is drawn.
//!
//! [`Chart::describe`] reads the same [`Chart`] the renderer draws, so a change to a chart's
//! title, takeaway, axes, series, reference lines or notes changes its description, while fonts,
//! pixels and the ticks plotters picks do not. Tests pin descriptions as snapshots a reviewer
//! can read; a description is also a text alternative to the picture.

use std::fmt::Write;

use plotters::style::RGBColor;

use super::run::spread;
use super::{Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, Panel, Scale, hex, row_names};
use crate::calendar::month_label;

/// Most points of a series a description lists; longer series are sampled evenly, ends
/// included, and every series also gives its mean.
const SAMPLED_POINTS: usize = 6;

/// Most bar heights a description lists; more are sampled evenly.
const LISTED_BARS: usize = 24;

impl Chart {
    /// The chart's content in plain text: name, title, takeaway, and for each panel its
    /// heading, axes (title, scale, range and any ticks of its own), legend, and each layer
    /// bottom to top with its legend entry, colour and data (a few points of a line or band,
    /// the bars of a histogram, the position of a marker line, each row of horizontal bars
    /// with its note).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "chart {}", self.name);
        let _ = writeln!(out, "title: {}", self.title);
        let _ = writeln!(out, "takeaway: {}", self.subtitle);
        let n = self.panels.len();
        for (i, p) in self.panels.iter().enumerate() {
            let _ = writeln!(out);
            let columns = if n > 1 {
                format!(" of {n} ({} a row)", self.columns.max(1))
            } else {
                String::new()
            };
            let heading = p
                .heading
                .as_ref()
                .map_or(String::new(), |h| format!(": {h}"));
            let _ = writeln!(out, "panel {}{columns}{heading}", i + 1);
            describe_panel(&mut out, p);
        }
        out
    }
}

/// A panel's axes, legend and layers.
fn describe_panel(out: &mut String, p: &Panel) {
    let _ = writeln!(out, "  x axis: {}", axis(&p.x));
    let _ = writeln!(out, "  y axis: {}", axis(&p.y));
    let legend = match p.legend {
        Legend::UpperLeft => "upper left",
        Legend::UpperRight => "upper right",
        Legend::LowerRight => "lower right",
        Legend::LowerLeft => "lower left",
        Legend::Hidden => "hidden",
    };
    let _ = writeln!(out, "  legend: {legend}");
    for layer in &p.layers {
        describe_layer(out, layer, p);
    }
}

/// An axis: "\"new bookings\", dollars, $1.93M to $2.42M", then its own ticks if it has them.
fn axis(a: &Axis) -> String {
    let scale = match a.scale {
        Scale::Usd => "dollars",
        Scale::Share => "share",
        Scale::Count => "count",
        Scale::Month(_) => "months",
    };
    let title = if a.label.is_empty() {
        "(no title)".to_string()
    } else {
        format!("\"{}\"", a.label)
    };
    let mut s = format!(
        "{title}, {scale}, {} to {}",
        value(a.scale, a.range.0),
        value(a.scale, a.range.1)
    );
    if !a.ticks.is_empty() {
        let ticks: Vec<String> = a.ticks.iter().map(|t| value(a.scale, *t)).collect();
        let _ = write!(s, ", ticks at {}", ticks.join(", "));
    }
    s
}

/// One layer: its kind, legend entry and colour, then its data in the units of the axes.
fn describe_layer(out: &mut String, layer: &Layer, p: &Panel) {
    let (xs, ys) = (p.x.scale, p.y.scale);
    match layer {
        Layer::Band {
            x,
            lo,
            hi,
            color,
            label,
            ..
        } => describe_band(
            out,
            heading("band", label, "", *color, false),
            (x, lo, hi),
            p,
        ),
        Layer::Line {
            x,
            y,
            color,
            dashed,
            label,
            ..
        } => describe_xy(out, heading("line", label, "", *color, *dashed), (x, y), p),
        Layer::Points {
            x, y, color, label, ..
        } => describe_xy(out, heading("points", label, "", *color, false), (x, y), p),
        Layer::Bars {
            left,
            right,
            height,
            color,
            label,
            ..
        } => describe_bars(
            out,
            heading("bars", label, "", *color, false),
            (left, right, height),
            p,
        ),
        Layer::VLine {
            x,
            color,
            dashed,
            label,
            ..
        } => {
            let at = value(xs, *x);
            let _ = writeln!(
                out,
                "  {}",
                heading(
                    "vertical line",
                    label,
                    &format!(" at {at}"),
                    *color,
                    *dashed
                )
            );
        }
        Layer::HLine {
            y,
            color,
            dashed,
            label,
            ..
        } => {
            let at = value(ys, *y);
            let _ = writeln!(
                out,
                "  {}",
                heading(
                    "horizontal line",
                    label,
                    &format!(" at {at}"),
                    *color,
                    *dashed
                )
            );
        }
        Layer::HBars {
            from,
            to,
            notes,
            color,
            label,
            ..
        } => {
            let _ = writeln!(
                out,
                "  {}",
                heading("horizontal bars", label, "", *color, false)
            );
            describe_rows(out, &row_names(&p.layers), (from, to), notes, xs);
        }
    }
}

/// What a layer is, with its legend entry, where it is (for a marker line: " at $1.00M"), and
/// its colour: "line \"plan\" (vermillion, dashed)".
fn heading(
    what: &str,
    label: &Option<String>,
    place: &str,
    color: RGBColor,
    dashed: bool,
) -> String {
    let entry = label
        .as_ref()
        .map_or(String::new(), |l| format!(" \"{l}\""));
    let dash = if dashed { ", dashed" } else { "" };
    format!("{what}{entry}{place} ({}{dash})", colour(color))
}

/// A band: how many points, the mean of each edge, and a few of its spans.
fn describe_band(
    out: &mut String,
    heading: String,
    (x, lo, hi): (&[f64], &[f64], &[f64]),
    p: &Panel,
) {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let _ = writeln!(
        out,
        "  {heading}: {}, mean {} to {}",
        count(x.len(), "point"),
        value(ys, mean(lo)),
        value(ys, mean(hi))
    );
    sampled(out, x.len(), |i| {
        format!(
            "{}: {} to {}",
            value(xs, x[i]),
            at(ys, lo, i),
            at(ys, hi, i)
        )
    });
}

/// A line or points: how many, their mean, and a few of them.
fn describe_xy(out: &mut String, heading: String, (x, y): (&[f64], &[f64]), p: &Panel) {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let _ = writeln!(
        out,
        "  {heading}: {}, mean {}",
        count(x.len(), "point"),
        value(ys, mean(y))
    );
    sampled(out, x.len(), |i| {
        format!("{}: {}", value(xs, x[i]), at(ys, y, i))
    });
}

/// Histogram bars: their number and span, the total and the tallest, then the heights.
fn describe_bars(
    out: &mut String,
    heading: String,
    (left, right, height): (&[f64], &[f64], &[f64]),
    p: &Panel,
) {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let n = left.len().min(right.len()).min(height.len());
    let _ = write!(out, "  {heading}: {}", count(n, "bar"));
    if n == 0 {
        let _ = writeln!(out);
        return;
    }
    let total: f64 = height[..n].iter().filter(|h| h.is_finite()).sum();
    let tallest = (0..n).fold(0, |best, i| if height[i] > height[best] { i } else { best });
    let _ = writeln!(
        out,
        " from {} to {}, heights sum to {}, tallest {} from {} to {}",
        value(xs, left[0]),
        value(xs, right[n - 1]),
        value(ys, total),
        value(ys, height[tallest]),
        value(xs, left[tallest]),
        value(xs, right[tallest])
    );
    let shown = if n <= LISTED_BARS {
        (0..n).collect()
    } else {
        spread(n, LISTED_BARS / 2)
    };
    let heights: Vec<String> = shown.iter().map(|&i| value(ys, height[i])).collect();
    let what = if shown.len() < n {
        "heights, sampled"
    } else {
        "heights"
    };
    let _ = writeln!(out, "    {what}: {}", heights.join(" "));
}

/// Each row of horizontal bars that has a bar: its name (`names`: the panel's, as drawn on its
/// axis), where the bar starts and ends, and its note.
fn describe_rows(
    out: &mut String,
    names: &[String],
    (from, to): (&[f64], &[f64]),
    notes: &[String],
    scale: Scale,
) {
    for (i, (f, t)) in from.iter().zip(to).enumerate() {
        if !(f.is_finite() && t.is_finite()) {
            continue;
        }
        let name = names
            .get(i)
            .filter(|n| !n.is_empty())
            .map_or(String::new(), |n| format!(" \"{n}\""));
        let note = notes
            .get(i)
            .filter(|n| !n.is_empty())
            .map_or(String::new(), |n| format!(", note \"{n}\""));
        let _ = writeln!(
            out,
            "    row {}{name}: {} to {}{note}",
            i + 1,
            value(scale, *f),
            value(scale, *t)
        );
    }
}

/// "18 points", "1 bar".
fn count(n: usize, noun: &str) -> String {
    crate::words::plural(n, noun)
}

/// The mean of the finite `values`: a summary that moves when any of them does, sampled or not.
fn mean(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    finite.iter().sum::<f64>() / finite.len() as f64
}

/// Up to [`SAMPLED_POINTS`] of `n` points, evenly spread with both ends, each written by
/// `point`, on one indented line.
fn sampled(out: &mut String, n: usize, point: impl Fn(usize) -> String) {
    let points: Vec<String> = spread(n, SAMPLED_POINTS).into_iter().map(point).collect();
    if !points.is_empty() {
        let _ = writeln!(out, "    {}", points.join(" · "));
    }
}

/// The `i`th of `values` on an axis of `scale`; "-" where it is missing.
fn at(scale: Scale, values: &[f64], i: usize) -> String {
    value(scale, values.get(i).copied().unwrap_or(f64::NAN))
}

/// A value as the reader of the axis knows it: $1.24M, 12.5%, 3.25, Mar 2027.
fn value(scale: Scale, v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    // No "-0": an axis that starts at minus nothing starts at 0.
    let v = v + 0.0;
    match scale {
        Scale::Usd => crate::words::usd(v),
        Scale::Share => format!("{:.1}%", v * 100.0),
        Scale::Count => format!("{}", crate::words::sig(v, 4)),
        Scale::Month(start) if v == v.round() => month_label(start, v as i32),
        Scale::Month(start) => format!(
            "{} {:+.2}",
            month_label(start, v.floor() as i32),
            v - v.floor()
        ),
    }
}

/// The name of a colour of the palette, else its hex code.
fn colour(c: RGBColor) -> String {
    const NAMES: [&str; PALETTE.len()] = [
        "blue",
        "orange",
        "bluish green",
        "reddish purple",
        "sky blue",
        "vermillion",
        "grey",
    ];
    if c == INK {
        return "black".into();
    }
    if c == MUTED {
        return "dark grey".into();
    }
    PALETTE
        .iter()
        .position(|p| *p == c)
        .map_or_else(|| hex(c), |i| NAMES[i].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::YearMonth;

    /// A year of cumulative bookings against a plan, a histogram, and a row of bars.
    fn chart() -> Chart {
        let start = YearMonth::new(2027, 1).unwrap();
        let x: Vec<f64> = (0..12).map(f64::from).collect();
        let median: Vec<f64> = x.iter().map(|m| (m + 1.0) * 100e3).collect();
        Chart {
            name: "fan".into(),
            title: "Cumulative bookings".into(),
            subtitle: "By December a median $1.20M.".into(),
            panels: vec![
                Panel {
                    heading: None,
                    x: Axis::new("month", Scale::Month(start), (0.0, 11.0)),
                    y: Axis::new("bookings to date", Scale::Usd, (0.0, 1.5e6)),
                    layers: vec![
                        Layer::Band {
                            x: x.clone(),
                            lo: median.iter().map(|m| m * 0.8).collect(),
                            hi: median.iter().map(|m| m * 1.2).collect(),
                            color: PALETTE[0],
                            opacity: 0.18,
                            label: Some("P10–P90".into()),
                        },
                        Layer::Line {
                            x: x.clone(),
                            y: median,
                            color: PALETTE[0],
                            width: 3,
                            dashed: false,
                            label: Some("median".into()),
                        },
                        Layer::HLine {
                            y: 1e6,
                            color: PALETTE[5],
                            width: 3,
                            dashed: true,
                            label: Some("plan $1.00M".into()),
                        },
                    ],
                    legend: Legend::UpperLeft,
                },
                Panel {
                    heading: Some("Each setting".into()),
                    x: Axis::new("bookings", Scale::Usd, (0.0, 2e6)),
                    y: Axis::new("", Scale::Count, (0.0, 1.0)),
                    layers: vec![
                        Layer::Bars {
                            left: vec![0.0, 0.5e6, 1e6, 1.5e6],
                            right: vec![0.5e6, 1e6, 1.5e6, 2e6],
                            height: vec![0.1, 0.4, 0.3, 0.2],
                            color: PALETTE[1],
                            opacity: 0.75,
                            label: None,
                        },
                        Layer::HBars {
                            names: vec!["win rate".into()],
                            from: vec![1e6],
                            to: vec![1.4e6],
                            notes: vec!["30%".into()],
                            slot: (0.2, 0.8),
                            color: PALETTE[4],
                            opacity: 0.9,
                            label: Some("high setting".into()),
                        },
                        Layer::VLine {
                            x: 1e6,
                            color: INK,
                            width: 2,
                            dashed: false,
                            label: None,
                        },
                    ],
                    legend: Legend::Hidden,
                },
            ],
            columns: 2,
        }
    }

    #[test]
    fn a_description_says_what_the_chart_shows() {
        let expected = r#"chart fan
title: Cumulative bookings
takeaway: By December a median $1.20M.

panel 1 of 2 (2 a row)
  x axis: "month", months, Jan 2027 to Dec 2027
  y axis: "bookings to date", dollars, $0 to $1.50M
  legend: upper left
  band "P10–P90" (blue): 12 points, mean $520K to $780K
    Jan 2027: $80.0K to $120K · Mar 2027: $240K to $360K · May 2027: $400K to $600K · Aug 2027: $640K to $960K · Oct 2027: $800K to $1.20M · Dec 2027: $960K to $1.44M
  line "median" (blue): 12 points, mean $650K
    Jan 2027: $100K · Mar 2027: $300K · May 2027: $500K · Aug 2027: $800K · Oct 2027: $1.00M · Dec 2027: $1.20M
  horizontal line "plan $1.00M" at $1.00M (vermillion, dashed)

panel 2 of 2 (2 a row): Each setting
  x axis: "bookings", dollars, $0 to $2.00M
  y axis: (no title), count, 0 to 1
  legend: hidden
  bars (orange): 4 bars from $0 to $2.00M, heights sum to 1, tallest 0.4 from $500K to $1.00M
    heights: 0.1 0.4 0.3 0.2
  horizontal bars "high setting" (sky blue)
    row 1 "win rate": $1.00M to $1.40M, note "30%"
  vertical line at $1.00M (black)
"#;
        assert_eq!(chart().describe(), expected);
    }

    #[test]
    fn every_change_to_what_a_chart_says_changes_its_description() {
        fn layer(c: &mut Chart, panel: usize, i: usize) -> &mut Layer {
            &mut c.panels[panel].layers[i]
        }
        type Change = (&'static str, fn(&mut Chart));
        let changes: [Change; 12] = [
            ("title", |c| c.title.push('!')),
            ("takeaway", |c| {
                c.subtitle = "By December a median $1.30M.".into()
            }),
            ("axis title", |c| c.panels[0].y.label = "ARR".into()),
            ("axis range", |c| c.panels[0].y.range.1 = 2e6),
            ("heading", |c| c.panels[1].heading = None),
            ("a point between the sampled ones", |c| {
                if let Layer::Line { y, .. } = layer(c, 0, 1) {
                    y[5] += 50e3;
                }
            }),
            ("the band", |c| {
                if let Layer::Band { hi, .. } = layer(c, 0, 0) {
                    hi[11] *= 1.1;
                }
            }),
            ("the plan", |c| {
                if let Layer::HLine { y, .. } = layer(c, 0, 2) {
                    *y = 1.1e6;
                }
            }),
            ("a legend entry", |c| {
                if let Layer::Line { label, .. } = layer(c, 0, 1) {
                    *label = Some("P50".into());
                }
            }),
            ("a bar", |c| {
                if let Layer::Bars { height, .. } = layer(c, 1, 0) {
                    height.swap(1, 2);
                }
            }),
            ("a note", |c| {
                if let Layer::HBars { notes, .. } = layer(c, 1, 1) {
                    notes[0] = "35%".into();
                }
            }),
            ("a marker line", |c| {
                if let Layer::VLine { x, .. } = layer(c, 1, 2) {
                    *x = 0.9e6;
                }
            }),
        ];
        let before = chart().describe();
        for (what, change) in changes {
            let mut c = chart();
            change(&mut c);
            assert_ne!(c.describe(), before, "a change of {what} is not described");
        }
    }
}
