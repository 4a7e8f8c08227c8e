//! Fitting an export: the scenario's pipeline parameters estimated from closed opportunities,
//! each with its sample size and a measure of fit. The estimators are in [`super::estimate`];
//! this module decides which rows feed which estimate (docs/calibrate.md, "What is fitted"):
//!
//! - **deal size** (`pipeline.deal_size_usd`): won deals' amounts, since bookings are what the
//!   size of a won deal drives; lognormal by maximum likelihood, or an empirical table. Won deals
//!   of $0 are left out of the lognormal (its logarithm is undefined) and counted. Lost and
//!   no-decision deals' sizes are compared with the won deals' (two-sample KS), because the
//!   engine draws one size distribution for every outcome.
//! - **cycle time** per outcome (`cycle_months`, `cycle_months_lost`,
//!   `cycle_months_no_decision`): close date - created date in days / 30.4375, gamma by maximum
//!   likelihood. Dates have whole-day resolution, so a deal closed the day it was created is
//!   given a third of a day (the expected gap between two ordered times within one day) rather
//!   than 0, which the gamma cannot hold.
//! - **outcome shares** (`pipeline.outcomes`): counts of won, lost and no decision over the
//!   closed opportunities.
//! - **rep win rates** (`reps.win_rate_sd`, reps.csv): the beta-binomial over reps' (wins,
//!   closed deals); shrunk rates are posterior means.
//! - **opportunities per rep-month** (`pipeline.opportunities_per_rep_month`): opportunities
//!   created (open ones included) per owner per active month, an owner being active from the
//!   month of their first created opportunity to the month of their last, inclusive.
//! - **the shared layer** (`[market]`): the org's monthly opportunity counts per active
//!   rep-month, their swings beyond Poisson luck and any drift ([`super::market`]).
//!
//! Everything is conditional on the export being complete for its period: deals deleted from
//! the CRM, or an export of closed deals only (which misses the recent, still open ones), bias
//! the figures in ways no estimator can see.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::function::gamma::checked_gamma_ur;

use super::estimate::{
    self, BetaBinomialFit, GammaFit, Ks, LognormalFit, SpreadPosterior, beta_binomial_mle,
    empirical_table, gamma_mle, ks_continuous, ks_discrete, ks_two_sample, lognormal_mle,
    spread_posterior,
};
use super::market::{Excess, MarketFit, fit_market, monthly_series, size_excess, win_share_excess};
use crate::calendar::YearMonth;
use crate::crm::dates::{DAYS_PER_MONTH, Date};
use crate::crm::outcomes::Outcome;
use crate::crm::{History, Opportunity};
use crate::scenario::dist::{Dist, DistSpec, Domain, Family, GammaSpec, TwoWay};
use crate::stats::quantile_sorted;

/// How deal sizes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum SizeModel {
    /// A lognormal by maximum likelihood, written by its median and P90.
    #[default]
    Lognormal,
    /// A discrete table of the won deals' amounts (at most 50 values).
    Empirical,
}

/// How cycle times are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CycleModel {
    /// A gamma by maximum likelihood, written by its mean and standard deviation.
    #[default]
    Gamma,
    /// A discrete table of the cycle times in months (at most 50 values).
    Empirical,
}

/// A fitted family fails its KS test when the p-value of D is below this. The p-value assumes
/// the parameters were fixed in advance, so with fitted ones it is too high (conservative): a
/// family that fails at this level fails by more.
pub const KS_FAIL_P: f64 = 0.05;

/// Options of the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitOptions {
    /// How deal sizes are written.
    pub size: SizeModel,
    /// How cycle times are written.
    pub cycle: CycleModel,
    /// Most values in an empirical size table (50 by default: enough for the body and the
    /// tail, and short enough to read in the scenario file).
    pub max_table_points: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            size: SizeModel::Lognormal,
            cycle: CycleModel::Gamma,
            max_table_points: 50,
        }
    }
}

/// A cycle time of a deal closed on the day it was created, in days (see the module docs).
pub const SAME_DAY_CYCLE_DAYS: f64 = 1.0 / 3.0;

/// Opportunity counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Every opportunity (open ones included).
    pub created: usize,
    /// Closed: won + lost + no decision.
    pub closed: usize,
    /// Won.
    pub won: usize,
    /// Lost.
    pub lost: usize,
    /// No decision.
    pub no_decision: usize,
    /// Still open.
    pub open: usize,
}

