//! Solving one service at any size: small models as one exact MILP; large ones split into
//! independent components, with the archipelago-wide targets priced by Lagrangian multipliers.
//!
//! Two sites, settlements or islands are in the same component when a settlement can be
//! served by a site, a site stands on an island, a meal point is supplied by a canteen, or a
//! roving team serves an island. Components share nothing but the targets that count over the
//! whole archipelago (say, 80% of villages). Pricing those targets at `lambda` per unit of cover
//! makes every component an independent small MILP; for any prices the sum of the components'
//! proven bounds plus `lambda * required` is a lower bound on the true optimum (weak duality),
//! and prices at which the cover reaches every target give feasible plans. Bisection on the
//! prices closes the gap; a greedy mix of the two sides' component plans tightens the upper
//! bound. Targets of 100% need no price: they hold component by component.

use super::context::Context;
use super::data::ServiceData;
use super::hierarchy::HierarchyPlan;
use super::lagrangian::solve_scope;
use super::milp::{
    Limits, Scope, ScopeSolution, Targets, canonical_scope, polish_seats, solve_scope_from,
    target_total, whole_scope,
};
use crate::error::Result;
use crate::model::{Status, relative_gap};
use crate::scenario::Assign;
use crate::solve::{Backend, Deadline};
use rayon::prelude::*;
use std::time::Instant;

/// Equal-cost plans are told apart exactly (see [`canonical_scope`]) when the service has at
/// most this many free open/close choices (sites not fixed, roving teams): the second solve
/// searches the least-cost plans without the cost to guide it, which microlp's branch and bound
/// does in a fraction of a second on Daishan (about 150 free choices per service) but not in
/// minutes on 300. Larger services keep the backend's pick among equal-cost plans.
pub const CANONICAL_MAX_FREE: usize = 200;
/// Models with at most this many binary variables are solved whole.
pub const WHOLE_MAX_BINARIES: usize = 400;
/// ... and at most this many assignment variables: a capacitated model with few sites but
/// thousands of villages is already too big an LP for microlp's branch-and-bound.
pub const WHOLE_MAX_ASSIGNMENTS: usize = 4000;
/// Without a time limit, a decomposed model left with a gap is solved whole when it has at
/// most this many times [`WHOLE_MAX_BINARIES`] binary variables.
const CLOSE_WHOLE_FACTOR: usize = 4;
/// Bisection steps per priced target.
const BISECTION_STEPS: usize = 30;
/// Bisection stops once the relative gap is this small.
const STOP_GAP: f64 = 5e-4;
/// Components of a decomposed model stop once proven within this gap.
const COMPONENT_GAP: f64 = 1e-3;

/// When every plan's cost is a constant plus a whole multiple of `g` (coverage services
/// whose site and roving-team costs are whole multiples of `g`, no per-unit costs), returns
/// `(g, constant)`.
fn cost_granule(data: &ServiceData) -> Option<(f64, f64)> {
    if data.service.assign == Assign::Capacity || data.sites.iter().any(|s| s.cost_per_unit > 0.0) {
        return None;
    }
    let mut constant = 0.0;
    let costs = data
        .sites
        .iter()
        .map(|s| {
            let saved = s.close_cost;
            constant += saved;
            s.annual_cost + s.open_cost - saved
        })
        .collect::<Vec<f64>>();
    let mobiles = data.mobile_options.iter().map(|m| m.annual_cost);
    let g = crate::solve::whole_gcd(costs.into_iter().chain(mobiles), 1e-6)?;
    (g > 1).then_some((g as f64, constant))
}

