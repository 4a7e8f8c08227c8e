//! Which layer of uncertainty makes the spread (docs/model.md, "Uncertainty: three layers").
//!
//! A run's spread of outcomes has three sources: what the org does not know about itself (the
//! uncertain parameters, drawn once per trial), the shocks every rep shares (the demand factor
//! and the monthly shock), and per-rep and per-deal luck. To say how much comes from each, the
//! first trials are run again, on the same random numbers, once with the parameters held at the
//! values in the file, and once with the shocks held too (the demand factor at its median, no
//! monthly shock): what is left then is luck alone. The variance of horizon bookings falls at
//! each step; each layer's share is its fall over the whole variance, so the three shares add
//! up to 1 (a share within sampling noise of zero can come out slightly negative). The chance
//! of hitting the plan is reported under each run as well: what knowing the parameters, or the
//! market, would change.

use serde::Serialize;

use crate::engine::Results;
use crate::scenario::{Hold, Scenario};
use crate::stats::{Distribution, Probability};

/// Most trials the attribution reruns (the first ones of the run).
pub const MAX_TRIALS: usize = 2000;

/// One run of the attribution: its figures for the horizon and the first fiscal year.
#[derive(Debug, Clone, Serialize)]
pub struct LayerRun {
    /// What varies in this run.
    pub varies: &'static str,
    /// Bookings over the horizon, USD.
    pub bookings_usd: Distribution,
    /// Chance of reaching the horizon's plan.
    pub p_hit_plan: Option<Probability>,
    /// Chance of reaching the first fiscal year's plan.
    pub first_year_p_hit_plan: Option<Probability>,
}

/// How the spread of horizon bookings splits over the layers.
#[derive(Debug, Clone, Serialize)]
pub struct LayerSpread {
    /// Trials rerun (the run's first ones).
    pub trials: usize,
    /// Share of the variance of horizon bookings from the uncertain parameters.
    pub parameters_share: f64,
    /// Share from the shocks every rep shares (demand factor, monthly shock).
    pub shocks_share: f64,
    /// Share from per-rep and per-deal luck.
    pub luck_share: f64,
    /// The runs: everything varies; the parameters held; the parameters and shocks held.
    pub runs: Vec<LayerRun>,
}

/// Whether the scenario has a first or second layer to attribute.
pub fn applies(s: &Scenario) -> bool {
    !s.uncertainty.is_empty() || s.market.shock_sd > 0.0
}

fn run_of(s: &Scenario, r: &Results, n: usize, varies: &'static str) -> LayerRun {
    let mut horizon: Vec<f64> = r.totals[..n].iter().map(|t| t.bookings_usd).collect();
    let first: Vec<f64> = (0..n)
        .map(|t| r.trial_fiscal_years(t)[0].bookings_usd)
        .collect();
    let hit = |v: &[f64], plan: f64| {
        Probability::from_counts(v.iter().filter(|x| **x >= plan).count(), v.len())
    };
    let plans = s.plan_by_fiscal_year.as_ref();
    let p_hit_plan = plans.map(|p| hit(&horizon, p.iter().sum()));
    let first_year_p_hit_plan = plans.map(|p| hit(&first, p[0]));
    LayerRun {
        varies,
        bookings_usd: Distribution::of(&mut horizon).expect("at least one trial"),
        p_hit_plan,
        first_year_p_hit_plan,
    }
}

/// The attribution of run `r` of `s` with `seed`, on its first trials (at most
/// [`MAX_TRIALS`]); `None` when the scenario has nothing but luck.
pub fn attribute(
    s: &Scenario,
    r: &Results,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Option<LayerSpread> {
    if !applies(s) || r.trials < 2 {
        return None;
    }
    let n = r.trials.min(MAX_TRIALS);
    let held = |hold: Hold| {
        let mut h = s.clone();
        h.hold = hold;
        crate::engine::simulate(&h, n, seed, progress)
    };
    let known = held(Hold {
        parameters: true,
        shocks: false,
    });
    let luck = held(Hold {
        parameters: true,
        shocks: true,
    });
    let runs = vec![
        run_of(s, r, n, "everything"),
        run_of(s, &known, n, "shocks and luck (parameters as in the file)"),
        run_of(
            s,
            &luck,
            n,
            "luck alone (parameters and market at their centres)",
        ),
    ];
    let var = |run: &LayerRun| run.bookings_usd.sd * run.bookings_usd.sd;
    let (all, no_params, no_shocks) = (var(&runs[0]), var(&runs[1]), var(&runs[2]));
    let share = |x: f64| if all > 0.0 { x / all } else { 0.0 };
    Some(LayerSpread {
        trials: n,
        parameters_share: share(all - no_params),
        shocks_share: share(no_params - no_shocks),
        luck_share: share(no_shocks),
        runs,
    })
}

impl LayerSpread {
    /// The attribution in words: "what the org does not know about itself makes 61% of the
    /// spread of bookings, market shocks 22%, per-rep and per-deal luck 17%".
    pub fn sentence(&self) -> String {
        use crate::words::pct;
        let mut s = format!(
            "Of the spread of bookings over the horizon, {} comes from what the org does not know about itself, {} from market shocks and {} from per-rep and per-deal luck ({} trials rerun on the same random numbers).",
            pct(self.parameters_share.max(0.0)),
            pct(self.shocks_share.max(0.0)),
            pct(self.luck_share.max(0.0)),
            crate::words::thousands(self.trials)
        );
        if let (Some(all), Some(known)) = (
            self.runs[0].first_year_p_hit_plan,
            self.runs[1].first_year_p_hit_plan,
        ) {
            s.push_str(&format!(
                " With every parameter known to be as in the file, the first year's P(hit plan) would be {} instead of {}.",
                pct(known.p),
                pct(all.p)
            ));
        }
        s
    }
}
