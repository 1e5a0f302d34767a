//! Loading a data-set folder: per-layer parsing, then every cross-layer rule.

use super::locate::{IslandIndex, Placement};
use super::read::RawFeature;
use super::route::{Endpoint, Route, RouteMode};
use super::source::read_layer;
use super::*;
use crate::diagnostics::{Diagnostics, Location};
use crate::geometry::km_between;
use geo::{Distance, Haversine, Length, Point};
use std::collections::HashMap;

/// Radius (km) searched to name the nearest island in an error message.
const HINT_RADIUS_KM: f64 = 100.0;
/// Points this close to an island (km) count as on it: coordinate rounding, not a data problem.
const INSIDE_KM: f64 = 0.01;

pub(super) fn validate(dir: &Path) -> Validation {
    let mut diags = Diagnostics::new();
    let mut v = Validation {
        dataset: None,
        diagnostics: Diagnostics::new(),
        counts: Counts::default(),
        population: 0,
    };
    let geopackage = super::gpkg::is_geopackage(dir) && dir.is_file();
    if !(dir.is_dir() || geopackage) {
        diags.error(
            "folder-missing",
            &Location::file(&dir.display().to_string()),
            None,
            "data-set folder (or GeoPackage file) does not exist or is not a directory",
        );
        v.diagnostics = diags;
        return v;
    }
    let raw = read_layers(dir, &mut diags);
    // Islands first: everything else is placed on them.
    let (islands, island_rows, island_ids) = parse_islands(&raw.islands, &mut diags);
    let index = IslandIndex::new(&islands);
    let mut placer = Placer {
        index: &index,
        islands: &islands,
        island_ids: &island_ids,
    };
    let settlements = place_settlements(&raw.settlements, &mut placer, &mut diags);
    let (ports, port_ids) = place_ports(&raw.ports, &mut placer, &mut diags);
    let facilities = place_facilities(&raw.facilities, &mut placer, &mut diags);
    let mut routes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in route::parse(&raw.routes, &mut diags) {
        if !seen.insert(r.id.clone()) {
            continue;
        }
        if let Some(route) = resolve_route(r, &mut placer, &ports, &port_ids, &mut diags) {
            routes.push(route);
        }
    }

    check_main_ports(&islands, &island_rows, &ports, &port_ids, &mut diags);
    let hub = find_hub(&islands, &island_rows, &settlements, &mut diags);
    if let Some(hub) = hub {
        check_reachability(
            hub,
            &islands,
            &island_rows,
            &settlements,
            &ports,
            &routes,
            &mut diags,
        );
    }

    v.counts = Counts {
        islands: islands.len(),
        settlements: settlements.len(),
        facilities: facilities.len(),
        routes: routes.len(),
        ports: ports.len(),
    };
    v.population = settlements
        .iter()
        .filter(|s| !islands[s.island].external)
        .map(|s| s.population)
        .sum();
    // Layers read from a CSV table or a GeoPackage are named as such in every finding.
    for file in super::LAYER_FILES {
        let name = super::source::Source::of(dir, file).name(file);
        if name != file {
            diags.rename_file(file, &name);
        }
    }
    diags.sort();
    if !diags.has_errors()
        && let Some(hub) = hub
    {
        v.dataset = Some(DataSet {
            source: dir.to_path_buf(),
            islands,
            settlements,
            ports,
            routes,
            facilities,
            hub,
        });
    }
    v.diagnostics = diags;
    v
}

/// The five layers' features as read (a missing optional layer is empty), ids checked
/// unique per layer, the two required layers non-empty.
struct RawLayers {
    islands: Vec<RawFeature>,
    settlements: Vec<RawFeature>,
    routes: Vec<RawFeature>,
    ports: Vec<RawFeature>,
    facilities: Vec<RawFeature>,
}

