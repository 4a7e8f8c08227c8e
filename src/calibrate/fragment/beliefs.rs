//! `[uncertainty.parameters]`: each fitted value's estimation error as a belief, drawn once per
//! trial (docs/calibrate.md, "What the fit does not know"), and the three-quantile beliefs the
//! posteriors are written as.

use super::toml_text::{comment, toml_number};
use super::{capital, opportunity_rate};
use crate::calibrate::estimate::{SpreadPosterior, Z90};
use crate::calibrate::fit::{Fit, SizeModel};
use crate::calibrate::posterior::Interval;
use crate::crm::outcomes::Outcome;
use crate::random::metalog::{Bounds, Metalog, feasible_r};
use crate::scenario::values::MAX_MONTHLY_TREND;
use crate::words::{counted, sig, thousands as count};

/// How far inside the metalog's feasible range (of where the P50 sits between P10 and P90) a
/// widened belief is put, so that rounding cannot push it out.
const MARGIN: f64 = 0.02;

/// P10, P50 and P90 of a posterior rounded for reading (to three significant digits, more
/// where rounding would merge two), fitted to a three-term metalog within `bounds`: a posterior
/// more lopsided than a metalog holds (its P50 outside about 17% to 83% of the way from P10 to
/// P90 on the fitted scale) has its short side widened until it fits. The three, and whether a
/// side was widened; `None` if even eight digits cannot separate them.
pub(super) fn three_quantiles(q: [f64; 3], bounds: Bounds) -> Option<([f64; 3], bool)> {
    let fit = |x: f64| match bounds {
        Bounds::Unbounded => x,
        Bounds::Lower(lo) => (x - lo).ln(),
        Bounds::Both(lo, hi) => ((x - lo) / (hi - x)).ln(),
    };
    let unfit = |z: f64| match bounds {
        Bounds::Unbounded => z,
        Bounds::Lower(lo) => lo + z.exp(),
        Bounds::Both(lo, hi) => (lo + hi * z.exp()) / (1.0 + z.exp()),
    };
    let [mut z10, z50, mut z90] = q.map(fit);
    let r = (z50 - z10) / (z90 - z10);
    let (lo, hi) = feasible_r();
    let mut widened = false;
    if r > hi - MARGIN {
        // The P50 crowds the P90: move the P90 out.
        z90 = z10 + (z50 - z10) / (hi - MARGIN);
        widened = true;
    } else if r < lo + MARGIN {
        // The P50 crowds the P10: move the P10 out.
        let r = lo + MARGIN;
        z10 = (z50 - r * z90) / (1.0 - r);
        widened = true;
    }
    let q = [unfit(z10), q[1], unfit(z90)];
    (3..=8)
        .map(|digits| q.map(|x| sig(x, digits)))
        .find(|r| Metalog::new(r[0], r[1], r[2], bounds).is_ok())
        .map(|r| (r, widened))
}

/// A lognormal belief about a positive level with median `median`, known to a relative standard
/// error `rel`: its median and its P90, median e^(1.2816 rel), to four significant digits (more
/// where the two would round alike).
fn level(median: f64, rel: f64) -> String {
    let p90 = median * (Z90 * rel).exp();
    let (m, p) = (4..=10)
        .map(|d| (sig(median, d), sig(p90, d)))
        .find(|(m, p)| p > m)
        .unwrap_or((median, p90));
    format!(
        "{{ lognormal = {{ median = {}, p90 = {} }} }}",
        toml_number(m),
        toml_number(p)
    )
}

/// The spread of reps' win rates written: the P10, P50 and P90 of its posterior (see
/// [`three_quantiles`]), the P50 capped just under the largest spread a Beta with the won share
/// `won` allows. The three, whether a side was widened, and whether the P50 was capped.
pub(super) fn win_rate_quantiles(
    post: &SpreadPosterior,
    won: f64,
) -> Option<([f64; 3], bool, bool)> {
    if !(won > 0.0 && won < 1.0) {
        return None;
    }
    let max = (won * (1.0 - won)).sqrt();
    let s = &post.sd;
    let (q, widened) = three_quantiles([s.p10, s.p50, s.p90], Bounds::Both(0.0, 1.0))?;
    if q[1] < max {
        return Some((q, widened, false));
    }
    // The P50 the scenario can hold, with the posterior's P10 and P90 around it.
    let capped = sig(max * 0.99, 3);
    let (q, more) = three_quantiles(
        [q[0].min(capped * 0.99), capped, q[2].max(capped * 1.01)],
        Bounds::Both(0.0, 1.0),
    )?;
    Some((q, widened || more, true))
}

/// The trend written: its posterior's P10, P50 and P90 within the key's range.
pub(super) fn trend_quantiles(t: &Interval) -> Option<([f64; 3], bool)> {
    three_quantiles(
        [t.p10, t.p50, t.p90],
        Bounds::Both(-MAX_MONTHLY_TREND, MAX_MONTHLY_TREND),
    )
}

