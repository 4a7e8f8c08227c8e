//! A heatmap: one metric over the grid of two varied settings.
//!
//! `revsim sweep` with two `--vary` draws one ([`Heatmap`]) per headline metric: a cell per
//! combination of the settings' values, coloured on a sequential scale (viridis: perceptually
//! uniform, readable in grey and with the common forms of colour blindness) with a colour bar
//! for its legend, and the cell's value written in it when it fits. The axes are categories:
//! each value the sweep ran gets a column (or row) of the same size, labelled as the caller
//! writes it (`20%`, `$30K`, `4.5`).
//!
//! It is drawn with the same backends, font, title and takeaway as every other chart
//! ([`super::Chart`]), but lays its cells out itself in pixels: plotters' mesh has no notion
//! of a category axis.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT_FAMILY, INK, MUTED, Scale, WIDTH, fit, nice_step, text_width, wrap};

/// One axis of a heatmap: its title and the label of each category, lowest first (left to
/// right on x, bottom to top on y).
#[derive(Debug, Clone)]
pub struct HeatAxis {
    /// Axis title.
    pub label: String,
    /// One label per column (x) or row (y).
    pub ticks: Vec<String>,
}

/// A metric over the grid of two settings.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// File stem: `charts/<name>.svg` and `.png`.
    pub name: String,
    /// Title.
    pub title: String,
    /// The takeaway, one or two lines.
    pub subtitle: String,
    /// The columns.
    pub x: HeatAxis,
    /// The rows.
    pub y: HeatAxis,
    /// `values[row][column]`; `NaN` where the grid has no value (drawn grey, marked "–").
    pub values: Vec<Vec<f64>>,
    /// What the colour shows, the colour bar's title ("P(hit plan)").
    pub legend: String,
    /// How values read: `Share` as 44%, `Usd` as $87.4M, anything else as a number.
    pub scale: Scale,
}

/// Viridis (matplotlib's default sequential map) at nine even stops, dark to light.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The colour of `t` in 0..1 on the viridis scale (clamped).
pub fn color(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let at = t * (VIRIDIS.len() - 1) as f64;
    let i = (at.floor() as usize).min(VIRIDIS.len() - 2);
    let f = at - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text that reads on a cell of colour `c`: white on dark cells, ink on light ones.
fn ink_on(c: RGBColor) -> RGBColor {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
    // The luminance where white and ink text have the same contrast.
    if luminance < 0.18 { WHITE } else { INK }
}

/// A cell value as written in the cell and in the description: `44%`, `$87.4M`, `45.5`.
pub fn show(v: f64, scale: Scale) -> String {
    match scale {
        _ if !v.is_finite() => "–".into(),
        Scale::Usd => crate::words::usd(v),
        Scale::Share => crate::words::pct(v),
        _ => crate::words::count(v),
    }
}

/// Chart height when the rows fit the default plot (as tall as the other charts).
const BASE_HEIGHT: u32 = 560;
/// Least height of a row, pixels: a tick label's line.
const MIN_ROW_PX: f64 = 22.0;
/// Pixels below the plot: x tick labels and the axis title.
const BOTTOM_PX: f64 = 74.0;
/// Colour bar width, pixels.
const BAR_PX: f64 = 22.0;

/// Where everything goes, in pixels.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Plot area: left, top, right, bottom.
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    /// Left edge of the colour bar.
    bar_left: f64,
}

impl Heatmap {
    fn columns(&self) -> usize {
        self.x.ticks.len().max(1)
    }

    fn rows(&self) -> usize {
        self.y.ticks.len().max(1)
    }

    /// The value at `row`, `column`; `NaN` if missing.
    fn at(&self, row: usize, column: usize) -> f64 {
        self.values
            .get(row)
            .and_then(|r| r.get(column))
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(f64::NAN)
    }

    /// Pixels above the plot: title, takeaway and a gap.
    fn top_px(&self) -> f64 {
        let lines = wrap(&self.subtitle, 16.0, f64::from(WIDTH) - 48.0, 2)
            .len()
            .max(1);
        96.0 + 22.0 * (lines - 1) as f64
    }