fn read_layers(dir: &Path, diags: &mut Diagnostics) -> RawLayers {
    let raw_islands = read_layer(dir, ISLANDS_FILE, true, diags).unwrap_or_default();
    let raw_settlements = read_layer(dir, SETTLEMENTS_FILE, true, diags).unwrap_or_default();
    let raw_routes = read_layer(dir, FERRIES_FILE, true, diags).unwrap_or_default();
    let raw_ports = read_layer(dir, PORTS_FILE, false, diags).unwrap_or_default();
    let raw_facilities = read_layer(dir, FACILITIES_FILE, false, diags).unwrap_or_default();
    for (file, raw) in [
        (ISLANDS_FILE, &raw_islands),
        (SETTLEMENTS_FILE, &raw_settlements),
        (FERRIES_FILE, &raw_routes),
        (PORTS_FILE, &raw_ports),
        (FACILITIES_FILE, &raw_facilities),
    ] {
        check_unique_ids(file, raw, diags);
    }
    for (file, raw) in [
        (ISLANDS_FILE, &raw_islands),
        (SETTLEMENTS_FILE, &raw_settlements),
    ] {
        if raw.is_empty() && dir.join(file).is_file() && !diags.has_errors() {
            diags.error(
                "empty-layer",
                &Location::file(file),
                Some("features"),
                "the layer has no features",
            );
        }
    }

    RawLayers {
        islands: raw_islands,
        settlements: raw_settlements,
        routes: raw_routes,
        ports: raw_ports,
        facilities: raw_facilities,
    }
}

/// Islands with their row in the layer and an index by id (a repeated id is reported, the
/// first kept).
fn parse_islands(
    raw: &[RawFeature],
    diags: &mut Diagnostics,
) -> (Vec<Island>, Vec<usize>, HashMap<String, usize>) {
    let mut islands = Vec::new();
    let mut island_rows = Vec::new();
    let mut island_ids: HashMap<String, usize> = HashMap::new();
    for (row, island) in island::parse(raw, diags) {
        if island_ids.contains_key(&island.id) {
            continue; // reported as a duplicate id
        }
        island_ids.insert(island.id.clone(), islands.len());
        island_rows.push(row);
        islands.push(island);
    }
    (islands, island_rows, island_ids)
}

/// Settlements placed on their islands (a settlement on an external island is a warning).
fn place_settlements(
    raw: &[RawFeature],
    placer: &mut Placer,
    diags: &mut Diagnostics,
) -> Vec<Settlement> {
    let islands = placer.islands;
    let mut settlements = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for mut s in settlement::parse(raw, diags) {
        if !seen.insert(s.settlement.id.clone()) {
            continue;
        }
        let at = Location::feature(SETTLEMENTS_FILE, s.index, Some(&s.settlement.id));
        if let Some(i) = placer.place(
            s.settlement.location,
            s.declared_island.as_deref(),
            &at,
            diags,
        ) {
            if islands[i].external {
                diags.warning(
                    "settlement-on-external-island",
                    &at,
                    Some("island"),
                    format!(
                        "settlement is on external island `{}`: it is not planned or counted",
                        islands[i].id
                    ),
                );
            }
            s.settlement.island = i;
            settlements.push(s.settlement);
        }
    }

    settlements
}

/// Ports placed on their islands, with an index by id.
fn place_ports(
    raw: &[RawFeature],
    placer: &mut Placer,
    diags: &mut Diagnostics,
) -> (Vec<Port>, HashMap<String, usize>) {
    let mut ports = Vec::new();
    let mut port_ids: HashMap<String, usize> = HashMap::new();
    for mut p in port::parse(raw, diags) {
        if port_ids.contains_key(&p.port.id) {
            continue;
        }
        let at = Location::feature(PORTS_FILE, p.index, Some(&p.port.id));
        if let Some(i) = placer.place(p.port.location, p.declared_island.as_deref(), &at, diags) {
            p.port.island = i;
            port_ids.insert(p.port.id.clone(), ports.len());
            ports.push(p.port);
        }
    }

    (ports, port_ids)
}

