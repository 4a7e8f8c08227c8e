//! Variance-based sensitivity: how much of the spread of a period's bookings, and of the
//! hit-plan indicator whose mean is P(hit plan), each uncertain input explains (first- and
//! total-order Sobol' indices), for single inputs and for groups, with per-rep and per-deal
//! luck as its own share (docs/model.md, "Which input makes the spread").
//!
//! The design is pick-freeze on common random numbers (Saltelli et al. 2010, with Jansen's
//! estimators): run A is the scenario with the study's seed; run B is the scenario with a seed
//! derived from it, so that trial t of B has its own draws of every uncertain input and its own
//! luck; and for each input (or group) u, the run A_B(u) is trial t of A with u's across-trial
//! draws taken from trial t of B ([`crate::scenario::Pick`]). One more such run takes every
//! input from B and keeps A's luck, which gives the share of all inputs together; luck's share
//! is what they leave. Every draw comes from the keyed streams, so every run, and so every
//! estimate, is the same on any number of threads.
//!
//! With m and V the mean and variance of Y over the 2N trials of A and B, for each input u:
//!
//! ```text
//! first-order  S_u = mean((Y_B - m) (Y_AB(u) - Y_A)) / V   Var(E[Y | X_u]) / V
//! total-order  T_u = mean((Y_A - Y_AB(u))^2) / 2 / V      E[Var(Y | X_~u)] / V
//! ```
//!
//! (Saltelli et al. 2010's first-order estimator, centred, which is far less noisy than
//! Jansen's for the small shares of a model with much luck, and Jansen's total-order one.)
//!
//! The first-order shares of the single inputs, their interactions (the share of all inputs
//! together less the sum of the single shares) and luck (1 less the share of all inputs
//! together) add up to 1. Inputs correlated through `[uncertainty.correlation]` (and the three
//! outcome shares of a Dirichlet) are one input here: Sobol' indices of single inputs are not
//! defined when inputs are correlated, and the study says which inputs it joined.
//!
//! Intervals are 95% percentile intervals from a bootstrap over trials (the rows of A, B and
//! every A_B(u) resampled together), deterministic for a given seed.

mod output;

pub use output::{caption, charts, report_section, write};

use rand::RngExt;
use rayon::prelude::*;

use crate::diagnostic::InputError;
use crate::engine::Results;
use crate::random::streams::{StreamRng, mix64};
use crate::scenario::uncertainty::Target;
use crate::scenario::{Pick, Scenario};
use crate::stats::quantile_sorted;
use crate::tables::{Column, Format, Table, Values};

/// Trials per run of the study unless `--shares-trials` says otherwise.
pub const DEFAULT_TRIALS: usize = 2000;

/// Bootstrap resamples behind each interval.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// The name of the uncertain inputs not named by `--param` or `--vary`, reported together.
pub const OTHERS: &str = "other uncertain inputs";

/// The name of the monthly market shock as an input.
pub const SHOCK: &str = "market.monthly_shock";

/// One input of the study: an uncertain parameter, or several drawn together (correlated
/// parameters, a Dirichlet's shares), or the monthly market shock.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// How the study names it: the key path, or the paths joined by ` + `.
    pub name: String,
    /// The key paths it covers.
    pub paths: Vec<String>,
    /// Its uncertain parameters (indices into `uncertainty.params`).
    pub params: Vec<usize>,
    /// It is the monthly market shock path.
    pub shocks: bool,
}

/// The inputs of `s`: each uncertain parameter alone, except that parameters correlated with
/// one another, and the shares of a Dirichlet, are one input; then the monthly shock, if the
/// market has one.
pub fn factors(s: &Scenario) -> Vec<Factor> {
    let u = &s.uncertainty;
    let n = u.params.len();
    let mut root: Vec<usize> = (0..n).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let mut join = |a: usize, b: usize| {
        let (ra, rb) = (find(&mut root, a), find(&mut root, b));
        if ra != rb {
            root[ra.max(rb)] = ra.min(rb);
        }
    };
    let outcomes: Vec<usize> = (0..n)
        .filter(|&i| matches!(u.params[i].target, Target::Outcome(_)))
        .collect();
    for w in outcomes.windows(2) {
        join(w[0], w[1]);
    }
    if let Some((idx, copula)) = &u.correlated {
        for a in 0..idx.len() {
            for b in 0..a {
                if copula.linked(a, b) {
                    join(idx[a], idx[b]);
                }
            }
        }
    }
    let mut out: Vec<Factor> = Vec::new();
    let mut block_of: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = find(&mut root, i);
        match block_of[r] {
            Some(k) => out[k].params.push(i),
            None => {
                block_of[r] = Some(out.len());
                out.push(Factor {
                    name: String::new(),
                    paths: Vec::new(),
                    params: vec![i],
                    shocks: false,
                });
            }
        }
    }
    for f in &mut out {
        let mut paths: Vec<String> = Vec::new();
        for &i in &f.params {
            let p = &u.params[i];
            let path = match p.target {
                Target::Outcome(_) => "pipeline.outcomes".to_string(),
                _ => p.path.clone(),
            };
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        f.name = paths.join(" + ");
        f.paths = paths;
    }
    if s.market.shock_sd > 0.0 {
        out.push(Factor {
            name: SHOCK.into(),
            paths: vec![SHOCK.into()],
            params: Vec::new(),
            shocks: true,
        });
    }
    out
}

