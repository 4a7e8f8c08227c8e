//! The scenario fragment: the fitted values as commented TOML a planner can paste into a
//! scenario or lay over a base with `extends`.
//!
//! Written by hand rather than through `toml`, because every value carries a comment saying
//! what it was fitted from, how many observations, and how well the distribution fits (the
//! Kolmogorov-Smirnov distance D). Values are rounded for reading (money to whole dollars,
//! other numbers to four significant digits; outcome shares to four decimals, adjusted so the
//! three sum to exactly 1); fit.json keeps them at full precision. [`check()`] loads a fragment
//! over a minimal scenario, so a fragment that is written is known to load.
//!
//! This module composes the fragment, a function per table and value; how numbers, strings and
//! comments are written is in `toml_text`, the check in `check`.

mod beliefs;
mod check;
mod market;
mod toml_text;

use std::fmt::Write;

pub use check::check;
use toml_text::bp;
pub(crate) use toml_text::comment;
pub use toml_text::{shares_bp, toml_number, toml_string};

use super::estimate::{BetaBinomialFit, Ks, LognormalFit};
use super::fit::{
    Calibration, Creation, Cycle, DealSize, Fit, OutcomeShares, SegmentFit, SizeModel, Table,
};
use crate::crm::history::History;
use crate::crm::outcomes::Outcome;
use crate::words::{counted, money, p_text, sig, thousands as count, usd_whole as usd};

/// What the fragment says about where it came from.
#[derive(Debug, Clone, Default)]
pub struct FragmentOptions {
    /// The base scenario to extend, as written in `extends` (relative to the fragment's
    /// folder); `None` writes a commented example line instead.
    pub extends: Option<String>,
    /// The scenario name, written when `extends` is (a pasted fragment must not bring one).
    pub name: Option<String>,
}

/// "KS D = 0.031 (p = 0.93)".
pub fn ks_text(ks: &Ks) -> String {
    format!("KS D = {:.3} ({})", ks.d, p_text(ks.p_value))
}

/// The fragment for the whole org.
pub fn org_fragment(history: &History, cal: &Calibration, opts: &FragmentOptions) -> String {
    fragment(history, &cal.org, None, opts)
}

/// The fragment for one segment: its own fits, with its win rate shrunk toward the org's.
pub fn segment_fragment(
    history: &History,
    cal: &Calibration,
    seg: &SegmentFit,
    opts: &FragmentOptions,
) -> String {
    fragment(history, &seg.fit, Some((seg, cal)), opts)
}

/// The heading, then `[pipeline]` (creation rate, deal size, cycle times), then
/// `[pipeline.outcomes]` and `[reps]` when there are closed deals.
fn fragment(
    history: &History,
    fit: &Fit,
    segment: Option<(&SegmentFit, &Calibration)>,
    opts: &FragmentOptions,
) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        history,
        fit,
        segment.map(|(s, _)| s.segment.as_str()),
        opts,
    );
    out.push_str("[pipeline]\n");
    if let Some(c) = &fit.creation {
        creation_lines(&mut out, c, fit);
    }
    if let Some(d) = &fit.deal_size {
        size_line(&mut out, d, fit);
    }
    for o in Outcome::CLOSED {
        if let Some(c) = fit.cycle(o) {
            cycle_line(&mut out, c);
        }
    }

    let mut won_written = None;
    if let Some(s) = &fit.outcomes {
        let won = outcomes_table(&mut out, fit, s, segment);
        won_written = Some(f64::from(won) / 10_000.0);
        if let Some(bb) = &fit.rep_win_rates {
            reps_table(&mut out, fit, bb, won, segment.is_some());
        }
    }
    market::market_table(&mut out, fit);
    beliefs::uncertainty_table(&mut out, fit, won_written);
    out
}

/// The opportunity rate written: the history's pooled rate, or, when the market's trend is
/// written, its level in the month after the history; with the history's rate in that case.
fn opportunity_rate(fit: &Fit) -> (f64, Option<f64>) {
    let rate = fit.creation.as_ref().map_or(0.0, |c| c.rate);
    match fit.market.as_ref().and_then(|m| m.rate_at_end) {
        Some(end) => (end, Some(rate)),
        None => (rate, None),
    }
}

/// The heading comment: source, period, counts, skipped rows, and how to use the fragment.
fn heading(
    out: &mut String,
    history: &History,
    fit: &Fit,
    scope: Option<&str>,
    opts: &FragmentOptions,
) {
    provenance(out, history, fit, scope);
    out.push_str("#\n");
    usage(out, opts);
    for n in &fit.notes {
        comment(out, &format!("Note: {n}."));
    }
    out.push('\n');
    if let Some(e) = &opts.extends {
        let _ = writeln!(out, "extends = {}", toml_string(e));
        if let Some(n) = &opts.name {
            let _ = writeln!(out, "name = {}", toml_string(n));
        }
        out.push('\n');
    }
}

