//! `[open_pipeline]`: the deals of a CRM export of open opportunities, mapped onto the starting
//! reps.

use sha2::{Digest, Sha256};
use toml::Spanned;

use super::Validator;
use crate::crm::{History, Opportunity, Outcome, ReadOptions, StageMeaning};
use crate::diagnostic::{InputError, input};
use crate::scenario::dist::Domain;
use crate::scenario::open_deals::{MAX_AGE_MONTHS, OpenDeal, OpenDeals, OpenDecision, OpenOutcome};
use crate::scenario::raw::{self, OpenPipeline, RawScenario, Stage};
use crate::scenario::{Clock, MAX_DEAL_USD, PipelineParams, Staffing, lags};

/// Rows of the export left out, by reason.
#[derive(Default)]
struct LeftOut {
    closed: usize,
    created_late: usize,
    no_amount: usize,
}

impl Validator<'_> {
    /// `[open_pipeline]`: the deals of the CRM export, mapped onto the starting reps.
    pub(super) fn open_deals(
        &self,
        raw: &RawScenario,
        clock: &Clock,
        staffing: &Staffing,
        pipeline: &mut PipelineParams,
    ) -> Result<Option<OpenDeals>, InputError> {
        let Some(spanned) = &raw.open_pipeline else {
            return Ok(None);
        };
        self.check_open_pipeline(raw, spanned, staffing)?;
        let op = spanned.get_ref();
        let (history, shown, sha256) = self.read_open_export(op)?;
        let mut owners: Vec<String> = Vec::new();
        let mut deals = Vec::new();
        let mut left = LeftOut::default();
        for o in &history.opportunities {
            if o.outcome != Outcome::Open {
                left.closed += 1;
                continue;
            }
            if let Some(deal) = self.open_deal(
                o,
                op,
                clock,
                staffing,
                pipeline,
                &shown,
                &mut owners,
                &mut left,
            )? {
                deals.push(deal);
            }
        }
        self.check_stages(op)?;
        let max_age = deals.iter().map(|d| d.age_months).max().unwrap_or(0) as usize;
        let lags = [0, 1, 2].map(|o| {
            let cycle = &pipeline.cycle_months[o];
            lags::Lags::new(cycle, pipeline.timing, clock.horizon, max_age)
        });
        let slip_months = match &op.slip_months {
            Some(d) => Some(self.dist(d, Domain::NON_NEGATIVE, "open_pipeline.slip_months")?),
            None => None,
        };
        pipeline.warm_up_months = 0;
        Ok(Some(OpenDeals {
            file: shown,
            sha256,
            deals,
            owners,
            left_out: left_out(&left, &history),
            lags,
            slip_months,
        }))
    }

    /// The open pipeline replaces the synthetic one, and needs reps to hold its deals.
    fn check_open_pipeline(
        &self,
        raw: &RawScenario,
        spanned: &Spanned<OpenPipeline>,
        staffing: &Staffing,
    ) -> Result<(), InputError> {
        if raw.pipeline.starting_pipeline.is_some() {
            return Err(self
                .err(
                    spanned.span(),
                    "[open_pipeline] gives the deals open at the start, so pipeline.starting_pipeline has nothing to set",
                )
                .help("remove starting_pipeline from [pipeline], or remove [open_pipeline]"));
        }
        if staffing.starting_filled == 0 {
            return Err(self
                .err(
                    spanned.span(),
                    "the open deals need reps to hold them, but no seat is filled at the start",
                )
                .help("set org.filled_seats to the number of reps today"));
        }
        Ok(())
    }

    /// Reads the export (relative to the file that names it): its rows, its name as shown in
    /// messages, and its SHA-256 (part of the scenario's identity).
    fn read_open_export(&self, op: &OpenPipeline) -> Result<(History, String, String), InputError> {
        let path = self.path_named_at(&op.csv.span(), op.csv.get_ref());
        let shown = path.display().to_string();
        let bytes = input::try_read(&path, input::CRM_EXPORT, false).map_err(|e| {
            self.err(
                op.csv.span(),
                format!("cannot read the open-pipeline file {shown}: {}", e.reason),
            )
            .key("open_pipeline.csv")
            .help("the path is relative to the scenario file that names it")
            .help(e.help)
        })?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let mut read = ReadOptions {
            layout: op.columns,
            date_order: Some(op.date_order.unwrap_or_default()),
            skip_bad_rows: op.skip_bad_rows,
            nested: true,
            ..ReadOptions::default()
        };
        for name in op.stages.keys() {
            read.outcomes
                .set_stage(name, StageMeaning::Outcome(Outcome::Open));
        }
        let history = crate::crm::parse_history(&bytes[..], &shown, &read)?;
        Ok((history, shown, sha256))
    }

    /// One open row as a deal held by a starting rep: its age, value, outcome rule and decision
    /// rule; `None` for a row left out under `skip_bad_rows`.
    #[allow(clippy::too_many_arguments)]
    fn open_deal(
        &self,
        o: &Opportunity,
        op: &OpenPipeline,
        clock: &Clock,
        staffing: &Staffing,
        pipeline: &PipelineParams,
        shown: &str,
        owners: &mut Vec<String>,
        left: &mut LeftOut,
    ) -> Result<Option<OpenDeal>, InputError> {
        let age = clock.start.months_since(o.created.month());
        let row_err = |msg: String, help: &str| {
            InputError::file(shown, msg)
                .key(format!("row {}", o.row))
                .help(help.to_string())
        };
        if age <= 0 && op.skip_bad_rows {
            left.created_late += 1;
            return Ok(None);
        }
        if age <= 0 {
            return Err(row_err(
                format!(
                    "row {}: the deal was created in {}, not before the start month {}",
                    o.row,
                    o.created.month(),
                    clock.start
                ),
                "an export of the deals open at the start holds deals created before it: set simulation.start_month to the month after the export, or remove the row",
            ));
        }
        if o.amount_usd.is_some_and(|a| a > MAX_DEAL_USD) {
            return Err(row_err(
                format!(
                    "row {}: an amount of ${:.0} is more than the largest revsim represents ($1e15)",
                    o.row,
                    o.amount_usd.unwrap_or_default()
                ),
                "check the amount column: it may hold another currency's minor units or a typo",
            ));
        }
        let Some(amount) = o.amount_usd.filter(|a| a.is_finite() && *a >= 0.0) else {
            if op.skip_bad_rows {
                left.no_amount += 1;
                return Ok(None);
            }
            return Err(row_err(
                format!("row {}: an open deal needs an amount", o.row),
                "fill in the deal's amount in the export",
            ));
        };
        let owner = match owners.iter().position(|x| x == &o.owner) {
            Some(i) => i,
            None => {
                owners.push(o.owner.clone());
                owners.len() - 1
            }
        };
        let stage = o.stage.as_deref().and_then(|name| stage_of(op, name));
        Ok(Some(OpenDeal {
            row: o.row,
            seat: owner as u32 % staffing.starting_filled,
            age_months: (age as u32).min(MAX_AGE_MONTHS),
            value_usd: (amount + 0.5) as i64,
            outcome: open_outcome(stage, pipeline),
            decision: self.open_decision(stage, op, o, clock)?,
        }))
    }

    /// When an open deal is decided: as its stage says, at its expected close date, or from its
    /// cycle time given its age.
    fn open_decision(
        &self,
        stage: Option<&Spanned<Stage>>,
        op: &OpenPipeline,
        o: &Opportunity,
        clock: &Clock,
    ) -> Result<OpenDecision, InputError> {
        Ok(
            match stage.and_then(|st| st.get_ref().months_to_decision.as_ref()) {
                Some(d) => OpenDecision::Stage(self.dist(
                    d,
                    Domain::NON_NEGATIVE,
                    "open_pipeline.stages.months_to_decision",
                )?),
                None => match (op.expected_close, o.closed) {
                    (raw::ExpectedClose::Use, Some(close)) => {
                        OpenDecision::Expected(close.month().months_since(clock.start) as i64)
                    }
                    _ => OpenDecision::ByAge,
                },
            },
        )
    }

    /// A stage's chances of won and no decision leave room for the lost ones.
    fn check_stages(&self, op: &OpenPipeline) -> Result<(), InputError> {
        for (name, st) in &op.stages {
            let v = st.get_ref();
            if v.won.0 + v.no_decision.map_or(0.0, |p| p.0) > 1.0 + 1e-9 {
                return Err(self
                    .err(
                        st.span(),
                        format!("stage {name:?}: won + no_decision is more than 1"),
                    )
                    .help(
                        "the rest of a stage's deals are lost: keep won + no_decision at most 1",
                    ));
            }
        }
        Ok(())
    }
}

