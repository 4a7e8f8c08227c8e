//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network) that
//! opens with the answer, then the charts, the tables and the assumptions behind them.
//!
//! Every piece of text that comes from a scenario file (names, descriptions, values) goes
//! through [`escape`]; chart SVG comes from plotters, which escapes the text it draws.

use std::fmt::Write;

use crate::charts::Chart;
use crate::headline;
use crate::report::Manifest;
use crate::scenario::Scenario;
use crate::stats::{Distribution, Probability};
use crate::summary::{PeriodSummary, Summary};
use crate::words::{count, pct, usd};

/// `s` as one word for a POSIX shell: unchanged when it is plain, else in single quotes.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink:#212529; --muted:#5a626a; --line:#dee2e6; --soft:#f5f7f9; --accent:#0072b2; --plan:#d55e00; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; font:16px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width:1080px; margin:0 auto; padding:28px 24px 48px; }
.eyebrow { color:var(--muted); font-size:13px; letter-spacing:.04em; text-transform:uppercase; margin:0; }
h1 { font-size:30px; line-height:1.2; margin:4px 0 6px; }
h2 { font-size:20px; margin:36px 0 10px; padding-top:8px; border-top:1px solid var(--line); }
.desc { color:var(--muted); margin:0 0 14px; }
.answer { font-size:22px; line-height:1.35; font-weight:600; margin:18px 0 6px; padding:14px 18px; background:var(--soft); border-left:5px solid var(--accent); }
.answer.second { font-size:18px; font-weight:500; border-left-color:var(--muted); margin-top:0; }
.byyear { color:var(--muted); margin:0 0 8px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(190px, 1fr)); gap:12px; margin:18px 0 6px; }
.card { border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
.card .k { color:var(--muted); font-size:13px; }
.card .v { font-size:24px; font-weight:600; font-variant-numeric:tabular-nums; }
.card .s { color:var(--muted); font-size:13px; }
figure { margin:18px 0 26px; break-inside:avoid; page-break-inside:avoid; overflow-x:auto; }
figure svg { display:block; width:100%; min-width:720px; height:auto; border:1px solid var(--line); border-radius:4px; }
figcaption { color:var(--muted); font-size:14px; margin-top:6px; }
figcaption .files { font-size:12px; white-space:nowrap; }
.swatch { display:inline-block; width:12px; height:12px; border-radius:2px; vertical-align:-1px; margin-right:6px; }
table { border-collapse:collapse; width:100%; font-size:14px; font-variant-numeric:tabular-nums; margin:8px 0 4px; }
th, td { text-align:right; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th:first-child, td:first-child { text-align:left; }
td.text, th.text { text-align:left; }
thead th { border-bottom:2px solid var(--ink); font-weight:600; }
th.group, td.group { text-align:center; }
.scroll { overflow-x:auto; }
.note { color:var(--muted); font-size:13px; }
code, .mono { font-family:"DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:13px; overflow-wrap:anywhere; }
details { margin:10px 0; } summary { cursor:pointer; color:var(--accent); }
footer { margin-top:40px; padding-top:12px; border-top:1px solid var(--line); color:var(--muted); font-size:13px; }
@media print {
  main { max-width:none; padding:0; }
  figure { overflow:visible; } figure svg { min-width:0; }
  h2 { break-after:avoid; }
  .answer { background:none; }
  details > *:not(summary) { display:block; }
}
@page { margin:14mm; }
"#;

/// What P10 to P90 means, said once on every page.
pub const P10_P90: &str = "P10–P90: 8 in 10 simulated outcomes fall in this range (1 in 10 falls below P10, 1 in 10 above P90); P50 is the median, the middle outcome.";

/// A complete page around `body`, with the meaning of P10–P90 just above its footer (or at its
/// end).
pub fn page(title: &str, body: &str) -> String {
    let note = format!("<p class=\"note how-to-read\">{}</p>\n", escape(P10_P90));
    let body = match body.rfind("<footer") {
        Some(i) => format!("{}{note}{}", &body[..i], &body[i..]),
        None => format!("{body}{note}"),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// A chart as an inline SVG figure with a caption.
pub fn figure(chart: &Chart, svg: &str) -> String {
    // The XML prolog is not allowed inside HTML.
    let svg = svg.trim_start_matches(|c| c != '<');
    let svg = match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(svg, |(_, r)| r.trim_start()),
        None => svg,
    };
    let what = crate::charts::what_it_shows(&chart.name).map_or_else(
        || format!("{}.", chart.title.trim_end_matches('.')),
        str::to_string,
    );
    format!(
        "<figure id=\"{}\">\n{svg}\n<figcaption>{} <span class=\"files\">(<code>charts/{}.svg</code>, <code>.png</code>)</span></figcaption>\n</figure>\n",
        escape(&chart.name),
        escape(&what),
        escape(&chart.name)
    )
}

fn card(out: &mut String, key: &str, value: &str, sub: &str) {
    let _ = writeln!(
        out,
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
        escape(key),
        escape(value),
        escape(sub)
    );
}

/// "62% (60–64%)".
pub fn prob(p: &Probability) -> String {
    format!("{} ({}–{})", pct(p.p), pct(p.ci95_low), pct(p.ci95_high))
}

fn range(d: &Distribution, f: fn(f64) -> String) -> String {
    format!("{}–{}", f(d.p10), f(d.p90))
}

fn period_row(out: &mut String, p: &PeriodSummary) {
    let partial = if p.label != "horizon" && p.months < 12 {
        format!(" ({} mo)", p.months)
    } else {
        String::new()
    };
    let cells = [
        format!("{}{partial}", p.label),
        p.plan_bookings_usd.map_or("–".into(), usd),
        p.p_hit_plan.as_ref().map_or("–".into(), prob),
        crate::report::table::share_of_plan(p).map_or("–".into(), pct),
        usd(p.bookings_usd.p10),
        usd(p.bookings_usd.p50),
        usd(p.bookings_usd.p90),
        usd(p.bookings_usd.mean),
        usd(p.ending_arr_usd.p50),
        count(p.ending_headcount.p50),
        p.share_of_reps_at_quota
            .as_ref()
            .map_or("–".into(), |d| pct(d.mean)),
    ];
    out.push_str("<tr>");
    for c in cells {
        let _ = write!(out, "<td>{}</td>", escape(&c));
    }
    out.push_str("</tr>\n");
}

/// The table of fiscal years and the horizon.
pub fn period_table(summary: &Summary) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Period</th><th>Plan</th><th>P(hit plan) (95% CI)</th><th>% of plan (P50)</th><th>Bookings P10</th><th>P50</th><th>P90</th><th>Mean</th><th>Ending ARR P50</th><th>Reps at end P50</th><th>Reps at quota</th></tr></thead>\n<tbody>\n",
    );
    for p in &summary.fiscal_years {
        period_row(&mut out, p);
    }
    period_row(&mut out, &summary.horizon);
    out.push_str("</tbody></table></div>\n");
    out
}

/// A TOML value made readable: money keys as $1.2M.
pub fn readable(key: &str, value: &str) -> String {
    if !key.ends_with("_usd") {
        return value.to_string();
    }
    let money = |v: &str| v.trim().replace('_', "").parse::<f64>().ok().map(usd);
    if let Some(m) = money(value) {
        return m;
    }
    // A list of amounts, such as a plan per fiscal year.
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let parts: Option<Vec<String>> = inner.split(',').map(money).collect();
        if let Some(p) = parts {
            return format!("[{}]", p.join(", "));
        }
    }
    value.to_string()
}

fn assumptions(s: &Scenario) -> String {
    let flat = s.flatten();
    let mut out = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Assumption</th><th class=\"text\">In words</th><th class=\"text\">Keys in the file</th></tr></thead>\n<tbody>\n",
    );
    for a in crate::assumptions::key_assumptions(s) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text mono note\">{}</td></tr>",
            escape(a.label),
            escape(&a.words),
            escape(a.keys)
        );
    }
    out.push_str("</tbody></table></div>\n");
    let _ = write!(
        out,
        "<details><summary>All {} settings of the resolved scenario</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>Key</th><th class=\"text\">Value</th></tr></thead>\n<tbody>\n",
        flat.len()
    );
    for (k, v) in &flat {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"text mono\">{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("</tbody></table></div></details>\n");
    out
}

