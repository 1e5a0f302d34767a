//! One service of a plan folder, re-derived from its open sites, roving teams and seat
//! assignments: settlements, loads, capacities, costs, targets and the service's rules.

use super::folder::{id_of, prop, prop_f64, prop_str};
use super::hierarchy::{Tiers, centre_minutes, tol};
use super::sites::{Catalogue, Site};
use super::{Log, PlanFolder, World, cost_tolerance, fmt_num};
use crate::scenario::{Assign, Demand, Measure, Service, Target};
use geo::{Distance, Haversine};
use geojson::{Feature, JsonValue};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const FAC: &str = "facilities.geojson";
const SET: &str = "settlements.geojson";
const ASG: &str = "assignments.geojson";
const SUM: &str = "summary.json";

/// A target as the audit recomputed it.
pub(crate) struct TargetCheck {
    pub name: String,
    pub service: String,
    pub achieved: f64,
    pub met: bool,
}

/// What the plan-level checks need from one service.
pub(crate) struct Outcome {
    pub cost: f64,
    /// Bound on the cost's error from seat shares rounded in the folder.
    pub cost_err: f64,
    pub targets: Vec<TargetCheck>,
}

/// A settlement's demand for a service, from the data.
/// Shares are written exactly (shortest round-trip decimals): only float noise remains.
const SHARE_EPS: f64 = 1e-12;
/// Money agrees to the fen (one fen of slack for a line that float noise rounds the other
/// way): a +1 CNY edit is a disagreement.
pub(crate) const FEN: f64 = 0.0101;

/// A settlement's demand for a service, from the data (the prover's too).
pub(crate) fn demand(world: &World, kind: Demand, i: usize) -> f64 {
    let s = &world.ds.settlements[i];
    match kind {
        Demand::Population => s.population as f64,
        Demand::Children => s.children as f64,
        Demand::Elderly => s.elderly as f64,
        Demand::Villages => f64::from(u8::from(s.population > 0)),
        Demand::Households => s.households.unwrap_or(0) as f64,
        Demand::Preschool | Demand::Primary | Demand::Junior | Demand::Care | Demand::Pupils => {
            kind.group_fields()
                .iter()
                .map(|f| s.groups.get(f).unwrap_or(0))
                .sum::<u64>() as f64
        }
    }
}

/// What the audit found a settlement gets.
#[derive(Default, Clone)]
struct Served {
    /// Seats by site (capacity services) or the one serving site (share 1).
    seats: Vec<(usize, f64)>,
}

pub(crate) fn audit(
    world: &mut World,
    tiers: &Tiers,
    folder: &PlanFolder,
    s: &Service,
    log: &mut Log,
) -> Outcome {
    let cat = Catalogue::new(world, s);
    let decided = read_decisions(world, &cat, folder, s, log);
    check_site_rules(world, tiers, s, &cat.sites, &decided, log);
    // Travel times from every open site (and every existing one, for open-before-close) as far
    // as the service's rules look, and for each seat the folder names farther than that.
    let searched = radius(world, s);
    world.times.ensure(
        cat.sites
            .iter()
            .enumerate()
            .filter(|&(j, x)| decided.open[j] || x.existing)
            .map(|(_, x)| x.node),
        searched,
    );
    let named = named_seats(world, &cat, folder, s);
    world.times.ensure_pairs(named);
    super::clock::ensure_clock(world, s);
    let world = &*world;
    let view = View::new(world, tiers, s, &cat, (&decided.open, searched));
    let mobile_cost = check_roving(world, tiers, s, &decided.roving, log);
    let tally = check_settlements(&view, folder, &decided.roving, log);
    let mut costs = check_sites(&view, &decided, &tally, log);
    costs.per_unit = tally.per_unit;
    costs.mobile = mobile_cost;
    costs.round_to_fen();
    let total = costs.total();
    rules(world, tiers, s, &cat, &decided.open, &tally.covered_of, log);
    let per_unit_err = check_summary(&view, folder, &decided, &tally, &costs, log);
    let targets = view
        .targets
        .iter()
        .map(|t| {
            target(
                world,
                folder,
                s,
                &cat,
                &decided.open,
                &decided.listed,
                &decided.roving,
                &tally.served,
                t,
                log,
            )
        })
        .collect();
    Outcome {
        cost: total,
        cost_err: per_unit_err,
        targets,
    }
}

/// Slack on every search radius: well above any tolerance a check allows a minute value.
pub(crate) const RADIUS_SLACK: f64 = 1.0;

/// How far the checks of service `s` look from a site: its standard, its targets' minutes,
/// its supply minutes and, for a coverage service, its assignment limit (a capacity service's
/// seats farther than that are searched one by one: [`named_seats`]).
pub(crate) fn radius(world: &World, s: &Service) -> f64 {
    let targets = world
        .scenario
        .targets_of(&s.name)
        .filter_map(|t| t.minutes)
        .fold(s.standard_minutes, f64::max);
    let supply = s.supply.as_ref().map_or(0.0, |x| x.minutes);
    let assign = match s.assign {
        Assign::Coverage => s.assign_limit(),
        Assign::Capacity => 0.0,
    };
    targets.max(supply).max(assign) + RADIUS_SLACK
}

