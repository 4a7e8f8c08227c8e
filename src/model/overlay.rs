//! One trial's view of a scenario whose parameters vary across trials or months: the first
//! layer's draws and the market's pull on each driver, written over a copy of the scenario
//! that the trial then runs on (docs/model.md, "Uncertainty: three layers").
//!
//! The copy is made once per worker thread; each trial overwrites every part that varies from
//! the scenario as loaded, so nothing leaks from one trial into the next. The draws come from
//! each parameter's own stream ([`Purpose::Belief`], keyed by its key path): a standard normal
//! per parameter, correlated through the copula, turned into the parameter's value by
//! inversion ([`crate::scenario::uncertainty`]). Under `simulation.sampling = "sobol"` the
//! standard normal is instead the trial's scrambled Sobol' point in the parameter's
//! [`dimension`] ([`crate::random::qmc`]).

use crate::random::copula::normal_cdf;
use crate::random::qmc;
use crate::random::streams::{Purpose, stream};
use crate::scenario::events::Param;
use crate::scenario::raw::Sampling;
use crate::scenario::uncertainty::{Target, Uncertainty};
use crate::scenario::values::MAX_MONTHLY_TREND;
use crate::scenario::{Scenario, dist, monthly_hazard, ramp_table, washout_table};
use rand_distr::{Distribution, StandardNormal};

use super::market::MarketPath;

/// The trial's market path and its trend per month (its draw, when the trend is uncertain).
type Market<'a> = (&'a MarketPath, f64);

/// The value of each uncertain parameter in trial `trial`, in the order of
/// `s.uncertainty.params`, into `values` (the centres when the scenario holds the first
/// layer, and the demand factor's median when it holds the shocks).
pub fn draws(s: &Scenario, seed: u64, trial: u64, values: &mut Vec<f64>) {
    let u: &Uncertainty = &s.uncertainty;
    values.clear();
    values.extend(u.params.iter().enumerate().map(|(i, p)| {
        let seed = s.pick.param_seed(i, seed);
        match s.sampling {
            Sampling::Random => {
                let mut rng = stream(seed, trial, p.stream, Purpose::Belief);
                StandardNormal.sample(&mut rng)
            }
            Sampling::Sobol => qmc::normal(seed, trial, dimension(p.target)),
        }
    }));
    if let Some((idx, copula)) = &u.correlated {
        let mut z: Vec<f64> = idx.iter().map(|&i| values[i]).collect();
        copula.correlate(&mut z);
        for (k, &i) in idx.iter().enumerate() {
            values[i] = z[k];
        }
    }
    for (p, v) in u.params.iter().zip(values.iter_mut()) {
        let held = match p.target {
            Target::DemandFactor => s.hold.shocks,
            _ => s.hold.parameters,
        };
        *v = if let Some(pin) = p.pinned {
            pin
        } else if held {
            p.centre
        } else {
            p.value(normal_cdf(*v))
        };
    }
    outcome_shares(s, values);
}

/// The Sobol' dimension of an uncertain parameter: fixed by what it is (its key path), so
/// that adding or removing a parameter leaves every other parameter's draws unchanged. The
/// parameters that usually matter most get the first dimensions, whose projections are the
/// most even.
pub fn dimension(t: Target) -> u32 {
    match t {
        Target::Won | Target::Outcome(0) => 0, // never both in one scenario
        Target::Series(Param::Opportunities) => 1,
        Target::Series(Param::Inbound) => 2,
        Target::DealSize => 3,
        Target::Cycle(0) => 4,
        Target::RampMonths => 5,
        Target::Series(Param::AnnualAttrition) => 6,
        Target::DemandFactor => 7,
        Target::TimeToFill => 8,
        Target::Outcome(k) => 8 + k as u32, // 9 lost, 10 no decision
        Target::Cycle(k) => 10 + k as u32,  // 11 lost, 12 no decision
        Target::VpTenure => 13,
        Target::Lift => 14,
        Target::Series(Param::LogoChurn) => 15,
        Target::Series(Param::Expansion) => 16,
        Target::DealSizeSigma => 17,
        Target::WinRateSd => 18,
        Target::Washout => 19,
        Target::Trend => 20,
        Target::CoverageMaxEffort => 21,
        Target::CoverageExtraWin => 22,
        Target::CoverageCost => 23,
        Target::Phase(i, j) => 24 + 3 * i as u32 + j as u32, // 24..=35
        Target::Series(p) => 40 + p as u32,
    }
}

