//! Coverage fast paths: MCLP with `p` sites and LSCP (cover every point), both on a sparse
//! coverage structure (demand -> sites within T, site -> demand within T).
//!
//! MCLP: relaxing `z_i <= sum_{j in N(i)} y_j` with `mu_i >= 0` leaves, in minimisation form,
//! `L = -sum_i max(0, w_i - mu_i) + sum of the p smallest rho_j`, `rho_j = -sum_{i in C(j)} mu_i`.
//! LSCP: relaxing the covering rows with `u_i >= 0` leaves
//! `L = sum_i u_i + sum_j min(0, f_j - sum_{i in C(j)} u_i)` (Beasley 1990).
//! Incumbents come from lazy greedy plus swap search (MCLP) or greedy plus redundancy
//! removal (LSCP); [`super::lagrange`] does the rest.

use super::lagrange::{CLOSED, Engine, FREE, OPEN, Params, Relaxation};
use super::{Deadline, finish, root_state};
use crate::error::{Error, Result};
use crate::model::{Model, Problem, Solution};
use std::sync::Arc;
use std::time::Instant;

/// Demand points (positive weight, at least one site within T) and their covering sites.
pub(crate) struct Coverage {
    pub m: usize,
    pub w: Vec<f64>,
    nb_start: Vec<usize>,
    nb: Vec<u32>,
    cv_start: Vec<usize>,
    cv: Vec<u32>,
}

impl Coverage {
    /// Coverage within `radius` of the problem's demand points, with `weight(i)` (points of
    /// weight <= 0 are left out).
    pub fn new(problem: &Problem, radius: f64, weight: impl Fn(usize) -> f64) -> Self {
        let inst = &problem.instance;
        let m = inst.site_count();
        let mut w = Vec::new();
        let mut nb_start = vec![0];
        let mut nb = Vec::new();
        let mut count = vec![0usize; m + 1];
        for i in 0..inst.demands() {
            let wi = weight(i);
            if wi <= 0.0 {
                continue;
            }
            let (cols, mins) = inst.times.row(i);
            let before = nb.len();
            for (&j, &d) in cols.iter().zip(mins) {
                if d as f64 <= radius {
                    nb.push(j);
                    count[j as usize + 1] += 1;
                }
            }
            if nb.len() > before {
                w.push(wi);
                nb_start.push(nb.len());
            }
        }
        for j in 0..m {
            count[j + 1] += count[j];
        }
        let cv_start = count.clone();
        let mut fill = count;
        let mut cv = vec![0u32; nb.len()];
        for i in 0..w.len() {
            for &j in &nb[nb_start[i]..nb_start[i + 1]] {
                cv[fill[j as usize]] = i as u32;
                fill[j as usize] += 1;
            }
        }
        Coverage {
            m,
            w,
            nb_start,
            nb,
            cv_start,
            cv,
        }
    }

    pub fn n(&self) -> usize {
        self.w.len()
    }

    fn sites_of(&self, i: usize) -> &[u32] {
        &self.nb[self.nb_start[i]..self.nb_start[i + 1]]
    }

    fn demand_of(&self, j: usize) -> &[u32] {
        &self.cv[self.cv_start[j]..self.cv_start[j + 1]]
    }

    fn integral(&self) -> bool {
        self.w.iter().all(|w| w.fract() == 0.0 && *w < 1e15)
    }
}

/// MCLP with exactly `p` open sites, in minimisation form (minus the covered weight).
#[derive(Clone)]
pub(crate) struct McRelax {
    c: Arc<Coverage>,
    p: usize,
    integral: bool,
}

impl McRelax {
    pub fn new(c: Coverage, p: usize) -> Self {
        let integral = c.integral();
        McRelax {
            c: Arc::new(c),
            p,
            integral,
        }
    }

    /// Lazy greedy (coverage is submodular, so lazy gains are exact), then swap search.
    pub fn greedy(&self, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.greedy_from(Vec::new(), state)
    }

