//! What every solver relies on: problem validation with clear errors, the objective of an
//! open set, and an independent check of a finished solution.

use super::{Instance, Model, Problem, SiteStatus, describe_out_of_reach};
use crate::error::{Error, Result};

/// Relative slack on budgets, capacities and coverage targets (float sums).
pub(crate) const FEAS_TOL: f64 = 1e-9;

fn slack(x: f64) -> f64 {
    FEAS_TOL * x.abs().max(1.0)
}

/// Per-site cost the LSCP minimises, and a constant (closing costs of all existing sites):
/// plan cost when any cost is set, else 1 a site (minimise the number of sites).
pub(crate) fn lscp_costs(inst: &Instance) -> (Vec<f64>, f64) {
    let any = inst
        .sites
        .iter()
        .any(|s| s.open_cost > 0.0 || (s.status == SiteStatus::Existing && s.close_cost > 0.0));
    if !any {
        return (vec![1.0; inst.site_count()], 0.0);
    }
    let mut constant = 0.0;
    let costs = inst
        .sites
        .iter()
        .map(|s| {
            if s.status == SiteStatus::Existing {
                constant += s.close_cost;
                s.open_cost - s.close_cost
            } else {
                s.open_cost
            }
        })
        .collect();
    (costs, constant)
}

/// The cheapest plan cost with exactly `p` open sites (or any number when `None`).
fn cheapest_plan(inst: &Instance, p: Option<usize>) -> f64 {
    let mut base = 0.0;
    let mut deltas = Vec::new();
    for s in &inst.sites {
        let closed = if s.status == SiteStatus::Existing {
            s.close_cost
        } else {
            0.0
        };
        if s.status == SiteStatus::Required {
            base += s.open_cost;
        } else {
            base += closed;
            deltas.push(s.open_cost - closed);
        }
    }
    deltas.sort_by(f64::total_cmp);
    match p {
        Some(p) => {
            let free = p.saturating_sub(inst.required().len());
            base + deltas.iter().take(free).sum::<f64>()
        }
        None => base + deltas.iter().filter(|d| **d < 0.0).sum::<f64>(),
    }
}

pub(super) fn validate(problem: &Problem) -> Result<()> {
    let inst = &problem.instance;
    let model = &problem.model;
    let m = inst.site_count();
    let required = inst.required().len();
    if let Some(r) = model.radius()
        && (!r.is_finite() || r < 0.0)
    {
        return Err(Error::Usage(format!(
            "radius {r} must be a finite number of minutes >= 0"
        )));
    }
    if let Some(b) = model.budget()
        && (!b.is_finite() || b < 0.0)
    {
        return Err(Error::Usage(format!(
            "budget {b} must be a finite number >= 0"
        )));
    }
    if matches!(model, Model::Mclp(_) | Model::CapCoverage(_))
        && model.p().is_none()
        && model.budget().is_none()
    {
        return Err(Error::Usage(format!(
            "{} needs p (number of sites) or a budget",
            model.name()
        )));
    }
    if let Some(p) = model.p() {
        if p == 0 {
            return Err(Error::Usage("p must be at least 1".into()));
        }
        if p > m {
            return Err(Error::Usage(format!(
                "p = {p} is larger than the number of candidate sites ({m})"
            )));
        }
        if required > p {
            return Err(Error::Infeasible(format!(
                "{required} existing sites must stay open but p = {p}"
            )));
        }
    }
    if let Some(b) = model.budget() {
        let cheapest = cheapest_plan(inst, model.p());
        if cheapest > b + slack(b) {
            let with_p = model
                .p()
                .map_or(String::new(), |p| format!(" with {p} sites"));
            return Err(Error::Infeasible(format!(
                "budget {b} is below the cheapest plan{with_p} ({cheapest}: required sites' \
                 costs plus the cheapest openings and closings)"
            )));
        }
    }
    match model {
        Model::PMedian(_) | Model::PCenter(_) | Model::CapPMedian(_) => {
            let out = inst.out_of_reach(None);
            if !out.is_empty() {
                return Err(Error::Infeasible(describe_out_of_reach(&out, None)));
            }
        }
        Model::Lscp(l) => {
            if !(0.0..=1.0).contains(&l.alpha) {
                return Err(Error::Usage(format!(
                    "coverage target alpha = {} must be between 0 and 1",
                    l.alpha
                )));
            }
            let out = inst.out_of_reach(Some(l.radius));
            if l.alpha >= 1.0 && !out.is_empty() {
                return Err(Error::Infeasible(describe_out_of_reach(
                    &out,
                    Some(l.radius),
                )));
            }
            let lost: f64 = out.iter().map(|(i, _)| inst.weights[*i]).sum();
            let total = inst.total_weight();
            let reachable = total - lost;
            if reachable + slack(total) < l.alpha * total {
                return Err(Error::Infeasible(format!(
                    "coverage target {} of weight {total} needs {}, but only {reachable} is \
                     within {} min of any site; {}",
                    l.alpha,
                    l.alpha * total,
                    l.radius,
                    describe_out_of_reach(&out, Some(l.radius))
                )));
            }
        }
        Model::Mclp(_) | Model::CapCoverage(_) => {}
    }
    if let Model::CapPMedian(c) = model {
        check_capacities(inst, c.p)?;
    }
    Ok(())
}

