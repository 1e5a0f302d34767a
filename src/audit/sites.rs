//! The sites a service may use, with their facts re-derived from the data and the scenario:
//! existing and candidate facilities, and the new-site ids the planner names
//! `new-{service}-{level}-{settlement}`.

use super::World;
use crate::layers::FacilityStatus;
use crate::scenario::{Level, Service};
use geo::Point;
use petgraph::graph::NodeIndex;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub id: String,
    pub level: u32,
    pub island: usize,
    pub node: NodeIndex,
    pub location: Point<f64>,
    pub existing: bool,
    /// A new site at a settlement (not a facility of the data).
    pub new_site: bool,
    /// Base capacity (before expansion); `None` = unlimited.
    pub capacity: Option<f64>,
    pub annual_cost: f64,
    /// Annualised opening cost (new and candidate sites only).
    pub open_cost: f64,
    /// Closing cost per year (existing sites only).
    pub close_cost: f64,
    pub cost_per_unit: f64,
    pub expand_max: f64,
    /// The scenario's `decisions.expand` for the site (0 when none).
    pub expand_min: f64,
    pub expand_cost_per_unit: f64,
    /// Must be open: a keep/open decision, `must_stay`, or an existing site of a level the
    /// scenario does not plan.
    pub forced_open: bool,
    /// Closed by a scenario decision (exempt from open-before-close).
    pub decided_closure: bool,
}

/// Every site the service may name, by id.
pub(crate) struct Catalogue {
    pub sites: Vec<Site>,
    pub by_id: HashMap<String, usize>,
    /// Sites by network node, ascending.
    at_node: HashMap<NodeIndex, Vec<usize>>,
}

impl Catalogue {
    pub fn new(world: &World, service: &Service) -> Catalogue {
        let ds = world.ds;
        let sc = world.scenario;
        let net = &world.times.net;
        let years = sc.closing_years;
        let mut sites = Vec::new();
        for (fi, f) in ds.facilities.iter().enumerate() {
            if f.service != service.name || ds.islands[f.island].external {
                continue;
            }
            let level: Option<&Level> = service.level(f.level);
            let existing = f.status == FacilityStatus::Existing;
            let pick = |own: Option<f64>, of: fn(&Level) -> f64| {
                own.unwrap_or_else(|| level.map_or(0.0, of))
            };
            let d = &sc.decisions;
            sites.push(Site {
                id: f.id.clone(),
                level: f.level,
                island: f.island,
                node: net.facility_nodes[fi],
                location: f.location,
                existing,
                new_site: false,
                capacity: f.capacity.or(level.and_then(|l| l.capacity)),
                annual_cost: pick(f.annual_cost, Level::running_cost),
                open_cost: if existing {
                    0.0
                } else {
                    pick(f.open_cost, |l| l.open_cost)
                },
                close_cost: if existing || d.built.contains(&f.id) {
                    pick(f.close_cost, |l| l.close_cost) / years
                } else {
                    0.0
                },
                cost_per_unit: level.map_or(0.0, |l| l.cost_per_unit),
                expand_max: if existing {
                    level.map_or(0.0, |l| l.expand_max)
                } else {
                    0.0
                },
                expand_min: d.expand.get(&f.id).copied().unwrap_or(0.0),
                expand_cost_per_unit: level.map_or(0.0, |l| l.expand_cost_per_unit),
                forced_open: !d.close.contains(&f.id)
                    && !d.convert.contains_key(&f.id)
                    && (d.keep.contains(&f.id)
                        || d.expand.contains_key(&f.id)
                        || d.open.contains(&f.id)
                        || (existing && (f.must_stay || level.is_none()))),
                decided_closure: d.close.contains(&f.id) || d.convert.contains_key(&f.id),
            });
        }
        sites.extend(converted(world, service));
        for level in service.levels.iter().filter(|l| l.new_sites) {
            for &i in &world.planned {
                let s = &ds.settlements[i];
                if s.population == 0 {
                    continue;
                }
                let id = format!("new-{}-{}-{}", service.name, level.level, s.id);
                let d = &sc.decisions;
                let (open, close) = (d.open.contains(&id), d.close.contains(&id));
                let mut site = unbuilt(level, id, (net.settlement_nodes[i], s.island, s.location));
                site.new_site = true;
                site.forced_open = open && !close;
                site.decided_closure = close;
                if d.built.contains(&site.id) {
                    site.close_cost = level.close_cost / sc.closing_years;
                }
                sites.push(site);
            }
        }
        let by_id = sites
            .iter()
            .enumerate()
            .map(|(j, s)| (s.id.clone(), j))
            .collect();
        let mut at_node: HashMap<NodeIndex, Vec<usize>> = HashMap::new();
        for (j, s) in sites.iter().enumerate() {
            at_node.entry(s.node).or_default().push(j);
        }
        Catalogue {
            sites,
            by_id,
            at_node,
        }
    }

    /// The sites at network node `node`, ascending.
    pub fn at(&self, node: NodeIndex) -> &[usize] {
        self.at_node.get(&node).map_or(&[], Vec::as_slice)
    }
}

/// Sites of facilities converted to this service (`decisions.convert`): in the facility's
/// building, at the level's costs, open by decision, named `convert-{service}-{level}-{id}`.
fn converted(world: &World, service: &Service) -> Vec<Site> {
    let (ds, sc, net) = (world.ds, world.scenario, &world.times.net);
    let mut sites = Vec::new();
    for (id, to) in sc
        .decisions
        .convert
        .iter()
        .filter(|(_, to)| to.service == service.name)
    {
        let (Some(level), Some(fi)) = (
            service.level(to.level),
            ds.facilities.iter().position(|f| &f.id == id),
        ) else {
            continue;
        };
        let f = &ds.facilities[fi];
        let id = format!("convert-{}-{}-{id}", to.service, to.level);
        let mut site = unbuilt(level, id, (net.facility_nodes[fi], f.island, f.location));
        site.forced_open = true;
        sites.push(site);
    }
    sites
}

/// A site no facility of the service stands for: the level's capacity and costs, nothing to
/// close or expand, neither existing nor forced (the callers say which it is).
fn unbuilt(
    level: &Level,
    id: String,
    (node, island, location): (NodeIndex, usize, Point<f64>),
) -> Site {
    Site {
        id,
        level: level.level,
        island,
        node,
        location,
        existing: false,
        new_site: false,
        capacity: level.capacity,
        annual_cost: level.running_cost(),
        open_cost: level.open_cost,
        close_cost: 0.0,
        cost_per_unit: level.cost_per_unit,
        expand_max: 0.0,
        expand_min: 0.0,
        expand_cost_per_unit: 0.0,
        forced_open: false,
        decided_closure: false,
    }
}
