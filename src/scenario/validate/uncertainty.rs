//! `[uncertainty]`: beliefs checked against the parameter table and built into samplers; the
//! correlation matrix checked and factored.

use toml::Spanned;

use super::Validator;
use crate::diagnostic::InputError;
use crate::random::copula::{self, Copula};
use crate::random::dist::{Dist, Domain};
use crate::random::metalog::{Bounds, Metalog, MetalogError};
use crate::scenario::belief::{BeliefSpec, DirichletSpec};
use crate::scenario::dist::{DistSpec, Family, GammaSpec};
use crate::scenario::events::Param;
use crate::scenario::params::{self, Parameter};
use crate::scenario::raw::{Correlation, RampCurve, RawScenario};
use crate::scenario::uncertainty::{
    Belief, Scale, Target, UncertainParam, Uncertainty, stream_key,
};
use crate::scenario::{CoverageParams, LeadershipParams, MarketParams, PipelineParams, Staffing};
use crate::words::fmt_num;

/// The validated parts of the scenario a belief's centre is read from.
pub(super) struct Centres<'a> {
    pub raw: &'a RawScenario,
    pub staffing: &'a Staffing,
    pub pipeline: &'a PipelineParams,
    pub market: &'a MarketParams,
    pub leadership: Option<&'a LeadershipParams>,
    pub coverage: Option<&'a CoverageParams>,
}

const PHASES: [&str; 4] = ["search", "diagnosis", "rollout", "reonboarding"];
const EFFECTS: [&str; 3] = [
    "effort_multiplier",
    "win_rate_multiplier",
    "attrition_multiplier",
];
const OUTCOMES: [&str; 3] = ["won", "lost", "no_decision"];