/// `[uncertainty.parameters]`, a belief per fitted value with its comment; `won` is the won
/// share written (for the cap of the spread of win rates).
pub(super) fn uncertainty_table(out: &mut String, fit: &Fit, won: Option<f64>) {
    let mut lines: Vec<(String, String)> = Vec::new();
    opportunity_belief(&mut lines, fit);
    if let Some(o) = fit.outcomes.as_ref().filter(|o| o.n > 0) {
        let n = o.n as f64;
        let [w, l, d] = [o.won, o.lost, o.no_decision].map(|p| (p * n).round() + 1.0);
        lines.push((
            format!(
                "Outcome shares from {} closed deals: the posterior from a uniform prior (each count + 1).",
                count(o.n)
            ),
            format!(
                "\"pipeline.outcomes\" = {{ dirichlet = {{ won = {}, lost = {}, no_decision = {} }} }}",
                toml_number(w),
                toml_number(l),
                toml_number(d)
            ),
        ));
    }
    if let (Some(post), Some(won)) = (&fit.win_rate_spread, won)
        && let Some((q, widened, _)) = win_rate_quantiles(post, won)
    {
        let mle = fit.rep_win_rates.as_ref().map_or(String::new(), |bb| {
            format!(
                "; maximum likelihood {}{}",
                sig(bb.sd, 3),
                bb.se_sd
                    .map_or(String::new(), |se| format!(", se {}", sig(se, 2)))
            )
        });
        lines.push((
            format!(
                "Spread of reps' win rates from {} with {} closed deals: its posterior from a uniform prior on 0 to {} (mean {}, sd {}{mle}), values near 0 as likely as the data make them.{}",
                counted(post.groups, "rep"),
                count(post.trials as usize),
                sig(post.prior_max, 2),
                sig(post.sd.mean, 3),
                sig(post.sd.sd, 2),
                if widened {
                    " Its short side is widened so that three quantiles can hold it."
                } else {
                    ""
                }
            ),
            format!(
                "\"reps.win_rate_sd\" = {{ p10 = {}, p50 = {}, p90 = {} }}",
                toml_number(q[0]),
                toml_number(q[1]),
                toml_number(q[2])
            ),
        ));
    }
    size_beliefs(&mut lines, fit);
    cycle_beliefs(&mut lines, fit);
    if let Some(m) = fit.market.as_ref().filter(|m| m.trend_written)
        && let Some((q, widened)) = trend_quantiles(&m.trend)
    {
        lines.push((
            format!(
                "Market trend from {}: posterior mean {} a month, sd {} (a normal given the shock's sd and autocorrelation, mixed over their posterior).{}",
                counted(m.months, "month"),
                sig(m.trend.mean, 3),
                sig(m.trend.sd, 2),
                if widened {
                    " Its short side is widened so that three quantiles can hold it."
                } else {
                    ""
                }
            ),
            format!(
                "\"market.monthly_trend\" = {{ p10 = {}, p50 = {}, p90 = {} }}",
                toml_number(q[0]),
                toml_number(q[1]),
                toml_number(q[2])
            ),
        ));
    }
    if lines.is_empty() {
        return;
    }
    out.push_str("\n[uncertainty.parameters]\n");
    let market = match (&fit.market, &fit.market_note) {
        (Some(m), _) if m.trend_written => {
            "The market's shock sd and autocorrelation are written in [market] as values (a trial cannot draw them), each with its standard error."
        }
        (Some(_), _) => {
            "The market's shock sd and autocorrelation are written in [market] as values (a trial cannot draw them), each with its standard error; the history shows no trend to write."
        }
        _ => {
            "The market's shocks and any trend are not estimated (see below): add [market] for them."
        }
    };
    comment(
        out,
        &format!(
            "What the fit does not know: each value above is an estimate from a finite history, so each trial draws it from its estimation error (P50 the value above). {market}"
        ),
    );
    if let Some(why) = &fit.market_note {
        comment(out, &format!("The market is not estimated: {why}."));
    }
    for (why, line) in lines {
        comment(out, &why);
        out.push_str(&line);
        out.push('\n');
    }
}

