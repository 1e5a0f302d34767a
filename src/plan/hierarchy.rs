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

/// The largest `min_leader_population`, at most `cap`, at which every inhabited island has an
/// island that may lead within `hierarchy.leader_minutes` of it (itself included; the hub,
/// fixed and tiered islands may lead whatever their size): what a scenario written for data
/// its writer has not seen (`generate`) can demand without being infeasible by construction.
pub fn fitting_min_leader_population(
    ds: &crate::layers::DataSet,
    scenario: &crate::scenario::Scenario,
    cap: u64,
) -> Result<u64> {
    let mut open = scenario.clone();
    open.hierarchy.min_leader_population = 0;
    open.hierarchy.eligible = None;
    let ctx = Context::new(ds, &open)?;
    let always = ctx.may_lead_regardless();
    let mut fit = cap;
    for &k in &ctx.inhabited_islands {
        let best = ctx
            .leaders_within(k)
            .map(|l| {
                if always[l] {
                    u64::MAX
                } else {
                    ctx.island_population[l]
                }
            })
            .max()
            .unwrap_or(0);
        fit = fit.min(best);
    }
    Ok(fit)
}

pub fn choose(ctx: &Context) -> Result<HierarchyPlan> {
    choose_within(ctx, None)
}

/// [`choose`] within `time_limit` seconds for the search over many islands (the exhaustive
/// search of few combinations takes no limit).
pub fn choose_within(ctx: &Context, time_limit: Option<f64>) -> Result<HierarchyPlan> {
    let h = &ctx.scenario.hierarchy;
    let n = ctx.ds.islands.len();
    let last = h.tiers.len() - 1;
    let head = together(ctx)?;
    let mut fixed = fixed_tiers(ctx)?;
    for (k, f) in head.iter().enumerate() {
        let Some(first) = *f else { continue };
        if fixed[k].is_some_and(|t| t < last) {
            return Err(Error::Usage(format!(
                "island `{}` is fixed as a leader, but hierarchy.together puts it in the \
                 community of `{}`, which leads for the group",
                ctx.ds.islands[k].id, ctx.ds.islands[first].id
            )));
        }
        fixed[k] = Some(last);
    }
    let free = free_islands(ctx, &fixed)?;
    // With a limit, the set cover of an `"auto"` tier (or the feasibility check before the
    // p-median) gets half of it and the p-median what is left.
    let started = std::time::Instant::now();
    let cover_limit = time_limit.map(|t| t / 2.0);
    let TierCounts {
        counts,
        note: auto_note,
        cover,
    } = tier_counts(ctx, &fixed, &free, cover_limit)?;
    let mut seats = free_seats_per_tier(ctx, &fixed, &counts)?;
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
            match leader_of(k, leaders, &head, &time) {
                None => a.unreached += ctx.island_population[k],
                Some((best, _)) => a.minutes += ctx.island_population[k] as f64 * best,
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
        let left = time_limit.map(|t| (t - started.elapsed().as_secs_f64()).max(t / 10.0));
        let limits = (cover_limit, left);
        leaders_by_pmedian(ctx, (&free, free_seats, &fixed_leaders), cover, limits)?
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
    let method = match auto_note {
        Some(note) => format!("{note}; {method}"),
        None => method,
    };
    let tier = assign_tiers(ctx, &fixed, &seats, &chosen);
    let mut leaders: Vec<usize> = (0..n).filter(|&k| tier[k] < last).collect();
    leaders.sort_by_key(|&k| (tier[k], k));
    Ok(communities(ctx, (tier, leaders), &head, method, &time))
}

/// Per island, the first island of its `hierarchy.together` group when it is another member
/// of one (`None` otherwise).
fn together(ctx: &Context) -> Result<Vec<Option<usize>>> {
    let mut head = vec![None; ctx.ds.islands.len()];
    for group in &ctx.scenario.hierarchy.together {
        let index = |id: &String| {
            ctx.island_index(id).ok_or_else(|| {
                Error::Usage(format!(
                    "scenario hierarchy.together: island `{id}` is not in the data set"
                ))
            })
        };
        let first = index(&group[0])?;
        for id in &group[1..] {
            head[index(id)?] = Some(first);
        }
    }
    Ok(head)
}

/// The leader of island `k` and the minutes to it: the nearest leader within the limit, or,
/// for a member of a `together` group, the leader of the group's first island (`None` when
/// that one is out of the member's reach).
fn leader_of(
    k: usize,
    leaders: &[usize],
    head: &[Option<usize>],
    time: &dyn Fn(usize, usize) -> Option<f64>,
) -> Option<(f64, usize)> {
    let rep = head[k].unwrap_or(k);
    let (t, l) = leaders
        .iter()
        .filter_map(|&l| time(rep, l).map(|t| (t, l)))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
    if rep == k {
        Some((t, l))
    } else {
        time(k, l).map(|t| (t, l))
    }
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
fn free_seats_per_tier(
    ctx: &Context,
    fixed: &[Option<usize>],
    counts: &[usize],
) -> Result<Vec<usize>> {
    let (ds, h) = (ctx.ds, &ctx.scenario.hierarchy);
    let (n, last) = (ds.islands.len(), h.tiers.len() - 1);
    let inhabited = &ctx.inhabited_islands;
    let mut seats = vec![0usize; h.tiers.len()];
    for (t, spec) in h.tiers.iter().enumerate().take(last).skip(1) {
        let count = counts[t];
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
    (tier, leaders): (Vec<usize>, Vec<usize>),
    head: &[Option<usize>],
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
        if let Some((t, l)) = leader_of(k, &leaders, head, time) {
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

/// Each tier's island count, a `count = "auto"` tier resolved: the fewest leaders that put
/// every inhabited island within the leader minutes (a set cover over the fixed leaders,
/// required, and the free eligible islands, solved to proven optimality), less the other
/// tiers' leaders. With the note saying how the auto count was found, and the cover.
fn tier_counts(
    ctx: &Context,
    fixed: &[Option<usize>],
    free: &[usize],
    time_limit: Option<f64>,
) -> Result<TierCounts> {
    use crate::scenario::TierCount;
    let h = &ctx.scenario.hierarchy;
    let last = h.tiers.len() - 1;
    let mut counts: Vec<usize> = h
        .tiers
        .iter()
        .map(|t| match t.count {
            Some(TierCount::Fixed(n)) => n,
            _ => 0,
        })
        .collect();
    let Some(auto) = h
        .tiers
        .iter()
        .position(|t| t.count == Some(TierCount::Auto))
    else {
        return Ok(TierCounts {
            counts,
            note: None,
            cover: None,
        });
    };
    let n = ctx.ds.islands.len();
    let fixed_leaders: Vec<usize> = (0..n)
        .filter(|&k| fixed[k].is_some_and(|t| t < last))
        .collect();
    let cover = fewest_leaders(ctx, &fixed_leaders, free, time_limit)?;
    let needed = cover.open.len();
    let others: usize = (1..last).filter(|&t| t != auto).map(|t| counts[t]).sum();
    let fixed_here = (0..n).filter(|&k| fixed[k] == Some(auto)).count();
    // The hub is one of the leaders the cover counts.
    counts[auto] = needed.saturating_sub(1 + others).max(fixed_here);
    let how = if cover.proven {
        "a proven set cover".to_string()
    } else {
        format!(
            "the best set cover found before the time limit; at least {} are needed",
            cover.at_least
        )
    };
    let note = format!(
        "{} = {} (the fewest leaders within {} min of every inhabited island: {needed}, {how})",
        h.tiers[auto].name, counts[auto], h.leader_minutes
    );
    Ok(TierCounts {
        counts,
        note: Some(note),
        cover: Some(cover),
    })
}

/// Each tier's island count; with an `"auto"` tier, how it was found and the set cover found
/// (columns of [`leader_matrix`], reused as the p-median's start).
struct TierCounts {
    counts: Vec<usize>,
    note: Option<String>,
    cover: Option<Cover>,
}

/// A set of leaders that puts every inhabited island within the leader minutes of one.
struct Cover {
    /// Columns of [`leader_matrix`].
    open: Vec<usize>,
    /// Proven to be the fewest.
    proven: bool,
    /// The proven lower bound on how many are needed.
    at_least: usize,
}

/// The fewest leaders (fixed ones included) that put every inhabited island within the leader
/// minutes of one, by the set-cover solver of [`crate::solve`], run to a proof or until
/// `time_limit` (then the best cover found, with the bound it has proven).
fn fewest_leaders(
    ctx: &Context,
    fixed_leaders: &[usize],
    free: &[usize],
    time_limit: Option<f64>,
) -> Result<Cover> {
    use crate::model::{Instance, Lscp, Model, Problem};
    let (_, sites, times) = leader_matrix(ctx, fixed_leaders, free, 1.0);
    let weights = vec![1.0; ctx.inhabited_islands.len()];
    let limit = ctx.scenario.hierarchy.leader_minutes;
    let problem = Problem::new(
        Instance::new(weights, sites, times)?,
        Model::Lscp(Lscp::new(limit)),
    );
    let opts = crate::solve::SolveOptions {
        time_limit,
        ..Default::default()
    };
    match crate::solve::solve(&problem, &opts) {
        Ok(sol) => Ok(Cover {
            proven: sol.status == crate::model::Status::Optimal,
            // The bound counts leaders (each column costs 1): round up, less a rounding hair.
            at_least: (sol.bound - 1e-6).ceil().max(0.0) as usize,
            open: sol.open,
        }),
        Err(crate::Error::Infeasible(_)) => Err(crate::Error::Infeasible(explain_unreachable(
            ctx,
            fixed_leaders,
            free,
        ))),
        Err(e) => Err(e),
    }
}

/// The leader candidates (fixed leaders first, then the free islands), as sites (the fixed
/// ones required, each costing `open_cost`), and the minutes from every inhabited island to
/// those within the leader minutes, as a sparse matrix.
fn leader_matrix(
    ctx: &Context,
    fixed_leaders: &[usize],
    free: &[usize],
    open_cost: f64,
) -> (
    Vec<usize>,
    Vec<crate::model::Site>,
    crate::network::TravelTimes,
) {
    use crate::model::{Site, SiteStatus};
    let limit = ctx.scenario.hierarchy.leader_minutes;
    let candidates: Vec<usize> = fixed_leaders.iter().chain(free).copied().collect();
    let col: std::collections::HashMap<usize, u32> = candidates
        .iter()
        .enumerate()
        .map(|(c, &k)| (k, c as u32))
        .collect();
    let rows: Vec<Vec<(u32, f32)>> = ctx
        .inhabited_islands
        .iter()
        .map(|&k| {
            let mut row: Vec<(u32, f32)> = candidates
                .iter()
                .filter_map(|&l| {
                    let t = ctx.minutes_to_leader(k, l).filter(|&t| t <= limit)?;
                    Some((col[&l], t as f32))
                })
                .collect();
            row.sort_by_key(|p| p.0);
            row
        })
        .collect();
    let n = candidates.len();
    let sites = candidates
        .iter()
        .map(|&k| Site {
            status: if fixed_leaders.contains(&k) {
                SiteStatus::Required
            } else {
                SiteStatus::Candidate
            },
            open_cost,
            close_cost: 0.0,
            capacity: None,
        })
        .collect();
    (
        candidates,
        sites,
        crate::network::TravelTimes::from_rows(rows, n, limit),
    )
}

/// The leader choice over many islands as the p-median it is: inhabited islands (weighted by
/// residents) to the fixed and free leader islands within the leader minutes, the fixed ones
/// required, solved by the Lagrangian branch-and-bound of [`crate::solve`] (bound, proof or
/// gap, and the time limit honoured). `None` when it proves that no choice reaches every
/// inhabited island in time; a time limit hit before any choice is found is said so.
/// `hierarchy.together` followers cannot lead here either (their tier is fixed), but their
/// residents count at their own nearest leader, not their group's: the exhaustive search is
/// exact for groups, this one approximates them; the assignment follows the group either way.
/// `limits`: the set cover's (when it has not been found yet) and the p-median's seconds.
fn leaders_by_pmedian(
    ctx: &Context,
    (free, free_seats, fixed_leaders): (&[usize], usize, &[usize]),
    cover: Option<Cover>,
    (cover_limit, time_limit): (Option<f64>, Option<f64>),
) -> Result<(Option<Vec<usize>>, String)> {
    use crate::model::{Instance, Model, PMedian, Problem};
    let limit = ctx.scenario.hierarchy.leader_minutes;
    let (candidates, sites, times) = leader_matrix(ctx, fixed_leaders, free, 0.0);
    let inhabited = &ctx.inhabited_islands;
    let weights: Vec<f64> = inhabited
        .iter()
        .map(|&k| ctx.island_population[k] as f64)
        .collect();
    let p = fixed_leaders.len() + free_seats;
    let what = format!(
        "p-median over {} eligible islands (over {EXACT_LIMIT} combinations)",
        free.len()
    );
    // The fewest leaders that reach every island (a set cover): a proven need of more than p
    // proves that no choice works; a cover of at most p is a feasible start the p-median
    // search may not find alone. (An `"auto"` tier's count already found one.)
    let cover =
        match cover.map_or_else(|| fewest_leaders(ctx, fixed_leaders, free, cover_limit), Ok) {
            Ok(cover) => cover,
            Err(crate::Error::Infeasible(_)) => return Ok((None, what)),
            Err(e) => return Err(e),
        };
    if cover.at_least > p || (cover.proven && cover.open.len() > p) {
        return Ok((None, what));
    }
    let start = (cover.open.len() <= p).then_some(cover.open);
    let problem = Problem::new(
        Instance::new(weights, sites, times)?,
        Model::PMedian(PMedian::new(p)),
    );
    let opts = crate::solve::SolveOptions {
        time_limit,
        start,
        ..Default::default()
    };
    match crate::solve::solve(&problem, &opts) {
        Ok(sol) => {
            let chosen: Vec<usize> = sol
                .open
                .iter()
                .map(|&c| candidates[c])
                .filter(|k| !fixed_leaders.contains(k))
                .collect();
            let how = match sol.status {
                crate::model::Status::Optimal => "proven optimal".to_string(),
                s => format!("{}, gap {:.2}%", s.as_str(), 100.0 * sol.gap),
            };
            Ok((Some(chosen), format!("{what}: {how} ({})", sol.solver)))
        }
        // Proven: no choice of leaders reaches every inhabited island in time.
        Err(crate::Error::Infeasible(_)) => Ok((None, what)),
        Err(crate::Error::Internal(m)) if m.contains("time limit") => {
            Err(crate::Error::Infeasible(format!(
                "the time limit ended the choice of leader islands before any choice that puts \
                 every inhabited island within {limit} minutes of a leader was found (not proven \
                 impossible); allow more time"
            )))
        }
        Err(e) => Err(e),
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
