//! A MILP builder over good_lp and a solve that reports what a planner needs: the incumbent,
//! the proven bound, and whether optimality was proven (microlp's statistics, which good_lp's
//! `Solution` trait does not expose), with a time limit and an optional relative gap.
//!
//! One addition matters a lot for covering models: when every cost sits on an integer
//! variable and all costs are whole multiples of a granule `g` (round planning costs such as
//! 15,000 or 250,000 CNY), no plan can beat the incumbent by less than `g`. Branch-and-bound
//! nodes that cannot beat it by a full granule are pruned, which turns the classic
//! "LP bound 1,463,000, optimum 1,470,000" set-covering gap into a proof at the root instead of
//! an enumeration of symmetric covers. microlp prunes at `incumbent - prune_epsilon` once the
//! objective is scaled into [-1, 1]; the granule becomes that epsilon.

use super::Backend;
use crate::error::{Error, Result};
use crate::model::Status;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    Constraint, Expression, IntoAffineExpression, ProblemVariables, SolverModel, Variable,
    VariableDefinition,
};
use std::collections::HashMap;
use std::time::Duration;

/// A minimisation model under construction.
pub struct Milp {
    vars: ProblemVariables,
    pub objective: Expression,
    constraints: Vec<Constraint>,
    /// Creation order of each variable, and whether it is integer.
    order: HashMap<Variable, usize>,
    integer: Vec<bool>,
}

/// How a solve ended.
pub enum Solved {
    Plan(MilpResult),
    Infeasible,
    /// The time limit came before any feasible solution.
    NoIncumbent,
    /// The backend failed numerically (microlp's "Singular matrix"): not the user's problem;
    /// the caller rebuilds and retries unscaled, or falls back on a plan it can prove less of.
    Numerical(String),
}

pub struct MilpResult {
    values: Vec<f64>,
    order: HashMap<Variable, usize>,
    pub objective: f64,
    /// Proven lower bound.
    pub bound: f64,
    pub status: Status,
}

impl MilpResult {
    pub fn value(&self, v: Variable) -> f64 {
        self.order.get(&v).map_or(0.0, |&i| self.values[i])
    }

    /// The solution with every value rounded to a multiple of `grid`: what is left of the
    /// backend's floating-point noise (a share of 0.99999999999999 for 1) then no longer
    /// depends on the backend.
    pub fn snapped(&self, grid: f64) -> MilpResult {
        MilpResult {
            values: self
                .values
                .iter()
                .map(|v| (v / grid).round() * grid)
                .collect(),
            order: self.order.clone(),
            objective: self.objective,
            bound: self.bound,
            status: self.status,
        }
    }

    /// Value of an expression at the solution.
    pub fn eval(&self, e: &Expression) -> f64 {
        e.clone()
            .linear_coefficients()
            .map(|(v, c)| c * self.value(v))
            .sum::<f64>()
            + e.constant()
    }
}

impl Default for Milp {
    fn default() -> Self {
        Self::new()
    }
}

/// Whole-number costs' greatest common divisor, when every cost term is on an integer
/// variable and is a whole number.
fn granule(
    objective: &Expression,
    order: &HashMap<Variable, usize>,
    integer: &[bool],
) -> Option<f64> {
    let mut coefficients = Vec::new();
    for (v, c) in objective.clone().linear_coefficients() {
        if c == 0.0 {
            continue;
        }
        if !order.get(&v).is_some_and(|&i| integer[i]) {
            return None;
        }
        coefficients.push(c);
    }
    super::whole_gcd(coefficients, 1e-6)
        .filter(|&g| g > 1)
        .map(|g| g as f64)
}

impl Milp {
    pub fn new() -> Self {
        Milp {
            vars: ProblemVariables::new(),
            objective: Expression::default(),
            constraints: Vec::new(),
            order: HashMap::new(),
            integer: Vec::new(),
        }
    }

