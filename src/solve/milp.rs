//! good_lp MILP formulations of every model, solved by microlp (default) or HiGHS (cargo
//! feature `highs`). Only reachable pairs get variables, so the model grows with the sparse
//! matrix, not with n x m. These are exact but slow at scale: the fast paths in the sibling
//! modules are what `--solver auto` uses where they apply.

use super::mip::{Milp, Solved};
use super::{Backend, Deadline, build, finish};
use crate::error::{Error, Result};
use crate::model::{Model, Problem, Sense, SiteStatus, Solution, Status, verify};
use good_lp::{Constraint, Expression, Variable, variable};
use std::time::Instant;

/// A formulation ready for any backend.
struct Formulation {
    milp: Milp,
    objective: Expression,
    constraints: Vec<Constraint>,
    y: Vec<Variable>,
    /// Assignment variables `(demand, site, var)` of the capacitated models.
    x: Vec<(usize, usize, Variable)>,
}

/// Values of the site and assignment variables, whether optimality was proven, and the
/// solver's proven bound in the model's own sense (when it reports one).
struct Values {
    y: Vec<f64>,
    x: Vec<f64>,
    proven: bool,
    bound: Option<f64>,
}

fn formulate(problem: &Problem) -> Formulation {
    let inst = &problem.instance;
    let model = &problem.model;
    let m = inst.site_count();
    let mut milp = Milp::new();
    let y: Vec<Variable> = (0..m).map(|_| milp.add(variable().binary())).collect();
    let mut cons: Vec<Constraint> = Vec::new();
    for (j, s) in inst.sites.iter().enumerate() {
        if s.status == SiteStatus::Required {
            cons.push(Expression::from(y[j]).eq(1.0));
        }
    }
    if let Some(p) = model.p() {
        let sum: Expression = y.iter().copied().sum();
        cons.push(sum.eq(p as f64));
    }
    if let Some(b) = model.budget() {
        let mut cost = Expression::from(0.0);
        for (j, s) in inst.sites.iter().enumerate() {
            if s.status == SiteStatus::Existing {
                cost += s.close_cost - s.close_cost * y[j];
            }
            cost += s.open_cost * y[j];
        }
        cons.push(cost.leq(b));
    }
    let mut x = Vec::new();
    let rows = Rows {
        inst,
        y: &y,
        milp: &mut milp,
        cons: &mut cons,
    };
    let objective: Expression = match model {
        Model::PMedian(_) => rows.median(false),
        Model::PCenter(_) => rows.median(true),
        Model::Lscp(l) => rows.lscp(l.radius, l.alpha),
        Model::Mclp(c) => rows.mclp(c.radius),
        Model::CapPMedian(_) | Model::CapCoverage(_) => rows.capacitated(
            model.radius(),
            matches!(model, Model::CapPMedian(_)),
            &mut x,
        ),
    };
    Formulation {
        milp,
        objective,
        constraints: cons,
        y,
        x,
    }
}

/// The demand-side rows of a model over its open-site variables `y`.
struct Rows<'r> {
    inst: &'r crate::model::Instance,
    y: &'r [Variable],
    milp: &'r mut Milp,
    cons: &'r mut Vec<Constraint>,
}

impl Rows<'_> {
    /// p-median (weighted minutes) or, with `center`, p-center (the longest assigned trip).
    fn median(self, center: bool) -> Expression {
        let (inst, y, milp, cons) = (self.inst, self.y, &mut *self.milp, &mut *self.cons);
        let (n, w) = (inst.demands(), &inst.weights);
        let dmax = center.then(|| milp.add(variable().min(0.0)));
        let mut obj = Expression::from(0.0);
        for i in (0..n).filter(|&i| w[i] > 0.0) {
            let mut one = Expression::from(0.0);
            let mut dist = Expression::from(0.0);
            for (j, d) in Self::row(inst, i, None) {
                let v = milp.add(variable().min(0.0).max(1.0));
                one += v;
                dist += d * v;
                obj += w[i] * d * v;
                cons.push((v - y[j]).leq(0.0));
            }
            cons.push(one.eq(1.0));
            if let Some(dm) = dmax {
                cons.push((dist - dm).leq(0.0));
            }
        }
        match dmax {
            Some(dm) => dm.into(),
            None => obj,
        }
    }

    /// Set cover (every demand within the radius, or a share `alpha` of the weight) at least
    /// cost.
    fn lscp(self, radius: f64, alpha: f64) -> Expression {
        let (inst, y, milp, cons) = (self.inst, self.y, &mut *self.milp, &mut *self.cons);
        let (m, n, w) = (inst.site_count(), inst.demands(), &inst.weights);
        let (costs, constant) = crate::model::check::lscp_costs(inst);
        let mut covered = Expression::from(0.0);
        for i in (0..n).filter(|&i| w[i] > 0.0) {
            let near: Expression = Self::row(inst, i, Some(radius))
                .iter()
                .map(|(j, _)| y[*j])
                .sum();
            if alpha >= 1.0 {
                cons.push(near.geq(1.0));
            } else {
                let z = milp.add(variable().min(0.0).max(1.0));
                cons.push((z - near).leq(0.0));
                covered += w[i] * z;
            }
        }
        if alpha < 1.0 {
            cons.push(covered.geq(alpha * inst.total_weight()));
        }
        let mut obj = Expression::from(constant);
        for j in 0..m {
            obj += costs[j] * y[j];
        }
        obj
    }

    /// Maximal covering: the weight within the radius of an open site.
    fn mclp(self, radius: f64) -> Expression {
        let (inst, y, milp, cons) = (self.inst, self.y, &mut *self.milp, &mut *self.cons);
        let (n, w) = (inst.demands(), &inst.weights);
        let mut obj = Expression::from(0.0);
        for i in (0..n).filter(|&i| w[i] > 0.0) {
            let near = Self::row(inst, i, Some(radius));
            if near.is_empty() {
                continue;
            }
            let z = milp.add(variable().min(0.0).max(1.0));
            let sum: Expression = near.iter().map(|(j, _)| y[*j]).sum();
            cons.push((z - sum).leq(0.0));
            obj += w[i] * z;
        }
        obj
    }

    /// Capacitated models: binary assignments within the radius and site capacities; `must`
    /// assign everyone (p-median cost) or else cover the most weight.
    fn capacitated(
        self,
        radius: Option<f64>,
        must: bool,
        x: &mut Vec<(usize, usize, Variable)>,
    ) -> Expression {
        let (inst, y, milp, cons) = (self.inst, self.y, &mut *self.milp, &mut *self.cons);
        let (m, n, w) = (inst.site_count(), inst.demands(), &inst.weights);
        let mut obj = Expression::from(0.0);
        let mut load: Vec<Expression> = (0..m).map(|_| Expression::from(0.0)).collect();
        for i in (0..n).filter(|&i| w[i] > 0.0) {
            let mut one = Expression::from(0.0);
            for (j, d) in Self::row(inst, i, radius) {
                let v = milp.add(variable().binary());
                one += v;
                load[j] += w[i] * v;
                cons.push((v - y[j]).leq(0.0));
                obj += if must { w[i] * d * v } else { w[i] * v };
                x.push((i, j, v));
            }
            cons.push(if must { one.eq(1.0) } else { one.leq(1.0) });
        }
        for (j, l) in load.into_iter().enumerate() {
            if let Some(cap) = inst.sites[j].capacity {
                cons.push((l - cap * y[j]).leq(0.0));
            }
        }
        obj
    }

    /// Sites within `r` minutes of demand `i` (all it reaches when `None`).
    fn row(inst: &crate::model::Instance, i: usize, r: Option<f64>) -> Vec<(usize, f64)> {
        let (cols, mins) = inst.times.row(i);
        cols.iter()
            .zip(mins)
            .filter(|(_, d)| r.is_none_or(|r| **d as f64 <= r))
            .map(|(&j, &d)| (j as usize, d as f64))
            .collect()
    }
}

