//! The "1+4+N" island hierarchy: which islands lead (hub, sub-centres) and which community
//! every island belongs to.
//!
//! Leaders are chosen to minimise the population-weighted travel time from every inhabited
//! island to its leader, subject to the leader-time limit: a p-median over islands. Fixed tiers
//! (from the data's `tier` property or the scenario) are honoured. The choice is exact (every
//! combination evaluated) when the combinations are few, else greedy plus swaps, and says so.

use super::context::Context;
use crate::error::{Error, Result};
use crate::layers::Tier;
use serde::Serialize;

/// Combinations evaluated exhaustively up to this count.
const EXACT_LIMIT: u128 = 200_000;

#[derive(Debug, Clone, Serialize)]
pub struct HierarchyPlan {
    /// Tier index of each island (into the scenario's tiers); external and uninhabited
    /// islands get the last tier.
    pub tier: Vec<usize>,
    /// Community leader of each inhabited planned island (itself for leaders).
    pub leader: Vec<Option<usize>>,
    /// Minutes from the island's centre to its leader's centre.
    pub minutes_to_leader: Vec<Option<f64>>,
    /// For leaders below the hub: the higher-tier leader they refer to.
    pub parent: Vec<Option<usize>>,
    /// Leaders, hub first, then by tier and island index.
    pub leaders: Vec<usize>,
    /// How the leaders were chosen.
    pub method: String,
    /// Population-weighted mean minutes from an island to its leader.
    pub mean_minutes_to_leader: f64,
}

impl HierarchyPlan {
    pub fn is_leader(&self, island: usize) -> bool {
        self.leaders.contains(&island)
    }
}

/// Number of k-subsets of n, or `None` when it exceeds [`EXACT_LIMIT`].
fn binomial(n: usize, k: usize) -> Option<u128> {
    let k = k.min(n.saturating_sub(k));
    let mut r: u128 = 1;
    for i in 0..k {
        // Exact at every step: r * (n - i) is divisible by (i + 1).
        r = r * (n - i) as u128 / (i as u128 + 1);
        if r > EXACT_LIMIT {
            return None;
        }
    }
    Some(r)
}

pub fn choose(ctx: &Context) -> Result<HierarchyPlan> {
    let h = &ctx.scenario.hierarchy;
    let n = ctx.ds.islands.len();
    let last = h.tiers.len() - 1;
    let fixed = fixed_tiers(ctx)?;
    let mut seats = free_seats_per_tier(ctx, &fixed)?;
    let free = free_islands(ctx, &fixed)?;
    let shortfall = fit_seats(ctx, &mut seats, &free)?;
    let free_seats: usize = seats.iter().sum();

    let fixed_leaders: Vec<usize> = (0..n)
        .filter(|&k| fixed[k].is_some_and(|t| t < last))
        .collect();
    let limit = h.leader_minutes;
    let time = |k: usize, l: usize| ctx.minutes_to_leader(k, l).filter(|&t| t <= limit);
    let inhabited = &ctx.inhabited_islands;

    // Cost of a leader set: residents of islands no leader reaches in time (must be 0), then
    // population-weighted minutes to the nearest leader.
    let cost_of = |leaders: &[usize]| -> Access {
        let mut a = Access {
            unreached: 0,
            minutes: 0.0,
        };
        for &k in inhabited {
            let best = leaders
                .iter()
                .filter_map(|&l| time(k, l))
                .fold(f64::INFINITY, f64::min);
            if best.is_infinite() {
                a.unreached += ctx.island_population[k];
            } else {
                a.minutes += ctx.island_population[k] as f64 * best;
            }
        }
        a
    };

    let (chosen, method) = if let Some(combos) = binomial(free.len(), free_seats) {
        (
            exhaustive(&free, free_seats, &fixed_leaders, &cost_of),
            format!(
                "exact: all {combos} combination(s) of {} eligible island(s)",
                free.len()
            ),
        )
    } else {
        (
            greedy_swap(&free, free_seats, &fixed_leaders, &cost_of),
            format!(
                "heuristic: greedy + swaps over {} eligible islands (over {EXACT_LIMIT} combinations)",
                free.len()
            ),
        )
    };
    let Some(chosen) = chosen else {
        return Err(Error::Infeasible(explain_unreachable(
            ctx,
            &fixed_leaders,
            &free,
        )));
    };
    let method = if shortfall > 0 {
        format!("{method}; {shortfall} leader seat(s) left empty: too few eligible islands")
    } else {
        method
    };
    let tier = assign_tiers(ctx, &fixed, &seats, &chosen);
    let mut leaders: Vec<usize> = (0..n).filter(|&k| tier[k] < last).collect();
    leaders.sort_by_key(|&k| (tier[k], k));
    Ok(communities(ctx, tier, leaders, method, &time))
}

