//! A coverage service's scope as a priced covering instance for the Lagrangian solver
//! ([`crate::solve::pcover`]), and its plan read back as the scope's solution.
//!
//! The scope's MILP ([`super::milp`]) and this instance are the same problem where the scope
//! [`fits`]: each settlement's cover per travel-time standard is a point (its prize the priced
//! targets' price times its measure; a target of 100% makes its row one that must hold), an
//! island target's islands are points held by the island's sites and roving teams, a leader's
//! required level is a row that must hold, a supplied site needs one of its suppliers, and
//! cover through a supplied site needs the supplier too (the MILP's supplied-cover row). Scopes
//! with per-person costs, open-before-close, township or count targets stay with the MILP.

use super::context::Context;
use super::data::{ServiceData, island_in_units, leader_must_host};
use super::hierarchy::HierarchyPlan;
use super::milp::{Scope, ScopeSolution, Targets, covered_by, target_weight};
use crate::model::Status;
use crate::scenario::{Assign, Measure};
use crate::solve::Deadline;
use crate::solve::pcover::{Instance, Lhs, Warm, solve_warm as solve_pcover};
use std::collections::HashMap;

/// Scopes with at most this many open/close choices (sites and roving teams) go to the MILP
/// (the size up to which a whole service is one MILP: Daishan's are): it proves them in a
/// fraction of a second. Beyond it microlp soon needs seconds for a first plan (the
/// 100,000-settlement archipelago's 1,200-site meal components: none in 1.5 s). Equal to
/// `plan::decompose::WHOLE_MAX_BINARIES`.
pub const MIN_BINARIES: usize = 400;

/// Whether the scope's model is a priced covering instance this solver handles exactly.
pub fn fits(data: &ServiceData, targets: &Targets) -> bool {
    let plain_targets = data
        .targets
        .iter()
        .all(|t| !t.is_count() && t.measure != Measure::Towns);
    let whole_targets_decompose = match targets {
        Targets::Enforce => data.targets.iter().all(|t| t.share() >= 1.0),
        Targets::Price(_) => true,
    };
    data.service.assign == Assign::Coverage
        && data.sites.iter().all(|s| s.cost_per_unit <= 0.0)
        && !data.service.open_before_close
        && plain_targets
        && whole_targets_decompose
}

/// Open/close choices of a scope.
pub fn binaries(scope: &Scope) -> usize {
    scope.sites.len() + scope.mobiles.len()
}

/// The instance: scope sites first, then the scope's roving teams, as the instance's sites.
struct Translated {
    inst: Instance,
    closing_constant: f64,
}

/// Solves a fitting scope to the relative `gap` or the deadline; `None` when no plan exists
/// (or none was found in time): the caller then asks the MILP.
pub fn solve(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
    deadline: Deadline,
    (gap, warm): (f64, Option<&Warm>),
) -> Option<ScopeSolution> {
    let started = std::time::Instant::now();
    let t = translate(ctx, hier, data, scope, targets);
    let translated = started.elapsed().as_secs_f64();
    let out = solve_pcover(&t.inst, &deadline, gap, warm)?;
    let ns = scope.sites.len();
    let mut sol = ScopeSolution {
        variables: t.inst.cost.len() + t.inst.prize.len(),
        by_relaxation: 1,
        ..Default::default()
    };
    sol.cost = t.closing_constant;
    for (k, &open) in out.open.iter().enumerate() {
        if open {
            sol.cost += t.inst.cost[k];
            if k < ns {
                sol.open.push(scope.sites[k]);
            } else {
                sol.mobile.push(scope.mobiles[k - ns]);
            }
        }
    }
    sol.open.sort_unstable();
    sol.mobile.sort_unstable();
    // Cover measured on the plan itself, by the reports' own rule.
    sol.covered = covered_by(ctx, data, scope, &sol);
    sol.objective = sol.cost;
    if let Targets::Price(price) = *targets {
        for (ti, tg) in data.targets.iter().enumerate() {
            if tg.share() < 1.0 {
                sol.objective -= price[ti] * sol.covered[ti];
            }
        }
    }
    sol.bound = out.bound.min(sol.objective);
    sol.status = if out.proven {
        Status::Optimal
    } else if deadline.expired() {
        Status::TimeLimit
    } else {
        Status::Stalled
    };
    log::debug!(
        "[plan]   {} component by Lagrangian relaxation (covering): {} sites, {} roving teams, {} points, {} rows ({} entries): plan {:.0} (solver's {:.0}), bound {:.0} ({:.4}), {:.2} s ({:.2} s building it)",
        data.service.name,
        ns,
        scope.mobiles.len(),
        t.inst.prize.len(),
        t.inst.rows.len(),
        t.inst.rows.iter().map(|r| r.1.len()).sum::<usize>(),
        sol.objective,
        out.objective,
        sol.bound,
        crate::model::relative_gap(sol.objective, sol.bound),
        started.elapsed().as_secs_f64(),
        translated
    );
    Some(sol)
}

