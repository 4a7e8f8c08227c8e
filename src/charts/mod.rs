//! Charts, drawn with plotters as SVG (inlined in `report.html`) and PNG (for slides).
//!
//! Every chart is first described as data ([`Chart`]: panels of bands, lines, bars and marker
//! lines on two axes) and then drawn by one renderer, so the SVG and the PNG of a chart cannot
//! disagree and every chart shares one look: left-aligned title, a one-line takeaway under it,
//! currency as $1.2M, a colour-blind-safe palette (Okabe-Ito) and the bundled DejaVu Sans font.
//!
//! The same description gives the chart's content as plain text ([`Chart::describe`]), which is
//! what tests pin: what a chart says, not its bytes.
//!
//! The font is compiled into the binary and registered with plotters' `ab_glyph` backend, so
//! charts never depend on the fonts of the machine: a bare container draws the same PNG.

pub mod batch;
pub mod bitmap;
pub mod compare;
mod describe;
pub mod heatmap;
pub mod run;
pub mod shares;

use std::borrow::Cow;
use std::sync::Once;

use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::calendar::{YearMonth, month_label};

/// The bundled font (DejaVu Sans; licence in `assets/fonts/`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family list SVG text names: the bundled font first (text is measured with it, see
/// [`text_width`]), then faces of similar width, then the viewer's own sans-serif. plotters
/// registers the bundled font under this same name for the PNG.
pub const FONT_FAMILY: &str = "DejaVu Sans, Bitstream Vera Sans, Verdana, sans-serif";

/// Chart width in pixels (PNG) and user units (SVG).
pub const WIDTH: u32 = 1000;

/// Okabe-Ito colours, distinguishable with the common forms of colour blindness. Scenario `i`
/// of a comparison always gets `PALETTE[i]`.
pub const PALETTE: [RGBColor; crate::compare::MAX_SCENARIOS] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(128, 128, 128), // grey (black is kept for plan and reference lines)
];

/// Text and reference lines.
pub const INK: RGBColor = RGBColor(33, 37, 41);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(90, 98, 106);
/// The plan line (vermillion: it must stand out from the blue data).
pub const PLAN: RGBColor = RGBColor(213, 94, 0);

/// `#rrggbb` of a colour, for HTML.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_err() {
            panic!("the bundled font does not parse; the binary is damaged");
        }
    });
}

/// How an axis labels its values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// US dollars: $45M.
    Usd,
    /// A share in [0, 1] shown as 40%.
    Share,
    /// A plain count or number.
    Count,
    /// Month index from a start month, labelled "Jan 2027".
    Month(YearMonth),
}

/// One axis: its title, scale and range.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Axis title.
    pub label: String,
    /// Label format.
    pub scale: Scale,
    /// Range shown.
    pub range: (f64, f64),
    /// Where the axis puts its ticks and grid lines, e.g. at the values a sweep ran; empty to
    /// let plotters choose. A month axis ticks months, quarters, halves or years by its span,
    /// and the y axis of a panel of named rows ([`Layer::HBars`]) has none.
    pub ticks: Vec<f64>,
}

impl Axis {
    /// An axis over `range`.
    pub fn new(label: impl Into<String>, scale: Scale, range: (f64, f64)) -> Axis {
        let (lo, hi) = range;
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Axis {
            label: label.into(),
            scale,
            range: (lo, hi),
            ticks: Vec::new(),
        }
    }

    /// The axis with ticks at `ticks` (see [`Axis::ticks`]).
    pub fn with_ticks(mut self, ticks: Vec<f64>) -> Axis {
        self.ticks = ticks;
        self
    }
}

