//! Charts of batches: metrics against a varied parameter, and the tornado.
//!
//! `revsim sweep` draws a metric against the parameter it varies ([`sweep_chart`]): a line with
//! its band for each combination of the other parameters. `revsim sensitivity` draws the tornado
//! ([`tornado`]): how far the metric moves when one parameter at a time goes to its low and to
//! its high setting. Both place their legend in a corner the data leaves free, making room
//! when none is.

use plotters::style::RGBColor;

use super::{
    Axis, CHART_CHROME_PX, Chart, INK, Layer, Legend, PALETTE, Panel, Scale, WIDTH, nice_step,
    padded_range, row_label_area, text_width, tick_label, wrap,
};

/// One line with its band: a metric against a varied parameter, for one combination of the
/// other parameters.
#[derive(Debug, Clone)]
pub struct Band {
    /// Legend entry, e.g. "ramp 3 months"; empty for a lone series.
    pub label: String,
    /// The varied parameter's values.
    pub x: Vec<f64>,
    /// Lower edge of the band at each `x`.
    pub low: Vec<f64>,
    /// The line at each `x` (e.g. the median).
    pub mid: Vec<f64>,
    /// Upper edge of the band at each `x`.
    pub high: Vec<f64>,
}

/// One parameter's bar in a tornado: the metric at the parameter's low and at its high value.
#[derive(Debug, Clone)]
pub struct TornadoBar {
    /// The parameter, as the reader knows it ("win rate").
    pub parameter: String,
    /// Its low setting, written at the end of the low bar ("20%").
    pub low_label: String,
    /// Its high setting, written at the end of the high bar ("30%").
    pub high_label: String,
    /// The metric with the parameter at its low setting.
    pub at_low: f64,
    /// The metric with the parameter at its high setting.
    pub at_high: f64,
}

/// Most series a sweep chart draws: one palette colour each.
const MAX_SERIES: usize = PALETTE.len();

/// Colour of a tornado's bars at the low setting (light) and at the high setting (dark).
const LOW: RGBColor = PALETTE[4];
const HIGH: RGBColor = PALETTE[0];

/// Pixels left and right of a panel's plot area besides its y label area: the chart's margins
/// and the panel's (see `Chart::draw` and `draw_panel`).
const PLOT_SIDES_PX: u32 = 6 + 6 + 8 + 28;

/// The y label area of an ordinary panel.
const Y_LABELS_PX: u32 = 78;

/// The plot area in pixels of a one-panel chart of `height` with `subtitle`, and a y label area
/// of `y_area` pixels.
fn plot_px(height: u32, subtitle: &str, y_area: u32) -> (f64, f64) {
    let lines = wrap(subtitle, 16.0, f64::from(WIDTH) - 48.0, 2)
        .len()
        .max(1) as u32;
    let w = WIDTH.saturating_sub(PLOT_SIDES_PX + y_area);
    let h = height.saturating_sub(CHART_CHROME_PX + 22 * (lines - 1));
    (f64::from(w.max(1)), f64::from(h.max(1)))
}

/// A rectangle in plot pixels, from the plot area's top left.
#[derive(Debug, Clone, Copy)]
struct Rect {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }
}

/// Maps data to plot pixels.
#[derive(Debug, Clone, Copy)]
struct Frame {
    w: f64,
    h: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        (x - self.x.0) / (self.x.1 - self.x.0) * self.w
    }
    fn py(&self, y: f64) -> f64 {
        (self.y.1 - y) / (self.y.1 - self.y.0) * self.h
    }
    /// A rectangle around data points `(x0, y0)` and `(x1, y1)`, grown by `pad` pixels.
    fn around(&self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), pad: f64) -> Rect {
        let (a, b) = (self.px(x0), self.px(x1));
        let (c, d) = (self.py(y0), self.py(y1));
        Rect {
            left: a.min(b) - pad,
            right: a.max(b) + pad,
            top: c.min(d) - pad,
            bottom: c.max(d) + pad,
        }
    }
}

/// Size in pixels of the legend plotters draws for `labels` (13 px text, 10 px margins).
fn legend_px(labels: &[String]) -> (f64, f64) {
    let widest = labels
        .iter()
        .map(|l| text_width(l, 13.0))
        .fold(0.0, f64::max);
    let n = labels.len().max(1) as f64;
    (
        widest + 30.0 + 20.0 + 4.0,
        16.25 * (n - 1.0) + 13.0 + 20.0 + 2.0,
    )
}

/// The first corner where a legend of `size` pixels overlaps none of `obstacles`.
fn free_corner(
    frame: &Frame,
    size: (f64, f64),
    obstacles: &[Rect],
    corners: &[Legend],
) -> Option<Legend> {
    let (w, h) = size;
    corners.iter().copied().find(|corner| {
        let (left, top) = match corner {
            Legend::UpperLeft => (5.0, 5.0),
            Legend::UpperRight => (frame.w - w - 5.0, 5.0),
            Legend::LowerRight => (frame.w - w - 5.0, frame.h - h - 5.0),
            Legend::LowerLeft | Legend::Hidden => (5.0, frame.h - h - 5.0),
        };
        let r = Rect {
            left,
            right: left + w,
            top,
            bottom: top + h,
        };
        r.left >= 0.0 && r.top >= 0.0 && !obstacles.iter().any(|o| o.overlaps(&r))
    })
}

