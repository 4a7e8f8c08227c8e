//! The deal log of a trial (the basis of the synthetic CRM export) is the trial itself: its
//! deals add up to the trial's totals, leaver policy included.

use std::path::Path;

use revsim::model::pipeline::Outcome;
use revsim::{Scenario, simulate};

#[test]
fn a_trials_deals_add_up_to_its_totals() {
    let s = Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.pipeline.leaver_policy_active());
    let h = s.horizon() as i64;
    let r = simulate(&s, 5, 31, &|_| ());
    for trial in 0..5u64 {
        let deals = revsim::engine::trial_deals(&s, 31, trial);
        let t = &r.totals[trial as usize];
        let decided = |o: Outcome| {
            deals
                .iter()
                .filter(|d| {
                    d.outcome == o
                        && d.orphaned.is_none()
                        && d.lag.is_some_and(|l| d.created + (l as i64) < h)
                })
                .count() as u64
        };
        assert_eq!(decided(Outcome::Won), t.deals_won, "trial {trial}");
        assert_eq!(decided(Outcome::Lost), t.deals_lost, "trial {trial}");
        assert_eq!(
            decided(Outcome::NoDecision),
            t.deals_no_decision,
            "trial {trial}"
        );
        let booked: i64 = deals
            .iter()
            .filter(|d| d.outcome == Outcome::Won && d.orphaned.is_none() && d.lag.is_some())
            .map(|d| d.value_usd)
            .sum();
        assert_eq!(booked as f64, t.bookings_usd, "trial {trial}");
        let orphaned = deals.iter().filter(|d| d.orphaned.is_some()).count() as u64;
        assert_eq!(orphaned, t.deals_orphaned, "trial {trial}");
        let at_start = deals.iter().filter(|d| d.created < 0).count() as u64;
        assert_eq!(at_start, t.deals_open_at_start, "trial {trial}");
        let created = deals.iter().filter(|d| d.created >= 0).count() as u64;
        assert_eq!(created, t.opportunities_created, "trial {trial}");
        // Every deal names the rep who opened it, and a deal orphaned at the end of month m was
        // orphaned by that rep's departure: the rep opened nothing after m.
        assert!(deals.iter().all(|d| d.seat != u32::MAX), "trial {trial}");
        let mut last_opened = std::collections::HashMap::new();
        for d in &deals {
            let last = last_opened.entry((d.seat, d.rep)).or_insert(d.created);
            *last = (*last).max(d.created);
        }
        for d in deals.iter().filter(|d| d.orphaned.is_some()) {
            let left = d.orphaned.unwrap_or_default();
            assert!(
                last_opened[&(d.seat, d.rep)] <= left,
                "trial {trial}: a deal of seat {} rep {} orphaned in month {left}, after which \
                 that rep still opened deals",
                d.seat,
                d.rep
            );
        }
    }
}