/// Something drawn in a panel. A `label` adds a legend entry.
#[derive(Debug, Clone)]
pub enum Layer {
    /// A filled band between `lo` and `hi` over `x`.
    Band {
        /// X values.
        x: Vec<f64>,
        /// Lower edge.
        lo: Vec<f64>,
        /// Upper edge.
        hi: Vec<f64>,
        /// Fill colour.
        color: RGBColor,
        /// Fill opacity.
        opacity: f64,
        /// Legend entry.
        label: Option<String>,
    },
    /// A polyline.
    Line {
        /// X values.
        x: Vec<f64>,
        /// Y values.
        y: Vec<f64>,
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// Dashed.
        dashed: bool,
        /// Legend entry.
        label: Option<String>,
    },
    /// Histogram bars from 0 to `height` between `left[i]` and `right[i]`.
    Bars {
        /// Left edges.
        left: Vec<f64>,
        /// Right edges.
        right: Vec<f64>,
        /// Heights.
        height: Vec<f64>,
        /// Fill colour.
        color: RGBColor,
        /// Fill opacity.
        opacity: f64,
        /// Legend entry.
        label: Option<String>,
    },
    /// A vertical marker line across the panel.
    VLine {
        /// Position.
        x: f64,
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// Dashed.
        dashed: bool,
        /// Legend entry.
        label: Option<String>,
    },
    /// A horizontal marker line across the panel.
    HLine {
        /// Position.
        y: f64,
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// Dashed.
        dashed: bool,
        /// Legend entry.
        label: Option<String>,
    },
    /// Point markers: filled circles with a white rim. Points with a value that is not finite
    /// are skipped.
    Points {
        /// X values.
        x: Vec<f64>,
        /// Y values.
        y: Vec<f64>,
        /// Colour.
        color: RGBColor,
        /// Radius, pixels.
        radius: u32,
        /// Legend entry.
        label: Option<String>,
    },
    /// Horizontal bars in named rows (a tornado). Rows are counted down from the top of the y
    /// axis, one unit each: row `i` spans y from `top - i - 1` to `top - i`, so the y axis should
    /// run up to the number of rows. Bar `i` spans `from[i]..to[i]` in row `i`, filling the part
    /// `slot` of the row's height (fractions from its top), with `notes[i]` written just past
    /// its `to` end. A panel with bars names its rows (`names[i]`, fitted to the label area)
    /// on the left axis in place of y ticks. Bars with an end that is not finite are skipped.
    HBars {
        /// Row names, top to bottom; empty names leave the row to another layer's name.
        names: Vec<String>,
        /// Where each bar starts (the baseline of a tornado).
        from: Vec<f64>,
        /// Where each bar ends.
        to: Vec<f64>,
        /// Text past the `to` end of each bar; empty for none.
        notes: Vec<String>,
        /// The part of each row's height the bars fill, as fractions from its top.
        slot: (f64, f64),
        /// Fill colour.
        color: RGBColor,
        /// Fill opacity.
        opacity: f64,
        /// Legend entry.
        label: Option<String>,
    },
}

/// Height in pixels of a row of horizontal bars ([`Layer::HBars`]).
const BAR_ROW_PX: f64 = 44.0;

/// Pixels of a one-panel chart above and below its plot area with a one-line takeaway: title
/// and takeaway, margins, and the x axis labels. A second line of takeaway takes 22 more.
const CHART_CHROME_PX: u32 = 152;

/// Where a panel's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    /// Top left.
    UpperLeft,
    /// Top right.
    UpperRight,
    /// Bottom right.
    LowerRight,
    /// Bottom left.
    LowerLeft,
    /// No legend (small multiples explain their marks in the chart's subtitle).
    Hidden,
}

/// One plot area.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Heading above the panel (for small multiples).
    pub heading: Option<String>,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// What is drawn, bottom to top.
    pub layers: Vec<Layer>,
    /// Legend position.
    pub legend: Legend,
}

/// A chart: a title, a one-line takeaway, and one or more panels in a grid.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem: `charts/<name>.svg` and `.png`.
    pub name: String,
    /// Title.
    pub title: String,
    /// The takeaway, one sentence.
    pub subtitle: String,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
}

impl Chart {
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        let rows = self.panels.len().div_ceil(self.columns.max(1)).max(1) as u32;
        if rows > 1 {
            return 90 + rows * 340;
        }
        // A panel of horizontal bars is as tall as its rows (a unit of its y axis each) need.
        let bar_rows = self
            .panels
            .iter()
            .filter(|p| p.layers.iter().any(|l| matches!(l, Layer::HBars { .. })))
            .map(|p| p.y.range.1 - p.y.range.0)
            .filter(|r| r.is_finite())
            .fold(0.0, f64::max);
        let bars = (bar_rows.min(200.0) * BAR_ROW_PX).ceil() as u32 + CHART_CHROME_PX + 22;
        if bar_rows > 0.0 { bars.max(320) } else { 560 }
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        register_font();
        let mut out = String::new();
        {
            let root =
                SVGBackend::with_string(&mut out, (WIDTH, self.height())).into_drawing_area();
            self.draw(&root).expect("drawing to a string cannot fail");
        }
        accessible(&out, &self.title, &self.subtitle)
    }

    /// The chart as a PNG image.
    pub fn png(&self) -> Vec<u8> {
        register_font();
        png_of((WIDTH, self.height()), |root| {
            self.draw(root).expect("drawing to a buffer cannot fail")
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let room = f64::from(WIDTH) - 48.0;
        let (title, title_size) = fit(&self.title, 24.0, 18.0, room);
        root.draw(&Text::new(
            title,
            (24, 16),
            (FONT_FAMILY, title_size).into_font().color(&INK),
        ))?;
        let lines = wrap(&self.subtitle, 16.0, room, 2);
        for (i, line) in lines.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (24, 50 + 22 * i as i32),
                (FONT_FAMILY, 16).into_font().color(&MUTED),
            ))?;
        }
        let body = root.margin(80 + 22 * (lines.len().max(1) as u32 - 1), 6, 6, 6);
        let cols = self.columns.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1);
        let areas = body.split_evenly((rows, cols));
        for (panel, area) in self.panels.iter().zip(areas.iter()) {
            draw_panel(panel, area)?;
        }
        root.present()
    }
}

