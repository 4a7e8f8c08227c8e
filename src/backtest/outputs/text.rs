//! The tables `revsim backtest` prints: the origins, then the coverage by months ahead; each
//! within 80 columns.

use std::fmt::Write as _;

use super::RunInfo;
use crate::backtest::{Coverage, Estimate, Measure, OriginResult};
use crate::words::{pct, usd};

/// The coverage table as text (terminal and docs).
pub fn coverage_text(coverage: &[Coverage]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Inside P10-P90 by months ahead (80% expected, 10% below P10 and 10% above P90)"
    );
    let _ = writeln!(
        o,
        "           new bookings                          cumulative bookings"
    );
    let _ = writeln!(
        o,
        "ahead     n  inside  below  above  range*  pct      n  inside  below  above  pct"
    );
    let longest = coverage
        .iter()
        .filter_map(|c| c.months_ahead)
        .max()
        .unwrap_or(0);
    let find = |m: Measure, a: Option<usize>| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead == a)
            .map(|c| c.tally)
            .unwrap_or_default()
    };
    for a in (1..=longest).map(Some).chain([None]) {
        let n = find(Measure::NewBookings, a);
        let c = find(Measure::CumulativeBookings, a);
        let (lo, hi) = n.expected_range();
        let label = a.map_or("all".to_string(), |v| format!("{v:>3}"));
        let _ = writeln!(
            o,
            "  {label:<5}{:>4}{:>8}{:>7}{:>7}{:>8}{:>5}{:>7}{:>8}{:>7}{:>7}{:>5}",
            n.n,
            pct(n.inside_share()),
            pct(n.below_share()),
            pct(n.above_share()),
            format!("{:.0}-{:.0}", lo * 100.0, hi * 100.0),
            format!("{:.0}", n.mean_percentile()),
            c.n,
            pct(c.inside_share()),
            pct(c.below_share()),
            pct(c.above_share()),
            format!("{:.0}", c.mean_percentile())
        );
    }
    let _ = writeln!(
        o,
        "{}",
        crate::words::hang(
            "the 95% range of the share inside for n independent outcomes of a right forecast; months of one origin share its fit, and successive origins share history, so read it as a guide. ahead: months ahead of the origin. pct: the mean percentile of the actuals in the forecast (50 expected).",
            "* ",
            "  "
        )
    );
    o
}

/// The table of origins as text: the origin, reps in seat, the fit (closed deals among the
/// opportunities created up to a date), the deals open then, how many months of new bookings
/// fell inside P10-P90, and where the cumulative bookings ended.
pub fn origins_text(results: &[OriginResult]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:13}{:<17}{:<14}{:>8}{:4}cumulative bookings",
        "", "fitted from", "open at origin", "new", ""
    );
    let _ = writeln!(
        o,
        "{:<7}{:>5}{:>7} {:<10}{:>6}{:>8}{:>8}{:>8}{:>15}{:>4}",
        "as of",
        "reps",
        "closed",
        "created to",
        "deals",
        "value",
        "inside",
        "actual",
        "P10-P90",
        "pct"
    );
    for r in results {
        let end = r.rows(Measure::CumulativeBookings).last();
        let (actual, band, p) = match end {
            Some(e) => (
                usd(e.actual),
                format!("{}-{}", usd(e.band.p10), usd(e.band.p90)),
                format!("{:.0}", e.outcome.percentile_of_actual),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            o,
            "{:<7}{:>5}{:>7} {:<10}{:>6}{:>8}{:>8}{:>8}{:>15}{:>4}",
            r.as_of.to_string(),
            r.reps,
            r.fit.fit.counts.closed,
            r.fit.created_until.to_string(),
            r.open_pipeline.deals,
            usd(r.open_pipeline.value_usd),
            format!("{} of {}", r.inside(Measure::NewBookings), r.months),
            actual,
            band,
            p
        );
    }
    let _ = writeln!(
        o,
        "{}",
        crate::words::para(
            "fitted from: the closed deals among the opportunities created up to that date; new inside: the months whose new bookings fell inside P10-P90, of the months scored."
        )
    );
    o
}

