//! Opportunities and deals: creation, outcome, size and decision month, and the monthly ledgers.
//!
//! Each rep in seat creates opportunities as a Poisson process; each is won with the rep's win
//! rate, otherwise lost or ends in no decision in the scenario's proportions; it has a size and
//! is decided in month `created + ceil(cycle)`. Summed over reps, the month's won, lost and
//! no-decision deals are three independent Poisson counts whose means are the sums of the
//! reps' intensities, and each deal belongs to rep i with probability proportional to rep i's
//! intensity (superposition and splitting of Poisson processes): exactly the per-rep model, with
//! three counts per month instead of a count and an outcome draw per rep-month. Counts come from
//! [`poisson_inverse`], so a higher intensity only adds deals; each deal's lag, size and seat
//! come from the month's own streams in deal order, so the deals two scenarios share are the
//! same deals (common random numbers).
//!
//! Two ways to draw them, by [`Detail`]:
//!
//! - **Full** (by creation month): every deal is drawn in the month it is created, with its lag
//!   ([`crate::scenario::lags::Lags`]), size and seat, and everything it contributes goes into
//!   the ledgers at once: bookings and decided counts by decision month, the open pipeline as a
//!   difference array, each seat's pipeline (for the coverage policy) and open deals (for the
//!   leaver policy: the won deals, and the lost and no-decision deals a departure would orphan,
//!   which each such deal draws at its creation). Deals the starting reps opened in the warm-up
//!   months before the start are thinned to those still open at the start.
//! - **Bookings** (by decision month): only won deals, drawn in the month they are decided. The
//!   won deals decided in month m are Poisson with mean sum_t A_t P(lag = m - t) over creation
//!   months t (A_t: the won intensity of month t), so no deal needs a lag, and deals decided
//!   after the horizon or lost need nothing at all. When a rep's bookings matter (quota,
//!   performance management, leaver policy, ...) each booked deal also draws its creation month
//!   (in proportion to A_t P(lag = m - t)) and its seat (in proportion to the seats' intensities
//!   that month).
//!
//! Amounts are whole dollars in integers, so sums are exact and independent of order, and a
//! leaver's deals can be taken back out exactly.

use rand::{Rng, RngExt};

use crate::random::sampling::{Categorical, poisson_inverse};
use crate::random::streams::{Purpose, StreamRng, month_entity, outcome_stream, stream};
use crate::scenario::Scenario;
use crate::scenario::raw::Detail;

mod bookings;

/// How an opportunity ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Won: books its value.
    Won = 0,
    /// Lost.
    Lost = 1,
    /// No decision.
    NoDecision = 2,
}

/// Months of pipeline that coverage counts (a quarter), which the ledger follows past the
/// horizon so that coverage in the last months counts deals decided after it.
pub const COVERAGE_MONTHS: usize = 3;

const OUTCOMES: [Outcome; 3] = [Outcome::Won, Outcome::Lost, Outcome::NoDecision];

/// The shortest list of a seat's open deals that is pruned of decided ones: a rep's list in a
/// typical org never gets there, so its deals are written once and read once, at the rep's
/// departure (which skips decided deals without a draw, as pruning would).
const PRUNE_FROM: usize = 256;

/// A deal still open, kept per seat only when a leaver policy is active (16 bytes: a seat's
/// list stays in cache).
#[derive(Debug, Clone, Copy)]
struct OpenDeal {
    value: i64,
    /// Decision month (capped at [`OpenDeal::NEVER`]) in the low 30 bits, the outcome above.
    decided_outcome: u32,
    /// Index of the deal in the deal log, when one is kept.
    logged: u32,
}

impl OpenDeal {
    /// The decision month of a deal decided after the run (and of any month past it).
    const NEVER: u32 = (1 << 30) - 1;

    fn new(decided: i64, value: i64, outcome: Outcome, logged: u32) -> Self {
        let decided = decided.clamp(0, Self::NEVER as i64) as u32;
        OpenDeal {
            value,
            decided_outcome: decided | (outcome as u32) << 30,
            logged,
        }
    }