/// What a chart named `name` shows, in a sentence for its caption (the takeaway is in the chart
/// itself); `None` for a chart this table does not know, whose caption then gives its title.
pub fn what_it_shows(name: &str) -> Option<&'static str> {
    let known: &[(&str, &str)] = &[
        (
            "bookings-distribution",
            "How often each amount of new bookings over the horizon came up across the trials, with P10, P50, P90 and the plan marked.",
        ),
        (
            "plan-exceedance",
            "The chance of booking at least each amount over the horizon; read the plan's chance where the curve crosses the plan line.",
        ),
        (
            "cumulative-bookings-fan",
            "Bookings added up month by month: the P10-P90 and P25-P75 bands, the median, and the plan accumulated over the same months.",
        ),
        (
            "bookings-by-fiscal-year",
            "One distribution of new bookings per fiscal year, each against that year's plan and its chance of being hit.",
        ),
        (
            "arr-fan",
            "ARR at each month's end: the P10-P90 and P25-P75 bands and the median.",
        ),
        (
            "headcount-fan",
            "Reps in seat and ramp-weighted capacity by month (median and P10-P90 band of each) against the seat plan.",
        ),
        (
            "quota-attainment",
            "How individual reps in seat at each fiscal year's end did against their quota, with 100% marked.",
        ),
        (
            "vp-tenure",
            "How long VPs of Sales who left had served, and how long those still in seat at the end have served so far.",
        ),
        (
            "compare-bookings-distribution",
            "Each scenario's distribution of new bookings over the horizon, overlaid, with medians dashed and plans solid.",
        ),
        (
            "compare-bookings-cdf",
            "Each scenario's chance of booking at most each amount: a curve further right books more.",
        ),
        (
            "compare-difference",
            "Trial by trial, each scenario's bookings minus the reference's on the same random numbers; the bar at zero holds the ties.",
        ),
        (
            "compare-cumulative-bookings",
            "Cumulative bookings by month: each scenario's median and P10-P90 band (outlined in its colour).",
        ),
        (
            "compare-arr",
            "ARR by month: each scenario's median and P10-P90 band (outlined in its colour).",
        ),
        (
            "compare-headcount",
            "Reps in seat by month: each scenario's median and P10-P90 band (outlined in its colour).",
        ),
    ];
    if let Some((_, what)) = known.iter().find(|(n, _)| *n == name) {
        return Some(what);
    }
    if name.starts_with("tornado") {
        return Some(
            "Each bar: the metric with one parameter at its low and at its high setting, the others at their base values; the longest bar matters most.",
        );
    }
    if name.starts_with("p-hit-plan-by-") {
        return Some(
            "The chance of hitting plan at each value the sweep ran, with its 95% interval.",
        );
    }
    if name.contains("-by-") || name == "sweep" {
        return Some(
            "The metric at each value the sweep ran: the median as a line with points, the P10-P90 range shaded.",
        );
    }
    None
}

/// `svg` with `role="img"` on its root and a `<title>` (the chart's title) and `<desc>` (its
/// takeaway) as the root's first children: what a screen reader announces, and what a viewer
/// shows on hover.
pub fn accessible(svg: &str, title: &str, desc: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return svg.to_string();
    };
    let xml = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "{} role=\"img\">\n<title>{}</title>\n<desc>{}</desc>{}",
        &svg[..end],
        xml(title.trim()),
        xml(desc.trim()),
        &svg[end + 1..]
    )
}

/// Axis tick labels: `$45M`, `40%`, `12`, `Jan 2027`.
fn tick_label(scale: Scale, range: (f64, f64), v: f64) -> String {
    match scale {
        Scale::Usd => usd_tick(v, range),
        Scale::Share => {
            let span = range.1 - range.0;
            if span < 0.05 {
                format!("{:.1}%", v * 100.0)
            } else {
                format!("{:.0}%", v * 100.0)
            }
        }
        Scale::Count => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                // One decimal, or as many as the ticks of a narrow axis need (0.25, 0.30).
                let digits = nice_step((range.1 - range.0) / 8.0).map_or(1, |step| {
                    (-step.log10() - 1e-9).ceil().clamp(1.0, 6.0) as usize
                });
                format!("{v:.digits$}")
            }
        }
        Scale::Month(start) => month_label(start, v.round() as i32),
    }
}

/// The smallest 1, 2 or 5 times a power of ten at or above `step` (plotters puts ticks at such
/// steps, at least an eighth of the axis apart); `None` for a step that is not positive.
fn nice_step(step: f64) -> Option<f64> {
    if !(step.is_finite() && step > 0.0) {
        return None;
    }
    let power = 10f64.powf(step.log10().floor());
    let m = step / power;
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|n| m <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    Some(nice * power)
}

/// Dollars with a suffix fixed by the size of the axis and just enough decimals for its step.
fn usd_tick(v: f64, range: (f64, f64)) -> String {
    let top = range.0.abs().max(range.1.abs());
    // A range up to $1.2M reads better as $200K ... $1200K than as $0.2M ... $1.2M.
    let (scale, suffix) = if top >= 1.5e9 {
        (1e9, "B")
    } else if top >= 1.5e6 {
        (1e6, "M")
    } else if top >= 1.5e3 {
        (1e3, "K")
    } else {
        (1.0, "")
    };
    let step = (range.1 - range.0) / 8.0 / scale;
    let digits = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil().clamp(0.0, 2.0) as usize
    };
    if v.abs() < 1e-9 * scale {
        return "$0".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}${:.digits$}{suffix}", v.abs() / scale)
}