/// Where the values come from: the export, its period, its counts and the rows skipped.
fn provenance(out: &mut String, history: &History, fit: &Fit, scope: Option<&str>) {
    let c = &fit.counts;
    let period = match (fit.first_created, fit.last_closed) {
        (Some(a), Some(b)) => format!(", created from {a}, closed up to {b}"),
        (Some(a), None) => format!(", created from {a}"),
        _ => String::new(),
    };
    let what = match scope {
        Some(s) => format!("segment \"{s}\" of "),
        None => String::new(),
    };
    comment(
        out,
        &format!(
            "revsim calibrate: fitted from {what}{} ({} layout){period}.",
            history.file,
            history.columns.layout_name()
        ),
    );
    comment(
        out,
        &format!(
            "{} ({} won, {} lost, {} no decision) and {} open, {}.",
            counted(c.closed, "closed opportunity"),
            count(c.won),
            count(c.lost),
            count(c.no_decision),
            count(c.open),
            counted(fit.reps.len(), "owner")
        ),
    );
    if !history.bad_rows.is_empty() {
        let by: Vec<String> = history
            .bad_row_counts()
            .iter()
            .map(|(k, n)| format!("{} {}", count(*n), k.label()))
            .collect();
        comment(
            out,
            &format!(
                "{} bad rows of the export were skipped ({}).",
                count(history.bad_rows.len()),
                by.join(", ")
            ),
        );
    }
}

/// How to use the fragment (with or without `extends`), and how to read its comments.
fn usage(out: &mut String, opts: &FragmentOptions) {
    match &opts.extends {
        Some(_) => comment(
            out,
            "This file extends the base scenario named below: the base's settings apply except the ones fitted here. Run or check it as it is (`revsim check` on this file).",
        ),
        None => {
            comment(
                out,
                "Lay it over a base scenario by adding an `extends` line (the path is relative to this file), e.g.",
            );
            out.push_str("#   extends = \"../../scenarios/baseline.toml\"\n");
            comment(
                out,
                "or copy the keys into the [pipeline], [pipeline.outcomes], [reps], [market] and [uncertainty.parameters] tables of your scenario.",
            );
        }
    }
    comment(
        out,
        "Each comment says what the value was fitted from, n, and the Kolmogorov-Smirnov distance D between the data and the fitted distribution (0 is a perfect fit; fit-report.html has the plots). The p-values assume the parameters were known in advance; fitted from the same data, they are too high, so read D first.",
    );
}

/// The creation rate, with how much monthly counts vary; inbound is 0 since the rate counts
/// every source.
fn creation_lines(out: &mut String, c: &Creation, fit: &Fit) {
    let disp = match (c.dispersion_index, c.dispersion_p) {
        (Some(i), Some(p)) => format!(
            " An owner's monthly count varies {:.2} times as much as a Poisson count ({}): {}.",
            i,
            p_text(p),
            if p < 0.05 && i > 1.0 {
                "months differ beyond chance (seasonality, market swings: see [market])"
            } else {
                "what chance alone gives"
            }
        ),
        _ => String::new(),
    };
    let (rate, average) = opportunity_rate(fit);
    let trend = match (average, &fit.market) {
        (Some(avg), Some(m)) => format!(
            " The market drifts ([market], below): the rate written is its level in {}, the month after the history, where the history's average is {}.",
            m.rate_month,
            sig(avg, 4)
        ),
        _ => String::new(),
    };
    comment(
        out,
        &format!(
            "Opportunities created per owner per active month (an owner is active from the month of their first created opportunity to the month of their last): {} opportunities, open ones included, over {} of {} (Poisson standard error {}). A rate, so no KS statistic.{disp} It counts every source, so inbound is set to 0.{trend}",
            count(c.opportunities),
            counted(c.rep_months, "rep-month"),
            counted(c.owners, "owner"),
            sig(c.se, 2)
        ),
    );
    let _ = writeln!(
        out,
        "opportunities_per_rep_month = {}",
        toml_number(sig(rate, 4))
    );
    out.push_str("inbound_opportunities_per_month = 0\n");
}

