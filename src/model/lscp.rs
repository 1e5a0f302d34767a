//! Location set covering (LSCP): the cheapest plan that covers demand within `radius`.
//!
//! `min sum_j f_j y_j (+ closing costs)  s.t.  sum_{j: d_ij <= T} y_j >= 1` for every demand
//! point with positive weight. With a coverage target `alpha < 1` only a share of the weight
//! must be covered: `z_i <= sum_{j: d_ij <= T} y_j,  sum_i w_i z_i >= alpha * sum_i w_i`.
//! When every site costs 0 to open (the textbook case) each open site costs 1, so the model
//! minimises the number of sites.

#[derive(Debug, Clone, PartialEq)]
pub struct Lscp {
    /// Coverage standard in minutes (inclusive: `d <= radius` covers).
    pub radius: f64,
    /// Share of the total demand weight that must be covered (1.0 = every point).
    pub alpha: f64,
}

impl Lscp {
    pub fn new(radius: f64) -> Self {
        Lscp { radius, alpha: 1.0 }
    }
}