/// Monthly, quarter, half-year or year ticks for a month axis (every month when the axis spans
/// at most eight, as a backtest's few months ahead do).
fn month_ticks(range: (f64, f64), start: YearMonth) -> Vec<f64> {
    let span = range.1 - range.0;
    let every = if span <= 8.0 {
        1
    } else if span <= 15.0 {
        3
    } else if span <= 48.0 {
        6
    } else if span <= 120.0 {
        12
    } else if span <= 240.0 {
        24
    } else if span <= 600.0 {
        60
    } else {
        120
    };
    let first = range.0.ceil() as i32;
    let last = range.1.floor() as i32;
    (first..=last)
        .filter(|i| {
            let m = start.plus(*i);
            // Align ticks to calendar quarters, halves, years, or every few years.
            if every <= 12 {
                (m.month() as i32 - 1) % every == 0
            } else {
                m.month() == 1 && m.year().rem_euclid(every / 12) == 0
            }
        })
        .map(f64::from)
        .collect()
}

fn stroke(color: RGBColor, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: color.to_rgba(),
        filled: false,
        stroke_width: width,
    }
}

/// Grid lines.
const GRID: RGBColor = RGBColor(222, 222, 222);

/// A panel's plot: data coordinates on both axes.
type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What drawing into a panel can fail with.
type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws one panel: the plot area with its axes and ticks, the layers bottom to top, then the
/// legend.
fn draw_panel<DB: DrawingBackend>(p: &Panel, area: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
    let rows = row_names(&p.layers);
    let has_rows = p.layers.iter().any(|l| matches!(l, Layer::HBars { .. }));
    let y_area = if has_rows {
        row_label_area(&rows, !p.y.label.is_empty())
    } else {
        78
    };
    let mut chart = plot_area(p, area, y_area)?;
    let x_ticks = own_x_ticks(p);
    let y_ticks = own_y_ticks(p, has_rows);
    draw_mesh(
        p,
        &mut chart,
        x_ticks.is_some(),
        has_rows || y_ticks.is_some(),
    )?;
    if let Some(ticks) = &y_ticks {
        draw_y_ticks(&mut chart, area, p, ticks)?;
    }
    if has_rows {
        draw_row_names(&chart, area, p, &rows, y_area)?;
    }
    if let Some(ticks) = &x_ticks {
        draw_x_ticks(&mut chart, area, p, ticks)?;
    }
    let mut any_label = false;
    for layer in &p.layers {
        any_label |= draw_layer(&mut chart, area, p.y.range.1, &as_drawn(layer, p))?;
    }
    if any_label && p.legend != Legend::Hidden {
        draw_legend(&mut chart, p.legend)?;
    }
    Ok(())
}

/// The panel's plot area over the ranges of its axes, under its heading, with room on the left
/// for y labels (or row names: `y_area` pixels) and below for x labels.
fn plot_area<'a, DB: DrawingBackend>(
    p: &Panel,
    area: &'a DrawingArea<DB, Shift>,
    y_area: u32,
) -> DrawResult<Plot<'a, DB>, DB> {
    let mut builder = ChartBuilder::on(area);
    if let Some(h) = &p.heading {
        let room = f64::from(area.dim_in_pixel().0) - 24.0;
        let (h, size) = fit(h, 17.0, 12.0, room);
        builder.caption(h, (FONT_FAMILY, size).into_font().color(&INK));
    }
    builder
        .margin(8)
        .margin_right(28)
        .x_label_area_size(50)
        .y_label_area_size(y_area);
    builder.build_cartesian_2d(p.x.range.0..p.x.range.1, p.y.range.0..p.y.range.1)
}

/// The x ticks placed here rather than by plotters: calendar ticks of a month axis, or the
/// axis's own; `None` leaves them to plotters.
fn own_x_ticks(p: &Panel) -> Option<Vec<(f64, String)>> {
    let (x0, x1) = p.x.range;
    match p.x.scale {
        Scale::Month(start) => Some(
            month_ticks(p.x.range, start)
                .into_iter()
                .map(|t| (t, month_label(start, t as i32)))
                .collect(),
        ),
        scale if !p.x.ticks.is_empty() => Some(
            p.x.ticks
                .iter()
                .filter(|t| t.is_finite() && **t >= x0 && **t <= x1)
                .map(|&t| (t, tick_label(scale, p.x.range, t)))
                .collect(),
        ),
        _ => None,
    }
}

/// The y ticks placed here rather than by plotters: the axis's own, unless the panel names rows
/// there; `None` leaves them to plotters (or, with rows, to nobody).
fn own_y_ticks(p: &Panel, has_rows: bool) -> Option<Vec<(f64, String)>> {
    let (y0, y1) = p.y.range;
    (!p.y.ticks.is_empty() && !has_rows).then(|| {
        p.y.ticks
            .iter()
            .filter(|t| t.is_finite() && **t >= y0 && **t <= y1)
            .map(|&t| (t, tick_label(p.y.scale, p.y.range, t)))
            .collect()
    })
}