impl Validator<'_> {
    /// Every uncertain parameter, in key-path order, and the copula of the correlated ones.
    pub(super) fn uncertainty(&self, c: &Centres<'_>) -> Result<Uncertainty, InputError> {
        let mut params = Vec::new();
        for (path, spec) in &c.raw.uncertainty.parameters {
            if path == "pipeline.outcomes" {
                params.extend(self.dirichlet(spec, c)?);
            } else {
                params.push(self.belief(path, spec, c)?);
            }
        }
        if c.market.demand_factor.sampler.fixed().is_none() {
            let dist = c.market.demand_factor.clone();
            let median = dist.inverse_cdf(0.5);
            params.push(UncertainParam {
                path: "market.demand_factor".into(),
                target: Target::DemandFactor,
                belief: Belief::Dist {
                    dist,
                    truncated: None,
                },
                centre: median,
                belief_median: median,
                scale: Scale::AsDrawn,
                stream: stream_key("market.demand_factor"),
                pinned: None,
            });
        }
        params.sort_by(|a, b| a.path.cmp(&b.path));
        self.check_exclusive(&params, c)?;
        for (key, &v) in &c.raw.uncertainty.fixed {
            let err = |why: String| {
                InputError::file(self.file, why).key(format!("uncertainty.fixed.\"{key}\""))
            };
            let Some(p) = params.iter_mut().find(|p| p.path == *key) else {
                return Err(err(format!(
                    "`{key}` is fixed at {}, but the scenario has no belief about it: a level inside a distribution is fixed only where [uncertainty.parameters] declares one",
                    fmt_num(v)
                ))
                .help(format!(
                    "set the whole value instead, e.g. --set '{}={{ gamma = {{ mean = 3.0, sd = 1.5 }} }}' (docs/scenario-reference.md#uncertainty)",
                    key.rsplit_once('.').map_or(key.as_str(), |(k, _)| k)
                )));
            };
            let ok = match p.scale {
                Scale::Log => v > 0.0,
                Scale::Logit => v > 0.0 && v < 1.0,
                _ => v.is_finite(),
            };
            if !ok {
                return Err(err(format!(
                    "`{key}` is fixed at {}, outside its range ({})",
                    fmt_num(v),
                    if p.scale == Scale::Logit {
                        "a share between 0 and 1"
                    } else {
                        "above 0"
                    }
                ))
                .help("give a value the belief could draw, e.g. its P10 or P90"));
            }
            p.pinned = Some(v);
        }
        let correlated = match &c.raw.uncertainty.correlation {
            Some(cor) => Some(self.correlation(cor, &params)?),
            None => None,
        };
        Ok(Uncertainty { params, correlated })
    }

    fn belief_err(&self, spec: &Spanned<BeliefSpec>, path: &str, msg: String) -> InputError {
        self.err(spec.span(), msg)
            .key(format!("uncertainty.parameters.\"{path}\""))
    }

    /// One belief: its target and centre from the parameter table and the file, its sampler.
    fn belief(
        &self,
        path: &str,
        spec: &Spanned<BeliefSpec>,
        c: &Centres<'_>,
    ) -> Result<UncertainParam, InputError> {
        let (row, target, centre) = self.target(path, spec, c)?;
        let scale = if row.min < 0.0 {
            Scale::Shift
        } else if row.is_share() {
            Scale::Logit
        } else {
            Scale::Log
        };
        let belief = match spec.get_ref() {
            BeliefSpec::Quantiles { p10, p50, p90 } => {
                self.metalog(path, spec, row, (*p10, *p50, *p90), centre, scale)?
            }
            BeliefSpec::Family { family, truncate } => {
                self.family(path, spec, row, family, *truncate)?
            }
            BeliefSpec::Dirichlet(_) => {
                return Err(self
                    .belief_err(spec, path, format!("a dirichlet belief is for the outcome shares, not `{path}`"))
                    .help("write `\"pipeline.outcomes\" = { dirichlet = { concentration = 400 } }`, or give this parameter p10/p50/p90"));
            }
        };
        let belief_median = belief.at(0.5);
        Ok(UncertainParam {
            path: path.to_string(),
            target,
            belief,
            centre,
            belief_median,
            scale,
            stream: stream_key(path),
            pinned: None,
        })
    }

    /// The row, the model quantity and the value in the file of an uncertain key path.
    fn target(
        &self,
        path: &str,
        spec: &Spanned<BeliefSpec>,
        c: &Centres<'_>,
    ) -> Result<(&'static Parameter, Target, f64), InputError> {
        // `<key>.median` or `<key>.mean`: the level of a distribution; `<key>.sigma`: the
        // spread of a lognormal.
        if let Some((key, stat)) = path.rsplit_once('.')
            && matches!(stat, "median" | "mean" | "sigma")
            && let Some(row) = params::get(key).filter(|r| r.distribution)
        {
            if !row.uncertain {
                return Err(self.not_uncertain(spec, path));
            }
            if stat == "sigma" {
                return self
                    .sigma_target(key, spec, c)
                    .map(|s| (row, Target::DealSizeSigma, s));
            }
            let (target, dist) = self.distribution_target(key, spec, c)?;
            let centre = if stat == "median" {
                dist.quantile(0.5)
            } else {
                dist.mean()
            };
            if !(centre > 0.0 && centre.is_finite()) {
                return Err(self
                    .belief_err(
                        spec,
                        path,
                        format!(
                            "the {stat} of `{key}` is {}, so it has no level to vary",
                            fmt_num(centre)
                        ),
                    )
                    .help("give the key a distribution with a positive median and mean"));
            }
            return Ok((row, target, centre));
        }
        let Some(row) = params::get(path) else {
            return Err(self.unknown_path(spec, path));
        };
        if row.distribution {
            return Err(self
                .belief_err(spec, path, format!("`{path}` is a distribution (it varies per rep, deal or requisition); what is uncertain across trials is its level"))
                .help(format!("name the statistic: `\"{path}.median\"` or `\"{path}.mean\"`")));
        }
        if !row.uncertain {
            return Err(self.not_uncertain(spec, path));
        }
        let (target, centre) = self.plain_target(path, row, spec, c)?;
        Ok((row, target, centre))
    }

    fn unknown_path(&self, spec: &Spanned<BeliefSpec>, path: &str) -> InputError {
        let options: Vec<String> = uncertain_paths();
        let refs: Vec<&str> = options.iter().map(String::as_str).collect();
        let err = self.belief_err(
            spec,
            path,
            format!("`{path}` is not a parameter of the format"),
        );
        match crate::diagnostic::did_you_mean(path, &refs) {
            Some(best) => err.help(format!("did you mean `{best}`?")),
            None => err.help(format!(
                "parameters that can be uncertain: {}",
                refs.join(", ")
            )),
        }
    }

    fn not_uncertain(&self, spec: &Spanned<BeliefSpec>, path: &str) -> InputError {
        self.belief_err(
            spec,
            path,
            format!("`{path}` cannot be uncertain across trials"),
        )
        .help(format!(
            "parameters that can be: {}",
            uncertain_paths().join(", ")
        ))
    }

    /// The target and distribution of `<key>.median` / `<key>.mean`.
    fn distribution_target<'c>(
        &self,
        key: &str,
        spec: &Spanned<BeliefSpec>,
        c: &'c Centres<'_>,
    ) -> Result<(Target, &'c Dist), InputError> {
        let missing = |what: &str| {
            self.belief_err(
                spec,
                key,
                format!("`{key}` is uncertain, but the scenario has no {what}"),
            )
            .help(format!("add {what}, or remove the belief"))
        };
        Ok(match key {
            "pipeline.deal_size_usd" => (Target::DealSize, &c.pipeline.deal_size_usd),
            "pipeline.cycle_months" => (Target::Cycle(0), &c.pipeline.cycle_months[0]),
            "pipeline.cycle_months_lost" => (Target::Cycle(1), &c.pipeline.cycle_months[1]),
            "pipeline.cycle_months_no_decision" => (Target::Cycle(2), &c.pipeline.cycle_months[2]),
            "hiring.time_to_fill_months" => (Target::TimeToFill, &c.staffing.time_to_fill_months),
            "leadership.tenure_months" => {
                let l = c.leadership.ok_or_else(|| missing("[leadership]"))?;
                let t = l
                    .tenure_months
                    .as_ref()
                    .ok_or_else(|| missing("leadership.tenure_months"))?;
                (Target::VpTenure, t)
            }
            "leadership.initiative.win_rate_lift" => {
                let l = c.leadership.ok_or_else(|| missing("[leadership]"))?;
                (Target::Lift, &l.lift)
            }
            _ => return Err(self.not_uncertain(spec, key)),
        })
    }

    /// The file's sigma of `<key>.sigma`: the log-scale spread of a lognormal deal size (the
    /// one distribution whose spread a trial can vary).
    fn sigma_target(
        &self,
        key: &str,
        spec: &Spanned<BeliefSpec>,
        c: &Centres<'_>,
    ) -> Result<f64, InputError> {
        let path = format!("{key}.sigma");
        if key != "pipeline.deal_size_usd" {
            return Err(self
                .belief_err(spec, &path, format!("`{key}` cannot have an uncertain spread"))
                .help("`.sigma`, the spread of a lognormal, can be uncertain for `pipeline.deal_size_usd` only; name the level instead: `.median` or `.mean`"));
        }
        match c.pipeline.deal_size_usd.log_sd() {
            Some(sigma) if sigma > 0.0 => Ok(sigma),
            _ => Err(self
                .belief_err(spec, &path, format!("`{path}` is the spread of a lognormal, but `{key}` is not a lognormal"))
                .help("give the deal size as { lognormal = { median = ..., p90 = ... } }, or name its level: `.median` or `.mean`")),
        }
    }

    /// The target and file value of a plain numeric key.
    fn plain_target(
        &self,
        path: &str,
        row: &Parameter,
        spec: &Spanned<BeliefSpec>,
        c: &Centres<'_>,
    ) -> Result<(Target, f64), InputError> {
        let missing = |what: &str| {
            self.belief_err(
                spec,
                path,
                format!("`{path}` is uncertain, but the scenario has no {what}"),
            )
            .help(format!("add {what} to the file, or remove the belief"))
        };
        if let Some(p) = row.event {
            let centre = match p {
                Param::RecruitingCapacity => c
                    .staffing
                    .recruiting_capacity_per_month
                    .map(f64::from)
                    .ok_or_else(|| {
                        missing("hiring.recruiting_capacity_per_month (no limit cannot vary)")
                    })?,
                Param::Opportunities => c.pipeline.opportunities_per_rep_month,
                Param::Inbound => c.pipeline.inbound_opportunities_per_month,
                Param::AnnualAttrition => c.raw.attrition.annual_rate.map_or(0.0, |a| a.0),
                Param::LogoChurn => c.raw.customers.monthly_logo_churn_rate.map_or(0.0, |a| a.0),
                Param::Expansion => c.raw.customers.monthly_expansion_rate.map_or(0.0, |a| a.0),
                _ => return Err(self.not_uncertain(spec, path)),
            };
            return Ok((Target::Series(p), centre));
        }
        if let Some(rest) = path.strip_prefix("leadership.transition.") {
            let l = c.leadership.ok_or_else(|| missing("[leadership]"))?;
            let (phase, effect) = rest.split_once('.').unwrap_or((rest, ""));
            let i = PHASES.iter().position(|p| *p == phase).unwrap_or(0);
            let j = EFFECTS.iter().position(|e| *e == effect).unwrap_or(0);
            let p = &l.phases[i];
            return Ok((Target::Phase(i, j), [p.effort, p.win_rate, p.attrition][j]));
        }
        let coverage = || c.coverage.ok_or_else(|| missing("[coverage]"));
        Ok(match path {
            "pipeline.outcomes.won" => (Target::Won, c.pipeline.outcomes[0]),
            "ramp.curve.months_to_full" => match c.raw.ramp.curve.get_ref() {
                RampCurve::Linear { months_to_full }
                | RampCurve::SCurve { months_to_full }
                | RampCurve::Step { months_to_full } => (Target::RampMonths, *months_to_full),
                _ => {
                    return Err(missing(
                        "ramp curve with months_to_full (linear, s_curve or step)",
                    ));
                }
            },
            "attrition.early_washout.share_of_hires" => match &c.raw.attrition.early_washout {
                Some(w) if w.months > 0 => (Target::Washout, w.share_of_hires.0),
                _ => return Err(missing("attrition.early_washout with months of 1 or more")),
            },
            "market.monthly_trend" => (Target::Trend, c.market.trend),
            "reps.win_rate_sd" => match c.raw.reps.win_rate_sd.as_ref().map(|v| *v.get_ref()) {
                Some(sd) if sd > 0.0 => (Target::WinRateSd, sd),
                _ => return Err(missing("reps.win_rate_sd above 0")),
            },
            "coverage.max_effort_multiplier" => (Target::CoverageMaxEffort, coverage()?.max_effort),
            "coverage.extra_deal_win_rate_multiplier" => {
                (Target::CoverageExtraWin, coverage()?.extra_win_rate)
            }
            "coverage.win_rate_cost_of_extra_effort" => {
                (Target::CoverageCost, coverage()?.effort_cost)
            }
            _ => return Err(self.not_uncertain(spec, path)),
        })
    }

    /// A belief by P10 / P50 / P90, bounded where the quantity is.
    fn metalog(
        &self,
        path: &str,
        spec: &Spanned<BeliefSpec>,
        row: &Parameter,
        (p10, p50, p90): (f64, Option<f64>, f64),
        centre: f64,
        scale: Scale,
    ) -> Result<Belief, InputError> {
        let bounds = match scale {
            Scale::Logit | Scale::Shift => Bounds::Both(row.min, row.max),
            _ => Bounds::Lower(row.min),
        };
        // Without P50 the file's value is the P50; where no distribution fits P10, the value
        // and P90 (a what-if moved the value near or past one end), the belief keeps its width:
        // symmetric on its scale, then moved to the value like any other.
        let fit = |p50: f64| self.fit(path, spec, row, (p10, p50, p90), bounds, scale);
        match p50 {
            Some(p50) => fit(p50),
            None => fit(centre).or_else(|e| fit(scale.middle(p10, p90)).map_err(|_| e)),
        }
    }

    /// The metalog through P10, P50 and P90, or the error that names them.
    fn fit(
        &self,
        path: &str,
        spec: &Spanned<BeliefSpec>,
        row: &Parameter,
        (p10, p50, p90): (f64, f64, f64),
        bounds: Bounds,
        scale: Scale,
    ) -> Result<Belief, InputError> {
        let three = format!(
            "P10 {}, P50 {}, P90 {}",
            fmt_num(p10),
            fmt_num(p50),
            fmt_num(p90)
        );
        Metalog::new(p10, p50, p90, bounds)
            .map(Belief::Metalog)
            .map_err(|e| match e {
                MetalogError::NotIncreasing => self
                    .belief_err(spec, path, format!("{three} do not increase"))
                    .help("give P10 < P50 < P90: a 1-in-10 chance of less than P10, of more than P90"),
                MetalogError::OutsideBounds => self
                    .belief_err(spec, path, format!("{three} do not all lie inside the quantity's range, {} to {} (exclusive)", fmt_num(row.min), fmt_num(row.max)))
                    .help("a belief about a share lies strictly between 0 and 1; about an amount, rate or duration, above 0"),
                MetalogError::Skewed { r, lo, hi } => self
                    .belief_err(spec, path, format!("{three}: the P50 sits {:.0}% of the way from P10 to P90{}, and no three-quantile distribution fits so lopsided a belief (it must sit between {:.0}% and {:.0}%)", r * 100.0, if scale == Scale::Log { " on a log scale" } else if scale == Scale::Logit { " on a log-odds scale" } else { "" }, lo * 100.0, hi * 100.0))
                    .help("widen the short side (a lower P10 or a higher P90), or give a distribution family such as { lognormal = { median = ..., p90 = ... } }"),
            })
    }

    /// A belief by a named family: it must stay in the quantity's range, or say `truncate`.
    fn family(
        &self,
        path: &str,
        spec: &Spanned<BeliefSpec>,
        row: &Parameter,
        family: &Family,
        truncate: bool,
    ) -> Result<Belief, InputError> {
        let domain = Domain {
            min: row.min,
            max: row.max,
            text: "in the quantity's range",
        };
        let dist = DistSpec::Family(family.clone())
            .build(Domain {
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
                text: "a number",
            })
            .map_err(|m| self.belief_err(spec, path, m))?;
        let (lo, hi) = (dist.moments.lo, dist.moments.hi);
        let leaves = lo < row.min || hi > row.max;
        if leaves && !truncate {
            return Err(self
                .belief_err(spec, path, format!("this distribution can draw values from {} to {}, outside the quantity's range {} to {}", fmt_num(lo), fmt_num(hi), fmt_num(row.min), fmt_num(row.max)))
                .help("add `truncate = true` to cut its draws to the range, or choose a family that stays inside it (p10/p50/p90 always does)"));
        }
        let truncated = if leaves {
            let (f_lo, f_hi) = (dist.cdf(row.min), dist.cdf(row.max));
            if f_hi - f_lo < 1e-6 {
                return Err(self
                    .belief_err(
                        spec,
                        path,
                        "almost none of this distribution lies inside the quantity's range".into(),
                    )
                    .help("move the distribution into the range"));
            }
            Some((f_lo, f_hi))
        } else {
            None
        };
        let dist = Dist { domain, ..dist };
        Ok(Belief::Dist { dist, truncated })
    }

    /// The outcome shares drawn together: three gammas, one per outcome, normalised.
    fn dirichlet(
        &self,
        spec: &Spanned<BeliefSpec>,
        c: &Centres<'_>,
    ) -> Result<Vec<UncertainParam>, InputError> {
        let path = "pipeline.outcomes";
        let BeliefSpec::Dirichlet(d) = spec.get_ref() else {
            return Err(self
                .belief_err(spec, path, "the outcome shares vary together: give them a dirichlet".into())
                .help("`\"pipeline.outcomes\" = { dirichlet = { concentration = 400 } }`, or a belief about `pipeline.outcomes.won` alone"));
        };
        let shares = c.pipeline.outcomes;
        let alphas = match d {
            DirichletSpec {
                concentration: Some(n),
                won: None,
                lost: None,
                no_decision: None,
            } => shares.map(|p| p * n),
            DirichletSpec {
                concentration: None,
                won: Some(a),
                lost: Some(b),
                no_decision: Some(g),
            } => [*a, *b, *g],
            _ => {
                return Err(self
                    .belief_err(spec, path, "a dirichlet takes either `concentration`, or `won`, `lost` and `no_decision` counts".into())
                    .help("e.g. { dirichlet = { concentration = 400 } } around the file's shares"));
            }
        };
        let mut out = Vec::new();
        for (k, alpha) in alphas.iter().enumerate() {
            if shares[k] == 0.0 && *alpha == 0.0 {
                continue; // an outcome that never happens stays at 0
            }
            if !(*alpha > 0.0 && alpha.is_finite()) {
                return Err(self
                    .belief_err(spec, path, format!("the dirichlet's count for {} is {}, but each must be above 0", OUTCOMES[k], fmt_num(*alpha)))
                    .help("a share that is never 0 needs a positive count; an outcome share of 0 in the file stays 0"));
            }
            let gamma = DistSpec::Family(Family::Gamma(GammaSpec {
                shape: Some(*alpha),
                scale: Some(1.0),
                mean: None,
                sd: None,
            }))
            .build(Domain::NON_NEGATIVE)
            .map_err(|m| self.belief_err(spec, path, m))?;
            let name = format!("{path}.{}", OUTCOMES[k]);
            out.push(UncertainParam {
                stream: stream_key(&name),
                path: name,
                target: Target::Outcome(k),
                belief: Belief::Dist {
                    dist: gamma,
                    truncated: None,
                },
                centre: shares[k],
                belief_median: alpha / alphas.iter().sum::<f64>(),
                scale: Scale::AsDrawn,
                pinned: None,
            });
        }
        Ok(out)
    }

    /// Beliefs that cannot hold together.
    fn check_exclusive(
        &self,
        params: &[UncertainParam],
        c: &Centres<'_>,
    ) -> Result<(), InputError> {
        let has = |t: fn(&Target) -> bool| params.iter().any(|p| t(&p.target));
        if has(|t| *t == Target::Won) && has(|t| matches!(t, Target::Outcome(_))) {
            let spec = &c.raw.uncertainty.parameters["pipeline.outcomes.won"];
            return Err(self
                .belief_err(
                    spec,
                    "pipeline.outcomes.won",
                    "the win share has a belief of its own and is part of the outcomes' dirichlet"
                        .into(),
                )
                .help(
                    "keep one: the dirichlet (all three shares) or `pipeline.outcomes.won` alone",
                ));
        }
        Ok(())
    }

    /// The correlation matrix: its keys uncertain, the matrix symmetric with a unit diagonal
    /// and a correlation matrix once converted to the copula's scale.
    fn correlation(
        &self,
        cor: &Spanned<Correlation>,
        params: &[UncertainParam],
    ) -> Result<(Vec<usize>, Copula), InputError> {
        let v = cor.get_ref();
        let err = |m: String| self.err(cor.span(), m).key("uncertainty.correlation");
        let n = v.keys.len();
        let mut idx = Vec::with_capacity(n);
        for k in &v.keys {
            let Some(i) = params.iter().position(|p| &p.path == k) else {
                let known: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
                return Err(err(format!(
                    "`{k}` has no belief, so it has nothing to correlate"
                ))
                .help(format!(
                    "correlate the uncertain parameters: {}",
                    known.join(", ")
                )));
            };
            if idx.contains(&i) {
                return Err(err(format!("`{k}` is named twice")).help("name each parameter once"));
            }
            idx.push(i);
        }
        if v.spearman.len() != n || v.spearman.iter().any(|r| r.len() != n) {
            return Err(err(format!(
                "the matrix must have {n} rows of {n} numbers, one per key"
            ))
            .help("row i, column j is the rank correlation of keys i and j"));
        }
        let m = &v.spearman;
        #[allow(clippy::needless_range_loop)] // the messages name rows and columns
        for i in 0..n {
            if m[i][i] != 1.0 {
                return Err(err(format!(
                    "the diagonal must be 1 (row {} has {})",
                    i + 1,
                    fmt_num(m[i][i])
                ))
                .help("a parameter's correlation with itself is 1"));
            }
            for j in 0..n {
                if !(m[i][j].is_finite() && (-1.0..=1.0).contains(&m[i][j])) {
                    return Err(err(format!(
                        "row {}, column {} is {}, outside -1 to 1",
                        i + 1,
                        j + 1,
                        fmt_num(m[i][j])
                    ))
                    .help("a rank correlation lies between -1 and 1"));
                }
                if (m[i][j] - m[j][i]).abs() > 1e-9 {
                    return Err(err(format!("the matrix is not symmetric: row {}, column {} is {} but row {}, column {} is {}", i + 1, j + 1, fmt_num(m[i][j]), j + 1, i + 1, fmt_num(m[j][i])))
                        .help("the correlation of a with b is that of b with a: make the two entries equal"));
                }
            }
        }
        let pearson: Vec<f64> = m
            .iter()
            .flatten()
            .map(|&rho| copula::pearson_of_spearman(rho))
            .collect();
        let Some(c) = Copula::new(&pearson, n) else {
            let near = copula::nearest_correlation(&pearson, n);
            // The nearest matrix as it is written (two decimals), shrunk towards no
            // correlation until the written matrix itself holds together.
            let written = |shrink: f64| -> Vec<f64> {
                near.iter()
                    .enumerate()
                    .map(|(k, &r)| {
                        let rho = if k % (n + 1) == 0 {
                            1.0
                        } else {
                            copula::spearman_of_pearson(r * shrink)
                        };
                        (rho * 100.0).round() / 100.0
                    })
                    .collect()
            };
            let holds = |m: &[f64]| {
                let p: Vec<f64> = m.iter().map(|&r| copula::pearson_of_spearman(r)).collect();
                Copula::new(&p, n).is_some()
            };
            let suggested = (0..=100)
                .map(|k| written(1.0 - k as f64 / 100.0))
                .find(|m| holds(m))
                .unwrap_or_else(|| written(0.0));
            let rows: Vec<String> = (0..n)
                .map(|i| {
                    let row: Vec<String> = (0..n)
                        .map(|j| format!("{:.2}", suggested[i * n + j]))
                        .collect();
                    format!("[{}]", row.join(", "))
                })
                .collect();
            return Err(err("these correlations cannot hold together (the matrix is not positive semi-definite: some combination of the parameters would have a negative variance)".into())
                .help(format!("the nearest valid matrix is spearman = [{}]", rows.join(", "))));
        };
        Ok((idx, c))
    }
}