/// The reproducibility footer.
pub fn footer(m: &Manifest, command: &str) -> String {
    format!(
        "<footer>Made by revsim {} (results version {}) from <code>{}</code> (SHA-256 <code>{}</code>), seed {}, {} trials. Same file, seed, trial count and version give the same figures: <code>{}</code>. Quantiles are type 7 (Excel PERCENTILE.INC); intervals are 95%.</footer>\n",
        escape(m.revsim_version),
        m.results_version,
        escape(&m.scenario_path),
        escape(&m.scenario_sha256),
        m.seed,
        m.trials,
        escape(command)
    )
}

/// The report of one run. `charts` pairs each chart with its SVG.
pub fn run_report(
    s: &Scenario,
    summary: &Summary,
    charts: &[(Chart, String)],
    manifest: &Manifest,
) -> String {
    let mut b = run_header(s, summary);
    b.push_str(&run_cards(summary));

    b.push_str("<h2>Charts</h2>\n");
    for (chart, svg) in charts {
        b.push_str(&figure(chart, svg));
    }

    b.push_str("<h2>By fiscal year</h2>\n");
    b.push_str(&period_table(summary));
    b.push_str("<p class=\"note\">P(hit plan) is the share of trials whose bookings reach the plan, with its 95% Wilson interval. % of plan is P50 bookings divided by the plan: how close the likely outcome comes, even where P(hit plan) is 0% or 100%. Partial fiscal years carry a pro-rated plan. Reps at quota: mean share of reps in seat at year end at or above quota.</p>\n");

    if let Some(layers) = &summary.spread_by_layer {
        b.push_str(&layer_table(layers));
    }

    b.push_str("<h2>Key assumptions</h2>\n");
    b.push_str(&assumptions(s));
    b.push_str(&uncertain_assumptions(s));

    b.push_str(&footer(manifest, &run_command(manifest)));
    page(&format!("{} · revsim forecast", summary.scenario), &b)
}