/// Fixed tiers: the data's island `tier`, then the scenario's `fixed` (which wins); the hub
/// is the hub tier.
fn fixed_tiers(ctx: &Context) -> Result<Vec<Option<usize>>> {
    let ds = ctx.ds;
    let h = &ctx.scenario.hierarchy;
    let n = ds.islands.len();
    let last = h.tiers.len() - 1;
    let tier_index = |name: &str| h.tiers.iter().position(|t| t.name == name);
    let hub = ctx.hub;
    let mut fixed: Vec<Option<usize>> = vec![None; n];
    for (k, island) in ds.islands.iter().enumerate() {
        fixed[k] = match island.tier {
            Some(Tier::Subcenter) if last >= 2 => Some(1),
            Some(Tier::Small) => Some(last),
            _ => None,
        };
    }
    for (id, tier) in &h.fixed {
        let k = ctx.island_index(id).ok_or_else(|| {
            Error::Usage(format!(
                "scenario hierarchy.fixed: island `{id}` is not in the data set"
            ))
        })?;
        let t = tier_index(tier).ok_or_else(|| {
            Error::Usage(format!(
                "scenario hierarchy.fixed.{id}: unknown tier `{tier}`"
            ))
        })?;
        fixed[k] = Some(t);
    }
    if let Some(k) = (0..n).find(|&k| k != hub && fixed[k] == Some(0)) {
        return Err(Error::Usage(format!(
            "island `{}` is fixed as the hub tier, but the hub is `{}`",
            ds.islands[k].id, ds.islands[hub].id
        )));
    }
    fixed[hub] = Some(0);
    Ok(fixed)
}

/// Free leader seats per tier (the tier's count less its fixed islands).
fn free_seats_per_tier(ctx: &Context, fixed: &[Option<usize>]) -> Result<Vec<usize>> {
    let (ds, h) = (ctx.ds, &ctx.scenario.hierarchy);
    let (n, last) = (ds.islands.len(), h.tiers.len() - 1);
    let inhabited = &ctx.inhabited_islands;
    let mut seats = vec![0usize; h.tiers.len()];
    for (t, spec) in h.tiers.iter().enumerate().take(last).skip(1) {
        let count = spec.count.unwrap_or(0);
        let fixed_here: Vec<usize> = (0..n).filter(|&k| fixed[k] == Some(t)).collect();
        if fixed_here.len() > count {
            return Err(Error::Usage(format!(
                "{} islands are fixed as `{}` but the tier holds {count}",
                fixed_here.len(),
                spec.name
            )));
        }
        for &k in &fixed_here {
            if !inhabited.contains(&k) {
                return Err(Error::Usage(format!(
                    "island `{}` is fixed as `{}` but nobody lives there",
                    ds.islands[k].id, spec.name
                )));
            }
        }
        seats[t] = count - fixed_here.len();
    }
    Ok(seats)
}

/// Islands that may take a free seat: eligible, inhabited and not fixed; ascending.
fn free_islands(ctx: &Context, fixed: &[Option<usize>]) -> Result<Vec<usize>> {
    let h = &ctx.scenario.hierarchy;
    let inhabited = &ctx.inhabited_islands;
    let eligible: Vec<usize> = match &h.eligible {
        Some(list) => {
            let mut v = Vec::new();
            for id in list {
                let k = ctx.island_index(id).ok_or_else(|| {
                    Error::Usage(format!(
                        "scenario hierarchy.eligible: island `{id}` is not in the data set"
                    ))
                })?;
                v.push(k);
            }
            v
        }
        None => inhabited
            .iter()
            .copied()
            .filter(|&k| ctx.island_population[k] >= h.min_leader_population)
            .collect(),
    };
    let mut free: Vec<usize> = eligible
        .into_iter()
        .filter(|&k| fixed[k].is_none() && inhabited.contains(&k))
        .collect();
    free.sort_unstable();
    free.dedup();
    Ok(free)
}