/// How much the first layer can raise opportunity creation in a trial above the file's values:
/// the product, over the beliefs about opportunity rates and effort, of their one-in-a-million
/// high draw over their centre (at least 1 each). Feeds the check on a trial's size.
pub(super) fn volume_factor(u: &Uncertainty) -> f64 {
    u.params
        .iter()
        .filter(|p| match p.target {
            Target::Series(param) => {
                matches!(param, Param::Opportunities | Param::Inbound)
            }
            Target::Phase(_, effect) => effect == 0,
            Target::CoverageMaxEffort => true,
            _ => false,
        })
        .map(|p| (p.value(1.0 - 1e-6) / p.centre).max(1.0))
        .product()
}

/// Every path a belief can name, for messages.
pub(super) fn uncertain_paths() -> Vec<String> {
    let mut out = vec!["pipeline.outcomes".to_string()];
    for row in params::PARAMETERS.iter().filter(|r| r.uncertain) {
        if row.distribution {
            out.push(format!("{}.median", row.path));
            out.push(format!("{}.mean", row.path));
            if row.path == "pipeline.deal_size_usd" {
                out.push(format!("{}.sigma", row.path));
            }
        } else {
            out.push(row.path.to_string());
        }
    }
    out
}

/// The lowest and highest market trend of any trial: an uncertain trend between its
/// 1-in-10-million tails, else the file's.
pub(super) fn trend_range(u: &Uncertainty, market: &MarketParams) -> (f64, f64) {
    match u.find(Target::Trend) {
        Some(i) => {
            let p = &u.params[i];
            (p.value(1e-7), p.value(1.0 - 1e-7))
        }
        None => (market.trend, market.trend),
    }
}

