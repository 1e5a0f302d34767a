//! Which settlements and islands a target counts (its `units`), derived by the audit on its
//! own from the data set: the data's `kind`, `town` and populations, the island ids, and
//! remoteness found by walking the bridges out from the hub island (the plan joins them with a
//! union-find; the audit spreads reachability until nothing changes).

use super::World;
use crate::layers::{Endpoint, RouteMode};
use crate::scenario::{Scenario, Target};

/// Per island: true when no chain of bridges reaches it from the hub island, unless the
/// island's `remote` property says otherwise.
pub(crate) fn remote(world: &World) -> Vec<bool> {
    let ds = world.ds;
    let mut reached = vec![false; ds.islands.len()];
    if let Some(h) = world.hub {
        reached[h] = true;
    }
    let ends = |e: &Endpoint| match e {
        Endpoint::Port(p) => ds.ports[*p].island,
        Endpoint::Landing { island, .. } => *island,
    };
    let bridges: Vec<(usize, usize)> = ds
        .routes
        .iter()
        .filter(|r| r.mode == RouteMode::Bridge)
        .map(|r| (ends(&r.ends[0]), ends(&r.ends[1])))
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for &(a, b) in &bridges {
            if reached[a] != reached[b] {
                reached[a] = true;
                reached[b] = true;
                changed = true;
            }
        }
    }
    ds.islands
        .iter()
        .zip(reached)
        .map(|(island, r)| match island.properties.get("remote") {
            Some(serde_json::Value::Bool(b)) => *b,
            _ => !r,
        })
        .collect()
}

/// The scenario with each unit set's `tiers` restated as the islands the folder puts on them
/// (in the hierarchy the target's service follows, as audited), within the set's `islands`;
/// `None` when no unit set names tiers.
pub(crate) fn with_tier_islands(
    world: &World,
    tiers: &super::hierarchy::TierSets,
) -> Option<Scenario> {
    let sc = world.scenario;
    let named = |t: &Target| t.units.as_ref().is_some_and(|u| u.tiers.is_some());
    if !sc.targets.iter().any(named) {
        return None;
    }
    let mut out = sc.clone();
    for t in &mut out.targets {
        let Some(s) = sc.service(&t.service) else {
            continue;
        };
        let Some(u) = t.units.as_mut() else { continue };
        let Some(names) = u.tiers.take() else {
            continue;
        };
        let on = tiers.of(s);
        let ids = world
            .ds
            .islands
            .iter()
            .enumerate()
            .filter(|&(k, _)| names.iter().any(|n| n == on.tier_name(k)))
            .map(|(_, island)| island.id.clone())
            .filter(|id| u.islands.as_ref().is_none_or(|l| l.contains(id)))
            .collect();
        u.islands = Some(ids);
    }
    Some(out)
}

/// Whether the target counts settlement `i` (data set index).
pub(crate) fn counts_settlement(world: &World, t: &Target, i: usize) -> bool {
    let Some(u) = &t.units else { return true };
    let s = &world.ds.settlements[i];
    if let Some(kinds) = &u.kind {
        match &s.kind {
            Some(k) if kinds.iter().any(|x| x == k) => {}
            _ => return false,
        }
    }
    if let Some(towns) = &u.towns {
        match s.properties.get("town") {
            Some(serde_json::Value::String(town)) if towns.iter().any(|x| x == town) => {}
            _ => return false,
        }
    }
    counts_place(world, u, s.island, s.population)
}

/// The inhabited islands an island target counts.
pub(crate) fn counted_islands(world: &World, t: &Target) -> Vec<usize> {
    world
        .inhabited
        .iter()
        .copied()
        .filter(|&k| counts_island(world, t, k))
        .collect()
}

/// Whether an island target counts inhabited island `k`.
pub(crate) fn counts_island(world: &World, t: &Target, k: usize) -> bool {
    match &t.units {
        None => true,
        Some(u) => counts_place(world, u, k, world.island_population[k]),
    }
}