/// Existing facilities placed on their islands.
fn place_facilities(
    raw: &[RawFeature],
    placer: &mut Placer,
    diags: &mut Diagnostics,
) -> Vec<Facility> {
    let mut facilities = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for mut f in facility::parse(raw, diags) {
        if !seen.insert(f.facility.id.clone()) {
            continue;
        }
        let at = Location::feature(FACILITIES_FILE, f.index, Some(&f.facility.id));
        if let Some(i) = placer.place(
            f.facility.location,
            f.declared_island.as_deref(),
            &at,
            diags,
        ) {
            f.facility.island = i;
            facilities.push(f.facility);
        }
    }

    facilities
}

fn check_unique_ids(file: &str, raw: &[RawFeature], diags: &mut Diagnostics) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for f in raw {
        let Some(id) = f.id.as_deref() else { continue };
        match first.get(id) {
            Some(&earlier) => diags.error(
                "duplicate-id",
                &f.location(file),
                Some("id"),
                format!("id `{id}` is already used by feature {earlier}"),
            ),
            None => {
                first.insert(id, f.index);
            }
        }
    }
}

/// Puts points on islands, applying the snap tolerance and explaining failures.
struct Placer<'a> {
    index: &'a IslandIndex<'a>,
    islands: &'a [Island],
    island_ids: &'a HashMap<String, usize>,
}

impl Placer<'_> {
    fn place(
        &mut self,
        p: Point<f64>,
        declared: Option<&str>,
        at: &Location,
        diags: &mut Diagnostics,
    ) -> Option<usize> {
        if let Some(id) = declared {
            let Some(&i) = self.island_ids.get(id) else {
                diags.error(
                    "unknown-island",
                    at,
                    Some("island"),
                    format!("island `{id}` is not in {ISLANDS_FILE}"),
                );
                return None;
            };
            let d = self.index.distance_km(p, i);
            if d > SNAP_TOLERANCE_KM {
                diags.error(
                    "outside-island",
                    at,
                    Some("geometry"),
                    format!(
                        "point lies {d:.2} km outside its island `{id}` (tolerance {SNAP_TOLERANCE_KM} km)"
                    ),
                );
                return None;
            }
            if d > INSIDE_KM {
                diags.warning(
                    "outside-island",
                    at,
                    Some("geometry"),
                    format!("point lies {d:.2} km outside its island `{id}`; attached to it"),
                );
            }
            return Some(i);
        }
        match self.index.place(p, SNAP_TOLERANCE_KM) {
            Placement::Inside(i) => Some(i),
            Placement::Near(i, d) if d <= INSIDE_KM => Some(i),
            Placement::Near(i, d) => {
                diags.warning(
                    "outside-island",
                    at,
                    Some("geometry"),
                    format!(
                        "point lies {d:.2} km outside every island; attached to the nearest, `{}`",
                        self.islands[i].id
                    ),
                );
                Some(i)
            }
            Placement::Nowhere => {
                self.explain_nowhere(p, at, diags);
                None
            }
        }
    }

    fn explain_nowhere(&self, p: Point<f64>, at: &Location, diags: &mut Diagnostics) {
        let swapped = Point::new(p.y(), p.x());
        if (-90.0..=90.0).contains(&swapped.y())
            && let Placement::Inside(i) = self.index.place(swapped, 0.0)
        {
            diags.error(
                "coordinates-swapped",
                at,
                Some("geometry"),
                format!(
                    "point [{}, {}] is on no island, but [{}, {}] is on `{}`: \
                     latitude and longitude look swapped (GeoJSON order is [longitude, latitude])",
                    p.x(),
                    p.y(),
                    swapped.x(),
                    swapped.y(),
                    self.islands[i].id
                ),
            );
            return;
        }
        let hint = match self.index.nearest(p, HINT_RADIUS_KM) {
            Some((i, d)) => format!(
                "the nearest island, `{}`, is {d:.2} km away",
                self.islands[i].id
            ),
            None => format!("no island within {HINT_RADIUS_KM} km"),
        };
        diags.error(
            "outside-island",
            at,
            Some("geometry"),
            format!(
                "point [{}, {}] is outside every island: {hint} (tolerance {SNAP_TOLERANCE_KM} km)",
                p.x(),
                p.y()
            ),
        );
    }
}

