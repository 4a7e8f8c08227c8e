//! Exact samplers the engine draws its aggregates with.
//!
//! - [`poisson_inverse`]: a Poisson count by inversion of its CDF. Inversion makes the count a
//!   monotone function of the mean for a given uniform, so two scenarios that share a stream
//!   and differ only in a rate get counts that move in the same direction (the coupling behind
//!   common random numbers). It costs O(1) for small means and O(sqrt(mean)) for large ones,
//!   with the probabilities computed by Loader's saddle-point form (as in R's `dpois`), which
//!   is accurate to a few units in the last place: the count differs from the exact inverse only
//!   when the uniform falls within about 1e-14 of a step of the CDF.
//! - [`Alias`]: Walker's alias table for a fixed discrete distribution (a deal's decision lag in
//!   whole months), one 64-bit draw per sample.
//! - [`Categorical`]: cumulative weights with a guide table, rebuilt each month, to say which
//!   seat (or which creation month) a deal belongs to: O(1) expected per draw.

/// e^x to within about 1 unit in the last place, in plain `f64` arithmetic: inlinable in the
/// deal loops (the system `exp` is a library call behind an error-checking wrapper), and the
/// same bits on every platform, where system libraries differ. Table method: x = (64 k + j)
/// ln(2) / 64 + r with |r| <= ln(2) / 128, e^x = 2^k 2^(j/64) e^r, e^r by its Taylor series to
/// r^5 (the first term left out is below 4e-17 of the result).
#[inline]
pub fn exp(x: f64) -> f64 {
    if !(x > -700.0 && x < 700.0) {
        return x.exp(); // NaN, infinities, and results near the ends of the f64 range
    }
    exp_in_range(x)
}

/// e^(mu + sigma z) for each value z of `xs` in place (see [`exp`]): lognormal draws from
/// standard normal ones. Branch-free over the slice when every exponent is in the inner range,
/// so that both loops vectorise.
pub fn exp_affine_slice(xs: &mut [f64], mu: f64, sigma: f64) {
    // Plain comparisons combined with `&` (not `min` and `max`, whose NaN rules cost several
    // instructions each; NaN fails the comparisons and takes the checked path).
    let inner = xs.iter_mut().fold(true, |ok, x| {
        *x = mu + sigma * *x;
        ok & (*x > -700.0) & (*x < 700.0)
    });
    if inner {
        xs.iter_mut().for_each(|x| *x = exp_in_range(*x));
    } else {
        xs.iter_mut().for_each(|x| *x = exp(*x));
    }
}

#[inline]
fn exp_in_range(x: f64) -> f64 {
    const N_OVER_LN2: f64 = 92.332_482_616_893_66; // 64 / ln 2
    // ln(2) / 64 = STEP_HI + STEP_LO, STEP_HI with 29 significant bits (so n STEP_HI is exact).
    const STEP_HI: f64 = 0.010_830_424_667_801_708;
    const STEP_LO: f64 = 2.844_743_747_662_728_5e-11;
    // Adding and removing 1.5 x 2^52 rounds to the nearest integer without a library call.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let shifted = x * N_OVER_LN2 + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * STEP_HI) - n * STEP_LO;
    // The integer n sits in the low bits of `shifted` (bias 1.5 x 2^52): no float-to-int
    // conversion (which Rust makes saturating, at a cost).
    let n = (shifted.to_bits() as i64).wrapping_sub(ROUND.to_bits() as i64);
    let t = EXP2_SIXTY_FOURTHS[(n & 63) as usize];
    let em1 = r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0)))));
    // 2^(n >> 6) from its bits: |n >> 6| <= 1010 is inside the normal range.
    (t + t * em1) * f64::from_bits((((n >> 6) + 1023) as u64) << 52)
}

/// 2^(j / 64) for j in 0..64, each the nearest f64 (computed to 50 digits).
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 2^(32/64) is sqrt(2), written like its neighbours
const EXP2_SIXTY_FOURTHS: [f64; 64] = [
    1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
    1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
    1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
    1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
    1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
    1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
    1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
    1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
    1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
    1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
    1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
    1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
    1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
    1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
    1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
    1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
];

/// ln(sqrt(2 pi)).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Means below this are inverted by sequential search from 0 (expected mean + 1 steps).
const SMALL_MEAN: f64 = 30.0;