/// A first price for target `t`: what the last site costs per unit of the cover it adds when
/// sites are taken greedily, cheapest per unit of new cover first (overlaps counted, lazily
/// re-evaluated), until they cover the need. Supplies and rows are left out, so the search
/// raises it where needed. Summing every site's cover without overlaps, as before, started the
/// 100,000-settlement meal service at 694 per village where 150,000 was needed: five priced
/// rounds of ten seconds each before the first plan meeting the target.
fn starting_price(ctx: &Context, data: &ServiceData, t: usize) -> f64 {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let target = data.targets[t];
    let m = target.minutes.unwrap_or(data.service.standard_minutes);
    let weight: Vec<f64> = (0..data.reach.len())
        .map(|a| super::data::target_measure(ctx, data.service, target, ctx.settlements[a]))
        .collect();
    let mut covers: Vec<Vec<u32>> = vec![Vec::new(); data.sites.len()];
    for (a, row) in data.reach.iter().enumerate() {
        if weight[a] > 0.0 {
            for &(j, _) in row.iter().filter(|p| p.1 <= m) {
                covers[j].push(a as u32);
            }
        }
    }
    let cost = |j: usize| data.sites[j].annual_cost + data.sites[j].open_cost;
    // Sites that cost nothing cover for free.
    let mut taken = vec![false; data.reach.len()];
    for j in (0..data.sites.len()).filter(|&j| cost(j) <= 0.0) {
        for &a in &covers[j] {
            taken[a as usize] = true;
        }
    }
    let gain = |j: usize, taken: &[bool]| -> f64 {
        covers[j]
            .iter()
            .filter(|&&a| !taken[a as usize])
            .map(|&a| weight[a as usize])
            .sum()
    };
    // Min-heap on (cost per unit of cover, site) as ordered bits of the non-negative ratio.
    let key = |ratio: f64| ratio.max(0.0).to_bits();
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = (0..data.sites.len())
        .filter_map(|j| {
            let g = gain(j, &taken);
            (g > 0.0 && cost(j) > 0.0).then(|| Reverse((key(cost(j) / g), j)))
        })
        .collect();
    let need = target.share() * super::data::target_total(ctx, data, target);
    let free: f64 = (0..weight.len())
        .filter(|&a| taken[a])
        .map(|a| weight[a])
        .sum();
    let (mut got, mut price) = (free, None);
    while got < need {
        let Some(Reverse((stale, j))) = heap.pop() else {
            break;
        };
        let g = gain(j, &taken);
        if g <= 0.0 {
            continue;
        }
        let ratio = cost(j) / g;
        if key(ratio) > stale {
            heap.push(Reverse((key(ratio), j)));
            continue;
        }
        for &a in &covers[j] {
            taken[a as usize] = true;
        }
        got += g;
        price = Some(ratio);
    }
    price.unwrap_or(1.0).clamp(1e-6, 1e12)
}

/// How many assignment variables the model has: one per settlement with demand and site it
/// may use, when the service assigns people (capacities or per-person costs).
fn assignment_variables(data: &ServiceData) -> usize {
    let assigns =
        data.service.assign == Assign::Capacity || data.sites.iter().any(|s| s.cost_per_unit > 0.0);
    if !assigns {
        return 0;
    }
    data.reach
        .iter()
        .zip(&data.demand)
        .filter(|(_, w)| **w > 0.0)
        .map(|(row, _)| row.len())
        .sum()
}

pub struct Whole {
    pub solution: ScopeSolution,
    pub objective: f64,
    pub bound: f64,
    pub status: Status,
    pub method: String,
}

/// The independent components of a service's model.
pub fn components(ctx: &Context, hier: &HierarchyPlan, data: &ServiceData) -> Vec<Scope> {
    let n = ctx.settlements.len();
    let m = data.sites.len();
    let k = ctx.ds.islands.len();
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(n + m + k);
    let site = |j: usize| n + j;
    let island = |i: usize| n + m + i;
    for (a, row) in data.reach.iter().enumerate() {
        uf.union(a, island(ctx.ds.settlements[ctx.settlements[a]].island));
        for &(j, _) in row {
            uf.union(a, site(j));
        }
    }
    for (j, s) in data.sites.iter().enumerate() {
        uf.union(site(j), island(s.island));
    }
    for (&j, from) in &data.suppliers {
        for &c in from {
            uf.union(site(j), site(c));
        }
    }
    for mo in &data.mobile_options {
        uf.union(island(mo.island), island(mo.base));
    }
    let mut index: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut scope_of = |root: usize, scopes: &mut Vec<Scope>| -> usize {
        *index.entry(root).or_insert_with(|| {
            scopes.push(Scope::default());
            scopes.len() - 1
        })
    };
    for a in 0..n {
        let c = scope_of(uf.find(a), &mut scopes);
        scopes[c].settlements.push(a);
    }
    for j in 0..m {
        let c = scope_of(uf.find(site(j)), &mut scopes);
        scopes[c].sites.push(j);
    }
    for (mi, mo) in data.mobile_options.iter().enumerate() {
        let c = scope_of(uf.find(island(mo.island)), &mut scopes);
        scopes[c].mobiles.push(mi);
    }
    for &i in &ctx.inhabited_islands {
        let c = scope_of(uf.find(island(i)), &mut scopes);
        scopes[c].islands.push(i);
    }
    for &l in &hier.leaders {
        let c = scope_of(uf.find(island(l)), &mut scopes);
        scopes[c].leaders.push(l);
    }
    scopes
}