/// A series' points with a finite `x`, sorted by `x`: (x, low, mid, high), NaN where missing.
fn points(b: &Band) -> Vec<(f64, f64, f64, f64)> {
    let get = |v: &[f64], i: usize| {
        v.get(i)
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(f64::NAN)
    };
    let mut p: Vec<(f64, f64, f64, f64)> = (0..b.x.len())
        .filter(|&i| b.x[i].is_finite())
        .map(|i| {
            let (lo, hi) = (get(&b.low, i), get(&b.high, i));
            // A band given upside down is still the band.
            let (lo, hi) = if lo > hi { (hi, lo) } else { (lo, hi) };
            (b.x[i], lo, get(&b.mid, i), hi)
        })
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// Padding either side of a lone x value, in the units of `scale`.
fn lone_pad(x: f64, scale: Scale) -> f64 {
    if x != 0.0 {
        return x.abs() * 0.2;
    }
    match scale {
        Scale::Share => 0.05,
        _ => 1.0,
    }
}

/// A metric (y) against a varied parameter (x): each series is a line (mid) with a shaded band
/// (low..high) and point markers at each x; up to 7 series, one palette colour each, with a
/// legend when there is more than one series (or when `series[0].label` is non-empty, or there
/// is a reference line). `band_label` names the band in the subtitle, e.g. "P10–P90" or
/// "95% interval". `reference` draws a horizontal reference line (e.g. the plan, or the 80%
/// target for P(hit plan)) labelled with its text.
///
/// Where every series has a single x value, each draws its point with whiskers over its band,
/// side by side. Points with a value that is not finite are skipped; series beyond the seventh
/// are left out, and the subtitle says so. The chart is named `sweep`; set `name` to change it.
pub fn sweep_chart(
    title: &str,
    takeaway: &str,
    x: (&str, Scale),
    y: (&str, Scale),
    band_label: &str,
    series: &[Band],
    reference: Option<(f64, &str)>,
) -> Chart {
    let shown = &series[..series.len().min(MAX_SERIES)];
    let data: Vec<Vec<(f64, f64, f64, f64)>> = shown.iter().map(points).collect();
    let mut xs: Vec<f64> = data.iter().flatten().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let x_range = swept_range(&xs, x.1);
    let ys: Vec<f64> = data
        .iter()
        .flatten()
        .flat_map(|p| [p.1, p.2, p.3])
        .collect();
    let refs: Vec<f64> = reference.iter().map(|r| r.0).collect();
    let y_range = padded_range(&ys, &refs);
    let show_legend = shown.len() > 1
        || shown.first().is_some_and(|s| !s.label.trim().is_empty())
        || reference.is_some();

    let mut drawn = SeriesLayers::default();
    let lone = xs.len() == 1;
    for (i, pts) in data.iter().enumerate() {
        let name = show_legend.then(|| series_name(shown, i));
        drawn.add(i, pts, name, dodge(i, shown.len(), lone, x_range), x_range);
    }
    let subtitle = sweep_subtitle(takeaway, band_label, &drawn, shown.len(), series.len());
    let layers = drawn.stacked(reference);

    let mut chart = Chart {
        name: "sweep".into(),
        title: title.to_string(),
        subtitle,
        panels: Vec::new(),
        columns: 1,
    };
    let (legend, y_range, y_ticks) = if show_legend {
        let top = ys
            .iter()
            .chain(&refs)
            .copied()
            .filter(|v| v.is_finite())
            .fold(y_range.0, f64::max);
        sweep_legend(&chart, &layers, (x_range, y_range), top, y.1)
    } else {
        (Legend::Hidden, y_range, Vec::new())
    };
    let (plot_w, _) = plot_px(chart.height(), &chart.subtitle, Y_LABELS_PX);
    let ticks = data_ticks(&xs, x.1, x_range, plot_w);
    chart.panels.push(Panel {
        heading: None,
        x: Axis::new(x.0, x.1, x_range).with_ticks(ticks),
        y: Axis::new(y.0, y.1, y_range).with_ticks(y_ticks),
        layers,
        legend,
    });
    chart
}

/// The x axis of a sweep: the swept values `xs` (sorted) with a little room for the markers at
/// the ends.
fn swept_range(xs: &[f64], scale: Scale) -> (f64, f64) {
    match xs {
        [] => (0.0, 1.0),
        [v] => (v - lone_pad(*v, scale), v + lone_pad(*v, scale)),
        [first, .., last] => {
            let pad = (last - first) * 0.05;
            (first - pad, last + pad)
        }
    }
}

/// The legend entry of series `i`: its label, or "series 2" for an unlabelled one among
/// several.
fn series_name(shown: &[Band], i: usize) -> String {
    let l = shown[i].label.trim();
    if l.is_empty() && shown.len() > 1 {
        format!("series {}", i + 1)
    } else {
        l.to_string()
    }
}

/// How far series `i` of `n` moves off its x: when every series sits on one x (`lone`), each
/// gets its own slot, side by side.
fn dodge(i: usize, n: usize, lone: bool, x_range: (f64, f64)) -> f64 {
    if lone && n > 1 {
        let step = (x_range.1 - x_range.0) * 0.06;
        (i as f64 - (n - 1) as f64 / 2.0) * step
    } else {
        0.0
    }
}

/// The layers of a sweep chart's series, by kind, and whether any band is shaded or drawn as a
/// whisker.
#[derive(Default)]
struct SeriesLayers {
    bands: Vec<Layer>,
    whiskers: Vec<Layer>,
    lines: Vec<Layer>,
    markers: Vec<Layer>,
    shaded: bool,
    whiskered: bool,
}

impl SeriesLayers {
    /// Adds series `i`, its points `pts` (x, low, mid, high) moved `dodge` along x, with the
    /// legend entry `name` if it draws anything.
    fn add(
        &mut self,
        i: usize,
        pts: &[(f64, f64, f64, f64)],
        name: Option<String>,
        dodge: f64,
        x_range: (f64, f64),
    ) {
        let color = PALETTE[i];
        // A series with nothing to draw has no legend entry either.
        let drawn = pts
            .iter()
            .any(|p| p.2.is_finite() || (p.1.is_finite() && p.3.is_finite()));
        let label = name.filter(|l| drawn && !l.is_empty());
        let band: Vec<&(f64, f64, f64, f64)> = pts
            .iter()
            .filter(|p| p.1.is_finite() && p.3.is_finite())
            .collect();
        let mid: Vec<(f64, f64)> = pts
            .iter()
            .filter(|p| p.2.is_finite())
            .map(|p| (p.0 + dodge, p.2))
            .collect();
        // The series' legend entry goes on its line, else its whisker, else its markers.
        let line = mid.len() >= 2;
        let whisker_label = if line { None } else { label.clone() };
        let mut own_whisker = false;
        if band.len() >= 2 {
            self.shaded = true;
            self.bands.push(Layer::Band {
                x: band.iter().map(|p| p.0).collect(),
                lo: band.iter().map(|p| p.1).collect(),
                hi: band.iter().map(|p| p.3).collect(),
                color,
                opacity: 0.15,
                label: None,
            });
        } else if let Some(p) = band.first() {
            // A band of one point: a whisker with caps.
            self.whiskered = true;
            own_whisker = true;
            let cap = (x_range.1 - x_range.0) * 0.012;
            self.whiskers.extend(capped_whisker(
                p.0 + dodge,
                (p.1, p.3),
                cap,
                color,
                whisker_label,
            ));
        }
        if line {
            self.lines.push(Layer::Line {
                x: mid.iter().map(|p| p.0).collect(),
                y: mid.iter().map(|p| p.1).collect(),
                color,
                width: 3,
                dashed: false,
                label: label.clone(),
            });
        }
        self.markers.push(Layer::Points {
            x: mid.iter().map(|p| p.0).collect(),
            y: mid.iter().map(|p| p.1).collect(),
            color,
            radius: 5,
            label: if line || own_whisker { None } else { label },
        });
    }

    /// Every layer, bottom to top: bands, whiskers, lines, the reference line, markers.
    fn stacked(self, reference: Option<(f64, &str)>) -> Vec<Layer> {
        let mut layers = self.bands;
        layers.extend(self.whiskers);
        layers.extend(self.lines);
        if let Some((at, text)) = reference {
            layers.push(Layer::HLine {
                y: at,
                color: INK,
                width: 2,
                dashed: true,
                label: Some(text.to_string()),
            });
        }
        layers.extend(self.markers);
        layers
    }
}

/// The whisker of a lone point's band from `low` to `high` at `at`, with caps `cap` wide either
/// side; `label` goes on the whisker.
fn capped_whisker(
    at: f64,
    (low, high): (f64, f64),
    cap: f64,
    color: RGBColor,
    label: Option<String>,
) -> Vec<Layer> {
    let mut out = vec![whisker(vec![at, at], vec![low, high], color, label)];
    for end in [low, high] {
        out.push(whisker(
            vec![at - cap, at + cap],
            vec![end, end],
            color,
            None,
        ));
    }
    out
}

/// A sweep chart's subtitle: the takeaway, what the band shows, and how many series are left
/// out.
fn sweep_subtitle(
    takeaway: &str,
    band_label: &str,
    drawn: &SeriesLayers,
    shown: usize,
    total: usize,
) -> String {
    let mut subtitle = takeaway.trim().to_string();
    let band_label = band_label.trim();
    if !band_label.is_empty() && (drawn.shaded || drawn.whiskered) {
        let what = if drawn.shaded { "Shaded" } else { "Whiskers" };
        subtitle = format!("{subtitle} {what}: {band_label}.")
            .trim()
            .to_string();
    }
    if total > shown {
        subtitle = format!("{subtitle} The first {shown} of {total} series shown.")
            .trim()
            .to_string();
    }
    subtitle
}

/// Where a sweep chart's legend goes, with the y axis and ticks it needs: a free corner of the
/// plot over `ranges` (x, y) if there is one; else the top of the y axis goes up until the
/// legend fits above the data, whose highest value is `top`.
fn sweep_legend(
    chart: &Chart,
    layers: &[Layer],
    (x_range, mut y_range): ((f64, f64), (f64, f64)),
    top: f64,
    y_scale: Scale,
) -> (Legend, (f64, f64), Vec<f64>) {
    let labels: Vec<String> = layers.iter().filter_map(legend_label).collect();
    let size = legend_px(&labels);
    let (w, h) = plot_px(chart.height(), &chart.subtitle, Y_LABELS_PX);
    let corners = [
        Legend::UpperLeft,
        Legend::UpperRight,
        Legend::LowerRight,
        Legend::LowerLeft,
    ];
    let frame = |y: (f64, f64)| Frame {
        w,
        h,
        x: x_range,
        y,
    };
    let f = frame(y_range);
    if let Some(c) = free_corner(&f, size, &sweep_obstacles(&f, layers), &corners) {
        return (c, y_range, Vec::new());
    }
    // Raise the top of the axis until the legend fits above the data.
    let share = ((size.1 + 14.0) / h).min(0.8);
    let data_top = y_range.1;
    y_range.1 = y_range.1.max((top - share * y_range.0) / (1.0 - share));
    // Ticks over the data only: the raised part holds the legend, not values, and a share axis
    // never reads above 100%.
    let shown_top = if y_scale == Scale::Share && top <= 1.0 {
        data_top.min(1.0)
    } else {
        data_top
    };
    let y_ticks = even_ticks((y_range.0, shown_top), y_scale, y_range);
    let f = frame(y_range);
    let legend = free_corner(&f, size, &sweep_obstacles(&f, layers), &corners[..2])
        .unwrap_or(Legend::UpperLeft);
    (legend, y_range, y_ticks)
}

/// About six evenly spaced ticks over `range` (part of an axis over `axis`) at multiples of
/// 1, 2 or 5 times a power of ten, each labelled exactly; coarser if the labels of `scale`
/// would round them.
fn even_ticks(range: (f64, f64), scale: Scale, axis: (f64, f64)) -> Vec<f64> {
    let Some(fine) = nice_step((range.1 - range.0) / 6.0) else {
        return Vec::new();
    };
    [1.0, 1.5, 3.0, 6.0]
        .iter()
        .filter_map(|k| nice_step(fine * k))
        .map(|step| {
            let (first, last) = ((range.0 / step).ceil(), (range.1 / step + 1e-9).floor());
            if !(first.is_finite() && last.is_finite()) || last - first > 50.0 {
                return Vec::new();
            }
            (first as i64..=last as i64)
                .map(|k| k as f64 * step)
                .collect()
        })
        .find(|ticks: &Vec<f64>| {
            let span = axis.1 - axis.0;
            ticks.iter().all(|t| {
                shown_value(&tick_label(scale, axis, *t))
                    .is_some_and(|v| (v - t).abs() <= 1e-6 * (t.abs() + span))
            })
        })
        .unwrap_or_default()
}

/// The swept values as the x axis's ticks, when each tick label reads exactly as its value and
/// the labels fit side by side; else none, for plotters' evenly spaced ticks.
fn data_ticks(xs: &[f64], scale: Scale, range: (f64, f64), plot_w: f64) -> Vec<f64> {
    if xs.is_empty() || xs.len() > 15 || matches!(scale, Scale::Month(_)) {
        return Vec::new();
    }
    let span = range.1 - range.0;
    let labels: Vec<String> = xs.iter().map(|x| tick_label(scale, range, *x)).collect();
    let exact = xs
        .iter()
        .zip(&labels)
        .all(|(x, l)| shown_value(l).is_some_and(|v| (v - x).abs() <= 1e-6 * (x.abs() + span)));
    let widest = labels
        .iter()
        .map(|l| text_width(l, 13.0))
        .fold(0.0, f64::max);
    let closest = xs
        .windows(2)
        .map(|w| (w[1] - w[0]) / span * plot_w)
        .fold(f64::INFINITY, f64::min);
    if exact && closest >= widest + 12.0 {
        xs.to_vec()
    } else {
        Vec::new()
    }
}

/// The number a tick label stands for: `$1.5M` is 1.5e6, `25%` is 0.25, `-3` is -3.
fn shown_value(label: &str) -> Option<f64> {
    let (sign, rest) = match label.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, label),
    };
    let rest = rest.strip_prefix('$').unwrap_or(rest);
    let (number, unit) = match rest.chars().last()? {
        '%' => (&rest[..rest.len() - 1], 0.01),
        'K' => (&rest[..rest.len() - 1], 1e3),
        'M' => (&rest[..rest.len() - 1], 1e6),
        'B' => (&rest[..rest.len() - 1], 1e9),
        _ => (rest, 1.0),
    };
    number.parse::<f64>().ok().map(|v| sign * v * unit)
}

