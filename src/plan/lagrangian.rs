//! A capacitated service's scope as a capacitated facility-location instance for the
//! Lagrangian solver ([`crate::solve::cflp`]), and its plan read back as the scope's solution.
//!
//! The scope's MILP ([`super::milp`]) and this instance are the same problem where the scope
//! [`fits`]: seats and added seats, per-pupil and travel costs, priced cover folded into each
//! arc (a settlement seated within a target's standard earns its price), targets of 100% as
//! arcs left out, open-before-close as "kept" sites. Scopes with roving teams, supply chains,
//! per-leader rules or island, township and count targets stay with the MILP.

use super::context::Context;
use super::coverage;
use super::data::{ServiceData, SiteOrigin, leader_must_host};
use super::hierarchy::HierarchyPlan;
use super::milp::{
    Limits, Scope, ScopeSolution, Targets, covered_by, solve_scope_from, target_weight,
};
use crate::error::Result;
use crate::model::{Status, relative_gap};
use crate::scenario::{Assign, Measure};
use crate::solve::cflp::{Customer, Instance, Site, solve as solve_cflp};
use crate::solve::{Backend, Deadline};
use std::collections::{HashMap, HashSet};

/// Scopes with fewer seat-assignment arcs than this go to the MILP directly (which proves
/// them in well under a second).
pub const MIN_ARCS: usize = 2000;

/// Scopes with more arcs than this get the whole time left (the MILP only when the solver
/// finds no plan): microlp's model of the 100,000-settlement hub's schools (3,061 sites x
/// 30,601 settlements, 450,000 arcs) did not reach a first plan in ten minutes.
pub const MAX_MILP_ARCS: usize = 100_000;

/// Whether the scope's model is a facility-location instance this solver handles exactly.
pub fn fits(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
) -> bool {
    let plain_targets = data
        .targets
        .iter()
        .all(|t| !t.is_count() && !matches!(t.measure, Measure::Islands | Measure::Towns));
    let whole_targets_decompose = match targets {
        Targets::Enforce => data.targets.iter().all(|t| t.share() >= 1.0),
        Targets::Price(_) => true,
    };
    let per_leader = data.service.levels.iter().any(|level| {
        scope
            .leaders
            .iter()
            .any(|&l| leader_must_host(ctx, hier, level, l))
    });
    data.service.assign == Assign::Capacity
        && scope.mobiles.is_empty()
        && !scope.sites.iter().any(|j| data.suppliers.contains_key(j))
        && !per_leader
        && plain_targets
        && whole_targets_decompose
}

/// The share of a scope's time left that the Lagrangian solver may use before the MILP.
/// It runs its root only (no tree): on the generated archipelagos' school components the
/// MILP's branch-and-bound lifts the bound faster per second than the Lagrangian tree
/// (5,000 settlements, 40 s: gap 0.6% with the root alone, 0.9% with the tree).
const FIRST_SHARE: f64 = 0.4;

/// Solves one scope of a service (with the default solver, [`Backend::Auto`]): coverage
/// scopes beyond the whole-model size that [`coverage::fits`] by the priced-cover relaxation
/// alone, with all the time left; large capacitated scopes that [`fits`] by the Lagrangian
/// solver first, on at most a share of the time left. Its plan stands when its bound proves it
/// within the gap; otherwise the MILP gets the rest of the time, starting from it
/// ([`solve_scope_from`]: the better plan and the higher bound of the two are kept). Every
/// other scope, and any the relaxations find no plan for, is the MILP's
/// ([`super::milp::solve_scope`]).
pub fn solve_scope(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: Targets,
    travel_weight: f64,
    limits: Limits,
) -> Result<Option<ScopeSolution>> {
    let mut start = None;
    if limits.backend == Backend::Auto
        && coverage::fits(data, &targets)
        && coverage::binaries(scope) > coverage::MIN_BINARIES
    {
        // The whole time: on the generated archipelagos' meal and courier components microlp,
        // given the rest after the relaxation, found no better plan (and no plan at all
        // beyond about 1,000 sites), while the relaxation's gap kept closing.
        let sol = coverage::solve(
            ctx,
            hier,
            data,
            scope,
            &targets,
            limits.deadline,
            (limits.mip_gap, limits.warm),
        );
        if let Some(sol) = sol {
            return Ok(Some(sol));
        }
    } else if limits.backend == Backend::Auto
        && fits(ctx, hier, data, scope, &targets)
        && arcs(data, scope) >= MIN_ARCS
    {
        let alone = arcs(data, scope) > MAX_MILP_ARCS;
        let first = if alone {
            limits.deadline
        } else {
            Deadline::after(limits.deadline.remaining().map(|t| t * FIRST_SHARE))
        };
        if let Some(sol) = solve(
            ctx,
            data,
            scope,
            &targets,
            travel_weight,
            first,
            (limits.mip_gap, 0),
        ) {
            if relative_gap(sol.objective, sol.bound) <= limits.mip_gap
                || limits.deadline.expired()
                || alone
            {
                return Ok(Some(sol));
            }
            start = Some(sol);
        }
    }
    solve_scope_from(
        ctx,
        hier,
        data,
        scope,
        (targets, travel_weight),
        limits,
        start,
    )
}

