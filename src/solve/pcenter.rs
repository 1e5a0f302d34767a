//! stub
use super::Deadline;
use crate::model::{Problem, Solution};
pub(crate) fn solve(
    _p: &Problem,
    _k: usize,
    _d: &Deadline,
    _s: std::time::Instant,
) -> crate::Result<Solution> {
    Err(crate::Error::Internal("todo".into()))
}
