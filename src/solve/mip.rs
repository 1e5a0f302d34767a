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
    let mut g: u64 = 0;
    for (v, c) in objective.clone().linear_coefficients() {
        if c == 0.0 {
            continue;
        }
        let is_int = order.get(&v).is_some_and(|&i| integer[i]);
        let r = c.abs().round();
        if !is_int || (c.abs() - r).abs() > 1e-6 * r.max(1.0) || r > 1e15 {
            return None;
        }
        let (mut a, mut b) = (g, r as u64);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        g = a;
    }
    (g > 1).then_some(g as f64)
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
                 time (--time-limit)"
                    .to_string(),
            )),
            Solved::Numerical(m) => Err(Error::Internal(format!("MILP solver failed: {m}"))),
        }
    }

    /// Solves with HiGHS (cargo feature `highs`). good_lp does not expose HiGHS's bound, so
    /// a run stopped by the time limit reports no bound (`-inf`).
    #[cfg(feature = "highs")]
    pub fn solve_highs(self, time_limit: Option<f64>) -> Result<Solved> {
        use good_lp::{ResolutionError, Solution, SolutionStatus, WithTimeLimit};
        let Milp {
            vars,
            objective,
            constraints,
            order,
            ..
        } = self;
        let handles: Vec<Variable> = vars.iter_variables_with_def().map(|(v, _)| v).collect();
        let mut model = vars
            .minimise(objective.clone())
            .using(good_lp::highs)
            .set_threads(1);
        if let Some(t) = time_limit {
            model = model.with_time_limit(t.max(0.01));
        }
        for c in constraints {
            model.add_constraint(c);
        }
        let sol = match model.solve() {
            Ok(s) => s,
            Err(ResolutionError::Infeasible) => return Ok(Solved::Infeasible),
            Err(ResolutionError::Other(m)) if m.contains("Time limit") => {
                return Ok(Solved::NoIncumbent);
            }
            Err(e) => return Err(Error::Internal(format!("HiGHS failed: {e}"))),
        };
        let values: Vec<f64> = handles.iter().map(|&v| sol.value(v)).collect();
        let value = objective.eval_with(&sol);
        let proven = matches!(sol.status(), SolutionStatus::Optimal);
        Ok(Solved::Plan(MilpResult {
            values,
            order,
            objective: value,
            bound: if proven { value } else { f64::NEG_INFINITY },
            status: if proven {
                Status::Optimal
            } else {
                Status::TimeLimit
            },
        }))
    }

    /// Without the `highs` feature there is no HiGHS to call.
    #[cfg(not(feature = "highs"))]
    pub fn solve_highs(self, _time_limit: Option<f64>) -> Result<Solved> {
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
        let mut bound = if proven {
            objective_value
        } else {
            solution
                .stats()
                .best_bound
                .map_or(f64::NEG_INFINITY, |b| b * scale)
                .min(objective_value)
        };
        if let Some(g) = granule {
            // Every plan's objective is the constant plus a multiple of g.
            let c = objective.constant();
            bound = (((bound - c) / g) - 1e-9).ceil() * g + c;
            bound = bound.min(objective_value);
        }
        let status = if proven || bound >= objective_value - 1e-9 * objective_value.abs().max(1.0) {
            Status::Optimal
        } else {
            match reason {
                microlp::TerminationReason::TimeLimit => Status::TimeLimit,
                microlp::TerminationReason::NodeLimit => Status::NodeLimit,
                _ => Status::Stalled,
            }
        };
        Ok(Solved::Plan(MilpResult {
            values,
            order,
            objective: objective_value,
            bound: if status == Status::Optimal {
                objective_value
            } else {
                bound
            },
            status,
        }))
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
