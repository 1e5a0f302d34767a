//! One service planned given the hierarchy, as one MILP: which sites open, stay, close or
//! expand, which small islands get a roving team, and who is served where.
//!
//! Variables: `y_j` site open, `e_j` added capacity, `m_k` roving team for island k, `z_a`
//! settlement a covered within a standard, `u_k` island k has cover, `x_aj` share of a's demand
//! served at j. Constraints: coverage, capacities and full seating (capacity services), targets,
//! open-before-close, one higher-level site per community leader, hub-and-spoke
//! supply, tier rules. Objective: annual cost, plus a small travel tie-break.

use super::context::Context;
pub use super::data::{
    Costs, MobileVisit, PlanSite, ServiceData, ServicePlan, SettlementService, SiteOrigin,
    TargetResult, demand_of, target_total,
};
pub(crate) use super::data::{Served, covered_measure, tier_allows};
use super::hierarchy::HierarchyPlan;
use super::milp::ScopeSolution;
use crate::error::Result;
use crate::layers::FacilityStatus;
use crate::model::Status;
use crate::scenario::{Assign, Level, Measure, Service, Target};
use petgraph::graph::NodeIndex;
use std::collections::{BTreeSet, HashMap};

/// Every site the service may use: its existing and candidate facilities, plus new sites at
/// settlements for levels that allow them.
pub fn sites_for(ctx: &Context, hier: &HierarchyPlan, service: &Service) -> Vec<PlanSite> {
    let ds = ctx.ds;
    let closing_years = ctx.scenario.closing_years;
    let mut sites = Vec::new();
    for (fi, f) in ds.facilities.iter().enumerate() {
        if f.service != service.name || ds.islands[f.island].external {
            continue;
        }
        let level = service.level(f.level);
        let existing = f.status == FacilityStatus::Existing;
        let allowed = tier_allows(ctx, hier, level, f.island);
        let decisions = &ctx.scenario.decisions;
        let expand_min = decisions.expand.get(&f.id).copied().unwrap_or(0.0);
        let forced_open = decisions.keep.contains(&f.id)
            || decisions.open.contains(&f.id)
            || expand_min > 0.0
            || (existing && (f.must_stay || level.is_none()));
        let forced_closed =
            decisions.close.contains(&f.id) || decisions.convert.contains_key(&f.id);
        let fixed = if forced_closed {
            Some(false)
        } else if forced_open {
            Some(true)
        } else if !allowed {
            Some(false)
        } else {
            None
        };
        sites.push(PlanSite {
            id: f.id.clone(),
            name: f.name.clone(),
            level: f.level,
            level_name: level
                .map(Level::display_name)
                .unwrap_or_else(|| format!("level {} (not planned)", f.level)),
            origin: if existing {
                SiteOrigin::Existing(fi)
            } else {
                SiteOrigin::Candidate(fi)
            },
            node: ctx.net.facility_nodes[fi],
            island: f.island,
            location: f.location,
            capacity: f.capacity.or(level.and_then(|l| l.capacity)),
            annual_cost: f
                .annual_cost
                .unwrap_or(level.map_or(0.0, Level::running_cost)),
            open_cost: if existing {
                0.0
            } else {
                f.open_cost.unwrap_or(level.map_or(0.0, |l| l.open_cost))
            },
            close_cost: if existing || decisions.built.contains(&f.id) {
                f.close_cost.unwrap_or(level.map_or(0.0, |l| l.close_cost)) / closing_years
            } else {
                0.0
            },
            cost_per_unit: level.map_or(0.0, |l| l.cost_per_unit),
            expand_max: if existing {
                level.map_or(0.0, |l| l.expand_max)
            } else {
                0.0
            },
            expand_min,
            expand_cost_per_unit: level.map_or(0.0, |l| l.expand_cost_per_unit),
            fixed,
            decided_closure: forced_closed,
            allowed,
        });
    }
    sites.extend(converted_sites(ctx, service));
    for level in service.levels.iter().filter(|l| l.new_sites) {
        for &i in &ctx.settlements {
            let s = &ds.settlements[i];
            let id = format!("new-{}-{}-{}", service.name, level.level, s.id);
            let decisions = &ctx.scenario.decisions;
            let (decided_open, decided_closed) =
                (decisions.open.contains(&id), decisions.close.contains(&id));
            // A decision to open a new site (an earlier phase built it) stands whatever the
            // tier, as a decided facility's does.
            if s.population == 0
                || (!tier_allows(ctx, hier, Some(level), s.island) && !decided_open)
            {
                continue;
            }
            let mut site = fresh_site(
                level,
                (id, format!("{} at {}", level.display_name(), s.name)),
                SiteOrigin::New(i),
                (ctx.settlement_node(i), s.island, s.location),
            );
            if decisions.built.contains(&site.id) {
                site.close_cost = level.close_cost / ctx.scenario.closing_years;
            }
            if decided_closed {
                site.fixed = Some(false);
                site.decided_closure = true;
            } else if decided_open {
                site.fixed = Some(true);
            }
            sites.push(site);
        }
    }
    sites
}