impl Counts {
    fn of<'a>(opps: impl Iterator<Item = &'a Opportunity>) -> Counts {
        let mut c = Counts::default();
        for o in opps {
            c.created += 1;
            match o.outcome {
                Outcome::Won => c.won += 1,
                Outcome::Lost => c.lost += 1,
                Outcome::NoDecision => c.no_decision += 1,
                Outcome::Open => c.open += 1,
            }
        }
        c.closed = c.won + c.lost + c.no_decision;
        c
    }

    /// The count of one outcome.
    pub fn get(&self, o: Outcome) -> usize {
        match o {
            Outcome::Won => self.won,
            Outcome::Lost => self.lost,
            Outcome::NoDecision => self.no_decision,
            Outcome::Open => self.open,
        }
    }
}

/// The shares of closed opportunities by outcome (they sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeShares {
    /// Closed opportunities.
    pub n: usize,
    /// Share won.
    pub won: f64,
    /// Share lost.
    pub lost: f64,
    /// Share ending in no decision.
    pub no_decision: f64,
}

/// A discrete table of values and their probabilities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// The values, ascending.
    pub values: Vec<f64>,
    /// Their probabilities (summing to 1).
    pub probabilities: Vec<f64>,
    /// Whether the sample had more distinct values than the table holds, so the table is
    /// equally likely quantiles rather than the sample's own values.
    pub capped: bool,
}

/// The fitted deal size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DealSize {
    /// The model written.
    pub model: SizeModel,
    /// Won deals with an amount.
    pub n: usize,
    /// Of those, deals of $0 (left out of the lognormal; kept in an empirical table).
    pub zero_amounts: usize,
    /// The lognormal by maximum likelihood on the positive amounts (computed for both models,
    /// for comparison).
    pub lognormal: Option<LognormalFit>,
    /// The table written with `--size empirical`.
    pub table: Option<Table>,
    /// The one value every deal had, when there is no spread to fit.
    pub fixed: Option<f64>,
    /// Distance between the amounts and the distribution written.
    pub ks: Option<Ks>,
    /// When the lognormal fails its KS test ([`KS_FAIL_P`]): the distance of the empirical
    /// table `--size empirical` would write.
    pub empirical_ks: Option<Ks>,
    /// Median amount of the sample.
    pub sample_median_usd: f64,
    /// Mean amount of the sample.
    pub sample_mean_usd: f64,
    /// 90th percentile of the sample (type 7).
    pub sample_p90_usd: f64,
}

/// How the sizes of deals with another outcome compare with won deals'.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SizeComparison {
    /// The other outcome (lost or no decision).
    pub outcome: Outcome,
    /// Its deals with an amount.
    pub n: usize,
    /// Their median amount.
    pub median_usd: f64,
    /// Two-sample KS against the won deals' amounts.
    pub ks: Ks,
}

/// The fitted cycle time of one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cycle {
    /// The outcome.
    pub outcome: Outcome,
    /// The model written (empirical only when asked for and there is a spread).
    pub model: CycleModel,
    /// Deals.
    pub n: usize,
    /// Deals closed the day they were created (given a third of a day).
    pub same_day: usize,
    /// Gamma by maximum likelihood, in months.
    pub gamma: Option<GammaFit>,
    /// The one value every deal had, when there is no spread to fit, in months.
    pub fixed_months: Option<f64>,
    /// The table written with `--cycle empirical`, in months.
    pub table: Option<Table>,
    /// Distance between the cycle times and the distribution written.
    pub ks: Option<Ks>,
    /// When the gamma fails its KS test ([`KS_FAIL_P`]): the distance of the empirical table
    /// `--cycle empirical` would write.
    pub empirical_ks: Option<Ks>,
    /// Mean of the sample, months.
    pub sample_mean_months: f64,
    /// Median of the sample, months.
    pub sample_median_months: f64,
}

/// One rep (CRM owner).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rep {
    /// The owner as written in the export.
    pub owner: String,
    /// Closed opportunities.
    pub closed: usize,
    /// Won.
    pub won: usize,
    /// Lost.
    pub lost: usize,
    /// No decision.
    pub no_decision: usize,
    /// Opportunities created (open ones included).
    pub created: usize,
    /// Won / closed; `None` without closed deals.
    pub raw_win_rate: Option<f64>,
    /// The empirical-Bayes (posterior mean) win rate; the org's mean without closed deals.
    pub shrunk_win_rate: Option<f64>,
    /// Month of the first created opportunity.
    pub first_month: YearMonth,
    /// Month of the last created opportunity.
    pub last_month: YearMonth,
    /// Months from the first to the last, inclusive.
    pub active_months: usize,
    /// Created / active months.
    pub opportunities_per_month: f64,
}