/// A whisker stroke of a lone point's band.
fn whisker(x: Vec<f64>, y: Vec<f64>, color: RGBColor, label: Option<String>) -> Layer {
    Layer::Line {
        x,
        y,
        color,
        width: 2,
        dashed: false,
        label,
    }
}

/// A layer's legend entry.
fn legend_label(l: &Layer) -> Option<String> {
    match l {
        Layer::Band { label, .. }
        | Layer::Line { label, .. }
        | Layer::Bars { label, .. }
        | Layer::VLine { label, .. }
        | Layer::HLine { label, .. }
        | Layer::Points { label, .. }
        | Layer::HBars { label, .. } => label.clone(),
    }
}

/// What a legend must not cover in a sweep chart: bands, lines, markers and the reference line.
fn sweep_obstacles(f: &Frame, layers: &[Layer]) -> Vec<Rect> {
    let mut out = Vec::new();
    let pad = 6.0;
    for l in layers {
        match l {
            Layer::Band { x, lo, hi, .. } => {
                for i in 1..x.len() {
                    // Each stretch of band as a stack of slices, each as tall as the band there.
                    for k in 0..=10 {
                        let t = k as f64 / 10.0;
                        let at = |v: &[f64]| v[i - 1] + (v[i] - v[i - 1]) * t;
                        let xa = at(x);
                        out.push(f.around((xa, at(lo)), (xa, at(hi)), pad));
                    }
                }
            }
            Layer::Line { x, y, .. } => {
                for i in 1..x.len().min(y.len()) {
                    for k in 0..=10 {
                        let t = k as f64 / 10.0;
                        let xa = x[i - 1] + (x[i] - x[i - 1]) * t;
                        let ya = y[i - 1] + (y[i] - y[i - 1]) * t;
                        out.push(f.around((xa, ya), (xa, ya), pad));
                    }
                }
            }
            Layer::Points { x, y, .. } => {
                for (a, b) in x.iter().zip(y) {
                    out.push(f.around((*a, *b), (*a, *b), pad + 7.0));
                }
            }
            Layer::HLine { y, .. } => out.push(f.around((f.x.0, *y), (f.x.1, *y), pad)),
            _ => {}
        }
    }
    out
}