    pub fn add(&mut self, def: VariableDefinition) -> Variable {
        let integer = def.is_integer();
        let v = self.vars.add(def);
        self.order.insert(v, self.integer.len());
        self.integer.push(integer);
        v
    }

    pub fn constrain(&mut self, c: Constraint) {
        self.constraints.push(c);
    }

    pub fn variable_count(&self) -> usize {
        self.integer.len()
    }

    pub fn constraint_count(&self) -> usize {
        self.constraints.len()
    }

    /// Solves with microlp; `Ok(None)` when the model is infeasible.
    pub fn solve(self, time_limit: Option<f64>) -> Result<Option<MilpResult>> {
        match self.solve_within(time_limit, 0.0)? {
            Solved::Plan(r) => Ok(Some(r)),
            Solved::Infeasible => Ok(None),
            Solved::NoIncumbent => Err(Error::Infeasible(
                "the time limit ended the solve before any feasible plan was found; allow more \
                 time (a longer time limit)"
                    .to_string(),
            )),
            Solved::Numerical(m) => Err(Error::Internal(format!("MILP solver failed: {m}"))),
        }
    }

    /// Solves with the chosen backend (`Auto` is microlp: the planner's models have no fast
    /// path), telling apart infeasibility and a time limit hit before any feasible plan.
    ///
    /// `mip_gap` > 0 stops the search once the incumbent is proven within that relative gap.
    pub fn solve_by(
        self,
        backend: Backend,
        time_limit: Option<f64>,
        mip_gap: f64,
    ) -> Result<Solved> {
        match backend {
            Backend::Highs => self.solve_highs(time_limit, mip_gap),
            Backend::Auto | Backend::Microlp => self.solve_within(time_limit, mip_gap),
        }
    }