/// With too few free islands, leaves seats empty from the lowest leader tiers up when the
/// scenario allows it (the count left empty), else explains why no hierarchy exists.
fn fit_seats(ctx: &Context, seats: &mut [usize], free: &[usize]) -> Result<usize> {
    let (ds, h) = (ctx.ds, &ctx.scenario.hierarchy);
    let last = h.tiers.len() - 1;
    let mut free_seats: usize = seats.iter().sum();
    let mut shortfall = 0;
    if free.len() < free_seats && h.allow_fewer_leaders {
        shortfall = free_seats - free.len();
        free_seats = free.len();
        // Drop the missing seats from the lowest leader tiers first.
        let mut left = shortfall;
        for t in (1..last).rev() {
            let cut = seats[t].min(left);
            seats[t] -= cut;
            left -= cut;
        }
    }
    if free.len() < free_seats {
        return Err(Error::Infeasible(format!(
            "the hierarchy needs {} more leader island(s): {free_seats} leader seat(s) are not \
             fixed but only {} island(s) are eligible ({}); lower the tier counts, \
             `min_leader_population` ({}), or list more islands in hierarchy.eligible",
            free_seats - free.len(),
            free.len(),
            free.iter()
                .map(|&k| format!("`{}`", ds.islands[k].id))
                .collect::<Vec<_>>()
                .join(", "),
            h.min_leader_population
        )));
    }
    Ok(shortfall)
}

/// The best leader set over every combination of `seats` free islands (`None`: none reaches
/// every inhabited island in time).
fn exhaustive(
    free: &[usize],
    free_seats: usize,
    fixed_leaders: &[usize],
    cost_of: &dyn Fn(&[usize]) -> Access,
) -> Option<Vec<usize>> {
    let mut best: Option<(Access, Vec<usize>)> = None;
    let mut pick: Vec<usize> = (0..free_seats).collect();
    loop {
        let mut leaders = fixed_leaders.to_vec();
        leaders.extend(pick.iter().map(|&i| free[i]));
        let c = cost_of(&leaders);
        if c.unreached == 0 && best.as_ref().is_none_or(|(b, _)| c.better_than(b)) {
            best = Some((c, pick.iter().map(|&i| free[i]).collect()));
        }
        // next combination in lexicographic order
        let mut i = free_seats;
        loop {
            if i == 0 {
                break;
            }
            i -= 1;
            if pick[i] < free.len() - free_seats + i {
                pick[i] += 1;
                for j in i + 1..free_seats {
                    pick[j] = pick[j - 1] + 1;
                }
                i = usize::MAX;
                break;
            }
        }
        if i != usize::MAX {
            break;
        }
    }
    best.map(|(_, s)| s)
}

/// Tiers: fixed ones stay; chosen islands fill free seats, larger populations first.
fn assign_tiers(
    ctx: &Context,
    fixed: &[Option<usize>],
    seats: &[usize],
    chosen: &[usize],
) -> Vec<usize> {
    let n = ctx.ds.islands.len();
    let last = ctx.scenario.hierarchy.tiers.len() - 1;
    let mut tier = vec![last; n];
    for k in 0..n {
        if let Some(t) = fixed[k] {
            tier[k] = t;
        }
    }
    let mut by_pop = chosen.to_vec();
    by_pop.sort_by(|&a, &b| {
        ctx.island_population[b]
            .cmp(&ctx.island_population[a])
            .then(a.cmp(&b))
    });
    let mut seats_left = seats.to_vec();
    for k in by_pop {
        if let Some(t) = (1..last).find(|&t| seats_left[t] > 0) {
            seats_left[t] -= 1;
            tier[k] = t;
        }
    }

    tier
}

