//! stub
use super::Deadline;
use crate::model::{Problem, Solution};
pub(crate) fn solve_mclp(
    _p: &Problem,
    _d: &Deadline,
    _s: std::time::Instant,
) -> crate::Result<Solution> {
    Err(crate::Error::Internal("todo".into()))
}
pub(crate) fn solve_lscp(
    _p: &Problem,
    _d: &Deadline,
    _s: std::time::Instant,
) -> crate::Result<Solution> {
    Err(crate::Error::Internal("todo".into()))
}