/// The sites facilities converted to this service open (`decisions.convert`): in the
/// facility's building, at the level's costs, open by decision whatever the tier.
fn converted_sites(ctx: &Context, service: &Service) -> Vec<PlanSite> {
    let ds = ctx.ds;
    let mut sites = Vec::new();
    for (id, to) in &ctx.scenario.decisions.convert {
        let (Some(level), Some(fi)) = (
            service
                .level(to.level)
                .filter(|_| to.service == service.name),
            ds.facilities.iter().position(|f| &f.id == id),
        ) else {
            continue;
        };
        let f = &ds.facilities[fi];
        let mut site = fresh_site(
            level,
            (
                crate::scenario::Decisions::converted_id(id, to),
                format!("{} (converted from {})", level.display_name(), f.name),
            ),
            SiteOrigin::Converted(fi),
            (ctx.net.facility_nodes[fi], f.island, f.location),
        );
        site.fixed = Some(true);
        sites.push(site);
    }
    sites
}

/// A site the plan may open that no facility of the service stands for (at a settlement, or
/// in a converted building): the level's capacity and costs, nothing to close or expand.
fn fresh_site(
    level: &Level,
    (id, name): (String, String),
    origin: SiteOrigin,
    (node, island, location): (petgraph::graph::NodeIndex, usize, geo::Point<f64>),
) -> PlanSite {
    PlanSite {
        id,
        name,
        level: level.level,
        level_name: level.display_name(),
        origin,
        node,
        island,
        location,
        capacity: level.capacity,
        annual_cost: level.running_cost(),
        open_cost: level.open_cost,
        close_cost: 0.0,
        cost_per_unit: level.cost_per_unit,
        expand_max: 0.0,
        expand_min: 0.0,
        expand_cost_per_unit: 0.0,
        fixed: None,
        decided_closure: false,
        allowed: true,
    }
}

/// Distinct standards (minutes) the service's coverage is measured at.
fn standards(service: &Service, targets: &[&Target]) -> Vec<f64> {
    let mut m: Vec<f64> = vec![service.standard_minutes];
    for t in targets {
        let x = t.minutes.unwrap_or(service.standard_minutes);
        if !m.contains(&x) {
            m.push(x);
        }
    }
    m
}

pub fn prepare<'c>(
    ctx: &Context,
    hier: &HierarchyPlan,
    service: &'c Service,
    targets: Vec<&'c Target>,
) -> crate::Result<ServiceData<'c>> {
    let sites = sites_for(ctx, hier, service);
    let standards = standards(service, &targets);
    let reach = reach(ctx, hier, service, &sites, &standards)?;
    let demand = ctx
        .settlements
        .iter()
        .map(|&i| demand_of(ctx, service.demand, i))
        .collect();

    let suppliers = suppliers(ctx, service, &sites)?;

    // Dominated sites are dropped only where cost and cover are all that matter: a count or
    // a township target may need the very site another dominates.
    let exact = targets
        .iter()
        .any(|t| t.is_count() || t.measure == Measure::Towns);
    let (sites, reach, suppliers) = if exact {
        (sites, reach, suppliers)
    } else {
        reduce(sites, reach, suppliers)
    };
    let site_town = super::data::site_towns(ctx, &sites);
    let catchments = super::data::catchments(service, &sites, &reach);

    let mobile_options = mobile_options(ctx, hier, service);
    Ok(ServiceData {
        service,
        targets,
        sites,
        demand,
        reach,
        suppliers,
        mobile_options,
        standards,
        site_town,
        catchments,
    })
}

/// Hub-and-spoke supply: for each site of the supplied level, the sites of the supplying
/// level within the supply minutes.
fn suppliers(
    ctx: &Context,
    service: &Service,
    sites: &[PlanSite],
) -> crate::Result<HashMap<usize, Vec<usize>>> {
    let mut suppliers = HashMap::new();
    if let Some(sup) = &service.supply {
        let to: Vec<usize> = (0..sites.len())
            .filter(|&j| sites[j].level == sup.to_level)
            .collect();
        let from: Vec<usize> = (0..sites.len())
            .filter(|&j| sites[j].level == sup.from_level)
            .collect();
        let to_nodes: Vec<NodeIndex> = to.iter().map(|&j| sites[j].node).collect();
        let from_nodes: Vec<NodeIndex> = from.iter().map(|&j| sites[j].node).collect();
        let st = ctx
            .net
            .try_travel_times(&to_nodes, &from_nodes, sup.minutes)?;
        for (r, &j) in to.iter().enumerate() {
            suppliers.insert(j, st.row(r).0.iter().map(|&c| from[c as usize]).collect());
        }
    }

    Ok(suppliers)
}

/// Minutes from each settlement to the sites within `limit`: by the clock where the service
/// asks for it (`[service.clock]`) and the data has timetables, else the expected-wait matrix.
enum Rows {
    Matrix(crate::network::TravelTimes),
    Clock(Vec<Vec<(usize, f64)>>),
}

impl Rows {
    fn row(&self, a: usize) -> Vec<(usize, f64)> {
        match self {
            Rows::Matrix(tt) => {
                let (cols, mins) = tt.row(a);
                cols.iter()
                    .zip(mins)
                    .map(|(&j, &d)| (j as usize, f64::from(d)))
                    .collect()
            }
            Rows::Clock(rows) => rows[a].clone(),
        }
    }
}