/// The axes, their titles, and the grid and labels of the ticks plotters places; `own_x` and
/// `own_y` leave an axis's grid and labels to the panel.
fn draw_mesh<DB: DrawingBackend>(
    p: &Panel,
    chart: &mut Plot<'_, DB>,
    own_x: bool,
    own_y: bool,
) -> DrawResult<(), DB> {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let (xr, yr) = (p.x.range, p.y.range);
    let xfmt = move |v: &f64| tick_label(xs, xr, *v);
    let yfmt = move |v: &f64| tick_label(ys, yr, *v);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(RGBColor(160, 160, 160))
        .label_style((FONT_FAMILY, 13).into_font().color(&MUTED))
        .axis_desc_style((FONT_FAMILY, 14).into_font().color(&INK))
        .x_desc(p.x.label.as_str())
        .y_desc(p.y.label.as_str())
        .y_labels(7)
        .y_label_formatter(&yfmt);
    if own_x {
        mesh.disable_x_mesh().x_labels(0);
    } else {
        mesh.x_labels(9).x_label_formatter(&xfmt);
    }
    if own_y {
        mesh.disable_y_mesh().y_labels(0);
    }
    mesh.draw()
}

/// Grid lines across the panel at the y axis's own ticks, and their labels left of the axis.
fn draw_y_ticks<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    ticks: &[(f64, String)],
) -> DrawResult<(), DB> {
    let (x0, x1) = p.x.range;
    chart.draw_series(
        ticks
            .iter()
            .map(|&(t, _)| PathElement::new(vec![(x0, t), (x1, t)], stroke(GRID, 1))),
    )?;
    let base = area.get_base_pixel();
    let style = (FONT_FAMILY, 13)
        .into_font()
        .color(&MUTED)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (t, label) in ticks {
        let (px, py) = chart.backend_coord(&(x0, *t));
        area.draw(&Text::new(
            label.clone(),
            (px - base.0 - 10, py - base.1),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// The names of the rows of horizontal bars, right-aligned against the axis and fitted to the
/// label area of `y_area` pixels.
fn draw_row_names<DB: DrawingBackend>(
    chart: &Plot<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    rows: &[String],
    y_area: u32,
) -> DrawResult<(), DB> {
    let (x0, y1) = (p.x.range.0, p.y.range.1);
    let base = area.get_base_pixel();
    let room = f64::from(y_area) - ROW_LABEL_PAD - if p.y.label.is_empty() { 0.0 } else { 24.0 };
    for (i, name) in rows.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let (text, size) = fit(name, 13.0, 12.0, room);
        let style = (FONT_FAMILY, size)
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        let (px, py) = chart.backend_coord(&(x0, y1 - i as f64 - 0.5));
        area.draw(&Text::new(text, (px - base.0 - 10, py - base.1), style))?;
    }
    Ok(())
}

/// Grid lines up the panel at the x ticks placed here, and their labels under the axis.
fn draw_x_ticks<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    ticks: &[(f64, String)],
) -> DrawResult<(), DB> {
    let (y0, y1) = p.y.range;
    chart.draw_series(
        ticks
            .iter()
            .map(|&(t, _)| PathElement::new(vec![(t, y0), (t, y1)], stroke(GRID, 1))),
    )?;
    let base = area.get_base_pixel();
    let style = (FONT_FAMILY, 13)
        .into_font()
        .color(&MUTED)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (t, label) in ticks {
        let (px, py) = chart.backend_coord(&(*t, y0));
        area.draw(&Text::new(
            label.clone(),
            (px - base.0, py - base.1 + 6),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// A marker line as what it is drawn as: a two-point line from one edge of the panel to the
/// other. Any other layer as it is.
fn as_drawn<'l>(layer: &'l Layer, p: &Panel) -> Cow<'l, Layer> {
    let (x0, x1) = p.x.range;
    let (y0, y1) = p.y.range;
    let line = |x: Vec<f64>, y: Vec<f64>, color: &RGBColor, width: &u32, dashed: &bool, label| {
        Cow::Owned(Layer::Line {
            x,
            y,
            color: *color,
            width: *width,
            dashed: *dashed,
            label: Option::clone(label),
        })
    };
    match layer {
        Layer::VLine {
            x,
            color,
            width,
            dashed,
            label,
        } => line(vec![*x, *x], vec![y0, y1], color, width, dashed, label),
        Layer::HLine {
            y,
            color,
            width,
            dashed,
            label,
        } => line(vec![x0, x1], vec![*y, *y], color, width, dashed, label),
        other => Cow::Borrowed(other),
    }
}

/// Draws one layer (marker lines already turned into lines, see [`as_drawn`]) in a panel whose
/// y axis ends at `y1`; true if it adds a legend entry.
fn draw_layer<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    area: &DrawingArea<DB, Shift>,
    y1: f64,
    layer: &Layer,
) -> DrawResult<bool, DB> {
    match layer {
        Layer::Band {
            x,
            lo,
            hi,
            color,
            opacity,
            label,
        } => draw_band(chart, (x, lo, hi), color.mix(*opacity).filled(), label),
        Layer::Line {
            x,
            y,
            color,
            width,
            dashed,
            label,
        } => draw_line(chart, (x, y), stroke(*color, *width), *dashed, label),
        Layer::Bars {
            left,
            right,
            height,
            color,
            opacity,
            label,
        } => draw_bars(
            chart,
            (left, right, height),
            color.mix(*opacity).filled(),
            label,
        ),
        Layer::Points {
            x,
            y,
            color,
            radius,
            label,
        } => draw_points(chart, (x, y), color.filled(), *radius, label),
        Layer::HBars {
            from,
            to,
            notes,
            slot,
            color,
            opacity,
            label,
            ..
        } => {
            let bars: Vec<(usize, f64, f64)> = from
                .iter()
                .zip(to)
                .enumerate()
                .filter(|(_, (f, t))| f.is_finite() && t.is_finite())
                .map(|(i, (f, t))| (i, *f, *t))
                .collect();
            let slot = (slot.0.clamp(0.0, 1.0), slot.1.clamp(0.0, 1.0));
            let fill = color.mix(*opacity).filled();
            let labelled = draw_hbars(chart, y1, &bars, slot, fill, label)?;
            draw_bar_notes(chart, area, y1, &bars, slot, notes)?;
            Ok(labelled)
        }
        Layer::VLine { .. } | Layer::HLine { .. } => {
            unreachable!("marker lines are drawn as lines")
        }
    }
}

/// Gives a drawn series its legend entry, if it has a label: the label beside `sample`. True if
/// it did.
fn legend_entry<'a, DB, E>(
    series: &mut SeriesAnno<'a, DB>,
    label: &Option<String>,
    sample: impl Fn((i32, i32)) -> E + 'a,
) -> bool
where
    DB: DrawingBackend + 'a,
    E: IntoDynElement<'a, DB, (i32, i32)>,
{
    let Some(l) = label else {
        return false;
    };
    series.label(l).legend(sample);
    true
}

/// A band: the polygon along `hi` and back along `lo`.
fn draw_band<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    (x, lo, hi): (&[f64], &[f64], &[f64]),
    fill: ShapeStyle,
    label: &Option<String>,
) -> DrawResult<bool, DB> {
    let mut pts: Vec<(f64, f64)> = x.iter().copied().zip(hi.iter().copied()).collect();
    pts.extend(x.iter().copied().zip(lo.iter().copied()).rev());
    let s = chart.draw_series(std::iter::once(Polygon::new(pts, fill)))?;
    Ok(legend_entry(s, label, move |(x, y)| legend_box(x, y, fill)))
}

/// A polyline, solid or dashed.
fn draw_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    (x, y): (&[f64], &[f64]),
    st: ShapeStyle,
    dashed: bool,
    label: &Option<String>,
) -> DrawResult<bool, DB> {
    let pts: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    let s = if dashed {
        chart.draw_series(std::iter::once(DashedPathElement::new(pts, 8, 5, st)))?
    } else {
        chart.draw_series(std::iter::once(PathElement::new(pts, st)))?
    };
    Ok(legend_entry(s, label, move |(x, y)| {
        legend_line::<DB>(x, y, st, dashed)
    }))
}