/// A Dirichlet's gamma draws become the trial's shares, tilted so that their centre is the
/// file's shares (exactly the Dirichlet when the file's shares are its means).
fn outcome_shares(s: &Scenario, values: &mut [f64]) {
    let u = &s.uncertainty;
    let idx: Vec<usize> = (0..u.params.len())
        .filter(|&i| matches!(u.params[i].target, Target::Outcome(_)))
        .collect();
    if idx.is_empty() {
        return;
    }
    if s.hold.parameters {
        return; // the centres are the file's shares
    }
    let total: f64 = idx.iter().map(|&i| values[i]).sum();
    let mut tilted = Vec::with_capacity(idx.len());
    for &i in &idx {
        let p = &u.params[i];
        // belief_median holds the Dirichlet mean of the share.
        tilted.push(values[i] / total * p.centre / p.belief_median);
    }
    let sum: f64 = tilted.iter().sum();
    for (k, &i) in idx.iter().enumerate() {
        values[i] = tilted[k] / sum;
    }
}

/// Writes trial's values and market path over `into`, a copy of `base`.
pub fn apply(base: &Scenario, values: &[f64], market: &MarketPath, into: &mut Scenario) {
    let u = &base.uncertainty;
    let value = |t: Target| u.find(t).map(|i| (i, values[i]));
    if let Some((_, g)) = value(Target::Trend) {
        into.market.trend = g.clamp(-MAX_MONTHLY_TREND, MAX_MONTHLY_TREND);
    }
    let market = (market, into.market.trend);
    series(base, values, market, into);
    outcomes(base, values, into);
    if let Some((_, sigma)) = value(Target::DealSizeSigma) {
        into.pipeline.deal_size_usd = base.pipeline.deal_size_usd.with_log_sd(sigma);
    }
    // Ramp and washout.
    into.tenure.ramp.clone_from(&base.tenure.ramp);
    if let Some((_, m)) = value(Target::RampMonths) {
        into.tenure.ramp = ramp_table(base.raw.ramp.curve.get_ref(), m.clamp(0.0, 120.0));
    }
    into.tenure.washout.clone_from(&base.tenure.washout);
    if let (Some((_, share)), Some(w)) = (value(Target::Washout), &base.raw.attrition.early_washout)
    {
        into.tenure.washout = washout_table(w.months, share);
    }
    hazards(base, market, into);
    if let Some((i, v)) = value(Target::TimeToFill) {
        let f = v / u.params[i].centre;
        into.staffing.time_to_fill_months = base.staffing.time_to_fill_months.scaled(f);
    }
    leadership(base, values, into);
    coverage(base, values, into);
    cycles(base, values, market, into);
}