fn run(f: Formulation, backend: Backend, sense: Sense, deadline: &Deadline) -> Result<Values> {
    let Formulation {
        mut milp,
        objective,
        constraints,
        y,
        x,
    } = f;
    for c in constraints {
        milp.constrain(c);
    }
    // The builder minimises: a maximisation minimises the negated objective.
    let sign = match sense {
        Sense::Minimise => 1.0,
        Sense::Maximise => -1.0,
    };
    milp.objective = objective * sign;
    let limit = deadline.remaining();
    let solved = match backend {
        Backend::Highs => milp.solve_highs(limit, 0.0)?,
        Backend::Microlp | Backend::Auto => milp.solve_within(limit, 0.0)?,
    };
    match solved {
        Solved::Plan(r) => Ok(Values {
            y: y.iter().map(|&v| r.value(v)).collect(),
            x: x.iter().map(|&(_, _, v)| r.value(v)).collect(),
            proven: r.status == Status::Optimal,
            bound: r.bound.is_finite().then_some(sign * r.bound),
        }),
        Solved::Infeasible => Err(Error::Infeasible(
            "the MILP solver proved that no plan satisfies p, the budget, the coverage target \
             and the capacities together"
                .into(),
        )),
        Solved::NoIncumbent => Err(Error::Internal(
            "time limit reached before the MILP solver found any feasible plan; allow more time"
                .into(),
        )),
        Solved::Numerical(m) => Err(Error::Internal(format!("MILP solver failed: {m}"))),
    }
}

/// A bound that holds for any plan, reported when the MILP stops at the time limit.
fn trivial_bound(problem: &Problem) -> f64 {
    match problem.model.sense() {
        Sense::Maximise => problem.instance.weights.iter().filter(|w| **w > 0.0).sum(),
        Sense::Minimise => match &problem.model {
            Model::Lscp(_) => {
                let (costs, constant) = crate::model::check::lscp_costs(&problem.instance);
                constant + costs.iter().filter(|c| **c < 0.0).sum::<f64>()
            }
            _ => 0.0,
        },
    }
}

pub(crate) fn solve(
    problem: &Problem,
    backend: Backend,
    deadline: &Deadline,
    started: Instant,
) -> Result<Solution> {
    let f = formulate(problem);
    let x_index: Vec<(usize, usize)> = f.x.iter().map(|(i, j, _)| (*i, *j)).collect();
    let name = backend.milp_name();
    let values = run(f, backend, problem.model.sense(), deadline)?;
    let open: Vec<usize> = (0..values.y.len()).filter(|&j| values.y[j] > 0.5).collect();
    let bound = values.bound.unwrap_or_else(|| trivial_bound(problem));
    if !problem.model.capacitated() {
        return finish(problem, &open, bound, values.proven, name, started);
    }
    let inst = &problem.instance;
    let mut assignment: Vec<Option<usize>> = vec![None; inst.demands()];
    let mut best = vec![0.5; inst.demands()];
    for (k, &(i, j)) in x_index.iter().enumerate() {
        if values.x[k] > best[i] {
            best[i] = values.x[k];
            assignment[i] = Some(j);
        }
    }
    let objective = verify(problem, &open, &assignment).map_err(|e| {
        Error::Internal(format!("{name} returned a plan that fails the check: {e}"))
    })?;
    let mut flags = vec![false; inst.site_count()];
    for &j in &open {
        flags[j] = true;
    }
    Ok(build(
        problem,
        &flags,
        objective,
        assignment,
        bound,
        values.proven,
        name,
        started,
    ))
}