/// A tornado chart: horizontal bars, one row per parameter, in the order given (the caller
/// sorts by swing, largest first, at the top), each bar spanning from the base value to the
/// metric at low and at high (two colours: low setting and high setting, with a legend), a
/// vertical line at `base` labelled `base_label` (e.g. "Baseline P50 $29.1M"), the parameter
/// name on the left axis and the low/high setting values (`low_label` / `high_label`) written
/// at the bar ends.
///
/// Where both settings move the metric the same way, the row holds both bars, low above high.
/// Settings with a value that is not finite draw no bar. The chart grows with its rows and is
/// named `tornado`; set `name` to change it.
pub fn tornado(
    title: &str,
    takeaway: &str,
    value_axis: (&str, Scale),
    base: f64,
    base_label: &str,
    bars: &[TornadoBar],
) -> Chart {
    let names: Vec<String> = bars
        .iter()
        .map(|b| b.parameter.trim().to_string())
        .collect();
    let y_area = row_label_area(&names, false);
    let (lo, hi) = value_span(bars, base);
    let sides = Sides {
        centre: if base.is_finite() {
            base
        } else {
            (lo + hi) / 2.0
        },
    };
    let mut chart = Chart {
        name: "tornado".into(),
        title: title.to_string(),
        subtitle: takeaway.trim().to_string(),
        panels: Vec::new(),
        columns: 1,
    };
    if bars.is_empty() {
        chart.subtitle = format!("{} No parameters to show.", chart.subtitle)
            .trim()
            .to_string();
    }
    let (pw, _) = plot_px(560, &chart.subtitle, y_area);
    let x_range = value_range((lo, hi), note_room(bars, &sides), pw);
    let mut layers = setting_bars(bars, names, &sides, x_range);
    if base.is_finite() {
        layers.push(Layer::VLine {
            x: base,
            color: INK,
            width: 2,
            dashed: false,
            label: Some(base_label.trim().to_string()).filter(|l| !l.is_empty()),
        });
    }
    let rows = bars.len();
    tornado_panel(
        &mut chart,
        layers,
        rows,
        value_axis,
        (x_range, y_area),
        sides.centre,
    );
    chart
}

