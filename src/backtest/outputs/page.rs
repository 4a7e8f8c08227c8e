//! `report.html`: the answer, the coverage chart and table, the origins, a fan chart per
//! origin, and the rules of what was known; one function per section.

use std::fmt::Write as _;

use super::RunInfo;
use crate::backtest::{Coverage, Measure, OriginResult};
use crate::charts::Chart;
use crate::report::html::{escape, figure, page};
use crate::words::{pct, usd};

/// `report.html`: the answer, the coverage chart and table, the origins, a fan chart per
/// origin, and the rules of what was known.
pub fn report(
    info: &RunInfo,
    results: &[OriginResult],
    coverage: &[Coverage],
    drawn: &[(Chart, String)],
) -> String {
    let mut b = String::new();
    answer(&mut b, info, results, coverage);
    let find = |name: &str| drawn.iter().find(|(c, _)| c.name == name);
    if let Some((chart, svg)) = find("coverage") {
        b.push_str(&figure(chart, svg));
    }
    coverage_table(&mut b, coverage);
    if let Some((chart, svg)) = find("reliability") {
        b.push_str(&figure(chart, svg));
    }
    scores_table(&mut b, coverage);
    origins_table(&mut b, results);
    b.push_str("<h2>Forecasts and actuals</h2>\n");
    for r in results {
        if let Some((chart, svg)) = find(&format!("fan-{}", r.as_of)) {
            b.push_str(&figure(chart, svg));
        }
    }
    b.push_str("<h2>What was known at each origin</h2>\n<ul>\n<li>The forecast is made on the first day of the origin month. Opportunities closed before it are history; those created before it and closed later (or still open) were open then, with their outcome and close date unknown; those created later did not exist.</li>\n<li>Deal sizes, cycle times, outcome shares and the spread of reps' win rates are fitted from the opportunities created up to the origin less the 90th percentile of the longest cycle, cohorts old enough to have closed; opportunities per rep-month from every opportunity created before the origin.</li>\n<li>Reps in seat: the owners who created an opportunity in the three months before the origin. Ramp, attrition, hiring, customers and the other org settings come from the base; its dated plans (the headcount plan, events) are left out.</li>\n<li>The open deals keep their owner, created date and amount (as exported: an amount changed later is a small leak of the future); their stage and close date are final, not as they were then, so each is decided by its outcome's cycle time given its age (<code>expected_close = \"ignore\"</code>).</li>\n<li>Actuals: the won deals' amounts by the month of their close date, in the whole export.</li>\n</ul>\n");
    let _ = writeln!(
        b,
        "<footer>Made by revsim {} (results version {}), {} trials per origin, seed {}. The same export, base, options and version give the same files: <code>{}</code>. Quantiles are type 7 (Excel PERCENTILE.INC).</footer>",
        escape(env!("CARGO_PKG_VERSION")),
        crate::RESULTS_VERSION,
        info.trials,
        info.seed,
        escape(&info.command)
    );
    page(&format!("Backtest of {}", info.export), &b)
}

/// The title, the answer (how many actuals landed inside P10-P90 over every origin and month),
/// and how to read it.
fn answer(b: &mut String, info: &RunInfo, results: &[OriginResult], coverage: &[Coverage]) {
    let all = |m: Measure| {
        coverage
            .iter()
            .find(|c| c.metric == m && c.months_ahead.is_none())
            .map(|c| c.tally)
            .unwrap_or_default()
    };
    let (n, c) = (all(Measure::NewBookings), all(Measure::CumulativeBookings));
    let _ = writeln!(
        b,
        "<p class=\"eyebrow\">revsim backtest</p>\n<h1>{}</h1>\n<p class=\"desc\">Forecasts made at {} from what the CRM showed then, scored against what was booked. Org settings from {}.</p>",
        escape(&info.export),
        if results.len() == 1 {
            "one origin".to_string()
        } else {
            format!("{} origins", results.len())
        },
        escape(&info.base)
    );
    let _ = writeln!(
        b,
        "<p class=\"answer\">Actual monthly bookings landed inside the forecast's P10–P90 in {} of {} origin-months ({}; 80% if the forecast is right): {} below P10, {} above P90. Cumulative bookings: {} inside.</p>",
        n.inside,
        n.n,
        pct(n.inside_share()),
        n.below_p10,
        n.above_p90,
        pct(c.inside_share())
    );
    let _ = writeln!(
        b,
        "<p class=\"note\">P10 is the 10th percentile of the forecast: a right forecast puts 10% of actuals below it, 10% above P90 and 80% between. Many actuals below P10 mean the forecast ran high; many above P90, low; too many inside, too wide.</p>"
    );
}