/// Where the spread comes from: the sentence, and the horizon's bookings and P(hit plan) as each
/// layer is held at its centre.
fn layer_table(l: &crate::layers::LayerSpread) -> String {
    let mut out = String::from("<h2>Where the spread comes from</h2>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(&l.sentence()));
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>What varies</th><th>Bookings P10</th><th>P50</th><th>P90</th><th>P(hit plan), horizon</th><th>P(hit plan), first year</th></tr></thead>\n<tbody>\n");
    let p = |x: Option<crate::stats::Probability>| x.map_or("-".to_string(), |x| pct(x.p));
    for r in &l.runs {
        let b = &r.bookings_usd;
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(r.varies),
            usd(b.p10),
            usd(b.p50),
            usd(b.p90),
            p(r.p_hit_plan),
            p(r.first_year_p_hit_plan)
        );
    }
    out.push_str("</tbody></table></div>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Each row reruns the first {} trials on the same random numbers with fewer layers: the uncertain parameters held at the values in the file, then the demand factor at its median and no monthly shock as well. See docs/model.md, \"Uncertainty: three layers\".</p>",
        crate::words::thousands(l.trials)
    );
    out
}

/// The beliefs of the uncertain parameters: what the org does not know about itself.
fn uncertain_assumptions(s: &Scenario) -> String {
    let u = &s.uncertainty;
    if u.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h3>What the org does not know about itself</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>Parameter</th><th>P10</th><th>P50 (the file's value)</th><th>P90</th></tr></thead>\n<tbody>\n",
    );
    for p in &u.params {
        let (lo, hi) = (p.quantile(0.1), p.quantile(0.9));
        let name = crate::scenario::params::label_of(&p.path);
        let _ = writeln!(
            out,
            "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&name),
            escape(&p.path),
            fmt_value(lo),
            fmt_value(p.quantile(0.5)),
            fmt_value(hi)
        );
    }
    out.push_str("</tbody></table></div>\n<p class=\"note\">Each drawn once per trial and held for the whole trial; P10 is the 10th percentile of the draws.</p>\n");
    out
}

/// A parameter's value for a table: four significant digits.
fn fmt_value(v: f64) -> String {
    crate::words::fmt_num(crate::words::sig(v, 4))
}

/// The top of a run's report: the scenario's name and description, the answer, and the chance
/// of each year's plan.
fn run_header(s: &Scenario, summary: &Summary) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header>\n<p class=\"eyebrow\">revsim forecast · {} trials · seed {}</p>\n<h1>{}</h1>",
        summary.trials,
        summary.seed,
        escape(&summary.scenario)
    );
    if !summary.description.is_empty() {
        let _ = writeln!(b, "<p class=\"desc\">{}</p>", escape(&summary.description));
    }
    b.push_str("</header>\n");
    let lead = headline::lead(s, summary);
    for (i, line) in lead.iter().enumerate() {
        let class = if i == 0 { "answer" } else { "answer second" };
        let _ = writeln!(b, "<p class=\"{class}\">{}</p>", escape(line));
    }
    if let Some(y) = headline::by_year(summary) {
        let _ = writeln!(b, "<p class=\"byyear\">{}</p>", escape(&y));
    }
    b
}

