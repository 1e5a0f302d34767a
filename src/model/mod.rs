//! Facility-location models: one module per model, one uniform shape.
//!
//! A [`Problem`] is an [`Instance`] (demand weights, candidate and existing sites, the sparse
//! demand x site travel-time matrix) plus a [`Model`] (what to optimise, under which limits).
//! [`crate::solve::solve`] turns a problem into a [`Solution`]: open sites, assignments,
//! objective, best bound, gap, status, solver name and seconds.
//!
//! Conventions shared by every model:
//! - "within T" means `d <= T` (inclusive), as in the literature and in spopt;
//! - a pair absent from the matrix is unreachable (never a huge number);
//! - only demand points with a positive weight must be served or count as covered;
//! - the plan cost of an open set is `sum open_cost` over open sites plus `sum close_cost`
//!   over existing sites that the plan closes; required sites are always open;
//! - `p` counts every open site, required ones included.

mod capacitated;
pub(crate) mod check;
mod lscp;
mod mclp;
mod pcenter;
mod pmedian;

pub use capacitated::{CapCoverage, CapPMedian};
pub use check::{closest_assignment, evaluate, verify};
pub use lscp::Lscp;
pub use mclp::Mclp;
pub use pcenter::PCenter;
pub use pmedian::PMedian;

use crate::error::{Error, Result};
use crate::network::TravelTimes;
use serde::Serialize;

/// What a site is today, which decides what the plan may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    /// A place where a facility could be opened (at `open_cost`).
    Candidate,
    /// An existing facility the plan may keep (at `open_cost`, its running cost) or close
    /// (at `close_cost`).
    Existing,
    /// An existing facility that must stay open.
    Required,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub status: SiteStatus,
    /// Cost incurred when the site is open in the plan.
    pub open_cost: f64,
    /// Cost incurred when an existing site is closed (ignored for candidates).
    pub close_cost: f64,
    /// Largest total demand weight the site can serve (capacitated models); `None` = no limit.
    pub capacity: Option<f64>,
}

impl Site {
    /// A free candidate site without costs or capacity (the textbook case).
    pub fn candidate() -> Self {
        Site {
            status: SiteStatus::Candidate,
            open_cost: 0.0,
            close_cost: 0.0,
            capacity: None,
        }
    }
}

/// The data every model reads: demand weights, sites, and travel times demand x site.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Demand weight of each demand point for the service being planned.
    pub weights: Vec<f64>,
    pub sites: Vec<Site>,
    /// Rows are demand points, columns are sites; absent pairs are unreachable.
    pub times: TravelTimes,
}