/// "Coverage by months ahead": a row per months ahead, then all months.
fn coverage_table(b: &mut String, coverage: &[Coverage]) {
    b.push_str("<h2>Coverage by months ahead</h2>\n<div class=\"scroll\"><table><thead><tr><th>months ahead</th><th>new: n</th><th>inside</th><th>below P10</th><th>above P90</th><th>range if right*</th><th>mean pct</th><th>cumulative: n</th><th>inside</th><th>below P10</th><th>above P90</th><th>mean pct</th></tr></thead><tbody>\n");
    let longest = coverage
        .iter()
        .filter_map(|c| c.months_ahead)
        .max()
        .unwrap_or(0);
    for a in (1..=longest).map(Some).chain([None]) {
        let get = |m: Measure| {
            coverage
                .iter()
                .find(|c| c.metric == m && c.months_ahead == a)
                .map(|c| c.tally)
                .unwrap_or_default()
        };
        let (x, y) = (get(Measure::NewBookings), get(Measure::CumulativeBookings));
        let (lo, hi) = x.expected_range();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}–{:.0}%</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td></tr>",
            a.map_or("all".to_string(), |v| v.to_string()),
            x.n,
            pct(x.inside_share()),
            pct(x.below_share()),
            pct(x.above_share()),
            lo * 100.0,
            hi * 100.0,
            x.mean_percentile(),
            y.n,
            pct(y.inside_share()),
            pct(y.below_share()),
            pct(y.above_share()),
            y.mean_percentile()
        );
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">* The central 95% range of the share inside for that many independent outcomes of a right forecast. The months of one origin share its fitted parameters and successive origins share history, so the real range is wider: read it as a guide, not a test. Mean pct: the mean percentile of the actuals in the forecast, 50 if the forecast is centred.</p>\n");
}

/// "Scores": the intervals' coverage, the mean percentile, CRPS and pinball losses over every
/// month, and the sentence a board can read.
fn scores_table(b: &mut String, coverage: &[Coverage]) {
    let Some(s) = super::text::score_rows(coverage) else {
        return;
    };
    let _ = writeln!(
        b,
        "<h2>Scores</h2>\n<p>{}</p>\n<div class=\"scroll\"><table><thead><tr><th>over every month ({})</th><th>new bookings</th><th>cumulative bookings</th></tr></thead><tbody>",
        escape(&s.sentence),
        escape(&crate::words::plural(s.origins, "origin"))
    );
    for [label, new, cum] in &s.rows {
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(label),
            escape(new),
            escape(cum)
        );
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">In brackets, 95% ranges from the spread between origins (the months of one origin share its fit). A right forecast puts 80% inside P10–P90 and 50% inside P25–P75, with the actuals at the 50th percentile on average; CRPS and pinball losses are in dollars, lower is better, for comparing forecasts of the same actuals (docs/backtest.md, Reading the scores).</p>\n");
}

/// "Origins": a row per origin with its fit, open pipeline and end result.
fn origins_table(b: &mut String, results: &[OriginResult]) {
    b.push_str("<style>td.nowrap { white-space:nowrap; }</style>\n");
    b.push_str("<h2>Origins</h2>\n<div class=\"scroll\"><table><thead><tr><th>as of</th><th>reps</th><th>closed deals fitted</th><th>created up to</th><th>open deals</th><th>open value</th><th>months</th><th>new inside</th><th>cumulative actual</th><th>P10–P90</th><th>pct</th></tr></thead><tbody>\n");
    for r in results {
        let end = r.rows(Measure::CumulativeBookings).last();
        let _ = writeln!(
            b,
            "<tr><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{} of {}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
            r.as_of,
            r.reps,
            r.fit.fit.counts.closed,
            r.fit.created_until,
            r.open_pipeline.deals,
            usd(r.open_pipeline.value_usd),
            r.months,
            r.inside(Measure::NewBookings),
            r.months,
            end.map_or("-".into(), |e| usd(e.actual)),
            end.map_or("-".into(), |e| format!(
                "{}–{}",
                usd(e.band.p10),
                usd(e.band.p90)
            )),
            end.map_or("-".into(), |e| format!(
                "{:.0}",
                e.outcome.percentile_of_actual
            )),
        );
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">Each origin's scenario is in <code>origins/YYYY-MM/scenario.toml</code> (rerun it with <code>revsim run</code>), with the deals open then in <code>open-pipeline.csv</code> and the fit, with its comments, in <code>calibrated.toml</code>. Every month's forecast and actual: <code>backtest.csv</code>.</p>\n");
}