/// Every (site, settlement) pair of nodes the folder names for service `s`: its seat lines and
/// each settlement's reported site.
fn named_seats(
    world: &World,
    cat: &Catalogue,
    folder: &PlanFolder,
    s: &Service,
) -> Vec<(petgraph::graph::NodeIndex, petgraph::graph::NodeIndex)> {
    let net = &world.times.net;
    let settlement: HashMap<&str, usize> = world
        .planned
        .iter()
        .map(|&i| (world.ds.settlements[i].id.as_str(), i))
        .collect();
    let pair = |site: Option<&str>, at: Option<&str>| {
        let j = *cat.by_id.get(site?)?;
        let i = *settlement.get(at?)?;
        Some((cat.sites[j].node, net.settlement_nodes[i]))
    };
    let seats = folder
        .assignments
        .iter()
        .filter(|f| prop_str(f, "service") == Some(s.name.as_str()))
        .filter_map(|f| pair(prop_str(f, "facility"), prop_str(f, "settlement")));
    let key = format!("{}_facility", s.name);
    let reported = folder
        .settlements
        .iter()
        .filter_map(|f| pair(prop_str(f, &key), prop_str(f, "id")));
    seats.chain(reported).collect()
}

/// Sites of the catalogue within `radius` minutes of settlement `i` by service `s`'s
/// minutes, ascending by site: every open or existing one (the searched sources), and others
/// that share a node with a searched source.
pub(crate) fn reach(
    world: &World,
    s: &Service,
    cat: &Catalogue,
    i: usize,
    radius: f64,
) -> Vec<(usize, f64)> {
    let times = &world.times;
    let node = times.net.settlement_nodes[i];
    let mut out: Vec<(usize, f64)> = if times.clock.contains_key(&s.name) {
        (0..cat.sites.len())
            .filter_map(|j| {
                times
                    .service_minutes(&s.name, cat.sites[j].node, node)
                    .map(|d| (j, d))
            })
            .collect()
    } else {
        times
            .near(node)
            .iter()
            .flat_map(|&(source, d)| cat.at(source).iter().map(move |&j| (j, d)))
            .collect()
    };
    out.retain(|e| e.1 <= radius);
    out.sort_unstable_by_key(|e| e.0);
    out
}

/// The folder's decisions for one service: open and closed sites, roving teams by island.
struct Decisions<'f> {
    open: Vec<bool>,
    listed: Vec<Option<&'f Feature>>,
    roving: BTreeMap<usize, &'f Feature>,
}

/// Reads the service's facilities from the folder, checking each against the catalogue.
fn read_decisions<'f>(
    world: &World,
    cat: &Catalogue,
    folder: &'f PlanFolder,
    s: &Service,
    log: &mut Log,
) -> Decisions<'f> {
    let sites = &cat.sites;
    let n = &s.name;
    let mut open = vec![false; sites.len()];
    let mut listed: Vec<Option<&Feature>> = vec![None; sites.len()];
    let mut roving: BTreeMap<usize, &Feature> = BTreeMap::new();
    for f in folder
        .facilities
        .iter()
        .filter(|f| prop_str(f, "service") == Some(n.as_str()))
    {
        let id = id_of(f);
        let status = prop_str(f, "status").unwrap_or_default();
        if status == "mobile" {
            let island = prop_str(f, "island").unwrap_or_default();
            match world.island_index.get(island).copied() {
                Some(k) if !roving.contains_key(&k) => {
                    roving.insert(k, f);
                }
                Some(_) => log.finding(
                    FAC,
                    &id,
                    "island",
                    format!("`{island}`"),
                    "one roving team per island".into(),
                ),
                None => log.finding(
                    FAC,
                    &id,
                    "island",
                    format!("`{island}`"),
                    "no such island".into(),
                ),
            }
            continue;
        }
        let Some(&j) = cat.by_id.get(&id) else {
            log.finding(
                FAC,
                &id,
                "id",
                format!("`{id}`"),
                format!("no {n} facility or new-site candidate"),
            );
            continue;
        };
        if listed[j].is_some() {
            log.finding(FAC, &id, "id", "listed twice".into(), "once".into());
            continue;
        }
        listed[j] = Some(f);
        let site = &sites[j];
        // A site an earlier phase built (`decisions.built`, a closing cost) stands like an
        // existing one: listed when closed.
        let stands = site.close_cost > 0.0;
        let expected = match (site.existing, status) {
            (true, "kept" | "closed") | (false, "new") => status,
            (false, "closed") if stands => status,
            (true, _) => "kept or closed",
            (false, _) if stands => "new or closed",
            (false, _) => "new",
        };
        log.text(FAC, &id, "status", status, expected);
        open[j] = matches!(status, "kept" | "new");
        log.num(
            FAC,
            &id,
            "level",
            prop_f64(f, "level"),
            Some(f64::from(site.level)),
            0.0,
        );
        log.text(
            FAC,
            &id,
            "island",
            prop_str(f, "island").unwrap_or_default(),
            &world.ds.islands[site.island].id,
        );
    }
    Decisions {
        open,
        listed,
        roving,
    }
}

/// Sites missing from the folder, forced open but closed, closed by decision but kept, open
/// on an island of a tier their level may not use.
fn check_site_rules(
    world: &World,
    tiers: &Tiers,
    s: &Service,
    sites: &[Site],
    decided: &Decisions,
    log: &mut Log,
) {
    let (open, listed) = (&decided.open, &decided.listed);
    log.checked.sites += listed.iter().filter(|f| f.is_some()).count();
    for (j, site) in sites.iter().enumerate() {
        if site.existing && listed[j].is_none() {
            log.finding(
                FAC,
                &site.id,
                "status",
                "(missing)".into(),
                "kept or closed".into(),
            );
        }
        if site.forced_open && !open[j] {
            log.finding(
                FAC,
                &site.id,
                "status",
                status_of(site, false).into(),
                format!(
                    "{} (a decision, must_stay, or a level the scenario does not plan)",
                    status_of(site, true)
                ),
            );
        }
        if site.decided_closure && open[j] {
            log.finding(
                FAC,
                &site.id,
                "status",
                "kept".into(),
                "closed (decisions.close)".into(),
            );
        }
        if open[j] && !site.forced_open && !tier_allows(tiers, s, site) {
            log.finding(
                FAC,
                &site.id,
                "island",
                format!(
                    "`{}` (tier {})",
                    world.ds.islands[site.island].id,
                    tiers.tier_name(site.island)
                ),
                format!("an island of tier {}", level_tiers(s, site.level)),
            );
        }
    }
}

