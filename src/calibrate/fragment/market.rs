//! `[market]`: the shared layer fitted from the history's months (docs/calibrate.md, "The
//! shared layer").

use std::fmt::Write;

use super::beliefs::trend_quantiles;
use super::toml_text::{comment, toml_number};
use crate::calibrate::fit::Fit;
use crate::calibrate::market::{Excess, MAX_AUTOCORRELATION, MarketFit, TREND_Z};
use crate::words::{counted, p_text, sig};

/// The market's shock sd and autocorrelation, and its trend where the history shows one, each
/// with what it was fitted from and its uncertainty.
pub(super) fn market_table(out: &mut String, fit: &Fit) {
    let Some(m) = &fit.market else {
        return;
    };
    out.push_str("\n[market]\n");
    let (s, r) = (&m.shock_sd, &m.autocorrelation);
    comment(
        out,
        &format!(
            "The shared layer, from the opportunities created per active rep-month in each of the {} from {} ({} a month): a shock on the log scale that every rep shares, AR(1) as the scenario's, seen through each month's Poisson luck; posterior from the restricted likelihood with uniform priors (sd from 0, autocorrelation from 0 to {MAX_AUTOCORRELATION}). Estimated on opportunity creation, which the market moves with loading 1 (the default; with another, divide the sd by it).",
            counted(m.months, "month"),
            m.first_month,
            sig(m.mean_monthly_count, 3),
        ),
    );
    comment(
        out,
        &format!(
            "Shock sd: posterior P10 {}, P50 {}, P90 {} (mean {}, standard error {}); written as the root of its posterior mean square, so that a month's shock has the variance the history leaves possible. A trial cannot draw it: it is a value, not a belief.",
            sig(s.p10, 2),
            sig(s.p50, 2),
            sig(s.p90, 2),
            sig(s.mean, 2),
            sig(s.sd, 2)
        ),
    );
    let _ = writeln!(
        out,
        "monthly_shock_sd = {}",
        toml_number(sig(m.written_shock_sd, 3))
    );
    comment(
        out,
        &format!(
            "Autocorrelation: posterior P10 {}, P50 {}, P90 {} (standard error {}); written weighted by the shock's variance (the posterior means of the shock's variance and of its lag-one covariance are kept).{}",
            sig(r.p10, 2),
            sig(r.p50, 2),
            sig(r.p90, 2),
            sig(r.sd, 2),
            if m.months < 60 {
                format!(
                    " {} say little about it, and in short histories its estimate runs low.",
                    counted(m.months, "month")
                )
            } else {
                String::new()
            }
        ),
    );
    let _ = writeln!(
        out,
        "monthly_shock_autocorrelation = {}",
        toml_number(sig(m.written_autocorrelation, 2))
    );
    trend_lines(out, m);
    current_shock_line(out, m);
    let mut other = Vec::new();
    if let Some(e) = &fit.monthly_win_shares {
        other.push(excess_text("win shares", "binomial luck", e, 0.5));
    }
    if let Some(e) = &fit.monthly_sizes {
        other.push(excess_text(
            "won deals' sizes",
            "their spread within a month",
            e,
            0.25,
        ));
    }
    if !other.is_empty() {
        comment(
            out,
            &format!(
                "By the month deals were created (cohorts old enough to have closed): {}. A swing beyond luck that the shock sd above cannot hold says the market moves that driver more than its default loading, or something else does.",
                other.join("; ")
            ),
        );
    }
    comment(
        out,
        "A per-trial demand factor (a good or bad year) cannot be told from the level in one history: not written.",
    );
}

/// Where the history leaves the shock: the forecast starts from it.
fn current_shock_line(out: &mut String, m: &MarketFit) {
    let Some((mean, sd)) = m.current_shock else {
        return;
    };
    let pct = ((mean.exp() - 1.0) * 100.0).round();
    let level = if m.trend_written {
        "the level the rate above gives"
    } else {
        "the history's average"
    };
    comment(
        out,
        &format!(
            "Where the history leaves the shock, in {} (the month after it): {} ({} than {level}), standard error {}, from the Kalman filter at the sd and autocorrelation written. A forecast starting then starts from it, and the shock fades toward 0 at the autocorrelation each month (a scenario starting later starts nearer 0); remove it to start from the shock's long-run distribution.",
            m.rate_month,
            sig(mean, 2),
            if pct >= 0.0 {
                format!("demand about {}% higher", pct.abs())
            } else {
                format!("demand about {}% lower", -pct)
            },
            sig(sd, 2),
        ),
    );
    let _ = writeln!(
        out,
        "current_shock = {{ month = \"{}\", mean = {}, sd = {} }}",
        m.rate_month,
        toml_number(sig(mean, 3)),
        toml_number(sig(sd, 3))
    );
}

/// The trend, written when the history shows one, else the sentence that says it does not.
fn trend_lines(out: &mut String, m: &MarketFit) {
    let t = &m.trend;
    let figures = format!(
        "{} a month on the log scale (posterior sd {}, z = {:.1})",
        sig(t.mean, 2),
        sig(t.sd, 2),
        m.trend_z
    );
    match trend_quantiles(t).filter(|_| m.trend_written) {
        Some((q, _)) => {
            comment(
                out,
                &format!(
                    "Trend: {figures}, beyond what the swings give (|z| > {TREND_Z}); written as its posterior median, with the posterior as a belief. The opportunity rate above is the level in {}, the month after the history: start the scenario then, or move the rate by the trend.",
                    m.rate_month
                ),
            );
            let _ = writeln!(out, "monthly_trend = {}", toml_number(q[1]));
        }
        None => comment(
            out,
            &format!(
                "No trend: {figures}, within what the swings give (a trend is written when |z| > {TREND_Z})."
            ),
        ),
    }
}

/// "win shares vary 1.34 times as much as binomial luck gives over 18 months (p = 0.01): a
/// swing of 0.13 on the log scale, a market sd of 0.26 through the default loading 0.5"; the
/// swing only where luck does not explain the months (p < 0.05).
fn excess_text(what: &str, luck: &str, e: &Excess, loading: f64) -> String {
    let reading = if e.p_value < 0.05 {
        format!(
            "a swing of {} on the log scale, a market sd of {} through the default loading {loading}",
            sig(e.swing_sd, 2),
            sig(e.implied_shock_sd, 2),
        )
    } else {
        "within luck".into()
    };
    format!(
        "{what} vary {:.2} times as much as {luck} gives over {} ({}): {reading}",
        e.index,
        counted(e.months, "month"),
        p_text(e.p_value),
    )
}