/// Reachable sites per settlement position: (site, minutes), ascending site. Coverage
/// services: every site within the longest standard; capacity services: the nearest sites
/// within the standard and the nearest boarding sites of the community centre.
fn reach(
    ctx: &Context,
    hier: &HierarchyPlan,
    service: &Service,
    sites: &[PlanSite],
    standards: &[f64],
) -> crate::Result<Vec<Vec<(usize, f64)>>> {
    let reach_limit = standards
        .iter()
        .copied()
        .fold(service.assign_limit(), f64::max);
    let site_nodes: Vec<NodeIndex> = sites.iter().map(|s| s.node).collect();
    let sources: Vec<NodeIndex> = ctx
        .settlements
        .iter()
        .map(|&i| ctx.settlement_node(i))
        .collect();
    let max_standard = standards.iter().copied().fold(0.0, f64::max);
    // Capacity services seat demand within the standard, or beyond it (boarding, up to
    // `assign_minutes`) only on the community leader's island (or, when it has no site, the
    // next leader up): pupils board in their community's centre, which also keeps
    // communities independent for decomposition.
    let capacity_mode = service.assign == Assign::Capacity;
    // The boarding island of each community: its leader, or up the chain of leaders the first
    // island with a usable site.
    let mut usable = std::collections::HashSet::new();
    for s in sites {
        if s.fixed != Some(false) {
            usable.insert(s.island);
        }
    }
    let boarding = |island: usize| {
        let mut at = hier.leader[island];
        while let Some(l) = at {
            if usable.contains(&l) {
                return Some(l);
            }
            at = hier.parent[l];
        }
        None
    };
    let leaders: Vec<Option<usize>> = (0..sources.len())
        .map(|a| boarding(ctx.ds.settlements[ctx.settlements[a]].island))
        .collect();
    let rows = if capacity_mode && clock_rule(ctx, service).is_none() {
        boarding_rows(
            ctx,
            service,
            sites,
            (&sources, &site_nodes),
            &leaders,
            (reach_limit, max_standard),
        )
    } else {
        travel_rows(ctx, service, &sources, &site_nodes, reach_limit)?
    };
    let reach = (0..sources.len())
        .map(|a| {
            let leader = leaders[a];
            let all = rows.row(a).into_iter();
            if !capacity_mode {
                return all.filter(|&(_, d)| d <= max_standard).collect();
            }
            // Seats at the nearest sites within the service's standard (a target's longer
            // minutes widen what it counts, not where pupils may sit), or boarding at the
            // nearest sites of the community centre (a planning rule that keeps models small).
            let standard = service.standard_minutes;
            let mut near: Vec<(usize, f64)> = all.clone().filter(|&(_, d)| d <= standard).collect();
            near.sort_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)));
            near.truncate(service.nearest_sites);
            let mut board: Vec<(usize, f64)> = all
                .filter(|&(j, d)| Some(sites[j].island) == leader && d > standard)
                .collect();
            board.sort_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)));
            board.truncate(service.boarding_sites);
            near.extend(board);
            near.sort_by_key(|p| p.0);
            near.dedup_by_key(|p| p.0);
            near
        })
        .collect();
    Ok(reach)
}

/// The minutes from each settlement to the sites a capacity service may seat it at: every
/// site within the standards, and the nearest boarding sites on its community's boarding
/// island (`leaders`). Each settlement's search ends once it has them: searching all of
/// `assign_minutes` (480) from 100,000 settlements took 110 s, and a pass to count the
/// pairs first.
fn boarding_rows(
    ctx: &Context,
    service: &Service,
    sites: &[PlanSite],
    (sources, site_nodes): (&[NodeIndex], &[NodeIndex]),
    leaders: &[Option<usize>],
    (reach_limit, max_standard): (f64, f64),
) -> Rows {
    let mut sites_on: HashMap<usize, usize> = HashMap::new();
    for s in sites {
        *sites_on.entry(s.island).or_default() += 1;
    }
    let board_from = |a: usize| {
        let leader = leaders[a];
        let on_leader = leader.map_or(0, |l| sites_on.get(&l).copied().unwrap_or(0));
        let (mut found, mut board, mut enough_at) = (0usize, 0usize, None::<f32>);
        move |j: u32, d: f32| {
            let minutes = f64::from(d);
            if enough_at.is_some_and(|at| d > at) && minutes > max_standard {
                return false;
            }
            if Some(sites[j as usize].island) == leader {
                found += 1;
                board += usize::from(minutes > service.standard_minutes);
            }
            if enough_at.is_none() && (board >= service.boarding_sites || found >= on_leader) {
                enough_at = Some(d);
            }
            true
        }
    };
    Rows::Matrix(
        ctx.net
            .travel_times_until(sources, site_nodes, reach_limit, board_from),
    )
}

/// How the service judges trips by the clock, where it asks to and the data has timetables.
fn clock_rule(ctx: &Context, service: &Service) -> Option<crate::network::ClockRule> {
    use crate::network::ClockRule;
    let spec = service.clock.as_ref().and_then(|c| c.spec().ok());
    match spec {
        _ if !ctx.net.has_timetables() => None,
        Some(crate::scenario::ClockSpec::Depart(from, to)) => Some(ClockRule::Depart { from, to }),
        Some(crate::scenario::ClockSpec::ArriveBy(t)) => Some(ClockRule::ArriveBy(t)),
        None => None,
    }
}

