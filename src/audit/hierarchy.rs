//! Tiers and communities as the folder's `islands.geojson` states them, checked against the
//! scenario's rules with travel times of the audit's own: the hub on the first tier, every
//! inhabited island in the community of its nearest leader within `leader_minutes`, the
//! minutes to that leader, each leader's parent the nearest leader of a higher tier.

use super::folder::{id_of, prop, prop_f64, prop_str};
use super::{Log, PlanFolder, World, fmt_num};
use crate::scenario::{Hierarchy, Service};
use geojson::JsonValue;

const FILE: &str = "islands.geojson";

/// The hierarchy the folder reports, by island index: `[hierarchy]` in the columns `tier`,
/// `community`, `parent`, `minutes_to_leader`; a named one (`[hierarchies.NAME]`) in the same
/// columns suffixed `_NAME`.
pub(crate) struct Tiers {
    /// The scenario's table for this hierarchy.
    pub spec: Hierarchy,
    /// `None` for `[hierarchy]`.
    pub name: Option<String>,
    pub hub: Option<usize>,
    /// Tier index in the scenario's list (`None`: external or unknown).
    pub tier: Vec<Option<usize>>,
    pub leader: Vec<Option<usize>>,
    pub parent: Vec<Option<usize>>,
    /// Islands on a tier above the last, ascending.
    pub leaders: Vec<usize>,
    pub last: usize,
}

impl Tiers {
    /// The tier name of an island ("" when unknown).
    pub fn tier_name(&self, k: usize) -> &str {
        self.tier[k].map_or("", |t| self.spec.tiers[t].name.as_str())
    }

    /// The column of `key` in islands.geojson for this hierarchy.
    fn column(&self, key: &str) -> String {
        match &self.name {
            None => key.to_string(),
            Some(n) => format!("{key}_{n}"),
        }
    }
}

/// The audited hierarchies: `[hierarchy]` and each named one a service follows.
pub(crate) struct TierSets {
    pub default: Tiers,
    pub named: Vec<Tiers>,
}

impl TierSets {
    /// The hierarchy service `s` follows.
    pub fn of(&self, s: &Service) -> &Tiers {
        s.hierarchy
            .as_deref()
            .and_then(|n| self.named.iter().find(|t| t.name.as_deref() == Some(n)))
            .unwrap_or(&self.default)
    }
}

/// Audits `[hierarchy]` and every named hierarchy a service of the scenario follows.
pub(crate) fn audit_all(world: &mut World, folder: &PlanFolder, log: &mut Log) -> TierSets {
    let default = audit(world, folder, None, log);
    let names: Vec<String> = world
        .scenario
        .used_hierarchies()
        .into_iter()
        .map(str::to_string)
        .collect();
    let named = names
        .iter()
        .map(|n| audit(world, folder, Some(n), log))
        .collect();
    TierSets { default, named }
}

/// Minutes between the centres of two inhabited islands.
/// One of the two must lead a community in an audited hierarchy (as the data or the folder
/// says): the audit searches from those.
pub(crate) fn centre_minutes(world: &World, from: usize, to: usize) -> Option<f64> {
    world.centre[from]?;
    world.centre[to]?;
    world.times.centre_minutes(from, to)
}

fn audit(world: &mut World, folder: &PlanFolder, name: Option<&str>, log: &mut Log) -> Tiers {
    let ds = world.ds;
    let spec = match name {
        None => world.scenario.hierarchy.clone(),
        Some(n) => world
            .scenario
            .hierarchies
            .get(n)
            .cloned()
            .unwrap_or_default(),
    };
    let hub = match &spec.hub {
        None => Some(ds.hub),
        Some(id) => world.island_index.get(id.as_str()).copied(),
    };
    let t = read_tiers(world, folder, (spec, name, hub), log);
    check_hub(world, folder, &t, log);
    // Travel times between island centres, searched from every island that leads or that the
    // folder names as a community or parent (a leader emptied by a relocation still has a
    // centre): every pair a check asks has one of those at an end.
    let net = &world.times.net;
    let centres: Vec<_> = world
        .centre
        .iter()
        .map(|c| c.map(|c| net.settlement_nodes[c]))
        .collect();
    let named = t
        .leaders
        .iter()
        .chain(t.leader.iter().chain(&t.parent).flatten());
    world.times.ensure_centres(named.copied(), &centres);
    let limit = t.spec.leader_minutes;
    let world = &*world;
    let head = together(world, &t.spec);
    for f in &folder.islands {
        let Some(&k) = world.island_index.get(id_of(f).as_str()) else {
            continue;
        };
        if ds.islands[k].external {
            continue;
        }
        let reported_minutes = prop_f64(f, &t.column("minutes_to_leader"));
        let inhabited = world.inhabited.binary_search(&k).is_ok();
        if let Some(first) = head[k].filter(|_| inhabited) {
            check_joined(world, &t, (k, first), limit, reported_minutes, log);
        } else if t.leaders.contains(&k) {
            check_leader(world, &t, k, reported_minutes, log);
        } else if inhabited {
            let nearest = t
                .leaders
                .iter()
                .filter_map(|&l| centre_minutes(world, k, l).map(|d| (d, l)))
                .filter(|&(d, _)| d <= limit + 1e-6)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            check_member(world, &t, k, nearest, reported_minutes, log);
        }
    }
    t
}