/// A group of inputs whose shares are reported together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its name (`attrition`, `market`, or the user's).
    pub name: String,
    /// The key paths or prefixes that define it, as given.
    pub patterns: Vec<String>,
    /// Its inputs (indices into the study's factors).
    pub members: Vec<usize>,
}

/// The groups every study reports when the scenario has inputs in them: name and key prefixes.
pub const DEFAULT_GROUPS: [(&str, &[&str]); 7] = [
    ("hiring", &["hiring", "ramp"]),
    ("attrition", &["attrition"]),
    ("VP turnover", &["leadership"]),
    ("market", &["market"]),
    ("pipeline", &["pipeline"]),
    ("customers", &["customers"]),
    ("coverage", &["coverage"]),
];

/// Whether key path `path` falls under `pattern`: the path itself, or a prefix of it at a dot
/// (`attrition`, `attrition.` and `attrition.*` all take `attrition.annual_rate`).
fn matches(pattern: &str, path: &str) -> bool {
    let p = pattern.trim().trim_end_matches('*').trim_end_matches('.');
    !p.is_empty() && (path == p || path.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

/// The inputs of `factors` with a path under one of `patterns` (a whole joined input when
/// one of its paths is).
fn members(factors: &[Factor], patterns: &[String]) -> Vec<usize> {
    (0..factors.len())
        .filter(|&k| {
            factors[k]
                .paths
                .iter()
                .any(|path| patterns.iter().any(|p| matches(p, path)))
        })
        .collect()
}

/// The default groups with inputs in `factors`, then the user's `--group NAME=KEY,KEY` (a
/// user's group replaces a default one of the same name).
pub fn groups(factors: &[Factor], specs: &[String]) -> Result<Vec<Group>, InputError> {
    let mut out: Vec<Group> = Vec::new();
    for (name, prefixes) in DEFAULT_GROUPS {
        let patterns: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
        let m = members(factors, &patterns);
        if !m.is_empty() {
            out.push(Group {
                name: name.into(),
                patterns,
                members: m,
            });
        }
    }
    for spec in specs {
        let bad = |why: String| {
            InputError::file("--group", why).help("for example --group people=attrition,hiring.time_to_fill_months.mean (key paths or prefixes of the scenario's uncertain inputs)")
        };
        let Some((name, list)) = spec.split_once('=') else {
            return Err(bad(format!("`{spec}` is not NAME=KEY,KEY")));
        };
        let name = name.trim();
        let patterns: Vec<String> = list
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if name.is_empty() || patterns.is_empty() {
            return Err(bad(format!("`{spec}` is not NAME=KEY,KEY")));
        }
        if let Some(p) = patterns
            .iter()
            .find(|p| members(factors, &[(*p).clone()]).is_empty())
        {
            let known: Vec<&str> = factors
                .iter()
                .flat_map(|f| f.paths.iter().map(String::as_str))
                .collect();
            return Err(bad(format!(
                "group {name}: `{p}` names no uncertain input of the scenario; its inputs are {}",
                known.join(", ")
            )));
        }
        out.retain(|g| g.name != name);
        out.push(Group {
            name: name.into(),
            members: members(factors, &patterns),
            patterns,
        });
    }
    Ok(out)
}

/// The period whose bookings the study explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// Fiscal year index, or `None` for the whole horizon.
    pub fiscal_year: Option<usize>,
    /// How it is printed: `FY2028`, or `the horizon (36 months)`.
    pub label: String,
}

/// `--period`: `FY2028` (any case), or `horizon`; by default the first fiscal year wholly
/// inside the horizon (the horizon when there is none).
pub fn period(s: &Scenario, spec: Option<&str>) -> Result<Period, InputError> {
    let fys = &s.clock.fiscal_years;
    let horizon = || Period {
        fiscal_year: None,
        label: format!("the horizon ({} months)", s.horizon()),
    };
    let Some(spec) = spec else {
        return Ok(match fys.iter().position(|f| f.months == 12) {
            Some(k) => Period {
                fiscal_year: Some(k),
                label: fys[k].label.clone(),
            },
            None => horizon(),
        });
    };
    let t = spec.trim();
    if t.eq_ignore_ascii_case("horizon") {
        return Ok(horizon());
    }
    match fys.iter().position(|f| f.label.eq_ignore_ascii_case(t)) {
        Some(k) => Ok(Period {
            fiscal_year: Some(k),
            label: fys[k].label.clone(),
        }),
        None => {
            let labels: Vec<&str> = fys.iter().map(|f| f.label.as_str()).collect();
            Err(InputError::file(
                "--period",
                format!("`{spec}` is not a period of {}", s.source),
            )
            .help(format!("give one of {} or horizon", labels.join(", "))))
        }
    }
}

/// A share with its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The estimate.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// The estimates for one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    /// Mean of the output over A and B.
    pub mean: f64,
    /// Variance of the output over A and B (0: nothing to explain; the shares are NaN).
    pub variance: f64,
    /// First-order index of each picked set, in the order given.
    pub first: Vec<Interval>,
    /// Total-order index of each picked set.
    pub total: Vec<Interval>,
    /// The share of the inputs' interactions: the first-order index of all inputs together
    /// less the single inputs' first-order indices.
    pub interactions: Interval,
    /// The share of luck: 1 less the first-order index of all inputs together.
    pub luck: Interval,
}