impl Instance {
    /// Checks dimensions and values, naming the first offending demand point or site.
    pub fn new(weights: Vec<f64>, sites: Vec<Site>, times: TravelTimes) -> Result<Self> {
        if times.rows() != weights.len() {
            return Err(Error::Usage(format!(
                "travel-time matrix has {} rows but there are {} demand points",
                times.rows(),
                weights.len()
            )));
        }
        if times.cols() != sites.len() {
            return Err(Error::Usage(format!(
                "travel-time matrix has {} columns but there are {} sites",
                times.cols(),
                sites.len()
            )));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::Usage(format!(
                "demand point {i}: weight {} must be a finite number >= 0",
                weights[i]
            )));
        }
        for (j, s) in sites.iter().enumerate() {
            let bad = |what: &str, v: f64| {
                Error::Usage(format!("site {j}: {what} {v} must be a finite number >= 0"))
            };
            if !s.open_cost.is_finite() || s.open_cost < 0.0 {
                return Err(bad("open_cost", s.open_cost));
            }
            if !s.close_cost.is_finite() || s.close_cost < 0.0 {
                return Err(bad("close_cost", s.close_cost));
            }
            if let Some(c) = s.capacity.filter(|c| !c.is_finite() || *c < 0.0) {
                return Err(bad("capacity", c));
            }
        }
        for i in 0..times.rows() {
            let (_, mins) = times.row(i);
            if let Some(d) = mins.iter().find(|d| !d.is_finite() || **d < 0.0) {
                return Err(Error::Usage(format!(
                    "demand point {i}: travel time {d} must be a finite number >= 0"
                )));
            }
        }
        Ok(Instance {
            weights,
            sites,
            times,
        })
    }

    /// Every site a free candidate: the textbook instance.
    pub fn uncapacitated(weights: Vec<f64>, times: TravelTimes) -> Result<Self> {
        let sites = vec![Site::candidate(); times.cols()];
        Instance::new(weights, sites, times)
    }

    pub fn demands(&self) -> usize {
        self.weights.len()
    }

    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    /// Indices of sites that must be open.
    pub fn required(&self) -> Vec<usize> {
        (0..self.sites.len())
            .filter(|&j| self.sites[j].status == SiteStatus::Required)
            .collect()
    }

    /// Plan cost of an open set: open costs of open sites plus close costs of closed
    /// existing sites.
    pub fn plan_cost(&self, open: &[bool]) -> f64 {
        self.sites
            .iter()
            .zip(open)
            .map(|(s, &o)| match (o, s.status) {
                (true, _) => s.open_cost,
                (false, SiteStatus::Existing) => s.close_cost,
                (false, _) => 0.0,
            })
            .sum()
    }

    /// Sum of all demand weights.
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// Demand points with positive weight and no site within `radius` (`None`: none reachable
    /// at all), with the time to their nearest site (if any): the text of a clear error.
    pub fn out_of_reach(&self, radius: Option<f64>) -> Vec<(usize, Option<f32>)> {
        let mut out = Vec::new();
        for i in 0..self.demands() {
            if self.weights[i] <= 0.0 {
                continue;
            }
            let (_, mins) = self.times.row(i);
            let nearest = mins
                .iter()
                .copied()
                .fold(None, |m: Option<f32>, d| Some(m.map_or(d, |m| m.min(d))));
            let ok = match (nearest, radius) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(d), Some(r)) => (d as f64) <= r,
            };
            if !ok {
                out.push((i, nearest));
            }
        }
        out
    }
}

/// Formats up to ten unreachable demand points for an error message.
pub(crate) fn describe_out_of_reach(list: &[(usize, Option<f32>)], radius: Option<f64>) -> String {
    let mut parts: Vec<String> = list
        .iter()
        .take(10)
        .map(|(i, d)| match d {
            Some(d) => format!("demand point {i} (nearest site {d} min)"),
            None => format!("demand point {i} (no reachable site)"),
        })
        .collect();
    if list.len() > 10 {
        parts.push(format!("and {} more", list.len() - 10));
    }
    let within = radius.map_or(String::new(), |r| format!(" within {r} min"));
    format!(
        "{} demand point(s) have no site{within}: {}",
        list.len(),
        parts.join(", ")
    )
}

/// Whether the model minimises or maximises its objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sense {
    Minimise,
    Maximise,
}

/// The model to solve: one variant per module.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    Lscp(Lscp),
    Mclp(Mclp),
    PMedian(PMedian),
    PCenter(PCenter),
    CapPMedian(CapPMedian),
    CapCoverage(CapCoverage),
}

impl Model {
    pub fn name(&self) -> &'static str {
        match self {
            Model::Lscp(_) => "lscp",
            Model::Mclp(_) => "mclp",
            Model::PMedian(_) => "p-median",
            Model::PCenter(_) => "p-center",
            Model::CapPMedian(_) => "capacitated-p-median",
            Model::CapCoverage(_) => "capacitated-coverage",
        }
    }

    pub fn sense(&self) -> Sense {
        match self {
            Model::Mclp(_) | Model::CapCoverage(_) => Sense::Maximise,
            _ => Sense::Minimise,
        }
    }

    /// The exact number of open sites the model asks for, if any.
    pub fn p(&self) -> Option<usize> {
        match self {
            Model::Lscp(_) => None,
            Model::Mclp(m) => m.p,
            Model::PMedian(m) => Some(m.p),
            Model::PCenter(m) => Some(m.p),
            Model::CapPMedian(m) => Some(m.p),
            Model::CapCoverage(m) => m.p,
        }
    }

    pub fn budget(&self) -> Option<f64> {
        match self {
            Model::Lscp(_) | Model::PCenter(_) => None,
            Model::Mclp(m) => m.budget,
            Model::PMedian(m) => m.budget,
            Model::CapPMedian(m) => m.budget,
            Model::CapCoverage(m) => m.budget,
        }
    }

    /// Coverage radius of the coverage models.
    pub fn radius(&self) -> Option<f64> {
        match self {
            Model::Lscp(m) => Some(m.radius),
            Model::Mclp(m) => Some(m.radius),
            Model::CapCoverage(m) => Some(m.radius),
            _ => None,
        }
    }

    /// Whether site capacities bind.
    pub fn capacitated(&self) -> bool {
        matches!(self, Model::CapPMedian(_) | Model::CapCoverage(_))
    }
}