fn resolve_route(
    r: route::Parsed,
    placer: &mut Placer,
    ports: &[Port],
    port_ids: &HashMap<String, usize>,
    diags: &mut Diagnostics,
) -> Option<Route> {
    let at = Location::feature(FERRIES_FILE, r.index, Some(&r.id));
    let coords = &r.geometry.0;
    let line_ends = [coords[0], coords[coords.len() - 1]];
    let mut ends = Vec::with_capacity(2);
    for (k, (field, declared)) in [("from", &r.from), ("to", &r.to)].into_iter().enumerate() {
        let end_point = Point::from(line_ends[k]);
        let which = if k == 0 { "first" } else { "last" };
        let end = match declared {
            Some(port_id) => match port_ids.get(port_id) {
                Some(&pi) => {
                    let d = km_between(end_point, ports[pi].location);
                    if d > SNAP_TOLERANCE_KM {
                        diags.warning(
                            "line-end-far-from-port",
                            &at,
                            Some("geometry"),
                            format!(
                                "the line's {which} point is {d:.2} km from its `{field}` port `{port_id}`"
                            ),
                        );
                    }
                    Some(Endpoint::Port(pi))
                }
                None => {
                    diags.error(
                        "unknown-port",
                        &at,
                        Some(field),
                        format!("port `{port_id}` is not in {PORTS_FILE}"),
                    );
                    None
                }
            },
            None => anchor_endpoint(end_point, ports, placer).or_else(|| {
                let hint = match placer.index.nearest(end_point, HINT_RADIUS_KM) {
                    Some((i, d)) => {
                        format!("nearest island `{}` is {d:.2} km away", placer.islands[i].id)
                    }
                    None => format!("no island within {HINT_RADIUS_KM} km"),
                };
                diags.error(
                    "route-endpoint-unanchored",
                    &at,
                    Some(field),
                    format!(
                        "no `{field}` port given and the line's {which} point [{}, {}] is not within \
                         {SNAP_TOLERANCE_KM} km of any island or port ({hint})",
                        end_point.x(),
                        end_point.y()
                    ),
                );
                None
            }),
        };
        ends.push(end);
    }
    let (Some(a), Some(b)) = (ends[0], ends[1]) else {
        return None;
    };
    let island_of = |e: Endpoint| match e {
        Endpoint::Port(p) => ports[p].island,
        Endpoint::Landing { island, .. } => island,
    };
    if a == b {
        diags.warning(
            "route-loop",
            &at,
            Some("to"),
            "the route starts and ends at the same place",
        );
    }
    let minutes = match r.minutes {
        Some(m) => m,
        None => {
            // A bridge without a stated time: drive its length at the island road speed.
            let km = Haversine.length(&r.geometry) / 1000.0;
            let island = &placer.islands[island_of(a)];
            island.road_minutes(km).max(0.1)
        }
    };
    if r.mode == RouteMode::Bridge && r.departures_per_day > 0.0 {
        diags.warning(
            "bridge-departures",
            &at,
            Some("departures_per_day"),
            "a bridge always runs: `departures_per_day` is ignored",
        );
    }
    Some(Route {
        id: r.id,
        name: r.name,
        mode: r.mode,
        ends: [a, b],
        minutes,
        departures_per_day: r.departures_per_day,
        service_hours: r.service_hours,
        reliability: r.reliability,
        max_wind: r.max_wind,
        days: r.days,
        timetable: (r.mode != RouteMode::Bridge)
            .then_some(r.timetable)
            .flatten(),
        geometry: r.geometry,
        properties: r.properties,
    })
}

/// A route end without a named port: the nearest port within tolerance, else a landing point.
fn anchor_endpoint(p: Point<f64>, ports: &[Port], placer: &Placer) -> Option<Endpoint> {
    let nearest_port = ports
        .iter()
        .enumerate()
        .map(|(i, port)| (i, Haversine.distance(p, port.location) / 1000.0))
        .filter(|&(_, d)| d <= SNAP_TOLERANCE_KM)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    if let Some((i, _)) = nearest_port {
        return Some(Endpoint::Port(i));
    }
    match placer.index.place(p, SNAP_TOLERANCE_KM) {
        Placement::Inside(island) | Placement::Near(island, _) => Some(Endpoint::Landing {
            island,
            location: p,
        }),
        Placement::Nowhere => None,
    }
}