    /// Solves with HiGHS (cargo feature `highs`), single-threaded, with HiGHS's own dual bound
    /// and, for whole-number costs, an absolute gap just under their granule (the same proof
    /// as microlp's pruning: no plan beats the incumbent by less than a granule).
    #[cfg(feature = "highs")]
    pub fn solve_highs(self, time_limit: Option<f64>, mip_gap: f64) -> Result<Solved> {
        use highs::{HighsModelStatus as H, HighsSolutionStatus};
        let Milp {
            vars,
            objective,
            constraints,
            order,
            integer,
        } = self;
        let granule = granule(&objective, &order, &integer);
        let mut problem = vars.minimise(objective.clone()).using(good_lp::highs);
        for c in constraints {
            problem.add_constraint(c);
        }
        let mut model = problem
            .try_into_inner()
            .map_err(|e| Error::Internal(format!("HiGHS could not load the model: {e}")))?;
        model.make_quiet();
        fn option<V: highs::HighsOptionValue>(m: &mut highs::Model, key: &str, v: V) -> Result<()> {
            m.try_set_option(key, v)
                .map_err(|e| Error::Internal(format!("HiGHS refused option {key}: {e:?}")))
        }
        option(&mut model, "threads", 1i32)?;
        option(&mut model, "random_seed", 0i32)?;
        option(&mut model, "mip_rel_gap", mip_gap.max(0.0))?;
        if let Some(g) = granule {
            option(&mut model, "mip_abs_gap", 0.999 * g)?;
        }
        if let Some(t) = time_limit {
            option(&mut model, "time_limit", t.max(0.01))?;
        }
        let solved = model
            .try_solve()
            .map_err(|e| Error::Internal(format!("HiGHS failed: {e:?}")))?;
        let status = solved.status();
        let stopped = match status {
            H::Infeasible | H::UnboundedOrInfeasible => return Ok(Solved::Infeasible),
            H::Optimal | H::ObjectiveBound | H::ObjectiveTarget => false,
            H::ReachedTimeLimit
            | H::ReachedIterationLimit
            | H::ReachedSolutionLimit
            | H::ReachedInterrupt
            | H::ReachedMemoryLimit => true,
            other => return Ok(Solved::Numerical(format!("HiGHS status {other:?}"))),
        };
        if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
            return Ok(if stopped {
                Solved::NoIncumbent
            } else {
                Solved::Numerical(format!("HiGHS status {status:?} without a feasible plan"))
            });
        }
        let values: Vec<f64> = solved.get_solution().columns().to_vec();
        let objective_value = objective
            .clone()
            .linear_coefficients()
            .map(|(v, c)| c * order.get(&v).map_or(0.0, |&i| values[i]))
            .sum::<f64>()
            + objective.constant();
        // HiGHS's dual bound, moved by whatever offset separates its objective from ours.
        let shift = objective_value - solved.objective_value();
        let dual = if integer.iter().any(|&i| i) {
            solved
                .double_info_value(c"mip_dual_bound")
                .ok()
                .filter(|b| b.is_finite())
                .map_or(f64::NEG_INFINITY, |b| b + shift)
        } else if stopped {
            f64::NEG_INFINITY
        } else {
            objective_value
        };
        Ok(Solved::Plan(finish(
            values,
            order,
            objective.constant(),
            objective_value,
            dual,
            !stopped && mip_gap <= 0.0,
            granule,
            if stopped {
                Status::TimeLimit
            } else {
                Status::Stalled
            },
        )))
    }

    /// Without the `highs` feature there is no HiGHS to call.
    #[cfg(not(feature = "highs"))]
    pub fn solve_highs(self, _time_limit: Option<f64>, _mip_gap: f64) -> Result<Solved> {
        Err(Error::Usage(
            "solver `highs` is not compiled in: rebuild with `--features highs` (needs cmake \
             and libclang-dev)"
                .into(),
        ))
    }

    /// Solves with microlp, telling apart infeasibility and a time limit hit before any
    /// feasible solution was found.
    ///
    /// `mip_gap` > 0 stops the search once the incumbent is proven within that relative gap
    /// (the result then reports the gap, not optimality).
    pub fn solve_within(self, time_limit: Option<f64>, mip_gap: f64) -> Result<Solved> {
        self.solve_scaled(time_limit, mip_gap, true)
    }

    /// [`Milp::solve_within`] without scaling the objective nor pruning by its granule: the
    /// retry after a numerical failure of the scaled model.
    pub fn solve_unscaled(self, time_limit: Option<f64>, mip_gap: f64) -> Result<Solved> {
        self.solve_scaled(time_limit, mip_gap, false)
    }

    fn solve_scaled(self, time_limit: Option<f64>, mip_gap: f64, scaled: bool) -> Result<Solved> {
        let Milp {
            vars,
            objective,
            constraints,
            order,
            integer,
        } = self;
        // Scale the objective into [-1, 1] so microlp's pruning slack is absolute.
        let scale = if scaled {
            objective
                .clone()
                .linear_coefficients()
                .map(|(_, c)| c.abs())
                .sum::<f64>()
                + objective.constant().abs()
                + 1.0
        } else {
            1.0
        };
        let granule = granule(&objective, &order, &integer).filter(|_| scaled);
        let scaled = objective.clone() * (1.0 / scale);
        let mut model = vars.minimise(scaled).using(microlp);
        for c in constraints {
            model.add_constraint(c);
        }
        let mut opts = microlp::SolveOptions::default();
        // try_from: a limit beyond what a Duration holds is no limit, not a panic.
        opts.time_limit = time_limit.and_then(|t| Duration::try_from_secs_f64(t.max(0.01)).ok());
        opts.mip_gap = mip_gap;
        if let Some(g) = granule {
            opts.tolerances.prune_epsilon = 0.999 * g / scale;
        }
        let outcome = match model.as_inner().solve_with(opts) {
            Ok(o) => o,
            Err(microlp::Error::Infeasible) => return Ok(Solved::Infeasible),
            Err(microlp::Error::InternalError(m)) => return Ok(Solved::Numerical(m)),
            Err(e) => return Err(Error::Internal(format!("MILP solver failed: {e}"))),
        };
        let reason = outcome.termination_reason();
        let Ok(solution) = outcome.into_solution() else {
            return Ok(Solved::NoIncumbent);
        };
        let values: Vec<f64> = solution.iter().map(|(_, x)| x).collect();
        let objective_value = solution.objective() * scale;
        let proven = matches!(reason, microlp::TerminationReason::ProvenOptimal);
        let bound = solution
            .stats()
            .best_bound
            .map_or(f64::NEG_INFINITY, |b| b * scale);
        let otherwise = match reason {
            microlp::TerminationReason::TimeLimit => Status::TimeLimit,
            microlp::TerminationReason::NodeLimit => Status::NodeLimit,
            _ => Status::Stalled,
        };
        Ok(Solved::Plan(finish(
            values,
            order,
            objective.constant(),
            objective_value,
            bound,
            proven,
            granule,
            otherwise,
        )))
    }
}