/// The key figures of the horizon as cards: chance of plan, bookings, ARR, reps, and VP
/// turnover when it is modelled.
fn run_cards(summary: &Summary) -> String {
    let h = &summary.horizon;
    let mut b = String::from("<div class=\"cards\">\n");
    if let Some(f) = summary
        .fiscal_years
        .first()
        .filter(|f| f.months != h.months)
        && let (Some(plan), Some(hit)) = (f.plan_bookings_usd, f.p_hit_plan.as_ref())
    {
        card(
            &mut b,
            &format!("Chance of hitting the {} plan", f.label),
            &pct(hit.p),
            &format!(
                "plan {}; P50 {} ({} of plan); 95% CI {}–{}",
                usd(plan),
                usd(f.bookings_usd.p50),
                pct(f.bookings_usd.p50 / plan),
                pct(hit.ci95_low),
                pct(hit.ci95_high)
            ),
        );
    }
    if let (Some(plan), Some(hit)) = (h.plan_bookings_usd, h.p_hit_plan.as_ref()) {
        card(
            &mut b,
            "Chance of hitting the horizon's plan",
            &pct(hit.p),
            &format!(
                "plan {}; 95% CI {}–{}",
                usd(plan),
                pct(hit.ci95_low),
                pct(hit.ci95_high)
            ),
        );
    }
    card(
        &mut b,
        "Bookings, median (P50)",
        &usd(h.bookings_usd.p50),
        &format!("P10–P90 {}", range(&h.bookings_usd, usd)),
    );
    card(
        &mut b,
        "ARR at the end (P50)",
        &usd(h.ending_arr_usd.p50),
        &format!("P10–P90 {}", range(&h.ending_arr_usd, usd)),
    );
    card(
        &mut b,
        "Reps in seat at the end (P50)",
        &count(h.ending_headcount.p50),
        &format!(
            "P10–P90 {}; {} hires, {} leavers on average",
            range(&h.ending_headcount, count),
            count(h.hires.mean),
            count(h.departures.mean)
        ),
    );
    if let Some(vp) = &summary.vp_of_sales {
        card(
            &mut b,
            "VP of Sales changes",
            &format!("{:.1}", vp.changes.mean),
            &format!(
                "per trial on average; {:.1} months in transition",
                vp.months_in_transition.mean
            ),
        );
        if let Some(lost) = &vp.bookings_lost_to_turnover_usd {
            card(
                &mut b,
                "Bookings lost to VP turnover",
                &usd(lost.mean),
                &format!("mean; P10–P90 {}", range(lost, usd)),
            );
        }
    }
    b.push_str("</div>\n");
    b
}

/// The command that reproduces a run.
fn run_command(manifest: &Manifest) -> String {
    format!(
        "revsim run {} --seed {} --trials {}{}",
        shell_word(&manifest.scenario_path),
        manifest.seed,
        manifest.trials,
        manifest
            .overrides
            .iter()
            .map(|s| format!(" --set {}", shell_word(s)))
            .collect::<String>()
    )
}

/// What the comparison report needs to say how it was made.
#[derive(Debug, Clone)]
pub struct CompareInfo {
    /// revsim version.
    pub revsim_version: &'static str,
    /// Results version.
    pub results_version: u32,
    /// Seed shared by every scenario.
    pub seed: u64,
    /// Trials per scenario.
    pub trials: usize,
    /// The command that reproduces the comparison.
    pub command: String,
}

fn signed_usd(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", usd(v))
    } else {
        usd(v)
    }
}

fn estimate(e: &crate::compare::Estimate) -> String {
    if !e.ci95_low.is_finite() {
        return format!("{} (no interval from one trial)", signed_usd(e.value));
    }
    format!(
        "{} ({} to {})",
        signed_usd(e.value),
        signed_usd(e.ci95_low),
        signed_usd(e.ci95_high)
    )
}

fn swatch(i: usize) -> String {
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>",
        crate::charts::hex(crate::charts::compare::color(i))
    )
}

/// One sentence per scenario against the reference.
pub fn compare_sentence(d: &crate::compare::Difference) -> String {
    let p50 = &d.p50_difference_usd;
    let direction = if p50.value >= 0.0 { "higher" } else { "lower" };
    let median = if p50.value == 0.0 && p50.ci95_low == 0.0 && p50.ci95_high == 0.0 {
        "median bookings the same".to_string()
    } else if !p50.ci95_low.is_finite() {
        format!("median bookings {} {direction}", usd(p50.value.abs()))
    } else {
        format!(
            "median bookings {} {direction} (95% CI {} to {})",
            usd(p50.value.abs()),
            signed_usd(p50.ci95_low),
            signed_usd(p50.ci95_high)
        )
    };
    let plan = match (d.p_hit_plan, d.p_hit_plan_reference) {
        (Some(b), Some(a)) => format!(
            "{} chance of hitting plan against {} for {}; ",
            pct(b.p),
            pct(a.p),
            d.reference
        ),
        _ => String::new(),
    };
    let more = d.p_beats_reference.p;
    let less = (1.0 - more - d.share_tied).max(0.0);
    let split = if d.share_tied >= 0.005 {
        format!(
            "more than {} in {} of trials, the same in {}, less in {}",
            d.reference,
            pct(more),
            pct(d.share_tied),
            pct(less)
        )
    } else {
        format!(
            "more than {} in {} of trials, less in {}",
            d.reference,
            pct(more),
            pct(less)
        )
    };
    format!(
        "{}: {plan}{median}; trial by trial it books {split}.",
        d.scenario
    )
}