/// Per scope site (instance index), its suppliers as instance indices (`None`: not a
/// supplied site), looked up once: each settlement's cover through supplied sites unites the
/// suppliers of every site near it (the 100,000-settlement hub's meal points: 300 sites of
/// 300 suppliers each per village; looked up per village, 12 s of hashing per priced round).
fn local_suppliers(
    data: &ServiceData,
    scope: &Scope,
    local: &HashMap<usize, u32>,
) -> Vec<Option<Vec<u32>>> {
    scope
        .sites
        .iter()
        .map(|j| {
            let from = data.suppliers.get(j)?;
            Some(from.iter().filter_map(|c| local.get(c)).copied().collect())
        })
        .collect()
}

/// The sites (instance indices) that cover settlement position `a` within `m` minutes, and
/// those that cover it through a supplied site (the suppliers in its place), collected with
/// `mark` (one stamp per instance site, all below `stamp` on entry).
fn cover_rows(
    data: &ServiceData,
    (local, supplied): (&HashMap<usize, u32>, &[Option<Vec<u32>>]),
    (a, m): (usize, f64),
    mark: &mut [u32],
    stamp: u32,
) -> (Vec<u32>, Option<Vec<u32>>) {
    let mut direct = Vec::new();
    let mut via = Vec::new();
    let mut take = |k: u32, via: &mut Vec<u32>| {
        if mark[k as usize] != stamp {
            mark[k as usize] = stamp;
            via.push(k);
        }
    };
    for &(j, d) in &data.reach[a] {
        let Some(&k) = local.get(&j).filter(|_| d <= m) else {
            continue;
        };
        direct.push(k);
        match &supplied[k as usize] {
            Some(from) => from.iter().for_each(|&c| take(c, &mut via)),
            None => take(k, &mut via),
        }
    }
    via.sort_unstable();
    (direct, (!data.suppliers.is_empty()).then_some(via))
}

/// Each settlement's cover per travel-time standard: a point earning the priced targets'
/// price times its measure, or rows that must hold where a target of 100% counts it.
fn settlement_points(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    local: (&HashMap<usize, u32>, &[Option<Vec<u32>>]),
    price: &dyn Fn(usize) -> f64,
    inst: &mut Instance,
) {
    let mut mark = vec![0u32; scope.sites.len()];
    let mut stamp = 0;
    for &a in &scope.settlements {
        for (si, &m) in data.standards.iter().enumerate() {
            let mut prize = 0.0;
            let mut must = false;
            for (ti, t) in data.targets.iter().enumerate() {
                if t.measure == Measure::Islands || data.standard_index(t) != si {
                    continue;
                }
                let w = target_weight(ctx, data, ti, a);
                if w <= 0.0 {
                    continue;
                }
                must |= t.share() >= 1.0;
                prize += price(ti) * w;
            }
            if !must && prize <= 0.0 {
                continue;
            }
            stamp += 1;
            let (direct, via) = cover_rows(data, local, (a, m), &mut mark, stamp);
            let lhs = point(inst, must, prize);
            inst.rows.push((lhs, direct));
            if let Some(via) = via {
                inst.rows.push((lhs, via));
            }
        }
    }
}

/// The left side for a point: the constant 1 when it must be covered (its prize then a
/// constant of every plan), else a new point with its prize.
fn point(inst: &mut Instance, must: bool, prize: f64) -> Lhs {
    if must {
        inst.constant -= prize;
        Lhs::One
    } else {
        inst.prize.push(prize);
        Lhs::Point(inst.prize.len() as u32 - 1)
    }
}