/// The objective a plan is judged by: cost, plus the travel tie-break of capacity services.
fn objective_of(data: &ServiceData, s: &ScopeSolution, travel_weight: f64) -> f64 {
    match data.service.assign {
        Assign::Capacity => s.cost + travel_weight * s.travel,
        Assign::Coverage => s.cost,
    }
}

fn merge(parts: &[&ScopeSolution], n_targets: usize) -> ScopeSolution {
    let mut out = ScopeSolution {
        covered: vec![0.0; n_targets],
        status: Status::Optimal,
        ..Default::default()
    };
    for p in parts {
        out.open.extend(&p.open);
        out.mobile.extend(&p.mobile);
        out.expansion.extend(&p.expansion);
        out.flows.extend(&p.flows);
        out.cost += p.cost;
        out.variables += p.variables;
        out.by_relaxation += p.by_relaxation;
        out.travel += p.travel;
        for (t, c) in p.covered.iter().enumerate() {
            out.covered[t] += c;
        }
        out.status = out.status.and(p.status);
    }
    out.open.sort_unstable();
    out.mobile.sort_unstable();
    out.expansion.sort_by_key(|p| p.0);
    out.flows.sort_by_key(|f| (f.0, f.1));
    out
}

/// Open/close choices the plan makes: sites no decision or rule fixes, and roving teams.
fn free_choices(data: &ServiceData) -> usize {
    data.sites.iter().filter(|s| s.fixed.is_none()).count() + data.mobile_options.len()
}

/// The service as one exact MILP over the whole archipelago; `Ok(None)` when infeasible.
fn solve_whole(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    travel_weight: f64,
    deadline: Deadline,
    backend: Backend,
) -> Result<Option<Whole>> {
    let scope = whole_scope(ctx, hier, data);
    let limits = Limits {
        deadline,
        mip_gap: 0.0,
        backend,
        warm: None,
    };
    let mut solved = solve_scope(
        ctx,
        hier,
        data,
        &scope,
        Targets::Enforce,
        travel_weight,
        limits,
    )?;
    // Plans within `slack` of the proven least cost cost the same: half a granule for
    // whole-number costs, else the solvers' own tolerance.
    let slack = cost_granule(data).map_or_else(|| 1e-6, |(g, _)| g / 2.0);
    // Several plans may share the least cost; the backend's pick among them is its own. A
    // second solve makes the choice the data's, whichever backend ran.
    if let Some(sol) = &mut solved
        && sol.status == Status::Optimal
        && data.service.assign == Assign::Coverage
        && (1..=CANONICAL_MAX_FREE).contains(&free_choices(data))
        && let Some(canonical) = canonical_scope(ctx, hier, data, &scope, sol.cost, slack, limits)?
    {
        let (variables, bound) = (sol.variables, sol.bound);
        *sol = canonical;
        sol.variables = variables;
        sol.bound = bound.min(sol.cost);
    }
    // An optimal capacity plan: its seats re-solved as the LP they are once the sites are
    // fixed, so the travel tie-break is the proven optimum too (not just within the branch
    // and bound's tolerance).
    if let Some(sol) = &mut solved
        && sol.status == Status::Optimal
        && data.service.assign == Assign::Capacity
        && let Some(polished) = polish_seats(ctx, hier, data, &scope, sol, travel_weight, limits)?
    {
        let bound = sol.bound;
        *sol = polished;
        sol.bound = bound.min(sol.cost + travel_weight * sol.travel);
    }
    Ok(solved.map(|sol| {
        let objective = objective_of(data, &sol, travel_weight);
        let bound = if sol.status == Status::Optimal {
            objective
        } else {
            sol.bound.min(objective)
        };
        Whole {
            objective,
            bound,
            status: sol.status,
            method: "one MILP".to_string(),
            solution: sol,
        }
    }))
}

