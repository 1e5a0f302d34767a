//! Capacitated models: each demand point is served by exactly one open site (single
//! sourcing: a village's pupils go to one school) and a site serves at most its capacity.
//! Sites without a capacity are unlimited.

/// Capacitated p-median: `min sum w_i d_ij x_ij  s.t.  sum_j x_ij = 1, x binary,
/// sum_i w_i x_ij <= C_j y_j,  sum_j y_j = p` (+ budget).
#[derive(Debug, Clone, PartialEq)]
pub struct CapPMedian {
    pub p: usize,
    pub budget: Option<f64>,
}

impl CapPMedian {
    pub fn new(p: usize) -> Self {
        CapPMedian { p, budget: None }
    }
}

/// Capacitated coverage: maximise the weight served by an open site within `radius`, each
/// served point by one site, loads within capacities: `max sum w_i x_ij  s.t.
/// sum_j x_ij <= 1, x_ij = 0 unless d_ij <= T, sum_i w_i x_ij <= C_j y_j` with `p` sites
/// and/or a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct CapCoverage {
    pub radius: f64,
    pub p: Option<usize>,
    pub budget: Option<f64>,
}

impl CapCoverage {
    pub fn with_p(radius: f64, p: usize) -> Self {
        CapCoverage {
            radius,
            p: Some(p),
            budget: None,
        }
    }
}