/// Each inhabited island's community (nearest leader in time), each leader's parent (nearest
/// higher-tier leader) and the population-weighted mean minutes to the leader.
fn communities(
    ctx: &Context,
    tier: Vec<usize>,
    leaders: Vec<usize>,
    method: String,
    time: &dyn Fn(usize, usize) -> Option<f64>,
) -> HierarchyPlan {
    let n = ctx.ds.islands.len();
    let inhabited = &ctx.inhabited_islands;
    let mut leader = vec![None; n];
    let mut minutes_to_leader = vec![None; n];
    let mut weighted = 0.0;
    let mut people = 0.0;
    for &k in inhabited {
        let best = leaders
            .iter()
            .filter_map(|&l| time(k, l).map(|t| (t, l)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some((t, l)) = best {
            leader[k] = Some(l);
            minutes_to_leader[k] = Some(t);
            weighted += ctx.island_population[k] as f64 * t;
            people += ctx.island_population[k] as f64;
        }
    }
    for &l in &leaders {
        leader[l] = Some(l);
        minutes_to_leader[l] = Some(0.0);
    }
    let mut parent = vec![None; n];
    for &l in leaders.iter().filter(|&&l| tier[l] > 0) {
        // Leaders are few: one search from each.
        let from_l = ctx.minutes_from(l);
        parent[l] = leaders
            .iter()
            .filter(|&&u| tier[u] < tier[l])
            .filter_map(|&u| from_l[u].map(|t| (t, u)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, u)| u);
    }
    HierarchyPlan {
        tier,
        leader,
        minutes_to_leader,
        parent,
        leaders,
        method,
        mean_minutes_to_leader: if people > 0.0 { weighted / people } else { 0.0 },
    }
}

/// Residents left without a leader in time, and population-weighted minutes of the rest.
#[derive(Debug, Clone, Copy)]
struct Access {
    unreached: u64,
    minutes: f64,
}

impl Access {
    fn better_than(&self, other: &Access) -> bool {
        (self.unreached, self.minutes) < (other.unreached, other.minutes)
    }
}

/// Greedy additions, then first-improvement swaps until none helps.
fn greedy_swap(
    free: &[usize],
    seats: usize,
    fixed_leaders: &[usize],
    cost_of: &dyn Fn(&[usize]) -> Access,
) -> Option<Vec<usize>> {
    let mut chosen: Vec<usize> = Vec::new();
    let with = |chosen: &[usize], extra: Option<usize>| {
        let mut l = fixed_leaders.to_vec();
        l.extend_from_slice(chosen);
        l.extend(extra);
        l
    };
    for _ in 0..seats {
        let mut best: Option<(Access, usize)> = None;
        for &k in free.iter().filter(|k| !chosen.contains(k)) {
            let c = cost_of(&with(&chosen, Some(k)));
            if best.as_ref().is_none_or(|(b, _)| c.better_than(b)) {
                best = Some((c, k));
            }
        }
        chosen.push(best?.1);
    }
    let mut current = cost_of(&with(&chosen, None));
    loop {
        let mut improved = false;
        'outer: for i in 0..chosen.len() {
            for &k in free {
                if chosen.contains(&k) {
                    continue;
                }
                let mut trial = chosen.clone();
                trial[i] = k;
                let c = cost_of(&with(&trial, None));
                if c.better_than(&current) {
                    chosen = trial;
                    current = c;
                    improved = true;
                    break 'outer;
                }
            }
        }
        if !improved {
            break;
        }
    }
    (current.unreached == 0).then_some(chosen)
}

/// Why no leader set works: the inhabited islands no possible leader reaches in time.
fn explain_unreachable(ctx: &Context, fixed_leaders: &[usize], free: &[usize]) -> String {
    let limit = ctx.scenario.hierarchy.leader_minutes;
    let possible: Vec<usize> = fixed_leaders.iter().chain(free).copied().collect();
    let mut lines = Vec::new();
    for &k in &ctx.inhabited_islands {
        if possible
            .iter()
            .any(|&l| ctx.minutes_to_leader(k, l).is_some_and(|t| t <= limit))
        {
            continue;
        }
        // Only for the islands left out: one search each, to name the nearest leader.
        let from_k = ctx.minutes_from(k);
        let nearest = possible
            .iter()
            .filter_map(|&l| from_k[l].map(|t| (t, l)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match nearest {
            Some((t, _)) if t <= limit => {}
            Some((t, l)) => lines.push(format!(
                "`{}` (nearest possible leader `{}` is {t:.0} min away)",
                ctx.ds.islands[k].id, ctx.ds.islands[l].id
            )),
            None => lines.push(format!(
                "`{}` (no possible leader is reachable at all)",
                ctx.ds.islands[k].id
            )),
        }
    }
    if lines.is_empty() {
        format!(
            "no choice of leaders puts every inhabited island within hierarchy.leader_minutes = \
             {limit} of a leader; allow more sub-centres or a longer leader time"
        )
    } else {
        format!(
            "these inhabited islands cannot reach any possible leader within \
             hierarchy.leader_minutes = {limit}: {}",
            lines.join(", ")
        )
    }
}
