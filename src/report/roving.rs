//! `roving.csv`: for every service with roving teams, each small island a team could visit
//! (last tier, not a leader, within the team's population cap), what serves it in the plan
//! and the day trip from its community leader on the real ferry timetable: the sailings out
//! and back, the time on the island, and the weekday the team goes; where the day trip is
//! impossible, which sailing makes it so.
//!
//! Trips are by the clock ([`Network::day_trip`], earliest arrival over the routes'
//! departures) where the data has timetables, else by the expected-wait (headway) model the
//! planner uses. The working day starts at [`DAY_START`] and lasts the scenario's
//! `mobile.day_minutes`; the team needs `mobile.onsite_minutes` on the island. Each base's
//! teams go out on weekdays in turn (Monday to Friday, islands in id order).

use crate::error::Result;
use crate::network::{DayTrip, Network, clock_text};
use crate::plan::hierarchy::HierarchyPlan;
use crate::plan::{Context, Plan, ServicePlan};
use crate::scenario::Mobile;

/// When a roving team's working day starts (07:00, the first boats of the Daishan feed;
/// ASSUMPTION for data without a timetable).
pub const DAY_START: f64 = crate::scenario::Mobile::DAY_START;

const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

/// The CSV header (the column contract of `roving.csv`).
pub const HEADER: [&str; 16] = [
    "service",
    "island",
    "island_name",
    "base",
    "base_name",
    "served",
    "weekday",
    "timetable",
    "possible",
    "leave",
    "arrive",
    "depart_back",
    "back",
    "onsite_minutes",
    "needed_onsite_minutes",
    "reason",
];

/// `roving.csv` of these rows ([`roving_rows`]).
pub fn roving_csv(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    crate::report::csv_table(&HEADER, rows.iter().cloned())
}

/// The rows of `roving.csv` (cells in [`HEADER`] order), services in plan order.
pub fn roving_rows(ctx: &Context, plan: &Plan) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for sp in &plan.services {
        let Some(service) = ctx.scenario.services.iter().find(|s| s.name == sp.service) else {
            continue;
        };
        let Some(mobile) = &service.mobile else {
            continue;
        };
        let (hier, tiers) = match &sp.hierarchy {
            Some(name) => match (
                plan.hierarchies.get(name),
                ctx.scenario.hierarchies.get(name),
            ) {
                (Some(h), Some(spec)) => (h, spec.tiers.len()),
                _ => continue,
            },
            None => (&plan.hierarchy, ctx.scenario.hierarchy.tiers.len()),
        };
        rows.extend(service_rows(ctx, sp, hier, tiers, mobile));
    }
    rows
}

/// The schedule columns a roving team's map feature carries (from `weekday` to `back`).
pub const MAP_COLUMNS: std::ops::Range<usize> = 6..13;

/// One service's rows, islands in id order.
fn service_rows(
    ctx: &Context,
    sp: &ServicePlan,
    hier: &HierarchyPlan,
    tiers: usize,
    mobile: &Mobile,
) -> Vec<Vec<String>> {
    let ds = ctx.ds;
    let mut islands: Vec<usize> = ctx
        .inhabited_islands
        .iter()
        .copied()
        .filter(|&k| {
            hier.tier[k] + 1 == tiers
                && hier.leader[k].is_some_and(|l| l != k)
                && ctx.island_population[k] <= mobile.max_island_population
        })
        .collect();
    islands.sort_by(|&a, &b| ds.islands[a].id.cmp(&ds.islands[b].id));
    let mut turns: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut rows = Vec::new();
    for k in islands {
        let Some(base) = hier.leader[k] else { continue };
        let served = if sp.mobile.iter().any(|m| m.island == k) {
            "roving"
        } else if (0..sp.sites.len()).any(|j| sp.open[j] && sp.sites[j].island == k) {
            "fixed"
        } else {
            "none"
        };
        let weekday = if served == "roving" {
            let turn = turns.entry(base).or_insert(0);
            *turn += 1;
            WEEKDAYS[(*turn - 1) % WEEKDAYS.len()]
        } else {
            ""
        };
        let chartered = sp.mobile.iter().find(|m| m.island == k && m.charter);
        let trip = match (ctx.centre[base], ctx.centre[k], chartered) {
            (_, _, Some(v)) => {
                let (day, c) = (mobile.working_day(), v.one_way_minutes);
                Trip {
                    timetable: "charter",
                    times: Some([day.0, day.0 + c, day.1 - c, day.1]),
                    reason: format!(
                        "no scheduled sailing makes the day trip: a chartered boat, {c:.0} min \
                         each way"
                    ),
                }
            }
            (Some(b), Some(c), None) => trip(&ctx.net, (b, c), hier.minutes_to_leader[k], mobile),
            _ => Trip::impossible("the island or its leader has no settlement to start from"),
        };
        let (i, b) = (&ds.islands[k], &ds.islands[base]);
        let mut row = vec![
            sp.service.clone(),
            i.id.clone(),
            i.name.clone(),
            b.id.clone(),
            b.name.clone(),
            served.to_string(),
            weekday.to_string(),
        ];
        row.extend(trip.cells(mobile.onsite_minutes));
        rows.push(row);
    }
    rows
}