/// What every per-settlement and per-site check of one service needs.
struct View<'v> {
    world: &'v World<'v>,
    tiers: &'v Tiers,
    s: &'v Service,
    cat: &'v Catalogue,
    open: &'v [bool],
    targets: Vec<&'v Target>,
    /// Farthest any target or the seating rule looks.
    reach_limit: f64,
    /// How far the open sites were searched ([`radius`]).
    radius: f64,
    capacity_mode: bool,
}

impl<'v> View<'v> {
    fn new(
        world: &'v World<'v>,
        tiers: &'v Tiers,
        s: &'v Service,
        cat: &'v Catalogue,
        (open, radius): (&'v [bool], f64),
    ) -> Self {
        let targets: Vec<&Target> = world.scenario.targets_of(&s.name).collect();
        let standard = s.standard_minutes;
        let reach_limit = targets
            .iter()
            .map(|t| t.minutes.unwrap_or(standard))
            .fold(s.assign_limit().max(standard), f64::max);
        View {
            world,
            tiers,
            s,
            cat,
            open,
            targets,
            reach_limit,
            radius,
            capacity_mode: s.assign == Assign::Capacity,
        }
    }

    /// Open sites within the searched radius of settlement `i`, ascending: (site, minutes).
    fn open_near(&self, i: usize) -> Vec<(usize, f64)> {
        let mut near = reach(self.world, self.s, self.cat, i, self.radius);
        near.retain(|e| self.open[e.0]);
        near
    }

    /// Minutes from settlement `i` to site `j` (the audit's own Dijkstra, or clock search).
    fn minutes(&self, j: usize, i: usize) -> Option<f64> {
        let times = &self.world.times;
        times.service_minutes(
            &self.s.name,
            self.cat.sites[j].node,
            times.net.settlement_nodes[i],
        )
    }

    /// An open site by id.
    fn open_site(&self, id: &str) -> Option<usize> {
        self.cat.by_id.get(id).copied().filter(|&j| self.open[j])
    }
}

/// Whether a team based on island `base` can serve island `k` (`t` expected minutes one way
/// between their centres): by the real sailings where the data has timetables, else by the
/// expected-wait model.
pub(super) fn roving_fits(
    world: &World,
    m: &crate::scenario::Mobile,
    base: Option<usize>,
    k: usize,
    t: f64,
) -> bool {
    if super::clock::has_timetables(world) {
        base.is_some_and(|b| super::clock::day_trip_fits(world, m, b, k))
    } else {
        m.reachable(t - tol(t))
    }
}

/// A chartered team: charters allowed, no scheduled day trip fits, the trip without waits
/// does, one-way minutes and cost as re-derived; its annual cost.
fn check_charter(
    world: &World,
    m: &crate::scenario::Mobile,
    (id, f): (&str, &Feature),
    (base, k): (Option<usize>, usize),
    log: &mut Log,
) -> f64 {
    let c = base.and_then(|b| super::clock::no_wait_minutes(world, b, k));
    log.num(
        FAC,
        id,
        "one_way_minutes",
        prop_f64(f, "one_way_minutes"),
        c,
        0.051 + tol(c.unwrap_or(0.0)),
    );
    let Some(c) = c else { return 0.0 };
    let scheduled = base
        .and_then(|b| centre_minutes(world, k, b))
        .is_some_and(|t| roving_fits(world, m, base, k, t));
    let problem = match m.charter_annual_cost(c) {
        None => Some("no charters: the service has no mobile.charter_cost_per_trip".to_string()),
        Some(_) if scheduled => Some("no charter: a scheduled day trip fits".to_string()),
        Some(_) if !m.reachable(c - tol(c)) => Some(format!(
            "a round trip without waits and {} min on site within day_minutes = {}",
            m.onsite_minutes, m.day_minutes
        )),
        Some(_) => None,
    };
    if let Some(p) = problem {
        log.finding(FAC, id, "charter", "true".into(), p);
    }
    let cost = m.charter_annual_cost(c).unwrap_or(0.0);
    log.num(
        FAC,
        id,
        "annual_cost",
        prop_f64(f, "annual_cost"),
        Some(cost),
        0.51 + cost_tolerance(cost),
    );
    cost
}

/// Checks each roving team (base, tier, island size, day trip, cost); their annual cost.
fn check_roving(
    world: &World,
    tiers: &Tiers,
    s: &Service,
    roving: &BTreeMap<usize, &Feature>,
    log: &mut Log,
) -> f64 {
    let n = &s.name;
    let mut mobile_cost = 0.0;
    for (&k, f) in roving {
        let id = id_of(f);
        log.checked.roving_teams += 1;
        let Some(m) = &s.mobile else {
            log.finding(
                FAC,
                &id,
                "status",
                "mobile".into(),
                format!("no roving teams: service {n} has no [service.mobile]"),
            );
            continue;
        };
        let island = &world.ds.islands[k].id;
        let base = tiers.leader[k];
        log.text(
            FAC,
            &id,
            "base",
            prop_str(f, "base").unwrap_or_default(),
            &base.map_or(String::new(), |b| world.ds.islands[b].id.clone()),
        );
        if tiers.tier[k] != Some(tiers.last) || base == Some(k) {
            log.finding(
                FAC,
                &id,
                "island",
                format!("`{island}` (tier {})", tiers.tier_name(k)),
                "a small island of the last tier, not a leader".into(),
            );
        }
        let people = world.island_population[k];
        if people > m.max_island_population {
            log.finding(
                FAC,
                &id,
                "island",
                format!("`{island}` ({people} residents)"),
                format!(
                    "at most max_island_population = {}",
                    m.max_island_population
                ),
            );
        }
        let charter = prop(f, "charter").and_then(JsonValue::as_bool) == Some(true);
        if charter {
            mobile_cost += check_charter(world, m, (&id, f), (base, k), log);
            continue;
        }
        let t = base.and_then(|b| centre_minutes(world, k, b));
        log.num(
            FAC,
            &id,
            "one_way_minutes",
            prop_f64(f, "one_way_minutes"),
            t,
            0.051 + tol(t.unwrap_or(0.0)),
        );
        if let Some(t) = t {
            if !roving_fits(world, m, base, k, t) {
                log.finding(
                    FAC,
                    &id,
                    "one_way_minutes",
                    fmt_num(t),
                    format!(
                        "a round trip and {} min on site within day_minutes = {}{}",
                        m.onsite_minutes,
                        m.day_minutes,
                        if super::clock::has_timetables(world) {
                            " by the real sailings"
                        } else {
                            ""
                        }
                    ),
                );
            }
            let cost = m.annual_cost(t);
            mobile_cost += cost;
            log.num(
                FAC,
                &id,
                "annual_cost",
                prop_f64(f, "annual_cost"),
                Some(cost),
                0.51 + cost_tolerance(cost),
            );
        }
    }

    mobile_cost
}

/// The settlements' side of a service as the audit re-derived it.
struct Tally {
    load: Vec<f64>,
    load_err: Vec<f64>,
    per_unit: f64,
    served: Vec<Served>,
    covered_of: Vec<f64>,
    dem_total: f64,
    dem_covered: f64,
    /// Demand-weighted minutes and the demand that has minutes.
    wm: f64,
    w_with: f64,
}

/// How one settlement is served: (site, minutes, covered share, tolerance of the share).
type Serving = (Option<usize>, Option<f64>, f64, f64);

/// Settlements: minutes, serving site, covered share, roving flag; loads and per-unit cost.
fn check_settlements(
    v: &View,
    folder: &PlanFolder,
    roving: &BTreeMap<usize, &Feature>,
    log: &mut Log,
) -> Tally {
    let (world, s, sites) = (v.world, v.s, &v.cat.sites);
    let n = &s.name;
    let mut flows: HashMap<&str, Vec<&Feature>> = HashMap::new();
    for f in folder
        .assignments
        .iter()
        .filter(|f| prop_str(f, "service") == Some(n.as_str()))
    {
        flows
            .entry(prop_str(f, "settlement").unwrap_or_default())
            .or_default()
            .push(f);
    }
    let features: HashMap<&str, &Feature> = folder
        .settlements
        .iter()
        .filter_map(|f| Some((prop_str(f, "id")?, f)))
        .collect();
    let mut t = Tally {
        load: vec![0.0; sites.len()],
        load_err: vec![0.0; sites.len()],
        per_unit: 0.0,
        served: vec![Served::default(); world.planned.len()],
        covered_of: vec![0.0; world.planned.len()],
        dem_total: 0.0,
        dem_covered: 0.0,
        wm: 0.0,
        w_with: 0.0,
    };
    let key = |x: &str| format!("{n}_{x}");
    for (a, &i) in world.planned.iter().enumerate() {
        let sid = &world.ds.settlements[i].id;
        let Some(f) = features.get(sid.as_str()) else {
            log.finding(
                SET,
                sid,
                "id",
                "(missing)".into(),
                "a feature per planned settlement".into(),
            );
            continue;
        };
        let w = demand(world, s.demand, i);
        let reported_site = match prop(f, &key("facility")) {
            Some(JsonValue::String(x)) => Some(x.as_str()),
            _ => None,
        };
        let mut seats: Vec<(usize, f64)> = Vec::new();
        let (site, mins, covered, covered_err) =
            if v.capacity_mode && (w > 0.0 || flows.contains_key(sid.as_str())) {
                let seated = flows.get(sid.as_str()).map_or(&[][..], Vec::as_slice);
                seat(v, i, w, seated, reported_site, &mut t, &mut seats, log)
            } else if v.capacity_mode {
                unseated(v, i, reported_site)
            } else {
                nearest_serves(v, i, w, reported_site, &mut t, &mut seats)
            };
        let expected_id = site.map_or(String::new(), |j| sites[j].id.clone());
        log.text(
            SET,
            sid,
            &key("facility"),
            reported_site.unwrap_or_default(),
            &expected_id,
        );
        log.num(
            SET,
            sid,
            &key("minutes"),
            prop_f64(f, &key("minutes")),
            mins,
            0.051 + tol(mins.unwrap_or(0.0)),
        );
        log.num(
            SET,
            sid,
            &key("covered"),
            prop_f64(f, &key("covered")),
            Some(covered),
            5.1e-5 + covered_err,
        );
        let mobile = roving.contains_key(&world.ds.settlements[i].island);
        let reported_mobile = prop(f, &key("mobile")).and_then(JsonValue::as_bool);
        log.text(
            SET,
            sid,
            &key("mobile"),
            &opt_bool(reported_mobile),
            &mobile.to_string(),
        );
        t.served[a] = Served { seats };
        t.covered_of[a] = covered;
        t.dem_total += w;
        t.dem_covered += w * covered;
        if let (Some(m), true) = (mins, w > 0.0) {
            t.wm += w * m;
            t.w_with += w;
        }
    }

    t
}

/// The nearest of `near` (open sites within the searched radius, ascending; the first on
/// ties): (minutes, site).
fn nearest_of(near: &[(usize, f64)]) -> Option<(f64, usize)> {
    near.iter()
        .map(|&(j, d)| (d, j))
        .min_by(|p, q| p.0.total_cmp(&q.0))
}

/// A capacity service's settlement with demand (or seat lines): every seat line checked
/// against the seating rule, loads and per-unit cost added; the main seat serves.
#[allow(clippy::too_many_arguments)]
fn seat(
    v: &View,
    i: usize,
    w: f64,
    flows: &[&Feature],
    reported_site: Option<&str>,
    t: &mut Tally,
    seats: &mut Vec<(usize, f64)>,
    log: &mut Log,
) -> Serving {
    let (s, sites, standard) = (v.s, &v.cat.sites, v.s.standard_minutes);
    let (n, sid) = (&s.name, &v.world.ds.settlements[i].id);
    let mut share_sum = 0.0;
    let mut covered = 0.0;
    let mut err = 0.0;
    for g in flows {
        let fid = prop_str(g, "facility").unwrap_or_default();
        let share = prop_f64(g, "share").unwrap_or(f64::NAN);
        let Some(j) = v.open_site(fid) else {
            log.finding(
                ASG,
                sid,
                "facility",
                format!("`{fid}`"),
                format!("an open {n} site"),
            );
            continue;
        };
        share_sum += share;
        err += SHARE_EPS;
        let d = v.minutes(j, i).unwrap_or(f64::INFINITY);
        if d > s.assign_limit() + tol(d) {
            log.finding(
                ASG,
                sid,
                "facility",
                format!("`{fid}` ({} min)", fmt_num(d)),
                format!("a site within assign_minutes = {}", s.assign_limit()),
            );
        } else if d > standard + tol(d) && !boards_at(v.world, v.tiers, i, sites[j].island) {
            log.finding(
                ASG,
                sid,
                "facility",
                format!("`{fid}` ({} min, boarding)", fmt_num(d)),
                format!("a site within {standard} min or on the community centre's island"),
            );
        }
        if d <= standard + tol(d) {
            covered += share;
        }
        t.load[j] += w * share;
        t.load_err[j] += w * SHARE_EPS;
        t.per_unit += w * share * sites[j].cost_per_unit;
        log.num(
            ASG,
            sid,
            "demand",
            prop_f64(g, "demand"),
            Some(w * share),
            0.051 + w * 5e-5,
        );
        seats.push((j, share));
    }
    if w > 0.0 {
        log.num(ASG, sid, "share", Some(share_sum), Some(1.0), 1e-3);
    }
    let biggest = seats.iter().map(|p| p.1).fold(0.0, f64::max);
    let main = reported_site
        .and_then(|x| {
            seats
                .iter()
                .find(|p| sites[p.0].id == x && p.1 >= biggest - 1e-4)
        })
        .or_else(|| seats.iter().find(|p| p.1 >= biggest - 1e-4))
        .map(|p| p.0);
    (
        main,
        main.and_then(|j| v.minutes(j, i)),
        covered.min(1.0),
        err,
    )
}

/// A capacity service's settlement without demand to seat: the folder names an open site for
/// information (the planner looks only among the sites its seating rule considers), or none
/// when no open site is within the standard.
fn unseated(v: &View, i: usize, reported_site: Option<&str>) -> Serving {
    let standard = v.s.standard_minutes;
    let nearest = nearest_of(&v.open_near(i));
    match reported_site {
        Some(x) => match v.open_site(x) {
            Some(j) => {
                let d = v.minutes(j, i);
                let covered = f64::from(u8::from(d.is_some_and(|d| d <= standard)));
                let boundary = d.is_some_and(|d| (d - standard).abs() <= tol(d));
                (Some(j), d, covered, if boundary { 1.0 } else { 0.0 })
            }
            None => (nearest.map(|p| p.1), nearest.map(|p| p.0), 0.0, 1.0),
        },
        None => match nearest.filter(|&(d, _)| d <= standard + tol(d)) {
            Some((d, j)) => (Some(j), Some(d), 1.0, 0.0),
            None => (None, None, 0.0, 0.0),
        },
    }
}

/// The nearest open site serves (a reported site at the same minutes is as near); a covered
/// settlement's demand loads it at the cheapest per-unit cost within the standard.
fn nearest_serves(
    v: &View,
    i: usize,
    w: f64,
    reported_site: Option<&str>,
    t: &mut Tally,
    seats: &mut Vec<(usize, f64)>,
) -> Serving {
    let (sites, standard) = (&v.cat.sites, v.s.standard_minutes);
    let near = v.open_near(i);
    let chosen = nearest_of(&near)
        .filter(|&(d, _)| d <= v.reach_limit + tol(d))
        .map(|(d, j)| {
            reported_site
                .and_then(|x| v.open_site(x))
                .filter(|&r| v.minutes(r, i).is_some_and(|dr| dr <= d + tol(d)))
                .unwrap_or(j)
        });
    let d = chosen.and_then(|j| v.minutes(j, i));
    let covered = f64::from(u8::from(d.is_some_and(|d| d <= standard)));
    let boundary = d.is_some_and(|d| (d - standard).abs() <= tol(d));
    if let Some(j) = chosen
        && covered > 0.0
        && w > 0.0
    {
        t.load[j] += w;
        let unit = near
            .iter()
            .filter(|&&(_, dk)| dk <= standard)
            .map(|&(k, _)| sites[k].cost_per_unit)
            .fold(f64::INFINITY, f64::min);
        t.per_unit += w * unit;
        seats.push((j, 1.0));
    }
    (chosen, d, covered, if boundary { 1.0 } else { 0.0 })
}

/// Sites: load, capacity (with expansion), cost, referral; the cost lines but per-unit and
/// roving.
fn check_sites(v: &View, decided: &Decisions, tally: &Tally, log: &mut Log) -> Costs {
    let (world, tiers, sites) = (v.world, v.tiers, &v.cat.sites);
    let (open, listed) = (&decided.open, &decided.listed);
    let (load, load_err) = (&tally.load, &tally.load_err);
    let capacity_mode = v.capacity_mode;
    let mut costs = Costs::default();
    let refer = referrals(world, tiers, sites, open);
    for (j, site) in sites.iter().enumerate() {
        let Some(f) = listed[j] else { continue };
        let id = &site.id;
        let expansion = prop_f64(f, "expansion").unwrap_or(0.0);
        if expansion < site.expand_min - 0.051 || expansion > site.expand_max + 0.051 {
            log.finding(
                FAC,
                id,
                "expansion",
                fmt_num(expansion),
                if site.expand_min > 0.0 {
                    format!(
                        "at least {} (decisions.expand), at most expand_max = {}",
                        site.expand_min, site.expand_max
                    )
                } else {
                    format!("between 0 and expand_max = {}", site.expand_max)
                },
            );
        }
        log.num(
            FAC,
            id,
            "load",
            prop_f64(f, "load"),
            Some(if open[j] { load[j] } else { 0.0 }),
            0.051 + load_err[j],
        );
        let capacity = site.capacity.map(|c| c + expansion);
        log.num(
            FAC,
            id,
            "capacity",
            prop_f64(f, "capacity"),
            capacity,
            0.051,
        );
        // Capacities bind only where the service seats its demand (assign = "capacity").
        if let Some(c) = capacity
            && capacity_mode
            && load[j] > c + 1e-6 * c.max(1.0) + load_err[j] + 0.051
        {
            log.finding(
                FAC,
                id,
                "load",
                fmt_num(load[j]),
                format!("at most the capacity {}", fmt_num(c)),
            );
        }
        log.num(
            FAC,
            id,
            "annual_cost",
            prop_f64(f, "annual_cost"),
            Some(site.annual_cost + site.open_cost),
            0.51 + cost_tolerance(site.annual_cost),
        );
        if open[j] {
            costs.running += site.annual_cost;
            costs.opening += site.open_cost;
            costs.expansion += expansion * site.expand_cost_per_unit;
            let reported = match prop(f, "refers_to") {
                Some(JsonValue::String(x)) => x.as_str(),
                _ => "",
            };
            match &refer[j] {
                Some(best) if best.iter().any(|&k| sites[k].id == reported) => {}
                Some(best) => log.text(FAC, id, "refers_to", reported, &sites[best[0]].id),
                None => log.text(FAC, id, "refers_to", reported, ""),
            }
        } else {
            costs.closing += site.close_cost;
        }
    }
    costs
}

/// The service's row of summary.json against the re-derived costs, counts, coverage and mean
/// minutes; the per-unit cost's tolerance from rounded seat shares.
fn check_summary(
    v: &View,
    folder: &PlanFolder,
    decided: &Decisions,
    tally: &Tally,
    costs: &Costs,
    log: &mut Log,
) -> f64 {
    let (n, sites) = (&v.s.name, &v.cat.sites);
    let (listed, roving) = (&decided.listed, &decided.roving);
    let total = costs.total();
    // The summary row of the service.
    let row = folder.service_summary(n);
    if row.is_none() {
        log.finding(
            SUM,
            n,
            "services",
            "(missing)".into(),
            "a row per service".into(),
        );
    }
    let get = |path: &str| {
        row.and_then(|r| r.pointer(path))
            .and_then(JsonValue::as_f64)
    };
    let per_unit_err: f64 = tally
        .load_err
        .iter()
        .zip(sites)
        .map(|(e, x)| e * x.cost_per_unit)
        .sum();
    for (field, value, err) in [
        ("/costs/running", costs.running, 0.0),
        ("/costs/opening", costs.opening, 0.0),
        ("/costs/closing", costs.closing, 0.0),
        ("/costs/expansion", costs.expansion, 0.0),
        ("/costs/per_unit", costs.per_unit, per_unit_err),
        ("/costs/mobile", costs.mobile, 0.0),
        ("/costs/total", total, per_unit_err),
        ("/cost", total, per_unit_err),
    ] {
        log.num(
            SUM,
            n,
            field.trim_start_matches('/'),
            get(field),
            Some(value),
            FEN + err,
        );
    }
    let count = |status: &str| {
        listed
            .iter()
            .flatten()
            .filter(|f| prop_str(f, "status") == Some(status))
            .count() as f64
    };
    for status in ["new", "kept", "closed"] {
        log.num(
            SUM,
            n,
            status,
            get(&format!("/{status}")),
            Some(count(status)),
            0.0,
        );
    }
    log.num(
        SUM,
        n,
        "mobile",
        get("/mobile"),
        Some(roving.len() as f64),
        0.0,
    );
    let coverage = if tally.dem_total > 0.0 {
        tally.dem_covered / tally.dem_total
    } else {
        1.0
    };
    log.num(SUM, n, "coverage", get("/coverage"), Some(coverage), 1e-4);
    let mean = (tally.w_with > 0.0).then(|| tally.wm / tally.w_with);
    log.num(
        SUM,
        n,
        "mean_minutes",
        get("/mean_minutes"),
        mean,
        0.011 + tol(mean.unwrap_or(0.0)),
    );

    per_unit_err
}

/// A settlement target's achieved share with boundary ties counted out (lo) and in (hi),
/// and the tolerance from rounded seat shares.
fn settlement_share(
    world: &World,
    s: &Service,
    cat: &Catalogue,
    open: &[bool],
    served: &[Served],
    t: &Target,
    m: f64,
) -> (f64, f64, f64) {
    let net = &world.times.net;
    let (mut total, mut lo, mut hi, mut err) = (0.0, 0.0, 0.0, 0.0);
    for (a, &i) in world.planned.iter().enumerate() {
        let p = world.ds.settlements[i].population;
        let v = match t.measure {
            Measure::Villages => f64::from(u8::from(p > 0)),
            Measure::Population => p as f64,
            _ => demand(world, s.demand, i),
        };
        if v <= 0.0 || !super::units::counts_settlement(world, t, i) {
            continue;
        }
        total += v;
        let d = |j: usize| {
            world
                .times
                .service_minutes(&s.name, cat.sites[j].node, net.settlement_nodes[i])
                .unwrap_or(f64::INFINITY)
        };
        let (l, h) = if s.assign == Assign::Capacity && demand(world, s.demand, i) > 0.0 {
            err += v * 5e-5 * served[a].seats.len() as f64;
            let within = |slack: f64| {
                served[a]
                    .seats
                    .iter()
                    .filter(|&&(j, _)| d(j) <= m + slack)
                    .map(|p| p.1)
                    .sum::<f64>()
                    .min(1.0)
            };
            (within(-tol(m)), within(tol(m)))
        } else {
            let near = reach(world, s, cat, i, m + tol(m));
            let any = |slack: f64| {
                f64::from(u8::from(
                    near.iter().any(|&(j, dj)| open[j] && dj <= m + slack),
                ))
            };
            (any(-tol(m)), any(tol(m)))
        };
        lo += v * l;
        hi += v * h;
    }
    if total > 0.0 {
        (lo / total, hi / total, err / total)
    } else {
        (1.0, 1.0, 0.0)
    }
}

#[derive(Default)]
struct Costs {
    running: f64,
    opening: f64,
    closing: f64,
    expansion: f64,
    per_unit: f64,
    mobile: f64,
}

impl Costs {
    /// Money to the fen: each line rounded by the audit's own rule.
    fn round_to_fen(&mut self) {
        for line in [
            &mut self.running,
            &mut self.opening,
            &mut self.closing,
            &mut self.expansion,
            &mut self.per_unit,
            &mut self.mobile,
        ] {
            *line = (*line * 100.0).round() / 100.0;
        }
    }