fn travel_rows(
    ctx: &Context,
    service: &Service,
    sources: &[NodeIndex],
    site_nodes: &[NodeIndex],
    limit: f64,
) -> Result<Rows> {
    use rayon::prelude::*;
    let Some(rule) = clock_rule(ctx, service) else {
        return Ok(Rows::Matrix(
            ctx.net.try_travel_times(sources, site_nodes, limit)?,
        ));
    };
    Ok(Rows::Clock(
        sources
            .par_iter()
            .map(|&s| {
                let best = ctx.net.clock_minutes(s, rule);
                site_nodes
                    .iter()
                    .enumerate()
                    .filter_map(|(j, v)| {
                        let d = best[v.index()];
                        (d <= limit).then_some((j, d))
                    })
                    .collect()
            })
            .collect(),
    ))
}

/// Whether a roving team based at node `nodes.0` (its leader's centre) can serve the island
/// whose centre is `nodes.1` in a working day: where the data has timetables, a real sailing
/// out and one back that leave `onsite_minutes` on the island within the day (by the clock,
/// from [`crate::scenario::Mobile::DAY_START`]); else the expected-wait model's one-way
/// minutes each way (`one_way`, asked only then; `None`: unreachable).
pub(crate) fn roving_fits(
    net: &crate::network::Network,
    m: &crate::scenario::Mobile,
    nodes: (NodeIndex, NodeIndex),
    one_way: impl FnOnce() -> Option<f64>,
) -> bool {
    if net.has_timetables() {
        net.day_trip_fits(nodes.0, nodes.1, m.working_day(), m.onsite_minutes)
    } else {
        one_way().is_some_and(|t| m.reachable(t))
    }
}

/// The roving-team options: small islands of the last tier, not leaders, not too populous,
/// whose leader is a day trip away.
fn mobile_options(ctx: &Context, hier: &HierarchyPlan, service: &Service) -> Vec<MobileVisit> {
    let mut mobile_options = Vec::new();
    if let Some(m) = &service.mobile {
        let last = ctx.scenario.hierarchy.tiers.len() - 1;
        for &k in &ctx.inhabited_islands {
            let (Some(base), Some(t)) = (hier.leader[k], hier.minutes_to_leader[k]) else {
                continue;
            };
            let nodes = ctx.centre[base]
                .zip(ctx.centre[k])
                .map(|(b, c)| (ctx.settlement_node(b), ctx.settlement_node(c)));
            let Some(nodes) = nodes else { continue };
            if hier.tier[k] != last
                || base == k
                || ctx.island_population[k] > m.max_island_population
            {
                continue;
            }
            if roving_fits(&ctx.net, m, nodes, || Some(t)) {
                mobile_options.push(MobileVisit {
                    island: k,
                    base,
                    one_way_minutes: t,
                    annual_cost: m.annual_cost(t),
                    charter: false,
                });
                continue;
            }
            // No scheduled sailing makes the day trip: a chartered boat, where allowed (the
            // route search only then: one per far island adds up to minutes at 10,000 islands).
            let charter = m.charter_cost_per_trip.is_some();
            let charter = charter.then(|| ctx.net.no_wait_minutes(nodes.0, nodes.1));
            let charter = charter.flatten().and_then(|c| {
                let cost = m.charter_annual_cost(c)?;
                m.reachable(c).then_some((c, cost))
            });
            if let Some((c, cost)) = charter {
                mobile_options.push(MobileVisit {
                    island: k,
                    base,
                    one_way_minutes: c,
                    annual_cost: cost,
                    charter: true,
                });
            }
        }
    }
    mobile_options
}

/// Drops dominated sites (see [`super::dominance`]) and renumbers what refers to sites.
#[allow(clippy::type_complexity)]
fn reduce(
    sites: Vec<PlanSite>,
    reach: Vec<Vec<(usize, f64)>>,
    suppliers: HashMap<usize, Vec<usize>>,
) -> (
    Vec<PlanSite>,
    Vec<Vec<(usize, f64)>>,
    HashMap<usize, Vec<usize>>,
) {
    let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); sites.len()];
    for (a, row) in reach.iter().enumerate() {
        for &(j, d) in row {
            by_site[j].push((a, d));
        }
    }
    let closed: Vec<bool> = sites.iter().map(|s| s.fixed == Some(false)).collect();
    let mut sorted_suppliers = suppliers.clone();
    for v in sorted_suppliers.values_mut() {
        v.sort_unstable();
    }
    let drop = super::dominance::dominated(&super::dominance::SiteReach {
        sites: &sites,
        reach: by_site,
        by_settlement: &reach,
        suppliers: &sorted_suppliers,
        closed: &closed,
    });
    let mut new_index = vec![usize::MAX; sites.len()];
    let mut kept = Vec::with_capacity(sites.len());
    for (j, site) in sites.into_iter().enumerate() {
        if !drop[j] {
            new_index[j] = kept.len();
            kept.push(site);
        }
    }
    let reach = reach
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|&(j, _)| !drop[j])
                .map(|(j, d)| (new_index[j], d))
                .collect()
        })
        .collect();
    let suppliers = suppliers
        .into_iter()
        .filter(|(j, _)| !drop[*j])
        .map(|(j, from)| {
            (
                new_index[j],
                from.into_iter()
                    .filter(|&c| !drop[c])
                    .map(|c| new_index[c])
                    .collect(),
            )
        })
        .collect();
    (kept, reach, suppliers)
}

/// Work budget of the travel tie-break (settlement-site pairs scanned): about two seconds on
/// a 5,000-village archipelago, and the same plan wherever it runs.
const TIEBREAK_WORK: usize = 400_000_000;

