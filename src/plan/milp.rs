//! A thin layer over good_lp for the plan's models: solve with a time limit and report the
//! incumbent, the proven bound and whether optimality was proven.

use crate::error::{Error, Result};
use good_lp::solvers::microlp::microlp;
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    WithTimeLimit,
};
use serde::Serialize;
use std::collections::HashMap;

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The objective equals the proven bound.
    Optimal,
    /// The time limit ended the search; the incumbent, its bound and gap are reported.
    TimeLimit,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::TimeLimit => "time_limit",
        }
    }

    /// The weaker of two statuses (a whole is optimal only when every part is).
    pub fn and(self, other: Status) -> Status {
        if self == Status::Optimal && other == Status::Optimal {
            Status::Optimal
        } else {
            Status::TimeLimit
        }
    }
}

/// A minimisation model under construction.
pub struct Milp {
    pub vars: ProblemVariables,
    pub objective: Expression,
    pub constraints: Vec<Constraint>,
    count: usize,
}

pub struct MilpResult {
    values: HashMap<Variable, f64>,
    pub objective: f64,
    /// Proven lower bound.
    pub bound: f64,
    pub status: Status,
}

impl MilpResult {
    pub fn value(&self, v: Variable) -> f64 {
        self.values.get(&v).copied().unwrap_or(0.0)
    }
}

impl Default for Milp {
    fn default() -> Self {
        Self::new()
    }
}

impl Milp {
    pub fn new() -> Self {
        Milp {
            vars: ProblemVariables::new(),
            objective: Expression::default(),
            constraints: Vec::new(),
            count: 0,
        }
    }

    pub fn add(&mut self, def: good_lp::VariableDefinition) -> Variable {
        self.count += 1;
        self.vars.add(def)
    }

    pub fn constrain(&mut self, c: Constraint) {
        self.constraints.push(c);
    }

    pub fn variable_count(&self) -> usize {
        self.count
    }

    /// Solves with microlp; `Ok(None)` when the model is infeasible.
    pub fn solve(self, time_limit: Option<f64>) -> Result<Option<MilpResult>> {
        let Milp {
            vars,
            objective,
            constraints,
            count,
        } = self;
        let handles: Vec<Variable> = vars.iter_variables_with_def().map(|(v, _)| v).collect();
        let mut model = vars.minimise(objective.clone()).using(microlp);
        if let Some(t) = time_limit {
            model = model.with_time_limit(t.max(0.01));
        }
        for c in constraints {
            model.add_constraint(c);
        }
        let solution = match model.solve() {
            Ok(s) => s,
            Err(ResolutionError::Infeasible) => return Ok(None),
            Err(ResolutionError::Other(msg)) if msg.contains("Time limit") => {
                return Err(Error::Internal(format!(
                    "the time limit ended the solve before any feasible plan was found ({msg}); \
                     allow more time"
                )));
            }
            Err(e) => return Err(Error::Internal(format!("MILP solver failed: {e}"))),
        };
        let values: HashMap<Variable, f64> =
            handles.iter().map(|&v| (v, solution.value(v))).collect();
        debug_assert_eq!(values.len(), count);
        let objective_value = objective.eval_with(&solution);
        let inner = solution.into_inner();
        let proven = matches!(
            inner.termination_reason(),
            microlp::TerminationReason::ProvenOptimal
        );
        let bound = if proven {
            objective_value
        } else {
            inner
                .stats()
                .best_bound
                .unwrap_or(f64::NEG_INFINITY)
                .min(objective_value)
        };
        Ok(Some(MilpResult {
            values,
            objective: objective_value,
            bound,
            status: if proven {
                Status::Optimal
            } else {
                Status::TimeLimit
            },
        }))
    }
}