/// The point estimates on the trials `rows` (all, or a bootstrap resample): V, then each
/// set's first- and total-order index.
fn point(a: &[f64], b: &[f64], picked: &[Vec<f64>], rows: &[usize]) -> (f64, Vec<f64>, Vec<f64>) {
    let n = rows.len() as f64;
    let mean = rows.iter().map(|&j| a[j] + b[j]).sum::<f64>() / (2.0 * n);
    let v = rows
        .iter()
        .map(|&j| (a[j] - mean).powi(2) + (b[j] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n - 1.0);
    let mut first = Vec::with_capacity(picked.len());
    let mut total = Vec::with_capacity(picked.len());
    for y in picked {
        let d_b = rows
            .iter()
            .map(|&j| (b[j] - mean) * (y[j] - a[j]))
            .sum::<f64>()
            / n;
        let d_a = rows.iter().map(|&j| (a[j] - y[j]).powi(2)).sum::<f64>() / n;
        if v > 0.0 {
            first.push(d_b / v);
            total.push(d_a / 2.0 / v);
        } else {
            first.push(f64::NAN);
            total.push(f64::NAN);
        }
    }
    (v, first, total)
}

/// A bootstrap replicate: the first-order indices (then the interactions and luck) and the
/// total-order indices.
type Replicate = (Vec<f64>, Vec<f64>);

/// The first- and total-order indices of the sets `picked` (trial j of each: A's trial j
/// with the set's inputs from B's trial j), with 95% bootstrap intervals from `seed`. The first
/// `singles` sets are the single inputs and `all` is the index of the set of every input: the
/// singles' first-order indices, the interactions and luck add up to 1.
pub fn estimate(
    a: &[f64],
    b: &[f64],
    picked: &[Vec<f64>],
    singles: usize,
    all: usize,
    seed: u64,
) -> Estimates {
    let n = a.len();
    assert!(n >= 2 && b.len() == n && picked.iter().all(|y| y.len() == n));
    let extras = |first: &[f64]| {
        let single: f64 = first[..singles].iter().sum();
        (first[all] - single, 1.0 - first[all])
    };
    let rows: Vec<usize> = (0..n).collect();
    let (variance, first, total) = point(a, b, picked, &rows);
    let (interactions, luck) = extras(&first);
    let mean = (a.iter().sum::<f64>() + b.iter().sum::<f64>()) / (2 * n) as f64;
    let reps: Vec<Replicate> = (0..BOOTSTRAP_RESAMPLES)
        .into_par_iter()
        .map(|k| {
            let mut rng =
                StreamRng::seed_from_u64(mix64(seed ^ 0x5_0B01_u64.wrapping_mul(k as u64 + 1)));
            let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let (_, mut f, t) = point(a, b, picked, &rows);
            let (i, l) = extras(&f);
            f.push(i);
            f.push(l);
            (f, t)
        })
        .collect();
    let interval = |value: f64, get: &dyn Fn(&Replicate) -> f64| {
        if !value.is_finite() {
            return Interval {
                value,
                lo: f64::NAN,
                hi: f64::NAN,
            };
        }
        let mut v: Vec<f64> = reps.iter().map(get).filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Interval {
                value,
                lo: f64::NAN,
                hi: f64::NAN,
            };
        }
        v.sort_unstable_by(f64::total_cmp);
        Interval {
            value,
            lo: quantile_sorted(&v, 0.025),
            hi: quantile_sorted(&v, 0.975),
        }
    };
    let m = picked.len();
    Estimates {
        mean,
        variance,
        first: (0..m).map(|k| interval(first[k], &|r| r.0[k])).collect(),
        total: (0..m).map(|k| interval(total[k], &|r| r.1[k])).collect(),
        interactions: interval(interactions, &|r| r.0[m]),
        luck: interval(luck, &|r| r.0[m + 1]),
    }
}

/// One output the study explains.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Its name in the table: `bookings_usd` or `hit_plan`.
    pub name: &'static str,
    /// How it is read: "bookings" or "hitting plan (P(hit plan))".
    pub label: &'static str,
    /// The estimates.
    pub estimates: Estimates,
}