fn counts_place(world: &World, u: &crate::scenario::Units, island: usize, population: u64) -> bool {
    if let Some(ids) = &u.islands
        && !ids.iter().any(|id| *id == world.ds.islands[island].id)
    {
        return false;
    }
    if u.remote.is_some_and(|r| world.remote[island] != r) {
        return false;
    }
    !(u.min_population.is_some_and(|m| population < m)
        || u.max_population.is_some_and(|m| population > m))
}

/// Whether a count target counts this site in this state: its level, its status (open, new,
/// kept, closed, or kept with at least one seat added, from the audit's own catalogue and the
/// plan's `expansion`) and its place in the unit set (island, township, facility id).
pub(crate) fn counts_site(
    world: &World,
    t: &Target,
    site: &super::sites::Site,
    state: SiteState<'_>,
) -> bool {
    use crate::scenario::SiteCount;
    let open = state.open;
    let status = match t.sites.unwrap_or_default() {
        SiteCount::Open => open,
        SiteCount::New => open && !site.existing,
        SiteCount::Kept => open && site.existing,
        SiteCount::Closed => !open && site.existing,
        // A whole seat, less the 0.05 the folder's rounding may take off.
        SiteCount::Expanded => open && site.existing && state.expansion >= 0.95,
    };
    let level = t.level.is_none_or(|l| l == site.level);
    let place = match &t.units {
        None => true,
        Some(u) => {
            counts_place(world, u, site.island, world.island_population[site.island])
                && u.towns
                    .as_ref()
                    .is_none_or(|list| state.town.is_some_and(|x| list.iter().any(|y| y == x)))
                && u.facilities
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&site.id))
        }
    };
    status && level && place
}

/// A site's state as a count target sees it.
#[derive(Clone, Copy)]
pub(crate) struct SiteState<'a> {
    pub open: bool,
    /// Seats added.
    pub expansion: f64,
    /// The site's township (see [`site_towns`]).
    pub town: Option<&'a str>,
}

/// Whether a count is within a count target's bounds (`exactly`, `at_least`, `at_most`).
pub(crate) fn count_met(t: &Target, count: f64) -> bool {
    let lo = t.exactly.or(t.at_least).map_or(0.0, f64::from);
    let hi = t.exactly.or(t.at_most).map_or(f64::INFINITY, f64::from);
    count >= lo && count <= hi
}

/// The township of each site, by the audit's own rule: the facility's `town` property, else
/// the `town` of the nearest settlement on the site's island (a new site stands on its own
/// settlement).
pub(crate) fn site_towns(world: &World, sites: &[super::sites::Site]) -> Vec<Option<String>> {
    let ds = world.ds;
    let town_of = |i: usize| {
        ds.settlements[i]
            .properties
            .get("town")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    sites
        .iter()
        .map(|site| {
            if !site.new_site
                && let Some(f) = ds.facilities.iter().find(|f| f.id == site.id)
                && let Some(t) = f.properties.get("town").and_then(|v| v.as_str())
            {
                return Some(t.to_string());
            }
            let mut best: Option<(f64, usize)> = None;
            for &i in &world.planned {
                let s = &ds.settlements[i];
                if s.island != site.island {
                    continue;
                }
                let (dx, dy) = (
                    s.location.x() - site.location.x(),
                    s.location.y() - site.location.y(),
                );
                let d = dx * dx + dy * dy;
                if best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, i));
                }
            }
            best.and_then(|(_, i)| town_of(i))
        })
        .collect()
}

/// The townships a township target counts, ascending: the `town` of every planned settlement
/// with residents, within the target's `towns` list when it has one.
pub(crate) fn towns(world: &World, t: &Target) -> Vec<String> {
    let list = t.units.as_ref().and_then(|u| u.towns.as_ref());
    let mut out: Vec<String> = world
        .planned
        .iter()
        .filter(|&&i| world.ds.settlements[i].population > 0)
        .filter_map(|&i| {
            world.ds.settlements[i]
                .properties
                .get("town")
                .and_then(|v| v.as_str())
        })
        .filter(|town| list.is_none_or(|l| l.iter().any(|x| x == town)))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}
