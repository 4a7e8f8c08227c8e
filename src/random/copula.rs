//! Correlated draws by rank: a Gaussian copula.
//!
//! Uncertain parameters that move together (a weak market lowers win rates and lengthens
//! cycles) are drawn as correlated standard normals z' = L z, with L the Cholesky factor of
//! the copula's correlation matrix and z independent normals, each from its parameter's own
//! stream; each parameter's value is then its distribution's quantile at Φ(z'). A trial's
//! numbers depend only on its own streams, never on how many trials run (unlike Iman and
//! Conover's reordering of a whole batch), so shards and `--precision` stay exact.
//!
//! Planners state Spearman rank correlations. For a Gaussian copula the Pearson correlation of
//! the normals that gives Spearman's rho is r = 2 sin(pi rho / 6) (Kruskal 1958), and the rank
//! correlation carries over to any margins, since each margin is a monotone function of its
//! normal. A requested matrix that is not a correlation matrix (not positive semi-definite
//! once converted) is refused with the nearest one suggested (Higham, "Computing the nearest
//! correlation matrix", IMA J. Numer. Anal. 22, 2002: alternating projections with Dykstra's
//! correction).

pub use crate::stats::{normal_cdf, normal_quantile};

/// The Pearson correlation of a Gaussian copula's normals whose Spearman rank correlation is
/// `rho`: 2 sin(pi rho / 6).
pub fn pearson_of_spearman(rho: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho / 6.0).sin()
}

/// The Spearman rank correlation a Gaussian copula with Pearson correlation `r` gives:
/// (6 / pi) asin(r / 2).
pub fn spearman_of_pearson(r: f64) -> f64 {
    6.0 / std::f64::consts::PI * (r / 2.0).asin()
}

/// A symmetric `n` x `n` matrix, row-major.
pub type Matrix = Vec<f64>;

/// The lower Cholesky factor of a symmetric matrix, or `None` if it is not positive
/// semi-definite (to a tolerance of 1e-10 on the pivots; a zero pivot gives a zero column).
pub fn cholesky(a: &[f64], n: usize) -> Option<Matrix> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d < -1e-10 {
            return None;
        }
        let d = d.max(0.0).sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = if d > 1e-12 {
                s / d
            } else if s.abs() > 1e-9 {
                return None;
            } else {
                0.0
            };
        }
    }
    Some(l)
}

/// Eigenvalues and eigenvectors (columns of the returned matrix) of a symmetric matrix, by
/// cyclic Jacobi rotations.
fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Matrix) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// The nearest positive semi-definite matrix to `a` in the Frobenius norm: negative
/// eigenvalues set to zero.
fn psd_part(a: &[f64], n: usize) -> Matrix {
    let (w, v) = symmetric_eigen(a, n);
    let mut out = vec![0.0; n * n];
    for (k, &lambda) in w.iter().enumerate() {
        let lambda = lambda.max(0.0);
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] += lambda * v[i * n + k] * v[j * n + k];
            }
        }
    }
    out
}

/// The nearest correlation matrix to the symmetric `a` (unit diagonal, positive
/// semi-definite), by Higham's alternating projections with Dykstra's correction.
pub fn nearest_correlation(a: &[f64], n: usize) -> Matrix {
    let mut y = a.to_vec();
    let mut correction = vec![0.0; n * n];
    for _ in 0..1000 {
        let r: Matrix = y.iter().zip(&correction).map(|(y, c)| y - c).collect();
        let x = psd_part(&r, n);
        correction = x.iter().zip(&r).map(|(x, r)| x - r).collect();
        let mut next = x.clone();
        for i in 0..n {
            next[i * n + i] = 1.0;
        }
        let change: f64 = next.iter().zip(&y).map(|(a, b)| (a - b).abs()).sum();
        y = next;
        if change < 1e-12 {
            break;
        }
    }
    // Shrink a hair towards the identity so that the suggestion factors with margin.
    y.iter()
        .enumerate()
        .map(|(k, v)| {
            if k % (n + 1) == 0 {
                1.0
            } else {
                v * (1.0 - 1e-9)
            }
        })
        .collect()
}