/// The result of a backend's run: the bound rounded up to the granule's lattice (every plan's
/// objective is the constant plus a multiple of it), optimal when proven or when the bound
/// meets the incumbent, else `otherwise`.
#[allow(clippy::too_many_arguments)]
fn finish(
    values: Vec<f64>,
    order: HashMap<Variable, usize>,
    constant: f64,
    objective: f64,
    bound: f64,
    proven: bool,
    granule: Option<f64>,
    otherwise: Status,
) -> MilpResult {
    let mut bound = if proven {
        objective
    } else {
        bound.min(objective)
    };
    if let Some(g) = granule {
        bound = (((bound - constant) / g) - 1e-9).ceil() * g + constant;
        bound = bound.min(objective);
    }
    let status = if proven || bound >= objective - 1e-9 * objective.abs().max(1.0) {
        Status::Optimal
    } else {
        otherwise
    };
    MilpResult {
        values,
        order,
        objective,
        bound: if status == Status::Optimal {
            objective
        } else {
            bound
        },
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use good_lp::variable;

    /// Minimum vertex cover of a 5-cycle with every vertex costing 10: the LP optimum is 25
    /// (all halves), the integer optimum 30, proven through the granule.
    #[test]
    fn granular_costs_prove_a_set_cover_optimum() {
        let mut m = Milp::new();
        let y: Vec<Variable> = (0..5).map(|_| m.add(variable().binary())).collect();
        for i in 0..5 {
            m.constrain((Expression::from(y[i]) + y[(i + 1) % 5]).geq(1));
        }
        m.objective = y.iter().map(|&v| 10.0 * v).sum();
        let r = m.solve(None).expect("solves").expect("feasible");
        assert_eq!(r.status, Status::Optimal);
        assert!((r.objective - 30.0).abs() < 1e-6, "{}", r.objective);
        assert_eq!(r.bound, r.objective);
        let open = y.iter().filter(|&&v| r.value(v) > 0.5).count();
        assert_eq!(open, 3);
    }

    #[test]
    fn infeasible_models_say_so() {
        let mut m = Milp::new();
        let y = m.add(variable().binary());
        m.constrain(Expression::from(y).geq(2));
        m.objective = Expression::from(y);
        assert!(m.solve(None).expect("runs").is_none());
    }

    #[test]
    fn granule_needs_whole_costs_on_integer_variables() {
        let mut m = Milp::new();
        let y = m.add(variable().binary());
        let x = m.add(variable().min(0));
        let order = m.order.clone();
        assert_eq!(
            granule(&(20_000.0 * y + 0.0 * x), &order, &m.integer),
            Some(20_000.0)
        );
        assert_eq!(granule(&(20_000.0 * y + 1.0 * x), &order, &m.integer), None);
        assert_eq!(granule(&(20_000.5 * y), &order, &m.integer), None);
    }
}