/// The `[open_pipeline.stages]` entry of a stage name (any case, as the export writes it).
fn stage_of<'a>(op: &'a OpenPipeline, name: &str) -> Option<&'a Spanned<Stage>> {
    let key = crate::crm::outcomes::normalise(name);
    op.stages
        .iter()
        .find(|(k, _)| crate::crm::outcomes::normalise(k) == key)
        .map(|(_, v)| v)
}

/// How an open deal ends: by its stage's chances, or by the org's shares given its age.
fn open_outcome(stage: Option<&Spanned<Stage>>, pipeline: &PipelineParams) -> OpenOutcome {
    match stage {
        Some(st) => {
            let st = st.get_ref();
            let non_wins = 1.0 - st.won.0;
            let no_decision = st
                .no_decision
                .map_or(non_wins * (1.0 - pipeline.lost_share_of_non_wins), |p| p.0);
            OpenOutcome::Stage {
                won: st.won.0,
                no_decision,
            }
        }
        None => OpenOutcome::Org,
    }
}

/// The rows left out, with the reason, for `check` and `run` to report.
fn left_out(left: &LeftOut, history: &History) -> Vec<(String, usize)> {
    [
        ("closed (won, lost or no decision)", left.closed),
        ("bad", history.bad_rows.len()),
        ("created in or after the start month", left.created_late),
        ("without an amount", left.no_amount),
        ("of an ignored stage", history.ignored_rows),
    ]
    .into_iter()
    .filter(|&(_, n)| n > 0)
    .map(|(why, n)| (why.to_string(), n))
    .collect()
}