/// `deal_size_usd`: one amount, an empirical table or a lognormal, with what it was fitted
/// from and how other outcomes' sizes compare.
fn size_line(out: &mut String, d: &DealSize, fit: &Fit) {
    let others = other_outcomes_sizes(fit);
    if let Some(v) = d.fixed {
        comment(
            out,
            &format!(
                "Won deals' size: all {} won deals are {} (no spread to fit).{others}",
                count(d.n),
                usd(v)
            ),
        );
        let _ = writeln!(out, "deal_size_usd = {}", toml_number(money(v)));
        return;
    }
    let sample = format!(
        "sample median {}, P90 {}, mean {}",
        usd(d.sample_median_usd),
        usd(d.sample_p90_usd),
        usd(d.sample_mean_usd)
    );
    let engine = if fit.size_by_outcome.is_empty() {
        String::new()
    } else {
        " The engine draws one size for every outcome; this is the won deals', which is what books."
            .into()
    };
    // The end of the comment: the sample, the other outcomes, and why the won deals' size.
    let context = format!("{sample}.{others}{engine}");
    match (&d.table, &d.lognormal, d.model) {
        (Some(t), _, SizeModel::Empirical) => empirical_size(out, d, t, &context),
        (_, Some(l), _) => lognormal_size(out, d, l, &context),
        _ => {}
    }
}

/// Lost and no-decision deals' sizes against the won deals', a sentence each.
fn other_outcomes_sizes(fit: &Fit) -> String {
    fit.size_by_outcome
        .iter()
        .map(|c| {
            let verdict = if c.ks.p_value < 0.05 {
                "they differ"
            } else {
                "no clear difference"
            };
            format!(
                " {} deals (n = {}): median {}, two-sample {} against won deals: {verdict}.",
                capital(c.outcome.label()),
                count(c.n),
                usd(c.median_usd),
                ks_text(&c.ks)
            )
        })
        .collect()
}

/// `deal_size_usd` as a discrete table, ten numbers a line.
fn empirical_size(out: &mut String, d: &DealSize, t: &Table, context: &str) {
    let how = if t.capped {
        format!(
            "{k} equally likely values at the quantiles (i - 0.5) / {k} of the amounts (a table holds at most {k} values)",
            k = t.values.len()
        )
    } else {
        format!("the {} distinct amounts with their shares", t.values.len())
    };
    let ks = d.ks.as_ref().map(ks_text).unwrap_or_default();
    comment(
        out,
        &format!(
            "Won deals' size: empirical table, {how}; n = {}, {ks}; {context}",
            count(d.n)
        ),
    );
    let values: Vec<String> = t.values.iter().map(|v| toml_number(money(*v))).collect();
    let probs: Vec<String> = t.probabilities.iter().map(|p| format!("{p}")).collect();
    let _ = writeln!(out, "deal_size_usd = {{ discrete = {{ values = [");
    for chunk in values.chunks(10) {
        let _ = writeln!(out, "  {},", chunk.join(", "));
    }
    let _ = writeln!(out, "], probabilities = [");
    for chunk in probs.chunks(10) {
        let _ = writeln!(out, "  {},", chunk.join(", "));
    }
    let _ = writeln!(out, "] }} }}");
}

/// `deal_size_usd` as a lognormal by its median and P90.
fn lognormal_size(out: &mut String, d: &DealSize, l: &LognormalFit, context: &str) {
    let zeros = if d.zero_amounts > 0 {
        format!(" ({} deals of $0 left out)", count(d.zero_amounts))
    } else {
        String::new()
    };
    let ks = d.ks.as_ref().map(ks_text).unwrap_or_default();
    comment(
        out,
        &format!(
            "Won deals' size: lognormal by maximum likelihood, n = {}{zeros}, {ks}; {context}",
            count(l.n)
        ),
    );
    let _ = writeln!(
        out,
        "deal_size_usd = {{ lognormal = {{ median = {}, p90 = {} }} }}",
        toml_number(money(l.median)),
        toml_number(money(l.p90))
    );
}

