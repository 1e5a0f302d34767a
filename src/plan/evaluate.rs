//! An independent check of a coverage service's plan, computed from the open sites alone
//! (not from the model's variables), and the travel tie-break built on it.
//!
//! The check recomputes cost, coverage at every standard, targets, one higher-level site per
//! leader, hub-and-spoke supply, open-before-close and fixed decisions. Tests use it to verify
//! every solve; the tie-break uses it to swap a site for another of equal cost when that
//! shortens trips without breaking anything.

use super::context::Context;
use super::data::{Served, ServiceData, covered_measure, leader_must_host, target_total};
use super::hierarchy::HierarchyPlan;

/// Cost and demand-weighted travel of a feasible plan (uncovered demand counts as a trip of
/// twice the standard).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub cost: f64,
    pub travel: f64,
}

/// Checks a coverage service's open sites and roving teams against every rule.
pub fn check_coverage(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    open: &[bool],
    mobile: &[bool],
) -> Result<Verdict, String> {
    let sites = &data.sites;
    let service = data.service;
    let standard = service.standard_minutes;
    for (j, s) in sites.iter().enumerate() {
        if let Some(f) = s.fixed
            && f != open[j]
        {
            return Err(format!(
                "site `{}` must be {}",
                s.id,
                if f { "open" } else { "closed" }
            ));
        }
    }
    let mut cost = 0.0;
    for (j, s) in sites.iter().enumerate() {
        if open[j] {
            cost += s.annual_cost + s.open_cost;
        } else if s.is_existing() {
            cost += s.close_cost;
        }
    }
    for (m, &on) in data.mobile_options.iter().zip(mobile) {
        if on {
            cost += m.annual_cost;
        }
    }
    // Nearest open site and cheapest per-unit cost within the standard, per settlement.
    let mut travel = 0.0;
    for (a, row) in data.reach.iter().enumerate() {
        let w = data.demand[a];
        if w <= 0.0 {
            continue;
        }
        let mut nearest = f64::INFINITY;
        let mut unit = f64::INFINITY;
        for &(j, d) in row {
            if open[j] {
                nearest = nearest.min(d);
                if d <= standard {
                    unit = unit.min(sites[j].cost_per_unit);
                }
            }
        }
        if nearest <= standard {
            travel += w * nearest;
            cost += w * unit;
        } else {
            travel += w * 2.0 * standard;
        }
    }
    let roving = |k: usize| {
        data.mobile_options
            .iter()
            .zip(mobile)
            .any(|(m, &on)| on && m.island == k)
    };
    let served = Served {
        open: &|j| open[j],
        roving: &roving,
        seated: None,
        // Coverage services add no seats.
        expansion: &|_| 0.0,
    };
    let all: Vec<usize> = (0..ctx.settlements.len()).collect();
    for t in &data.targets {
        let total = target_total(ctx, data, t);
        let covered = covered_measure(ctx, data, t, &all, &ctx.inhabited_islands, &served);
        let achieved = if total > 0.0 { covered / total } else { 1.0 };
        if !super::data::target_met(t, achieved) {
            return Err(format!(
                "target \"{}\" reaches {:.4}, short of its requirement",
                t.name, achieved
            ));
        }
    }
    for level in service.levels.iter().filter(|l| l.per_leader) {
        for &l in &hier.leaders {
            if leader_must_host(ctx, hier, level, l)
                && !sites
                    .iter()
                    .enumerate()
                    .any(|(j, s)| open[j] && s.island == l && s.level == level.level)
            {
                return Err(format!(
                    "leader `{}` has no open {}",
                    ctx.ds.islands[l].id,
                    level.display_name()
                ));
            }
        }
    }
    for (&j, from) in &data.suppliers {
        if open[j] && !from.iter().any(|&c| open[c]) {
            return Err(format!(
                "site `{}` has no open supplier in reach",
                sites[j].id
            ));
        }
    }
    if service.open_before_close {
        for &(a, j) in &data.catchments {
            if !open[j] && !data.reach[a].iter().any(|&(k, d)| open[k] && d <= standard) {
                return Err(format!(
                    "site `{}` closed but settlement position {a} it served lost cover",
                    sites[j].id
                ));
            }
        }
    }
    Ok(Verdict { cost, travel })
}

/// Swaps an open site for a closed one of the same level when the plan stays feasible, costs
/// no more, and trips get shorter; repeats until no swap helps or the work budget runs out.
///
/// The budget counts work, not seconds (settlement-to-site pairs scanned by the checks, at
/// most `work`), so the same inputs give the same plan on any machine at any load.
pub fn tiebreak(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    open: &mut [bool],
    mobile: &[bool],
    work: usize,
) {
    let per_check = data.reach.iter().map(Vec::len).sum::<usize>().max(1);
    let mut checks_left = (work / per_check).max(50);
    let Ok(mut current) = check_coverage(ctx, hier, data, open, mobile) else {
        return;
    };
    let sites = &data.sites;
    // Sites sharing at least one reachable settlement are the only useful swaps.
    let mut reached_by: Vec<Vec<usize>> = vec![Vec::new(); sites.len()];
    for (a, row) in data.reach.iter().enumerate() {
        for &(j, _) in row {
            reached_by[j].push(a);
        }
    }
    loop {
        let mut best: Option<(usize, usize, Verdict)> = None;
        let movable: Vec<usize> = (0..sites.len())
            .filter(|&j| open[j] && sites[j].fixed.is_none())
            .collect();
        for j in movable {
            let mut neighbours: Vec<usize> = reached_by[j]
                .iter()
                .flat_map(|&a| data.reach[a].iter().map(|&(k, _)| k))
                .filter(|&k| {
                    !open[k] && sites[k].fixed.is_none() && sites[k].level == sites[j].level
                })
                .collect();
            neighbours.sort_unstable();
            neighbours.dedup();
            for k in neighbours {
                if checks_left == 0 {
                    return;
                }
                checks_left -= 1;
                open[j] = false;
                open[k] = true;
                if let Ok(v) = check_coverage(ctx, hier, data, open, mobile)
                    && v.cost <= current.cost + 1e-6 * current.cost.abs().max(1.0)
                    && v.travel < current.travel - 1e-9
                    && best.as_ref().is_none_or(|b| v.travel < b.2.travel)
                {
                    best = Some((j, k, v));
                }
                open[j] = true;
                open[k] = false;
            }
        }
        match best {
            Some((j, k, v)) => {
                open[j] = false;
                open[k] = true;
                current = v;
            }
            None => return,
        }
    }
}