/// What a variance-based study found.
#[derive(Debug, Clone, PartialEq)]
pub struct Shares {
    /// The period explained.
    pub period: Period,
    /// Trials per run.
    pub trials: usize,
    /// Runs made (A, B and one per distinct set of inputs).
    pub runs: usize,
    /// The number of single sets: the first `singles` of `sets`, each input alone, or each
    /// chosen input alone and then the others together (their first-order shares, the
    /// interactions and luck add up to 1).
    pub singles: usize,
    /// The inputs.
    pub factors: Vec<Factor>,
    /// The groups.
    pub groups: Vec<Group>,
    /// The sets picked, by factor index: the single sets, then each group, then all inputs;
    /// `group_set[g]` is group g's set and `all` the last one.
    pub sets: Vec<Vec<usize>>,
    /// Group g's index into `sets`.
    pub group_set: Vec<usize>,
    /// The index into `sets` of all inputs together.
    pub all: usize,
    /// Bookings over the period, then (with a plan) the hit-plan indicator.
    pub outputs: Vec<Output>,
}

/// The seed of run B, derived from the study's seed.
pub fn seed_b(seed: u64) -> u64 {
    mix64(seed ^ 0xB5EE_D5EE_D000_0001)
}

/// Per trial: bookings over `period`, and whether they reach its plan.
fn per_trial(s: &Scenario, r: &Results, period: &Period) -> (Vec<f64>, Option<Vec<f64>>) {
    let y: Vec<f64> = (0..r.trials)
        .map(|t| match period.fiscal_year {
            Some(k) => r.trial_fiscal_years(t)[k].bookings_usd,
            None => r.totals[t].bookings_usd,
        })
        .collect();
    let plan = s
        .plan_by_fiscal_year
        .as_ref()
        .map(|p| match period.fiscal_year {
            Some(k) => p[k],
            None => p.iter().sum(),
        });
    let hit = plan.map(|plan| y.iter().map(|x| f64::from(u8::from(*x >= plan))).collect());
    (y, hit)
}

/// The sets of inputs whose first-order shares, with the interactions and luck, add up to 1:
/// every input alone; or, when `chosen` names inputs (`--param`, `--vary`), each chosen input
/// alone, then the others together (if any).
pub fn single_sets(n: usize, chosen: Option<&[usize]>) -> Vec<Vec<usize>> {
    match chosen {
        None => (0..n).map(|k| vec![k]).collect(),
        Some(c) => {
            let mut sets: Vec<Vec<usize>> = c.iter().map(|&k| vec![k]).collect();
            let rest: Vec<usize> = (0..n).filter(|k| !c.contains(k)).collect();
            if !rest.is_empty() {
                sets.push(rest);
            }
            sets
        }
    }
}

/// The inputs of `factors` that the settings `keys` name (an input whose key path is one of
/// them or lies under one), in the order of `factors`.
pub fn chosen(factors: &[Factor], keys: &[String]) -> Vec<usize> {
    (0..factors.len())
        .filter(|&k| {
            factors[k].paths.iter().any(|path| {
                keys.iter()
                    .any(|key| matches(key, path) || matches(path, key))
            })
        })
        .collect()
}

/// The sets of inputs picked: the single sets `singles`, then each group not already there,
/// then all inputs (unless already there); with each group's set and the set of all inputs.
fn picked_sets(
    n: usize,
    singles: &[Vec<usize>],
    groups: &[Group],
) -> (Vec<Vec<usize>>, Vec<usize>, usize) {
    let mut sets: Vec<Vec<usize>> = singles.to_vec();
    let mut group_set = Vec::new();
    for g in groups {
        group_set.push(match sets.iter().position(|x| *x == g.members) {
            Some(i) => i,
            None => {
                sets.push(g.members.clone());
                sets.len() - 1
            }
        });
    }
    let every: Vec<usize> = (0..n).collect();
    let all = match sets.iter().position(|x| *x == every) {
        Some(i) => i,
        None => {
            sets.push(every);
            sets.len() - 1
        }
    };
    (sets, group_set, all)
}

/// The runs a study of `factors` with `groups` makes: A, B and one per set of inputs picked
/// (`chosen` as in [`single_sets`]).
pub fn runs(factors: &[Factor], chosen: Option<&[usize]>, groups: &[Group]) -> usize {
    let singles = single_sets(factors.len(), chosen);
    2 + picked_sets(factors.len(), &singles, groups).0.len()
}