/// `s` with its first letter a capital.
pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The cycle time of one outcome (`cycle_months`, `cycle_months_lost`,
/// `cycle_months_no_decision`): a gamma, or one value when every deal took as long.
fn cycle_line(out: &mut String, c: &Cycle) {
    let key = match c.outcome {
        Outcome::Won => "cycle_months",
        Outcome::Lost => "cycle_months_lost",
        _ => "cycle_months_no_decision",
    };
    let same_day = if c.same_day > 0 {
        format!(
            " ({} closed the day they were created, counted as a third of a day)",
            count(c.same_day)
        )
    } else {
        String::new()
    };
    let sample = format!(
        "sample mean {}, median {} months",
        sig(c.sample_mean_months, 3),
        sig(c.sample_median_months, 3)
    );
    match (&c.gamma, c.fixed_months) {
        (_, None) if c.table.is_some() => {
            let t = c.table.as_ref().expect("checked");
            let how = if t.capped {
                format!(
                    "{k} equally likely values at the quantiles (i - 0.5) / {k} of the cycle times (a table holds at most {k} values)",
                    k = t.values.len()
                )
            } else {
                format!(
                    "the {} distinct cycle times with their shares",
                    t.values.len()
                )
            };
            comment(
                out,
                &format!(
                    "{} deals' cycle (close date - created date, in months of 30.4375 days): empirical table, {how}; n = {}{same_day}, {}; {sample}.",
                    capital(c.outcome.label()),
                    count(c.n),
                    c.ks.as_ref().map(ks_text).unwrap_or_default()
                ),
            );
            let values: Vec<String> = t.values.iter().map(|v| toml_number(sig(*v, 4))).collect();
            let probs: Vec<String> = t.probabilities.iter().map(|p| format!("{p}")).collect();
            let _ = writeln!(out, "{key} = {{ discrete = {{ values = [");
            for chunk in values.chunks(10) {
                let _ = writeln!(out, "  {},", chunk.join(", "));
            }
            let _ = writeln!(out, "], probabilities = [");
            for chunk in probs.chunks(10) {
                let _ = writeln!(out, "  {},", chunk.join(", "));
            }
            let _ = writeln!(out, "] }} }}");
        }
        (Some(g), _) => {
            comment(
                out,
                &format!(
                    "{} deals' cycle (close date - created date, in months of 30.4375 days): gamma by maximum likelihood, n = {}{same_day}, {}; {sample}.",
                    capital(c.outcome.label()),
                    count(c.n),
                    c.ks.as_ref().map(ks_text).unwrap_or_default()
                ),
            );
            let _ = writeln!(
                out,
                "{key} = {{ gamma = {{ mean = {}, sd = {} }} }}",
                toml_number(sig(g.mean, 4)),
                toml_number(sig(g.sd, 4))
            );
        }
        (None, Some(v)) => {
            comment(
                out,
                &format!(
                    "{} deals' cycle: all {} took {} months (no spread to fit).",
                    capital(c.outcome.label()),
                    count(c.n),
                    sig(v, 4)
                ),
            );
            let _ = writeln!(out, "{key} = {}", toml_number(sig(v, 4)));
        }
        _ => {}
    }
}

/// `[pipeline.outcomes]`: the org's shares, or a segment's with its win rate shrunk toward
/// the org's. Returns the won share as written (in basis points).
fn outcomes_table(
    out: &mut String,
    fit: &Fit,
    s: &OutcomeShares,
    segment: Option<(&SegmentFit, &Calibration)>,
) -> u32 {
    out.push_str("\n[pipeline.outcomes]\n");
    let won = match segment {
        Some((seg, cal)) => segment_won_share(out, s, seg, cal),
        None => {
            comment(
                out,
                &format!(
                    "Shares of {} closed opportunities ({} won, {} lost, {} no decision). Shares: no KS statistic.",
                    count(s.n),
                    count(fit.counts.won),
                    count(fit.counts.lost),
                    count(fit.counts.no_decision)
                ),
            );
            s.won
        }
    };
    // Lost and no decision split the rest in their own proportions.
    let lost_share = if s.lost + s.no_decision > 0.0 {
        s.lost / (s.lost + s.no_decision)
    } else {
        0.5
    };
    let (w, l, nd) = shares_bp(won, (1.0 - won) * lost_share);
    let _ = writeln!(
        out,
        "won = {}\nlost = {}\nno_decision = {}",
        bp(w),
        bp(l),
        bp(nd)
    );
    w
}

/// A segment's won share, with its comment: shrunk toward the org's when the spread of
/// segments' win rates could be estimated, its own otherwise.
fn segment_won_share(
    out: &mut String,
    s: &OutcomeShares,
    seg: &SegmentFit,
    cal: &Calibration,
) -> f64 {
    match (
        seg.raw_win_rate,
        seg.shrunk_win_rate,
        &cal.segment_win_rates,
    ) {
        (Some(raw), Some(shrunk), Some(bb)) => {
            comment(
                out,
                &format!(
                    "Won: the segment's win rate {} (raw {} of {} closed) shrunk toward the org's by the beta-binomial over {} segments (prior strength {}); lost and no decision split the rest in the segment's own proportions. Shares: no KS statistic.",
                    bp(shares_bp(shrunk, 0.0).0),
                    bp(shares_bp(raw, 0.0).0),
                    count(s.n),
                    bb.groups,
                    bb.strength.map_or(
                        "infinite: segments do not differ beyond chance".into(),
                        |m| format!("{} deals", sig(m, 3))
                    )
                ),
            );
            shrunk
        }
        _ => {
            comment(
                out,
                &format!(
                    "Shares of the segment's {} closed opportunities, not shrunk (fewer than 3 segments: how much segments differ cannot be estimated). Shares: no KS statistic.",
                    count(s.n)
                ),
            );
            s.won
        }
    }
}

/// `[reps]`: the spread of reps' true win rates around the won share `won_bp` written: the
/// median of its posterior, which `[uncertainty.parameters]` draws from (the maximum-likelihood
/// estimate alone where there is no posterior: no deal, or every deal, won).
fn reps_table(out: &mut String, fit: &Fit, bb: &BetaBinomialFit, won_bp: u32, in_segment: bool) {
    let won = f64::from(won_bp) / 10_000.0;
    let posterior = fit
        .win_rate_spread
        .as_ref()
        .and_then(|p| beliefs::win_rate_quantiles(p, won).map(|q| (p, q)));
    out.push_str("\n[reps]\n");
    let strength = bb
        .strength
        .map_or("infinite".into(), |m| format!("{} deals", sig(m, 3)));
    let se = bb
        .se_sd
        .map_or(String::new(), |se| format!(" (se {})", sig(se, 2)));
    let fitted = format!(
        "Spread (sd) of reps' true win rates: beta-binomial over {} reps with {} closed deals, so chance in small samples is not counted as spread (the raw rates spread {}). Maximum likelihood {}{se}, prior strength {strength}; likelihood-ratio test against no spread: {}.",
        bb.groups,
        count(bb.trials as usize),
        sig(bb.raw_sd, 3),
        sig(bb.sd, 3),
        p_text(bb.p_no_spread),
    );
    let reps = if in_segment {
        "fit.json (segments)"
    } else {
        "reps.csv"
    };
    let (value, how) = match posterior {
        Some((p, (q, _, capped))) => (
            q[1],
            format!(
                " Written: the median of its posterior (uniform prior from 0 to {}, the likelihood profiled over the mean), P10 {} and P90 {}; each trial draws its own spread from that posterior ([uncertainty.parameters]).{}",
                sig(p.prior_max, 2),
                q[0],
                q[2],
                if capped {
                    " Capped below the largest spread a Beta with this mean allows."
                } else {
                    ""
                }
            ),
        ),
        None => {
            let (sd, capped) = win_rate_sd(bb, won);
            (
                sd,
                format!(
                    " Written: the maximum-likelihood estimate.{}",
                    if capped {
                        " Capped below the largest spread a Beta with this mean allows."
                    } else {
                        ""
                    }
                ),
            )
        }
    };
    comment(
        out,
        &format!(
            "{fitted}{how} A count model, so no KS statistic. Each rep's raw and shrunk rate: {reps}."
        ),
    );
    let _ = writeln!(out, "win_rate_sd = {}", toml_number(value));
}

/// The sd written for a mean win rate `won`, and whether it had to be capped.
fn win_rate_sd(bb: &BetaBinomialFit, won: f64) -> (f64, bool) {
    // The scenario's Beta needs sd^2 < won (1 - won); a rate of 0 or 1 has no spread.
    let max = (won * (1.0 - won)).sqrt();
    let sd = sig(bb.sd, 3);
    if sd > 0.0 && (won <= 0.0 || won >= 1.0) {
        (0.0, true)
    } else if sd >= max {
        (sig(max * 0.99, 3), true)
    } else {
        (sd, false)
    }
}

/// The file name of a segment's fragment: `calibrated-<segment>.toml`, the segment in lower
/// case with anything but letters, digits, `-` and `_` turned into `-`; `taken` names are
/// avoided by a numeric suffix.
pub fn segment_file_name(segment: &str, taken: &[String]) -> String {
    let slug: String = segment
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() { "segment" } else { slug };
    let mut name = format!("calibrated-{slug}.toml");
    let mut i = 2;
    while taken.contains(&name) {
        name = format!("calibrated-{slug}-{i}.toml");
        i += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_become_safe_distinct_files() {
        assert_eq!(segment_file_name("SMB", &[]), "calibrated-smb.toml");
        assert_eq!(
            segment_file_name("Mid Market", &[]),
            "calibrated-mid-market.toml"
        );
        assert_eq!(
            segment_file_name("Mid-Market", &["calibrated-mid-market.toml".into()]),
            "calibrated-mid-market-2.toml"
        );
        assert_eq!(segment_file_name("../..", &[]), "calibrated-segment.toml");
    }
}