/// The opportunity rate: a gamma with the rate written as its mean and its standard error as
/// its sd: from the market fit when there is one (Poisson luck and the months' shared swings,
/// autocorrelation included), else Poisson's widened by the owners' overdispersion.
fn opportunity_belief(lines: &mut Vec<(String, String)>, fit: &Fit) {
    let Some(c) = fit.creation.as_ref().filter(|c| c.opportunities > 0) else {
        return;
    };
    let (rate, _) = opportunity_rate(fit);
    let (se, how) = match &fit.market {
        Some(m) => (
            rate * m.level_sd,
            if m.trend_written {
                format!(
                    "the market fit's, of the level in {}: Poisson luck, the months' shared swings and the trend's error",
                    m.rate_month
                )
            } else {
                "the market fit's, of the history's mean level: Poisson luck and the months' shared swings".to_string()
            },
        ),
        None => {
            let phi = c.dispersion_index.unwrap_or(1.0).max(1.0);
            let how = if phi > 1.0 {
                format!(
                    "Poisson's widened x {} for the owners' month-to-month overdispersion",
                    sig(phi.sqrt(), 3)
                )
            } else {
                "Poisson's".to_string()
            };
            (c.se * phi.sqrt(), how)
        }
    };
    lines.push((
        format!(
            "Opportunity rate: {} opportunities over {}; standard error {}, {how}.",
            count(c.opportunities),
            counted(c.rep_months, "rep-month"),
            sig(se, 2)
        ),
        format!(
            "\"pipeline.opportunities_per_rep_month\" = {{ gamma = {{ mean = {}, sd = {} }} }}",
            toml_number(sig(rate, 4)),
            toml_number(sig(se, 3))
        ),
    ));
}

/// The lognormal deal size's median and sigma: for a lognormal sample the estimates of mu and
/// sigma are independent (those of a normal sample's mean and sd are), so two independent
/// beliefs carry their joint error.
fn size_beliefs(lines: &mut Vec<(String, String)>, fit: &Fit) {
    let Some(d) = &fit.deal_size else {
        return;
    };
    if d.model != SizeModel::Lognormal || d.fixed.is_some() {
        return;
    }
    let Some(l) = d.lognormal.as_ref().filter(|l| l.n > 1) else {
        return;
    };
    let rel = l.sigma / (l.n as f64).sqrt();
    lines.push((
        format!(
            "Median deal size from {} won deals: standard error of its log sigma / sqrt(n) = {}.",
            count(l.n),
            sig(rel, 2)
        ),
        format!(
            "\"pipeline.deal_size_usd.median\" = {}",
            level(l.median, rel)
        ),
    ));
    lines.push((
        format!(
            "Spread of deal sizes (sigma, the sd of their log) {} from the same {} deals: standard error sigma / sqrt(2n) = {}, independent of the median's (for a lognormal the two estimates are independent).",
            sig(l.sigma, 4),
            count(l.n),
            sig(l.se_sigma, 2)
        ),
        format!(
            "\"pipeline.deal_size_usd.sigma\" = {}",
            level(l.sigma, l.se_sigma / l.sigma)
        ),
    ));
}

/// Each gamma cycle's mean: a lognormal level from its relative standard error (an empirical
/// table is left exact, as an empirical size table is).
fn cycle_beliefs(lines: &mut Vec<(String, String)>, fit: &Fit) {
    for o in Outcome::CLOSED {
        let Some(g) = fit
            .cycle(o)
            .filter(|c| c.table.is_none())
            .and_then(|c| c.gamma.as_ref())
            .filter(|g| g.n > 1)
        else {
            continue;
        };
        let key = match o {
            Outcome::Won => "cycle_months",
            Outcome::Lost => "cycle_months_lost",
            _ => "cycle_months_no_decision",
        };
        let rel = g.se_mean / g.mean;
        lines.push((
            format!(
                "{} deals' mean cycle from {} deals: relative standard error {}.",
                capital(o.label()),
                count(g.n),
                sig(rel, 2)
            ),
            format!("\"pipeline.{key}.mean\" = {}", level(g.mean, rel)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lopsided_posteriors_are_widened_to_fit() {
        // A posterior piled against 0: P50 far nearer P90 than P10 on the log-odds scale. The
        // P90 moves out; the P10 stays.
        let (q, widened) = three_quantiles([0.0001, 0.05, 0.07], Bounds::Both(0.0, 1.0)).unwrap();
        assert!(widened && q[0] == 0.0001 && q[2] > 0.07, "{q:?}");
        // And the other way: the P10 moves out.
        let (q, widened) = three_quantiles([0.04, 0.05, 0.6], Bounds::Both(0.0, 1.0)).unwrap();
        assert!(widened && q[0] < 0.04 && q[2] == 0.6, "{q:?}");
        assert!(Metalog::new(q[0], q[1], q[2], Bounds::Both(0.0, 1.0)).is_ok());
        // Near-normal: kept, rounded to three digits.
        let (q, widened) =
            three_quantiles([0.0712, 0.10711, 0.1432], Bounds::Both(0.0, 1.0)).unwrap();
        assert!(!widened);
        assert_eq!(q, [0.0712, 0.107, 0.143]);
        // Three values that round alike at three digits take more.
        let (q, _) = three_quantiles([0.10701, 0.10711, 0.10721], Bounds::Both(0.0, 1.0)).unwrap();
        assert!(q[0] < q[1] && q[1] < q[2], "{q:?}");
        assert!(level(1.0, 1e-7).contains("p90 = 1.0000001"));
    }
}