/// Runs the study of `s` on `trials` trials per run with `seed` (on the current thread pool),
/// `progress` told of each run's trials; `None` when `s` has no uncertain input. `chosen`:
/// the inputs reported alone (as [`single_sets`]; `None`: every one).
pub fn study(
    s: &Scenario,
    period: Period,
    chosen: Option<&[usize]>,
    groups: Vec<Group>,
    seed: u64,
    trials: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Option<Shares> {
    let factors = factors(s);
    if factors.is_empty() || trials < 2 {
        return None;
    }
    let single = single_sets(factors.len(), chosen);
    let (sets, group_set, all) = picked_sets(factors.len(), &single, &groups);
    let singles = single.len();
    let sb = seed_b(seed);
    let a = crate::engine::simulate(s, trials, seed, progress);
    let b = crate::engine::simulate(s, trials, sb, progress);
    let (ya, ha) = per_trial(s, &a, &period);
    let (yb, hb) = per_trial(s, &b, &period);
    drop((a, b));
    let mut yp = Vec::new();
    let mut hp = Vec::new();
    let n_params = s.uncertainty.params.len();
    for set in &sets {
        let mut pick = Pick {
            seed: sb,
            params: vec![false; n_params],
            shocks: false,
        };
        for &k in set {
            for &i in &factors[k].params {
                pick.params[i] = true;
            }
            pick.shocks |= factors[k].shocks;
        }
        let mut h = s.clone();
        h.pick = pick;
        let r = crate::engine::simulate(&h, trials, seed, progress);
        let (y, hit) = per_trial(s, &r, &period);
        yp.push(y);
        if let Some(hit) = hit {
            hp.push(hit);
        }
    }
    let mut outputs = vec![Output {
        name: "bookings_usd",
        label: "bookings",
        estimates: estimate(&ya, &yb, &yp, singles, all, seed),
    }];
    if let (Some(ha), Some(hb)) = (ha, hb) {
        outputs.push(Output {
            name: "hit_plan",
            label: "hitting plan",
            estimates: estimate(&ha, &hb, &hp, singles, all, seed ^ 1),
        });
    }
    Some(Shares {
        period,
        trials,
        runs: 2 + sets.len(),
        singles,
        factors,
        groups,
        sets,
        group_set,
        all,
        outputs,
    })
}

/// One row of the shares table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `bookings_usd` or `hit_plan`.
    pub output: &'static str,
    /// `input`, `group`, `all inputs`, `interactions` or `luck`.
    pub kind: &'static str,
    /// The input's or group's name.
    pub name: String,
    /// The key paths it covers, joined by spaces.
    pub members: String,
    /// First-order index (the share of the variance it explains alone).
    pub first: Interval,
    /// Total-order index (with all its interactions); NaN for interactions and luck.
    pub total: Interval,
}

