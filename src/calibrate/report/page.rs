//! `fit-report.html`: what the page needs besides the fit, and one function per section of the
//! page, in page order.

use std::fmt::Write;

use super::pct;
use super::table::{end, head, head_with, row, row_with};
use crate::calibrate::fit::{Calibration, Fit, SegmentFit};
use crate::charts::Chart;
use crate::crm::history::History;
use crate::crm::outcomes::Outcome;
use crate::report::html::{escape, figure, page};
use crate::words::{sig, thousands as count, usd_whole as usd};

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
    let mut b = String::new();
    header(&mut b, r.history, &r.calibration.org);
    answer(&mut b, &r.calibration.org, r.fragment.0);
    input_section(&mut b, r.history);
    super::estimates::section(&mut b, &r.calibration.org);
    charts_section(&mut b, r.charts);
    if !r.calibration.segments.is_empty() {
        segments_section(&mut b, r.calibration, r.segment_files);
    }
    reps_section(&mut b, &r.calibration.org);
    fragment_section(&mut b, r.fragment);
    footer(&mut b, r.command);
    page(&format!("Fit report: {}", r.history.file), &b)
}

/// The title: the file, its layout and its counts.
fn header(b: &mut String, h: &History, fit: &Fit) {
    let c = &fit.counts;
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
}

/// The answer in one sentence (win rate, median won deal, cycle, creation rate), then how to
/// read the fragment and KS D.
fn answer(b: &mut String, fit: &Fit, fragment_file: &str) {
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
        escape(fragment_file)
    );
}

/// "What was read": the column of each field, the rows used and left out, the bad rows.
fn input_section(b: &mut String, h: &History) {
    b.push_str("<h2 id=\"input\">What was read</h2>\n");
    head_with(b, &["field", "column"], &[1]);
    for (f, _, header) in &h.columns.fields {
        row_with(b, &[escape(f.key()), escape(header)], &[1]);
    }
    end(b);
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
        bad_rows(b, h);
    }
}

/// The bad rows skipped: counts by reason with the first rows of each, then every one.
fn bad_rows(b: &mut String, h: &History) {
    let _ = writeln!(
        b,
        "<p><strong>{} bad rows were skipped</strong> (<code>--skip-bad-rows</code>):</p>",
        count(h.bad_rows.len())
    );
    head(b, &["reason", "rows", "first rows"]);
    for (kind, n) in h.bad_row_counts() {
        let first: Vec<String> = h
            .bad_rows
            .iter()
            .filter(|x| x.kind == kind)
            .take(5)
            .map(|x| x.row.to_string())
            .collect();
        row(b, &[escape(kind.label()), count(n), first.join(", ")]);
    }
    end(b);
    b.push_str("<details><summary>Every bad row</summary>\n");
    head_with(b, &["row", "column", "problem", "fix"], &[1, 2, 3]);
    for x in &h.bad_rows {
        row_with(
            b,
            &[
                x.row.to_string(),
                escape(x.column.as_deref().unwrap_or("")),
                escape(&x.message),
                escape(&x.fix),
            ],
            &[1, 2, 3],
        );
    }
    end(b);
    b.push_str("</details>\n");
}

/// "How good each fit is": the charts as drawn.
fn charts_section(b: &mut String, charts: &[(Chart, String)]) {
    b.push_str("<h2 id=\"charts\">How good each fit is</h2>\n");
    for (chart, svg) in charts {
        b.push_str(&figure(chart, svg));
    }
}

/// "Segments": how their win rates are shrunk, then a row per segment with its fragment.
fn segments_section(b: &mut String, cal: &Calibration, segment_files: &[(String, String)]) {
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
        b,
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
        segment_row(b, s, segment_files);
    }
    end(b);
}

fn segment_row(b: &mut String, s: &SegmentFit, segment_files: &[(String, String)]) {
    let f = &s.fit;
    let file = segment_files
        .iter()
        .find(|(seg, _)| *seg == s.segment)
        .map_or(String::new(), |(_, f)| {
            format!("<code>{}</code>", escape(f))
        });
    row(
        b,
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

/// "Reps": how a win rate is shrunk, then a row per owner (as in reps.csv).
fn reps_section(b: &mut String, fit: &Fit) {
    b.push_str("<h2 id=\"reps\">Reps</h2>\n");
    let _ = writeln!(
        b,
        "<p>A rep's shrunk win rate is the posterior mean (wins + prior strength × mean) / (closed + prior strength): a rep with few deals is pulled toward the mean, one with many keeps close to their own rate. Also in <code>reps.csv</code>.</p>"
    );
    head(
        b,
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
            b,
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
    end(b);
}

/// "The fragment": the org's fragment, as written.
fn fragment_section(b: &mut String, (file, text): (&str, &str)) {
    let _ = writeln!(
        b,
        "<h2 id=\"fragment\">The fragment</h2>\n<p><code>{}</code>:</p>\n<pre class=\"mono\">{}</pre>",
        escape(file),
        escape(text)
    );
}

/// The version and the command that made the page.
fn footer(b: &mut String, command: &str) {
    let _ = writeln!(
        b,
        "<footer>Made by revsim {} with <code>{}</code>. How each value is estimated, and its assumptions: docs/calibrate.md in the revsim repository.</footer>",
        escape(env!("CARGO_PKG_VERSION")),
        escape(command)
    );
}
