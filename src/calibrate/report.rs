//! The fit report: charts of each fit (a histogram with the fitted distribution over it, and a
//! quantile-quantile plot) and `fit-report.html`, one self-contained page like the run report
//! (inline CSS and SVG, no script, no network). Every piece of text from the export (owner and
//! segment names, stage names, file names) goes through [`escape`].

use std::fmt::Write;

use super::estimate::{Ks, qq_points};
use super::fit::{
    Calibration, Cycle, DealSize, Fit, SizeModel, gamma_spec, lognormal_spec, sampler,
    size_quantile,
};
use crate::charts::{
    Axis, Chart, INK, Layer, Legend, MUTED, PALETTE, Panel, Scale, headroom, histogram,
};
use crate::crm::history::History;
use crate::crm::outcomes::Outcome;
use crate::report::html::{escape, figure, page};
use crate::scenario::dist::Dist;
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
    // The histogram stops at the 99th percentile so that a few huge deals do not squash it.
    let top = crate::stats::quantile_sorted(sorted, 0.99).max(sorted[0]);
    let lo = sorted[0].min(0.0);
    let range = (lo, if top > lo { top * 1.02 } else { lo + 1.0 });
    let bins = ((sorted.len() as f64).sqrt() as usize).clamp(8, 40);
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
    let mut layers = vec![bars];
    if let Some(d) = dist {
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
    let hist = Panel {
        heading: Some(format!("Histogram up to the 99th percentile ({unit})")),
        x: Axis::new(unit, scale, range),
        y: Axis::new(
            "share of deals",
            Scale::Share,
            (0.0, headroom(tallest) * 1.15),
        ),
        layers,
        legend: Legend::UpperRight,
    };
    let mut panels = vec![hist];
    if let Some(q) = quantile {
        let (fitted, observed) = qq_points(sorted, q, QQ_POINTS);
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
        panels.push(Panel {
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
        });
    }
    panels
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
    let dist = c.gamma.as_ref().and_then(|g| sampler(&gamma_spec(g)));
    let q: Option<Box<dyn Fn(f64) -> f64>> = dist
        .clone()
        .map(|d| Box::new(move |p| d.quantile(p)) as Box<dyn Fn(f64) -> f64>);
    let what = match (&c.gamma, c.fixed_months) {
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
    /// The samples of `history` that [`super::fit::fit`] used for the org.
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
                            super::fit::SAME_DAY_CYCLE_DAYS
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

/// A table row; cells are numbers (right-aligned) except the first and those in `text`.
fn row_with(out: &mut String, cells: &[String], text: &[usize]) {
    out.push_str("<tr>");
    for (i, c) in cells.iter().enumerate() {
        if i == 0 || text.contains(&i) {
            let _ = write!(out, "<td class=\"text\">{c}</td>");
        } else {
            let _ = write!(out, "<td>{c}</td>");
        }
    }
    out.push_str("</tr>\n");
}

fn row(out: &mut String, cells: &[String]) {
    row_with(out, cells, &[]);
}

fn head(out: &mut String, cells: &[&str]) {
    head_with(out, cells, &[]);
}

fn head_with(out: &mut String, cells: &[&str], text: &[usize]) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i == 0 || text.contains(&i) {
            " class=\"text\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>\n");
}

fn end(out: &mut String) {
    out.push_str("</tbody></table></div>\n");
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn ks_cells(ks: Option<&Ks>) -> [String; 2] {
    match ks {
        Some(k) => [
            format!("{:.3}", k.d),
            escape(
                p_text(k.p_value)
                    .trim_start_matches("p = ")
                    .trim_start_matches("p "),
            ),
        ],
        None => ["–".into(), "–".into()],
    }
}

/// What the report needs besides the fit.
pub struct ReportInput<'a> {
    /// The export as read.
    pub history: &'a History,
    /// The fits.
    pub calibration: &'a Calibration,
    /// Charts with their SVG, as drawn.
    pub charts: &'a [(Chart, String)],
    /// The org fragment's file name and text.
    pub fragment: (&'a str, &'a str),
    /// The segment fragments' file names, by segment.
    pub segment_files: &'a [(String, String)],
    /// The command that made the report.
    pub command: &'a str,
}

/// `fit-report.html`.
pub fn html(r: &ReportInput) -> String {
    let h = r.history;
    let cal = r.calibration;
    let fit = &cal.org;
    let c = &fit.counts;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header>\n<p class=\"eyebrow\">revsim calibrate · fit report</p>\n<h1>Fitted from {}</h1>",
        escape(&h.file)
    );
    let _ = writeln!(
        b,
        "<p class=\"desc\">{} layout; {} opportunities read: {} closed ({} won, {} lost, {} no decision) and {} open, by {} owners.</p>\n</header>",
        escape(&h.columns.layout_name()),
        count(c.created),
        count(c.closed),
        count(c.won),
        count(c.lost),
        count(c.no_decision),
        count(c.open),
        count(fit.reps.len())
    );
    let mut answer = Vec::new();
    if let Some(s) = &fit.outcomes {
        answer.push(format!("win rate {}", pct(s.won)));
    }
    if let Some(d) = &fit.deal_size {
        answer.push(format!("median won deal {}", usd(d.sample_median_usd)));
    }
    if let Some(cy) = fit.cycle(Outcome::Won) {
        answer.push(format!(
            "won deals close in {} months on average",
            sig(cy.sample_mean_months, 2)
        ));
    }
    if let Some(cr) = &fit.creation {
        answer.push(format!("{} opportunities per rep-month", sig(cr.rate, 3)));
    }
    if !answer.is_empty() {
        let mut s = answer.join(", ");
        s = s[..1].to_uppercase() + &s[1..];
        let _ = writeln!(b, "<p class=\"answer\">{}.</p>", escape(&s));
    }
    let _ = writeln!(
        b,
        "<p>The scenario fragment <code>{}</code> holds these values with a comment on each. KS D is the Kolmogorov-Smirnov distance: the largest gap between the share of deals below a value and the share the fitted distribution puts there (0 is a perfect fit). Its p-values assume the parameters were fixed in advance; fitted from the same data they are too high, so a small p-value is a real misfit and a large one is weaker evidence of a good fit.</p>",
        escape(r.fragment.0)
    );

    // Input.
    b.push_str("<h2 id=\"input\">What was read</h2>\n");
    head_with(&mut b, &["field", "column"], &[1]);
    for (f, _, header) in &h.columns.fields {
        row_with(&mut b, &[escape(f.key()), escape(header)], &[1]);
    }
    end(&mut b);
    let mut counts = vec![format!(
        "{} opportunities used",
        count(h.opportunities.len())
    )];
    if h.ignored_rows > 0 {
        counts.push(format!("{} rows ignored by stage", count(h.ignored_rows)));
    }
    if h.outside_window > 0 {
        counts.push(format!(
            "{} created outside --created-from / --created-until left out",
            count(h.outside_window)
        ));
    }
    if h.non_data_rows > 0 {
        counts.push(format!(
            "{} blank or footer rows skipped",
            count(h.non_data_rows)
        ));
    }
    let _ = writeln!(b, "<p>{}.</p>", escape(&counts.join("; ")));
    if !h.bad_rows.is_empty() {
        let _ = writeln!(
            b,
            "<p><strong>{} bad rows were skipped</strong> (<code>--skip-bad-rows</code>):</p>",
            count(h.bad_rows.len())
        );
        head(&mut b, &["reason", "rows", "first rows"]);
        for (kind, n) in h.bad_row_counts() {
            let first: Vec<String> = h
                .bad_rows
                .iter()
                .filter(|x| x.kind == kind)
                .take(5)
                .map(|x| x.row.to_string())
                .collect();
            row(&mut b, &[escape(kind.label()), count(n), first.join(", ")]);
        }
        end(&mut b);
        b.push_str("<details><summary>Every bad row</summary>\n");
        head_with(&mut b, &["row", "column", "problem", "fix"], &[1, 2, 3]);
        for x in &h.bad_rows {
            row_with(
                &mut b,
                &[
                    x.row.to_string(),
                    escape(x.column.as_deref().unwrap_or("")),
                    escape(&x.message),
                    escape(&x.fix),
                ],
                &[1, 2, 3],
            );
        }
        end(&mut b);
        b.push_str("</details>\n");
    }

    // Estimates.
    b.push_str("<h2 id=\"estimates\">Estimates</h2>\n");
    head_with(
        &mut b,
        &["quantity", "fitted", "standard error", "n", "KS D", "KS p"],
        &[1, 2],
    );
    if let Some(d) = &fit.deal_size {
        let (what, se) = match (d.fixed, d.model, &d.lognormal, &d.table) {
            (Some(v), ..) => (format!("every deal {}", usd(v)), String::new()),
            (None, SizeModel::Empirical, _, Some(t)) => (
                format!("empirical table, {} values", t.values.len()),
                String::new(),
            ),
            (None, _, Some(l), _) => (
                format!(
                    "lognormal: median {}, P90 {} (mu {:.3}, sigma {:.3})",
                    usd(l.median),
                    usd(l.p90),
                    l.mu,
                    l.sigma
                ),
                format!("mu {:.3}, sigma {:.3}", l.se_mu, l.se_sigma),
            ),
            _ => ("–".into(), String::new()),
        };
        let [kd, kp] = ks_cells(d.ks.as_ref());
        row_with(
            &mut b,
            &[
                "deal size (won)".into(),
                escape(&what),
                se,
                count(d.n),
                kd,
                kp,
            ],
            &[1, 2],
        );
    }
    for cy in &fit.cycles {
        let (what, se) = match (&cy.gamma, cy.fixed_months) {
            (Some(g), _) => (
                format!(
                    "gamma: mean {} months, sd {} (shape {:.3}, scale {:.3})",
                    sig(g.mean, 3),
                    sig(g.sd, 3),
                    g.shape,
                    g.scale
                ),
                format!("mean {:.3}, sd {:.3}", g.se_mean, g.se_sd),
            ),
            (None, Some(v)) => (format!("every deal {} months", sig(v, 3)), String::new()),
            _ => ("–".into(), String::new()),
        };
        let [kd, kp] = ks_cells(cy.ks.as_ref());
        row_with(
            &mut b,
            &[
                format!("cycle time ({})", cy.outcome.label()),
                escape(&what),
                se,
                count(cy.n),
                kd,
                kp,
            ],
            &[1, 2],
        );
    }
    if let Some(s) = &fit.outcomes {
        row_with(
            &mut b,
            &[
                "outcome shares".into(),
                format!(
                    "won {}, lost {}, no decision {}",
                    pct(s.won),
                    pct(s.lost),
                    pct(s.no_decision)
                ),
                format!(
                    "won {:.1} points",
                    100.0 * (s.won * (1.0 - s.won) / s.n as f64).sqrt()
                ),
                count(s.n),
                "–".into(),
                "–".into(),
            ],
            &[1, 2],
        );
    }
    if let Some(bb) = &fit.rep_win_rates {
        row_with(
            &mut b,
            &[
                "spread of reps' win rates".into(),
                format!(
                    "sd {:.3} around a mean of {} (raw rates: sd {:.3}); prior strength {}",
                    bb.sd,
                    pct(bb.mean),
                    bb.raw_sd,
                    bb.strength
                        .map_or("infinite".into(), |m| format!("{} deals", sig(m, 3)))
                ),
                bb.se_sd.map_or(String::new(), |s| format!("sd {s:.3}")),
                format!("{} reps", bb.groups),
                "–".into(),
                "–".into(),
            ],
            &[1, 2],
        );
    }
    if let Some(cr) = &fit.creation {
        row_with(
            &mut b,
            &[
                "opportunities per rep-month".into(),
                format!(
                    "{} ({} over {} rep-months)",
                    sig(cr.rate, 4),
                    count(cr.opportunities),
                    count(cr.rep_months)
                ),
                format!("{:.3}", cr.se),
                format!("{} owners", cr.owners),
                "–".into(),
                "–".into(),
            ],
            &[1, 2],
        );
    }
    end(&mut b);
    if !fit.size_by_outcome.is_empty() {
        b.push_str("<p>Do lost and no-decision deals differ in size from won ones? The engine draws one size for every outcome, and the fragment uses the won deals' (that is what books).</p>\n");
        head(
            &mut b,
            &[
                "outcome",
                "deals",
                "median",
                "KS D against won",
                "p",
                "reading",
            ],
        );
        for s in &fit.size_by_outcome {
            row(
                &mut b,
                &[
                    escape(s.outcome.label()),
                    count(s.n),
                    usd(s.median_usd),
                    format!("{:.3}", s.ks.d),
                    escape(&p_text(s.ks.p_value)),
                    if s.ks.p_value < 0.05 {
                        "they differ".into()
                    } else {
                        "no clear difference".into()
                    },
                ],
            );
        }
        end(&mut b);
    }
    if let Some(cr) = &fit.creation
        && let (Some(i), Some(p)) = (cr.dispersion_index, cr.dispersion_p)
    {
        let _ = writeln!(
            b,
            "<p>Month-to-month, an owner's count of new opportunities varies {:.2} times as much as a Poisson count would ({}). {}</p>",
            i,
            escape(&p_text(p)),
            if p < 0.05 && i > 1.0 {
                "Months differ beyond chance: seasonality or market swings (<code>[market]</code>) are worth modelling."
            } else {
                "That is what chance alone gives."
            }
        );
    }
    if !fit.notes.is_empty() {
        b.push_str("<ul>\n");
        for n in &fit.notes {
            let _ = writeln!(b, "<li>{}.</li>", escape(n));
        }
        b.push_str("</ul>\n");
    }

    // Charts.
    b.push_str("<h2 id=\"charts\">How good each fit is</h2>\n");
    for (chart, svg) in r.charts {
        b.push_str(&figure(chart, svg));
    }

    // Segments.
    if !cal.segments.is_empty() {
        b.push_str("<h2 id=\"segments\">Segments</h2>\n");
        let how = match &cal.segment_win_rates {
            Some(bb) => format!(
                "Win rates are shrunk toward the org mean by the beta-binomial over the {} segments (prior strength {}).",
                bb.groups,
                bb.strength
                    .map_or("infinite: segments do not differ beyond chance".into(), |m| format!("{} deals", sig(m, 3)))
            ),
            None => "With fewer than three segments, how much segments differ cannot be estimated: win rates are not shrunk.".into(),
        };
        let _ = writeln!(
            b,
            "<p>Each segment has its own fragment, fitted from its rows only. {}{}</p>",
            escape(&how),
            if cal.without_segment > 0 {
                format!(
                    " {} opportunities have no segment and count for the org only.",
                    count(cal.without_segment)
                )
            } else {
                String::new()
            }
        );
        head(
            &mut b,
            &[
                "segment",
                "closed",
                "raw win rate",
                "shrunk win rate",
                "median won deal",
                "won cycle, months",
                "opportunities per rep-month",
                "fragment",
            ],
        );
        for s in &cal.segments {
            let f = &s.fit;
            let file = r
                .segment_files
                .iter()
                .find(|(seg, _)| *seg == s.segment)
                .map_or(String::new(), |(_, f)| {
                    format!("<code>{}</code>", escape(f))
                });
            row(
                &mut b,
                &[
                    escape(&s.segment),
                    count(f.counts.closed),
                    s.raw_win_rate.map_or("–".into(), pct),
                    s.shrunk_win_rate.map_or("–".into(), pct),
                    f.deal_size
                        .as_ref()
                        .map_or("–".into(), |d| usd(d.sample_median_usd)),
                    f.cycle(Outcome::Won)
                        .map_or("–".into(), |c| sig(c.sample_mean_months, 3).to_string()),
                    f.creation
                        .as_ref()
                        .map_or("–".into(), |c| sig(c.rate, 3).to_string()),
                    file,
                ],
            );
        }
        end(&mut b);
    }

    // Reps.
    b.push_str("<h2 id=\"reps\">Reps</h2>\n");
    let _ = writeln!(
        b,
        "<p>A rep's shrunk win rate is the posterior mean (wins + prior strength × mean) / (closed + prior strength): a rep with few deals is pulled toward the mean, one with many keeps close to their own rate. Also in <code>reps.csv</code>.</p>"
    );
    head(
        &mut b,
        &[
            "owner",
            "closed",
            "won",
            "lost",
            "no decision",
            "raw win rate",
            "shrunk win rate",
            "created",
            "active months",
            "opportunities per month",
        ],
    );
    for rep in &fit.reps {
        row(
            &mut b,
            &[
                escape(&rep.owner),
                count(rep.closed),
                count(rep.won),
                count(rep.lost),
                count(rep.no_decision),
                rep.raw_win_rate.map_or("–".into(), pct),
                rep.shrunk_win_rate.map_or("–".into(), pct),
                count(rep.created),
                count(rep.active_months),
                format!("{:.2}", rep.opportunities_per_month),
            ],
        );
    }
    end(&mut b);

    // The fragment.
    let _ = writeln!(
        b,
        "<h2 id=\"fragment\">The fragment</h2>\n<p><code>{}</code>:</p>\n<pre class=\"mono\">{}</pre>",
        escape(r.fragment.0),
        escape(r.fragment.1)
    );
    let _ = writeln!(
        b,
        "<footer>Made by revsim {} with <code>{}</code>. How each value is estimated, and its assumptions: docs/calibrate.md in the revsim repository.</footer>",
        escape(env!("CARGO_PKG_VERSION")),
        escape(r.command)
    );
    page(&format!("Fit report: {}", h.file), &b)
}