/// The tiers, communities and parents the folder states, each naming a known island.
fn read_tiers(
    world: &World,
    folder: &PlanFolder,
    (spec, name, hub): (Hierarchy, Option<&str>, Option<usize>),
    log: &mut Log,
) -> Tiers {
    let ds = world.ds;
    let tiers = spec.tiers.clone();
    let n = ds.islands.len();
    let index = |id: &str| world.island_index.get(id).copied();
    let mut t = Tiers {
        spec,
        name: name.map(str::to_string),
        hub,
        tier: vec![None; n],
        leader: vec![None; n],
        parent: vec![None; n],
        leaders: Vec::new(),
        last: tiers.len().saturating_sub(1),
    };
    let mut seen = vec![false; n];
    for f in &folder.islands {
        let id = id_of(f);
        let Some(k) = index(&id) else {
            log.finding(FILE, &id, "id", format!("`{id}`"), "no such island".into());
            continue;
        };
        seen[k] = true;
        let (tier_key, community_key, parent_key) =
            (t.column("tier"), t.column("community"), t.column("parent"));
        let tier = prop_str(f, &tier_key).unwrap_or_default();
        if ds.islands[k].external {
            log.text(FILE, &id, &tier_key, tier, "external");
            continue;
        }
        match tiers.iter().position(|x| x.name == tier) {
            Some(ti) => t.tier[k] = Some(ti),
            None => {
                let names: Vec<&str> = tiers.iter().map(|x| x.name.as_str()).collect();
                log.finding(
                    FILE,
                    &id,
                    &tier_key,
                    format!("`{tier}`"),
                    format!("one of {}", names.join(", ")),
                );
            }
        }
        for (key, slot) in [
            (&community_key, &mut t.leader[k]),
            (&parent_key, &mut t.parent[k]),
        ] {
            if let Some(JsonValue::String(s)) = prop(f, key) {
                match index(s) {
                    Some(l) => *slot = Some(l),
                    None => log.finding(FILE, &id, key, format!("`{s}`"), "no such island".into()),
                }
            }
        }
    }
    for (k, island) in ds.islands.iter().enumerate() {
        if !seen[k] {
            log.finding(
                FILE,
                &island.id,
                "id",
                "(missing)".into(),
                "a feature per island".into(),
            );
        }
    }
    t.leaders = (0..n)
        .filter(|&k| t.tier[k].is_some_and(|x| x < t.last))
        .collect();

    t
}

/// The hub: the same island in summary.json as in the data, on the first tier.
fn check_hub(world: &World, folder: &PlanFolder, t: &Tiers, log: &mut Log) {
    let ds = world.ds;
    let tiers = &t.spec.tiers;
    let hub_id = t.hub.map(|h| ds.islands[h].id.clone()).unwrap_or_default();
    let pointer = match &t.name {
        None => "/hierarchy/hub".to_string(),
        Some(n) => format!("/hierarchies/{n}/hub"),
    };
    let reported_hub = folder
        .summary
        .pointer(&pointer)
        .and_then(JsonValue::as_str)
        .unwrap_or_default();
    let feature = t
        .name
        .as_ref()
        .map_or("hierarchy".to_string(), |n| format!("hierarchies.{n}"));
    log.text("summary.json", &feature, "hub", reported_hub, &hub_id);
    if let Some(h) = t.hub {
        log.text(
            FILE,
            &hub_id,
            &t.column("tier"),
            t.tier_name(h),
            tiers.first().map_or("", |x| x.name.as_str()),
        );
    }
}