    /// Lazy greedy completion of `open` (plus fixed-open sites) to p sites, then swaps.
    fn greedy_from(&self, mut open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        let c = &self.c;
        let mut covered = vec![false; c.n()];
        open.extend((0..c.m).filter(|&j| state[j] == OPEN));
        open.sort_unstable();
        open.dedup();
        open.retain(|&j| state[j] != CLOSED);
        open.truncate(self.p);
        let mut in_open = vec![false; c.m];
        for &j in &open {
            in_open[j] = true;
        }
        for &j in &open {
            for &i in c.demand_of(j) {
                covered[i as usize] = true;
            }
        }
        let gain = |j: usize, covered: &[bool]| -> f64 {
            c.demand_of(j)
                .iter()
                .filter(|&&i| !covered[i as usize])
                .map(|&i| c.w[i as usize])
                .sum()
        };
        let mut heap: std::collections::BinaryHeap<(Ord64, std::cmp::Reverse<usize>)> = (0..c.m)
            .filter(|&j| state[j] == FREE && !in_open[j])
            .map(|j| (Ord64(gain(j, &covered)), std::cmp::Reverse(j)))
            .collect();
        while open.len() < self.p {
            let (Ord64(g), std::cmp::Reverse(j)) = heap.pop()?;
            let fresh = gain(j, &covered);
            if heap.peek().is_some_and(|(Ord64(top), _)| fresh < *top) && fresh < g {
                heap.push((Ord64(fresh), std::cmp::Reverse(j)));
                continue;
            }
            open.push(j);
            for &i in c.demand_of(j) {
                covered[i as usize] = true;
            }
        }
        swap_search(c, open, state)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ord64(f64);
impl Eq for Ord64 {}
impl PartialOrd for Ord64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ord64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Best-improvement swap search for MCLP: for each entering site, the loss of every leaving
/// site is known from points covered exactly once.
fn swap_search(c: &Coverage, mut open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
    let n = c.n();
    let mut is_open = vec![false; c.m];
    for &j in &open {
        is_open[j] = true;
    }
    let mut count = vec![0u32; n];
    let mut sid = vec![0u64; n];
    for &j in &open {
        for &i in c.demand_of(j) {
            count[i as usize] += 1;
            sid[i as usize] += j as u64;
        }
    }
    let mut loss = vec![0.0; c.m];
    let mut extra = vec![0.0; c.m];
    let mut touched = Vec::new();
    loop {
        loss.fill(0.0);
        for i in 0..n {
            if count[i] == 1 {
                loss[sid[i] as usize] += c.w[i];
            }
        }
        let total: f64 = (0..n).filter(|&i| count[i] > 0).map(|i| c.w[i]).sum();
        let tol = 1e-10 * total.max(1.0);
        let mut best: Option<(f64, usize, usize)> = None;
        for u in 0..c.m {
            if is_open[u] || state[u] == CLOSED {
                continue;
            }
            let mut gain = 0.0;
            for &i in c.demand_of(u) {
                let i = i as usize;
                if count[i] == 0 {
                    gain += c.w[i];
                } else if count[i] == 1 {
                    let f = sid[i] as usize;
                    if extra[f] == 0.0 {
                        touched.push(f);
                    }
                    extra[f] += c.w[i];
                }
            }
            for &f in &open {
                if state[f] == OPEN {
                    continue;
                }
                let profit = gain - loss[f] + extra[f];
                if profit > tol && best.is_none_or(|(b, _, _)| profit > b) {
                    best = Some((profit, u, f));
                }
            }
            for &f in &touched {
                extra[f] = 0.0;
            }
            touched.clear();
        }
        let Some((_, u, f)) = best else { break };
        is_open[f] = false;
        is_open[u] = true;
        for &i in c.demand_of(f) {
            count[i as usize] -= 1;
            sid[i as usize] -= f as u64;
        }
        for &i in c.demand_of(u) {
            count[i as usize] += 1;
            sid[i as usize] += u as u64;
        }
        if let Some(pos) = open.iter().position(|&x| x == f) {
            open[pos] = u;
        }
    }
    open.sort_unstable();
    let covered: f64 = (0..n).filter(|&i| count[i] > 0).map(|i| c.w[i]).sum();
    Some((open, -covered))
}

impl Relaxation for McRelax {
    fn sites(&self) -> usize {
        self.c.m
    }

    fn fork(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn p(&self) -> Option<usize> {
        Some(self.p)
    }

    fn values(&mut self, mult: &[f64], rho: &mut [f64]) -> f64 {
        let c = &self.c;
        let mut constant = 0.0;
        for (w, u) in c.w.iter().zip(mult) {
            constant -= (w - u).max(0.0);
        }
        for (j, r) in rho.iter_mut().enumerate() {
            *r = -c
                .demand_of(j)
                .iter()
                .map(|&i| mult[i as usize])
                .sum::<f64>();
        }
        constant
    }

    fn subgradient(&mut self, mult: &[f64], open: &[bool], g: &mut [f64]) -> f64 {
        let c = &self.c;
        let mut norm = 0.0;
        for i in 0..c.n() {
            let z = if mult[i] < c.w[i] { 1.0 } else { 0.0 };
            let cnt = c.sites_of(i).iter().filter(|&&j| open[j as usize]).count() as f64;
            let mut gi = z - cnt;
            // Projected: a multiplier at a bound cannot move outwards.
            if (mult[i] <= 0.0 && gi < 0.0) || (mult[i] >= c.w[i] && gi > 0.0) {
                gi = 0.0;
            }
            g[i] = gi;
            norm += gi * gi;
        }
        norm
    }

    fn step(&self, mult: &mut [f64], g: &[f64], t: f64) {
        for i in 0..mult.len() {
            mult[i] = (mult[i] + t * g[i]).clamp(0.0, self.c.w[i]);
        }
    }

    fn initial(&self, _open: &[usize]) -> Vec<f64> {
        self.c.w.iter().map(|w| 0.5 * w).collect()
    }

    fn cost(&mut self, open: &[usize]) -> Option<f64> {
        let c = &self.c;
        let mut covered = vec![false; c.n()];
        for &j in open {
            for &i in c.demand_of(j) {
                covered[i as usize] = true;
            }
        }
        Some(
            -(0..c.n())
                .filter(|&i| covered[i])
                .map(|i| c.w[i])
                .sum::<f64>(),
        )
    }

    fn improve(&mut self, open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        swap_search(&self.c, open, state)
    }

    fn complete(&mut self, partial: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.greedy_from(partial, state)
    }

    fn integral(&self) -> bool {
        self.integral
    }
}

/// Solves MCLP with `p` sites (no budget).
pub(crate) fn solve_mclp(
    problem: &Problem,
    params: Params,
    deadline: &Deadline,
    started: Instant,
) -> Result<Solution> {
    let Model::Mclp(mc) = &problem.model else {
        return Err(Error::Internal("solve_mclp called on another model".into()));
    };
    let p =
        mc.p.ok_or_else(|| Error::Internal("fast MCLP needs p".into()))?;
    let w = &problem.instance.weights;
    let cov = Coverage::new(problem, mc.radius, |i| w[i]);
    let mut rel = McRelax::new(cov, p);
    let state = root_state(problem);
    let start = rel.greedy(&state);
    let ub = start.as_ref().map_or(f64::INFINITY, |s| s.1);
    let out = Engine::new(&mut rel, params, deadline, start, ub, f64::NEG_INFINITY).run(state);
    let open = out
        .open
        .ok_or_else(|| Error::Internal("MCLP search found no plan".into()))?;
    finish(
        problem,
        &open,
        -out.bound,
        out.proven,
        "lagrangian-bnb",
        started,
    )
}

/// LSCP (cover every point with positive weight) in minimisation form.
#[derive(Clone)]
pub(crate) struct ScRelax {
    c: Arc<Coverage>,
    cost: Vec<f64>,
    constant: f64,
    integral: bool,
}

impl ScRelax {
    pub fn new(c: Coverage, cost: Vec<f64>, constant: f64) -> Self {
        let integral =
            cost.iter().all(|x| x.fract() == 0.0 && x.abs() < 1e15) && constant.fract() == 0.0;
        ScRelax {
            c: Arc::new(c),
            cost,
            constant,
            integral,
        }
    }

    /// Completes `open` into a cover (cheapest cost per newly covered point first) and
    /// drops redundant sites (most expensive first). Fixed sites are respected.
    fn repair(&self, open: &[usize], state: &[u8]) -> Option<(Vec<usize>, f64)> {
        let c = &self.c;
        let mut is_open = vec![false; c.m];
        let mut count = vec![0u32; c.n()];
        for j in open
            .iter()
            .copied()
            .chain((0..c.m).filter(|&j| state[j] == OPEN))
        {
            if !is_open[j] && state[j] != CLOSED {
                is_open[j] = true;
                for &i in c.demand_of(j) {
                    count[i as usize] += 1;
                }
            }
        }
        // Negative-cost sites always pay.
        for j in 0..c.m {
            if !is_open[j] && state[j] == FREE && self.cost[j] < 0.0 {
                is_open[j] = true;
                for &i in c.demand_of(j) {
                    count[i as usize] += 1;
                }
            }
        }
        loop {
            let mut uncovered = false;
            let mut best: Option<(f64, usize)> = None;
            for j in 0..c.m {
                if is_open[j] || state[j] == CLOSED {
                    continue;
                }
                let new = c
                    .demand_of(j)
                    .iter()
                    .filter(|&&i| count[i as usize] == 0)
                    .count();
                if new == 0 {
                    continue;
                }
                uncovered = true;
                let ratio = self.cost[j].max(0.0) / new as f64;
                if best.is_none_or(|(b, _)| ratio < b) {
                    best = Some((ratio, j));
                }
            }
            if !uncovered {
                break;
            }
            let (_, j) = best?;
            is_open[j] = true;
            for &i in c.demand_of(j) {
                count[i as usize] += 1;
            }
        }
        if (0..c.n()).any(|i| count[i] == 0) {
            return None;
        }
        let mut order: Vec<usize> = (0..c.m)
            .filter(|&j| is_open[j] && state[j] == FREE && self.cost[j] >= 0.0)
            .collect();
        order.sort_by(|&a, &b| self.cost[b].total_cmp(&self.cost[a]).then(a.cmp(&b)));
        for j in order {
            if c.demand_of(j).iter().all(|&i| count[i as usize] >= 2) {
                is_open[j] = false;
                for &i in c.demand_of(j) {
                    count[i as usize] -= 1;
                }
            }
        }
        let open: Vec<usize> = (0..c.m).filter(|&j| is_open[j]).collect();
        let cost = self.constant + open.iter().map(|&j| self.cost[j]).sum::<f64>();
        Some((open, cost))
    }
}

impl Relaxation for ScRelax {
    fn sites(&self) -> usize {
        self.c.m
    }

    fn fork(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn p(&self) -> Option<usize> {
        None
    }

    fn values(&mut self, mult: &[f64], rho: &mut [f64]) -> f64 {
        let c = &self.c;
        for (j, r) in rho.iter_mut().enumerate() {
            *r = self.cost[j]
                - c.demand_of(j)
                    .iter()
                    .map(|&i| mult[i as usize])
                    .sum::<f64>();
        }
        self.constant + mult.iter().sum::<f64>()
    }

    fn subgradient(&mut self, mult: &[f64], open: &[bool], g: &mut [f64]) -> f64 {
        let c = &self.c;
        let mut norm = 0.0;
        for i in 0..c.n() {
            let cnt = c.sites_of(i).iter().filter(|&&j| open[j as usize]).count() as f64;
            let mut gi = 1.0 - cnt;
            if mult[i] <= 0.0 && gi < 0.0 {
                gi = 0.0;
            }
            g[i] = gi;
            norm += gi * gi;
        }
        norm
    }

    fn step(&self, mult: &mut [f64], g: &[f64], t: f64) {
        for i in 0..mult.len() {
            mult[i] = (mult[i] + t * g[i]).max(0.0);
        }
    }

    fn initial(&self, _open: &[usize]) -> Vec<f64> {
        let c = &self.c;
        (0..c.n())
            .map(|i| {
                c.sites_of(i)
                    .iter()
                    .map(|&j| {
                        let j = j as usize;
                        self.cost[j].max(0.0) / c.demand_of(j).len().max(1) as f64
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    fn cost(&mut self, open: &[usize]) -> Option<f64> {
        let c = &self.c;
        let mut covered = vec![false; c.n()];
        for &j in open {
            for &i in c.demand_of(j) {
                covered[i as usize] = true;
            }
        }
        covered
            .iter()
            .all(|&x| x)
            .then(|| self.constant + open.iter().map(|&j| self.cost[j]).sum::<f64>())
    }

    fn improve(&mut self, open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.repair(&open, state)
    }

    fn integral(&self) -> bool {
        self.integral
    }
}

/// Solves LSCP (alpha = 1): the cheapest plan covering every point with positive weight.
pub(crate) fn solve_lscp(
    problem: &Problem,
    params: Params,
    deadline: &Deadline,
    started: Instant,
) -> Result<Solution> {
    let Model::Lscp(l) = &problem.model else {
        return Err(Error::Internal("solve_lscp called on another model".into()));
    };
    let w = &problem.instance.weights;
    let cov = Coverage::new(problem, l.radius, |i| w[i]);
    let (cost, constant) = crate::model::check::lscp_costs(&problem.instance);
    let mut rel = ScRelax::new(cov, cost, constant);
    let state = root_state(problem);
    let start = rel.repair(&[], &state);
    let ub = start.as_ref().map_or(f64::INFINITY, |s| s.1);
    let out = Engine::new(&mut rel, params, deadline, start, ub, f64::NEG_INFINITY).run(state);
    let open = out
        .open
        .ok_or_else(|| Error::Internal("LSCP search found no cover".into()))?;
    finish(
        problem,
        &open,
        out.bound,
        out.proven,
        "lagrangian-bnb",
        started,
    )
}