impl Shares {
    /// The name of set `k`: a single input's key path (correlated ones joined by ` + `), or
    /// `other uncertain inputs` for the inputs not chosen, taken together.
    pub fn set_name(&self, k: usize) -> String {
        match self.sets[k].as_slice() {
            [one] => self.factors[*one].name.clone(),
            _ if k < self.singles => OTHERS.into(),
            _ => self.sets[k]
                .iter()
                .map(|&f| self.factors[f].name.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }

    /// The key paths set `k` covers, joined by spaces.
    pub fn set_members(&self, k: usize) -> String {
        self.sets[k]
            .iter()
            .flat_map(|&f| self.factors[f].paths.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The group set, by name.
    pub fn group(&self, name: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.name == name)
            .map(|g| self.group_set[g])
    }

    /// The rows: per output, the single inputs (largest first-order share first), the groups,
    /// all inputs, their interactions and luck.
    pub fn rows(&self) -> Vec<Row> {
        let none = Interval {
            value: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
        let mut rows = Vec::new();
        for o in &self.outputs {
            let e = &o.estimates;
            let mut singles: Vec<usize> = (0..self.singles).collect();
            singles.sort_by(|&x, &y| {
                e.first[y]
                    .value
                    .total_cmp(&e.first[x].value)
                    .then(self.set_name(x).cmp(&self.set_name(y)))
            });
            for k in singles {
                rows.push(Row {
                    output: o.name,
                    kind: "input",
                    name: self.set_name(k),
                    members: self.set_members(k),
                    first: e.first[k],
                    total: e.total[k],
                });
            }
            for (g, group) in self.groups.iter().enumerate() {
                let set = self.group_set[g];
                rows.push(Row {
                    output: o.name,
                    kind: "group",
                    name: group.name.clone(),
                    members: self.set_members(set),
                    first: e.first[set],
                    total: e.total[set],
                });
            }
            let all = self.all;
            rows.push(Row {
                output: o.name,
                kind: "all inputs",
                name: "all inputs".into(),
                members: String::new(),
                first: e.first[all],
                total: e.total[all],
            });
            rows.push(Row {
                output: o.name,
                kind: "interactions",
                name: "interactions between inputs".into(),
                members: String::new(),
                first: e.interactions,
                total: none,
            });
            rows.push(Row {
                output: o.name,
                kind: "luck",
                name: "per-rep and per-deal luck".into(),
                members: String::new(),
                first: e.luck,
                total: none,
            });
        }
        rows
    }

    /// The tidy table of the shares.
    pub fn table(&self) -> Table {
        let rows = self.rows();
        let col = |name: &str, format: Format, description: &str, values: Values| Column {
            name: name.into(),
            format,
            description: description.into(),
            values,
        };
        let text = |f: &dyn Fn(&Row) -> String| Values::Text(rows.iter().map(f).collect());
        let num = |f: &dyn Fn(&Row) -> f64| Values::Number(rows.iter().map(f).collect());
        let variance = |r: &Row| {
            self.outputs
                .iter()
                .find(|o| o.name == r.output)
                .map_or(f64::NAN, |o| o.estimates.variance)
        };
        Table {
            columns: vec![
                col(
                    "output",
                    Format::Plain,
                    "Per-trial output explained: bookings_usd over the period, or hit_plan (1 when they reach the period's plan)",
                    text(&|r| r.output.to_string()),
                ),
                col(
                    "period",
                    Format::Plain,
                    "The period",
                    text(&|_| self.period.label.clone()),
                ),
                col(
                    "kind",
                    Format::Plain,
                    "input, group, all inputs, interactions or luck (the input, interactions and luck rows' first_order add up to 1)",
                    text(&|r| r.kind.to_string()),
                ),
                col(
                    "name",
                    Format::Plain,
                    "Input (key path; correlated inputs joined by +) or group",
                    text(&|r| r.name.clone()),
                ),
                col(
                    "members",
                    Format::Plain,
                    "Key paths it covers",
                    text(&|r| r.members.clone()),
                ),
                col(
                    "first_order",
                    Format::Share,
                    "Share of the output's variance it explains alone (first-order Sobol' index)",
                    num(&|r| r.first.value),
                ),
                col(
                    "first_order_lo",
                    Format::Share,
                    "95% bootstrap interval, low",
                    num(&|r| r.first.lo),
                ),
                col(
                    "first_order_hi",
                    Format::Share,
                    "95% bootstrap interval, high",
                    num(&|r| r.first.hi),
                ),
                col(
                    "total_order",
                    Format::Share,
                    "Share with all its interactions (total-order Sobol' index)",
                    num(&|r| r.total.value),
                ),
                col(
                    "total_order_lo",
                    Format::Share,
                    "95% bootstrap interval, low",
                    num(&|r| r.total.lo),
                ),
                col(
                    "total_order_hi",
                    Format::Share,
                    "95% bootstrap interval, high",
                    num(&|r| r.total.hi),
                ),
                col(
                    "variance",
                    Format::Plain,
                    "Variance of the output over runs A and B",
                    num(&variance),
                ),
                col(
                    "trials",
                    Format::Count,
                    "Trials per run",
                    Values::Integer(rows.iter().map(|_| Some(self.trials as i64)).collect()),
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, StandardNormal};

    /// The delta-method standard error of the first-order (`first`) or total-order index of the
    /// set whose runs are `y`, computed here independently of the bootstrap: the index is a
    /// ratio of two means, so its error is that of their influence values over sqrt(N) (the
    /// mean m's own error enters the first-order numerator only through E[Y_AB - Y_A] = 0).
    fn delta_se(a: &[f64], b: &[f64], y: &[f64], first: bool) -> f64 {
        let n = a.len() as f64;
        let mean = (a.iter().sum::<f64>() + b.iter().sum::<f64>()) / (2.0 * n);
        let vi: Vec<f64> = (0..a.len())
            .map(|j| ((a[j] - mean).powi(2) + (b[j] - mean).powi(2)) / 2.0)
            .collect();
        let di: Vec<f64> = (0..a.len())
            .map(|j| {
                if first {
                    (b[j] - mean) * (y[j] - a[j])
                } else {
                    (a[j] - y[j]).powi(2) / 2.0
                }
            })
            .collect();
        let v = vi.iter().sum::<f64>() / n;
        let d = di.iter().sum::<f64>() / n;
        let r = d / v;
        let infl: Vec<f64> = (0..a.len())
            .map(|j| ((di[j] - d) - r * (vi[j] - v)) / v)
            .collect();
        let var = infl.iter().map(|x| x * x).sum::<f64>() / (n - 1.0);
        (var / n).sqrt()
    }

    /// Pick-freeze samples of `f` over `k` inputs drawn by `x` plus one luck variable drawn by
    /// the same: A, B, then A with input i from B for each i, then A with every input from B.
    #[allow(clippy::type_complexity)]
    fn sample(
        n: usize,
        k: usize,
        seed: u64,
        x: &dyn Fn(&mut StreamRng) -> f64,
        f: &dyn Fn(&[f64], f64) -> f64,
    ) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let mut rng = StreamRng::seed_from_u64(seed);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut picked = vec![Vec::new(); k + 1];
        for _ in 0..n {
            let xa: Vec<f64> = (0..k).map(|_| x(&mut rng)).collect();
            let xb: Vec<f64> = (0..k).map(|_| x(&mut rng)).collect();
            let (la, lb): (f64, f64) = (
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            );
            a.push(f(&xa, la));
            b.push(f(&xb, lb));
            for i in 0..k {
                let mut xi = xa.clone();
                xi[i] = xb[i];
                picked[i].push(f(&xi, la));
            }
            picked[k].push(f(&xb, la));
        }
        (a, b, picked)
    }

    /// Checks every index against its known value within five delta-method standard errors
    /// (a chance of about 6 in 10 million each if the estimator is right), the bootstrap
    /// interval around the estimate and about as wide as the standard error says, and the
    /// shares' sum.
    fn check(a: &[f64], b: &[f64], picked: &[Vec<f64>], first: &[f64], total: &[f64]) {
        let k = picked.len() - 1;
        let e = estimate(a, b, picked, k, k, 11);
        for i in 0..=k {
            for (is_first, got, want) in
                [(true, e.first[i], first[i]), (false, e.total[i], total[i])]
            {
                let se = delta_se(a, b, &picked[i], is_first);
                assert!(
                    (got.value - want).abs() <= 5.0 * se,
                    "set {i} first={is_first}: {} vs {want} (se {se})",
                    got.value
                );
                assert!(got.lo <= got.value && got.value <= got.hi);
                // A 95% interval spans about 2 x 1.96 standard errors; the bootstrap's and the
                // delta method's agree to O(1 / sqrt(N)), far inside a factor of 2. A set whose
                // runs repeat A or B exactly has no error at all.
                let width = got.hi - got.lo;
                if se == 0.0 {
                    assert_eq!(width, 0.0, "set {i}");
                    continue;
                }
                assert!(
                    width > 0.5 * 3.92 * se && width < 2.0 * 3.92 * se,
                    "set {i}: width {width} vs se {se}"
                );
            }
        }
        let sum: f64 =
            e.first[..k].iter().map(|s| s.value).sum::<f64>() + e.interactions.value + e.luck.value;
        assert!((sum - 1.0).abs() < 1e-12, "shares add to {sum}");
    }

    #[test]
    fn a_linear_model_with_luck_gets_its_known_shares() {
        // Y = 3 X1 + 2 X2 + 0 X3 + 2 L, every variable standard normal: V = 9 + 4 + 0 + 4 = 17;
        // no interactions, so each input's first- and total-order index is its own a^2 / 17,
        // all inputs together 13 / 17 and luck 4 / 17.
        let (a, b, picked) = sample(20_000, 3, 5, &|r| StandardNormal.sample(r), &|x, l| {
            3.0 * x[0] + 2.0 * x[1] + 0.0 * x[2] + 2.0 * l
        });
        let s = [9.0 / 17.0, 4.0 / 17.0, 0.0, 13.0 / 17.0];
        check(&a, &b, &picked, &s, &s);
        let e = estimate(&a, &b, &picked, 3, 3, 11);
        // Luck is what all inputs leave: 4 / 17, within five standard errors of the all-inputs
        // set's first-order index.
        let se = delta_se(&a, &b, &picked[3], true);
        assert!((e.luck.value - 4.0 / 17.0).abs() <= 5.0 * se);
        // An input that does not enter moves nothing: its pick runs equal A exactly.
        assert_eq!(e.total[2].value, 0.0);
    }

    #[test]
    fn the_ishigami_function_gets_its_known_shares() {
        // Ishigami (a = 7, b = 0.1) on U(-pi, pi)^3, no luck. Known (Sobol' and Levitan 1999):
        // V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
        // V3 = 0, V13 = b^2 pi^8 (1/18 - 1/50).
        let pi = std::f64::consts::PI;
        let (aa, bb) = (7.0, 0.1);
        let v = aa * aa / 8.0 + bb * pi.powi(4) / 5.0 + bb * bb * pi.powi(8) / 18.0 + 0.5;
        let v1 = (1.0 + bb * pi.powi(4) / 5.0).powi(2) / 2.0;
        let v2 = aa * aa / 8.0;
        let v13 = bb * bb * pi.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let (a, b, picked) = sample(20_000, 3, 9, &|r| r.random_range(-pi..pi), &|x, _| {
            x[0].sin() + aa * x[1].sin().powi(2) + bb * x[2].powi(4) * x[0].sin()
        });
        let first = [v1 / v, v2 / v, 0.0, 1.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v, 1.0];
        check(&a, &b, &picked, &first, &total);
        // The interactions' share is V13 / V; without luck, luck's share is 0 (the all-inputs
        // run is B exactly), within five standard errors of the all-inputs index.
        let e = estimate(&a, &b, &picked, 3, 3, 11);
        assert!(e.luck.value.abs() <= 5.0 * delta_se(&a, &b, &picked[3], true));
        let sd_sum = (0..3)
            .map(|i| delta_se(&a, &b, &picked[i], true))
            .sum::<f64>();
        assert!((e.interactions.value - v13 / v).abs() <= 5.0 * sd_sum);
    }

    #[test]
    fn groups_and_periods_read_as_documented() {
        let f = |name: &str| Factor {
            name: name.into(),
            paths: vec![name.into()],
            params: vec![],
            shocks: false,
        };
        let factors = vec![
            f("attrition.annual_rate"),
            f("hiring.time_to_fill_months.mean"),
            f(SHOCK),
        ];
        let g = groups(&factors, &["people=attrition,hiring.*".into()]).unwrap();
        let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["hiring", "attrition", "market", "people"]);
        assert_eq!(g[3].members, [0, 1]);
        assert!(groups(&factors, &["x=org.seats".into()]).is_err());
        assert!(groups(&factors, &["nothing".into()]).is_err());
        assert!(!matches("attrition", "attrition_x.rate"));
    }

    /// The engine's pick-freeze runs give a known share: 20 reps all year, opportunities per
    /// rep-month m uncertain (normal, mean 2, sd 0.3), won 30% at $10,000: wins are Poisson
    /// with mean 72 m given m, so Var(E[Y | m]) = 10,000^2 72^2 Var(m) and E[Var(Y | m)] =
    /// 10,000^2 72 E[m]; m's share is 72^2 0.09 / (72^2 0.09 + 144) = 0.764 and luck's the rest.
    #[test]
    fn a_simulated_org_gets_its_known_share_of_opportunities_and_luck() {
        let text = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = 10000
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
[uncertainty.parameters]
"pipeline.opportunities_per_rep_month" = { normal = { mean = 2.0, sd = 0.3 }, truncate = true }
"#;
        let s = Scenario::from_toml(text, "org.toml", "org").unwrap();
        let f = factors(&s);
        assert_eq!(f.len(), 1);
        let g = groups(&f, &[]).unwrap();
        let p = period(&s, None).unwrap();
        assert_eq!(p.label, "FY2027");
        let shares = study(&s, p, None, g, 3, 2000, &|_| {}).unwrap();
        assert_eq!(
            shares.runs, 3,
            "A, B and the one input (also all inputs, and its group)"
        );
        let e = &shares.outputs[0].estimates;
        let want = 72.0 * 72.0 * 0.09 / (72.0 * 72.0 * 0.09 + 144.0);
        // The bootstrap's standard error (its 95% interval over 2 x 1.96; checked against the
        // delta method above), five of them.
        let se = (e.first[0].hi - e.first[0].lo) / 3.92;
        assert!(
            (e.first[0].value - want).abs() <= 5.0 * se,
            "{} vs {want} (se {se})",
            e.first[0].value
        );
        assert!((e.luck.value - (1.0 - want)).abs() <= 5.0 * se);
        assert_eq!(shares.outputs.len(), 1, "no plan, no hit-plan indicator");
    }

    /// With inputs named (`--param`), those are reported alone and every other input together,
    /// so the single shares, the interactions and luck still add up to 1.
    #[test]
    fn named_inputs_are_alone_and_the_others_together() {
        let text = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 20
[attrition]
annual_rate = 0.2
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = { lognormal = { median = 10_000, p90 = 20_000 } }
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
[uncertainty.parameters]
"pipeline.opportunities_per_rep_month" = { p10 = 1.6, p50 = 2.0, p90 = 2.4 }
"pipeline.deal_size_usd.median" = { p10 = 9_000, p50 = 10_000, p90 = 11_000 }
"attrition.annual_rate" = { p10 = 0.15, p50 = 0.2, p90 = 0.25 }
"#;
        let s = Scenario::from_toml(text, "org.toml", "org").unwrap();
        let f = factors(&s);
        assert_eq!(f.len(), 3);
        let named = chosen(
            &f,
            &["pipeline.deal_size_usd.median".into(), "org.seats".into()],
        );
        assert_eq!(named.len(), 1, "org.seats has no belief");
        let g = groups(&f, &[]).unwrap();
        let p = period(&s, None).unwrap();
        let shares = study(&s, p, Some(&named), g, 3, 200, &|_| {}).unwrap();
        assert_eq!(shares.singles, 2);
        let rows = shares.rows();
        let inputs: Vec<&str> = rows
            .iter()
            .filter(|r| r.kind == "input")
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(inputs.len(), 2);
        assert!(
            inputs.contains(&"pipeline.deal_size_usd.median"),
            "{inputs:?}"
        );
        assert!(inputs.contains(&OTHERS), "{inputs:?}");
        let others = rows.iter().find(|r| r.name == OTHERS).unwrap();
        assert_eq!(
            others.members,
            "attrition.annual_rate pipeline.opportunities_per_rep_month"
        );
        let e = &shares.outputs[0].estimates;
        let sum = e.first[0].value + e.first[1].value + e.interactions.value + e.luck.value;
        assert!((sum - 1.0).abs() < 1e-12, "{sum}");
        // Runs: A, B, the named input, the others, the groups hiring-free pipeline and
        // attrition (attrition is one input: already a set), and all inputs.
        assert_eq!(
            shares.runs,
            runs(&f, Some(&named), &groups(&f, &[]).unwrap())
        );
    }
}