/// The smallest `k` with `u < F(k)`, where `F` is the CDF of Poisson(`mean`) and `u` is in
/// [0, 1). A mean of 0 (or less, or NaN) gives 0.
pub fn poisson_inverse(mean: f64, u: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean < SMALL_MEAN {
        let mut p = (-mean).exp();
        let mut f = p;
        let mut k = 0u64;
        // F can stop short of 1 by rounding; stop when the terms no longer move it.
        while u >= f {
            k += 1;
            p *= mean * reciprocal(k);
            let next = f + p;
            if next == f {
                break;
            }
            f = next;
        }
        return k;
    }
    large_mean_inverse(mean, u)
}

/// 1 / k, from a table for small k (a multiplication instead of a division in the search).
#[inline]
fn reciprocal(k: u64) -> f64 {
    const N: usize = 128;
    const TABLE: [f64; N] = {
        let mut t = [0.0; N];
        let mut i = 1;
        while i < N {
            t[i] = 1.0 / i as f64;
            i += 1;
        }
        t
    };
    if (k as usize) < N {
        TABLE[k as usize]
    } else {
        1.0 / k as f64
    }
}

/// Inversion for large means: start near the quantile (a rough normal approximation with a
/// skewness correction), compute the CDF there, then step to the answer. The CDF is first summed only
/// until a rigorous bound on the rest is below 1e-4 of it; the result stands if u is farther
/// than that bound from the step it lands on (all but a few draws in 1,000), and is otherwise
/// redone with the sum carried to full precision.
fn large_mean_inverse(mean: f64, u: f64) -> u64 {
    // A rough normal quantile is enough for a start (the steps make it exact): the logistic
    // approximation z = ln(u / (1 - u)) sqrt(3) / pi, within about 0.1 of z for |z| < 2.
    let u = u.clamp(1e-300, 1.0 - 1e-16);
    let z = (u / (1.0 - u)).ln() * 0.551_328_895_421_792_1;
    let guess = mean + mean.sqrt() * z + (z * z - 1.0) / 6.0;
    let k0 = guess.floor().max(0.0) as u64;
    let p0 = poisson_pmf(k0, mean);
    let (sum, rest) = relative_lower_sum(k0, mean, 1e-4);
    let (k, below) = step_to(k0, p0, p0 * sum, mean, u);
    if u - below >= p0 * rest {
        return k;
    }
    let (sum, _) = relative_lower_sum(k0, mean, 0.0);
    step_to(k0, p0, p0 * sum, mean, u).0
}

/// From F(k) = `f` and P(k) = `p`, the smallest k with u < F(k), and F(k - 1).
fn step_to(mut k: u64, mut p: f64, mut f: f64, mean: f64, u: f64) -> (u64, f64) {
    if u < f {
        // Step down while the CDF one below still exceeds u.
        while k > 0 {
            let below = f - p;
            if u >= below {
                return (k, below);
            }
            p *= k as f64 / mean;
            k -= 1;
            f = below;
        }
        return (0, 0.0);
    }
    loop {
        k += 1;
        p *= mean / k as f64;
        let next = f + p;
        if u < next || next == f {
            return (k, f);
        }
        f = next;
    }
}

/// sum_{j <= k} p_j / p_k summed downward, until a bound on the terms left out is below
/// `tolerance` of the sum (0: until they no longer change it). Returns the sum and that bound.
fn relative_lower_sum(k: u64, mean: f64, tolerance: f64) -> (f64, f64) {
    // Term m is t_{m-1} f(j) with f(j) = j / mean, j = k - m + 1.
    let inv = 1.0 / mean;
    let mut sum = 1.0;
    let mut term = 1.0;
    let mut j = k as f64;
    // Rising terms (f >= 1) one at a time: few, since k is within a few sd of the mean.
    while j >= mean && j > 0.0 {
        term *= j * inv;
        sum += term;
        j -= 1.0;
    }
    // Falling terms eight at a time: the running products of the eight ratios do not depend
    // on `term`, so only one multiplication per block sits on the dependency chain. Once the
    // ratios are below r < 1, the terms left out are at most t r / (1 - r).
    while j >= 8.0 {
        let f = [
            j * inv,
            (j - 1.0) * inv,
            (j - 2.0) * inv,
            (j - 3.0) * inv,
            (j - 4.0) * inv,
            (j - 5.0) * inv,
            (j - 6.0) * inv,
            (j - 7.0) * inv,
        ];
        let mut g = [0.0; 8];
        g[0] = f[0];
        for i in 1..8 {
            g[i] = g[i - 1] * f[i];
        }
        let block = g.iter().sum::<f64>();
        sum += term * block;
        term *= g[7];
        j -= 8.0;
        let r = j * inv;
        if term * r <= tolerance * sum * (1.0 - r) || term < sum * 1e-17 {
            return (sum, term * r / (1.0 - r));
        }
    }
    while j > 0.0 {
        term *= j * inv;
        sum += term;
        j -= 1.0;
    }
    (sum, 0.0)
}