/// The event series each uncertain parameter carries its offset onto, and the market's pull
/// on win rates and deal sizes.
fn series(base: &Scenario, values: &[f64], market: Market<'_>, into: &mut Scenario) {
    let (market, trend) = market;
    let u = &base.uncertainty;
    for p in Param::ALL {
        let loading = match p {
            Param::WinRateMultiplier => base.market.loadings.win_rate,
            Param::DealSizeMultiplier => base.market.loadings.deal_size,
            _ => 0.0,
        };
        let size = p == Param::DealSizeMultiplier && u.find(Target::DealSize).is_some();
        let carried = u.find(Target::Series(p));
        if carried.is_none() && loading == 0.0 && !size {
            continue; // as loaded: never written
        }
        let v = into.timeline.series_mut(p);
        v.copy_from_slice(base.timeline.series(p));
        if let Some(i) = carried {
            let param = &u.params[i];
            for x in v.iter_mut() {
                *x = param.carried(values[i], *x);
            }
        }
        if loading != 0.0 {
            for (t, x) in v.iter_mut().enumerate() {
                *x *= market.multiplier_with_trend(base, loading, t, trend);
            }
        }
        if p == Param::DealSizeMultiplier
            && let Some(i) = u.find(Target::DealSize)
        {
            let f = values[i] / u.params[i].centre;
            v.iter_mut().for_each(|x| *x *= f);
        }
    }
}

/// The monthly attrition hazard: the (carried) annual rate, times the market's pull.
fn hazards(base: &Scenario, market: Market<'_>, into: &mut Scenario) {
    let (market, trend) = market;
    let b = base.market.loadings.attrition;
    into.monthly_hazard = into
        .timeline
        .series(Param::AnnualAttrition)
        .iter()
        .enumerate()
        .map(|(t, a)| {
            let h = monthly_hazard(*a);
            if b == 0.0 {
                h
            } else {
                (h * market.multiplier_with_trend(base, b, t, trend)).min(1.0)
            }
        })
        .collect();
}

/// Outcome shares and the reps' win rates around the org's.
fn outcomes(base: &Scenario, values: &[f64], into: &mut Scenario) {
    let u = &base.uncertainty;
    let mut shares = base.pipeline.outcomes;
    if let Some(i) = u.find(Target::Won) {
        let won = values[i];
        let rest = shares[1] + shares[2];
        let scale = if rest > 0.0 { (1.0 - won) / rest } else { 0.0 };
        shares = [won, shares[1] * scale, shares[2] * scale];
    }
    for (k, share) in shares.iter_mut().enumerate() {
        if let Some(i) = u.find(Target::Outcome(k)) {
            *share = values[i];
        }
    }
    into.pipeline.outcomes = shares;
    let non_wins = shares[1] + shares[2];
    into.pipeline.lost_share_of_non_wins = if non_wins > 0.0 {
        shares[1] / non_wins
    } else {
        0.0
    };
    let sd = match u.find(Target::WinRateSd) {
        Some(i) => Some(values[i]),
        None => base.raw.reps.win_rate_sd.as_ref().map(|v| *v.get_ref()),
    };
    let unchanged = shares[0] == base.pipeline.outcomes[0] && u.find(Target::WinRateSd).is_none();
    into.reps.win_rate = if unchanged {
        base.reps.win_rate.clone()
    } else {
        win_rates(shares[0], sd)
    };
}

/// Reps' win rates: a Beta with mean `won` and the spread `sd` (capped just under the largest
/// spread a share with that mean can have), or `won` for everyone.
fn win_rates(won: f64, sd: Option<f64>) -> crate::random::dist::Dist {
    use crate::random::dist::{BetaGammas, Dist, Domain, Moments, Sampler};
    match sd {
        Some(sd) if sd > 0.0 && won > 0.0 && won < 1.0 => {
            let sd = sd.min(0.999 * (won * (1.0 - won)).sqrt());
            match dist::beta_from_mean_sd(won, sd).and_then(|(a, b)| BetaGammas::new(a, b)) {
                Ok(beta) => Dist {
                    sampler: Sampler::Beta(beta),
                    moments: Moments {
                        mean: won,
                        lo: 0.0,
                        hi: 1.0,
                    },
                    domain: Domain::UNIT,
                },
                Err(_) => Dist::fixed(won, Domain::UNIT),
            }
        }
        _ => Dist::fixed(won, Domain::UNIT),
    }
}