/// A model applied to an instance.
#[derive(Debug, Clone)]
pub struct Problem {
    pub instance: Instance,
    pub model: Model,
}

impl Problem {
    pub fn new(instance: Instance, model: Model) -> Self {
        Problem { instance, model }
    }

    /// Checks that the problem is well posed and not trivially infeasible, with errors that
    /// name the cause: `p` beyond the site count, demand out of reach, budgets or
    /// capacities that cannot be met.
    pub fn validate(&self) -> Result<()> {
        check::validate(self)
    }
}

/// How a solve ended. Only `time_limit` names a limit, and only one the user set and the
/// solve reached; a search that stops short of a proof for any other reason says so.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The objective equals the proven bound.
    #[default]
    Optimal,
    /// The method ended with the reported gap before any limit the user set (a heuristic
    /// bound that did not close, or a numerical failure of the backend after its fallback).
    Stalled,
    /// The branch-and-bound node budget of the backend was exhausted.
    NodeLimit,
    /// The user's time limit ended the search: the incumbent, its bound and gap are reported.
    TimeLimit,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Stalled => "stalled",
            Status::NodeLimit => "node_limit",
            Status::TimeLimit => "time_limit",
        }
    }

    /// The weaker of two statuses (a whole is optimal only when every part is; a part that
    /// met the user's limit names the whole).
    pub fn and(self, other: Status) -> Status {
        self.max(other)
    }

    /// The honest status of a solve that ran `seconds` under the user's `time_limit`: a
    /// `time_limit` status for a limit that was not set, or not reached, is `stalled`.
    pub fn honest(self, time_limit: Option<f64>, seconds: f64) -> Status {
        match (self, time_limit) {
            (Status::TimeLimit, None) => Status::Stalled,
            // Timers fire a little early or late; 95% of the limit counts as reaching it.
            (Status::TimeLimit, Some(t)) if seconds < 0.95 * t => Status::Stalled,
            (s, _) => s,
        }
    }
}

/// The answer of every solver for every model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    pub model: &'static str,
    pub sense: Sense,
    /// Open sites (column indices, ascending).
    pub open: Vec<usize>,
    /// The site serving (or covering) each demand point; `None` when unserved.
    pub assignment: Vec<Option<usize>>,
    pub objective: f64,
    /// Best proven bound: a lower bound when minimising, an upper bound when maximising.
    pub bound: f64,
    /// Relative gap `|objective - bound| / max(|objective|, 1e-9)`.
    pub gap: f64,
    pub status: Status,
    pub solver: String,
    pub seconds: f64,
    /// Plan cost (open costs plus closing costs) of the open set.
    pub cost: f64,
}

/// Relative gap between an objective and a bound, 0 when they meet; never NaN: 1 (nothing
/// proven) when either is not a finite number.
pub fn relative_gap(objective: f64, bound: f64) -> f64 {
    if !(objective.is_finite() && bound.is_finite()) {
        return 1.0;
    }
    let diff = (objective - bound).abs();
    if diff <= 1e-9 * objective.abs().max(1.0) {
        0.0
    } else {
        diff / objective.abs().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::relative_gap;

    #[test]
    fn the_gap_is_never_nan() {
        assert_eq!(relative_gap(10.0, 10.0), 0.0);
        assert!((relative_gap(10.0, 9.0) - 0.1).abs() < 1e-12);
        for (o, b) in [
            (f64::INFINITY, f64::INFINITY),
            (f64::NAN, 1.0),
            (1.0, f64::NEG_INFINITY),
            (f64::INFINITY, 1e308),
        ] {
            let g = relative_gap(o, b);
            assert!(!g.is_nan() && g > 0.0, "{o} {b}: {g}");
        }
    }
}