/// P(X = k) for X ~ Poisson(mean), by Loader's saddle-point expansion: accurate to a few units
/// in the last place even where `k ln(mean)`, `mean` and `ln k!` are large and nearly cancel.
pub fn poisson_pmf(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return (-mean).exp();
    }
    let x = k as f64;
    (-stirling_error(k) - deviance(x, mean)).exp() / ((std::f64::consts::TAU * x).sqrt())
}

/// ln(k!) - [ln(sqrt(2 pi k)) + k ln(k) - k]: the error of Stirling's formula.
fn stirling_error(k: u64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    let n = k as f64;
    if k > 15 {
        let nn = n * n;
        return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
    }
    // Small k: from the exact factorial (exact in f64 up to 18!), where the cancellation
    // costs only absolute accuracy of about 1e-14 in the exponent.
    let mut fact = 1.0f64;
    for i in 2..=k {
        fact *= i as f64;
    }
    fact.ln() - (n + 0.5) * n.ln() + n - LN_SQRT_2PI
}

/// x ln(x / m) + m - x, computed without cancellation when x is close to m.
fn deviance(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        let v2 = v * v;
        for j in 1..1000u64 {
            ej *= v2;
            let next = s + ej * reciprocal(2 * j + 1);
            if next == s {
                return next;
            }
            s = next;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

/// Walker's alias table over `0..len`: one 64-bit uniform per draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// Acceptance threshold of each column on the 2^64 scale.
    threshold: Vec<u64>,
    /// The other outcome of each column.
    alias: Vec<u32>,
}

impl Alias {
    /// The table for probabilities `p` (non-negative, summing to about 1; they are
    /// normalised). Panics on an empty or all-zero `p` (the scenario's checks rule both out).
    pub fn new(p: &[f64]) -> Alias {
        let n = p.len();
        let total: f64 = p.iter().sum();
        assert!(n > 0 && total > 0.0, "an alias table needs positive mass");
        let mut scaled: Vec<f64> = p.iter().map(|x| x / total * n as f64).collect();
        let mut threshold = vec![u64::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        // Vose's method: pair each short column with a tall one.
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            threshold[s] = to_threshold(scaled[s]);
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are full columns (their shortfall is rounding).
        for i in small.into_iter().chain(large) {
            threshold[i] = u64::MAX;
            alias[i] = i as u32;
        }
        Alias { threshold, alias }
    }

    /// Number of outcomes.
    pub fn len(&self) -> usize {
        self.threshold.len()
    }

    /// Whether the table is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.threshold.is_empty()
    }

    /// The outcome for the 64-bit uniform `bits`.
    #[inline]
    pub fn sample(&self, bits: u64) -> usize {
        let wide = bits as u128 * self.threshold.len() as u128;
        let column = (wide >> 64) as usize;
        // The low half is uniform given the column: the coin of Walker's method.
        // Both candidates are loaded and one is picked without a branch: the coin is a coin
        // flip, which a branch predictor cannot learn.
        let alias = self.alias[column] as usize;
        std::hint::select_unpredictable((wide as u64) < self.threshold[column], column, alias)
    }
}

/// p in [0, 1) on the 2^64 scale (1 or more never takes the alias).
fn to_threshold(p: f64) -> u64 {
    if p >= 1.0 {
        u64::MAX
    } else {
        (p.max(0.0) * 18_446_744_073_709_551_616.0) as u64
    }
}

/// Guide-table entries per item of a [`Categorical`].
const GUIDE: usize = 4;

/// Non-negative weights over `0..len` with a guide table: which item a uniform falls on.
#[derive(Debug, Clone, Default)]
pub struct Categorical {
    cumulative: Vec<f64>,
    guide: Vec<u32>,
}

impl Categorical {
    /// Empties the table for reuse.
    pub fn clear(&mut self) {
        self.cumulative.clear();
        self.guide.clear();
    }

    /// Appends the weight of the next item.
    #[inline]
    pub fn push(&mut self, w: f64) {
        let last = self.cumulative.last().copied().unwrap_or(0.0);
        self.cumulative.push(last + w);
    }

    /// Sum of the weights.
    pub fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }

    /// Builds the guide once every weight is pushed: `guide[g]` is the number of items whose
    /// cumulative weight lies below g / (GUIDE x len) of the total by a relative margin of
    /// 1e-9, so no uniform of cell g falls on an item before it (the draw is the same for
    /// every guide that never points past its answer). With several guide entries an item, a
    /// draw's scan from its entry mostly stops at once (a predictable branch). Built without a
    /// data-dependent branch: each item counts in the cell where it stops being below, and a
    /// running sum turns the counts into the guide.
    pub fn finish(&mut self) {
        let n = self.cumulative.len();
        let m = GUIDE * n;
        self.guide.clear();
        let total = self.total();
        // (A total that is not a positive, normal number leaves the guide at the first item.)
        if n == 0 || !(total.is_normal() && total > 0.0) {
            self.guide.resize(m, 0);
            return;
        }
        self.guide.resize(m + 1, 0);
        // Item i is below cell g's lower edge, g * total / m, by the margin once
        // g > c_i * m / total * (1 + 1e-9): from cell floor(that) + 1 on (never past m).
        let scale = m as f64 / total * (1.0 + 1e-9);
        for &c in &self.cumulative {
            let first = ((c * scale) as usize).saturating_add(1).min(m);
            self.guide[first] += 1;
        }
        let mut below = 0u32;
        for g in &mut self.guide[..m] {
            below += *g;
            *g = below;
        }
        self.guide.truncate(m);
    }

    /// The item that the uniform `u` in [0, 1) falls on: item i with probability w_i / total.
    /// Needs a positive total and [`Categorical::finish`].
    #[inline]
    pub fn sample(&self, u: f64) -> usize {
        let n = self.cumulative.len();
        let m = self.guide.len();
        let x = u * self.total();
        let mut i = self.guide[((u * m as f64) as usize).min(m - 1)] as usize;
        // The answer is mostly the guide's item or the next: one step without a branch
        // (whether a draw steps is a coin a branch predictor cannot learn), then the rarer rest.
        let c = &self.cumulative;
        i += usize::from((i + 1 < n) & (c[i] <= x));
        while i + 1 < n && c[i] <= x {
            i += 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// The Poisson CDF from an independent implementation: P(N <= k) = Q(k + 1, mean).
    fn cdf(k: u64, mean: f64) -> f64 {
        statrs::function::gamma::gamma_ur(k as f64 + 1.0, mean)
    }

    #[test]
    fn exp_is_within_one_ulp() {
        // Against the correctly rounded values of the system library (to 1 ulp either side).
        let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).abs();
        let mut worst = 0;
        for i in 0..400_001 {
            let x = -699.0 + i as f64 * (1398.0 / 400_000.0) + 1e-9 * (i % 17) as f64;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for i in 0..200_001 {
            let x = -2.0 + i as f64 * 2e-5;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 1, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(800.0), f64::INFINITY);
    }

    #[test]
    fn pmf_matches_the_direct_formula() {
        for mean in [0.5, 3.0, 29.0, 31.0, 171.0, 430.0] {
            for k in [0u64, 1, 5, 17, 30, 160, 171, 200, 430] {
                let direct = (k as f64 * f64::ln(mean) - mean - ln_factorial(k)).exp();
                let got = poisson_pmf(k, mean);
                assert!(
                    (got - direct).abs() <= 1e-11 * direct.max(1e-300),
                    "pmf({k}; {mean}) = {got} vs {direct}"
                );
            }
        }
    }

    fn ln_factorial(k: u64) -> f64 {
        (1..=k).map(|i| (i as f64).ln()).sum()
    }

    #[test]
    fn inversion_lands_on_the_right_step() {
        // For a grid of uniforms, the result k satisfies F(k-1) <= u < F(k), for small and
        // large means (the large ones cross over to the guided search).
        for mean in [
            0.01, 0.86, 3.0, 12.0, 29.9, 30.0, 45.0, 171.0, 430.0, 2500.0,
        ] {
            for i in 0..2000 {
                let u = (i as f64 + 0.5) / 2000.0;
                let k = poisson_inverse(mean, u);
                let hi = cdf(k, mean);
                let lo = if k == 0 { 0.0 } else { cdf(k - 1, mean) };
                let tol = 1e-12;
                assert!(
                    lo <= u + tol && u < hi + tol,
                    "mean {mean}, u {u}: k = {k}, F(k-1) = {lo}, F(k) = {hi}"
                );
            }
        }
    }

    #[test]
    fn inversion_is_exact_next_to_the_steps() {
        // Uniforms just either side of F(k): the quick bound cannot decide these, so they go
        // through the full-precision sum.
        for mean in [31.0, 171.0, 430.0] {
            for k in (mean as u64 - 20)..(mean as u64 + 20) {
                let f = cdf(k, mean);
                assert_eq!(
                    poisson_inverse(mean, f - 1e-10),
                    k,
                    "mean {mean}, below F({k})"
                );
                assert_eq!(
                    poisson_inverse(mean, f + 1e-10),
                    k + 1,
                    "mean {mean}, above F({k})"
                );
            }
        }
    }

    #[test]
    fn inversion_is_monotone_in_the_mean() {
        for i in 0..500 {
            let u = (i as f64 + 0.25) / 500.0;
            let mut last = 0;
            for step in 0..400 {
                let mean = 0.5 + step as f64 * 1.37;
                let k = poisson_inverse(mean, u);
                assert!(k >= last, "u {u}: mean {mean} gave {k} after {last}");
                last = k;
            }
        }
    }

    #[test]
    fn extreme_uniforms_and_means_terminate() {
        assert_eq!(poisson_inverse(0.0, 0.5), 0);
        assert_eq!(poisson_inverse(f64::NAN, 0.5), 0);
        assert_eq!(poisson_inverse(5.0, 0.0), 0);
        let top = 1.0 - f64::EPSILON / 2.0;
        for mean in [1e-9, 0.5, 20.0, 31.0, 1e3, 1e6] {
            let k = poisson_inverse(mean, top);
            assert!(
                (k as f64) < mean + 60.0 * mean.sqrt() + 100.0,
                "{mean}: {k}"
            );
        }
    }

    #[test]
    fn alias_table_reproduces_its_probabilities() {
        let p = [0.1, 0.0, 0.35, 0.05, 0.5];
        let a = Alias::new(&p);
        // Sweep the 64-bit range evenly: each outcome gets its share of it.
        let n = 100_000u64;
        let mut counts = [0u64; 5];
        for i in 0..n {
            let bits = (i as u128 * (u64::MAX as u128 + 1) / n as u128) as u64 + 12345;
            counts[a.sample(bits)] += 1;
        }
        for (c, p) in counts.iter().zip(p) {
            assert!((*c as f64 / n as f64 - p).abs() < 1e-3, "{counts:?}");
        }
        assert_eq!(counts[1], 0, "a zero-probability outcome never appears");
    }

    #[test]
    fn categorical_follows_the_weights() {
        let mut c = Categorical::default();
        for w in [0.0, 2.0, 1.0, 0.0, 5.0] {
            c.push(w);
        }
        c.finish();
        let n = 80_000;
        let mut counts = [0usize; 5];
        for i in 0..n {
            counts[c.sample((i as f64 + 0.5) / n as f64)] += 1;
        }
        assert_eq!(counts, [0, 20_000, 10_000, 0, 50_000]);
    }

    #[test]
    fn categorical_draws_are_the_plain_inversion() {
        // The guide and its branch-free step only shorten the search: every draw is the first
        // item whose cumulative weight exceeds u x total (the last item at the very top), for
        // tables with zero weights, runs of tiny ones and one heavy item.
        let mut r =
            crate::random::streams::stream(5, 0, 0, crate::random::streams::Purpose::DealSeats);
        for len in [1usize, 2, 3, 7, 55, 300] {
            let mut c = Categorical::default();
            for i in 0..len {
                let u: f64 = r.random();
                let w = match i % 5 {
                    0 => 0.0,
                    1 => u * 1e-9,
                    2 => (u * 6.0).exp(),
                    _ => u,
                };
                c.push(if len == 1 { 1.0 } else { w });
            }
            c.finish();
            let plain = |u: f64| {
                let x = u * c.total();
                (0..len).find(|&i| c.cumulative[i] > x).unwrap_or(len - 1)
            };
            let edges = c.cumulative.iter().map(|&cum| cum / c.total());
            let uniforms = (0..20_000).map(|_| r.random::<f64>());
            for u in uniforms.chain(edges).chain([0.0, 1.0 - f64::EPSILON / 2.0]) {
                let u = u.min(1.0 - f64::EPSILON / 2.0);
                assert_eq!(c.sample(u), plain(u), "{len} items, u = {u}");
            }
        }
    }
}
