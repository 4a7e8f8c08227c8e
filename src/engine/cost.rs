//! What a run will cost, said before it starts: its time from the opportunities and rep-months
//! of a trial, and its memory from what the engine keeps.
//!
//! The time model was fitted on one core of the 2-core machine of docs/performance.md (full
//! detail, runs from 200 to 3.5 million opportunities a trial) and scaled to that page's
//! quiet-machine figures: about 12 microseconds a trial, 60 nanoseconds a rep-month and 12
//! nanoseconds an opportunity. It puts the baseline's 1,000,000 trials on 2 threads at about
//! 5 minutes (measured: 250 s). Bookings detail, a smaller org or a faster machine take less;
//! the estimate is meant to say "hours" when a run takes hours, not to time it.

use crate::diagnostic::input::size_words;
use crate::scenario::Scenario;
use crate::scenario::events::Param;
use crate::sketch::EXACT_BYTES;

/// Seconds a trial costs before its reps and opportunities.
const PER_TRIAL_S: f64 = 12e-6;
/// Seconds a rep-month (a seat in a month) costs.
const PER_REP_MONTH_S: f64 = 60e-9;
/// Seconds an opportunity costs.
const PER_OPPORTUNITY_S: f64 = 12e-9;
/// Bytes a worker thread keeps per seat and month (its seats' bookings, pipeline and hazards).
const WORKSPACE_BYTES_PER_SEAT_MONTH: f64 = 48.0;
/// Bytes every process needs before its trials (code, the scenario, the thread pool).
const BASE_BYTES: f64 = 32e6;
/// Distinct values a monthly sketch cell holds at most (12 significant bits, both signs, over
/// the exponents a figure spans), each 12 bytes.
const SKETCH_BYTES_PER_CELL: f64 = 4096.0 * 12.0;

/// The estimated cost of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Trials.
    pub trials: usize,
    /// Worker threads.
    pub threads: usize,
    /// Opportunities a trial creates, about (every seat filled, the mean skill).
    pub opportunities_per_trial: f64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Peak memory, bytes.
    pub bytes: f64,
}

/// Runs estimated to take longer than this many seconds are long: `check` and `run` say so.
pub const LONG_SECONDS: f64 = 60.0;

/// Runs estimated to need more than this many bytes are large: `check` and `run` say so.
pub const LARGE_BYTES: f64 = 2e9;

/// The estimated cost of `trials` trials of `s` on `threads` threads, with what a run adds:
/// the run without the VP model when the scenario has one, and `reruns` more trials (those
/// that split the spread by layer, which the caller counts).
pub fn estimate(s: &Scenario, trials: usize, reruns: usize, threads: usize) -> Cost {
    let horizon = s.horizon();
    let seats = s.staffing.max_seats as f64;
    let skill = s.reps.skill.mean().max(0.0);
    let opportunities: f64 = s
        .timeline
        .series(Param::Opportunities)
        .iter()
        .zip(s.timeline.series(Param::Inbound))
        .map(|(own, inbound)| own * seats * skill + inbound)
        .sum();
    let rep_months = seats * (horizon + s.pipeline.warm_up_months) as f64;
    let passes = if s.leadership.is_some() { 2.0 } else { 1.0 };
    let per_trial = PER_TRIAL_S + PER_REP_MONTH_S * rep_months + PER_OPPORTUNITY_S * opportunities;
    let threads = threads.max(1);
    let seconds = per_trial * (passes * trials as f64 + reruns as f64) / threads as f64;

    let stride = crate::model::Layout::of(s).stride(horizon) as f64;
    // A chunk's records: a quarter of the budget, counted for every metric (see `engine`).
    let recorded = stride * 4.0 / super::budgeted_bytes(horizon) as f64;
    let kept_per_trial = (std::mem::size_of::<crate::model::TrialTotals>()
        + s.clock.fiscal_years.len() * std::mem::size_of::<crate::model::FiscalYearOutcome>()
        + crate::model::trial::draw_columns(s).len() * 8) as f64;
    let monthly = if super::keeps_every_trial(trials, horizon) {
        trials as f64 * stride * 4.0
    } else {
        EXACT_BYTES as f64 / 4.0 * recorded + stride * SKETCH_BYTES_PER_CELL
    };
    // Summaries copy a column of headline figures at a time.
    let kept = passes * (trials as f64 * kept_per_trial + monthly) + trials as f64 * 16.0;
    let workspace = threads as f64 * seats * (horizon + 3) as f64 * WORKSPACE_BYTES_PER_SEAT_MONTH;
    Cost {
        trials,
        threads,
        opportunities_per_trial: opportunities,
        seconds,
        bytes: BASE_BYTES + kept + workspace,
    }
}

impl Cost {
    /// Whether the run is long or large enough to say so before it starts.
    pub fn worth_saying(&self) -> bool {
        self.seconds > LONG_SECONDS || self.bytes > LARGE_BYTES
    }

    /// The estimate in a sentence: "estimated: about 21 hours and 251 MiB of memory on 1
    /// thread, for 10,000 trials of about 600,000,000 opportunities each".
    pub fn sentence(&self) -> String {
        format!(
            "estimated: about {} and {} of memory on {}, for {} of about {} opportunities each",
            duration_words(self.seconds),
            size_words(self.bytes as u64),
            crate::words::counted(self.threads, "thread"),
            crate::words::counted(self.trials, "trial"),
            crate::words::thousands(crate::words::sig(self.opportunities_per_trial, 2) as usize),
        )
    }
}

/// A duration as people say it: "40 seconds", "12 minutes", "31 hours", "9 days".
pub fn duration_words(seconds: f64) -> String {
    let (v, unit) = if seconds < 90.0 {
        (seconds, "second")
    } else if seconds < 90.0 * 60.0 {
        (seconds / 60.0, "minute")
    } else if seconds < 48.0 * 3600.0 {
        (seconds / 3600.0, "hour")
    } else {
        (seconds / 86400.0, "day")
    };
    let n = v.round().max(1.0) as usize;
    crate::words::counted(n, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(0.2), "1 second");
        assert_eq!(duration_words(45.0), "45 seconds");
        assert_eq!(duration_words(600.0), "10 minutes");
        assert_eq!(duration_words(40_000.0), "11 hours");
        assert_eq!(duration_words(400_000.0), "5 days");
    }
}
