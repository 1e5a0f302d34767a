//! Two plans side by side: sites opened, closed and moved per service, coverage and travel
//! time per island, cost. Reads plan folders (or sweep scenario folders) as written, so any
//! two outputs compare, whichever run made them.

use crate::error::Result;
use crate::geometry::km_between;
use crate::io::files::{plan_dir, point, prop, read_fc, text};
use geo::Point;
use geojson::{FeatureCollection, JsonValue};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A new site within this distance of a closed one (same service and level) counts as moved.
const MOVE_KM: f64 = 15.0;

#[derive(Debug, Clone, Serialize)]
pub struct SiteRef {
    pub id: String,
    pub name: String,
    pub level: u64,
    pub island: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub from: SiteRef,
    pub to: SiteRef,
    pub km: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceChange {
    pub service: String,
    pub opened: Vec<SiteRef>,
    pub closed: Vec<SiteRef>,
    pub moved: Vec<Move>,
    pub roving_added: Vec<String>,
    pub roving_removed: Vec<String>,
    pub cost_a: Option<f64>,
    pub cost_b: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IslandChange {
    pub island: String,
    pub service: String,
    pub population_a: u64,
    pub population_b: u64,
    /// Population-weighted share covered within the standard.
    pub coverage_a: f64,
    pub coverage_b: f64,
    /// Population-weighted mean minutes to the serving site.
    pub minutes_a: Option<f64>,
    pub minutes_b: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub cost_a: f64,
    pub cost_b: f64,
    pub cost_change: f64,
    pub services: Vec<ServiceChange>,
    /// Islands whose coverage or mean minutes changed.
    pub islands: Vec<IslandChange>,
}

/// A plan's sites of one service, by id: the site, where it is, and its status.
type SitesById = BTreeMap<String, (SiteRef, Option<Point<f64>>, String)>;

struct Plan {
    cost: f64,
    service_costs: BTreeMap<String, f64>,
    /// service -> id -> (site, location, status)
    sites: BTreeMap<String, SitesById>,
    settlements: FeatureCollection,
    services: Vec<String>,
}

fn load(dir: &Path) -> Result<Plan> {
    let dir = plan_dir(dir)?;
    let summary = super::plan_out::PlanSummary::read(&dir)?;
    let mut service_costs = BTreeMap::new();
    let mut services = Vec::new();
    for s in &summary.services {
        service_costs.insert(s.service.clone(), s.cost);
        services.push(s.service.clone());
    }
    let mut sites: BTreeMap<String, SitesById> = BTreeMap::new();
    for f in read_fc(&dir.join("facilities.geojson"))?.features {
        let site = SiteRef {
            id: text(&f, "id"),
            name: text(&f, "name"),
            level: prop(&f, "level").and_then(JsonValue::as_u64).unwrap_or(1),
            island: text(&f, "island"),
        };
        sites
            .entry(text(&f, "service"))
            .or_default()
            .insert(site.id.clone(), (site, point(&f), text(&f, "status")));
    }
    Ok(Plan {
        cost: summary.cost,
        service_costs,
        sites,
        settlements: read_fc(&dir.join("settlements.geojson"))?,
        services,
    })
}

fn is_open(status: &str) -> bool {
    status == "kept" || status == "new"
}

/// Per island and service: (population, covered-weighted, minutes-weighted, minutes weight).
fn island_stats(p: &Plan) -> BTreeMap<(String, String), (u64, f64, f64, f64)> {
    let mut out: BTreeMap<(String, String), (u64, f64, f64, f64)> = BTreeMap::new();
    for f in &p.settlements.features {
        let island = text(f, "island");
        let pop = prop(f, "population")
            .and_then(JsonValue::as_u64)
            .unwrap_or(0);
        for s in &p.services {
            let e = out.entry((island.clone(), s.clone())).or_default();
            e.0 += pop;
            let covered = prop(f, &format!("{s}_covered"))
                .and_then(JsonValue::as_f64)
                .unwrap_or(0.0);
            e.1 += pop as f64 * covered;
            if let Some(m) = prop(f, &format!("{s}_minutes")).and_then(JsonValue::as_f64) {
                e.2 += pop as f64 * m;
                e.3 += pop as f64;
            }
        }
    }
    out
}

pub fn compare(a_dir: &Path, b_dir: &Path) -> Result<Comparison> {
    let a = load(a_dir)?;
    let b = load(b_dir)?;
    let mut names: Vec<String> = a.services.clone();
    for s in &b.services {
        if !names.contains(s) {
            names.push(s.clone());
        }
    }
    let empty = BTreeMap::new();
    let mut services = Vec::new();
    for s in &names {
        let sa = a.sites.get(s).unwrap_or(&empty);
        let sb = b.sites.get(s).unwrap_or(&empty);
        let open_in = |m: &SitesById, id: &str| m.get(id).is_some_and(|x| is_open(&x.2));
        let mut opened: Vec<(SiteRef, Option<Point<f64>>)> = sb
            .iter()
            .filter(|(id, x)| is_open(&x.2) && !open_in(sa, id))
            .map(|(_, x)| (x.0.clone(), x.1))
            .collect();
        let mut closed: Vec<(SiteRef, Option<Point<f64>>)> = sa
            .iter()
            .filter(|(id, x)| is_open(&x.2) && !open_in(sb, id))
            .map(|(_, x)| (x.0.clone(), x.1))
            .collect();
        // Pair closures with nearby openings of the same level: the site moved.
        let mut moved = Vec::new();
        loop {
            let mut best: Option<(f64, usize, usize)> = None;
            for (ci, c) in closed.iter().enumerate() {
                for (oi, o) in opened.iter().enumerate() {
                    if c.0.level != o.0.level {
                        continue;
                    }
                    if let (Some(p), Some(q)) = (c.1, o.1) {
                        let km = km_between(p, q);
                        if km <= MOVE_KM && best.is_none_or(|b| km < b.0) {
                            best = Some((km, ci, oi));
                        }
                    }
                }
            }
            let Some((km, ci, oi)) = best else { break };
            let from = closed.remove(ci).0;
            let to = opened.remove(oi).0;
            moved.push(Move {
                from,
                to,
                km: (km * 100.0).round() / 100.0,
            });
        }
        let roving = |m: &SitesById| -> Vec<String> {
            m.values()
                .filter(|x| x.2 == "mobile")
                .map(|x| x.0.island.clone())
                .collect()
        };
        let (ra, rb) = (roving(sa), roving(sb));
        services.push(ServiceChange {
            service: s.clone(),
            opened: opened.into_iter().map(|x| x.0).collect(),
            closed: closed.into_iter().map(|x| x.0).collect(),
            moved,
            roving_added: rb.iter().filter(|i| !ra.contains(i)).cloned().collect(),
            roving_removed: ra.iter().filter(|i| !rb.contains(i)).cloned().collect(),
            cost_a: a.service_costs.get(s).copied(),
            cost_b: b.service_costs.get(s).copied(),
        });
    }
    let (ia, ib) = (island_stats(&a), island_stats(&b));
    let mut keys: Vec<&(String, String)> = ia.keys().chain(ib.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut islands = Vec::new();
    for key in keys {
        let x = ia.get(key).copied().unwrap_or_default();
        let y = ib.get(key).copied().unwrap_or_default();
        let cov = |v: (u64, f64, f64, f64)| if v.0 > 0 { v.1 / v.0 as f64 } else { 0.0 };
        let min =
            |v: (u64, f64, f64, f64)| (v.3 > 0.0).then(|| ((v.2 / v.3) * 100.0).round() / 100.0);
        let change = IslandChange {
            island: key.0.clone(),
            service: key.1.clone(),
            population_a: x.0,
            population_b: y.0,
            coverage_a: (cov(x) * 1e4).round() / 1e4,
            coverage_b: (cov(y) * 1e4).round() / 1e4,
            minutes_a: min(x),
            minutes_b: min(y),
        };
        if change.coverage_a != change.coverage_b
            || change.minutes_a != change.minutes_b
            || change.population_a != change.population_b
        {
            islands.push(change);
        }
    }
    Ok(Comparison {
        a: a_dir.display().to_string(),
        b: b_dir.display().to_string(),
        cost_a: a.cost,
        cost_b: b.cost,
        cost_change: b.cost - a.cost,
        services,
        islands,
    })
}