/// Solves the service; `Ok(None)` when infeasible.
///
/// Small services are one MILP. Larger ones split into independent components whose shared
/// targets are priced (Lagrangian relaxation): the price of each short target is raised until
/// the components' plans together meet it, then bisected; every round gives a lower bound,
/// every plan that meets the targets an upper bound.
pub fn solve_service(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    travel_weight: f64,
    options: &super::PlanOptions,
) -> Result<Option<Whole>> {
    let deadline = Deadline::after(options.time_limit);
    let binaries = data.sites.len() + data.mobile_options.len();
    let scopes = components(ctx, hier, data);
    let small = binaries <= options.whole_max_binaries
        && assignment_variables(data) <= WHOLE_MAX_ASSIGNMENTS;
    // A count or township target ties components' sites together: no pricing, one model.
    let counts = data
        .targets
        .iter()
        .any(|t| t.is_count() || t.measure == crate::scenario::Measure::Towns);
    if small || counts || scopes.len() <= 1 {
        return solve_whole(ctx, hier, data, travel_weight, deadline, options.solver);
    }
    log_components(data, &scopes);
    let n_targets = data.targets.len();
    let need: Vec<f64> = (0..n_targets)
        .map(|t| data.targets[t].share() * target_total(ctx, data, t))
        .collect();
    let priced: Vec<usize> = (0..n_targets)
        .filter(|&t| data.targets[t].share() < 1.0 && need[t] > 0.0)
        .collect();
    let trim = super::trim::Trim::new(ctx, data, &priced);
    let mut p = Pricing {
        ctx,
        hier,
        data,
        scopes: &scopes,
        travel_weight,
        backend: options.solver,
        deadline,
        need,
        priced,
        best_lb: f64::NEG_INFINITY,
        best_ub: None,
        evaluations: 0,
        trim,
        warm: scopes.iter().map(|_| Default::default()).collect(),
    };
    if !p.search()? {
        return Ok(None);
    }
    let Some((ub, parts)) = p.best_ub.take() else {
        return Ok(None);
    };
    let refs: Vec<&ScopeSolution> = parts.iter().collect();
    let solution = merge(&refs, n_targets);
    let mut best_lb = p.best_lb;
    // Round costs (multiples of a granule) lift the bound to the next attainable cost.
    if let Some((g, constant)) = cost_granule(data) {
        best_lb = ((best_lb - constant) / g - 1e-9).ceil() * g + constant;
    }
    let bound = best_lb.min(ub);
    let status = if relative_gap(ub, bound) == 0.0 {
        Status::Optimal
    } else {
        Status::TimeLimit
    };
    let mut method = format!(
        "{} components, targets priced by Lagrangian bisection ({} rounds)",
        scopes.len(),
        p.evaluations
    );
    if solution.by_relaxation > 0 {
        let what = match data.service.assign {
            Assign::Capacity => {
                "capacitated components planned by Lagrangian relaxation (seats and open-before-close)"
            }
            Assign::Coverage => "components planned by Lagrangian relaxation (priced cover)",
        };
        method += &format!(
            "; {} {what}, the rest by {}",
            solution.by_relaxation,
            options.solver.milp_name()
        );
    }
    // Without a time limit the user asked for a proof: a model the decomposition left with a
    // gap and small enough to solve whole (a few times the whole-model size) is solved whole.
    if status != Status::Optimal
        && !deadline.is_limited()
        && binaries <= CLOSE_WHOLE_FACTOR * options.whole_max_binaries
        && assignment_variables(data) <= WHOLE_MAX_ASSIGNMENTS
        && let Some(whole) = solve_whole(
            ctx,
            hier,
            data,
            travel_weight,
            Deadline::none(),
            options.solver,
        )?
        && whole.status == Status::Optimal
        && whole.objective <= ub + 1e-9 * ub.abs()
    {
        return Ok(Some(Whole {
            method: format!("{method}, then proven as one MILP"),
            ..whole
        }));
    }
    Ok(Some(Whole {
        objective: ub,
        bound,
        status,
        method,
        solution,
    }))
}