fn difference_rows(
    out: &mut String,
    arms: &[crate::compare::Arm],
    diffs: &[crate::compare::Difference],
    period: &str,
) {
    let idx = |label: &str| arms.iter().position(|a| a.label == label).unwrap_or(0);
    let mut first = true;
    for d in diffs.iter().filter(|d| d.period == period) {
        if first {
            let a = &arms[0];
            let p = if period == "horizon" {
                Some(&a.summary.horizon)
            } else {
                a.summary.fiscal_years.iter().find(|f| f.label == period)
            };
            let hit = p
                .and_then(|p| p.p_hit_plan.as_ref())
                .map_or("–".into(), prob);
            let _ = writeln!(
                out,
                "<tr><td>{}{} <span class=\"note\">(reference)</span></td><td>{}</td><td>{}</td><td>–</td><td>–</td><td>–</td><td>{}</td><td>–</td></tr>",
                swatch(0),
                escape(&d.reference),
                escape(period),
                escape(&usd(d.p50_reference_usd)),
                escape(&hit)
            );
            first = false;
        }
        let _ = writeln!(
            out,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            swatch(idx(&d.scenario)),
            escape(&d.scenario),
            escape(period),
            escape(&usd(d.p50_usd)),
            escape(&estimate(&d.p50_difference_usd)),
            escape(&estimate(&d.mean_difference_usd)),
            escape(&prob(&d.p_beats_reference)),
            escape(&d.p_hit_plan.as_ref().map_or("–".into(), prob)),
            escape(&d.p_hit_plan_difference.as_ref().map_or("–".into(), points))
        );
    }
}

/// A difference of two shares in percentage points with its interval: "-6 pts (-7 to -5)".
pub fn points(e: &crate::compare::Estimate) -> String {
    let pts = |v: f64| {
        let p = v * 100.0;
        let shown = if p.abs() < 9.95 {
            format!("{p:+.1}")
        } else {
            format!("{p:+.0}")
        };
        if shown.parse::<f64>() == Ok(0.0) {
            "0".to_string()
        } else {
            shown
        }
    };
    if !e.ci95_low.is_finite() {
        return format!("{} pts", pts(e.value));
    }
    format!(
        "{} pts ({} to {})",
        pts(e.value),
        pts(e.ci95_low),
        pts(e.ci95_high)
    )
}

/// The fiscal year in which `scenario` differs most from the reference: the largest change in
/// P(hit plan), or with no plan the largest change in P50 bookings relative to the
/// reference's. `None` without whole-year differences.
pub fn largest_year<'d>(
    diffs: &'d [crate::compare::Difference],
    scenario: &str,
) -> Option<&'d crate::compare::Difference> {
    let size = |d: &crate::compare::Difference| match &d.p_hit_plan_difference {
        Some(e) if e.value.is_finite() => e.value.abs(),
        _ => (d.p50_difference_usd.value / d.p50_reference_usd.abs().max(1.0)).abs(),
    };
    diffs
        .iter()
        .filter(|d| d.scenario == scenario && d.period != "horizon")
        .fold(
            None,
            |best: Option<&crate::compare::Difference>, d| match best {
                Some(b) if size(b) >= size(d) => Some(b),
                _ => Some(d),
            },
        )
}

/// "FY2028 is where vp-churn differs most from vp-stable: P(hit plan) 27% → 21% (-6 pts, 95% CI
/// -7 to -5); P50 bookings -$0.62M (95% CI ...)."
pub fn year_sentence(d: &crate::compare::Difference) -> String {
    let p50 = format!(
        "P50 bookings {} → {}, {}",
        usd(d.p50_reference_usd),
        usd(d.p50_usd),
        with_ci(&estimate(&d.p50_difference_usd))
    );
    let plan = match (
        d.p_hit_plan_reference,
        d.p_hit_plan,
        &d.p_hit_plan_difference,
    ) {
        (Some(a), Some(b), Some(e)) => format!(
            "P(hit plan) {} → {}, {}; ",
            pct(a.p),
            pct(b.p),
            with_ci(&points(e))
        ),
        _ => String::new(),
    };
    format!(
        "{} is where {} differs most from {}: {plan}{p50}.",
        d.period, d.scenario, d.reference
    )
}

/// "-6 pts (-7 to -5)" as "-6 pts (95% CI -7 to -5)".
fn with_ci(s: &str) -> String {
    s.replacen(" (", " (95% CI ", 1)
}