/// A leader: its own community, no minutes, the nearest higher-tier leader as parent.
fn check_leader(world: &World, t: &Tiers, k: usize, reported_minutes: Option<f64>, log: &mut Log) {
    let ds = world.ds;
    let id = &ds.islands[k].id;
    log.text(
        FILE,
        id,
        &t.column("community"),
        &name(world, t.leader[k]),
        id,
    );
    log.num(
        FILE,
        id,
        &t.column("minutes_to_leader"),
        reported_minutes,
        Some(0.0),
        0.0,
    );
    let tier = t.tier[k].unwrap_or(0);
    let parent = t
        .leaders
        .iter()
        .filter(|&&u| t.tier[u].is_some_and(|x| x < tier))
        .filter_map(|&u| centre_minutes(world, k, u).map(|d| (d, u)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match (t.parent[k], parent) {
        (None, None) => {}
        (Some(p), Some((best, _))) => {
            let d = centre_minutes(world, k, p).unwrap_or(f64::INFINITY);
            if !(t.tier[p].is_some_and(|x| x < tier) && d <= best + tol(best)) {
                log.finding(
                    FILE,
                    id,
                    &t.column("parent"),
                    format!("`{}`", ds.islands[p].id),
                    format!("a nearest higher-tier leader ({} min)", fmt_num(best)),
                );
            }
        }
        (r, c) => log.text(
            FILE,
            id,
            &t.column("parent"),
            &name(world, r),
            &name(world, c.map(|x| x.1)),
        ),
    }
}

/// An inhabited island below the leaders: in the community of a nearest leader within the
/// leader minutes, with the minutes to it.
fn check_member(
    world: &World,
    t: &Tiers,
    k: usize,
    nearest: Option<(f64, usize)>,
    reported_minutes: Option<f64>,
    log: &mut Log,
) {
    let ds = world.ds;
    let id = &ds.islands[k].id;
    match (t.leader[k], nearest) {
        (Some(l), Some((best, _))) => {
            let d = centre_minutes(world, k, l);
            if !t.leaders.contains(&l) || d.is_none_or(|d| d > best + tol(best)) {
                log.finding(
                    FILE,
                    id,
                    &t.column("community"),
                    format!("`{}`", ds.islands[l].id),
                    format!("a nearest leader ({} min away)", fmt_num(best)),
                );
            }
            log.num(
                FILE,
                id,
                &t.column("minutes_to_leader"),
                reported_minutes,
                d,
                0.051 + tol(best),
            );
        }
        (r, c) => log.text(
            FILE,
            id,
            &t.column("community"),
            &name(world, r),
            &name(world, c.map(|x| x.1)),
        ),
    }
}

/// Per island, the first island of its `hierarchy.together` group when it is another member
/// of one (ids the data lacks are the planner's error to report: skipped here).
fn together(world: &World, spec: &Hierarchy) -> Vec<Option<usize>> {
    let mut head = vec![None; world.ds.islands.len()];
    for group in &spec.together {
        let Some(&first) = world.island_index.get(group[0].as_str()) else {
            continue;
        };
        for id in &group[1..] {
            if let Some(&k) = world.island_index.get(id.as_str()) {
                head[k] = Some(first);
            }
        }
    }
    head
}

/// A member of a `together` group: never a leader, in the community its group's first island
/// is in (that island's own when it leads, else its nearest leader within the limit), at the
/// minutes between their centres, within the limit.
fn check_joined(
    world: &World,
    t: &Tiers,
    (k, first): (usize, usize),
    limit: f64,
    reported_minutes: Option<f64>,
    log: &mut Log,
) {
    let id = &world.ds.islands[k].id;
    if t.leaders.contains(&k) {
        log.finding(
            FILE,
            id,
            &t.column("tier"),
            format!("`{}`", t.tier_name(k)),
            format!(
                "the last tier: hierarchy.together puts it in `{}`'s community",
                world.ds.islands[first].id
            ),
        );
        return;
    }
    let group_leader = if t.leaders.contains(&first) {
        Some(first)
    } else {
        t.leaders
            .iter()
            .filter_map(|&l| centre_minutes(world, first, l).map(|d| (d, l)))
            .filter(|&(d, _)| d <= limit + 1e-6)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, l)| l)
    };
    let want =
        group_leader.filter(|&l| centre_minutes(world, k, l).is_some_and(|d| d <= limit + 1e-6));
    log.text(
        FILE,
        id,
        &t.column("community"),
        &name(world, t.leader[k]),
        &name(world, want),
    );
    if let Some(l) = want {
        let d = centre_minutes(world, k, l);
        log.num(
            FILE,
            id,
            &t.column("minutes_to_leader"),
            reported_minutes,
            d,
            0.051 + tol(d.unwrap_or(0.0)),
        );
    }
}

/// Tolerance of a travel-time tie: the planner stores minutes in f32.
pub(crate) fn tol(minutes: f64) -> f64 {
    1e-6 + 1e-6 * minutes.abs()
}

fn name(world: &World, k: Option<usize>) -> String {
    k.map_or(String::new(), |k| world.ds.islands[k].id.clone())
}
