//! Solvers: a problem in, a solution out.
//!
//! [`solve`] picks the solver for the model: the purpose-built fast paths (Lagrangian
//! bounds, local search, site fixing, branch-and-bound; see [`lagrange`]) when `backend` is
//! [`Backend::Auto`] and the model has one, otherwise a good_lp MILP formulation ([`milp`])
//! with microlp (pure Rust, default) or HiGHS (cargo feature `highs`).
//!
//! Every solver is single-threaded and deterministic: the same input and seed give the same
//! result whatever the machine's thread count, unless the time limit cuts the search short.

pub mod cflp;
mod cover;
mod lagrange;
mod milp;
pub mod mip;
mod pcenter;
pub mod pcover;
mod pmedian;
mod transport;

use crate::error::{Error, Result};
use crate::model::{Model, Problem, Sense, Solution, Status, evaluate, relative_gap};
use std::time::{Duration, Instant};

/// Which solver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// The fast path when the model has one, else good_lp with microlp.
    #[default]
    Auto,
    /// good_lp MILP with the pure-Rust microlp solver.
    Microlp,
    /// good_lp MILP with HiGHS (only when built with `--features highs`).
    Highs,
}

impl Backend {
    /// The MILP backend a good_lp model runs on (`Auto` is microlp: the fast paths are not
    /// MILPs), as solutions and summaries name it.
    pub fn milp_name(self) -> &'static str {
        match self {
            Backend::Highs => "highs",
            Backend::Auto | Backend::Microlp => "microlp",
        }
    }

    /// Parses a `--solver` value; HiGHS is refused clearly when not compiled in.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Backend::Auto),
            "microlp" => Ok(Backend::Microlp),
            "highs" if cfg!(feature = "highs") => Ok(Backend::Highs),
            "highs" => Err(Error::Usage(
                "solver `highs` is not compiled in: rebuild with `cargo build --release \
                 --features highs` (needs cmake and libclang-dev)"
                    .into(),
            )),
            other => Err(Error::Usage(format!(
                "unknown solver `{other}` (choose auto, microlp or highs)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    pub backend: Backend,
    /// Wall-clock seconds; on expiry the incumbent is returned with status `time_limit`.
    pub time_limit: Option<f64>,
    /// Seed of any randomised step (results are reproducible for a given seed).
    pub seed: u64,
    /// Caps the root subgradient iterations of the fast paths (`None`: the default). A
    /// tuning and testing knob: a short root forces the branch-and-bound to do the work.
    pub root_iterations: Option<usize>,
    /// A plan to start from (open sites; the p-median fast path completes it to p sites and
    /// improves it): where the caller knows a feasible plan the search may not find alone.
    pub start: Option<Vec<usize>>,
}

/// A point in time after which searches stop and report what they have: the one carrier of
/// a user's time limit through the solvers and the plan (a search holds no clock budget of its
/// own, so without a limit the same inputs give the same result on any machine).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    end: Option<Instant>,
    /// The span it was set with (seconds).
    span: Option<f64>,
}

impl Deadline {
    pub fn after(seconds: Option<f64>) -> Self {
        // A limit too far ahead for the clock is no limit (never a panic).
        let end = seconds
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .and_then(|d| Instant::now().checked_add(d));
        Deadline {
            end,
            span: seconds.filter(|_| end.is_some()),
        }
    }

    pub fn none() -> Self {
        Deadline {
            end: None,
            span: None,
        }
    }

    /// The span the deadline was set with (None: unlimited).
    pub fn span(&self) -> Option<f64> {
        self.span
    }

    /// Whether there is a limit at all.
    pub fn is_limited(&self) -> bool {
        self.end.is_some()
    }

    pub fn expired(&self) -> bool {
        self.end.is_some_and(|e| Instant::now() >= e)
    }

    /// Seconds left (None: unlimited).
    pub fn remaining(&self) -> Option<f64> {
        self.end
            .map(|e| e.saturating_duration_since(Instant::now()).as_secs_f64())
    }
}

/// The greatest common divisor of the values' magnitudes when every one is a whole number
/// (within `tol`, relative) below 1e15, else `None` (0 when all are zero): the granule of
/// costs whose sums differ by whole multiples of it, so bounds may be rounded up to it.
pub(crate) fn whole_gcd(values: impl IntoIterator<Item = f64>, tol: f64) -> Option<u64> {
    let mut g: u64 = 0;
    for x in values {
        let r = x.abs().round();
        if (x.abs() - r).abs() > tol * r.max(1.0) || r >= 1e15 {
            return None;
        }
        let (mut a, mut b) = (g, r as u64);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        g = a;
    }
    Some(g)
}

/// Solves `problem` (validated first: clear errors for infeasible inputs).
pub fn solve(problem: &Problem, opts: &SolveOptions) -> Result<Solution> {
    problem.validate()?;
    if let Some(t) = opts.time_limit
        && !(0.0..=crate::limits::MAX_TIME_LIMIT_SECONDS).contains(&t)
    {
        return Err(Error::Usage(format!(
            "time limit = {t}: must be a number of seconds from 0 to {:e}",
            crate::limits::MAX_TIME_LIMIT_SECONDS
        )));
    }
    let started = Instant::now();
    let deadline = Deadline::after(opts.time_limit);
    let model = &problem.model;
    let mut params = lagrange::Params::default();
    if let Some(k) = opts.root_iterations {
        params.root_iters = k.max(1);
    }
    let d = &deadline;
    let mut sol = match opts.backend {
        Backend::Auto => match model {
            Model::PMedian(m) if m.budget.is_none() => {
                pmedian::solve(problem, m.p, params, d, started, opts.start.as_deref())
            }
            Model::Mclp(m) if m.budget.is_none() => cover::solve_mclp(problem, params, d, started),
            Model::Lscp(l) if l.alpha >= 1.0 => cover::solve_lscp(problem, params, d, started),
            Model::PCenter(m) => pcenter::solve(problem, m.p, params, d, started),
            _ => milp::solve(problem, Backend::Microlp, &deadline, started),
        },
        backend => milp::solve(problem, backend, &deadline, started),
    }?;
    sol.status = sol.status.honest(opts.time_limit, sol.seconds);
    Ok(sol)
}

/// Builds the solution of an uncapacitated model from its open set and the proven bound.
pub(crate) fn finish(
    problem: &Problem,
    open: &[usize],
    bound: f64,
    proven: bool,
    solver: &str,
    started: Instant,
) -> Result<Solution> {
    let inst = &problem.instance;
    let mut flags = vec![false; inst.site_count()];
    for &j in open {
        flags[j] = true;
    }
    let (objective, assignment) = evaluate(problem, &flags).ok_or_else(|| {
        Error::Internal(format!(
            "{solver} returned an open set that is not a valid {} plan",
            problem.model.name()
        ))
    })?;
    Ok(build(
        problem, &flags, objective, assignment, bound, proven, solver, started,
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn build(
    problem: &Problem,
    flags: &[bool],
    objective: f64,
    assignment: Vec<Option<usize>>,
    bound: f64,
    proven: bool,
    solver: &str,
    started: Instant,
) -> Solution {
    let sense = problem.model.sense();
    // A bound never claims more than the incumbent achieves.
    let bound = if proven {
        objective
    } else {
        match sense {
            Sense::Minimise => bound.min(objective),
            Sense::Maximise => bound.max(objective),
        }
    };
    let gap = relative_gap(objective, bound);
    let status = if proven || gap == 0.0 {
        Status::Optimal
    } else {
        Status::TimeLimit
    };
    Solution {
        model: problem.model.name(),
        sense,
        open: (0..flags.len()).filter(|&j| flags[j]).collect(),
        assignment,
        objective,
        bound,
        gap,
        status,
        solver: solver.to_string(),
        seconds: started.elapsed().as_secs_f64(),
        cost: problem.instance.plan_cost(flags),
    }
}

/// Site states at the root: required sites open, the rest free.
pub(crate) fn root_state(problem: &Problem) -> Vec<u8> {
    problem
        .instance
        .sites
        .iter()
        .map(|s| {
            if s.status == crate::model::SiteStatus::Required {
                lagrange::OPEN
            } else {
                lagrange::FREE
            }
        })
        .collect()
}