/// Plans the service: one exact MILP when the model is small, otherwise independent
/// components priced by Lagrangian multipliers on the shared targets (see [`super::decompose`]).
/// `Ok(None)` = infeasible.
pub fn solve(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    travel_weight: f64,
    options: &super::PlanOptions,
) -> Result<Option<ServicePlan>> {
    let started = std::time::Instant::now();
    let Some(whole) = super::decompose::solve_service(ctx, hier, data, travel_weight, options)?
    else {
        return Ok(None);
    };
    let mut open = vec![false; data.sites.len()];
    for &j in &whole.solution.open {
        open[j] = true;
    }
    let mut mobile_on = vec![false; data.mobile_options.len()];
    for &m in &whole.solution.mobile {
        mobile_on[m] = true;
    }
    if data.service.assign == Assign::Coverage {
        super::evaluate::tiebreak(ctx, hier, data, &mut open, &mobile_on, TIEBREAK_WORK);
    }
    let mut plan = extract(ctx, data, &whole.solution, open, &mobile_on);
    plan.refers_to = referrals(ctx, hier, &plan.sites, &plan.open);
    plan.objective = whole.objective;
    plan.bound = whole.bound;
    plan.status = whole.status;
    plan.method = whole.method;
    plan.variables = whole.solution.variables;
    plan.seconds = started.elapsed().as_secs_f64();
    Ok(Some(plan))
}

fn extract(
    ctx: &Context,
    data: &ServiceData,
    sol: &ScopeSolution,
    open: Vec<bool>,
    mobile_on: &[bool],
) -> ServicePlan {
    let service = data.service;
    let sites = &data.sites;
    let mut expansion = vec![0.0; sites.len()];
    for &(j, v) in &sol.expansion {
        expansion[j] = v;
    }
    let mobile_used: Vec<MobileVisit> = data
        .mobile_options
        .iter()
        .zip(mobile_on)
        .filter(|(_, on)| **on)
        .map(|(m, _)| m.clone())
        .collect();
    let mobile_islands: BTreeSet<usize> = mobile_used.iter().map(|m| m.island).collect();
    let standard = service.standard_minutes;
    let served = serve(ctx, data, sol, &open, &mobile_islands);
    let Serving {
        load,
        flows,
        settlements,
        per_unit,
    } = served;
    let mobile_cost = mobile_used.iter().map(|m| m.annual_cost).sum();
    let costs = cost_lines(sites, &open, &expansion, per_unit, mobile_cost);
    let targets = data
        .targets
        .iter()
        .map(|t| evaluate_target(ctx, data, t, &open, &expansion, &mobile_islands, &flows))
        .collect();
    ServicePlan {
        service: service.name.clone(),
        label: service.label().to_string(),
        hierarchy: service.hierarchy.clone(),
        standard_minutes: standard,
        sites: sites.clone(),
        open,
        expansion,
        load,
        refers_to: Vec::new(),
        mobile: mobile_used,
        settlements,
        flows,
        costs,
        objective: 0.0,
        bound: 0.0,
        status: Status::Optimal,
        method: String::new(),
        seconds: 0.0,
        variables: 0,
        targets,
    }
}

/// The settlements' side of a solved service: loads, flows, per-settlement service, per-unit
/// cost.
struct Serving {
    load: Vec<f64>,
    flows: Vec<(usize, usize, f64)>,
    settlements: Vec<SettlementService>,
    per_unit: f64,
}

/// Who is served where: capacity services by their seat shares (largest first), the others by
/// the nearest open site within the standard.
fn serve(
    ctx: &Context,
    data: &ServiceData,
    sol: &ScopeSolution,
    open: &[bool],
    mobile_islands: &BTreeSet<usize>,
) -> Serving {
    let service = data.service;
    let sites = &data.sites;
    let capacity_mode = service.assign == Assign::Capacity;
    let standard = service.standard_minutes;
    let minutes_of = |a: usize, j: usize| {
        data.reach[a]
            .iter()
            .find(|&&(k, _)| k == j)
            .map(|&(_, d)| d)
    };

    let mut load = vec![0.0; sites.len()];
    let mut flows = Vec::new();
    let mut settlements = Vec::with_capacity(ctx.settlements.len());
    let mut per_unit = 0.0;
    let mut shares: Vec<Vec<(usize, f64)>> = vec![Vec::new(); ctx.settlements.len()];
    if capacity_mode {
        for &(a, j, s) in &sol.flows {
            shares[a].push((j, s));
        }
    }
    for (a, &i) in ctx.settlements.iter().enumerate() {
        let w = data.demand[a];
        let island = ctx.ds.settlements[i].island;
        let nearest_open = data.reach[a]
            .iter()
            .filter(|&&(j, _)| open[j])
            .min_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)))
            .copied();
        let (site, minutes, covered) = if capacity_mode {
            let mut mine = shares[a].clone();
            mine.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
            let mut covered = 0.0;
            for &(j, s) in &mine {
                load[j] += w * s;
                per_unit += w * s * sites[j].cost_per_unit;
                flows.push((a, j, s));
                if minutes_of(a, j).is_some_and(|d| d <= standard) {
                    covered += s;
                }
            }
            match mine.first() {
                Some(&(j, _)) => (Some(j), minutes_of(a, j), covered.min(1.0)),
                None => (
                    nearest_open.map(|p| p.0),
                    nearest_open.map(|p| p.1),
                    if w <= 0.0 && nearest_open.is_some_and(|p| p.1 <= standard) {
                        1.0
                    } else {
                        0.0
                    },
                ),
            }
        } else {
            match nearest_open {
                Some((j, d)) => {
                    let covered = if d <= standard { 1.0 } else { 0.0 };
                    if covered > 0.0 && w > 0.0 {
                        let unit = data.reach[a]
                            .iter()
                            .filter(|&&(k, dk)| open[k] && dk <= standard)
                            .map(|&(k, _)| sites[k].cost_per_unit)
                            .fold(f64::INFINITY, f64::min);
                        load[j] += w;
                        per_unit += w * unit;
                        flows.push((a, j, 1.0));
                    }
                    (Some(j), Some(d), covered)
                }
                None => (None, None, 0.0),
            }
        };
        settlements.push(SettlementService {
            demand: w,
            covered,
            site,
            minutes,
            mobile: mobile_islands.contains(&island),
        });
    }

    Serving {
        load,
        flows,
        settlements,
        per_unit,
    }
}