/// The span of the values a tornado's axis must hold: every finite setting's metric and the
/// base; a little either side of a lone value.
fn value_span(bars: &[TornadoBar], base: f64) -> (f64, f64) {
    let values = bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .chain([base])
        .filter(|v| v.is_finite());
    match values.fold(None, |acc: Option<(f64, f64)>, v| {
        Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
    }) {
        Some((a, b)) if b - a > 1e-9 * a.abs().max(b.abs()).max(1.0) => (a, b),
        Some((a, _)) => {
            let pad = (a.abs() * 0.05).max(1.0);
            (a - pad, a + pad)
        }
        None => (0.0, 1.0),
    }
}

/// Which way a tornado's bars point from its centre: the base, or the middle of the values
/// when the base is not finite.
struct Sides {
    centre: f64,
}

impl Sides {
    /// 1 for a bar of `v` that points right, -1 for left: away from the centre, and for a bar
    /// of no length away from the other setting's bar at `other` (low to the left when neither
    /// moves the metric).
    fn side(&self, v: f64, other: f64, low: bool) -> f64 {
        let away = |w: f64| if w > self.centre { 1.0 } else { -1.0 };
        if v != self.centre {
            away(v)
        } else if other != self.centre && other.is_finite() {
            -away(other)
        } else if low {
            -1.0
        } else {
            1.0
        }
    }

    /// Where the bar of `v` ends: at `v`, or `eps` past the centre on its side for a bar of no
    /// length.
    fn end(&self, v: f64, other: f64, low: bool, eps: f64) -> f64 {
        if v == self.centre {
            self.centre + self.side(v, other, low) * eps
        } else {
            v
        }
    }
}

/// Pixels the notes need past the bar ends on the left and on the right of the bars.
fn note_room(bars: &[TornadoBar], sides: &Sides) -> (f64, f64) {
    let note_px = |s: &str| {
        if s.trim().is_empty() {
            0.0
        } else {
            text_width(s.trim(), 12.0) + 12.0
        }
    };
    let (mut room_left, mut room_right) = (0.0f64, 0.0f64);
    for b in bars {
        for (v, other, label, low) in [
            (b.at_low, b.at_high, &b.low_label, true),
            (b.at_high, b.at_low, &b.high_label, false),
        ] {
            if !v.is_finite() {
                continue;
            }
            let w = note_px(label);
            if sides.side(v, other, low) < 0.0 {
                // Only what reaches past the axis's end needs room.
                room_left = room_left.max(w);
            } else {
                room_right = room_right.max(w);
            }
        }
    }
    (room_left, room_right)
}

/// The value axis of a tornado: the span of the values `(lo, hi)`, widened by the room the
/// notes need (pixels left and right of the bars, in a plot `pw` pixels wide) and a margin.
fn value_range((lo, hi): (f64, f64), (room_left, room_right): (f64, f64), pw: f64) -> (f64, f64) {
    let share = ((room_left + room_right) / pw).min(0.6);
    let span = (hi - lo) / (1.0 - share - 0.04);
    (
        lo - room_left / pw * span - 0.02 * span,
        hi + room_right / pw * span + 0.02 * span,
    )
}