fn translate(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
) -> Translated {
    let mut inst = Instance::default();
    let mut closing_constant = 0.0;
    let local: HashMap<usize, u32> = scope
        .sites
        .iter()
        .enumerate()
        .map(|(k, &j)| (j, k as u32))
        .collect();
    for &j in &scope.sites {
        let s = &data.sites[j];
        closing_constant += s.close_cost;
        inst.cost.push(s.annual_cost + s.open_cost - s.close_cost);
        inst.state.push(s.fixed);
    }
    for &mi in &scope.mobiles {
        inst.cost.push(data.mobile_options[mi].annual_cost);
        inst.state.push(None);
    }
    inst.constant = closing_constant;
    let price = |ti: usize| match *targets {
        Targets::Price(p) if data.targets[ti].share() < 1.0 => p[ti],
        _ => 0.0,
    };
    let supplied = local_suppliers(data, scope, &local);
    settlement_points(ctx, data, scope, (&local, &supplied), &price, &mut inst);
    // The scope's sites and roving teams (instance indices) by island, in one pass (not one
    // scan of the sites per island or leader: the 100,000-settlement clinic component has
    // 61,204 sites).
    let ns = scope.sites.len();
    let mut on_island: HashMap<usize, Vec<u32>> = HashMap::new();
    for (q, &j) in scope.sites.iter().enumerate() {
        on_island
            .entry(data.sites[j].island)
            .or_default()
            .push(q as u32);
    }
    let mut roving_for: HashMap<usize, Vec<u32>> = HashMap::new();
    for (q, &mi) in scope.mobiles.iter().enumerate() {
        let k = data.mobile_options[mi].island;
        roving_for.entry(k).or_default().push((ns + q) as u32);
    }
    let none = Vec::new();
    // Islands of island targets: held by a site on the island or a roving team for it.
    for &k in &scope.islands {
        let mut prize = 0.0;
        let mut must = false;
        for (ti, t) in data.targets.iter().enumerate() {
            if t.measure == Measure::Islands && island_in_units(ctx, t, k) {
                must |= t.share() >= 1.0;
                prize += price(ti);
            }
        }
        if !must && prize <= 0.0 {
            continue;
        }
        let mut here = on_island.get(&k).unwrap_or(&none).clone();
        here.extend(roving_for.get(&k).unwrap_or(&none));
        let lhs = point(&mut inst, must, prize);
        inst.rows.push((lhs, here));
    }
    // Every leader hosts its required levels.
    for level in data.service.levels.iter().filter(|l| l.per_leader) {
        for &l in &scope.leaders {
            if leader_must_host(ctx, hier, level, l) {
                let here = on_island.get(&l).unwrap_or(&none);
                let here = here
                    .iter()
                    .copied()
                    .filter(|&q| data.sites[scope.sites[q as usize]].level == level.level)
                    .collect();
                inst.rows.push((Lhs::One, here));
            }
        }
    }
    // A supplied site needs one of its suppliers.
    for (q, from) in supplied.into_iter().enumerate() {
        if let Some(rhs) = from {
            inst.rows.push((Lhs::Site(q as u32), rhs));
        }
    }
    Translated {
        inst,
        closing_constant,
    }
}

#[cfg(test)]
mod tests {
    use super::super::milp::tests::generated;
    use super::super::milp::{Limits, solve_scope as milp_only, whole_scope};
    use super::*;
    use crate::scenario::Scenario;
    use crate::solve::Backend;

    /// On small generated archipelagos, each coverage service of the generated scenario
    /// (courier points with their per-leader stations, meal points with their canteens'
    /// supply, clinics with roving teams and the every-island target), at several target
    /// prices: the relaxation's plan, searched to gap 0 without a limit, costs exactly the
    /// exact MILP's optimum (microlp, gap 0), and its cover is its own plan's.
    #[test]
    fn the_relaxation_finds_the_milp_optimum() {
        let scenario =
            Scenario::parse(&crate::synth::scenario_text(), "generated").expect("scenario");
        let mut compared = 0;
        for seed in [1, 2, 3, 4] {
            let (_dir, ds) = generated(8, 70, seed);
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            for service in &scenario.services {
                let targets = scenario.targets_of(&service.name).collect();
                let data =
                    super::super::service::prepare(&ctx, &hier, service, targets).expect("data");
                let scope = whole_scope(&ctx, &hier, &data);
                for price in [0.0, 5_000.0, 30_000.0, 400_000.0] {
                    let prices = vec![price; data.targets.len()];
                    let targets = Targets::Price(&prices);
                    if !fits(&data, &targets) {
                        assert_eq!(service.name, "school", "{} should fit", service.name);
                        continue;
                    }
                    let limits = Limits {
                        deadline: Deadline::none(),
                        mip_gap: 0.0,
                        backend: Backend::Microlp,
                        warm: None,
                    };
                    let exact = milp_only(&ctx, &hier, &data, &scope, targets, 0.01, limits)
                        .expect("solves");
                    let relaxed = solve(
                        &ctx,
                        &hier,
                        &data,
                        &scope,
                        &targets,
                        Deadline::none(),
                        (0.0, None),
                    );
                    let (Some(exact), Some(relaxed)) = (exact, relaxed) else {
                        panic!(
                            "seed {seed} {} price {price}: one side found no plan",
                            service.name
                        );
                    };
                    assert_eq!(exact.status, Status::Optimal);
                    let tol = 1e-6 * exact.objective.abs().max(1.0);
                    assert!(
                        (relaxed.objective - exact.objective).abs() <= tol,
                        "seed {seed} {} price {price}: relaxation {} MILP {}",
                        service.name,
                        relaxed.objective,
                        exact.objective
                    );
                    assert_eq!(relaxed.status, Status::Optimal);
                    assert!((relaxed.bound - relaxed.objective).abs() <= tol);
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 4 * 3 * 4);
    }
}
