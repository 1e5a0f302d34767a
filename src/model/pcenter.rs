//! p-center: open exactly `p` sites minimising the largest travel time from a demand point
//! (with positive weight) to its nearest open site.
//!
//! `min D  s.t.  sum_j x_ij = 1,  x_ij <= y_j,  sum_j d_ij x_ij <= D,  sum_j y_j = p`.
//! The optimum is one of the matrix's distinct travel times, which is how the fast path
//! searches for it (a covering test per candidate radius).

#[derive(Debug, Clone, PartialEq)]
pub struct PCenter {
    pub p: usize,
}

impl PCenter {
    pub fn new(p: usize) -> Self {
        PCenter { p }
    }
}
