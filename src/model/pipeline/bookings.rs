//! Bookings detail: only won deals, drawn in the month they are decided (see the parent
//! module's documentation), with the leaver policy applied at the decision.

use rand::RngExt;

use super::{Ledger, Outcome, dollars, whole_dollars};
use crate::random::sampling::poisson_inverse;
use crate::random::streams::{Purpose, StreamRng, month_entity, outcome_stream, stream};
use crate::scenario::Scenario;

impl Ledger {
    /// Bookings detail: the won deals decided in month `m`.
    pub(super) fn book(
        &mut self,
        s: &Scenario,
        m: usize,
        size_multiplier: f64,
        left_at: &[Vec<i32>],
    ) {
        self.book_open_deals(s, m, left_at);
        let w = self.warm_up;
        // Creation months -w..=m, as indices i = t + w; a won deal created in month i is
        // decided `last - i` months later with the probability of that month's lag table.
        let last = m + w;
        let p = &s.pipeline;
        let weight = |i: usize| p.lags_at(0, i).pmf[last - i];
        let mean: f64 = (0..=last).map(|i| self.won_intensity[i] * weight(i)).sum();
        let (seed, trial, entity) = (self.seed, self.trial, month_entity(m as i64));
        let mut counts = stream(seed, trial, entity, Purpose::DealCounts);
        let n = poisson_inverse(mean, counts.random());
        if n == 0 {
            return;
        }
        let mut size_rng = outcome_stream(seed, trial, entity, Purpose::DealSizes, 0);
        let mut sizes = std::mem::take(&mut self.sizes);
        sizes.resize(n as usize, 0.0);
        s.pipeline.deal_size_usd.fill(&mut size_rng, &mut sizes);
        if !self.attribute_won {
            let total = total_dollars(&sizes, size_multiplier);
            self.bookings[m] += total;
            self.decided[0][m] += n as u32;
            self.sizes = sizes;
            return;
        }
        // Each booked deal's creation month, then its seat among that month's reps.
        self.creation.clear();
        for i in 0..=last {
            self.creation.push(self.won_intensity[i] * weight(i));
        }
        self.creation.finish();
        let mut creation_rng = stream(seed, trial, entity, Purpose::DealCreation);
        let mut seat_rng = outcome_stream(seed, trial, entity, Purpose::DealSeats, 0);
        let mut leaver_rng = p
            .leaver_policy_active()
            .then(|| stream(seed, trial, entity, Purpose::Leaver));
        let h = self.horizon;
        for &size in &sizes {
            let value = dollars(size, size_multiplier);
            let i = self.creation.sample(creation_rng.random());
            let (seat, _) = self.tables[i].seat(Outcome::Won, seat_rng.random());
            if let Some(r) = &mut leaver_rng {
                // The rep who opened it left before its decision: the leaver policy applies once,
                // at that departure (as in full detail).
                let created = i as i64 - w as i64;
                let left = left_at[seat]
                    .iter()
                    .any(|&d| d as i64 >= created && (d as usize) < m);
                if left && !still_won_after_leaver(r, p) {
                    continue;
                }
            }
            self.bookings[m] += value;
            self.decided[0][m] += 1;
            self.seat_bookings[seat * h + m] += value;
        }
        self.sizes = sizes;
    }

    /// Bookings detail: the won deals of `[open_pipeline]` decided in month `m`.
    fn book_open_deals(&mut self, s: &Scenario, m: usize, left_at: &[Vec<i32>]) {
        if s.open_deals.is_none() || self.open_won.is_empty() {
            return;
        }
        let p = &s.pipeline;
        let h = self.horizon;
        let start = self.open_won.partition_point(|&(d, _, _)| d < m);
        let end = self.open_won.partition_point(|&(d, _, _)| d <= m);
        let mut leaver_rng = p.leaver_policy_active().then(|| {
            stream(
                self.seed,
                self.trial,
                month_entity(m as i64),
                Purpose::OpenDealLeaver,
            )
        });
        for k in start..end {
            let (_, seat, value) = self.open_won[k];
            let seat = seat as usize;
            if let Some(r) = &mut leaver_rng {
                // Opened before the start by the seat's starting rep: the leaver policy applies
                // if that rep left before the decision.
                let left = left_at[seat].iter().any(|&d| (d as usize) < m);
                if left && !still_won_after_leaver(r, p) {
                    continue;
                }
            }
            self.bookings[m] += value;
            self.decided[0][m] += 1;
            if self.attribute_won {
                self.seat_bookings[seat * h + m] += value;
            }
        }
    }
}

/// Bookings detail: whether a won deal whose rep left before its decision is still won under
/// the leaver policy (not orphaned, and won at the reassigned rate), as full detail applies it.
fn still_won_after_leaver(r: &mut StreamRng, p: &crate::scenario::PipelineParams) -> bool {
    let orphaned = r.random::<f64>() < p.leaver_lost_probability;
    !orphaned && r.random::<f64>() < p.leaver_win_rate_multiplier
}

/// The sum of the deals' values in whole dollars: in `f64`, which is exact while the total stays
/// below 2^52 (every partial sum is then below it too), else in integers.
fn total_dollars(sizes: &[f64], multiplier: f64) -> i64 {
    // Exact sums do not depend on the order of the terms: four running sums (which vectorise)
    // give the same total as one.
    let mut lanes = [0.0f64; 4];
    let mut quads = sizes.chunks_exact(4);
    for quad in &mut quads {
        for (lane, &v) in lanes.iter_mut().zip(quad) {
            *lane += whole_dollars(v, multiplier);
        }
    }
    let rest: f64 = quads
        .remainder()
        .iter()
        .map(|&v| whole_dollars(v, multiplier))
        .sum();
    let total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest;
    if total < 4_503_599_627_370_496.0 {
        total as i64
    } else {
        sizes.iter().map(|&v| dollars(v, multiplier)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_dollars_is_the_exact_sum_in_any_length() {
        let mut r = stream(11, 0, 0, Purpose::DealSizes);
        for n in 0..40 {
            let sizes: Vec<f64> = (0..n).map(|_| r.random::<f64>() * 2e6 + 0.5).collect();
            for multiplier in [1.0, 0.93, 1.37] {
                let exact: i64 = sizes.iter().map(|&v| dollars(v, multiplier)).sum();
                assert_eq!(total_dollars(&sizes, multiplier), exact, "{n} deals");
            }
        }
        // Past 2^52 the sum is taken in integers.
        let big = vec![1e15; 9];
        assert_eq!(total_dollars(&big, 1.0), 9_000_000_000_000_000);
    }
}
