//! The page's "Estimates" section: a row per fitted quantity with its standard error, n and
//! Kolmogorov-Smirnov test; then how other outcomes' sizes compare with the won deals', how
//! much monthly counts of new opportunities vary, and the notes of the fit.

use std::fmt::Write;

use super::pct;
use super::table::{end, head, head_with, ks_cells, row, row_with};
use crate::calibrate::estimate::{BetaBinomialFit, SpreadPosterior};
use crate::calibrate::fit::{Creation, Cycle, DealSize, Fit, OutcomeShares, SizeModel};
use crate::calibrate::market::MarketFit;
use crate::calibrate::posterior::Interval;
use crate::report::html::escape;
use crate::words::{p_text, sig, thousands as count, usd_whole as usd};

/// The text columns of the estimates table: what was fitted and its standard error.
const TEXT: &[usize] = &[1, 2];

/// The section, from its heading to the notes.
pub(super) fn section(b: &mut String, fit: &Fit) {
    b.push_str("<h2 id=\"estimates\">Estimates</h2>\n");
    head_with(
        b,
        &["quantity", "fitted", "standard error", "n", "KS D", "KS p"],
        TEXT,
    );
    if let Some(d) = &fit.deal_size {
        deal_size_row(b, d);
    }
    for cy in &fit.cycles {
        cycle_row(b, cy);
    }
    if let Some(s) = &fit.outcomes {
        outcomes_row(b, s);
    }
    if let Some(bb) = &fit.rep_win_rates {
        win_rate_spread_row(b, bb, fit.win_rate_spread.as_ref());
    }
    if let Some(cr) = &fit.creation {
        creation_row(b, cr);
    }
    if let Some(m) = &fit.market {
        market_rows(b, m);
    }
    end(b);
    if let Some(why) = &fit.market_note {
        let _ = writeln!(
            b,
            "<p>The market's shocks and trend are not estimated: {}.</p>",
            escape(why)
        );
    }
    if !fit.size_by_outcome.is_empty() {
        size_by_outcome(b, fit);
    }
    if let Some(cr) = &fit.creation {
        creation_dispersion(b, cr);
    }
    if !fit.notes.is_empty() {
        b.push_str("<ul>\n");
        for n in &fit.notes {
            let _ = writeln!(b, "<li>{}.</li>", escape(n));
        }
        b.push_str("</ul>\n");
    }
}

fn deal_size_row(b: &mut String, d: &DealSize) {
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
        b,
        &[
            "deal size (won)".into(),
            escape(&what),
            se,
            count(d.n),
            kd,
            kp,
        ],
        TEXT,
    );
}

fn cycle_row(b: &mut String, cy: &Cycle) {
    let (what, se) = match (&cy.gamma, cy.fixed_months, &cy.table) {
        (_, None, Some(t)) => (
            format!(
                "empirical table of {} values{}",
                t.values.len(),
                if t.capped {
                    " (equally likely quantiles)"
                } else {
                    ""
                }
            ),
            String::new(),
        ),
        (Some(g), _, _) => (
            format!(
                "gamma: mean {} months, sd {} (shape {:.3}, scale {:.3})",
                sig(g.mean, 3),
                sig(g.sd, 3),
                g.shape,
                g.scale
            ),
            format!("mean {:.3}, sd {:.3}", g.se_mean, g.se_sd),
        ),
        (None, Some(v), _) => (format!("every deal {} months", sig(v, 3)), String::new()),
        _ => ("–".into(), String::new()),
    };
    let [kd, kp] = ks_cells(cy.ks.as_ref());
    row_with(
        b,
        &[
            format!("cycle time ({})", cy.outcome.label()),
            escape(&what),
            se,
            count(cy.n),
            kd,
            kp,
        ],
        TEXT,
    );
}

fn outcomes_row(b: &mut String, s: &OutcomeShares) {
    row_with(
        b,
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
        TEXT,
    );
}

fn win_rate_spread_row(b: &mut String, bb: &BetaBinomialFit, post: Option<&SpreadPosterior>) {
    let posterior = post.map_or(String::new(), |p| {
        format!(
            "; posterior median {:.3}, P10 {:.3}, P90 {:.3} (written)",
            p.sd.p50, p.sd.p10, p.sd.p90
        )
    });
    row_with(
        b,
        &[
            "spread of reps' win rates".into(),
            format!(
                "sd {:.3} around a mean of {} (raw rates: sd {:.3}); prior strength {}{posterior}",
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
        TEXT,
    );
}

fn creation_row(b: &mut String, cr: &Creation) {
    row_with(
        b,
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
        TEXT,
    );
}

/// The market's shock sd, autocorrelation and trend: posterior medians and P10-P90, the
/// posterior sd as the standard error, and the values written.
fn market_rows(b: &mut String, m: &MarketFit) {
    let months = format!("{} months", m.months);
    let interval = |i: &Interval| {
        format!(
            "posterior median {}, P10 {}, P90 {}",
            sig(i.p50, 2),
            sig(i.p10, 2),
            sig(i.p90, 2)
        )
    };
    for (what, i, written) in [
        (
            "market's monthly shock, sd",
            &m.shock_sd,
            format!("{} written", sig(m.written_shock_sd, 3)),
        ),
        (
            "its autocorrelation",
            &m.autocorrelation,
            format!("{} written", sig(m.written_autocorrelation, 2)),
        ),
        (
            "market trend per month",
            &m.trend,
            if m.trend_written {
                format!("written (z = {:.1})", m.trend_z)
            } else {
                format!("not written (z = {:.1})", m.trend_z)
            },
        ),
    ] {
        row_with(
            b,
            &[
                what.into(),
                format!("{}; {written}", interval(i)),
                format!("{}", sig(i.sd, 2)),
                months.clone(),
                "–".into(),
                "–".into(),
            ],
            TEXT,
        );
    }
}

/// Lost and no-decision deals' sizes against the won deals' (two-sample KS).
fn size_by_outcome(b: &mut String, fit: &Fit) {
    b.push_str("<p>Do lost and no-decision deals differ in size from won ones? The engine draws one size for every outcome, and the fragment uses the won deals' (that is what books).</p>\n");
    head(
        b,
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
            b,
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
    end(b);
}

/// How much an owner's monthly count of new opportunities varies, against a Poisson count.
fn creation_dispersion(b: &mut String, cr: &Creation) {
    if let (Some(i), Some(p)) = (cr.dispersion_index, cr.dispersion_p) {
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
}