/// The service's cost lines and their total.
fn cost_lines(
    sites: &[PlanSite],
    open: &[bool],
    expansion: &[f64],
    per_unit: f64,
    mobile: f64,
) -> Costs {
    let mut costs = Costs::default();
    for (j, s) in sites.iter().enumerate() {
        if open[j] {
            costs.running += s.annual_cost;
            costs.opening += s.open_cost;
            costs.expansion += expansion[j] * s.expand_cost_per_unit;
        } else {
            // Zero unless the site stands: an existing one, or one an earlier phase built.
            costs.closing += s.close_cost;
        }
    }
    costs.per_unit = per_unit;
    costs.mobile = mobile;
    costs.total = costs.running
        + costs.opening
        + costs.closing
        + costs.expansion
        + costs.per_unit
        + costs.mobile;
    costs
}

/// The referral of every open site: the nearest open site of the next higher level on its
/// community leader's island, or further up the chain of leaders.
fn referrals(
    ctx: &Context,
    hier: &HierarchyPlan,
    sites: &[PlanSite],
    open: &[bool],
) -> Vec<Option<usize>> {
    (0..sites.len())
        .map(|j| {
            if !open[j] {
                return None;
            }
            let mut at = hier.leader[sites[j].island];
            while let Some(l) = at {
                let best = (0..sites.len())
                    .filter(|&k| open[k] && sites[k].island == l && sites[k].level > sites[j].level)
                    .min_by(|&a, &b| {
                        let key = |k: usize| {
                            (
                                sites[k].level,
                                crate::geometry::km_between(sites[j].location, sites[k].location),
                            )
                        };
                        let (la, da) = key(a);
                        let (lb, db) = key(b);
                        la.cmp(&lb).then(da.total_cmp(&db)).then(a.cmp(&b))
                    });
                if best.is_some() {
                    return best;
                }
                at = hier.parent[l].or(if l == ctx.hub { None } else { Some(ctx.hub) });
                if at == Some(l) {
                    return None;
                }
            }
            None
        })
        .collect()
}

/// A target's achieved share, recomputed from the plan (not read off the model).
fn evaluate_target(
    ctx: &Context,
    data: &ServiceData,
    t: &Target,
    open: &[bool],
    expansion: &[f64],
    mobile_islands: &BTreeSet<usize>,
    flows: &[(usize, usize, f64)],
) -> TargetResult {
    let mut seated: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    for &(a, j, share) in flows {
        seated.entry(a).or_default().push((j, share));
    }
    let served = Served {
        open: &|j| open[j],
        roving: &|k| mobile_islands.contains(&k),
        seated: (data.service.assign == Assign::Capacity).then_some(&seated),
        expansion: &|j| expansion[j],
    };
    let all: Vec<usize> = (0..ctx.settlements.len()).collect();
    let total = target_total(ctx, data, t);
    let covered = covered_measure(ctx, data, t, &all, &ctx.inhabited_islands, &served);
    let achieved = if total > 0.0 { covered / total } else { 1.0 };
    TargetResult {
        name: t.name.clone(),
        service: t.service.clone(),
        measure: t.measure,
        minutes: t.minutes.unwrap_or(data.service.standard_minutes),
        required: if t.is_count() {
            let (lo, hi) = t.count_bounds();
            if lo > 0.0 || hi.is_infinite() { lo } else { hi }
        } else {
            t.share()
        },
        achieved,
        met: super::data::target_met(t, achieved),
        at_least: t.is_count().then(|| t.count_bounds().0),
        at_most: t
            .is_count()
            .then(|| t.count_bounds().1)
            .filter(|h| h.is_finite()),
    }
}

/// Builds a clear reason when a service's model is infeasible: targets beyond reach even with
/// every allowed site open, demand with no site within the assignment limit, capacity short,
/// a leader without a possible higher-level site.
pub fn explain_infeasible(ctx: &Context, hier: &HierarchyPlan, data: &ServiceData) -> String {
    let service = data.service;
    let sites = &data.sites;
    let mut reasons = target_reasons(ctx, data);
    reasons.extend(capacity_reasons(ctx, hier, data));
    for level in service.levels.iter().filter(|l| l.per_leader) {
        for &l in &hier.leaders {
            if !super::data::leader_must_host(ctx, hier, level, l) {
                continue;
            }
            if !(0..sites.len())
                .any(|j| sites[j].island == l && sites[j].level == level.level && sites[j].allowed)
            {
                reasons.push(format!(
                    "leader island `{}` must host a {} but has none and new ones are not allowed",
                    ctx.ds.islands[l].id,
                    level.display_name()
                ));
            }
        }
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "the {} targets, capacities, open-before-close rule and supply links cannot all hold \
             together; each holds on its own — relax a target or allow new sites",
            service.name
        ));
    }
    format!("service `{}`: {}", service.name, reasons.join("; "))
}