/// Histogram bars from 0 up; bars of no height are left out.
fn draw_bars<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    (left, right, height): (&[f64], &[f64], &[f64]),
    fill: ShapeStyle,
    label: &Option<String>,
) -> DrawResult<bool, DB> {
    let s = chart.draw_series(
        left.iter()
            .zip(right)
            .zip(height)
            .filter(|(_, h)| **h > 0.0)
            .map(|((l, r), h)| Rectangle::new([(*l, 0.0), (*r, *h)], fill)),
    )?;
    Ok(legend_entry(s, label, move |(x, y)| legend_box(x, y, fill)))
}

/// Point markers with a white rim; points with a value that is not finite are left out.
fn draw_points<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    (x, y): (&[f64], &[f64]),
    fill: ShapeStyle,
    r: u32,
    label: &Option<String>,
) -> DrawResult<bool, DB> {
    let rim = WHITE.filled();
    let pts: Vec<(f64, f64)> = x
        .iter()
        .copied()
        .zip(y.iter().copied())
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    chart.draw_series(pts.iter().map(|p| Circle::new(*p, r + 2, rim)))?;
    let s = chart.draw_series(pts.iter().map(|p| Circle::new(*p, r, fill)))?;
    Ok(legend_entry(s, label, move |(x, y)| {
        Circle::new((x + 10, y), r, fill)
    }))
}

/// Horizontal bars `(row, from, to)` in the part `slot` of their rows, counted down from the top
/// of the y axis at `y1`; bars of no length are left out.
fn draw_hbars<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    y1: f64,
    bars: &[(usize, f64, f64)],
    (top, bottom): (f64, f64),
    fill: ShapeStyle,
    label: &Option<String>,
) -> DrawResult<bool, DB> {
    let s = chart.draw_series(bars.iter().filter(|(_, f, t)| f != t).map(|&(i, f, t)| {
        let row_top = y1 - i as f64;
        Rectangle::new([(f, row_top - top), (t, row_top - bottom)], fill)
    }))?;
    Ok(legend_entry(s, label, move |(x, y)| legend_box(x, y, fill)))
}