/// A mechanism figure as the report shows it: "0.45", "18", "23.4%".
fn mechanism_value(m: &crate::compare::Mechanism, v: Option<f64>) -> String {
    let Some(v) = v else {
        return "–".into();
    };
    match m.figure {
        "vp_changes" | "coverage_effort" => format!("{v:.2}"),
        "completed_vp_tenure_months" | "ending_reps" => count(v),
        "realised_win_rate" => format!("{:.1}%", v * 100.0),
        _ => format!("{v:.1}"),
    }
}

/// A mechanism figure's name inside a sentence: "months in a VP transition".
fn mechanism_words(m: &crate::compare::Mechanism) -> &'static str {
    match m.figure {
        "vp_changes" => "VP of Sales changes",
        "completed_vp_tenure_months" => "completed VP tenure",
        "vp_transition_months" => "months in a VP transition",
        "hires" => "hires",
        "leavers" => "leavers",
        "vacant_seats" => "vacant seats",
        "realised_win_rate" => "realised win rate",
        "coverage_effort" => "coverage effort",
        "ending_reps" => "reps in seat at the end",
        _ => m.label,
    }
}

/// The mechanism behind one alternative (`k`, an index into the arms) against the reference:
/// the three figures that change most, relative to the reference's, in `year` and over the
/// horizon. "Behind it, vp-stable vs vp-churn: in FY2028, months in a VP transition 4.8 vs
/// 6.5, ...; over the horizon, VP of Sales changes 1.07 vs 1.36, ...". `None` when nothing
/// shown differs.
pub fn mechanism_sentence(
    arms: &[crate::compare::Arm],
    mechanism: &[crate::compare::Mechanism],
    k: usize,
    year: Option<&str>,
) -> Option<String> {
    let top = |period: &str| -> Option<String> {
        let mut moved: Vec<(f64, String)> = mechanism
            .iter()
            .filter_map(|m| {
                let p = m.periods.iter().find(|p| p.period == period)?;
                let (a, b) = (p.values.first().copied()??, p.values.get(k).copied()??);
                let (sa, sb) = (mechanism_value(m, Some(a)), mechanism_value(m, Some(b)));
                (sa != sb).then(|| {
                    (
                        (b - a).abs() / a.abs().max(1e-9),
                        format!(
                            "{} {sa} vs {sb}{}",
                            mechanism_words(m),
                            if m.unit == "months" && m.horizon_only {
                                " months"
                            } else {
                                ""
                            }
                        ),
                    )
                })
            })
            .collect();
        moved.sort_by(|x, y| y.0.total_cmp(&x.0));
        (!moved.is_empty()).then(|| {
            moved
                .into_iter()
                .take(3)
                .map(|(_, s)| s)
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let mut parts = Vec::new();
    if let Some(y) = year
        && let Some(t) = top(y)
    {
        parts.push(format!("in {y}, {t}"));
    }
    if let Some(t) = top("horizon") {
        parts.push(format!("over the horizon, {t}"));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "Behind it, {} vs {}: {}.",
            arms[0].label,
            arms[k].label,
            parts.join("; ")
        )
    })
}

/// The fiscal years the headline names, one per alternative (usually one in all), in the
/// reference's order.
pub fn headline_years<'d>(
    arms: &[crate::compare::Arm],
    diffs: &'d [crate::compare::Difference],
) -> Vec<&'d str> {
    let mut years: Vec<&str> = arms
        .iter()
        .skip(1)
        .filter_map(|b| largest_year(diffs, &b.label).map(|d| d.period.as_str()))
        .collect();
    let order = |y: &str| {
        arms[0]
            .summary
            .fiscal_years
            .iter()
            .position(|f| f.label == y)
    };
    years.sort_by_key(|y| order(y));
    years.dedup();
    years
}

