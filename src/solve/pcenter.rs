//! p-center by search over the sorted distinct travel times: the optimum is the smallest
//! time `R` at which `p` sites can cover every point with positive weight, and each test is
//! an exact covering question (MCLP with unit weights, target "all covered") answered by the
//! Lagrangian branch-and-bound, which stops as soon as a full cover is found.

use super::cover::{Coverage, McRelax};
use super::lagrange::{Engine, Params};
use super::{Deadline, finish, root_state};
use crate::error::{Error, Result};
use crate::model::{Problem, Solution};
use std::time::Instant;

enum Test {
    Feasible(Vec<usize>),
    Infeasible,
    Unknown,
}

/// Can `p` sites cover every served point within `radius`?
fn test(
    problem: &Problem,
    p: usize,
    radius: f64,
    total: usize,
    params: Params,
    deadline: &Deadline,
) -> Test {
    let w = &problem.instance.weights;
    let cov = Coverage::new(problem, radius, |i| if w[i] > 0.0 { 1.0 } else { 0.0 });
    if cov.n() < total {
        return Test::Infeasible;
    }
    let mut rel = McRelax::new(cov, p);
    let state = root_state(problem);
    let target = -(total as f64);
    if let Some((open, c)) = rel.greedy(&state)
        && c <= target
    {
        return Test::Feasible(open);
    }
    // Only a full cover counts: the value to beat is "all but one covered".
    let out = Engine::new(&mut rel, params, deadline, None, target + 1.0, target).run(state);
    match out.open {
        Some(open) if out.objective <= target => Test::Feasible(open),
        _ if out.proven => Test::Infeasible,
        _ => Test::Unknown,
    }
}

/// Farthest-first heuristic: repeatedly serve the worst-served point by opening its nearest
/// closed site.
fn farthest_first(problem: &Problem, p: usize) -> Option<Vec<usize>> {
    let inst = &problem.instance;
    let served: Vec<usize> = (0..inst.demands())
        .filter(|&i| inst.weights[i] > 0.0)
        .collect();
    let mut open = problem.instance.required();
    let mut is_open = vec![false; inst.site_count()];
    for &j in &open {
        is_open[j] = true;
    }
    while open.len() < p {
        let mut worst: Option<(f32, usize)> = None;
        for &i in &served {
            let (cols, mins) = inst.times.row(i);
            let d = cols
                .iter()
                .zip(mins)
                .filter(|(j, _)| is_open[**j as usize])
                .map(|(_, d)| *d)
                .fold(f32::INFINITY, f32::min);
            if worst.is_none_or(|(wd, _)| d > wd) {
                worst = Some((d, i));
            }
        }
        // With nothing to serve any site will do.
        let j = worst
            .and_then(|(_, i)| {
                let (cols, mins) = inst.times.row(i);
                cols.iter()
                    .zip(mins)
                    .filter(|(j, _)| !is_open[**j as usize])
                    .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)))
                    .map(|(j, _)| *j as usize)
            })
            .or_else(|| (0..inst.site_count()).find(|&j| !is_open[j]))?;
        is_open[j] = true;
        open.push(j);
    }
    open.sort_unstable();
    Some(open)
}

pub(crate) fn solve(
    problem: &Problem,
    p: usize,
    params: Params,
    deadline: &Deadline,
    started: Instant,
) -> Result<Solution> {
    let inst = &problem.instance;
    let served: Vec<usize> = (0..inst.demands())
        .filter(|&i| inst.weights[i] > 0.0)
        .collect();
    let total = served.len();
    let mut radii: Vec<f32> = served
        .iter()
        .flat_map(|&i| inst.times.row(i).1.iter().copied())
        .collect();
    radii.sort_by(f32::total_cmp);
    radii.dedup();
    // Every point needs its nearest site: no radius below the largest nearest time works.
    let floor = served
        .iter()
        .map(|&i| {
            inst.times
                .row(i)
                .1
                .iter()
                .copied()
                .fold(f32::INFINITY, f32::min)
        })
        .fold(0.0f32, f32::max);
    let mut lo = radii.partition_point(|&r| r < floor);
    let eval = |open: &[usize]| {
        let mut flags = vec![false; inst.site_count()];
        for &j in open {
            flags[j] = true;
        }
        crate::model::evaluate(problem, &flags).map(|(v, _)| v)
    };
    let mut best: Option<(Vec<usize>, f64)> =
        farthest_first(problem, p).and_then(|o| eval(&o).map(|v| (o, v)));
    let mut hi = match &best {
        Some((_, v)) => radii.partition_point(|&r| (r as f64) < *v),
        None => radii.len().saturating_sub(1),
    };
    if best.is_none() && !radii.is_empty() {
        match test(problem, p, radii[hi] as f64, total, params, deadline) {
            Test::Feasible(open) => {
                let v = eval(&open).unwrap_or(radii[hi] as f64);
                best = Some((open, v));
            }
            Test::Infeasible => {
                return Err(Error::Infeasible(format!(
                    "no {p} sites reach every demand point with positive weight"
                )));
            }
            Test::Unknown => {
                return Err(Error::Internal(
                    "time limit reached before any feasible plan was found".into(),
                ));
            }
        }
    }
    let mut unknown = false;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match test(problem, p, radii[mid] as f64, total, params, deadline) {
            Test::Feasible(open) => {
                let v = eval(&open).unwrap_or(radii[mid] as f64);
                hi = radii.partition_point(|&r| (r as f64) < v).min(mid);
                best = Some((open, v));
            }
            Test::Infeasible => lo = mid + 1,
            Test::Unknown => {
                unknown = true;
                break;
            }
        }
    }
    let (open, _) = best.ok_or_else(|| Error::Internal("p-center found no plan".into()))?;
    let bound = radii.get(lo).map_or(0.0, |&r| r as f64);
    finish(
        problem,
        &open,
        bound,
        !unknown && lo >= hi,
        "radius-search",
        started,
    )
}
