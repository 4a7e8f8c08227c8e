//! The customer base: ARR roll-forward with logo churn and expansion.
//!
//! Customers are counted, not tracked one by one: each month a Binomial number of customers
//! churns (each with the base's average ARR), the remaining ARR expands by the monthly rate, and
//! each won deal adds one customer with its deal value as ARR (bookings are first-year contract
//! value). "One lost client can make the year" shows through the Binomial's spread.

use rand_distr::{Binomial, Distribution};

use crate::random::streams::StreamRng;
use crate::scenario::CustomerParams;

/// One month's movement of the base.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArrMovement {
    /// ARR lost to churn.
    pub churned_usd: f64,
    /// ARR added by expansion.
    pub expansion_usd: f64,
}

/// The customer base of one trial.
#[derive(Debug, Clone, Default)]
pub struct CustomerBase {
    /// ARR, USD.
    pub arr_usd: f64,
    /// Customer count.
    pub customers: u64,
}

impl CustomerBase {
    /// The starting base.
    pub fn new(p: &CustomerParams) -> Self {
        CustomerBase {
            arr_usd: p.starting_arr_usd,
            customers: p.starting_customers as u64,
        }
    }

    /// Rolls the base forward one month with this month's logo churn and expansion rates,
    /// adding `new_customers` worth `new_arr_usd`.
    pub fn month(
        &mut self,
        (churn, expansion): (f64, f64),
        rng: &mut StreamRng,
        new_customers: u64,
        new_arr_usd: f64,
    ) -> ArrMovement {
        let mut m = ArrMovement::default();
        if self.customers > 0 && churn > 0.0 {
            let lost = Binomial::new(self.customers, churn)
                .expect("validated probability")
                .sample(rng);
            m.churned_usd = self.arr_usd * lost as f64 / self.customers as f64;
            self.customers -= lost;
            self.arr_usd -= m.churned_usd;
        }
        m.expansion_usd = self.arr_usd * expansion;
        self.arr_usd += m.expansion_usd + new_arr_usd;
        self.customers += new_customers;
        if self.customers == 0 {
            self.arr_usd = 0.0;
        }
        m
    }
}