/// Capacitated p-median: the `p` largest sites hold the demand, and every demand point fits
/// in some site it reaches.
fn check_capacities(inst: &Instance, p: usize) -> Result<()> {
    let total: f64 = inst.weights.iter().filter(|w| **w > 0.0).sum();
    let mut caps: Vec<f64> = inst
        .sites
        .iter()
        .map(|s| s.capacity.unwrap_or(f64::INFINITY))
        .collect();
    caps.sort_by(|a, b| b.total_cmp(a));
    let best: f64 = caps.iter().take(p).sum();
    if best + slack(total) < total {
        return Err(Error::Infeasible(format!(
            "capacities: the {} largest sites hold {best} in total, less than the demand \
             weight {total}",
            p
        )));
    }
    for i in 0..inst.demands() {
        let w = inst.weights[i];
        if w <= 0.0 {
            continue;
        }
        let (cols, _) = inst.times.row(i);
        let fits = cols.iter().any(|&j| {
            inst.sites[j as usize]
                .capacity
                .is_none_or(|cap| w <= cap + slack(cap))
        });
        if !fits {
            return Err(Error::Infeasible(format!(
                "capacities: demand point {i} (weight {w}) exceeds the capacity of every \
                 site it can reach"
            )));
        }
    }
    Ok(())
}

/// Nearest open site of every demand point (ties to the lower index), with its minutes,
/// optionally only within `radius`.
pub fn closest_assignment(
    inst: &Instance,
    open: &[bool],
    radius: Option<f64>,
) -> Vec<Option<(usize, f32)>> {
    (0..inst.demands())
        .map(|i| {
            let (cols, mins) = inst.times.row(i);
            let mut best: Option<(usize, f32)> = None;
            for (&j, &d) in cols.iter().zip(mins) {
                let j = j as usize;
                if !open[j] || radius.is_some_and(|r| d as f64 > r) {
                    continue;
                }
                if best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((j, d));
                }
            }
            best
        })
        .collect()
}

/// Whether an open set respects `p`, the budget and required sites.
fn open_set_admissible(problem: &Problem, open: &[bool]) -> bool {
    let inst = &problem.instance;
    if open.len() != inst.site_count() {
        return false;
    }
    if inst
        .sites
        .iter()
        .zip(open)
        .any(|(s, &o)| s.status == SiteStatus::Required && !o)
    {
        return false;
    }
    if let Some(p) = problem.model.p()
        && open.iter().filter(|&&o| o).count() != p
    {
        return false;
    }
    if let Some(b) = problem.model.budget()
        && inst.plan_cost(open) > b + slack(b)
    {
        return false;
    }
    true
}