/// A Gaussian copula over `n` parameters: its Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Copula {
    n: usize,
    lower: Matrix,
}

impl Copula {
    /// The copula with Pearson correlation matrix `r` (positive semi-definite, unit diagonal),
    /// or `None` if `r` is not a correlation matrix.
    pub fn new(r: &[f64], n: usize) -> Option<Copula> {
        Some(Copula {
            n,
            lower: cholesky(r, n)?,
        })
    }

    /// Whether the correlated normals `i` and `j` (in the copula's order) are correlated: their
    /// correlation, row `i` of the Cholesky factor times row `j`, is not 0. Exactly 0 for two
    /// parameters in separate blocks of the matrix (no fill-in crosses blocks).
    pub fn linked(&self, i: usize, j: usize) -> bool {
        let n = self.n;
        let k = i.min(j);
        let r: f64 = (0..=k)
            .map(|c| self.lower[i * n + c] * self.lower[j * n + c])
            .sum();
        r != 0.0
    }

    /// Turns independent standard normals into the copula's correlated ones, in place.
    pub fn correlate(&self, z: &mut [f64]) {
        let n = self.n;
        debug_assert_eq!(z.len(), n);
        // Row i of L z uses z[0..=i]: go from the last row up so each z[k] is still original.
        for i in (0..n).rev() {
            let row = &self.lower[i * n..i * n + i + 1];
            z[i] = row.iter().zip(&z[..=i]).map(|(l, z)| l * z).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_and_pearson_convert_both_ways() {
        for rho in [-1.0, -0.5, 0.0, 0.3, 0.9, 1.0] {
            let r = pearson_of_spearman(rho);
            assert!((spearman_of_pearson(r) - rho).abs() < 1e-12);
            assert!(r.abs() <= 1.0 + 1e-15);
        }
        assert!((pearson_of_spearman(1.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        for p in [1e-12, 1e-6, 0.01, 0.1, 0.5, 0.8, 0.999_999] {
            let z = normal_quantile(p);
            let back = normal_cdf(z);
            assert!(
                (back - p).abs() <= 1e-12 * p.min(1.0 - p).max(1e-300),
                "{p}: {back}"
            );
        }
        let z90 = normal_quantile(0.9);
        assert!((z90 - 1.281_551_565_544_600_5).abs() < 1e-14, "{z90}");
    }

    #[test]
    fn cholesky_reproduces_the_matrix_and_refuses_an_indefinite_one() {
        let a = [1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0];
        let l = cholesky(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - a[i * 3 + j]).abs() < 1e-14);
            }
        }
        // Pairwise plausible, jointly impossible: a with b and c at 0.9, b with c at -0.9.
        let bad = [1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0];
        assert!(cholesky(&bad, 3).is_none());
        let near = nearest_correlation(&bad, 3);
        assert!(cholesky(&near, 3).is_some(), "{near:?}");
        for i in 0..3 {
            assert_eq!(near[i * 4], 1.0);
        }
        // The nearest matrix keeps the sign pattern and moves the entries towards zero.
        assert!(near[1] > 0.0 && near[1] < 0.9 && near[5] < 0.0 && near[5] > -0.9);
    }

    #[test]
    fn a_valid_correlation_matrix_is_its_own_nearest() {
        let a = [1.0, 0.4, 0.4, 1.0];
        let near = nearest_correlation(&a, 2);
        assert!(near.iter().zip(&a).all(|(x, y)| (x - y).abs() < 1e-8));
    }

    #[test]
    fn correlate_applies_the_factor() {
        let c = Copula::new(&[1.0, 0.6, 0.6, 1.0], 2).unwrap();
        let mut z = [1.0, 2.0];
        c.correlate(&mut z);
        assert!((z[0] - 1.0).abs() < 1e-15);
        assert!((z[1] - (0.6 + 0.8 * 2.0)).abs() < 1e-14);
    }
}