/// The bars of the low and the high settings. Both settings go in full-height bars when they
/// move the metric opposite ways; the row is split, low above high, when they move it the same
/// way. The first layer names the rows.
fn setting_bars(
    bars: &[TornadoBar],
    names: Vec<String>,
    sides: &Sides,
    x_range: (f64, f64),
) -> Vec<Layer> {
    let n = bars.len();
    let eps = (x_range.1 - x_range.0) * 1e-6;
    let mut full = [vec![f64::NAN; n], vec![f64::NAN; n]];
    let mut split = [vec![f64::NAN; n], vec![f64::NAN; n]];
    for (i, b) in bars.iter().enumerate() {
        let (l, h) = (b.at_low, b.at_high);
        let same_way = l.is_finite()
            && h.is_finite()
            && sides.side(l, h, true) == sides.side(h, l, false)
            && l != sides.centre
            && h != sides.centre;
        let target = if same_way { &mut split } else { &mut full };
        if l.is_finite() {
            target[0][i] = sides.end(l, h, true, eps);
        }
        if h.is_finite() {
            target[1][i] = sides.end(h, l, false, eps);
        }
    }
    let notes = |low: bool| -> Vec<String> {
        bars.iter()
            .map(|b| {
                if low { &b.low_label } else { &b.high_label }
                    .trim()
                    .to_string()
            })
            .collect()
    };
    let hbars =
        |names: Vec<String>, to: Vec<f64>, low: bool, slot: (f64, f64), label: Option<String>| {
            Layer::HBars {
                names,
                from: vec![sides.centre; n],
                to,
                notes: notes(low),
                slot,
                color: if low { LOW } else { HIGH },
                opacity: 0.9,
                label,
            }
        };
    let [full_low, full_high] = full;
    let [split_low, split_high] = split;
    vec![
        hbars(
            names,
            full_low,
            true,
            (0.2, 0.8),
            Some("parameter at its low setting".into()),
        ),
        hbars(
            Vec::new(),
            full_high,
            false,
            (0.2, 0.8),
            Some("parameter at its high setting".into()),
        ),
        hbars(Vec::new(), split_low, true, (0.14, 0.49), None),
        hbars(Vec::new(), split_high, false, (0.51, 0.86), None),
    ]
}

/// Gives the tornado its one panel: `rows` rows of bars over `x_range`, row names in a label
/// area of `y_area` pixels, and the legend in a free corner; failing that, in rows added below
/// the bars (at most six).
fn tornado_panel(
    chart: &mut Chart,
    layers: Vec<Layer>,
    rows: usize,
    value_axis: (&str, Scale),
    (x_range, y_area): ((f64, f64), u32),
    centre: f64,
) {
    let labels: Vec<String> = layers.iter().filter_map(legend_label).collect();
    let size = legend_px(&labels);
    let rows = rows.max(1) as f64;
    let mut extra = 0.0;
    let mut legend = Legend::LowerRight;
    loop {
        let y_range = (-extra, rows);
        chart.panels = vec![Panel {
            heading: None,
            x: Axis::new(value_axis.0, value_axis.1, x_range),
            y: Axis::new("", Scale::Count, y_range),
            layers: layers.clone(),
            legend,
        }];
        let (w, h) = plot_px(chart.height(), &chart.subtitle, y_area);
        let f = Frame {
            w,
            h,
            x: x_range,
            y: y_range,
        };
        let obstacles = tornado_obstacles(&f, &layers, centre);
        let corners = if extra > 0.0 {
            vec![Legend::LowerRight, Legend::LowerLeft]
        } else {
            vec![
                Legend::LowerRight,
                Legend::LowerLeft,
                Legend::UpperRight,
                Legend::UpperLeft,
            ]
        };
        if let Some(c) = free_corner(&f, size, &obstacles, &corners) {
            legend = c;
            break;
        }
        if extra >= 6.0 {
            break;
        }
        extra += 1.0;
    }
    if let Some(p) = chart.panels.first_mut() {
        p.legend = legend;
    }
}