/// The note of each horizontal bar just past its `to` end, on the side the bar points to.
fn draw_bar_notes<DB: DrawingBackend>(
    chart: &Plot<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    y1: f64,
    bars: &[(usize, f64, f64)],
    (top, bottom): (f64, f64),
    notes: &[String],
) -> DrawResult<(), DB> {
    let base = area.get_base_pixel();
    let style = (FONT_FAMILY, 12).into_font().color(&MUTED);
    for &(i, f, t) in bars {
        let Some(note) = notes.get(i).filter(|n| !n.is_empty()) else {
            continue;
        };
        let (px, py) = chart.backend_coord(&(t, y1 - i as f64 - (top + bottom) / 2.0));
        let (dx, h) = if t >= f {
            (6, HPos::Left)
        } else {
            (-6, HPos::Right)
        };
        area.draw(&Text::new(
            note.clone(),
            (px - base.0 + dx, py - base.1),
            style.clone().pos(Pos::new(h, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// The legend of the panel's labelled layers, in the corner `legend` names.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Plot<'a, DB>,
    legend: Legend,
) -> DrawResult<(), DB> {
    let pos = match legend {
        Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
        Legend::UpperRight => SeriesLabelPosition::UpperRight,
        Legend::LowerRight => SeriesLabelPosition::LowerRight,
        Legend::LowerLeft | Legend::Hidden => SeriesLabelPosition::LowerLeft,
    };
    chart
        .configure_series_labels()
        .position(pos)
        .margin(10)
        .label_font((FONT_FAMILY, 13).into_font().color(&INK))
        .background_style(WHITE.mix(0.88))
        .border_style(RGBColor(200, 200, 200))
        .draw()
}

/// Pixels between the row names of horizontal bars and the edges of their label area.
const ROW_LABEL_PAD: f64 = 22.0;

/// The name of each row of a panel's horizontal bars: the first non-empty name any bar layer
/// gives it.
fn row_names(layers: &[Layer]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for l in layers {
        if let Layer::HBars { names: n, .. } = l {
            if names.len() < n.len() {
                names.resize(n.len(), String::new());
            }
            for (slot, name) in names.iter_mut().zip(n) {
                if slot.is_empty() {
                    slot.clone_from(name);
                }
            }
        }
    }
    names
}

/// Width in pixels of the left label area that holds row names (at most 300; longer names are
/// cut), and room for the axis title if there is one.
fn row_label_area(names: &[String], titled: bool) -> u32 {
    let widest = names
        .iter()
        .map(|n| text_width(n, 13.0))
        .fold(0.0, f64::max);
    let title = if titled { 24.0 } else { 0.0 };
    (widest + ROW_LABEL_PAD + title).clamp(78.0, 300.0).ceil() as u32
}

/// A legend sample of a filled area.
fn legend_box(x: i32, y: i32, fill: ShapeStyle) -> Rectangle<(i32, i32)> {
    Rectangle::new([(x, y - 6), (x + 20, y + 6)], fill)
}

/// A legend sample of a line, dashed like the line it stands for.
fn legend_line<DB: DrawingBackend>(
    x: i32,
    y: i32,
    st: ShapeStyle,
    dashed: bool,
) -> DynElement<'static, DB, (i32, i32)> {
    if dashed {
        DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 3, st).into_dyn()
    } else {
        PathElement::new(vec![(x, y), (x + 20, y)], st).into_dyn()
    }
}

/// Width of `text` drawn at plotters size `size`, in pixels, measured with the bundled font
/// (the SVG and PNG backends draw at `size / 1.24` CSS pixels).
pub fn text_width(text: &str, size: f64) -> f64 {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
    let font = FontRef::try_from_slice(FONT).expect("the bundled font parses");
    let em = (size / 1.24) as f32;
    let scale = PxScale::from(em * font.height_unscaled() / font.units_per_em().unwrap_or(2048.0));
    let scaled = font.as_scaled(scale);
    let mut width = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    f64::from(width)
}

/// `text` at the largest size from `size` down to `min` that fits `room` pixels, cut with an
/// ellipsis if even `min` does not fit.
pub fn fit(text: &str, size: f64, min: f64, room: f64) -> (String, f64) {
    let mut s = size;
    while s > min && text_width(text, s) > room {
        s -= 1.0;
    }
    if text_width(text, s) <= room {
        return (text.to_string(), s);
    }
    let mut cut: String = text.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), s) > room {
        cut.pop();
    }
    (format!("{}…", cut.trim_end()), s)
}

/// `text` broken at spaces into at most `max_lines` lines of `room` pixels; the last line is cut
/// with an ellipsis if the text does not fit.
pub fn wrap(text: &str, size: f64, room: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if text_width(&candidate, size) <= room || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    if let Some(last) = lines.last_mut()
        && text_width(last, size) > room
    {
        *last = fit(last, size, size, room).0;
    }
    lines
}

/// Histogram of `values` in `bins` equal bins over `range`, as shares of all values.
pub fn histogram(values: &[f64], range: (f64, f64), bins: usize) -> Layer {
    let (lo, hi) = range;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for &v in values {
        if v.is_finite() {
            let i = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
            counts[i] += 1;
        }
    }
    let n = values.len().max(1) as f64;
    Layer::Bars {
        left: (0..bins).map(|i| lo + i as f64 * width).collect(),
        right: (0..bins).map(|i| lo + (i + 1) as f64 * width).collect(),
        height: counts.iter().map(|c| *c as f64 / n).collect(),
        color: PALETTE[0],
        opacity: 0.75,
        label: None,
    }
}

/// A range that holds `values` (and `extra` points such as the plan), padded by 4% each side.
pub fn padded_range(values: &[f64], extra: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values.iter().chain(extra) {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 * hi.abs().max(1.0) {
        let pad = (hi.abs() * 0.05).max(1.0);
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.04;
    (lo - pad, hi + pad)
}

/// The top of a y axis that starts at 0 and holds `max`, with 8% headroom for the legend.
pub fn headroom(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// `$1.2M`-style money for legends and captions.
pub fn usd(v: f64) -> String {
    crate::words::usd(v)
}

/// A `w` x `h` RGB PNG of what `draw` draws on a white bitmap with the bundled font: every
/// chart's PNG (the line and bar charts, the heatmaps).
pub(crate) fn png_of(
    (w, h): (u32, u32),
    draw: impl FnOnce(&DrawingArea<bitmap::Bitmap<'_>, Shift>),
) -> Vec<u8> {
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = bitmap::Bitmap::new(&mut rgb, (w, h), FONT).into_drawing_area();
        draw(&root);
    }
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().expect("PNG header into memory");
    writer.write_image_data(&rgb).expect("PNG data into memory");
    writer.finish().expect("PNG end into memory");
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_like_a_cfo_would_write_them() {
        assert_eq!(usd_tick(45e6, (40e6, 60e6)), "$45M");
        assert_eq!(usd_tick(2.5e6, (0.0, 4e6)), "$2.5M");
        assert_eq!(usd_tick(90e6, (0.0, 150e6)), "$90M");
        assert_eq!(tick_label(Scale::Share, (0.0, 1.0), 0.4), "40%");
        assert_eq!(tick_label(Scale::Count, (0.0, 30.0), 2.5), "2.5");
        assert_eq!(tick_label(Scale::Count, (0.24, 0.41), 0.25), "0.25");
        assert_eq!(tick_label(Scale::Count, (0.24, 0.41), 0.3), "0.30");
        assert_eq!(tick_label(Scale::Count, (0.7, 1.3), 0.9), "0.9");
        assert_eq!(tick_label(Scale::Count, (45.0, 95.0), 60.0), "60");
        let start = YearMonth::new(2027, 1).unwrap();
        assert_eq!(month_label(start, 13), "Feb 2028");
        assert_eq!(
            month_ticks((0.0, 35.0), start),
            vec![0.0, 6.0, 12.0, 18.0, 24.0, 30.0]
        );
        // A backtest's three months ahead from February: each month, not just the quarter.
        let feb = YearMonth::new(2024, 2).unwrap();
        assert_eq!(month_ticks((-0.3, 2.3), feb), vec![0.0, 1.0, 2.0]);
        assert_eq!(month_ticks((0.0, 11.0), start), vec![0.0, 3.0, 6.0, 9.0]);
    }

    #[test]
    fn the_bundled_font_draws_text() {
        let chart = Chart {
            name: "t".into(),
            title: "Title".into(),
            subtitle: "Subtitle".into(),
            panels: vec![Panel {
                heading: None,
                x: Axis::new("x", Scale::Usd, (0.0, 1e6)),
                y: Axis::new("y", Scale::Share, (0.0, 1.0)),
                layers: vec![histogram(&[1e5, 2e5, 2e5], (0.0, 1e6), 10)],
                legend: Legend::UpperRight,
            }],
            columns: 1,
        };
        let png = chart.png();
        assert_eq!(&png[1..4], b"PNG");
        let svg = chart.svg();
        assert!(svg.contains("Title") && svg.contains("$200K"), "{svg}");
        // Accessible: a title and a description first thing inside the root.
        let root = svg.find("<svg").unwrap();
        let inner = &svg[svg[root..].find('>').unwrap() + root + 1..];
        assert!(
            inner
                .trim_start()
                .starts_with("<title>Title</title>\n<desc>Subtitle</desc>"),
            "{svg}"
        );
        assert!(svg[root..].starts_with("<svg ") && svg.contains(" role=\"img\">"));
        // Text names the bundled font first, the one its widths are measured with.
        assert!(
            svg.contains("font-family=\"DejaVu Sans, "),
            "text must name the measured font: {svg}"
        );
        assert_eq!(
            accessible("<svg a=\"1\">\n<g/></svg>", "A < B", "x & y"),
            "<svg a=\"1\" role=\"img\">\n<title>A &lt; B</title>\n<desc>x &amp; y</desc>\n<g/></svg>"
        );
    }
}