    fn decided(&self) -> u32 {
        self.decided_outcome & Self::NEVER
    }

    fn outcome(&self) -> Outcome {
        OUTCOMES[(self.decided_outcome >> 30) as usize]
    }
}

/// A deal as it is drawn, before it enters the ledgers.
#[derive(Debug, Clone, Copy)]
struct NewDeal {
    /// Seat of the rep who opened it (`usize::MAX`: credited to no seat).
    seat: usize,
    /// Which of the seat's reps opened it (see [`DealRecord::rep`]).
    rep: u32,
    /// Month it was created (negative: before the start).
    created: i64,
    /// Month it is decided (far past the run if after it).
    decided: i64,
    /// Value, USD.
    value: i64,
    /// How it ends.
    outcome: Outcome,
}

/// One deal of a trial as the deal log records it (full detail): what a CRM export holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DealRecord {
    /// Seat of the rep who opened it.
    pub seat: u32,
    /// Which of the seat's reps opened it: 1 for the seat's first rep of the trial, 2 for the
    /// next, ... (with `seat`, a person's identity).
    pub rep: u32,
    /// Month it was created (negative: before the start, part of the starting pipeline).
    pub created: i64,
    /// Whole months from creation to decision, ceil(cycle); `None` if decided after the run.
    pub lag: Option<u32>,
    /// How it ended (after the leaver policy, if its rep left).
    pub outcome: Outcome,
    /// Month its rep's departure orphaned it (lost then), if it did.
    pub orphaned: Option<i64>,
    /// Value, USD.
    pub value_usd: i64,
}

/// The intensities of one month: each seat's expected won and other (lost or no-decision)
/// opportunities, as cumulative tables to say which seat a deal belongs to.
#[derive(Debug, Clone, Default)]
pub struct MonthTable {
    /// The seats with a rep, in the order of the tables.
    pub seats: Vec<u32>,
    /// Which of the seat's reps holds it (the seat's count of reps so far), for the deal log.
    pub reps: Vec<u32>,
    /// Expected won deals by seat.
    pub won: Categorical,
    /// Expected lost and no-decision deals by seat.
    pub other: Categorical,
}

impl MonthTable {
    /// Empties the table.
    pub fn clear(&mut self) {
        self.seats.clear();
        self.reps.clear();
        self.won.clear();
        self.other.clear();
    }

    /// Adds a seat (held by its `rep`-th rep) with its expected won and other deals.
    #[inline]
    pub fn push(&mut self, seat: u32, rep: u32, won: f64, other: f64) {
        self.seats.push(seat);
        self.reps.push(rep);
        self.won.push(won);
        self.other.push(other);
    }

    /// Builds the guide tables once every seat is in (`other`: also for lost and no-decision
    /// deals).
    pub fn finish(&mut self, other: bool) {
        self.won.finish();
        if other {
            self.other.finish();
        }
    }

    /// The seat a deal of `outcome` falls to, for the uniform `u`.
    #[inline]
    fn seat(&self, outcome: Outcome, u: f64) -> (usize, u32) {
        let table = if outcome == Outcome::Won {
            &self.won
        } else {
            &self.other
        };
        let i = table.sample(u);
        (self.seats[i] as usize, self.reps[i])
    }
}