/// Objective and assignment of an open set for the uncapacitated models (nearest open site);
/// `None` when the set is not admissible or leaves required demand unserved. Capacitated
/// models need an assignment search and return `None` here.
pub fn evaluate(problem: &Problem, open: &[bool]) -> Option<(f64, Vec<Option<usize>>)> {
    if !open_set_admissible(problem, open) {
        return None;
    }
    let inst = &problem.instance;
    let w = &inst.weights;
    match &problem.model {
        Model::PMedian(_) | Model::PCenter(_) => {
            let near = closest_assignment(inst, open, None);
            let mut sum = 0.0;
            let mut max = 0.0f64;
            for (i, a) in near.iter().enumerate() {
                if w[i] <= 0.0 {
                    continue;
                }
                let (_, d) = (*a)?;
                sum += w[i] * d as f64;
                max = max.max(d as f64);
            }
            let obj = if matches!(problem.model, Model::PMedian(_)) {
                sum
            } else {
                max
            };
            Some((obj, near.iter().map(|a| a.map(|(j, _)| j)).collect()))
        }
        Model::Mclp(m) => {
            let near = closest_assignment(inst, open, Some(m.radius));
            let covered = near
                .iter()
                .enumerate()
                .filter(|(i, a)| a.is_some() && w[*i] > 0.0)
                .map(|(i, _)| w[i])
                .sum();
            Some((covered, near.iter().map(|a| a.map(|(j, _)| j)).collect()))
        }
        Model::Lscp(l) => {
            let near = closest_assignment(inst, open, Some(l.radius));
            let total = inst.total_weight();
            let covered: f64 = near
                .iter()
                .enumerate()
                .filter(|(i, a)| a.is_some() && w[*i] > 0.0)
                .map(|(i, _)| w[i])
                .sum();
            let all = near
                .iter()
                .enumerate()
                .all(|(i, a)| a.is_some() || w[i] <= 0.0);
            let ok = if l.alpha >= 1.0 {
                all
            } else {
                covered + slack(total) >= l.alpha * total
            };
            if !ok {
                return None;
            }
            let (costs, constant) = lscp_costs(inst);
            let obj = constant
                + costs
                    .iter()
                    .zip(open)
                    .filter(|(_, o)| **o)
                    .map(|(c, _)| c)
                    .sum::<f64>();
            Some((obj, near.iter().map(|a| a.map(|(j, _)| j)).collect()))
        }
        Model::CapPMedian(_) | Model::CapCoverage(_) => None,
    }
}

/// Independently checks a solution (open set, assignment) against the problem and returns
/// its objective recomputed from the assignment, or what is wrong.
pub fn verify(
    problem: &Problem,
    open_sites: &[usize],
    assignment: &[Option<usize>],
) -> std::result::Result<f64, String> {
    let inst = &problem.instance;
    let mut open = vec![false; inst.site_count()];
    for &j in open_sites {
        *open
            .get_mut(j)
            .ok_or(format!("open site {j} does not exist"))? = true;
    }
    if !open_set_admissible(problem, &open) {
        return Err("open set violates p, the budget or a required site".into());
    }
    if assignment.len() != inst.demands() {
        return Err("assignment length differs from the demand count".into());
    }
    let radius = problem.model.radius();
    let mut load = vec![0.0; inst.site_count()];
    let (mut sum, mut max, mut covered) = (0.0, 0.0f64, 0.0);
    for (i, a) in assignment.iter().enumerate() {
        let w = inst.weights[i];
        match a {
            Some(j) => {
                if !open.get(*j).copied().unwrap_or(false) {
                    return Err(format!("demand {i} assigned to closed site {j}"));
                }
                let d = inst
                    .times
                    .get(i, *j)
                    .ok_or(format!("demand {i} assigned to unreachable site {j}"))?
                    as f64;
                if radius.is_some_and(|r| d > r) {
                    return Err(format!("demand {i} assigned beyond the radius"));
                }
                load[*j] += w;
                if w > 0.0 {
                    sum += w * d;
                    max = max.max(d);
                    covered += w;
                }
            }
            None => {
                let must = matches!(
                    problem.model,
                    Model::PMedian(_) | Model::PCenter(_) | Model::CapPMedian(_)
                );
                if must && w > 0.0 {
                    return Err(format!("demand {i} is not served"));
                }
            }
        }
    }
    if problem.model.capacitated() {
        for (j, s) in inst.sites.iter().enumerate() {
            if let Some(c) = s.capacity
                && load[j] > c + slack(c)
            {
                return Err(format!(
                    "site {j} serves {} above its capacity {c}",
                    load[j]
                ));
            }
        }
    }
    Ok(match &problem.model {
        Model::PMedian(_) | Model::CapPMedian(_) => sum,
        Model::PCenter(_) => max,
        Model::Mclp(_) | Model::CapCoverage(_) => covered,
        Model::Lscp(_) => {
            evaluate(problem, &open)
                .ok_or("the open set misses the coverage target")?
                .0
        }
    })
}