    /// Height in pixels: the other charts' height, taller when the rows need it.
    pub fn height(&self) -> u32 {
        let base = f64::from(BASE_HEIGHT) - self.top_px() - BOTTOM_PX;
        let need = MIN_ROW_PX * self.rows() as f64;
        if need <= base {
            BASE_HEIGHT
        } else {
            (f64::from(BASE_HEIGHT) + need - base).ceil() as u32
        }
    }

    /// The colour scale's range: the values' own, widened to round ends (shares within
    /// 0-100%), so that the colours use the whole scale and the bar's ends are round numbers.
    pub fn range(&self) -> (f64, f64) {
        let vals: Vec<f64> = self.values.iter().flatten().copied().collect();
        let (lo, hi) = vals
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let (lo, hi) = if hi - lo < 1e-12 * hi.abs().max(1e-12) {
            let pad = if self.scale == Scale::Share {
                0.05
            } else {
                (hi.abs() * 0.05).max(1.0)
            };
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let step = nice_step((hi - lo) / 10.0).unwrap_or(1.0);
        let (mut a, mut b) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        if self.scale == Scale::Share {
            a = a.max(0.0);
            b = b.min(1.0);
        }
        (a, b)
    }

    /// Ticks of the colour bar over `range`.
    fn bar_ticks(&self, range: (f64, f64)) -> Vec<f64> {
        // At most seven: both ends of the bar are ticked when they are on the step.
        let step = nice_step((range.1 - range.0) / 6.0).unwrap_or(1.0);
        let first = (range.0 / step).ceil() as i64;
        let last = (range.1 / step + 1e-9).floor() as i64;
        (first..=last).map(|k| k as f64 * step).collect()
    }

    fn bar_label(&self, range: (f64, f64), v: f64) -> String {
        super::tick_label(self.scale, range, v)
    }

    fn layout(&self) -> Layout {
        let tick_w = self
            .y
            .ticks
            .iter()
            .map(|t| text_width(t, 13.0))
            .fold(0.0, f64::max);
        let range = self.range();
        let bar_w = self
            .bar_ticks(range)
            .iter()
            .map(|v| text_width(&self.bar_label(range, *v), 13.0))
            .fold(0.0, f64::max);
        // Page margin, axis title, gap, tick labels, gap.
        let left = (24.0 + 22.0 + 10.0 + tick_w + 10.0).min(360.0);
        // Gap, bar, tick marks and labels, the bar's title, page margin.
        let right_room = 28.0 + BAR_PX + 6.0 + bar_w + 12.0 + 22.0 + 20.0;
        let right = f64::from(WIDTH) - right_room;
        let top = self.top_px();
        let bottom = f64::from(self.height()) - BOTTOM_PX;
        Layout {
            left,
            top,
            right,
            bottom,
            bar_left: right + 28.0,
        }
    }

    /// Which tick labels of an axis of `n` categories `cell` pixels apart are drawn: every
    /// `k`-th, `k` the least that keeps labels `need` pixels wide apart.
    fn every(n: usize, cell: f64, need: f64) -> usize {
        (1..=n.max(1))
            .find(|k| cell * *k as f64 >= need)
            .unwrap_or(n.max(1))
    }

    /// The size the cells' values are written at: the largest from 20 down to 11 at which
    /// every value fits its cell of `w` by `h` pixels; `None` when even 11 does not (then no
    /// cell has its value, rather than some: a grid with gaps reads as missing data).
    fn cell_font(&self, w: f64, h: f64) -> Option<f64> {
        let texts: Vec<String> = self
            .values
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .map(|v| show(*v, self.scale))
            .collect();
        (11..=20)
            .rev()
            .map(f64::from)
            .find(|s| s / 1.24 + 6.0 <= h && texts.iter().all(|t| text_width(t, *s) + 8.0 <= w))
    }

    /// What the chart says, as plain text (what tests pin): title, axes, each row's values
    /// and the colour scale.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "heatmap {}: {}\n{}\nx: {} [{}]\ny: {} [{}]\n",
            self.name,
            self.title,
            self.subtitle,
            self.x.label,
            self.x.ticks.join(", "),
            self.y.label,
            self.y.ticks.join(", ")
        );
        for r in (0..self.rows()).rev() {
            let cells: Vec<String> = (0..self.columns())
                .map(|c| show(self.at(r, c), self.scale))
                .collect();
            out.push_str(&format!(
                "  {}: {}\n",
                self.y.ticks.get(r).map_or("", String::as_str),
                cells.join(" | ")
            ));
        }
        let range = self.range();
        out.push_str(&format!(
            "colour: {} from {} to {}\n",
            self.legend,
            self.bar_label(range, range.0),
            self.bar_label(range, range.1)
        ));
        out
    }

    /// The heatmap as an SVG document.
    pub fn svg(&self) -> String {
        super::register_font();
        let mut out = String::new();
        {
            let root =
                SVGBackend::with_string(&mut out, (WIDTH, self.height())).into_drawing_area();
            self.draw(&root).expect("drawing to a string cannot fail");
        }
        out
    }

    /// The heatmap as a PNG image.
    pub fn png(&self) -> Vec<u8> {
        super::register_font();
        super::png_of((WIDTH, self.height()), |root| {
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
        for (i, line) in wrap(&self.subtitle, 16.0, room, 2).iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (24, 50 + 22 * i as i32),
                (FONT_FAMILY, 16).into_font().color(&MUTED),
            ))?;
        }
        let l = self.layout();
        self.draw_cells(root, &l)?;
        self.draw_axes(root, &l)?;
        self.draw_bar(root, &l)?;
        root.present()
    }

    /// The cells, each with its value when it fits, separated by white lines.
    fn draw_cells<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        l: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (nx, ny) = (self.columns(), self.rows());
        let cw = (l.right - l.left) / nx as f64;
        let ch = (l.bottom - l.top) / ny as f64;
        let range = self.range();
        let size = self.cell_font(cw, ch);
        for r in 0..ny {
            for c in 0..nx {
                let v = self.at(r, c);
                let x0 = l.left + c as f64 * cw;
                // Row 0 at the bottom.
                let y0 = l.bottom - (r + 1) as f64 * ch;
                let fill = if v.is_finite() {
                    color((v - range.0) / (range.1 - range.0))
                } else {
                    RGBColor(232, 232, 232)
                };
                root.draw(&Rectangle::new(
                    [
                        (x0.round() as i32, y0.round() as i32),
                        ((x0 + cw).round() as i32, (y0 + ch).round() as i32),
                    ],
                    fill.filled(),
                ))?;
                let text = if v.is_finite() {
                    size.map(|s| (show(v, self.scale), s))
                } else {
                    Some(("–".to_string(), size.unwrap_or(11.0)))
                };
                if let Some((text, size)) = text {
                    let ink = if v.is_finite() { ink_on(fill) } else { MUTED };
                    root.draw(&Text::new(
                        text,
                        (
                            (x0 + cw / 2.0).round() as i32,
                            (y0 + ch / 2.0).round() as i32,
                        ),
                        (FONT_FAMILY, size)
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))?;
                }
            }
        }
        // White lines between the cells.
        let white = ShapeStyle::from(&WHITE).stroke_width(2);
        for c in 1..nx {
            let x = (l.left + c as f64 * cw).round() as i32;
            root.draw(&PathElement::new(
                vec![(x, l.top.round() as i32), (x, l.bottom.round() as i32)],
                white,
            ))?;
        }
        for r in 1..ny {
            let y = (l.bottom - r as f64 * ch).round() as i32;
            root.draw(&PathElement::new(
                vec![(l.left.round() as i32, y), (l.right.round() as i32, y)],
                white,
            ))?;
        }
        Ok(())
    }

    /// Tick labels at each column and row (every k-th when they would touch), and the axis
    /// titles.
    fn draw_axes<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        l: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (nx, ny) = (self.columns(), self.rows());
        let cw = (l.right - l.left) / nx as f64;
        let ch = (l.bottom - l.top) / ny as f64;
        let tick = (FONT_FAMILY, 13).into_font().color(&INK);
        let widest = self
            .x
            .ticks
            .iter()
            .map(|t| text_width(t, 13.0))
            .fold(0.0, f64::max);
        let kx = Self::every(nx, cw, widest + 12.0);
        for (c, t) in self.x.ticks.iter().enumerate().filter(|(c, _)| c % kx == 0) {
            let x = (l.left + (c as f64 + 0.5) * cw).round() as i32;
            root.draw(&Text::new(
                fit(t, 13.0, 13.0, cw * kx as f64 - 8.0).0,
                (x, (l.bottom + 8.0) as i32),
                tick.clone().pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        let ky = Self::every(ny, ch, 18.0);
        for (r, t) in self.y.ticks.iter().enumerate().filter(|(r, _)| r % ky == 0) {
            let y = (l.bottom - (r as f64 + 0.5) * ch).round() as i32;
            root.draw(&Text::new(
                t.clone(),
                ((l.left - 10.0) as i32, y),
                tick.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        // Each title at the size that fits its side (drawn at that size, cut if even 12 does
        // not fit).
        let (x_title, x_size) = fit(&self.x.label, 15.0, 12.0, l.right - l.left);
        root.draw(&Text::new(
            x_title,
            (((l.left + l.right) / 2.0) as i32, (l.bottom + 38.0) as i32),
            (FONT_FAMILY, x_size)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        // Along the rows, with room to spare at either end.
        let (y_title, y_size) = fit(&self.y.label, 15.0, 12.0, (l.bottom - l.top) * 0.9);
        root.draw(&Text::new(
            y_title,
            (28, ((l.top + l.bottom) / 2.0) as i32),
            (FONT_FAMILY, y_size)
                .into_font()
                .color(&INK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        Ok(())
    }

    /// The colour bar: the scale from its low end (bottom) to its high end, ticked, with its
    /// title beside it.
    fn draw_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        l: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let range = self.range();
        let (x0, x1) = (l.bar_left, l.bar_left + BAR_PX);
        let (top, bottom) = (l.top, l.bottom);
        let steps = (bottom - top).max(1.0) as usize;
        for k in 0..steps {
            let y = bottom - k as f64 - 1.0;
            root.draw(&Rectangle::new(
                [
                    (x0 as i32, y.round() as i32),
                    (x1 as i32, (y + 1.0).round() as i32),
                ],
                color((k as f64 + 0.5) / steps as f64).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x0 as i32, top as i32), (x1 as i32, bottom.round() as i32)],
            ShapeStyle::from(&MUTED).stroke_width(1),
        ))?;
        let tick = (FONT_FAMILY, 13).into_font().color(&INK);
        let mut widest: f64 = 0.0;
        for v in self.bar_ticks(range) {
            let y = bottom - (v - range.0) / (range.1 - range.0) * (bottom - top);
            let y = y.round() as i32;
            root.draw(&PathElement::new(
                vec![(x1 as i32, y), (x1 as i32 + 5, y)],
                ShapeStyle::from(&MUTED).stroke_width(1),
            ))?;
            let label = self.bar_label(range, v);
            widest = widest.max(text_width(&label, 13.0));
            root.draw(&Text::new(
                label,
                (x1 as i32 + 8, y),
                tick.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        // Turned a quarter clockwise, the text's foot faces left: anchored there, it stays
        // clear of the tick labels.
        let (legend, size) = fit(&self.legend, 15.0, 12.0, (bottom - top) * 0.9);
        root.draw(&Text::new(
            legend,
            (
                (x1 + 8.0 + widest + 12.0) as i32,
                ((top + bottom) / 2.0) as i32,
            ),
            (FONT_FAMILY, size)
                .into_font()
                .color(&INK)
                .transform(FontTransform::Rotate90)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of each `<text>` element of an SVG.
    pub(crate) fn texts(svg: &str) -> Vec<String> {
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

    fn grid() -> Heatmap {
        let xs: [f64; 4] = [0.20, 0.25, 0.30, 0.35];
        let ys: [f64; 3] = [3.5, 4.0, 4.5];
        Heatmap {
            name: "heatmap-p-hit-plan".into(),
            title: "Chance of hitting the plan by attrition and opportunities".into(),
            subtitle: "Each cell is one variant; the chance rises with opportunities and falls with attrition.".into(),
            x: HeatAxis {
                label: "Annual attrition (attrition.annual_rate)".into(),
                ticks: xs.iter().map(|x| format!("{:.0}%", x * 100.0)).collect(),
            },
            y: HeatAxis {
                label: "opportunities_per_rep_month".into(),
                ticks: ys.iter().map(|y| format!("{y}")).collect(),
            },
            values: ys
                .iter()
                .map(|y| {
                    xs.iter()
                        .map(|x| ((y - 3.0) * 0.5 - x).clamp(0.0, 1.0))
                        .collect()
                })
                .collect(),
            legend: "P(hit plan)".into(),
            scale: Scale::Share,
        }
    }

    #[test]
    fn the_scale_runs_dark_to_light() {
        let lum = |c: RGBColor| {
            0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
        };
        let stops: Vec<f64> = (0..=20).map(|k| lum(color(k as f64 / 20.0))).collect();
        assert!(stops.windows(2).all(|w| w[0] < w[1]), "{stops:?}");
        assert_eq!(color(-1.0), color(0.0));
        assert_eq!(color(f64::NAN), color(0.0));
        assert_eq!(ink_on(color(0.0)), WHITE);
        assert_eq!(ink_on(color(1.0)), INK);
    }

    #[test]
    fn a_heatmap_writes_every_value_and_names_its_axes() {
        let h = grid();
        let (lo, hi) = h.range();
        assert!(lo == 0.0 && (hi - 0.6).abs() < 1e-12, "{lo} {hi}");
        let svg = h.svg();
        if let Ok(dir) = std::env::var("REVSIM_CHART_DIR") {
            std::fs::create_dir_all(&dir).expect("chart directory");
            std::fs::write(format!("{dir}/{}.svg", h.name), &svg).expect("write SVG");
            std::fs::write(format!("{dir}/{}.png", h.name), h.png()).expect("write PNG");
        }
        for text in [
            "Annual attrition (attrition.annual_rate)",
            "opportunities_per_rep_month",
            "P(hit plan)",
            "20%",
            "35%",
            "4.5",
            "60%",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        // Every cell's value is written in it: (4.5 - 3) * 0.5 - 0.2 = 55%.
        assert!(texts(&svg).iter().any(|t| t == "55%"), "55% missing");
        let png = h.png();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let info = decoder.read_info().expect("PNG header");
        assert_eq!((info.info().width, info.info().height), (WIDTH, h.height()));
        let d = h.describe();
        assert!(d.contains("4.5: 55% | 50% | 45% | 40%"), "{d}");
    }

    #[test]
    fn a_heatmap_survives_odd_grids() {
        let mut h = grid();
        // Missing cells, all equal values, many rows and columns, one cell.
        h.values[1][2] = f64::NAN;
        assert!(h.svg().contains('–'));
        h.values = vec![vec![0.5; 4]; 3];
        let (lo, hi) = h.range();
        assert!(lo < 0.5 && hi > 0.5);
        h.svg();
        h.x.ticks = (0..40).map(|i| format!("x{i}")).collect();
        h.y.ticks = (0..30).map(|i| i.to_string()).collect();
        h.values = (0..30)
            .map(|r| (0..40).map(|c| (r * 40 + c) as f64 * 1e5).collect())
            .collect();
        h.scale = Scale::Usd;
        assert!(h.height() > BASE_HEIGHT);
        let svg = h.svg();
        // Too narrow for values: none written.
        assert!(
            !texts(&svg).iter().any(|t| t == "$100K"),
            "no cell text in a narrow grid"
        );
        h.png();
        // A long title is drawn at the size that fits its side (12 at least, then cut).
        h.y.label = "Deal size (USD), median (pipeline.deal_size_usd.lognormal.median) and more words to cut".into();
        let l = h.layout();
        let (shown, size) = fit(&h.y.label, 15.0, 12.0, (l.bottom - l.top) * 0.9);
        assert!(size >= 12.0 && text_width(&shown, size) <= (l.bottom - l.top) * 0.9);
        let svg = h.svg();
        let element = svg
            .split("<text")
            .find(|t| t.contains("Deal size (USD)"))
            .expect("the y title is drawn");
        assert!(element.contains(&shown), "the fitted text is drawn");
        let drawn: f64 = element
            .split("font-size=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("a font size");
        assert!(
            (drawn - size / 1.24).abs() < 1e-6,
            "drawn at {drawn}, fitted {size}"
        );
        h.x.ticks = vec!["only".into()];
        h.y.ticks = vec![];
        h.values = vec![];
        h.svg();
        h.png();
    }
}
