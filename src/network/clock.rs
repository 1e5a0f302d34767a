//! Travel by the clock: earliest arrival over the network when some ferries run to a
//! timetable (a time-dependent Dijkstra).
//!
//! A ferry leg with departures waits at the pier for the next departure in the direction
//! travelled and then sails; with no departure left that service day it cannot be taken. A
//! ferry leg without a timetable keeps the headway model's expected minutes (half the headway
//! plus the crossing); roads and bridges take their minutes and never wait. Every leg is FIFO
//! (leaving later never arrives earlier), so settling each node once in order of arrival is
//! exact.

use super::{LegKind, Network};
use crate::layers::{DataSet, Timetable};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A timetabled ferry route as the search needs it.
#[derive(Debug, Clone)]
pub(super) struct ClockLeg {
    timetable: Timetable,
    sailing: f64,
    /// The graph node of the route's first end: travelling away from it is `forward`.
    first_end: NodeIndex,
    /// The graph node of its other end.
    last_end: NodeIndex,
}

/// The timetabled routes of `ds`, by route index (`None`: no timetable, or a bridge).
pub(super) fn clock_legs(ds: &DataSet, route_ends: &[[NodeIndex; 2]]) -> Vec<Option<ClockLeg>> {
    ds.routes
        .iter()
        .zip(route_ends)
        .map(|(r, ends)| {
            let ferry = r.mode != crate::layers::RouteMode::Bridge;
            r.timetable.as_ref().filter(|_| ferry).map(|t| ClockLeg {
                timetable: t.clone(),
                sailing: r.minutes,
                first_end: ends[0],
                last_end: ends[1],
            })
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
struct Label(f64, u32);

impl Eq for Label {}

impl Ord for Label {
    fn cmp(&self, o: &Self) -> Ordering {
        // Earliest first; ties by node for a fixed order.
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

impl PartialOrd for Label {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Network {
    /// Whether any route runs to a timetable.
    pub fn has_timetables(&self) -> bool {
        self.clock.iter().any(Option::is_some)
    }

    /// The earliest clock time (minutes after midnight) each node is reached leaving `source`
    /// at clock time `depart`; infinite where it cannot be reached that service day.
    pub fn earliest_arrival(&self, source: NodeIndex, depart: f64) -> Vec<f64> {
        self.search(source, depart, None, true)
    }

    /// The earliest clock time `target` is reached leaving `source` at `depart` (infinite if
    /// it is not that day); the search stops once `target` is settled.
    pub fn arrival_at(&self, source: NodeIndex, depart: f64, target: NodeIndex) -> f64 {
        let at = self.search(source, depart, Some(target), true);
        at.get(target.index()).copied().unwrap_or(f64::INFINITY)
    }

    /// `timed = false`: timetabled ferries are not taken (what is reached without waiting on a
    /// timetable, minutes after `depart`).
    fn search(
        &self,
        source: NodeIndex,
        depart: f64,
        target: Option<NodeIndex>,
        timed: bool,
    ) -> Vec<f64> {
        let n = self.graph.node_count();
        let mut at = vec![f64::INFINITY; n];
        let mut done = vec![false; n];
        let mut heap = BinaryHeap::new();
        if source.index() >= n || !depart.is_finite() {
            return at;
        }
        at[source.index()] = depart;
        heap.push(Label(depart, source.index() as u32));
        while let Some(Label(t, v)) = heap.pop() {
            let v = v as usize;
            if done[v] {
                continue;
            }
            done[v] = true;
            if target.is_some_and(|t| t.index() == v) {
                break;
            }
            let here = NodeIndex::new(v);
            for e in self.graph.edges(here) {
                let other = if e.source() == here {
                    e.target()
                } else {
                    e.source()
                };
                let Some(arrive) = self.cross(e.weight(), here, t, timed) else {
                    continue;
                };
                let w = other.index();
                if arrive < at[w] {
                    at[w] = arrive;
                    heap.push(Label(arrive, w as u32));
                }
            }
        }
        at
    }

    /// Clock time at the far end of `leg` entered from `from` at clock time `t`.
    fn cross(&self, leg: &super::Leg, from: NodeIndex, t: f64, timed: bool) -> Option<f64> {
        match leg.kind {
            LegKind::Ferry { route } => match self.clock.get(route).and_then(Option::as_ref) {
                Some(_) if !timed => None,
                Some(c) => {
                    let forward = from == c.first_end;
                    c.timetable
                        .next_departure(forward, t)
                        .map(|d| d + c.sailing)
                }
                None => Some(t + leg.minutes),
            },
            LegKind::Road | LegKind::Bridge { .. } => Some(t + leg.minutes),
        }
    }
}

impl Network {
    /// The latest clock time (from midnight on) at which one can leave `from` and still reach
    /// `to` by clock time `by`, to a second; `None` when even leaving at midnight does not.
    /// Arrival never decreases with the departure, so a bisection finds it.
    pub fn latest_departure(&self, from: NodeIndex, to: NodeIndex, by: f64) -> Option<f64> {
        self.latest_departure_after(from, to, by, 0.0)
    }

    /// [`Network::latest_departure`] among departures no earlier than `not_before`.
    pub fn latest_departure_after(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        by: f64,
        not_before: f64,
    ) -> Option<f64> {
        let arrives = |t: f64| self.arrival_at(from, t, to);
        if !by.is_finite() || !not_before.is_finite() || arrives(not_before) > by {
            return None;
        }
        if arrives(by) <= by {
            return Some(by);
        }
        let (mut lo, mut hi) = (not_before, by);
        while hi - lo > 1.0 / 60.0 {
            let mid = (lo + hi) / 2.0;
            if arrives(mid) <= by {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }
}

/// A working-day visit from a base to a place and back, by the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum DayTrip {
    /// Leave the base at `leave`, arrive at `arrive`, stay until `depart_back`, be back at
    /// `back` (clock minutes): the first arrival and the last return that fit.
    Possible {
        leave: f64,
        arrive: f64,
        depart_back: f64,
        back: f64,
    },
    /// No trip leaving the base within the day reaches the place.
    NoWayThere,
    /// The place is reached at `arrive`, but no return leaving after `arrive + onsite` is back
    /// by the day's end; `last_return` is the latest departure from the place that is (if any).
    NoWayBack {
        arrive: f64,
        last_return: Option<f64>,
    },
}

impl Network {
    /// Whether [`Network::day_trip`] is possible, by two searches (no bisection): the first
    /// arrival from `base` after `day.0`, then the return leaving `onsite` minutes later, back
    /// by `day.1`.
    pub fn day_trip_fits(
        &self,
        base: NodeIndex,
        place: NodeIndex,
        day: (f64, f64),
        onsite: f64,
    ) -> bool {
        let arrive = self.arrival_at(base, day.0, place);
        arrive <= day.1 && self.arrival_at(place, arrive + onsite, base) <= day.1
    }

    /// Whether a team can leave `base` no earlier than `day.0`, spend `onsite` minutes at
    /// `place` and be back at `base` by `day.1`. The return is the latest departure from the
    /// place that is back in time (arrival by the clock never decreases with the departure, so
    /// a bisection to a second finds it).
    pub fn day_trip(
        &self,
        base: NodeIndex,
        place: NodeIndex,
        day: (f64, f64),
        onsite: f64,
    ) -> DayTrip {
        let (start, end) = day;
        let arrive = self.arrival_at(base, start, place);
        if arrive.is_nan() || arrive > end {
            return DayTrip::NoWayThere;
        }
        let back_at = |t: f64| self.arrival_at(place, t, base);
        // Arrival never decreases with the departure, so the trip fits exactly when leaving
        // the place as early as the time on site allows is back by the end of the day.
        let earliest_back = arrive + onsite;
        // The latest departure from the place still back by the end of the day (to a second:
        // reported, never used to decide).
        let last_return = self.latest_departure_after(place, base, end, arrive);
        match last_return {
            _ if back_at(earliest_back) <= end => {
                let depart_back = last_return.map_or(earliest_back, |t| t.max(earliest_back));
                // Leave the base as late as still makes the same arrival (no idle wait at
                // the pier).
                let leave = self
                    .latest_departure(base, place, arrive)
                    .map_or(start, |l| l.max(start));
                DayTrip::Possible {
                    leave,
                    arrive,
                    depart_back,
                    back: back_at(depart_back),
                }
            }
            _ => DayTrip::NoWayBack {
                arrive,
                last_return,
            },
        }
    }
}

/// Minutes a departure tried by [`Network::clock_minutes`] is moved earlier than the exact
/// just-in-time one, so that floating-point sums along the way still reach the pier before the
/// sailing (a microsecond: far below anything reported).
const CATCH_SLACK: f64 = 1e-8;

/// How a service judges travel by the clock (`[service.clock]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockRule {
    /// The shortest trip leaving between `from` and `to` (clock minutes; equal for one time).
    Depart { from: f64, to: f64 },
    /// Arriving by this clock time: minutes from the latest departure that still does.
    ArriveBy(f64),
}

impl Network {
    /// Door-to-door minutes from `source` to every node by the clock (infinite where no trip
    /// fits the rule). Exact: a trip's minutes can only shrink by leaving so as to catch its
    /// first timetabled sailing without waiting, so the departures tried are the window's ends
    /// and, for every sailing, its time less the minutes to its pier without any timetabled
    /// leg; one earliest-arrival search per departure tried.
    pub fn clock_minutes(&self, source: NodeIndex, rule: ClockRule) -> Vec<f64> {
        self.clock_trips(source, rule)
            .into_iter()
            .map(|(m, _)| m)
            .collect()
    }

    /// [`Network::clock_minutes`] with the departure that achieves each node's minutes (clock
    /// time; NaN where unreachable).
    pub fn clock_trips(&self, source: NodeIndex, rule: ClockRule) -> Vec<(f64, f64)> {
        let n = self.graph.node_count();
        let mut best = vec![(f64::INFINITY, f64::NAN); n];
        if source.index() >= n {
            return best;
        }
        // Minutes to every node without timetabled legs (relative to a departure at 0).
        let untimed = self.search(source, 0.0, None, false);
        let mut tries: Vec<f64> = Vec::new();
        for c in self.clock.iter().flatten() {
            for (forward, pier) in [(true, c.first_end), (false, c.last_end)] {
                let to_pier = untimed[pier.index()];
                if !to_pier.is_finite() {
                    continue;
                }
                let times = if forward {
                    &c.timetable.forward
                } else {
                    &c.timetable.back
                };
                // A hair early, so that rounding in the sums never misses the sailing.
                tries.extend(times.iter().map(|d| d - to_pier - CATCH_SLACK));
            }
        }
        match rule {
            ClockRule::Depart { from, to } => {
                tries.retain(|&t| t >= from && t <= to);
                tries.extend([from, to]);
            }
            ClockRule::ArriveBy(by) => {
                tries.retain(|&t| t <= by);
                // A trip without any timetabled leg leaves `untimed` minutes before the bell.
                for (v, &d) in untimed.iter().enumerate() {
                    best[v] = (d, by - d);
                }
            }
        }
        tries.sort_by(f64::total_cmp);
        tries.dedup();
        for &t in &tries {
            let at = self.search(source, t, None, true);
            for (v, &a) in at.iter().enumerate() {
                let minutes = match rule {
                    ClockRule::Depart { .. } => a - t,
                    ClockRule::ArriveBy(by) if a <= by => by - t,
                    ClockRule::ArriveBy(_) => continue,
                };
                if minutes < best[v].0 {
                    best[v] = (minutes, t);
                }
            }
        }
        best
    }
}