/// The deal ledgers of one trial (reused across trials).
#[derive(Debug)]
pub struct Ledger {
    horizon: usize,
    warm_up: usize,
    detail: Detail,
    seed: u64,
    trial: u64,
    /// Whether each won deal is credited to a seat.
    pub attribute_won: bool,
    /// Whether lost and no-decision deals are credited to seats too (leaver or coverage
    /// policy, full detail).
    attribute_all: bool,
    /// Bookings by decision month, USD.
    pub bookings: Vec<i64>,
    /// Deals decided by month, by outcome (won, lost, no decision).
    pub decided: [Vec<u32>; 3],
    /// Opportunities created by month.
    pub created: Vec<u32>,
    /// Open deals orphaned (lost because their rep left) by month.
    pub orphaned: Vec<u32>,
    /// Bookings by seat and decision month (`seat * horizon + month`), for quota attainment.
    pub seat_bookings: Vec<i64>,
    value_diff: Vec<i64>,
    count_diff: Vec<i64>,
    open: Vec<Vec<OpenDeal>>,
    /// The length at which each seat's open deals are next pruned of decided ones.
    prune_at: Vec<usize>,
    track_open: bool,
    /// Deals created before the start and still open at the start.
    pub open_at_start: u64,
    /// Value of open deals by the month they will be decided in, USD, through
    /// [`COVERAGE_MONTHS`] past the horizon (coverage at the last month ends counts them).
    closing: Vec<i64>,
    /// The same by seat (`seat * (horizon + COVERAGE_MONTHS) + month`), kept only under a
    /// coverage policy.
    seat_closing: Vec<i64>,
    /// Each seat's stream for the fate of its leavers' open deals (full detail, leaver policy).
    leaver_rng: Vec<StreamRng>,
    /// Bookings detail: the won intensity of each month from the first warm-up month.
    won_intensity: Vec<f64>,
    /// Bookings detail with seats: each month's table, from the first warm-up month.
    tables: Vec<MonthTable>,
    creation: Categorical,
    /// The current batch of deal sizes.
    sizes: Vec<f64>,
    /// The current batch's lost or no-decision deals that a departure would orphan.
    orphanable: Vec<OpenDeal>,
    /// Every deal of the trial, when asked for ([`Ledger::keep_log`]).
    log: Option<Vec<DealRecord>>,
    /// Bookings detail: the won open deals of `[open_pipeline]` (decision month, seat, value).
    open_won: Vec<(usize, u32, i64)>,
}

impl Ledger {
    /// Buffers for `seats` seats over the scenario's horizon.
    pub fn new(s: &Scenario, seats: usize) -> Self {
        let h = s.horizon();
        let w = s.pipeline.warm_up_months;
        let detail = s.detail;
        let attribute_all =
            detail == Detail::Full && (s.pipeline.leaver_policy_active() || s.coverage.is_some());
        let track_open = detail == Detail::Full && s.pipeline.leaver_policy_active();
        let attribute_won = s.per_rep_bookings();
        Ledger {
            horizon: h,
            warm_up: w,
            detail,
            seed: 0,
            trial: 0,
            attribute_won,
            attribute_all,
            bookings: vec![0; h],
            decided: [vec![0; h], vec![0; h], vec![0; h]],
            created: vec![0; h],
            orphaned: vec![0; h],
            seat_bookings: if attribute_won {
                vec![0; seats * (h + COVERAGE_MONTHS)]
            } else {
                Vec::new()
            },
            value_diff: vec![0; h + 1],
            count_diff: vec![0; h + 1],
            open: if track_open {
                vec![Vec::new(); seats]
            } else {
                Vec::new()
            },
            prune_at: if track_open {
                vec![PRUNE_FROM; seats]
            } else {
                Vec::new()
            },
            track_open,
            open_at_start: 0,
            closing: vec![0; h + COVERAGE_MONTHS],
            seat_closing: if s.coverage.is_some() {
                vec![0; seats * (h + COVERAGE_MONTHS)]
            } else {
                Vec::new()
            },
            leaver_rng: if track_open {
                vec![stream(0, 0, 0, Purpose::Leaver); seats]
            } else {
                Vec::new()
            },
            won_intensity: vec![0.0; w + h],
            tables: if detail == Detail::Bookings && attribute_won {
                vec![MonthTable::default(); w + h]
            } else {
                Vec::new()
            },
            creation: Categorical::default(),
            sizes: Vec::new(),
            orphanable: Vec::new(),
            log: None,
            open_won: Vec::new(),
        }
    }

