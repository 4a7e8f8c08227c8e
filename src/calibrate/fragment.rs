//! The scenario fragment: the fitted values as commented TOML a planner can paste into a
//! scenario or lay over a base with `extends`.
//!
//! Written by hand rather than through `toml`, because every value carries a comment saying
//! what it was fitted from, how many observations, and how well the distribution fits (the
//! Kolmogorov-Smirnov distance D). Values are rounded for reading (money to whole dollars,
//! other numbers to four significant digits; outcome shares to four decimals, adjusted so the
//! three sum to exactly 1); fit.json keeps them at full precision. [`check`] loads a fragment
//! over a minimal scenario, so a fragment that is written is known to load.

use std::fmt::Write;

use super::estimate::Ks;
use super::fit::{Calibration, Cycle, DealSize, Fit, SegmentFit, SizeModel};
use crate::crm::history::History;
use crate::crm::outcomes::Outcome;
use crate::scenario::{InputError, Scenario};
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

/// A number as TOML writes it: the shortest form that reads back to the same value, with `_`
/// between thousands for whole numbers of five digits or more (`30_125`).
pub fn toml_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        let digits = format!("{}", v.abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) && digits.len() >= 5 {
                out.push('_');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v}")
    }
}

/// "KS D = 0.031 (p = 0.93)".
pub fn ks_text(ks: &Ks) -> String {
    format!("KS D = {:.3} ({})", ks.d, p_text(ks.p_value))
}

/// Appends `text` as `#` comment lines of at most 99 characters.
pub(crate) fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 99 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// Outcome shares in basis points, rounded so that they sum to exactly 10,000.
pub fn shares_bp(won: f64, lost: f64) -> (u32, u32, u32) {
    let w = (won * 10_000.0).round().clamp(0.0, 10_000.0) as u32;
    let l = ((lost * 10_000.0).round() as u32).min(10_000 - w);
    (w, l, 10_000 - w - l)
}