/// What `revsim backtest` prints.
pub fn terminal(info: &RunInfo, results: &[OriginResult], coverage: &[Coverage]) -> String {
    let mut o = String::new();
    let first = results
        .first()
        .map(|r| r.as_of.to_string())
        .unwrap_or_default();
    let last = results
        .last()
        .map(|r| r.as_of.to_string())
        .unwrap_or_default();
    let origins = if results.len() == 1 {
        format!("1 origin ({first})")
    } else {
        format!("{} origins from {first} to {last}", results.len())
    };
    let head = format!(
        "Backtest of {} ({} layout): {origins}, {} trials each, seed {}.\nOrg settings from {}; the pipeline fitted at each origin from what was known then.",
        info.export,
        info.layout,
        crate::words::thousands(info.trials),
        info.seed,
        info.base
    );
    let _ = writeln!(o, "{}\n", crate::words::para(&head));
    o.push_str(&origins_text(results));
    o.push('\n');
    o.push_str(&coverage_text(coverage));
    o.push('\n');
    o.push_str(&scores_text(coverage));
    o
}

/// The scores over every month as rows (label, new bookings, cumulative bookings), the number
/// of origins, and the sentence a board can read; `None` without coverage rows.
pub struct ScoreRows {
    /// Origins scored.
    pub origins: usize,
    /// Label, new bookings, cumulative bookings.
    pub rows: Vec<[String; 3]>,
    /// How well it did, in one sentence.
    pub sentence: String,
}

/// The scores over every month (see [`ScoreRows`]).
pub fn score_rows(coverage: &[Coverage]) -> Option<ScoreRows> {
    let all = |m: Measure| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none())
    };
    let (n, c) = (
        all(Measure::NewBookings)?,
        all(Measure::CumulativeBookings)?,
    );
    let share = |e: &Estimate| range(e, &|v| pct(v.clamp(0.0, 1.0)));
    let pctl = |e: &Estimate| range(e, &|v| format!("{:.0}", v.clamp(0.0, 100.0)));
    let money = |e: &Estimate| usd(e.value);
    let cells: [(&str, &Cell<'_>); 5] = [
        ("inside P10-P90 (80%)", &|c| share(&c.scores.inside_80)),
        ("inside P25-P75 (50%)", &|c| share(&c.scores.inside_50)),
        ("mean percentile (50)", &|c| pctl(&c.scores.mean_percentile)),
        ("CRPS (lower is better)", &|c| money(&c.scores.crps)),
        ("pinball P10 / P50 / P90", &|c| {
            let p = &c.scores.pinball;
            format!("{} / {} / {}", money(&p[0]), money(&p[1]), money(&p[2]))
        }),
    ];
    let rows = cells
        .iter()
        .map(|(label, f)| [label.to_string(), f(n), f(c)])
        .collect();
    let sentence = format!(
        "Over {} origin-months, 80% intervals held {} of the monthly bookings ({}) and {} of the \
         running totals ({}); actuals sat at the {} percentile on average (the {} expected).",
        n.tally.n,
        n.tally.inside,
        pct(n.tally.inside_share()),
        c.tally.inside,
        pct(c.tally.inside_share()),
        ordinal(n.tally.mean_percentile().round() as i64),
        ordinal(50)
    );
    Some(ScoreRows {
        origins: n.scores.origins,
        rows,
        sentence,
    })
}

/// The scores over every month, with ranges from the spread between origins, then the
/// sentence a board can read.
pub fn scores_text(coverage: &[Coverage]) -> String {
    let Some(s) = score_rows(coverage) else {
        return String::new();
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Scores over every month ({}; 95% ranges from the spread between origins)",
        crate::words::plural(s.origins, "origin")
    );
    let _ = writeln!(
        o,
        "                           new bookings              cumulative bookings"
    );
    for [label, new, cum] in &s.rows {
        let _ = writeln!(o, "  {label:<23}  {new:<24}  {cum}");
    }
    let _ = writeln!(o, "\n{}", crate::words::para(&s.sentence));
    o
}

/// One cell of the scores table, from a coverage row.
type Cell<'a> = dyn Fn(&Coverage) -> String + 'a;

/// `value (low-high)`, or the value alone without a range.
fn range(e: &Estimate, f: &dyn Fn(f64) -> String) -> String {
    match (e.low, e.high) {
        (Some(lo), Some(hi)) => format!("{} ({}-{})", f(e.value), f(lo), f(hi)),
        _ => f(e.value),
    }
}

/// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st...
fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
