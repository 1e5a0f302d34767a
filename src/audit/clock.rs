//! Day trips by the clock for the audit, by a route that shares no code with the planner's
//! time-dependent Dijkstra: label-correcting relaxation of every leg until nothing improves
//! (every leg is FIFO, so this reaches the earliest arrivals), with the departures read from
//! the data set's routes themselves.

use super::World;
use crate::layers::RouteMode;
use crate::network::LegKind;
use crate::scenario::{ClockSpec, Mobile};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

/// Whether any ferry of the data runs to a timetable.
pub(crate) fn has_timetables(world: &World) -> bool {
    world
        .ds
        .routes
        .iter()
        .any(|r| r.mode != RouteMode::Bridge && r.timetable.is_some())
}

/// Clock time at the far end of a leg entered at clock time `t`, crossing it from its graph
/// source (`forward`) or from its target; `None` when no departure is left that day.
fn cross(world: &World, kind: LegKind, minutes: f64, forward: bool, t: f64) -> Option<f64> {
    if let LegKind::Ferry { route } = kind {
        let r = &world.ds.routes[route];
        if let Some(tt) = r.timetable.as_ref() {
            // Not sailing on the scenario's weekday (`days`): no departure at all.
            if r.days & (1 << world.scenario.weekday_index()) == 0 {
                return None;
            }
            let times = if forward { &tt.forward } else { &tt.back };
            return times.iter().find(|&&d| d >= t).map(|d| d + r.minutes);
        }
    }
    Some(t + minutes)
}

/// Earliest clock arrival at `to` leaving `from` at clock time `depart` (infinite if never).
fn earliest(world: &World, from: NodeIndex, depart: f64, to: NodeIndex) -> f64 {
    earliest_all(world, from, depart)[to.index()]
}

/// Whether a roving team based on island `base` can spend `onsite_minutes` on island `k` within
/// its working day by the real sailings: out on the first arrival, back leaving as soon as the
/// time on site is over (arrivals never come earlier for a later departure).
pub(crate) fn day_trip_fits(world: &World, m: &Mobile, base: usize, k: usize) -> bool {
    let (Some(b), Some(c)) = (world.centre[base], world.centre[k]) else {
        return false;
    };
    let net = &world.times.net;
    let (b, c) = (net.settlement_nodes[b], net.settlement_nodes[c]);
    let (start, end) = m.working_day();
    let arrive = earliest(world, b, start, c);
    arrive <= end && earliest(world, c, arrive + m.onsite_minutes, b) <= end
}

/// Minutes from `source` to every node without any timetabled leg: petgraph's own Dijkstra,
/// timetabled ferries priced out.
fn untimed(world: &World, source: NodeIndex) -> Vec<f64> {
    let g = &world.times.net.graph;
    let timed = |kind: LegKind| match kind {
        LegKind::Ferry { route } => world.ds.routes[route].timetable.is_some(),
        _ => false,
    };
    let found = petgraph::algo::dijkstra(g, source, None, |e| {
        if timed(e.weight().kind) {
            f64::INFINITY
        } else {
            e.weight().minutes
        }
    });
    let mut row = vec![f64::INFINITY; g.node_count()];
    for (v, d) in found {
        row[v.index()] = d;
    }
    row
}

/// Earliest clock arrival at every node leaving `from` at `depart` (relaxation, as above).
fn earliest_all(world: &World, from: NodeIndex, depart: f64) -> Vec<f64> {
    let g = &world.times.net.graph;
    let mut at = vec![f64::INFINITY; g.node_count()];
    at[from.index()] = depart;
    loop {
        let mut changed = false;
        for e in g.edge_references() {
            let (a, b) = (e.source().index(), e.target().index());
            let leg = e.weight();
            for (u, v, forward) in [(a, b, true), (b, a, false)] {
                if at[u].is_finite()
                    && let Some(t) = cross(world, leg.kind, leg.minutes, forward, at[u])
                    && t < at[v]
                {
                    at[v] = t;
                    changed = true;
                }
            }
        }
        if !changed {
            return at;
        }
    }
}

/// A service's door-to-door minutes by the clock from the settlement at `source` to every
/// node (`[service.clock]`): the departures worth trying are the window's ends and every
/// sailing's time less the untimed minutes to its pier (leaving so as to catch it without
/// waiting); `limit` bounds how long before a deadline a trip may start.
pub(crate) fn clock_row(world: &World, source: NodeIndex, spec: ClockSpec, limit: f64) -> Vec<f64> {
    let free = untimed(world, source);
    let g = &world.times.net.graph;
    let mut tries = Vec::new();
    for e in g.edge_references() {
        let LegKind::Ferry { route } = e.weight().kind else {
            continue;
        };
        let r = &world.ds.routes[route];
        let Some(tt) = r.timetable.as_ref() else {
            continue;
        };
        for (times, pier) in [(&tt.forward, e.source()), (&tt.back, e.target())] {
            let to_pier = free[pier.index()];
            if to_pier.is_finite() {
                // A hair early: rounding along the way must not miss the sailing.
                tries.extend(times.iter().map(|d| d - to_pier - 1e-8));
            }
        }
    }
    let mut best = vec![f64::INFINITY; g.node_count()];
    match spec {
        ClockSpec::Depart(a, b) => {
            tries.retain(|&t| (a..=b).contains(&t));
            tries.extend([a, b]);
        }
        ClockSpec::ArriveBy(by) => {
            tries.retain(|&t| t <= by && t >= by - limit);
            best.clone_from(&free);
        }
    }
    for t in tries {
        for (v, a) in earliest_all(world, source, t).into_iter().enumerate() {
            let minutes = match spec {
                ClockSpec::Depart(..) => a - t,
                ClockSpec::ArriveBy(by) if a <= by => by - t,
                ClockSpec::ArriveBy(_) => continue,
            };
            best[v] = best[v].min(minutes);
        }
    }
    best
}

/// Computes the clock rows of `s` once (a clock service on data with timetables), from every
/// planned settlement, in parallel.
pub(crate) fn ensure_clock(world: &mut World, s: &crate::scenario::Service) {
    use rayon::prelude::*;
    let Some(spec) = s.clock.as_ref().and_then(|c| c.spec().ok()) else {
        return;
    };
    if !has_timetables(world) || world.times.clock.contains_key(&s.name) {
        return;
    }
    let limit = s.assign_limit().max(
        world
            .scenario
            .targets_of(&s.name)
            .filter_map(|t| t.minutes)
            .fold(s.standard_minutes, f64::max),
    );
    let w = &*world;
    let rows = w
        .planned
        .par_iter()
        .map(|&i| {
            let node = w.times.net.settlement_nodes[i];
            (node, clock_row(w, node, spec, limit))
        })
        .collect();
    world.times.clock.insert(s.name.clone(), rows);
}

/// Minutes between the centres of islands `from` and `to` on a chartered boat: petgraph's
/// Dijkstra with every ferry at its crossing minutes from the data, no wait.
pub(crate) fn no_wait_minutes(world: &World, from: usize, to: usize) -> Option<f64> {
    let (a, b) = (world.centre[from]?, world.centre[to]?);
    let net = &world.times.net;
    let (a, b) = (net.settlement_nodes[a], net.settlement_nodes[b]);
    let found = petgraph::algo::dijkstra(&net.graph, a, Some(b), |e| match e.weight().kind {
        LegKind::Ferry { route } => world.ds.routes[route].minutes,
        _ => e.weight().minutes,
    });
    found.get(&b).copied()
}
