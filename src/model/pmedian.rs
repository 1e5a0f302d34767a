//! p-median: open exactly `p` sites and serve every demand point from its nearest open site,
//! minimising total weighted travel time.
//!
//! `min sum_ij w_i d_ij x_ij  s.t.  sum_j x_ij = 1,  x_ij <= y_j,  sum_j y_j = p`
//! (+ `plan cost <= budget` when a budget is given). Only reachable pairs `(i, j)` exist.

/// Parameters of a p-median model.
#[derive(Debug, Clone, PartialEq)]
pub struct PMedian {
    pub p: usize,
    /// Optional cap on the plan cost (open plus closing costs).
    pub budget: Option<f64>,
}

impl PMedian {
    pub fn new(p: usize) -> Self {
        PMedian { p, budget: None }
    }
}