/// `` `id` name `` of a settlement position.
fn settlement_name(ctx: &Context, a: usize) -> String {
    let s = &ctx.ds.settlements[ctx.settlements[a]];
    format!("`{}` {}", s.id, s.name)
}

/// A count target no plan can meet: fewer sites may be counted than it needs, or decisions fix
/// more than it allows.
fn count_reason(ctx: &Context, data: &ServiceData, t: &Target) -> Option<String> {
    use super::data::EXPANDED_SEATS;
    let state = t.sites.unwrap_or_default();
    let closed = state == crate::scenario::SiteCount::Closed;
    let expanded = state == crate::scenario::SiteCount::Expanded;
    let sites = &data.sites;
    let counts = |j: usize| super::data::site_counts(ctx, data, t, j, !closed, true);
    // Expanded: a site may count when it may open and add a seat, must count when a decision
    // adds one (its site is then forced open).
    let may = |j: usize| {
        sites[j].fixed != Some(closed)
            && (!expanded || (sites[j].capacity.is_some() && sites[j].expand_max >= EXPANDED_SEATS))
    };
    let must = |j: usize| {
        sites[j].fixed == Some(!closed) && (!expanded || sites[j].expand_min >= EXPANDED_SEATS)
    };
    let most = (0..sites.len()).filter(|&j| counts(j) && may(j)).count() as f64;
    let least = (0..sites.len()).filter(|&j| counts(j) && must(j)).count() as f64;
    let (lo, hi) = t.count_bounds();
    if most < lo {
        Some(format!(
            "target \"{}\" needs at least {lo} sites but only {most} can count (of the level, \
             status and islands it counts, not fixed otherwise by decisions or tiers); allow new \
             sites or lower the count",
            t.name
        ))
    } else if least > hi {
        Some(format!(
            "target \"{}\" allows at most {hi} sites but decisions and rules fix {least} of them",
            t.name
        ))
    } else {
        None
    }
}

/// Targets beyond reach even with every allowed site open.
fn target_reasons(ctx: &Context, data: &ServiceData) -> Vec<String> {
    let service = data.service;
    let sites = &data.sites;
    let usable = |j: usize| sites[j].fixed != Some(false);
    let name_of = |a: usize| settlement_name(ctx, a);
    let mut reasons = Vec::new();
    for t in &data.targets {
        let m = t.minutes.unwrap_or(service.standard_minutes);
        if t.is_count() {
            reasons.extend(count_reason(ctx, data, t));
            continue;
        }
        if t.measure == Measure::Towns {
            let bare: Vec<&str> = super::data::target_towns(ctx, t)
                .into_iter()
                .filter(|&town| {
                    !(0..sites.len())
                        .any(|j| usable(j) && data.site_town[j].as_deref() == Some(town))
                })
                .collect();
            let total = super::data::target_towns(ctx, t).len().max(1) as f64;
            if 1.0 - bare.len() as f64 / total + 1e-9 < t.share() {
                reasons.push(format!(
                    "target \"{}\" needs {:.0}% of townships with a site, but no site may open in {}",
                    t.name,
                    t.share() * 100.0,
                    bare.join(", ")
                ));
            }
            continue;
        }
        if t.measure == Measure::Islands {
            let mobile: BTreeSet<usize> = data.mobile_options.iter().map(|m| m.island).collect();
            let counted: Vec<usize> = super::data::target_islands(ctx, t).collect();
            let bare: Vec<String> = counted
                .iter()
                .filter(|&&k| {
                    !mobile.contains(&k)
                        && !(0..sites.len()).any(|j| usable(j) && sites[j].island == k)
                })
                .map(|&k| format!("`{}`", ctx.ds.islands[k].id))
                .collect();
            let best = 1.0 - bare.len() as f64 / counted.len().max(1) as f64;
            if best + 1e-9 < t.share() {
                reasons.push(format!(
                    "target \"{}\" needs {:.0}% of inhabited islands covered but at most {:.0}% can be: \
                     no site may open and no roving team can reach {} (allow new sites on small islands, \
                     or a longer mobile day)",
                    t.name,
                    t.share() * 100.0,
                    best * 100.0,
                    bare.join(", ")
                ));
            }
            continue;
        }
        let mut got = 0.0;
        let mut total = 0.0;
        let mut out = Vec::new();
        for (a, &i) in ctx.settlements.iter().enumerate() {
            let v = super::data::target_measure(ctx, service, t, i);
            if v <= 0.0 {
                continue;
            }
            total += v;
            let nearest = data.reach[a]
                .iter()
                .filter(|&&(j, _)| usable(j))
                .map(|&(_, d)| d)
                .fold(f64::INFINITY, f64::min);
            if nearest <= m {
                got += v;
            } else {
                out.push((a, nearest));
            }
        }
        let best = if total > 0.0 { got / total } else { 1.0 };
        if best + 1e-9 < t.share() {
            let list: Vec<String> = out
                .iter()
                .take(12)
                .map(|&(a, d)| {
                    if d.is_finite() {
                        format!("{} (nearest possible site {d:.0} min)", name_of(a))
                    } else {
                        format!("{} (no possible site reachable)", name_of(a))
                    }
                })
                .collect();
            reasons.push(format!(
                "target \"{}\" needs {:.1}% but at most {:.1}% is reachable within {m} min with every \
                 allowed site open; out of reach: {}{}",
                t.name,
                t.share() * 100.0,
                best * 100.0,
                list.join(", "),
                if out.len() > 12 { format!(" and {} more", out.len() - 12) } else { String::new() }
            ));
        }
    }

    reasons
}