/// The mechanism behind the differences (VP turnover, hiring and vacancy, the realised win
/// rate, the coverage effort), one row per figure: each scenario's value in the fiscal years
/// the headline names (`years`), then over the horizon. Rows whose figures differ come first;
/// the others are named in a line under the table. Every fiscal year is in `comparison.json`.
fn mechanism_table(
    arms: &[crate::compare::Arm],
    mechanism: &[crate::compare::Mechanism],
    years: &[&str],
    horizon: &str,
) -> String {
    let mut columns: Vec<(String, Option<&str>)> = years
        .iter()
        .map(|y| (format!("{y} (where they differ most)"), Some(*y)))
        .collect();
    columns.push((format!("Horizon ({horizon})"), None));
    // The cells of a figure: per column, the scenarios' values, or `None` for a figure that
    // exists over the horizon only.
    let cells = |m: &crate::compare::Mechanism| -> Vec<Option<Vec<String>>> {
        columns
            .iter()
            .map(|(_, y)| {
                let name = y.unwrap_or("horizon");
                m.periods
                    .iter()
                    .find(|p| p.period == name)
                    .map(|p| p.values.iter().map(|v| mechanism_value(m, *v)).collect())
            })
            .collect()
    };
    let (differ, same): (
        Vec<&crate::compare::Mechanism>,
        Vec<&crate::compare::Mechanism>,
    ) = mechanism.iter().partition(|m| {
        cells(m)
            .iter()
            .flatten()
            .any(|v| v.windows(2).any(|w| w[0] != w[1]))
    });
    let n = arms.len();
    let mut b = String::from(
        "<h2>What differs in the mechanism</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th rowspan=\"2\">Figure</th>",
    );
    for (title, _) in &columns {
        let _ = write!(
            b,
            "<th class=\"group\" colspan=\"{n}\">{}</th>",
            escape(title)
        );
    }
    b.push_str("</tr>\n<tr>");
    for _ in &columns {
        for (i, a) in arms.iter().enumerate() {
            let _ = write!(b, "<th>{}{}</th>", swatch(i), escape(&a.label));
        }
    }
    b.push_str("</tr></thead>\n<tbody>\n");
    for m in &differ {
        let _ = write!(b, "<tr><td>{}</td>", escape(m.label));
        for c in cells(m) {
            match c {
                Some(values) => {
                    for v in values {
                        let _ = write!(b, "<td>{}</td>", escape(&v));
                    }
                }
                None => {
                    let _ = write!(
                        b,
                        "<td class=\"note group\" colspan=\"{n}\">horizon only</td>"
                    );
                }
            }
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</tbody></table></div>\n");
    let mut note = String::from(
        "What drives the bookings differences: each scenario's own figures, on the same random numbers",
    );
    match years {
        [] => note.push_str(", over the horizon."),
        [y] => note.push_str(&format!(
            ", in {y}, the fiscal year where the scenarios differ most (as in the headline), and over the horizon."
        )),
        _ => note.push_str(&format!(
            ", in {}, the fiscal years where the scenarios differ most (as in the headlines), and over the horizon.",
            years.join(" and ")
        )),
    }
    note.push_str(" Counts are per trial (means over trials, or the median where marked); monthly figures are averaged over the period's months.");
    if mechanism.iter().any(|m| m.horizon_only) {
        note.push_str(
            " Completed VP tenure is measured over the horizon only (the VPs who left during it).",
        );
    }
    note.push_str(" Every fiscal year: comparison.json, field mechanism.");
    if !same.is_empty() {
        let names: Vec<String> = same
            .iter()
            .map(|m| {
                let v = m
                    .periods
                    .first()
                    .and_then(|p| p.values.first().copied())
                    .flatten();
                format!("{} {}", mechanism_words(m), mechanism_value(m, v))
            })
            .collect();
        note.push_str(&format!(
            " The same in every scenario (horizon): {}.",
            names.join("; ")
        ));
    }
    let _ = writeln!(b, "<p class=\"note\">{}</p>", escape(&note));
    b
}

/// The comparison report.
pub fn compare_report(
    arms: &[crate::compare::Arm],
    diffs: &[crate::compare::Difference],
    mechanism: &[crate::compare::Mechanism],
    inputs: &[crate::compare::InputDifference],
    charts: &[(Chart, String)],
    info: &CompareInfo,
) -> String {
    let labels: Vec<&str> = arms.iter().map(|a| a.label.as_str()).collect();
    let title = labels.join(" vs ");
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header>\n<p class=\"eyebrow\">revsim comparison · common random numbers · {} trials each · seed {}</p>\n<h1>{}</h1>\n</header>",
        info.trials,
        info.seed,
        escape(&title)
    );
    for d in diffs.iter().filter(|d| d.period == "horizon") {
        let year = largest_year(diffs, &d.scenario);
        if let Some(y) = year {
            let _ = writeln!(b, "<p class=\"answer\">{}</p>", escape(&year_sentence(y)));
        }
        let _ = writeln!(
            b,
            "<p class=\"answer second\">Over the horizon: {}</p>",
            escape(&compare_sentence(d))
        );
        let k = arms.iter().position(|a| a.label == d.scenario).unwrap_or(0);
        if let Some(m) = mechanism_sentence(arms, mechanism, k, year.map(|y| y.period.as_str())) {
            let _ = writeln!(b, "<p class=\"byyear\">{}</p>", escape(&m));
        }
    }
    b.push_str(&scenario_table(arms));
    let years = headline_years(arms, diffs);
    b.push_str(&mechanism_table(
        arms,
        mechanism,
        &years,
        &headline::horizon_words(&arms[0].scenario),
    ));
    b.push_str(&difference_tables(arms, diffs));
    b.push_str(&input_differences(inputs, &labels));

    b.push_str("<h2>Charts</h2>\n");
    for (chart, svg) in charts {
        b.push_str(&figure(chart, svg));
    }

    b.push_str("<h2>Each scenario</h2>\n");
    for (i, a) in arms.iter().enumerate() {
        let _ = writeln!(
            b,
            "<h3>{}{}</h3>\n<p>{}</p>",
            swatch(i),
            escape(&a.label),
            escape(&headline::lead(&a.scenario, &a.summary).join(" "))
        );
        b.push_str(&period_table(&a.summary));
    }
    let _ = writeln!(
        b,
        "<footer>Made by revsim {} (results version {}), seed {}, {} trials per scenario. Reproduce with <code>{}</code>. Quantiles are type 7 (Excel PERCENTILE.INC); intervals are 95%.</footer>",
        escape(info.revsim_version),
        info.results_version,
        info.seed,
        info.trials,
        escape(&info.command)
    );
    page(&format!("{title} · revsim comparison"), &b)
}

/// The scenarios compared: name (with its colour), description and file.
fn scenario_table(arms: &[crate::compare::Arm]) -> String {
    let mut b = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Scenario</th><th class=\"text\">Description</th><th class=\"text\">File</th></tr></thead>\n<tbody>\n",
    );
    for (i, a) in arms.iter().enumerate() {
        let _ = writeln!(
            b,
            "<tr><td>{}{}</td><td class=\"text\">{}</td><td class=\"text mono\">{}</td></tr>",
            swatch(i),
            escape(&a.label),
            escape(&a.summary.description),
            escape(&a.scenario.source)
        );
    }
    b.push_str("</tbody></table></div>\n");
    b
}