/// A day trip's columns from `timetable` on.
struct Trip {
    timetable: &'static str,
    times: Option<[f64; 4]>,
    reason: String,
}

impl Trip {
    fn impossible(reason: &str) -> Self {
        Trip {
            timetable: "",
            times: None,
            reason: reason.to_string(),
        }
    }

    fn cells(&self, needed: f64) -> Vec<String> {
        let t = |i: usize| self.times.map_or(String::new(), |x| clock_text(x[i]));
        let onsite = self
            .times
            .map_or(String::new(), |x| format!("{:.0}", x[2] - x[1]));
        vec![
            self.timetable.to_string(),
            self.times.is_some().to_string(),
            t(0),
            t(1),
            t(2),
            t(3),
            onsite,
            format!("{needed:.0}"),
            self.reason.clone(),
        ]
    }
}

/// The day trip from settlement `from` (the leader island's centre, [`Context::centre`]) to
/// `to` (the island's, where teams land): by the clock where the network has timetables, else by the headway model's
/// one-way minutes.
fn trip(net: &Network, (from, to): (usize, usize), one_way: Option<f64>, m: &Mobile) -> Trip {
    let day = m.working_day();
    let onsite = m.onsite_minutes;
    if !net.has_timetables() {
        let Some(t) = one_way else {
            return Trip::impossible("the island does not reach its leader");
        };
        if 2.0 * t + onsite > m.day_minutes {
            return Trip {
                timetable: "headway",
                times: None,
                reason: format!(
                    "2 x {t:.0} min travel (expected waits included) + {onsite:.0} min on the island \
                     exceed the {:.0}-minute working day",
                    m.day_minutes
                ),
            };
        }
        return Trip {
            timetable: "headway",
            times: Some([day.0, day.0 + t, day.1 - t, day.1]),
            reason: String::new(),
        };
    }
    let (b, c) = (net.settlement_nodes[from], net.settlement_nodes[to]);
    match net.day_trip(b, c, day, onsite) {
        DayTrip::Possible {
            leave,
            arrive,
            depart_back,
            back,
        } => Trip {
            timetable: "clock",
            times: Some([leave, arrive, depart_back, back]),
            reason: String::new(),
        },
        DayTrip::NoWayThere => Trip {
            timetable: "clock",
            times: None,
            reason: format!(
                "no sailing leaving the leader from {} reaches the island by {}",
                clock_text(day.0),
                clock_text(day.1)
            ),
        },
        DayTrip::NoWayBack {
            arrive,
            last_return,
        } => Trip {
            timetable: "clock",
            times: None,
            reason: match last_return {
                Some(last) => format!(
                    "arrives {}; the last sailing back by {} leaves the island at {}, {:.0} min \
                     later (needs {onsite:.0})",
                    clock_text(arrive),
                    clock_text(day.1),
                    clock_text(last),
                    last - arrive
                ),
                None => format!(
                    "arrives {}; no sailing back reaches the leader by {}",
                    clock_text(arrive),
                    clock_text(day.1)
                ),
            },
        },
    }
}