fn bp(v: u32) -> String {
    let s = format!("{:.4}", f64::from(v) / 10_000.0);
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

fn size_line(out: &mut String, d: &DealSize, fit: &Fit) {
    let sample = format!(
        "sample median {}, P90 {}, mean {}",
        usd(d.sample_median_usd),
        usd(d.sample_p90_usd),
        usd(d.sample_mean_usd)
    );
    let others: String = fit
        .size_by_outcome
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
        .collect();
    let engine = if fit.size_by_outcome.is_empty() {
        String::new()
    } else {
        " The engine draws one size for every outcome; this is the won deals', which is what books."
            .into()
    };
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
    match (&d.table, &d.lognormal, d.model) {
        (Some(t), _, SizeModel::Empirical) => {
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
                    "Won deals' size: empirical table, {how}; n = {}, {ks}; {sample}.{others}{engine}",
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
        (_, Some(l), _) => {
            let zeros = if d.zero_amounts > 0 {
                format!(" ({} deals of $0 left out)", count(d.zero_amounts))
            } else {
                String::new()
            };
            let ks = d.ks.as_ref().map(ks_text).unwrap_or_default();
            comment(
                out,
                &format!(
                    "Won deals' size: lognormal by maximum likelihood, n = {}{zeros}, {ks}; {sample}.{others}{engine}",
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
        _ => {}
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

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

/// The heading comment: source, period, counts, skipped rows, and how to use the fragment.
fn heading(
    out: &mut String,
    history: &History,
    fit: &Fit,
    scope: Option<&str>,
    opts: &FragmentOptions,
) {
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
    out.push_str("#\n");
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
                "or copy the keys into the [pipeline], [pipeline.outcomes] and [reps] tables of your scenario.",
            );
        }
    }
    comment(
        out,
        "Each comment says what the value was fitted from, n, and the Kolmogorov-Smirnov distance D between the data and the fitted distribution (0 is a perfect fit; fit-report.html has the plots). The p-values assume the parameters were known in advance; fitted from the same data, they are too high, so read D first.",
    );
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

/// A TOML basic string.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
        comment(
            &mut out,
            &format!(
                "Opportunities created per owner per active month (an owner is active from the month of their first created opportunity to the month of their last): {} opportunities, open ones included, over {} of {} (se {}). A rate, so no KS statistic.{disp} It counts every source, so inbound is set to 0.",
                count(c.opportunities),
                counted(c.rep_months, "rep-month"),
                counted(c.owners, "owner"),
                sig(c.se, 2)
            ),
        );
        let _ = writeln!(
            out,
            "opportunities_per_rep_month = {}",
            toml_number(sig(c.rate, 4))
        );
        out.push_str("inbound_opportunities_per_month = 0\n");
    }
    if let Some(d) = &fit.deal_size {
        size_line(&mut out, d, fit);
    }
    for o in Outcome::CLOSED {
        if let Some(c) = fit.cycle(o) {
            cycle_line(&mut out, c);
        }
    }

    if let Some(s) = &fit.outcomes {
        out.push_str("\n[pipeline.outcomes]\n");
        let (won, lost_share) = match segment {
            Some((seg, cal)) => match (
                seg.raw_win_rate,
                seg.shrunk_win_rate,
                &cal.segment_win_rates,
            ) {
                (Some(raw), Some(shrunk), Some(bb)) => {
                    comment(
                        &mut out,
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
                    (
                        shrunk,
                        if s.lost + s.no_decision > 0.0 {
                            s.lost / (s.lost + s.no_decision)
                        } else {
                            0.5
                        },
                    )
                }
                _ => {
                    comment(
                        &mut out,
                        &format!(
                            "Shares of the segment's {} closed opportunities, not shrunk (fewer than 3 segments: how much segments differ cannot be estimated). Shares: no KS statistic.",
                            count(s.n)
                        ),
                    );
                    (
                        s.won,
                        if s.lost + s.no_decision > 0.0 {
                            s.lost / (s.lost + s.no_decision)
                        } else {
                            0.5
                        },
                    )
                }
            },
            None => {
                comment(
                    &mut out,
                    &format!(
                        "Shares of {} closed opportunities ({} won, {} lost, {} no decision). Shares: no KS statistic.",
                        count(s.n),
                        count(fit.counts.won),
                        count(fit.counts.lost),
                        count(fit.counts.no_decision)
                    ),
                );
                (
                    s.won,
                    if s.lost + s.no_decision > 0.0 {
                        s.lost / (s.lost + s.no_decision)
                    } else {
                        0.5
                    },
                )
            }
        };
        let (w, l, nd) = shares_bp(won, (1.0 - won) * lost_share);
        let _ = writeln!(
            out,
            "won = {}\nlost = {}\nno_decision = {}",
            bp(w),
            bp(l),
            bp(nd)
        );

        if let Some(bb) = &fit.rep_win_rates {
            let won = f64::from(w) / 10_000.0;
            // The scenario's Beta needs sd^2 < won (1 - won); a rate of 0 or 1 has no spread.
            let max = (won * (1.0 - won)).sqrt();
            let sd = sig(bb.sd, 3);
            let (sd, capped) = if sd > 0.0 && (won <= 0.0 || won >= 1.0) {
                (0.0, true)
            } else if sd >= max {
                (sig(max * 0.99, 3), true)
            } else {
                (sd, false)
            };
            out.push_str("\n[reps]\n");
            let strength = bb
                .strength
                .map_or("infinite".into(), |m| format!("{} deals", sig(m, 3)));
            comment(
                &mut out,
                &format!(
                    "Spread (sd) of reps' true win rates: beta-binomial by maximum marginal likelihood over {} reps with {} closed deals, so chance in small samples is not counted as spread (the raw rates spread {}); prior strength {strength}; likelihood-ratio test against no spread: {}. A count model, so no KS statistic. Each rep's raw and shrunk rate: {}.{}",
                    bb.groups,
                    count(bb.trials as usize),
                    sig(bb.raw_sd, 3),
                    p_text(bb.p_no_spread),
                    if segment.is_some() {
                        "fit.json (segments)"
                    } else {
                        "reps.csv"
                    },
                    if capped {
                        " Capped below the largest spread a Beta with this mean allows."
                    } else {
                        ""
                    }
                ),
            );
            let _ = writeln!(out, "win_rate_sd = {}", toml_number(sd));
        }
    }
    out
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

/// A minimal scenario: the required keys, nothing else.
const MINIMAL: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 10
[pipeline]
opportunities_per_rep_month = 1
deal_size_usd = 1
cycle_months = 1
[pipeline.outcomes]
won = 0.5
lost = 0.5
no_decision = 0
"#;

/// Loads `fragment` laid over a minimal scenario (its `extends` line, if any, set aside): the
/// error, at the fragment's line, if any value in it would not load.
pub fn check(fragment: &str, file: &str) -> Result<(), InputError> {
    let over: toml::Table = toml::from_str(fragment)
        .map_err(|e| InputError::from_toml(file, &std::sync::Arc::from(fragment), &e))?;
    let mut base: toml::Table = toml::from_str(MINIMAL).expect("the minimal scenario parses");
    fn merge(base: &mut toml::Table, over: toml::Table) {
        for (k, v) in over {
            match (base.get_mut(&k), v) {
                (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
                (_, v) => {
                    base.insert(k, v);
                }
            }
        }
    }
    let mut over = over;
    over.remove("extends");
    merge(&mut base, over);
    let text = toml::to_string(&base).expect("a table serializes");
    Scenario::from_toml(&text, file, "calibrated").map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_bundled_scenarios() {
        assert_eq!(toml_number(30125.0), "30_125");
        assert_eq!(toml_number(1_234_567.0), "1_234_567");
        assert_eq!(toml_number(9500.0), "9500");
        assert_eq!(toml_number(3.104), "3.104");
        assert_eq!(toml_number(0.0), "0");
        assert_eq!(sig(1.23456, 4), 1.235);
        assert_eq!(sig(0.0712345, 3), 0.0712);
        assert_eq!(sig(30125.4, 4), 30130.0);
        assert_eq!(money(30125.4), 30125.0);
        assert_eq!(money(35.456), 35.46);
        assert_eq!(usd(30125.4), "$30,125");
        assert_eq!(usd(1500.0), "$1,500");
        assert_eq!(usd(950.0), "$950");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(toml_string("a \"b\"\\"), "\"a \\\"b\\\"\\\\\"");
    }

    #[test]
    fn shares_always_sum_to_one() {
        for (w, l) in [
            (0.25, 0.35),
            (1.0 / 3.0, 1.0 / 3.0),
            (0.99995, 0.00005),
            (0.0, 1.0),
        ] {
            let (a, b, c) = shares_bp(w, l);
            assert_eq!(a + b + c, 10_000);
            let sum: f64 = [a, b, c]
                .iter()
                .map(|v| bp(*v).parse::<f64>().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-12, "{w} {l}: {sum}");
        }
        assert_eq!(bp(2500), "0.25");
        assert_eq!(bp(0), "0.0");
        assert_eq!(bp(10_000), "1.0");
    }

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

    #[test]
    fn check_finds_bad_values() {
        assert!(check("[pipeline]\nopportunities_per_rep_month = 2\n", "f.toml").is_ok());
        let e = check(
            "[pipeline.outcomes]\nwon = 0.9\nlost = 0.5\nno_decision = 0\n",
            "f.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("sum"), "{e}");
    }
}
