//! Maximal covering (MCLP): open `p` sites (or stay within a budget) maximising the demand
//! weight within `radius` of an open site.
//!
//! `max sum_i w_i z_i  s.t.  z_i <= sum_{j: d_ij <= T} y_j,  sum_j y_j = p` and/or
//! `plan cost <= budget`.

#[derive(Debug, Clone, PartialEq)]
pub struct Mclp {
    /// Coverage standard in minutes (inclusive).
    pub radius: f64,
    /// Exact number of open sites, if limited by count.
    pub p: Option<usize>,
    /// Cap on the plan cost, if limited by money.
    pub budget: Option<f64>,
}

impl Mclp {
    pub fn with_p(radius: f64, p: usize) -> Self {
        Mclp {
            radius,
            p: Some(p),
            budget: None,
        }
    }
}