fn log_components(data: &ServiceData, scopes: &[Scope]) {
    if log::log_enabled!(log::Level::Debug) {
        let mut sizes: Vec<(usize, usize)> = scopes
            .iter()
            .map(|s| (s.sites.len() + s.mobiles.len(), s.settlements.len()))
            .collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        log::debug!(
            "[plan] service {}: {} components, largest (binaries, settlements): {:?}",
            data.service.name,
            scopes.len(),
            &sizes[..sizes.len().min(5)]
        );
    }
}

/// The Lagrangian pricing of a decomposed service's shared targets.
struct Pricing<'p> {
    ctx: &'p Context<'p>,
    hier: &'p HierarchyPlan,
    data: &'p ServiceData<'p>,
    scopes: &'p [Scope],
    travel_weight: f64,
    backend: Backend,
    deadline: Deadline,
    /// Cover each target needs; the targets priced (share below 1, something to cover).
    need: Vec<f64>,
    priced: Vec<usize>,
    /// Best Lagrangian bound, best plan meeting every target (objective, parts), rounds.
    best_lb: f64,
    best_ub: Option<(f64, Vec<ScopeSolution>)>,
    evaluations: usize,
    /// The closing of sites the targets do not need, where it applies ([`super::trim`]).
    trim: Option<super::trim::Trim>,
    /// Per scope: the multipliers its priced-cover relaxation left at the last price, the
    /// next price's starting point.
    warm: Vec<crate::solve::pcover::Warm>,
}