/// Capacity services: demand with no site within the assignment limit, communities whose
/// possible seats fall short of their demand.
fn capacity_reasons(ctx: &Context, hier: &HierarchyPlan, data: &ServiceData) -> Vec<String> {
    let service = data.service;
    let sites = &data.sites;
    let usable = |j: usize| sites[j].fixed != Some(false);
    let name_of = |a: usize| settlement_name(ctx, a);
    let mut reasons = Vec::new();
    if service.assign == Assign::Capacity {
        let limit = service.assign_limit();
        let stranded: Vec<String> = (0..ctx.settlements.len())
            .filter(|&a| data.demand[a] > 0.0)
            .filter(|&a| !data.reach[a].iter().any(|&(j, d)| usable(j) && d <= limit))
            .map(name_of)
            .collect();
        if !stranded.is_empty() {
            reasons.push(format!(
                "{} settlement(s) have no possible {} site within assign_minutes = {limit}: {}",
                stranded.len(),
                service.name,
                stranded.join(", ")
            ));
        }
        // Each community seats its own demand (within the standard, or boarding at its
        // centre): compare demand and possible seats component by component.
        for scope in super::decompose::components(ctx, hier, data) {
            let demand: f64 = scope.settlements.iter().map(|&a| data.demand[a]).sum();
            let capacity: Option<f64> = scope
                .sites
                .iter()
                .filter(|&&j| usable(j))
                .map(|&j| sites[j].capacity.map(|c| c + sites[j].expand_max))
                .sum();
            if let Some(cap) = capacity
                && cap + 1e-9 < demand
            {
                let islands: Vec<String> = scope
                    .islands
                    .iter()
                    .map(|&k| format!("`{}`", ctx.ds.islands[k].id))
                    .collect();
                reasons.push(format!(
                    "the islands {} must seat {demand:.0} ({:?}) but their possible {} sites seat \
                     {cap:.0} with every allowed expansion; allow expansion (`expand_max`) or new \
                     sites, or close fewer",
                    islands.join(", "),
                    service.demand,
                    service.name
                ));
            }
        }
    }

    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// The capacity service's searches, ended as soon as they have their seats, find exactly
    /// the seats that a full search to `assign_minutes` and the seating rule give (the rule
    /// restated here: the nearest `nearest_sites` within the standard, and the nearest
    /// `boarding_sites` beyond it on the first island up the community's chain of leaders
    /// with a site that may stay open).
    #[test]
    fn ended_searches_find_the_full_searchs_seats() {
        let mut boarding = 0;
        for seed in [1, 2, 3] {
            let (_dir, ds) = super::super::milp::tests::generated(40, 400, seed);
            let scenario = Scenario::default();
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            let service = scenario
                .services
                .iter()
                .find(|s| s.assign == Assign::Capacity)
                .expect("a capacity service");
            let targets: Vec<&Target> = scenario.targets_of(&service.name).collect();
            let sites = sites_for(&ctx, &hier, service);
            let standards = standards(service, &targets);
            let got = reach(&ctx, &hier, service, &sites, &standards).expect("reach");
            let limit = standards
                .iter()
                .copied()
                .fold(service.assign_limit(), f64::max);
            let nodes: Vec<NodeIndex> = sites.iter().map(|s| s.node).collect();
            let sources: Vec<NodeIndex> = ctx
                .settlements
                .iter()
                .map(|&i| ctx.settlement_node(i))
                .collect();
            let full = ctx.net.travel_times(&sources, &nodes, limit);
            let standard = service.standard_minutes;
            for (a, &i) in ctx.settlements.iter().enumerate() {
                let mut island = hier.leader[ds.settlements[i].island];
                while let Some(l) = island {
                    if sites
                        .iter()
                        .any(|s| s.island == l && s.fixed != Some(false))
                    {
                        break;
                    }
                    island = hier.parent[l];
                }
                let (cols, mins) = full.row(a);
                let mut row: Vec<(usize, f64)> = cols
                    .iter()
                    .zip(mins)
                    .map(|(&j, &d)| (j as usize, f64::from(d)))
                    .collect();
                row.sort_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)));
                let mut want: Vec<(usize, f64)> = row
                    .iter()
                    .filter(|p| p.1 <= standard)
                    .take(service.nearest_sites)
                    .copied()
                    .collect();
                let board: Vec<(usize, f64)> = row
                    .iter()
                    .filter(|p| p.1 > standard && Some(sites[p.0].island) == island)
                    .take(service.boarding_sites)
                    .copied()
                    .collect();
                boarding += board.len();
                want.extend(board);
                want.sort_by_key(|p| p.0);
                want.dedup_by_key(|p| p.0);
                assert_eq!(got[a], want, "seed {seed}, settlement {i}");
            }
        }
        assert!(boarding > 0, "the archipelagos have boarding seats to find");
    }
}