/// The range of factors cycles are scaled by in any trial and month, when they vary at all:
/// an uncertain cycle level (drawn between its 1-in-10-million tails) times the market's
/// swing to the power of its cycle loading (the demand factor between its tails, the shock
/// within 7 standard deviations, the trend over the `horizon`). Clamped to 1/20 .. 20.
pub(super) fn cycle_factor_range(
    u: &Uncertainty,
    market: &MarketParams,
    horizon: usize,
) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    let mut varies = false;
    for p in u
        .params
        .iter()
        .filter(|p| matches!(p.target, Target::Cycle(_)))
    {
        let (a, b) = (p.value(1e-7) / p.centre, p.value(1.0 - 1e-7) / p.centre);
        lo = lo.min(a.ln());
        hi = hi.max(b.ln());
        varies = true;
    }
    let beta = market.loadings.cycle;
    let factor = &market.demand_factor;
    if beta != 0.0 && market.moves() {
        let (d_lo, d_hi) = (
            factor.inverse_cdf(1e-7).max(1e-3).ln(),
            factor.inverse_cdf(1.0 - 1e-7).max(1e-3).ln(),
        );
        let shock = 7.0 * market.shock_sd;
        let (a, b) = (beta * (d_lo - shock), beta * (d_hi + shock));
        lo += a.min(b);
        hi += a.max(b);
        varies = true;
    }
    let (t_lo, t_hi) = trend_range(u, market);
    if beta != 0.0 && (t_lo != 0.0 || t_hi != 0.0) {
        let span = horizon.saturating_sub(1) as f64;
        let ends = [0.0, beta * t_lo * span, beta * t_hi * span];
        lo += ends.iter().copied().fold(f64::INFINITY, f64::min);
        hi += ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        varies = true;
    }
    varies.then(|| (lo.max(-20f64.ln()).exp(), hi.min(20f64.ln()).exp()))
}