/// The terminal summary: what was read, then one line per fitted value.
pub fn terminal(history: &History, cal: &Calibration) -> String {
    let fit = &cal.org;
    let c = &fit.counts;
    let mut out = format!(
        "Read {} ({} layout): {} opportunities, {} closed ({} won, {} lost, {} no decision), {} open, {} owners.\n\n",
        history.file,
        history.columns.layout_name(),
        count(c.created),
        count(c.closed),
        count(c.won),
        count(c.lost),
        count(c.no_decision),
        count(c.open),
        count(fit.reps.len())
    );
    if history.outside_window > 0 {
        out.insert_str(
            out.len() - 2,
            &format!(
                " {} created outside the --created-from / --created-until window are left out.",
                count(history.outside_window)
            ),
        );
    }
    let mut rows: Vec<[String; 5]> = vec![[
        "Fitted".into(),
        "value".into(),
        "n".into(),
        "KS D".into(),
        "p".into(),
    ]];
    let ks = |k: Option<&Ks>| match k {
        Some(k) => [
            format!("{:.3}", k.d),
            p_text(k.p_value).replace("p = ", "").replace("p ", ""),
        ],
        None => [String::new(), String::new()],
    };
    if let Some(d) = &fit.deal_size {
        let v = match (d.fixed, d.model, &d.lognormal, &d.table) {
            (Some(v), ..) => format!("every deal {}", usd(v)),
            (None, SizeModel::Empirical, _, Some(t)) => {
                format!("empirical table of {} values", t.values.len())
            }
            (None, _, Some(l), _) => {
                format!("lognormal: median {}, P90 {}", usd(l.median), usd(l.p90))
            }
            _ => "-".into(),
        };
        let [a, b] = ks(d.ks.as_ref());
        rows.push(["deal size (won)".into(), v, count(d.n), a, b]);
    }
    for cy in &fit.cycles {
        let v = match (&cy.gamma, cy.fixed_months) {
            (Some(g), _) => format!("gamma: mean {}, sd {} months", sig(g.mean, 3), sig(g.sd, 3)),
            (None, Some(v)) => format!("every deal {} months", sig(v, 3)),
            _ => "-".into(),
        };
        let [a, b] = ks(cy.ks.as_ref());
        rows.push([
            format!("cycle, {}", cy.outcome.label()),
            v,
            count(cy.n),
            a,
            b,
        ]);
    }
    if let Some(s) = &fit.outcomes {
        rows.push([
            "outcomes".into(),
            format!(
                "won {}, lost {}, no decision {}",
                pct(s.won),
                pct(s.lost),
                pct(s.no_decision)
            ),
            count(s.n),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(bb) = &fit.rep_win_rates {
        rows.push([
            "reps' win rates".into(),
            format!(
                "sd {:.3} (raw rates {:.3}), prior strength {}",
                bb.sd,
                bb.raw_sd,
                bb.strength
                    .map_or("infinite".into(), |m| sig(m, 3).to_string())
            ),
            format!("{} reps", bb.groups),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(cr) = &fit.creation {
        rows.push([
            "opportunities per rep-month".into(),
            format!("{}", sig(cr.rate, 4)),
            format!("{} rep-months", count(cr.rep_months)),
            String::new(),
            String::new(),
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let w: Vec<usize> = (0..5).map(width).collect();
    for (i, r) in rows.iter().enumerate() {
        let indent = if i == 0 { "" } else { "  " };
        let first = w[0] + if i == 0 { 2 } else { 0 };
        let line = format!(
            "{indent}{:<first$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !cal.segments.is_empty() {
        let names: Vec<&str> = cal.segments.iter().map(|s| s.segment.as_str()).collect();
        out.push_str(&format!(
            "\nSegments: {} (a fragment each).\n",
            names.join(", ")
        ));
    }
    for n in &fit.notes {
        out.push_str(&format!("Note: {n}.\n"));
    }
    out
}