impl Pricing<'_> {
    /// Prices the targets (up to three passes over them); `Ok(false)` when the service is
    /// infeasible.
    fn search(&mut self) -> Result<bool> {
        let mut price = vec![0.0; self.data.targets.len()];
        let Some(at_zero) = self.evaluate(&price)? else {
            return Ok(false);
        };
        self.evaluations = 1;
        self.best_lb = self.lagrangian(&at_zero, &price);
        if self.meets(&at_zero) {
            let improved = self.improve(at_zero, &price)?;
            self.consider(improved);
            return Ok(true);
        }
        let mut low_side = at_zero;
        let priced = self.priced.clone();
        for round in 0..3 {
            for &t in &priced {
                if !self.price_target(&mut price, t, round, &mut low_side)? {
                    return Ok(false);
                }
            }
            if priced.len() == 1 {
                break;
            }
        }
        Ok(true)
    }

    /// Raises target t's price until its cover is met, then bisects; `Ok(false)` when the
    /// service is infeasible.
    fn price_target(
        &mut self,
        price: &mut [f64],
        t: usize,
        round: usize,
        low_side: &mut Vec<ScopeSolution>,
    ) -> Result<bool> {
        let mut lo = if round == 0 { 0.0 } else { price[t] * 0.5 };
        let mut hi = if price[t] > 0.0 {
            price[t]
        } else {
            starting_price(self.ctx, self.data, t)
        };
        let mut hi_parts: Option<Vec<ScopeSolution>> = None;
        for _ in 0..64 {
            price[t] = hi;
            let Some(parts) = self.evaluate(price)? else {
                return Ok(false);
            };
            self.evaluations += 1;
            self.best_lb = self.best_lb.max(self.lagrangian(&parts, price));
            if self.reaches(&parts, t) {
                hi_parts = Some(parts);
                break;
            }
            lo = hi;
            *low_side = parts;
            // Out of time: a big step to some plan that meets the target (the bisection then
            // has no time anyway).
            hi *= if self.out_of_time() { 64.0 } else { 4.0 };
        }
        let Some(mut hi_parts) = hi_parts else {
            // Even a huge price cannot reach the target: infeasible.
            return Ok(false);
        };
        for _ in 0..BISECTION_STEPS {
            let closed = self
                .best_ub
                .as_ref()
                .is_some_and(|(ub, _)| relative_gap(*ub, self.best_lb) <= STOP_GAP);
            if closed || self.out_of_time() || hi - lo <= 1e-6 * hi {
                break;
            }
            price[t] = 0.5 * (lo + hi);
            let Some(parts) = self.evaluate(price)? else {
                return Ok(false);
            };
            self.evaluations += 1;
            self.best_lb = self.best_lb.max(self.lagrangian(&parts, price));
            if self.reaches(&parts, t) {
                hi = price[t];
                if self.meets(&parts) {
                    self.consider(parts.clone());
                }
                hi_parts = parts;
            } else {
                lo = price[t];
                *low_side = parts;
            }
        }
        price[t] = hi;
        if self.meets(&hi_parts) {
            let mixed = mix(
                low_side,
                &hi_parts,
                &self.priced,
                &self.need,
                self.data,
                self.travel_weight,
            );
            self.consider(mixed);
            self.consider(hi_parts);
        }
        Ok(true)
    }

    /// With the prices settled and time left: the components with the largest gaps (objective
    /// less bound) solved again, in turn, with a larger share of what is left, keeping a new
    /// part when it costs less and the plan still meets every target, and its bound when it
    /// is higher. The plan's bound (the sum of the parts' bounds plus the priced need) only
    /// rises.
    fn improve(
        &mut self,
        mut parts: Vec<ScopeSolution>,
        price: &[f64],
    ) -> Result<Vec<ScopeSolution>> {
        let mut order: Vec<usize> = (0..parts.len())
            .filter(|&c| parts[c].objective - parts[c].bound > 1e-9 * parts[c].objective.abs())
            .collect();
        order.sort_by(|&a, &b| {
            let gap = |c: usize| parts[c].objective - parts[c].bound;
            gap(b).total_cmp(&gap(a)).then(a.cmp(&b))
        });
        if log::log_enabled!(log::Level::Debug) {
            let total: f64 = order
                .iter()
                .map(|&c| parts[c].objective - parts[c].bound)
                .sum();
            let top: Vec<String> = order
                .iter()
                .take(8)
                .map(|&c| {
                    let s = &self.scopes[c];
                    format!(
                        "{}x{} gap {:.0}",
                        s.sites.len(),
                        s.settlements.len(),
                        parts[c].objective - parts[c].bound
                    )
                })
                .collect();
            log::debug!(
                "[plan] service {}: {} components with a gap, {total:.0} in all; largest: {}",
                self.data.service.name,
                order.len(),
                top.join(", ")
            );
        }
        let threads = rayon::current_num_threads().max(1);
        for batch in order.chunks(threads) {
            let Some(left) = self.deadline.remaining() else {
                break; // no limit: every component was already solved to its gap
            };
            if left < 0.5 {
                break;
            }
            // Each batch may use half of what is left.
            let each = Deadline::after(Some(left / 2.0));
            let again: Vec<(usize, Option<ScopeSolution>)> = batch
                .par_iter()
                .map(|&c| {
                    let limits = Limits {
                        deadline: each,
                        mip_gap: COMPONENT_GAP,
                        backend: self.backend,
                        warm: self.warm.get(c),
                    };
                    // A large coverage component, or a capacitated one beyond the MILP's size:
                    // its relaxation again, with more time (microlp spent 86 s finding no
                    // incumbent for the 100,000-settlement hub's schools here).
                    let s = &self.scopes[c];
                    let large_coverage = super::coverage::fits(self.data, &Targets::Price(price))
                        && super::coverage::binaries(s) > super::coverage::MIN_BINARIES;
                    let large_capacity = super::lagrangian::arcs(self.data, s)
                        > super::lagrangian::MAX_MILP_ARCS
                        && super::lagrangian::fits(
                            self.ctx,
                            self.hier,
                            self.data,
                            s,
                            &Targets::Price(price),
                        );
                    if self.backend == Backend::Auto && (large_coverage || large_capacity) {
                        let (t, w) = (Targets::Price(price), self.travel_weight);
                        return solve_scope(self.ctx, self.hier, self.data, s, t, w, limits)
                            .map(|p| (c, p));
                    }
                    // The MILP, starting from the part in hand (same prices): its plan stands
                    // when the MILP finds none, and the relaxation is not run again.
                    solve_scope_from(
                        self.ctx,
                        self.hier,
                        self.data,
                        &self.scopes[c],
                        (Targets::Price(price), self.travel_weight),
                        limits,
                        Some(parts[c].clone()),
                    )
                    .map(|p| (c, p))
                })
                .collect::<Result<_>>()?;
            for (c, new) in again {
                let Some(new) = new else { continue };
                let bound = parts[c].bound.max(new.bound);
                if new.objective < parts[c].objective {
                    let old = std::mem::replace(&mut parts[c], new);
                    if !self.meets(&parts) {
                        parts[c] = old;
                    }
                }
                parts[c].bound = bound.min(parts[c].objective);
            }
            self.evaluations += 1;
        }
        self.best_lb = self.best_lb.max(self.lagrangian(&parts, price));
        Ok(parts)
    }

    fn out_of_time(&self) -> bool {
        self.deadline.expired()
    }

    /// Solves every component at these prices; `None` if any is infeasible (prices do not
    /// change feasibility, so then the service is infeasible). Each round of component solves
    /// may use a share of the time limit, so bisection gets several rounds even when some
    /// components are hard.
    fn evaluate(&self, price: &[f64]) -> Result<Option<Vec<ScopeSolution>>> {
        let t0 = Instant::now();
        let remaining = self.deadline.remaining().map(|t| t.max(0.05));
        let span = self.deadline.span();
        // The first round (no prices) often settles the service: it gets a quarter of the
        // limit, later rounds a tenth.
        let share = if self.evaluations == 0 { 4.0 } else { 10.0 };
        let round = remaining.map(|r| r.min(span.unwrap_or(r) / share).max(0.5));
        // Each component in proportion to its size (sites times settlements).
        let weight: Vec<f64> = self
            .scopes
            .iter()
            .map(|s| ((s.sites.len() + s.mobiles.len() + 1) * (s.settlements.len() + 1)) as f64)
            .collect();
        let budget = super::budget::Shares::new(weight.clone(), &weight, round);
        // One component per task, so a worker that comes free takes the next one as it
        // starts (with its share of what is left), never a block queued behind a long one.
        let parts: Vec<(usize, Option<ScopeSolution>)> = budget
            .order
            .par_iter()
            .with_max_len(1)
            .map(|&c| {
                let s = &self.scopes[c];
                solve_scope(
                    self.ctx,
                    self.hier,
                    self.data,
                    s,
                    Targets::Price(price),
                    self.travel_weight,
                    Limits {
                        deadline: budget.deadline_for(c),
                        mip_gap: COMPONENT_GAP,
                        backend: self.backend,
                        warm: self.warm.get(c),
                    },
                )
                .map(|p| (c, p))
            })
            .collect::<Result<_>>()?;
        // Back in scope order; one infeasible component makes the round's parts `None`.
        let mut by_scope: Vec<Option<ScopeSolution>> = vec![None; self.scopes.len()];
        for (c, p) in parts {
            by_scope[c] = p;
        }
        let parts: Option<Vec<ScopeSolution>> = by_scope.into_iter().collect();
        if log::log_enabled!(log::Level::Debug) {
            self.log_round(parts.as_deref(), price, t0);
        }
        Ok(parts)
    }

    fn log_round(&self, parts: Option<&[ScopeSolution]>, price: &[f64], t0: Instant) {
        let n_targets = self.data.targets.len();
        let (lb, cost, cov) = parts.map_or((0.0, 0.0, vec![]), |p| {
            (
                p.iter().map(|x| x.bound).sum::<f64>(),
                p.iter()
                    .map(|x| objective_of(self.data, x, self.travel_weight))
                    .sum::<f64>(),
                (0..n_targets)
                    .map(|t| p.iter().map(|x| x.covered[t]).sum::<f64>())
                    .collect::<Vec<f64>>(),
            )
        });
        log::debug!(
            "[plan] service {}: priced round {:?} in {:.2} s: sum of bounds {lb:.0}, objective {cost:.0}, cover {cov:?} need {:?}",
            self.data.service.name,
            price,
            t0.elapsed().as_secs_f64(),
            self.need
        );
    }

    /// The Lagrangian bound of a round: the components' bounds plus the prices of the need.
    fn lagrangian(&self, parts: &[ScopeSolution], price: &[f64]) -> f64 {
        parts.iter().map(|p| p.bound).sum::<f64>()
            + self
                .priced
                .iter()
                .map(|&t| price[t] * self.need[t])
                .sum::<f64>()
    }

    /// Whether the parts together meet target t.
    fn reaches(&self, parts: &[ScopeSolution], t: usize) -> bool {
        let covered = parts.iter().map(|p| p.covered[t]).sum::<f64>();
        covered + 1e-9 * self.need[t].max(1.0) >= self.need[t]
    }

    fn meets(&self, parts: &[ScopeSolution]) -> bool {
        self.priced.iter().all(|&t| self.reaches(parts, t))
    }

    /// Keeps the parts, or the parts without the sites their targets do not need
    /// ([`super::trim`]), when they are the best plan meeting every target so far.
    fn consider(&mut self, parts: Vec<ScopeSolution>) {
        let trimmed = self.trim.as_ref().and_then(|trim| {
            trim.surplus(
                self.ctx,
                self.data,
                self.scopes,
                &parts,
                (&self.need, &self.priced),
            )
        });
        if let Some(trimmed) = trimmed {
            log::debug!(
                "[plan] service {}: a plan meeting the targets at {:.0} costs {:.0} without the sites they do not need",
                self.data.service.name,
                parts.iter().map(|p| p.cost).sum::<f64>(),
                trimmed.iter().map(|p| p.cost).sum::<f64>()
            );
            self.keep(trimmed);
        }
        self.keep(parts);
    }

    fn keep(&mut self, parts: Vec<ScopeSolution>) {
        let refs: Vec<&ScopeSolution> = parts.iter().collect();
        let m = merge(&refs, self.data.targets.len());
        let obj = objective_of(self.data, &m, self.travel_weight);
        if self.best_ub.as_ref().is_none_or(|(b, _)| obj < *b) {
            self.best_ub = Some((obj, parts));
        }
    }
}