/// The differences against the reference over the horizon, with how to read them, then by
/// fiscal year.
fn difference_tables(arms: &[crate::compare::Arm], diffs: &[crate::compare::Difference]) -> String {
    let head = "<thead><tr><th>Scenario</th><th>Period</th><th>Bookings P50</th><th>P50 difference vs reference (95% CI)</th><th>Mean difference (95% CI)</th><th>P(beats reference) (95% CI)</th><th>P(hit own plan) (95% CI)</th><th>P(hit plan) difference (95% CI)</th></tr></thead>\n<tbody>\n";
    let mut b =
        format!("<h2>Differences over the horizon</h2>\n<div class=\"scroll\"><table>\n{head}");
    difference_rows(&mut b, arms, diffs, "horizon");
    b.push_str("</tbody></table></div>\n<p class=\"note\">Every scenario ran the same trials on the same random numbers, so differences are paired trial by trial. P50 difference: median of the scenario minus median of the reference, with a 95% interval from 1,000 paired bootstrap resamples. Mean difference: a 95% normal interval on the paired differences. P(beats reference): share of trials in which the scenario books more, with a Wilson interval; trials where both book exactly the same count as not beating it. Each P(hit plan) is against that scenario's own plan.</p>\n");

    let mut fy: Vec<&str> = Vec::new();
    for d in diffs.iter().filter(|d| d.period != "horizon") {
        if !fy.contains(&d.period.as_str()) {
            fy.push(&d.period);
        }
    }
    if !fy.is_empty() {
        let _ = write!(
            b,
            "<h2>By fiscal year</h2>\n<div class=\"scroll\"><table>\n{head}"
        );
        for p in fy {
            difference_rows(&mut b, arms, diffs, p);
        }
        b.push_str("</tbody></table></div>\n");
    }
    b
}

/// The settings whose values differ between the scenarios (`labels`), one column each.
fn input_differences(inputs: &[crate::compare::InputDifference], labels: &[&str]) -> String {
    let mut b = String::from("<h2>What differs in the inputs</h2>\n");
    if inputs.is_empty() {
        b.push_str("<p>The resolved scenarios are identical.</p>\n");
        return b;
    }
    b.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Setting</th>");
    for (i, l) in labels.iter().enumerate() {
        let _ = write!(b, "<th class=\"text\">{}{}</th>", swatch(i), escape(l));
    }
    b.push_str("</tr></thead>\n<tbody>\n");
    for d in inputs {
        let _ = write!(b, "<tr><td class=\"mono\">{}</td>", escape(&d.key));
        for v in &d.values {
            let shown = match v {
                Some(v) => readable(&d.key, v),
                None => "(not set)".into(),
            };
            let _ = write!(b, "<td class=\"text mono\">{}</td>", escape(&shown));
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</tbody></table></div>\n<p class=\"note\">Keys of the resolved scenarios whose values differ; these are the assumptions behind the differences above.</p>\n");
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn money_keys_read_as_money() {
        assert_eq!(readable("customers.starting_arr_usd", "90000000"), "$90.0M");
        assert_eq!(readable("org.seats", "50"), "50");
        assert_eq!(
            readable("plan.fiscal_year_bookings_usd", "[27000000.0, 30000000.0]"),
            "[$27.0M, $30.0M]"
        );
    }
}