/// Seat-assignment arcs of the scope (settlements with demand times the sites they may use).
pub fn arcs(data: &ServiceData, scope: &Scope) -> usize {
    scope
        .settlements
        .iter()
        .filter(|&&a| data.demand[a] > 0.0)
        .map(|&a| data.reach[a].len())
        .sum()
}

/// The instance and what reading its plan back needs.
struct Translated {
    inst: Instance,
    /// Scope site per instance site, and the decided added seats of each.
    sites: Vec<usize>,
    least_added: Vec<f64>,
    /// Scope settlement per customer.
    customers: Vec<usize>,
    /// The closing costs saved, a constant of every plan (as in the MILP).
    closing_constant: f64,
}

/// Solves a fitting scope; `None` when the instance says no plan exists (or a rule makes it
/// one this solver does not handle): the caller then asks the MILP.
pub fn solve(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
    travel_weight: f64,
    deadline: Deadline,
    (gap, nodes): (f64, usize),
) -> Option<ScopeSolution> {
    let t = translate(ctx, data, scope, targets, travel_weight)?;
    let started = std::time::Instant::now();
    let out = solve_cflp(&t.inst, deadline, gap, nodes)?;
    log::debug!(
        "[plan]   {} component by Lagrangian relaxation: {} sites, {} settlements: plan {:.0}, bound {:.0} ({:.4}), {} iterations, {} nodes, {} transports ({:.2} s), {:.2} s",
        data.service.name,
        t.sites.len(),
        t.customers.len(),
        out.plan.cost,
        out.bound,
        crate::model::relative_gap(out.plan.cost, out.bound),
        out.iterations,
        out.nodes,
        out.transports,
        out.transport_seconds,
        started.elapsed().as_secs_f64()
    );
    let mut sol = ScopeSolution {
        status: if out.plan.cost - out.bound <= 1e-9 * out.plan.cost.abs().max(1.0) {
            Status::Optimal
        } else if out.timed_out {
            Status::TimeLimit
        } else {
            Status::Stalled
        },
        variables: t.inst.customers.iter().map(|c| c.arcs.len()).sum::<usize>() + t.sites.len(),
        by_relaxation: 1,
        ..Default::default()
    };
    let mut money = t.closing_constant;
    for (k, &j) in t.sites.iter().enumerate() {
        if !out.plan.open[k] {
            continue;
        }
        sol.open.push(j);
        money += t.inst.sites[k].fixed_cost;
        let added = t.least_added[k] + out.plan.added[k];
        if added > 1e-9 {
            sol.expansion.push((j, added));
        }
        money += out.plan.added[k] * t.inst.sites[k].extra_cost;
    }
    for (c, &a) in t.customers.iter().enumerate() {
        let w = data.demand[a];
        for &(k, share) in &out.plan.shares[c] {
            let j = t.sites[k];
            let d = data.reach[a].iter().find(|p| p.0 == j).map_or(0.0, |p| p.1);
            money += w * data.sites[j].cost_per_unit * share;
            sol.travel += w * d * share;
            sol.flows.push((a, j, share));
        }
    }
    sol.open.sort_unstable();
    sol.expansion.sort_by_key(|p| p.0);
    sol.flows.sort_by_key(|f| (f.0, f.1));
    sol.cost = money;
    sol.covered = covered_by(ctx, data, scope, &sol);
    sol.objective = sol.cost + travel_weight * sol.travel;
    if let Targets::Price(price) = *targets {
        for (ti, tg) in data.targets.iter().enumerate() {
            if tg.share() < 1.0 {
                sol.objective -= price[ti] * sol.covered[ti];
            }
        }
    }
    sol.bound = (out.bound + t.closing_constant).min(sol.objective);
    Some(sol)
}