/// The VP's tenure, a new VP's lift and the transition phases' effects.
fn leadership(base: &Scenario, values: &[f64], into: &mut Scenario) {
    let (Some(b), Some(l)) = (&base.leadership, &mut into.leadership) else {
        return;
    };
    let u = &base.uncertainty;
    let level = |t: Target| u.find(t).map(|i| values[i] / u.params[i].centre);
    l.tenure_months = match (&b.tenure_months, level(Target::VpTenure)) {
        (Some(d), Some(f)) => Some(d.scaled(f)),
        (d, _) => d.clone(),
    };
    l.lift = match level(Target::Lift) {
        Some(f) => b.lift.scaled(f),
        None => b.lift.clone(),
    };
    for (i, phase) in l.phases.iter_mut().enumerate() {
        let p = &b.phases[i];
        let effect = |j: usize, file: f64| u.find(Target::Phase(i, j)).map_or(file, |k| values[k]);
        phase.effort = effect(0, p.effort);
        phase.win_rate = effect(1, p.win_rate);
        phase.attrition = effect(2, p.attrition);
    }
}

/// The coverage policy's response.
fn coverage(base: &Scenario, values: &[f64], into: &mut Scenario) {
    let (Some(b), Some(c)) = (&base.coverage, &mut into.coverage) else {
        return;
    };
    let u = &base.uncertainty;
    let get = |t: Target, file: f64| u.find(t).map_or(file, |i| values[i]);
    c.max_effort = get(Target::CoverageMaxEffort, b.max_effort).max(1.0);
    c.extra_win_rate = get(Target::CoverageExtraWin, b.extra_win_rate);
    c.effort_cost = get(Target::CoverageCost, b.effort_cost);
}

/// Each month's lag table of each outcome: the trial's cycle level times the market's pull on
/// cycle length (none in the warm-up months before the start).
fn cycles(base: &Scenario, values: &[f64], market: Market<'_>, into: &mut Scenario) {
    let (market, trend) = market;
    let p = &base.pipeline;
    let Some(grid) = &p.lag_grid else {
        into.pipeline.lag_choice.clear();
        return;
    };
    let u = &base.uncertainty;
    let trial = [0, 1, 2].map(|o| {
        let key = p.cycle_source[o];
        u.find(Target::Cycle(key))
            .map_or(1.0, |i| values[i] / u.params[i].centre)
    });
    let w = p.warm_up_months;
    let h = base.horizon();
    let b = base.market.loadings.cycle;
    let choice = &mut into.pipeline.lag_choice;
    choice.clear();
    for i in 0..w + h {
        let g = if i < w || b == 0.0 {
            1.0
        } else {
            market.multiplier_with_trend(base, b, i - w, trend)
        };
        choice.push([0, 1, 2].map(|o| grid.index(trial[o] * g)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_its_own_dimension() {
        let mut all = vec![Target::Won];
        all.extend((0..3).map(Target::Outcome));
        all.extend(Param::ALL.map(Target::Series));
        all.extend((0..3).map(Target::Cycle));
        all.extend((0..4).flat_map(|i| (0..3).map(move |j| Target::Phase(i, j))));
        all.extend([
            Target::DealSize,
            Target::DealSizeSigma,
            Target::RampMonths,
            Target::Washout,
            Target::TimeToFill,
            Target::WinRateSd,
            Target::VpTenure,
            Target::Lift,
            Target::CoverageMaxEffort,
            Target::CoverageExtraWin,
            Target::CoverageCost,
            Target::DemandFactor,
            Target::Trend,
        ]);
        let mut dims: Vec<u32> = all.iter().skip(1).map(|t| dimension(*t)).collect();
        assert!(dims.iter().all(|d| *d < qmc::DIMENSIONS));
        dims.sort_unstable();
        let n = dims.len();
        dims.dedup();
        assert_eq!(dims.len(), n, "two targets share a dimension");
        // `pipeline.outcomes.won` alone and the Dirichlet never appear together.
        assert_eq!(dimension(Target::Won), dimension(Target::Outcome(0)));
    }
}