    /// The total: the sum of the rounded lines.
    fn total(&self) -> f64 {
        self.running + self.opening + self.closing + self.expansion + self.per_unit + self.mobile
    }
}

fn status_of(site: &Site, open: bool) -> &'static str {
    match (site.existing, open) {
        (true, true) => "kept",
        (true, false) => "closed",
        (false, true) => "new",
        (false, false) => "(not opened)",
    }
}

fn opt_bool(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

fn level_tiers(s: &Service, level: u32) -> String {
    s.level(level)
        .and_then(|l| l.tiers.as_ref())
        .map_or("any".to_string(), |t| t.join(" or "))
}

fn tier_allows(tiers: &Tiers, s: &Service, site: &Site) -> bool {
    match s.level(site.level).and_then(|l| l.tiers.as_ref()) {
        None => true,
        Some(list) => {
            let name = tiers.tier_name(site.island);
            list.iter().any(|t| t == name)
        }
    }
}

/// Whether settlement `i` may board on island `k`: an island up its community's chain.
fn boards_at(world: &World, tiers: &Tiers, i: usize, k: usize) -> bool {
    let mut at = tiers.leader[world.ds.settlements[i].island];
    let mut steps = 0;
    while let Some(l) = at {
        if l == k {
            return true;
        }
        at = tiers.parent[l];
        steps += 1;
        if steps > tiers.tier.len() {
            break;
        }
    }
    false
}

/// For each open site, the open sites it may refer to: of the lowest higher level, nearest in
/// straight line, on the first island up its community's chain of leaders that has one.
fn referrals(
    world: &World,
    tiers: &Tiers,
    sites: &[Site],
    open: &[bool],
) -> Vec<Option<Vec<usize>>> {
    let hub = world.hub;
    (0..sites.len())
        .map(|j| {
            if !open[j] {
                return None;
            }
            let mut at = tiers.leader[sites[j].island];
            let mut steps = 0;
            while let Some(l) = at {
                let cands: Vec<(u32, f64, usize)> = (0..sites.len())
                    .filter(|&k| open[k] && sites[k].island == l && sites[k].level > sites[j].level)
                    .map(|k| {
                        (
                            sites[k].level,
                            Haversine.distance(sites[j].location, sites[k].location),
                            k,
                        )
                    })
                    .collect();
                if let Some(&(lv, km, _)) = cands
                    .iter()
                    .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
                {
                    return Some(
                        cands
                            .iter()
                            .filter(|c| c.0 == lv && c.1 <= km + 1e-6)
                            .map(|c| c.2)
                            .collect(),
                    );
                }
                let next = tiers.parent[l].or(if Some(l) == hub { None } else { hub });
                steps += 1;
                if next == Some(l) || steps > tiers.tier.len() {
                    return None;
                }
                at = next;
            }
            None
        })
        .collect()
}

/// One higher-level site per leader, hub-and-spoke supply, open-before-close.
fn rules(
    world: &World,
    tiers: &Tiers,
    s: &Service,
    cat: &Catalogue,
    open: &[bool],
    covered: &[f64],
    log: &mut Log,
) {
    let sites = &cat.sites;
    for level in s.levels.iter().filter(|l| l.per_leader) {
        for &l in &tiers.leaders {
            let tier = tiers.tier_name(l);
            let on = |list: &Option<Vec<String>>| {
                list.as_ref().is_none_or(|t| t.iter().any(|x| x == tier))
            };
            let allowed = on(&level.tiers) && on(&level.per_leader_tiers);
            if allowed
                && !(0..sites.len())
                    .any(|j| open[j] && sites[j].island == l && sites[j].level == level.level)
            {
                log.finding(
                    FAC,
                    &world.ds.islands[l].id,
                    &format!("{} level {}", s.name, level.level),
                    "none open".into(),
                    format!(
                        "an open {} on this leader island (per_leader)",
                        level.display_name()
                    ),
                );
            }
        }
    }
    if let Some(sup) = &s.supply {
        for j in (0..sites.len()).filter(|&j| open[j] && sites[j].level == sup.to_level) {
            // Every open site was searched beyond the supply minutes: those near `j` are all.
            let supplied = world.times.near(sites[j].node).iter().any(|&(node, d)| {
                d <= sup.minutes + tol(d)
                    && cat
                        .at(node)
                        .iter()
                        .any(|&c| open[c] && sites[c].level == sup.from_level)
            });
            if !supplied {
                log.finding(
                    FAC,
                    &sites[j].id,
                    "status",
                    status_of(&sites[j], true).into(),
                    format!(
                        "a level-{} {} site within {} min to supply it",
                        sup.from_level, s.name, sup.minutes
                    ),
                );
            }
        }
    }
    if s.open_before_close {
        for (a, &i) in world.planned.iter().enumerate() {
            // Nobody to keep served (a village emptied by relocation, no elder needing care):
            // no replacement is owed.
            if demand(world, s.demand, i) <= 0.0 {
                continue;
            }
            let today = reach(world, s, cat, i, s.standard_minutes)
                .into_iter()
                .filter(|&(j, _)| sites[j].existing)
                .map(|(j, d)| (d, j))
                .min_by(|p, q| p.0.total_cmp(&q.0));
            if let Some((_, j)) = today
                && !open[j]
                && !sites[j].decided_closure
                && covered[a] < 1.0 - 1e-4
            {
                log.finding(
                    SET,
                    &world.ds.settlements[i].id,
                    &format!("{}_covered", s.name),
                    fmt_num(covered[a]),
                    format!(
                        "1 (open before close: `{}`, which serves it today, is closed)",
                        sites[j].id
                    ),
                );
            }
        }
    }
}

/// `got` of `of` units as a share; nothing to count is fully met.
fn share_of(got: usize, of: usize) -> f64 {
    if of == 0 { 1.0 } else { got as f64 / of as f64 }
}

/// A target's achieved share re-derived from the sites and seats, compared with summary.json.
#[allow(clippy::too_many_arguments)]
fn target(
    world: &World,
    folder: &PlanFolder,
    s: &Service,
    cat: &Catalogue,
    open: &[bool],
    listed: &[Option<&Feature>],
    roving: &BTreeMap<usize, &Feature>,
    served: &[Served],
    t: &Target,
    log: &mut Log,
) -> TargetCheck {
    log.checked.targets += 1;
    let sites = &cat.sites;
    let m = t.minutes.unwrap_or(s.standard_minutes);
    // Achieved share with boundary ties counted out (lo) and in (hi).
    let (lo, hi, err) = if t.measure == Measure::Towns {
        let site_town = super::units::site_towns(world, sites);
        let towns = super::units::towns(world, t);
        let got = towns
            .iter()
            .filter(|town| {
                (0..sites.len()).any(|j| open[j] && site_town[j].as_ref() == Some(*town))
            })
            .count();
        let share = share_of(got, towns.len());
        (share, share, 0.0)
    } else if t.is_count() {
        let site_town = super::units::site_towns(world, sites);
        let n = (0..sites.len())
            .filter(|&j| {
                let state = super::units::SiteState {
                    open: open[j],
                    expansion: listed[j]
                        .and_then(|f| prop_f64(f, "expansion"))
                        .unwrap_or(0.0),
                    town: site_town[j].as_deref(),
                };
                super::units::counts_site(world, t, &sites[j], state)
            })
            .count() as f64;
        (n, n, 0.0)
    } else if t.measure == Measure::Islands {
        let on: BTreeSet<usize> = (0..sites.len())
            .filter(|&j| open[j])
            .map(|j| sites[j].island)
            .collect();
        let counted = super::units::counted_islands(world, t);
        let got = counted
            .iter()
            .filter(|k| on.contains(k) || roving.contains_key(k))
            .count();
        let share = share_of(got, counted.len());
        (share, share, 0.0)
    } else {
        settlement_share(world, s, cat, open, served, t, m)
    };
    let row = folder
        .summary
        .get("targets")
        .and_then(JsonValue::as_array)
        .and_then(|rows| {
            rows.iter().find(|r| {
                r.get("name").and_then(JsonValue::as_str) == Some(t.name.as_str())
                    && r.get("service").and_then(JsonValue::as_str) == Some(t.service.as_str())
            })
        });
    let reported = row
        .and_then(|r| r.get("achieved"))
        .and_then(JsonValue::as_f64);
    let slack = 1.1e-6 + err;
    let achieved = match reported {
        Some(r) if r >= lo - slack && r <= hi + slack => r,
        _ => {
            let mid = (lo + hi) / 2.0;
            log.num(
                SUM,
                &t.name,
                "achieved",
                reported,
                Some(mid),
                (hi - lo) / 2.0 + slack,
            );
            mid
        }
    };
    log.checked.values += 1;
    // The documented rule (the scenario template): met within 1e-7 of the required share.
    let met = if t.is_count() {
        super::units::count_met(t, achieved)
    } else {
        achieved + 1e-7 >= t.share()
    };
    let reported_met = row.and_then(|r| r.get("met")).and_then(JsonValue::as_bool);
    log.text(
        SUM,
        &t.name,
        "met",
        &opt_bool(reported_met),
        &met.to_string(),
    );
    TargetCheck {
        name: t.name.clone(),
        service: t.service.clone(),
        achieved,
        met,
    }
}