fn translate(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
    travel_weight: f64,
) -> Option<Translated> {
    let mut t = Translated {
        inst: Instance::default(),
        sites: scope.sites.clone(),
        least_added: Vec::with_capacity(scope.sites.len()),
        customers: Vec::new(),
        closing_constant: 0.0,
    };
    let local: HashMap<usize, usize> = scope
        .sites
        .iter()
        .enumerate()
        .map(|(k, &j)| (j, k))
        .collect();
    for &j in &scope.sites {
        let s = &data.sites[j];
        let saved = s.close_cost;
        t.closing_constant += saved;
        let expands =
            s.expand_max > 0.0 && s.capacity.is_some() && !matches!(s.origin, SiteOrigin::New(_));
        let least = if expands { s.expand_min } else { 0.0 };
        t.least_added.push(least);
        t.inst.sites.push(Site {
            fixed_cost: s.annual_cost + s.open_cost - saved + least * s.expand_cost_per_unit,
            seats: s.capacity.map(|c| c + least),
            extra: if expands { s.expand_max - least } else { 0.0 },
            extra_cost: s.expand_cost_per_unit,
            state: if least > 0.0 { Some(true) } else { s.fixed },
        });
    }
    let counted =
        |a: usize| (0..data.targets.len()).any(|ti| target_weight(ctx, data, ti, a) > 0.0);
    let in_scope: HashSet<usize> = scope.settlements.iter().copied().collect();
    let mut customer_of: HashMap<usize, usize> = HashMap::new();
    for &a in &scope.settlements {
        let w = data.demand[a];
        let whole: Vec<f64> = (0..data.targets.len())
            .filter(|&ti| data.targets[ti].share() >= 1.0 && target_weight(ctx, data, ti, a) > 0.0)
            .map(|ti| {
                data.targets[ti]
                    .minutes
                    .unwrap_or(data.service.standard_minutes)
            })
            .collect();
        if w <= 0.0 {
            if !whole.is_empty() {
                // Cover required where no pupil is seated: the MILP's row cannot hold.
                return None;
            }
            continue;
        }
        let arcs = data.reach[a]
            .iter()
            .filter(|&&(j, d)| local.contains_key(&j) && whole.iter().all(|&m| d <= m))
            .map(|&(j, d)| {
                let mut cost = w * (data.sites[j].cost_per_unit + travel_weight * d);
                if let Targets::Price(price) = *targets {
                    for (ti, tg) in data.targets.iter().enumerate() {
                        let m = tg.minutes.unwrap_or(data.service.standard_minutes);
                        if tg.share() < 1.0 && d <= m {
                            cost -= price[ti] * target_weight(ctx, data, ti, a);
                        }
                    }
                }
                (local[&j], cost, d <= data.standards[0])
            })
            .collect();
        customer_of.insert(a, t.customers.len());
        t.customers.push(a);
        t.inst.customers.push(Customer {
            demand: w,
            arcs,
            keeps: Vec::new(),
        });
    }
    if data.service.open_before_close {
        for &(a, j) in &data.catchments {
            let Some(&k) = local.get(&j) else { continue };
            if let Some(&c) = customer_of.get(&a) {
                t.inst.customers[c].keeps.push(k);
            } else if in_scope.contains(&a) && counted(a) {
                // A counted settlement without demand is never covered: its school stays.
                match t.inst.sites[k].state {
                    Some(false) => return None,
                    _ => t.inst.sites[k].state = Some(true),
                }
            }
        }
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::super::milp::{solve_scope as milp_only, tests::generated, whole_scope};
    use super::*;
    use crate::scenario::Scenario;

    /// On small generated archipelagos, the capacitated school of the generated scenario (seats,
    /// added seats, open-before-close, a 90% target priced or not): the Lagrangian bound never
    /// exceeds the exact MILP's optimum (microlp, no limit, gap 0) and its plan never costs less;
    /// where it claims optimality the two agree.
    #[test]
    fn the_relaxation_brackets_the_milp_optimum() {
        let scenario =
            Scenario::parse(&crate::synth::scenario_text(), "generated").expect("scenario");
        let mut compared = 0;
        for seed in [1, 2, 3, 4, 5, 6] {
            let (_dir, ds) = generated(10, 120, seed);
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            let school = scenario
                .services
                .iter()
                .find(|s| s.name == "school")
                .expect("school");
            let targets = scenario.targets_of(&school.name).collect();
            let data = super::super::service::prepare(&ctx, &hier, school, targets).expect("data");
            let scope = whole_scope(&ctx, &hier, &data);
            for price in [0.0, 2_000.0, 40_000.0] {
                let prices = vec![price; data.targets.len()];
                let targets = Targets::Price(&prices);
                assert!(
                    fits(&ctx, &hier, &data, &scope, &targets),
                    "seed {seed}: the school fits"
                );
                let limits = Limits {
                    deadline: Deadline::none(),
                    mip_gap: 0.0,
                    backend: Backend::Microlp,
                    warm: None,
                };
                let exact = milp_only(
                    &ctx,
                    &hier,
                    &data,
                    &scope,
                    Targets::Price(&prices),
                    0.01,
                    limits,
                )
                .expect("solves");
                let relaxed = solve(
                    &ctx,
                    &data,
                    &scope,
                    &targets,
                    0.01,
                    Deadline::none(),
                    (1e-3, 300),
                );
                let (Some(exact), Some(relaxed)) = (exact, relaxed) else {
                    panic!("seed {seed} price {price}: one side found no plan");
                };
                assert_eq!(exact.status, Status::Optimal);
                let tol = 1e-6 * exact.objective.abs().max(1.0);
                assert!(
                    relaxed.bound <= exact.objective + tol,
                    "seed {seed} price {price}: bound {} above the optimum {}",
                    relaxed.bound,
                    exact.objective
                );
                assert!(
                    relaxed.objective >= exact.objective - tol,
                    "seed {seed} price {price}: plan {} below the optimum {}",
                    relaxed.objective,
                    exact.objective
                );
                if relaxed.status == Status::Optimal {
                    assert!((relaxed.objective - exact.objective).abs() <= tol);
                }
                compared += 1;
            }
        }
        assert_eq!(compared, 18);
    }
}