/// Starts from the cheap side (cover short) and switches components to their well-covering
/// plan, best cover per extra cost first, until every priced target is met.
fn mix(
    low: &[ScopeSolution],
    high: &[ScopeSolution],
    priced: &[usize],
    need: &[f64],
    data: &ServiceData,
    travel_weight: f64,
) -> Vec<ScopeSolution> {
    let mut chosen: Vec<ScopeSolution> = low.to_vec();
    let mut covered: Vec<f64> = (0..need.len())
        .map(|t| low.iter().map(|p| p.covered[t]).sum())
        .collect();
    let mut order: Vec<(f64, usize)> = (0..low.len())
        .filter_map(|c| {
            let gain: f64 = priced
                .iter()
                .map(|&t| (high[c].covered[t] - low[c].covered[t]) / need[t].max(1e-9))
                .sum();
            if gain <= 0.0 {
                return None;
            }
            let extra = objective_of(data, &high[c], travel_weight)
                - objective_of(data, &low[c], travel_weight);
            Some((extra / gain, c))
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (_, c) in order {
        if priced
            .iter()
            .all(|&t| covered[t] + 1e-9 * need[t].max(1.0) >= need[t])
        {
            break;
        }
        for &t in priced {
            covered[t] += high[c].covered[t] - low[c].covered[t];
        }
        chosen[c] = high[c].clone();
    }
    chosen
}