/// Opportunities created per rep-month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Creation {
    /// Opportunities created (open ones included).
    pub opportunities: usize,
    /// Active rep-months, summed over owners.
    pub rep_months: usize,
    /// Owners.
    pub owners: usize,
    /// The pooled rate: opportunities / rep-months (the maximum-likelihood estimate of a common
    /// Poisson rate given each owner's exposure).
    pub rate: f64,
    /// Its standard error, sqrt(opportunities) / rep-months (Poisson).
    pub se: f64,
    /// Month-to-month dispersion of each owner's counts around the owner's own rate (Pearson
    /// chi-square over degrees of freedom): about 1 if monthly counts are Poisson, above 1 if
    /// months differ (seasonality, market swings, ramp). `None` without an owner active for
    /// two months or more.
    pub dispersion_index: Option<f64>,
    /// P-value of the dispersion under the Poisson model (chi-square upper tail).
    pub dispersion_p: Option<f64>,
}

/// Everything fitted from one set of opportunities (the org, or one segment).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// "org", or the segment's name.
    pub scope: String,
    /// Opportunity counts.
    pub counts: Counts,
    /// Earliest created date.
    pub first_created: Option<Date>,
    /// Latest close date of a closed deal.
    pub last_closed: Option<Date>,
    /// Outcome shares of closed deals; `None` without any.
    pub outcomes: Option<OutcomeShares>,
    /// Deal size of won deals; `None` with fewer than two won deals with an amount.
    pub deal_size: Option<DealSize>,
    /// Lost and no-decision deals' sizes against won deals'.
    pub size_by_outcome: Vec<SizeComparison>,
    /// Cycle times, one per closed outcome with at least two deals.
    pub cycles: Vec<Cycle>,
    /// The spread of reps' true win rates; `None` with fewer than three reps with closed deals.
    pub rep_win_rates: Option<BetaBinomialFit>,
    /// The posterior of that spread (what `reps.win_rate_sd` is written from); `None` as
    /// `rep_win_rates`, or when no deal or every deal was won.
    pub win_rate_spread: Option<SpreadPosterior>,
    /// Per rep, by owner name.
    pub reps: Vec<Rep>,
    /// Opportunities per rep-month; `None` without opportunities.
    pub creation: Option<Creation>,
    /// The shared layer: the market's shocks and trend; `None` when the history cannot show
    /// them (`market_note` says why).
    pub market: Option<MarketFit>,
    /// Why the shared layer was not estimated.
    pub market_note: Option<String>,
    /// How much win shares swing from month to month beyond binomial luck.
    pub monthly_win_shares: Option<Excess>,
    /// How much won deals' sizes swing from month to month beyond their spread within a month.
    pub monthly_sizes: Option<Excess>,
    /// What a reader should know about the fit (rows left out, estimates not made).
    pub notes: Vec<String>,
}

impl Fit {
    /// The cycle-time fit of `outcome`, if made.
    pub fn cycle(&self, outcome: Outcome) -> Option<&Cycle> {
        self.cycles.iter().find(|c| c.outcome == outcome)
    }
}

/// One segment's fit, with its win rate shrunk toward the org's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentFit {
    /// The segment as written in the export.
    pub segment: String,
    /// Its fit, from its own rows only.
    pub fit: Fit,
    /// Won / closed in the segment; `None` without closed deals.
    pub raw_win_rate: Option<f64>,
    /// Shrunk toward the org mean by the beta-binomial over segments; the raw rate when there
    /// are too few segments to estimate how much segments differ.
    pub shrunk_win_rate: Option<f64>,
}

/// The fit of a whole export: the org, and each segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// The whole org.
    pub org: Fit,
    /// One per segment, sorted by name; empty without a segment column.
    pub segments: Vec<SegmentFit>,
    /// The spread of segments' true win rates; `None` with fewer than three segments.
    pub segment_win_rates: Option<BetaBinomialFit>,
    /// Opportunities without a segment in an export that has segments (counted for the org only).
    pub without_segment: usize,
}