/// What a legend must not cover in a tornado: bars, their notes and the base line.
fn tornado_obstacles(f: &Frame, layers: &[Layer], base: f64) -> Vec<Rect> {
    let mut out = Vec::new();
    for l in layers {
        if let Layer::HBars {
            from,
            to,
            notes,
            slot,
            ..
        } = l
        {
            for (i, (a, b)) in from.iter().zip(to).enumerate() {
                if !(a.is_finite() && b.is_finite()) {
                    continue;
                }
                let row_top = f.y.1 - i as f64;
                let mut r = f.around((*a, row_top - slot.0), (*b, row_top - slot.1), 4.0);
                if let Some(note) = notes.get(i).filter(|n| !n.is_empty()) {
                    let w = text_width(note, 12.0) + 10.0;
                    if b >= a {
                        r.right += w;
                    } else {
                        r.left -= w;
                    }
                }
                out.push(r);
            }
        }
    }
    if base.is_finite() {
        out.push(f.around((base, f.y.0), (base, f.y.1), 3.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Win rate from 20% to 35%, three ramp lengths: P50 bookings with P10–P90.
    fn win_rate_sweep() -> Vec<Band> {
        let x = vec![0.20, 0.25, 0.30, 0.35];
        [
            (3.0, "ramp 3 months"),
            (6.0, "ramp 6 months"),
            (9.0, "ramp 9 months"),
        ]
        .iter()
        .map(|(ramp, label)| {
            let mid: Vec<f64> = x
                .iter()
                .map(|w| 18e6 + (w - 0.2) * 90e6 - ramp * 0.6e6)
                .collect();
            Band {
                label: label.to_string(),
                x: x.clone(),
                low: mid.iter().map(|m| m * 0.82).collect(),
                mid: mid.clone(),
                high: mid.iter().map(|m| m * 1.17).collect(),
            }
        })
        .collect()
    }

    fn tornado_bars() -> Vec<TornadoBar> {
        let bar = |p: &str, l: &str, h: &str, at_low: f64, at_high: f64| TornadoBar {
            parameter: p.into(),
            low_label: l.into(),
            high_label: h.into(),
            at_low,
            at_high,
        };
        vec![
            bar("win rate", "20%", "30%", 23.4e6, 34.9e6),
            bar("average contract value", "$80K", "$120K", 24.6e6, 33.5e6),
            bar("reps hired per quarter", "4", "8", 26.0e6, 31.9e6),
            bar("ramp months", "3", "9", 30.7e6, 26.8e6),
            bar("annual rep attrition", "15%", "35%", 30.2e6, 27.5e6),
            bar("sales cycle, days", "60", "120", 29.9e6, 28.0e6),
            bar("pipeline coverage", "2.5×", "4×", 28.6e6, 29.5e6),
        ]
    }

    fn png_decodes(bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
        let info = reader.next_frame(&mut buf).expect("PNG data");
        (info.width, info.height)
    }

    /// The text of each `<text>` element of an SVG.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                Some(
                    t.split_once('>')?
                        .1
                        .split_once("</text>")?
                        .0
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    /// The chart's SVG, after checking that its PNG decodes; with `REVSIM_CHART_DIR` set, both
    /// are written there for a look, named after the title.
    fn render(c: &Chart) -> String {
        let svg = c.svg();
        let png = c.png();
        assert_eq!(png_decodes(&png), (WIDTH, c.height()));
        if let Ok(dir) = std::env::var("REVSIM_CHART_DIR") {
            let stem: String = c
                .title
                .to_lowercase()
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .take(6)
                .collect::<Vec<_>>()
                .join("-");
            std::fs::create_dir_all(&dir).expect("chart directory");
            std::fs::write(format!("{dir}/{}-{stem}.png", c.name), &png).expect("write PNG");
            std::fs::write(format!("{dir}/{}-{stem}.svg", c.name), &svg).expect("write SVG");
        }
        svg
    }

    #[test]
    fn sweep_chart_draws_each_series_with_its_band_and_legend() {
        let c = sweep_chart(
            "P50 new bookings by win rate, for three ramp lengths",
            "Each 5 points of win rate adds about $4.5M; a 3-month ramp is worth $3.6M over a 9-month one.",
            ("win rate", Scale::Share),
            ("new bookings, P50", Scale::Usd),
            "P10–P90",
            &win_rate_sweep(),
            Some((25e6, "plan $25.0M")),
        );
        assert_eq!(c.panels.len(), 1);
        assert_ne!(c.panels[0].legend, Legend::Hidden);
        assert_eq!(c.panels[0].x.ticks, vec![0.20, 0.25, 0.30, 0.35]);
        let svg = render(&c);
        let texts = texts(&svg);
        for tick in ["20%", "25%", "30%", "35%"] {
            assert!(texts.contains(&tick.to_string()), "{tick} in {texts:?}");
        }
        for text in [
            "P50 new bookings by win rate",
            "ramp 3 months",
            "ramp 9 months",
            "plan $25.0M",
            "Shaded: P10–P90.",
            "win rate",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn sweep_chart_of_one_unlabelled_series_has_no_legend() {
        let b = Band {
            label: String::new(),
            x: vec![50.0, 60.0, 70.0, 80.0, 90.0],
            low: vec![0.20, 0.31, 0.45, 0.58, 0.70],
            mid: vec![0.35, 0.48, 0.62, 0.74, 0.83],
            high: vec![0.50, 0.63, 0.76, 0.86, 0.92],
        };
        let c = sweep_chart(
            "Chance of making plan by reps in seat",
            "80 reps give a 74% chance of plan.",
            ("reps in seat", Scale::Count),
            ("chance of plan", Scale::Share),
            "95% interval",
            &[b],
            None,
        );
        assert_eq!(c.panels[0].legend, Legend::Hidden);
        let svg = render(&c);
        assert!(svg.contains("Shaded: 95% interval."));
        // Ticks at the swept values, as whole numbers.
        let texts = texts(&svg);
        for tick in ["50", "60", "70", "80", "90"] {
            assert!(texts.contains(&tick.to_string()), "{tick} in {texts:?}");
        }
        assert!(!texts.contains(&"55".to_string()), "{texts:?}");
    }

    #[test]
    fn sweep_chart_survives_odd_data() {
        let one = |label: &str, x: f64, v: f64| Band {
            label: label.into(),
            x: vec![x],
            low: vec![v * 0.9],
            mid: vec![v],
            high: vec![v * 1.1],
        };
        // A single x value: points with whiskers, side by side.
        let c = sweep_chart(
            "One value",
            "",
            ("win rate", Scale::Share),
            ("bookings", Scale::Usd),
            "P10–P90",
            &[one("a", 0.25, 20e6), one("b", 0.25, 22e6)],
            Some((21e6, "plan")),
        );
        assert!(render(&c).contains("Whiskers: P10–P90."));
        // NaN, infinite and missing values, unsorted x, all values equal, mismatched lengths.
        let odd = Band {
            label: "odd".into(),
            x: vec![0.30, f64::NAN, 0.25, 0.35, 0.40],
            low: vec![5.0, 5.0, f64::NAN, 5.0],
            mid: vec![5.0, 5.0, 5.0, f64::INFINITY, 5.0],
            high: vec![5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
        };
        let flat = Band {
            label: String::new(),
            x: vec![1.0, 2.0],
            low: vec![5.0, 5.0],
            mid: vec![5.0, 5.0],
            high: vec![5.0, 5.0],
        };
        let nothing = Band {
            label: "nothing".into(),
            x: vec![f64::NAN],
            low: vec![],
            mid: vec![],
            high: vec![],
        };
        for (k, s) in [
            vec![odd.clone()],
            vec![flat.clone()],
            vec![nothing.clone()],
            vec![odd, flat, nothing],
            vec![],
        ]
        .into_iter()
        .enumerate()
        {
            let c = sweep_chart(
                &format!("Odd data {k}"),
                "odd data",
                ("x", Scale::Count),
                ("y", Scale::Count),
                "",
                &s,
                None,
            );
            render(&c);
        }
        // More series than colours: the first seven, and a note.
        let many: Vec<Band> = (0..9)
            .map(|i| Band {
                label: format!("s{i}"),
                x: vec![1.0, 2.0, 3.0],
                low: vec![i as f64; 3],
                mid: vec![i as f64 + 0.5; 3],
                high: vec![i as f64 + 1.0; 3],
            })
            .collect();
        let c = sweep_chart(
            "Many",
            "",
            ("x", Scale::Count),
            ("y", Scale::Count),
            "P10–P90",
            &many,
            None,
        );
        let svg = render(&c);
        assert!(svg.contains("The first 7 of 9 series shown.") && !svg.contains("s8"));
    }

    #[test]
    fn sweep_chart_makes_room_for_a_big_legend() {
        // Seven series spread over the whole plot: no corner is free, so the axis grows.
        let x = vec![0.8, 0.9, 1.0, 1.1, 1.2];
        let series: Vec<Band> = (0..7)
            .map(|i| {
                let mid: Vec<f64> = x
                    .iter()
                    .map(|m| {
                        (0.15 + 0.1 * i as f64 + (m - 1.0) * (0.6 - 0.2 * i as f64)).clamp(0.0, 1.0)
                    })
                    .collect();
                Band {
                    label: format!("{} reps hired a quarter, {}% attrition", 4 + i, 15 + 5 * i),
                    x: x.clone(),
                    low: mid.iter().map(|m| (m - 0.06).max(0.0)).collect(),
                    mid: mid.clone(),
                    high: mid.iter().map(|m| (m + 0.06).min(1.0)).collect(),
                }
            })
            .collect();
        let c = sweep_chart(
            "Chance of making plan by quota multiplier",
            "Above 1.1× quota no hiring plan reaches the 80% target.",
            ("quota multiplier", Scale::Count),
            ("chance of making plan", Scale::Share),
            "95% interval",
            &series,
            Some((0.8, "target: 80% chance")),
        );
        let top = series
            .iter()
            .flat_map(|s| s.high.iter().copied())
            .fold(0.8, f64::max);
        let y = &c.panels[0].y;
        assert!(y.range.1 > top + 0.1, "{:?}", y.range);
        assert!(
            y.ticks.len() > 3 && y.ticks.iter().all(|t| *t <= 1.0),
            "{:?}",
            y.ticks
        );
        assert_eq!(c.panels[0].x.ticks, x);
        let texts = texts(&render(&c));
        assert!(
            !texts.iter().any(|t| t.ends_with("0%") && t.len() > 4),
            "{texts:?}"
        );
        for tick in ["0.8", "0.9", "1", "1.1", "1.2", "80%"] {
            assert!(texts.contains(&tick.to_string()), "{tick} in {texts:?}");
        }
        assert!(texts.contains(&"10 reps hired a quarter, 45% attrition".to_string()));
    }

    #[test]
    fn tornado_draws_a_row_per_parameter_and_labels_the_settings() {
        let c = tornado(
            "What moves P50 new bookings most",
            "Win rate and contract value swing bookings most; pipeline coverage barely matters.",
            ("new bookings over the horizon, P50", Scale::Usd),
            29.1e6,
            "Baseline P50 $29.1M",
            &tornado_bars(),
        );
        assert!(c.height() < 560, "{}", c.height());
        let svg = render(&c);
        for text in [
            "What moves P50 new bookings most",
            "win rate",
            "average contract value",
            "pipeline coverage",
            "$120K",
            "2.5×",
            "parameter at its low setting",
            "parameter at its high setting",
            "Baseline P50 $29.1M",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn tornado_survives_odd_data_and_grows_with_its_rows() {
        let bar = |p: String, at_low: f64, at_high: f64| TornadoBar {
            parameter: p,
            low_label: "low".into(),
            high_label: "high".into(),
            at_low,
            at_high,
        };
        // Zero bars.
        let c = tornado("None", "", ("bookings", Scale::Usd), 29e6, "base", &[]);
        assert!(render(&c).contains("No parameters to show."));
        // Fifteen rows with a long name, bars on one side, no swing, NaN, and a NaN base.
        let mut bars: Vec<TornadoBar> = (0..15)
            .map(|i| {
                let swing = (15 - i) as f64 * 0.4e6;
                bar(format!("parameter {i}"), 29e6 - swing, 29e6 + swing)
            })
            .collect();
        bars[0].parameter =
            "share of pipeline sourced by partners in the first fiscal year after launch".into();
        bars[1] = bar("both higher".into(), 30e6, 32e6);
        bars[2] = bar("both lower".into(), 27e6, 25e6);
        bars[3] = bar("no swing".into(), 29e6, 29e6);
        bars[4] = bar("high only".into(), 29e6, 31e6);
        bars[5] = bar("missing".into(), f64::NAN, 30e6);
        let c = tornado(
            "Many",
            "",
            ("bookings", Scale::Usd),
            29e6,
            "Baseline $29.0M",
            &bars,
        );
        assert!(c.height() > 560, "{}", c.height());
        let svg = render(&c);
        assert!(svg.contains("share of pipeline") && svg.contains('…'));
        for base in [f64::NAN, 29e6] {
            let all_equal = vec![bar("flat".into(), 29e6, 29e6)];
            render(&tornado(
                "Flat",
                "",
                ("bookings", Scale::Usd),
                base,
                "",
                &all_equal,
            ));
        }
        let all_nan = vec![bar("nan".into(), f64::NAN, f64::NAN)];
        render(&tornado(
            "NaN",
            "",
            ("bookings", Scale::Usd),
            f64::NAN,
            "",
            &all_nan,
        ));
    }
}