    /// Keeps a log of every deal from the next trial on (full detail; see
    /// [`Ledger::take_log`]), each credited to its seat: lost and no-decision deals too, from
    /// seat streams of their own, so that no other draw changes.
    pub fn keep_log(&mut self) {
        self.log = Some(Vec::new());
        if self.detail == Detail::Full {
            self.attribute_all = true;
        }
    }

    /// The deals logged in the last trial.
    pub fn take_log(&mut self) -> Vec<DealRecord> {
        self.log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Clears the ledgers for a new trial.
    pub fn start_trial(&mut self, seed: u64, trial: u64) {
        self.seed = seed;
        self.trial = trial;
        if let Some(log) = &mut self.log {
            log.clear();
        }
        self.open_won.clear();
        self.bookings.fill(0);
        self.decided.iter_mut().for_each(|v| v.fill(0));
        self.created.fill(0);
        self.orphaned.fill(0);
        self.seat_bookings.fill(0);
        self.value_diff.fill(0);
        self.count_diff.fill(0);
        self.open.iter_mut().for_each(Vec::clear);
        self.prune_at.fill(PRUNE_FROM);
        self.open_at_start = 0;
        self.closing.fill(0);
        self.seat_closing.fill(0);
        self.won_intensity.fill(0.0);
        for (seat, r) in self.leaver_rng.iter_mut().enumerate() {
            *r = stream(seed, trial, seat as u32, Purpose::Leaver);
        }
    }

    /// Draws the deals of month `t` (negative: a warm-up month before the start). `table` holds
    /// the month's seats and intensities (finished) when [`Ledger::needs_table`]; bookings
    /// detail keeps it (swapping in an old buffer). `won` and `other` are the month's total won
    /// and other intensities. `left_at` lists, by seat, the months at whose end a rep left (for
    /// the leaver policy in bookings detail).
    #[allow(clippy::too_many_arguments)]
    pub fn month(
        &mut self,
        s: &Scenario,
        t: i64,
        table: &mut MonthTable,
        won: f64,
        other: f64,
        size_multiplier: f64,
        left_at: &[Vec<i32>],
    ) {
        let i = (t + self.warm_up as i64) as usize;
        match self.detail {
            Detail::Full => {
                let table = self.needs_table().then_some(&*table);
                self.create(s, t, table, [won, other], size_multiplier)
            }
            Detail::Bookings => {
                self.won_intensity[i] = won;
                if let Some(kept) = self.tables.get_mut(i) {
                    std::mem::swap(kept, table);
                }
                if t >= 0 {
                    self.book(s, t as usize, size_multiplier, left_at);
                }
            }
        }
    }

    /// Whether a month's intensities must be kept seat by seat.
    pub fn needs_table(&self) -> bool {
        self.attribute_won || self.attribute_all
    }

    /// Whether lost and no-decision deals are credited to seats too.
    pub fn attributes_all(&self) -> bool {
        self.attribute_all
    }

    /// Full detail: the deals created in month `t`.
    fn create(
        &mut self,
        s: &Scenario,
        t: i64,
        table: Option<&MonthTable>,
        [won, other]: [f64; 2],
        size_multiplier: f64,
    ) {
        let p = &s.pipeline;
        let l = p.lost_share_of_non_wins;
        let means = [won, other * l, other * (1.0 - l)];
        let (seed, trial, entity) = (self.seed, self.trial, month_entity(t));
        let mut counts = stream(seed, trial, entity, Purpose::DealCounts);
        // Warm-up months: only the deals still open at the start (thinning by P(lag >= -t)).
        let before = if t < 0 { Some((-t) as usize) } else { None };
        for outcome in OUTCOMES {
            let o = outcome as usize;
            let lags = p.lags_at(o, (t + self.warm_up as i64) as usize);
            let (mean, alias, first_lag) = match before {
                None => (means[o], &lags.alias, 0),
                Some(j) => {
                    let (survival, alias) = &lags.open_at_start[j - 1];
                    (means[o] * survival, alias, j)
                }
            };
            let u: f64 = counts.random();
            let n = poisson_inverse(mean, u);
            if n == 0 {
                continue;
            }
            if t >= 0 {
                self.created[t as usize] += n as u32;
            }
            let mut lag_rng = outcome_stream(seed, trial, entity, Purpose::DealLags, o);
            let mut size_rng = outcome_stream(seed, trial, entity, Purpose::DealSizes, o);
            let attribute = self.attribute_all || (outcome == Outcome::Won && self.attribute_won);
            let mut seat_rng =
                attribute.then(|| outcome_stream(seed, trial, entity, Purpose::DealSeats, o));
            let beyond = lags.beyond();
            let mut sizes = std::mem::take(&mut self.sizes);
            sizes.resize(n as usize, 0.0);
            p.deal_size_usd.fill(&mut size_rng, &mut sizes);
            let decided = |lag: usize| {
                if lag >= beyond {
                    i64::MAX / 4
                } else {
                    t + lag as i64
                }
            };
            if self.track_open && outcome != Outcome::Won {
                // The leaver policy orphans each open deal of a leaver with probability q. For a
                // lost or no-decision deal that is all it does, so whether this deal is one a
                // departure would orphan is drawn now (thinning, exact in distribution): only
                // those need a seat and a place in their seat's open deals. They are set aside
                // without a branch and get their seats after the month's deals are booked; the
                // others draw a seat, on a stream of their own, only when something reads it.
                let q = p.leaver_lost_probability;
                let mut coins = outcome_stream(seed, trial, entity, Purpose::Orphanable, o);
                let mut kept_seat_rng = (self.log.is_some() || !self.seat_closing.is_empty())
                    .then(|| outcome_stream(seed, trial, entity, Purpose::KeptDealSeats, o));
                let mut orphanable = std::mem::take(&mut self.orphanable);
                orphanable.resize(sizes.len(), OpenDeal::new(0, 0, outcome, 0));
                let mut k = 0;
                for &size in &sizes {
                    let lag = first_lag + alias.sample(lag_rng.next_u64());
                    let value = dollars(size, size_multiplier);
                    let d = decided(lag);
                    let orphans = coins.random::<f64>() < q;
                    let (mut seat, mut rep) = (usize::MAX, 0);
                    if let (Some(r), Some(table)) = (&mut kept_seat_rng, table)
                        && !orphans
                    {
                        (seat, rep) = table.seat(outcome, r.random());
                    }
                    let new = NewDeal {
                        seat,
                        rep,
                        created: t,
                        decided: d,
                        value,
                        outcome,
                    };
                    let Some(logged) = self.enter(&new) else {
                        continue;
                    };
                    let deal = OpenDeal::new(d, value, outcome, logged);
                    if seat != usize::MAX {
                        self.seat_deal(seat, t, deal, false);
                    }
                    orphanable[k] = deal;
                    k += usize::from(orphans);
                }
                if let (Some(r), Some(table)) = (&mut seat_rng, table) {
                    for &deal in &orphanable[..k] {
                        let (seat, rep) = table.seat(outcome, r.random());
                        if let Some(entry) = self
                            .log
                            .as_mut()
                            .and_then(|l| l.get_mut(deal.logged as usize))
                        {
                            (entry.seat, entry.rep) = (seat as u32, rep);
                        }
                        self.seat_deal(seat, t, deal, true);
                    }
                }
                self.orphanable = orphanable;
            } else {
                for &size in &sizes {
                    let lag = first_lag + alias.sample(lag_rng.next_u64());
                    let value = dollars(size, size_multiplier);
                    let (seat, rep) = match (&mut seat_rng, table) {
                        (Some(r), Some(table)) => table.seat(outcome, r.random()),
                        _ => (usize::MAX, 0),
                    };
                    let decided = decided(lag);
                    let new = NewDeal {
                        seat,
                        rep,
                        created: t,
                        decided,
                        value,
                        outcome,
                    };
                    self.record(new, true);
                }
            }
            self.sizes = sizes;
        }
    }

    /// The deals of `[open_pipeline]` for this trial: each one's outcome and decision month are
    /// drawn (on its own stream), and it enters the books as a deal of its seat's starting rep
    /// opened before the start.
    pub fn open_deals(&mut self, s: &Scenario) {
        let Some(od) = &s.open_deals else {
            return;
        };
        let h = self.horizon;
        for (i, deal) in od.deals.iter().enumerate() {
            let mut rng = stream(self.seed, self.trial, i as u32, Purpose::OpenDeal);
            let (outcome, decided) = open_deal_fate(s, od, deal, &mut rng);
            let created = -(deal.age_months as i64);
            match self.detail {
                Detail::Full => {
                    let d = decided.map_or(i64::MAX / 4, |d| d as i64);
                    // As for the deals drawn by month: a lost or no-decision deal is kept open
                    // by seat only if a departure would orphan it.
                    let orphanable = !self.track_open
                        || outcome == Outcome::Won
                        || rng.random::<f64>() < s.pipeline.leaver_lost_probability;
                    let new = NewDeal {
                        seat: deal.seat as usize,
                        rep: 1,
                        created,
                        decided: d,
                        value: deal.value_usd,
                        outcome,
                    };
                    self.record(new, orphanable);
                }
                Detail::Bookings => {
                    if let (Outcome::Won, Some(d)) = (outcome, decided)
                        && d < h
                    {
                        self.open_won.push((d, deal.seat, deal.value_usd));
                    }
                }
            }
        }
        // Ordered by decision month, for the monthly booking.
        self.open_won.sort_unstable();
    }

    /// Books one deal into the ledgers (inlined into the loop over a month's deals: a call per
    /// deal costs about 2% of a baseline trial). `open`: whether the leaver policy needs it
    /// among its seat's open deals (see [`Ledger::rep_left`]).
    #[inline(always)]
    fn record(&mut self, new: NewDeal, open: bool) {
        if let Some(logged) = self.enter(&new)
            && new.seat != usize::MAX
        {
            let deal = OpenDeal::new(new.decided, new.value, new.outcome, logged);
            self.seat_deal(new.seat, new.created, deal, open);
        }
    }

    /// The part of [`Ledger::record`] that needs no seat for a lost or no-decision deal: the
    /// log entry, the open pipeline, the decided counts and the bookings. Returns the deal's
    /// place in the log (`u32::MAX` without one), or `None` for a deal decided before the start.
    #[inline(always)]
    fn enter(&mut self, new: &NewDeal) -> Option<u32> {
        let &NewDeal {
            seat,
            rep,
            created: t,
            decided: d,
            value,
            outcome,
        } = new;
        if d < 0 {
            return None; // created and decided before the start: not in these books
        }
        let logged = match &mut self.log {
            Some(log) => {
                log.push(DealRecord {
                    seat: seat as u32,
                    rep,
                    created: t,
                    lag: (d < self.horizon as i64).then(|| (d - t) as u32),
                    outcome,
                    orphaned: None,
                    value_usd: value,
                });
                (log.len() - 1) as u32
            }
            None => u32::MAX,
        };
        let h = self.horizon as i64;
        let open_from = t.max(0) as usize;
        if t < 0 {
            self.open_at_start += 1;
        }
        self.value_diff[open_from] += value;
        self.count_diff[open_from] += 1;
        if d < h {
            let d = d as usize;
            self.value_diff[d] -= value;
            self.count_diff[d] -= 1;
            self.decided[outcome as usize][d] += 1;
            if outcome == Outcome::Won {
                self.bookings[d] += value;
                if self.attribute_won {
                    self.seat_bookings[seat * self.horizon + d] += value;
                }
            }
        }
        let reach = self.closing.len();
        if d > open_from as i64 && (d as usize) < reach {
            self.closing[d as usize] += value;
        }
        Some(logged)
    }

    /// The seat's part of [`Ledger::record`] for a deal created in month `t`: its pipeline by
    /// seat (coverage policy) and, if `open`, its place among the seat's open deals.
    #[inline(always)]
    fn seat_deal(&mut self, seat: usize, t: i64, deal: OpenDeal, open: bool) {
        let open_from = t.max(0) as usize;
        let d = deal.decided() as usize;
        if d <= open_from {
            return;
        }
        let reach = self.closing.len();
        if d < reach && !self.seat_closing.is_empty() {
            self.seat_closing[seat * reach + d] += deal.value;
        }
        if self.track_open && open {
            let open = &mut self.open[seat];
            // Prune decided deals when the list has grown to four times what the last pruning
            // kept (and holds at least PRUNE_FROM): amortised O(1) per deal, and the list stays
            // bounded.
            if open.len() >= self.prune_at[seat] {
                // Without a branch per deal (whether a deal is decided yet is a coin to a branch
                // predictor): each deal is copied down, and kept by moving past it.
                let mut kept = 0;
                for i in 0..open.len() {
                    let deal = open[i];
                    open[kept] = deal;
                    kept += usize::from(deal.decided() as usize > open_from);
                }
                open.truncate(kept);
                self.prune_at[seat] = (4 * kept).max(PRUNE_FROM);
            }
            open.push(deal);
        }
    }

    /// Applies the leaver policy to the open deals of `seat`, whose rep leaves at the end of `t`:
    /// each is orphaned (lost now) with the policy's probability; a reassigned winning deal
    /// stays won with the policy's win-rate multiplier and is otherwise lost at its decision.
    /// A lost or no-decision deal is in the list only if it was drawn at its creation as one
    /// a departure orphans (drawn at its creation), so it is orphaned without a draw.
    pub fn rep_left(&mut self, s: &Scenario, seat: usize, t: usize) {
        if !self.track_open {
            return;
        }
        let p = &s.pipeline;
        let h = self.horizon;
        let rng = &mut self.leaver_rng[seat];
        self.prune_at[seat] = PRUNE_FROM;
        for deal in self.open[seat].drain(..) {
            let d = deal.decided() as usize;
            let outcome = deal.outcome();
            if d <= t {
                continue;
            }
            let decided_in_horizon = d < h;
            if outcome != Outcome::Won || rng.random::<f64>() < p.leaver_lost_probability {
                if let Some(entry) = self
                    .log
                    .as_mut()
                    .and_then(|l| l.get_mut(deal.logged as usize))
                {
                    entry.orphaned = Some(t as i64);
                    entry.outcome = Outcome::Lost;
                }
                self.orphaned[t] += 1;
                // Not open at the end of month t; undo its decision.
                self.value_diff[t] -= deal.value;
                self.count_diff[t] -= 1;
                let reach = self.closing.len();
                if d < reach {
                    self.closing[d] -= deal.value;
                    if !self.seat_closing.is_empty() {
                        self.seat_closing[seat * reach + d] -= deal.value;
                    }
                }
                if decided_in_horizon {
                    self.value_diff[d] += deal.value;
                    self.count_diff[d] += 1;
                    self.decided[outcome as usize][d] -= 1;
                    if outcome == Outcome::Won {
                        self.bookings[d] -= deal.value;
                        self.seat_bookings[seat * h + d] -= deal.value;
                    }
                }
            } else if outcome == Outcome::Won
                && rng.random::<f64>() >= p.leaver_win_rate_multiplier
                && decided_in_horizon
            {
                if let Some(entry) = self
                    .log
                    .as_mut()
                    .and_then(|l| l.get_mut(deal.logged as usize))
                {
                    entry.outcome = Outcome::Lost;
                }
                self.decided[Outcome::Won as usize][d] -= 1;
                self.decided[Outcome::Lost as usize][d] += 1;
                self.bookings[d] -= deal.value;
                self.seat_bookings[seat * h + d] -= deal.value;
            }
        }
    }

    /// Value of the open deals of `seat` to be decided in months `from..from + months` (at
    /// most [`COVERAGE_MONTHS`] past the horizon).
    pub fn seat_pipeline(&self, seat: usize, from: usize, months: usize) -> i64 {
        let reach = self.closing.len();
        let row = &self.seat_closing[seat * reach..(seat + 1) * reach];
        row[from.min(reach)..(from + months).min(reach)]
            .iter()
            .sum()
    }

    /// Value of all open deals to be decided in months `from..from + months` (at most
    /// [`COVERAGE_MONTHS`] past the horizon).
    pub fn pipeline(&self, from: usize, months: usize) -> i64 {
        let reach = self.closing.len();
        self.closing[from.min(reach)..(from + months).min(reach)]
            .iter()
            .sum()
    }

    /// Open deals and their value at the end of each month (prefix sums of the differences).
    pub fn open_by_month(&self, mut f: impl FnMut(usize, i64, i64)) {
        let (mut count, mut value) = (0i64, 0i64);
        for t in 0..self.horizon {
            count += self.count_diff[t];
            value += self.value_diff[t];
            f(t, count, value);
        }
    }

    /// The current rep's own bookings in `seat` over months `from..=to`.
    pub fn seat_bookings_between(&self, seat: usize, from: usize, to: usize) -> i64 {
        let h = self.horizon;
        self.seat_bookings[seat * h + from..=seat * h + to]
            .iter()
            .sum()
    }
}

/// Draws the outcome and decision month (from the start; `None`: after the horizon) of an open
/// deal of `[open_pipeline]` (see [`crate::scenario::open_deals`] for the rules).
fn open_deal_fate(
    s: &Scenario,
    od: &crate::scenario::open_deals::OpenDeals,
    deal: &crate::scenario::open_deals::OpenDeal,
    rng: &mut StreamRng,
) -> (Outcome, Option<usize>) {
    use crate::scenario::open_deals::{OpenDecision, OpenOutcome};
    let h = s.horizon();
    let age = deal.age_months as usize;
    let still_open = |o: usize| od.lags[o].open_at_start[age - 1].0;
    let weights = match deal.outcome {
        OpenOutcome::Stage { won, no_decision } => {
            [won, (1.0 - won - no_decision).max(0.0), no_decision]
        }
        OpenOutcome::Org => {
            let p = s.pipeline.outcomes;
            let w = [0, 1, 2].map(|o| p[o] * still_open(o));
            // Older than any cycle allows: the plain shares.
            if w.iter().sum::<f64>() > 0.0 { w } else { p }
        }
    };
    let u: f64 = rng.random::<f64>() * weights.iter().sum::<f64>();
    let outcome = if u < weights[0] {
        Outcome::Won
    } else if u < weights[0] + weights[1] {
        Outcome::Lost
    } else {
        Outcome::NoDecision
    };
    let decided = match &deal.decision {
        OpenDecision::Stage(d) => {
            let x = d.sample(rng);
            // Decided in the month its time runs out: ceil(x) - 1, the first month if x <= 1.
            Some((x.ceil() as i64 - 1).max(0) as usize)
        }
        OpenDecision::Expected(month) => {
            let slip = od.slip_months.as_ref().map_or(0.0, |d| d.sample(rng));
            Some((month + (slip + 0.5).floor() as i64).max(0) as usize)
        }
        OpenDecision::ByAge => {
            // The lag given lag >= age: index i of the conditional table is decided in month i.
            let table = &od.lags[outcome as usize].open_at_start[age - 1].1;
            let i = table.sample(rng.next_u64());
            Some(if table.len() == 1 { 0 } else { i })
        }
    };
    (outcome, decided.filter(|&d| d < h))
}

/// A deal's value in whole dollars: its size times the month's price multiplier, to the
/// nearest dollar (at most $1e15).
#[inline]
fn dollars(size: f64, multiplier: f64) -> i64 {
    whole_dollars(size, multiplier) as i64
}

/// [`dollars`] as an exact `f64`: adding and removing 2^52 rounds to the nearest integer (ties
/// to even) in one float operation each, without a library call, and vectorises.
#[inline]
fn whole_dollars(size: f64, multiplier: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    ((size * multiplier).min(1e15) + TWO_52) - TWO_52
}