/// Fits the org and every segment of `history`.
pub fn calibrate(history: &History, opts: &FitOptions) -> Calibration {
    let all: Vec<&Opportunity> = history.opportunities.iter().collect();
    let org = fit(&all, "org", opts);
    let names = history.segments();
    let mut segments: Vec<SegmentFit> = names
        .iter()
        .map(|name| {
            let rows: Vec<&Opportunity> = all
                .iter()
                .copied()
                .filter(|o| o.segment.as_deref() == Some(name.as_str()))
                .collect();
            let fit = fit(&rows, name, opts);
            let raw =
                (fit.counts.closed > 0).then(|| fit.counts.won as f64 / fit.counts.closed as f64);
            SegmentFit {
                segment: name.clone(),
                fit,
                raw_win_rate: raw,
                shrunk_win_rate: raw,
            }
        })
        .collect();
    let groups: Vec<(u64, u64)> = segments
        .iter()
        .map(|s| (s.fit.counts.won as u64, s.fit.counts.closed as u64))
        .collect();
    let segment_win_rates = beta_binomial_mle(&groups);
    if let Some(bb) = &segment_win_rates {
        for s in &mut segments {
            if s.fit.counts.closed > 0 {
                s.shrunk_win_rate =
                    Some(bb.shrink(s.fit.counts.won as u64, s.fit.counts.closed as u64));
            }
        }
    }
    let without_segment = if names.is_empty() {
        0
    } else {
        all.iter().filter(|o| o.segment.is_none()).count()
    };
    Calibration {
        org,
        segments,
        segment_win_rates,
        without_segment,
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The lognormal written for a fit: median and P90 (how a planner reads it).
pub fn lognormal_spec(f: &LognormalFit) -> DistSpec {
    DistSpec::Family(Family::Lognormal(TwoWay {
        median: Some(f.median),
        p90: Some(f.p90),
        mean: None,
        sd: None,
    }))
}

/// The gamma written for a fit: mean and sd (how a planner reads it; exact for a gamma).
pub fn gamma_spec(f: &GammaFit) -> DistSpec {
    DistSpec::Family(Family::Gamma(GammaSpec {
        shape: None,
        scale: None,
        mean: Some(f.mean),
        sd: Some(f.sd),
    }))
}

/// The scenario's sampler for `spec`: the fit report measures against exactly what the engine
/// would draw.
pub fn sampler(spec: &DistSpec) -> Option<Dist> {
    spec.build(Domain::NON_NEGATIVE).ok()
}

/// Fits one set of opportunities; `scope` names it ("org" or a segment).
pub fn fit(opps: &[&Opportunity], scope: &str, opts: &FitOptions) -> Fit {
    let counts = Counts::of(opps.iter().copied());
    let closed: Vec<&Opportunity> = opps
        .iter()
        .copied()
        .filter(|o| o.outcome != Outcome::Open)
        .collect();
    let mut notes = Vec::new();
    let outcomes = (counts.closed > 0).then(|| {
        let n = counts.closed as f64;
        OutcomeShares {
            n: counts.closed,
            won: counts.won as f64 / n,
            lost: counts.lost as f64 / n,
            no_decision: counts.no_decision as f64 / n,
        }
    });
    if counts.closed == 0 {
        notes.push("no closed opportunities: no outcome shares, sizes or cycle times".into());
    }

    let amounts = |o: Outcome| -> Vec<f64> {
        sorted(
            closed
                .iter()
                .filter(|d| d.outcome == o)
                .filter_map(|d| d.amount_usd)
                .collect(),
        )
    };
    let won_amounts = amounts(Outcome::Won);
    let deal_size = deal_size(&won_amounts, opts, &mut notes);
    let positive_won: Vec<f64> = won_amounts.iter().copied().filter(|a| *a > 0.0).collect();
    let size_by_outcome = [Outcome::Lost, Outcome::NoDecision]
        .into_iter()
        .filter_map(|o| {
            let other: Vec<f64> = amounts(o).into_iter().filter(|a| *a > 0.0).collect();
            (other.len() >= 2 && positive_won.len() >= 2).then(|| SizeComparison {
                outcome: o,
                n: other.len(),
                median_usd: quantile_sorted(&other, 0.5),
                ks: ks_two_sample(&positive_won, &other),
            })
        })
        .collect();

    let cycles = Outcome::CLOSED
        .into_iter()
        .filter_map(|o| cycle(&closed, o, opts, &mut notes))
        .collect();

    if let Some(n) = censoring_note(opps, &closed) {
        notes.push(n);
    }
    let (reps, rep_win_rates, win_rate_spread) = reps(opps, &mut notes);
    let creation = creation(opps);
    let (market, market_note) = match monthly_series(opps).map(|s| fit_market(&s)) {
        Some(Ok(m)) => (Some(m), None),
        Some(Err(why)) => (None, Some(why)),
        None => (None, None),
    };
    let (monthly_win_shares, monthly_sizes) = monthly_excess(opps, &closed);
    Fit {
        scope: scope.to_string(),
        counts,
        first_created: opps.iter().map(|o| o.created).min(),
        last_closed: closed.iter().filter_map(|o| o.closed).max(),
        outcomes,
        deal_size,
        size_by_outcome,
        cycles,
        rep_win_rates,
        win_rate_spread,
        reps,
        creation,
        market,
        market_note,
        monthly_win_shares,
        monthly_sizes,
        notes,
    }
}

/// Open deals are right-censored cycles: a deal created a month before the export that will take
/// six is missing from the closed ones, so recent cohorts make cycles look short. The note says
/// how many open deals are recent enough to matter, and the `--created-until` date that leaves
/// out cohorts younger than the 90th percentile of the longest outcome's cycle.
fn censoring_note(opps: &[&Opportunity], closed: &[&Opportunity]) -> Option<String> {
    let open = opps.iter().filter(|o| o.outcome == Outcome::Open).count();
    if open == 0 {
        return None;
    }
    let (cutoff, days, latest) = cohort_cutoff(opps, closed)?;
    let recent = opps
        .iter()
        .filter(|o| o.outcome == Outcome::Open && o.created > cutoff)
        .count();
    if recent == 0 {
        return None;
    }
    Some(format!(
        "{} still open: they count as created, but not in the cycle times or outcome shares; {recent} of them created after {cutoff}, less than the 90th percentile of the longest cycle ({days} days) before the latest date in the export ({latest}), so slow deals among them are missing and cycle times (and the share of the slowest outcome) are biased low; to fit only opportunities old enough to have closed, pass --created-until {cutoff}",
        if open == 1 {
            "1 opportunity is".to_string()
        } else {
            format!("{open} opportunities are")
        }
    ))
}

/// The last created date of the cohorts old enough to have closed: the latest date in the
/// export less the 90th percentile of the longest outcome's cycle; with those days and the
/// latest date.
fn cohort_cutoff(opps: &[&Opportunity], closed: &[&Opportunity]) -> Option<(Date, i32, Date)> {
    let latest = opps
        .iter()
        .map(|o| o.created)
        .chain(closed.iter().filter_map(|o| o.closed))
        .max()?;
    let mut longest: f64 = 0.0;
    for outcome in Outcome::CLOSED {
        let days = sorted(
            closed
                .iter()
                .filter(|c| c.outcome == outcome)
                .filter_map(|c| c.cycle_days())
                .map(f64::from)
                .collect(),
        );
        if days.len() >= 2 {
            longest = longest.max(quantile_sorted(&days, 0.9));
        }
    }
    let days = longest.ceil() as i32;
    Some((latest.add_days(-days)?, days, latest))
}

/// The month-to-month swing of win shares and of won deals' sizes, by the month deals were
/// created: only cohorts old enough to have closed when deals are still open (a young cohort's
/// closed deals are its fast ones, whose outcomes and sizes differ).
fn monthly_excess(
    opps: &[&Opportunity],
    closed: &[&Opportunity],
) -> (Option<Excess>, Option<Excess>) {
    let any_open = closed.len() < opps.len();
    let cutoff = if any_open {
        match cohort_cutoff(opps, closed) {
            Some((c, _, _)) => Some(c),
            None => return (None, None),
        }
    } else {
        None
    };
    let mut shares: BTreeMap<YearMonth, (u64, u64)> = BTreeMap::new();
    let mut sizes: BTreeMap<YearMonth, Vec<f64>> = BTreeMap::new();
    for o in closed
        .iter()
        .filter(|o| cutoff.is_none_or(|c| o.created <= c))
    {
        let m = o.created.month();
        let e = shares.entry(m).or_default();
        e.1 += 1;
        if o.outcome == Outcome::Won {
            e.0 += 1;
            if let Some(a) = o.amount_usd.filter(|a| *a > 0.0) {
                sizes.entry(m).or_default().push(a);
            }
        }
    }
    let shares: Vec<(u64, u64)> = shares.into_values().collect();
    let sizes: Vec<Vec<f64>> = sizes.into_values().collect();
    (win_share_excess(&shares), size_excess(&sizes))
}

fn deal_size(won: &[f64], opts: &FitOptions, notes: &mut Vec<String>) -> Option<DealSize> {
    if won.len() < 2 {
        notes.push(format!(
            "{} with an amount: too few to fit a deal size (at least 2 needed)",
            crate::words::counted(won.len(), "won deal")
        ));
        return None;
    }
    let zero_amounts = won.iter().filter(|a| **a == 0.0).count();
    let positive: Vec<f64> = won.iter().copied().filter(|a| *a > 0.0).collect();
    let lognormal = lognormal_mle(&positive);
    let mut out = DealSize {
        model: opts.size,
        n: won.len(),
        zero_amounts,
        lognormal,
        table: None,
        fixed: None,
        ks: None,
        empirical_ks: None,
        sample_median_usd: quantile_sorted(won, 0.5),
        sample_mean_usd: won.iter().sum::<f64>() / won.len() as f64,
        sample_p90_usd: quantile_sorted(won, 0.9),
    };
    if won.first() == won.last() {
        out.fixed = won.first().copied();
        notes.push(format!(
            "every won deal has the same amount (${}): deal size is written as that value",
            won[0]
        ));
        return Some(out);
    }
    match opts.size {
        SizeModel::Lognormal => match &lognormal {
            Some(f) => {
                if zero_amounts > 0 {
                    notes.push(format!(
                        "{} of $0 left out of the lognormal deal size (it cannot hold 0); --size empirical keeps them",
                        crate::words::counted(zero_amounts, "won deal")
                    ));
                }
                out.ks =
                    sampler(&lognormal_spec(f)).map(|d| ks_continuous(&positive, |x| d.cdf(x)));
                if let Some(ks) = out.ks.filter(|k| k.p_value < KS_FAIL_P) {
                    let (values, probabilities, _) = empirical_table(won, opts.max_table_points);
                    let alt = ks_discrete(won, &values, &probabilities);
                    out.empirical_ks = Some(alt);
                    notes.push(format!(
                        "the lognormal fails the KS test on the won deals' amounts ({}): their spread has a shape it cannot take (several price points or products?); --size empirical writes the amounts' own table (KS D = {:.3})",
                        ks_words(&ks),
                        alt.d
                    ));
                }
            }
            None => {
                // Only $0 deals and one positive amount: nothing for a lognormal to fit.
                notes.push("the won deals' amounts cannot be fitted by a lognormal (too few positive amounts); written as an empirical table".into());
                out.model = SizeModel::Empirical;
            }
        },
        SizeModel::Empirical => {}
    }
    if out.model == SizeModel::Empirical {
        let (values, probabilities, capped) = empirical_table(won, opts.max_table_points);
        out.ks = Some(ks_discrete(won, &values, &probabilities));
        out.table = Some(Table {
            values,
            probabilities,
            capped,
        });
    }
    Some(out)
}

/// "KS D = 0.175, p < 0.001".
fn ks_words(k: &Ks) -> String {
    format!("KS D = {:.3}, {}", k.d, crate::words::p_text(k.p_value))
}

fn cycle(
    closed: &[&Opportunity],
    outcome: Outcome,
    opts: &FitOptions,
    notes: &mut Vec<String>,
) -> Option<Cycle> {
    let days: Vec<i32> = closed
        .iter()
        .filter(|o| o.outcome == outcome)
        .filter_map(|o| o.cycle_days())
        .collect();
    if days.len() < 2 {
        if !days.is_empty() {
            notes.push(format!(
                "{} {} deal: too few to fit its cycle time (at least 2 needed)",
                days.len(),
                outcome.label()
            ));
        }
        return None;
    }
    let same_day = days.iter().filter(|d| **d == 0).count();
    let months = sorted(
        days.iter()
            .map(|&d| {
                let d = if d == 0 {
                    SAME_DAY_CYCLE_DAYS
                } else {
                    f64::from(d)
                };
                d / DAYS_PER_MONTH
            })
            .collect(),
    );
    let gamma = gamma_mle(&months);
    let ks = gamma
        .as_ref()
        .and_then(|g| sampler(&gamma_spec(g)))
        .map(|d| ks_continuous(&months, |x| d.cdf(x)));
    let fixed_months = gamma.is_none().then(|| months[0]);
    let table = |m: &[f64]| {
        let (values, probabilities, capped) = empirical_table(m, opts.max_table_points);
        let ks = ks_discrete(m, &values, &probabilities);
        (
            Table {
                values,
                probabilities,
                capped,
            },
            ks,
        )
    };
    let mut model = CycleModel::Gamma;
    let (mut written, mut ks, mut empirical_ks) = (None, ks, None);
    if fixed_months.is_none() {
        if opts.cycle == CycleModel::Empirical {
            let (t, k) = table(&months);
            (model, written, ks) = (CycleModel::Empirical, Some(t), Some(k));
        } else if let Some(g) = ks.filter(|k| k.p_value < KS_FAIL_P) {
            let (_, alt) = table(&months);
            empirical_ks = Some(alt);
            notes.push(format!(
                "the gamma fails the KS test on {} deals' cycle times ({}): --cycle empirical writes their own table (KS D = {:.3})",
                outcome.label(),
                ks_words(&g),
                alt.d
            ));
        }
    }
    Some(Cycle {
        outcome,
        model,
        n: months.len(),
        same_day,
        gamma,
        fixed_months,
        table: written,
        ks,
        empirical_ks,
        sample_mean_months: months.iter().sum::<f64>() / months.len() as f64,
        sample_median_months: quantile_sorted(&months, 0.5),
    })
}

type RepFits = (Vec<Rep>, Option<BetaBinomialFit>, Option<SpreadPosterior>);

fn reps(opps: &[&Opportunity], notes: &mut Vec<String>) -> RepFits {
    let mut by_owner: BTreeMap<&str, Vec<&Opportunity>> = BTreeMap::new();
    for o in opps {
        by_owner.entry(o.owner.as_str()).or_default().push(o);
    }
    let mut reps: Vec<Rep> = by_owner
        .iter()
        .map(|(owner, rows)| {
            let c = Counts::of(rows.iter().copied());
            let first = rows.iter().map(|o| o.created.month()).min().expect("rows");
            let last = rows.iter().map(|o| o.created.month()).max().expect("rows");
            let active = (last.months_since(first) + 1) as usize;
            Rep {
                owner: owner.to_string(),
                closed: c.closed,
                won: c.won,
                lost: c.lost,
                no_decision: c.no_decision,
                created: c.created,
                raw_win_rate: (c.closed > 0).then(|| c.won as f64 / c.closed as f64),
                shrunk_win_rate: None,
                first_month: first,
                last_month: last,
                active_months: active,
                opportunities_per_month: c.created as f64 / active as f64,
            }
        })
        .collect();
    let groups: Vec<(u64, u64)> = reps
        .iter()
        .map(|r| (r.won as u64, r.closed as u64))
        .collect();
    let bb = beta_binomial_mle(&groups);
    match &bb {
        Some(bb) => {
            for r in &mut reps {
                r.shrunk_win_rate = Some(bb.shrink(r.won as u64, r.closed as u64));
            }
        }
        None => {
            let with_deals = reps.iter().filter(|r| r.closed > 0).count();
            if with_deals > 0 {
                notes.push(format!(
                    "{} with closed deals: at least 3 are needed to tell the spread of win rates from chance, so reps.win_rate_sd is not fitted and rates are not shrunk",
                    crate::words::counted(with_deals, "rep")
                ));
            }
        }
    }
    let spread = bb.and(spread_posterior(&groups));
    (reps, bb, spread)
}

fn creation(opps: &[&Opportunity]) -> Option<Creation> {
    if opps.is_empty() {
        return None;
    }
    let mut by_owner: BTreeMap<&str, BTreeMap<YearMonth, usize>> = BTreeMap::new();
    for o in opps {
        *by_owner
            .entry(o.owner.as_str())
            .or_default()
            .entry(o.created.month())
            .or_insert(0) += 1;
    }
    let (mut total, mut months, mut chi2, mut df) = (0usize, 0usize, 0.0, 0usize);
    for counts in by_owner.values() {
        let first = *counts.keys().next().expect("non-empty");
        let last = *counts.keys().next_back().expect("non-empty");
        let m = (last.months_since(first) + 1) as usize;
        let n: usize = counts.values().sum();
        total += n;
        months += m;
        if m > 1 {
            let lambda = n as f64 / m as f64;
            chi2 += (0..m)
                .map(|i| {
                    let c = counts.get(&first.plus(i as i32)).copied().unwrap_or(0) as f64;
                    (c - lambda).powi(2) / lambda
                })
                .sum::<f64>();
            df += m - 1;
        }
    }
    let rate = total as f64 / months as f64;
    Some(Creation {
        opportunities: total,
        rep_months: months,
        owners: by_owner.len(),
        rate,
        se: (total as f64).sqrt() / months as f64,
        dispersion_index: (df > 0).then(|| chi2 / df as f64),
        dispersion_p: (df > 0).then(|| {
            // A chi-square of 0 (every month exactly at the owner's rate) has upper tail 1.
            checked_gamma_ur(df as f64 / 2.0, chi2 / 2.0).unwrap_or(1.0)
        }),
    })
}

/// The quantile function of the distribution written for a deal-size fit, for QQ plots.
pub fn size_quantile(d: &DealSize) -> Option<Box<dyn Fn(f64) -> f64>> {
    if let Some(t) = &d.table {
        let spec = DistSpec::Family(Family::Discrete {
            values: t.values.clone(),
            probabilities: t.probabilities.clone(),
        });
        let dist = sampler(&spec)?;
        return Some(Box::new(move |p| dist.quantile(p)));
    }
    let f = d.lognormal?;
    Some(Box::new(move |p| (f.mu + f.sigma * estimate::z(p)).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::dates::{DateOrder, parse_date};

    fn opp(owner: &str, created: &str, closed: &str, amount: f64, outcome: Outcome) -> Opportunity {
        Opportunity {
            row: 2,
            id: None,
            owner: owner.into(),
            created: parse_date(created, DateOrder::Mdy).unwrap(),
            closed: Some(parse_date(closed, DateOrder::Mdy).unwrap()),
            amount_usd: Some(amount),
            outcome,
            segment: None,
            stage: None,
        }
    }

    #[test]
    fn counts_shares_and_creation_by_hand() {
        use Outcome::*;
        let rows = [
            opp("a", "2024-01-05", "2024-02-05", 100.0, Won),
            opp("a", "2024-01-20", "2024-03-01", 200.0, Lost),
            opp("a", "2024-03-02", "2024-03-02", 300.0, NoDecision),
            opp("b", "2024-02-01", "2024-04-01", 400.0, Won),
            opp("b", "2024-02-10", "2024-02-11", 50.0, Open),
        ];
        let refs: Vec<&Opportunity> = rows.iter().collect();
        let f = fit(&refs, "org", &FitOptions::default());
        assert_eq!(
            f.counts,
            Counts {
                created: 5,
                closed: 4,
                won: 2,
                lost: 1,
                no_decision: 1,
                open: 1
            }
        );
        let s = f.outcomes.unwrap();
        assert_eq!((s.won, s.lost, s.no_decision), (0.5, 0.25, 0.25));
        // a: Jan..Mar (3 months, 3 created); b: Feb only (1 month, 2 created).
        let c = f.creation.unwrap();
        assert_eq!((c.opportunities, c.rep_months, c.owners), (5, 4, 2));
        assert_eq!(c.rate, 1.25);
        // a's monthly counts 2, 0, 1 around 1: chi-square (1 + 1 + 0) / 1 on 2 df.
        assert_eq!(c.dispersion_index, Some(1.0));
        assert_eq!(f.reps[0].active_months, 3);
        assert_eq!(f.reps[1].raw_win_rate, Some(1.0));
        // Two reps: too few for the spread of win rates.
        assert!(f.rep_win_rates.is_none());
        assert!(f.notes.iter().any(|n| n.contains("at least 3")));
        // One lost and one no-decision cycle: too few to fit; two won.
        assert_eq!(f.cycles.len(), 1);
        assert_eq!(f.cycles[0].n, 2);
    }

    #[test]
    fn same_day_cycles_and_zero_amounts() {
        use Outcome::*;
        let rows = [
            opp("a", "2024-01-05", "2024-01-05", 0.0, Won),
            opp("a", "2024-01-05", "2024-02-05", 1000.0, Won),
            opp("a", "2024-01-05", "2024-03-05", 3000.0, Won),
        ];
        let refs: Vec<&Opportunity> = rows.iter().collect();
        let f = fit(&refs, "org", &FitOptions::default());
        let c = f.cycle(Won).unwrap();
        assert_eq!(c.same_day, 1);
        assert!(c.gamma.is_some());
        let d = f.deal_size.as_ref().unwrap();
        assert_eq!((d.n, d.zero_amounts), (3, 1));
        assert_eq!(d.lognormal.unwrap().n, 2);
        assert!(f.notes.iter().any(|n| n.contains("of $0")));
        let e = fit(
            &refs,
            "org",
            &FitOptions {
                size: SizeModel::Empirical,
                ..FitOptions::default()
            },
        );
        let t = e.deal_size.unwrap().table.unwrap();
        assert_eq!(t.values, vec![0.0, 1000.0, 3000.0]);
    }
}