fn check_main_ports(
    islands: &[Island],
    rows: &[usize],
    ports: &[Port],
    port_ids: &HashMap<String, usize>,
    diags: &mut Diagnostics,
) {
    for (i, island) in islands.iter().enumerate() {
        let Some(main) = &island.main_port else {
            continue;
        };
        let at = Location::feature(ISLANDS_FILE, rows[i], Some(&island.id));
        match port_ids.get(main) {
            None => diags.error(
                "unknown-port",
                &at,
                Some("main_port"),
                format!("main port `{main}` is not in {PORTS_FILE}"),
            ),
            Some(&p) if ports[p].island != i => diags.error(
                "main-port-elsewhere",
                &at,
                Some("main_port"),
                format!(
                    "main port `{main}` is on island `{}`, not on this island",
                    islands[ports[p].island].id
                ),
            ),
            Some(_) => {}
        }
    }
}

fn find_hub(
    islands: &[Island],
    rows: &[usize],
    settlements: &[Settlement],
    diags: &mut Diagnostics,
) -> Option<usize> {
    let hubs: Vec<usize> = (0..islands.len())
        .filter(|&i| islands[i].tier == Some(Tier::Hub))
        .collect();
    for &extra in hubs.iter().skip(1) {
        diags.error(
            "multiple-hubs",
            &Location::feature(ISLANDS_FILE, rows[extra], Some(&islands[extra].id)),
            Some("tier"),
            format!(
                "only one island can be the hub; `{}` already is",
                islands[hubs[0]].id
            ),
        );
    }
    if let Some(&h) = hubs.first() {
        return Some(h);
    }
    let mut pop = vec![0u64; islands.len()];
    for s in settlements {
        pop[s.island] += s.population;
    }
    let hub = (0..islands.len())
        .filter(|&i| !islands[i].external && pop[i] > 0)
        .max_by(|&a, &b| pop[a].cmp(&pop[b]).then(b.cmp(&a)));
    if hub.is_none() && !islands.is_empty() && !settlements.is_empty() {
        diags.error(
            "no-population",
            &Location::file(SETTLEMENTS_FILE),
            Some("population"),
            "no planned island has residents, so there is no hub to plan from",
        );
    }
    hub
}

/// Every inhabited planned island must be joined to the hub by routes and bridges.
fn check_reachability(
    hub: usize,
    islands: &[Island],
    rows: &[usize],
    settlements: &[Settlement],
    ports: &[Port],
    routes: &[Route],
    diags: &mut Diagnostics,
) {
    let mut uf = petgraph::unionfind::UnionFind::<usize>::new(islands.len());
    for r in routes {
        let isl = |e: Endpoint| match e {
            Endpoint::Port(p) => ports[p].island,
            Endpoint::Landing { island, .. } => island,
        };
        uf.union(isl(r.ends[0]), isl(r.ends[1]));
    }
    let mut pop = vec![0u64; islands.len()];
    for s in settlements {
        pop[s.island] += s.population;
    }
    let unreachable: Vec<usize> = (0..islands.len())
        .filter(|&i| !islands[i].external && pop[i] > 0 && !uf.equiv(i, hub))
        .collect();
    let names: Vec<String> = unreachable
        .iter()
        .map(|&i| format!("`{}`", islands[i].id))
        .collect();
    for &i in &unreachable {
        diags.error(
            "island-unreachable",
            &Location::feature(ISLANDS_FILE, rows[i], Some(&islands[i].id)),
            None,
            format!(
                "inhabited island `{}` ({} residents) is not joined to the hub `{}` by any ferry \
                 route or bridge; unreachable islands: {}",
                islands[i].id,
                pop[i],
                islands[hub].id,
                names.join(", ")
            ),
        );
    }
}
