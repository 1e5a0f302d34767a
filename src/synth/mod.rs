//! Synthetic archipelagos of any size, for tests and benchmarks.
//!
//! Shapes follow what real island counties look like: island areas with a heavy (Pareto) tail,
//! a few big islands holding most people; villages clustered on islands; roughly 3 km² of land
//! per village and 8% land in the sea area (Daishan: 3.7 km² per village, 6% land); a ferry
//! network that joins every inhabited island (each island links to its nearest more populous
//! neighbour, so the hub reaches all), fast ferries on long crossings, bridges across narrow
//! straits, and departures growing with the population served. The same seed gives the same
//! bytes.

mod points;
mod shapes;

pub use points::random_points;

use crate::error::Result;
use crate::geometry::LocalProjection;
use crate::io::{geojson_bytes, write_dir_atomic};
use crate::layers::{FACILITIES_FILE, FERRIES_FILE, ISLANDS_FILE, PORTS_FILE, SETTLEMENTS_FILE};
use geo::{Contains, Coord, Point, Polygon};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shapes::{SpatialHash, island_outline};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SynthParams {
    pub islands: usize,
    pub settlements: usize,
    pub seed: u64,
}

/// Land per village (km²).
const KM2_PER_SETTLEMENT: f64 = 3.0;
/// Share of the sea area that is land.
const LAND_FRACTION: f64 = 0.08;
/// Centre of the generated archipelago (lon, lat): the East China Sea.
const ORIGIN: Coord<f64> = Coord { x: 123.0, y: 29.0 };
/// Ferry and fast-ferry cruising speeds (km/h) and berthing minutes per crossing.
const FERRY_KMH: f64 = 22.0;
const FAST_FERRY_KMH: f64 = 40.0;
const BERTHING_MINUTES: f64 = 5.0;
/// Crossings longer than this (km) are served by fast ferries.
const FAST_FERRY_KM: f64 = 30.0;
/// Straits narrower than this (km) may be bridged.
const BRIDGE_GAP_KM: f64 = 1.5;

/// A generated data set as GeoJSON collections, ready to write.
pub struct SynthLayers {
    pub islands: FeatureCollection,
    pub settlements: FeatureCollection,
    pub ports: FeatureCollection,
    pub ferries: FeatureCollection,
    pub facilities: FeatureCollection,
}

impl SynthLayers {
    /// Writes the data-set folder atomically (the folder must not exist or be empty).
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_dir_atomic(dir, |tmp| {
            for (file, fc) in [
                (ISLANDS_FILE, &self.islands),
                (SETTLEMENTS_FILE, &self.settlements),
                (PORTS_FILE, &self.ports),
                (FERRIES_FILE, &self.ferries),
                (FACILITIES_FILE, &self.facilities),
            ] {
                let path = tmp.join(file);
                std::fs::write(&path, geojson_bytes(fc)).map_err(|e| crate::Error::io(&path, e))?;
            }
            // The scenario fits the layers just written: read back as any user's data would be.
            let (ds, _) = crate::layers::DataSet::load(tmp)?;
            let text = fitted_scenario_text(&ds)?;
            let path = tmp.join(SCENARIO_FILE);
            std::fs::write(&path, text).map_err(|e| crate::Error::io(&path, e))?;
            Ok(())
        })
    }
}

/// The scenario written beside the generated layers (which `plan DIR` reads by default).
pub const SCENARIO_FILE: &str = crate::scenario::FOLDER_FILE;

/// The default scenario with as many sub-centres as the archipelago needs: `count = "auto"`
/// (the fewest that put every inhabited island within the leader minutes of a leader), so that
/// `generate` then `plan --scenario DIR/scenario.toml` works at any size.
pub fn scenario_text() -> String {
    let template = crate::scenario::TEMPLATE;
    let fixed = "name = \"subcenter\"\ncount = 4\n";
    let auto = "name = \"subcenter\"\ncount = \"auto\"                    # generated data: the fewest sub-centres that reach every island\n";
    format!(
        "# Written by `archiplan generate` beside its layers: the default scenario (see\n\
         # `archiplan scenario init`) with `count = \"auto\"` sub-centres.\n\n{}",
        template.replacen(fixed, auto, 1)
    )
}

/// The template's `min_leader_population` (the generated scenario lowers it where it must).
const TEMPLATE_MIN_LEADER_POPULATION: &str =
    "min_leader_population = 1000      # islands smaller than this never lead (unless fixed)\n";

/// [`scenario_text`] fitted to `ds`: `min_leader_population` lowered from the template's 1,000
/// to the largest value at which every inhabited island has a possible leader within the
/// leader minutes (far islands of a large archipelago may have no 1,000-resident island within
/// 480 minutes), so that `count = "auto"` has a cover.
pub fn fitted_scenario_text(ds: &crate::layers::DataSet) -> Result<String> {
    let text = scenario_text();
    let scenario = crate::scenario::Scenario::parse(&text, "generated scenario")?;
    let cap = scenario.hierarchy.min_leader_population;
    let fit = crate::plan::hierarchy::fitting_min_leader_population(ds, &scenario, cap)?;
    if fit >= cap {
        return Ok(text);
    }
    let line = format!(
        "min_leader_population = {fit}        # written by generate: the template's {cap}, lowered \
         until every inhabited island has a possible leader within leader_minutes\n"
    );
    if !text.contains(TEMPLATE_MIN_LEADER_POPULATION) {
        return Err(crate::Error::Internal(
            "the scenario template's min_leader_population line changed".into(),
        ));
    }
    Ok(text.replacen(TEMPLATE_MIN_LEADER_POPULATION, &line, 1))
}

struct IslandPlan {
    centre: Coord<f64>,
    radius_km: f64,
    outline: Polygon<f64>,
    settlements: usize,
    population: u64,
    ports: Vec<(String, Coord<f64>)>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; one value per call keeps the stream simple to reason about.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Ages 3-5, 6-11 and 12-14 of `children` (0-14), as if the 15 single-year cohorts were
/// equal (3, 6 and 3 fifteenths, largest remainder, 0-2 not stored): the method of the Daishan
/// estimates (data/daishan/README.md).
fn age_bands(children: u64) -> [u64; 3] {
    let parts = [3u64, 3, 6, 3]; // 0-2, 3-5, 6-11, 12-14
    let mut n: Vec<u64> = parts.iter().map(|p| children * p / 15).collect();
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(children * parts[k] % 15), k));
    let short = children - n.iter().sum::<u64>();
    for &k in order.iter().take(short as usize) {
        n[k] += 1;
    }
    [n[1], n[2], n[3]]
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn obj(pairs: Vec<(&str, JsonValue)>) -> JsonObject {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn feature(geometry: GeometryValue, properties: JsonObject) -> Feature {
    Feature {
        geometry: Some(Geometry::new(geometry)),
        properties: Some(properties),
        ..Default::default()
    }
}

/// Turns plane coordinates (km) into rounded lon/lat.
type ToLonLat<'a> = &'a dyn Fn(Coord<f64>) -> Vec<f64>;

/// Generates an archipelago. `islands` >= 1, `settlements` >= 1.
pub fn generate(params: SynthParams) -> Result<SynthLayers> {
    let n_islands = params.islands;
    let n_settlements = params.settlements;
    if n_islands == 0 || n_settlements == 0 {
        return Err(crate::Error::Usage(
            "the islands and settlements to generate must both be at least 1".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let proj = LocalProjection::around(ORIGIN);
    let to_lonlat = |c: Coord<f64>| {
        let ll = proj.to_lonlat(c);
        vec![round6(ll.x), round6(ll.y)]
    };
    let land_km2 = (n_settlements as f64 * KM2_PER_SETTLEMENT).max(n_islands as f64 * 0.5);
    let areas = island_areas(&mut rng, n_islands, land_km2);
    let counts = villages_per_island(&areas, n_islands, n_settlements);
    let sea_side = (land_km2 / LAND_FRACTION).sqrt();
    let mut plans = place_islands(&mut rng, &areas, &counts, sea_side);
    let (settlement_features, settlement_sites) =
        place_settlements(&mut rng, &mut plans, n_settlements, &to_lonlat);
    let port_features = place_ports(&mut rng, &mut plans, &to_lonlat);
    let (route_features, by_pop) = link_islands(&mut rng, &plans, sea_side, &to_lonlat);
    let facility_features = existing_facilities(&plans, &settlement_sites, by_pop[0], &to_lonlat);
    let island_features = island_features(&plans, by_pop[0], &to_lonlat);
    Ok(SynthLayers {
        islands: FeatureCollection::new(island_features),
        settlements: FeatureCollection::new(settlement_features),
        ports: FeatureCollection::new(port_features),
        ferries: FeatureCollection::new(route_features),
        facilities: FeatureCollection::new(facility_features),
    })
}

/// Step 1, island areas: Pareto tail (alpha 1.1), largest first, scaled to the land needed.
fn island_areas(rng: &mut ChaCha8Rng, n_islands: usize, land_km2: f64) -> Vec<f64> {
    let mut weights: Vec<f64> = (0..n_islands)
        .map(|_| rng.random_range(0.0f64..1.0).max(1e-9).powf(-1.0 / 1.1))
        .collect();
    weights.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| (w / total * land_km2).max(0.2))
        .collect()
}

/// Step 2, inhabited islands and villages per island (largest remainder on area^0.9).
fn villages_per_island(areas: &[f64], n_islands: usize, n_settlements: usize) -> Vec<usize> {
    let inhabited = n_islands.min(n_settlements).max(1);
    let inhabited = ((inhabited as f64) * 0.85).ceil().max(1.0) as usize;
    let share: Vec<f64> = areas[..inhabited].iter().map(|a| a.powf(0.9)).collect();
    let share_total: f64 = share.iter().sum();
    let mut counts = vec![1usize; inhabited];
    let extra = n_settlements.saturating_sub(inhabited);
    let mut rema: Vec<(f64, usize)> = Vec::with_capacity(inhabited);
    let mut given = 0;
    for (i, s) in share.iter().enumerate() {
        let exact = s / share_total * extra as f64;
        counts[i] += exact.floor() as usize;
        given += exact.floor() as usize;
        rema.push((exact.fract(), i));
    }
    rema.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rema.iter().take(extra - given) {
        counts[i] += 1;
    }
    // With fewer settlements than inhabited islands some get none.
    let mut left = n_settlements;
    for c in counts.iter_mut() {
        *c = (*c).min(left);
        left -= *c;
    }

    counts
}

/// Step 3, place islands, largest first near the centre, without overlap.
fn place_islands(
    rng: &mut ChaCha8Rng,
    areas: &[f64],
    counts: &[usize],
    sea_side: f64,
) -> Vec<IslandPlan> {
    let n_islands = areas.len();
    let mut hash = SpatialHash::new((sea_side / 60.0).max(1.0));
    let mut plans: Vec<IslandPlan> = Vec::with_capacity(n_islands);
    for (i, &area) in areas.iter().enumerate() {
        let radius = (area / std::f64::consts::PI).sqrt();
        let mut spread = if i == 0 { 0.0 } else { sea_side * 0.5 };
        let mut attempts = 0;
        let centre = loop {
            let c = Coord {
                x: rng.random_range(-1.0..=1.0) * spread,
                y: rng.random_range(-1.0..=1.0) * spread,
            };
            // Islands keep a strait of at least 0.3 km between their outer bounds.
            if hash.is_free(c, radius * 1.3 + 0.3) {
                break c;
            }
            attempts += 1;
            if attempts % 200 == 0 {
                spread *= 1.1; // crowded: widen the sea
            }
        };
        hash.insert(centre, radius * 1.3, i);
        let outline = island_outline(rng, centre, radius);
        plans.push(IslandPlan {
            centre,
            radius_km: radius,
            outline,
            settlements: counts.get(i).copied().unwrap_or(0),
            population: 0,
            ports: Vec::new(),
        });
    }

    plans
}

/// A settlement as the facility step sees it: id, position (km), population.
type Site = (String, Coord<f64>, u64);

/// Step 4, settlements: clustered inside their island; lognormal sizes.
fn place_settlements(
    rng: &mut ChaCha8Rng,
    plans: &mut [IslandPlan],
    n_settlements: usize,
    to_lonlat: ToLonLat,
) -> (Vec<Feature>, Vec<Vec<Site>>) {
    let n_islands = plans.len();
    let mut settlement_features = Vec::with_capacity(n_settlements);
    let mut settlement_sites: Vec<Vec<Site>> = vec![Vec::new(); n_islands];
    for (i, plan) in plans.iter_mut().enumerate() {
        let n = plan.settlements;
        if n == 0 {
            continue;
        }
        let clusters: Vec<Coord<f64>> = (0..1 + n / 15)
            .map(|_| random_inside(rng, &plan.outline, plan.centre, plan.radius_km))
            .collect();
        let small = plan.radius_km < 2.0;
        for k in 0..n {
            let centre = clusters[rng.random_range(0..clusters.len())];
            let mut c = plan.centre;
            for _ in 0..30 {
                let cand = Coord {
                    x: centre.x + normal(rng) * plan.radius_km * 0.3,
                    y: centre.y + normal(rng) * plan.radius_km * 0.3,
                };
                if plan.outline.contains(&Point::from(cand)) {
                    c = cand;
                    break;
                }
            }
            let size_factor = if small { 0.4 } else { 1.0 };
            let population =
                ((1200.0 * size_factor * (0.8 * normal(rng)).exp()).round() as u64).max(20);
            let child_share = rng.random_range(0.05..0.10);
            let elder_share = if small {
                rng.random_range(0.30..0.45)
            } else {
                rng.random_range(0.20..0.32)
            };
            let children = (population as f64 * child_share).round() as u64;
            let elderly = (population as f64 * elder_share).round() as u64;
            let [preschool, primary, junior] = age_bands(children);
            let id = format!("S{i:05}-{k:04}");
            plan.population += population;
            settlement_sites[i].push((id.clone(), c, population));
            settlement_features.push(feature(
                GeometryValue::new_point(to_lonlat(c)),
                obj(vec![
                    ("id", id.into()),
                    ("name", format!("Village {i}-{k}").into()),
                    ("population", population.into()),
                    ("children", children.into()),
                    ("preschool", preschool.into()),
                    ("primary", primary.into()),
                    ("junior", junior.into()),
                    ("elderly", elderly.into()),
                    ("island", format!("I{i:05}").into()),
                    ("kind", "village".into()),
                ]),
            ));
        }
    }

    (settlement_features, settlement_sites)
}

/// Step 5, ports: on inhabited islands, near the coast; more on bigger islands.
fn place_ports(
    rng: &mut ChaCha8Rng,
    plans: &mut [IslandPlan],
    to_lonlat: ToLonLat,
) -> Vec<Feature> {
    let mut port_features = Vec::new();
    for (i, plan) in plans.iter_mut().enumerate() {
        if plan.settlements == 0 {
            continue;
        }
        let n_ports = (1 + plan.settlements / 40).min(4);
        for k in 0..n_ports {
            let angle = if i == 0 && k == 0 {
                0.0
            } else if k == 0 {
                // the main port faces the hub
                (0.0 - plan.centre.y).atan2(0.0 - plan.centre.x)
            } else {
                rng.random_range(0.0..std::f64::consts::TAU)
            };
            let c = coastal_point(&plan.outline, plan.centre, plan.radius_km, angle);
            let id = format!("P{i:05}-{k}");
            port_features.push(feature(
                GeometryValue::new_point(to_lonlat(c)),
                obj(vec![
                    ("id", id.clone().into()),
                    ("name", format!("Pier {i}-{k}").into()),
                    ("island", format!("I{i:05}").into()),
                ]),
            ));
            plan.ports.push((id, c));
        }
    }

    port_features
}

/// Step 6, routes: each inhabited island to its nearest more populous island; local links.
/// Also gives the inhabited islands by population, largest first.
fn link_islands(
    rng: &mut ChaCha8Rng,
    plans: &[IslandPlan],
    sea_side: f64,
    to_lonlat: ToLonLat,
) -> (Vec<Feature>, Vec<usize>) {
    let n_islands = plans.len();
    let mut route_features = Vec::new();
    let inhabited_ids: Vec<usize> = (0..n_islands)
        .filter(|&i| plans[i].settlements > 0)
        .collect();
    let mut by_pop = inhabited_ids.clone();
    by_pop.sort_by(|&a, &b| {
        plans[b]
            .population
            .cmp(&plans[a].population)
            .then(a.cmp(&b))
    });
    let rank: std::collections::HashMap<usize, usize> =
        by_pop.iter().enumerate().map(|(r, &i)| (i, r)).collect();
    let mut linked = std::collections::HashSet::new();
    let mut link_hash = SpatialHash::new((sea_side / 60.0).max(10.0));
    for &i in &by_pop {
        link_hash.insert(plans[i].centre, plans[i].radius_km * 1.3, i);
    }
    for &i in &by_pop[1..] {
        let bigger = |j: usize| rank[&j] < rank[&i];
        let parent = nearest_island(plans, &link_hash, i, bigger);
        add_link(
            rng,
            plans,
            i,
            parent,
            &mut linked,
            &mut route_features,
            &to_lonlat,
        );
        if rng.random_bool(0.5) {
            let any = |j: usize| j != parent;
            let neighbour = nearest_island(plans, &link_hash, i, any);
            let gap = gap_km(plans, i, neighbour);
            if gap < 15.0 {
                add_link(
                    rng,
                    plans,
                    i,
                    neighbour,
                    &mut linked,
                    &mut route_features,
                    &to_lonlat,
                );
            }
        }
    }

    (route_features, by_pop)
}

/// Step 7, existing facilities: schools, clinics, elder care, meal canteens.
fn existing_facilities(
    plans: &[IslandPlan],
    settlement_sites: &[Vec<Site>],
    hub: usize,
    to_lonlat: ToLonLat,
) -> Vec<Feature> {
    let mut facility_features = Vec::new();
    for (i, sites) in settlement_sites.iter().enumerate() {
        if sites.is_empty() {
            continue;
        }
        let mut order: Vec<usize> = (0..sites.len()).collect();
        order.sort_by(|&a, &b| sites[b].2.cmp(&sites[a].2).then(a.cmp(&b)));
        let pop = plans[i].population;
        let mut add = |service: &str, level: u64, k: usize, capacity: f64, annual: f64| {
            let (sid, c, _) = &sites[order[k % order.len()]];
            let offset = Coord {
                x: c.x + 0.05,
                y: c.y + 0.05 * (level as f64),
            };
            let c = if plans[i].outline.contains(&Point::from(offset)) {
                offset
            } else {
                *c
            };
            facility_features.push(feature(
                GeometryValue::new_point(to_lonlat(c)),
                obj(vec![
                    ("id", format!("F-{service}-{i:05}-{k}").into()),
                    ("name", format!("{service} {i}-{k}").into()),
                    ("service", service.into()),
                    ("level", level.into()),
                    ("status", "existing".into()),
                    ("capacity", capacity.round().into()),
                    ("annual_cost", annual.round().into()),
                    ("island", format!("I{i:05}").into()),
                    ("near", sid.clone().into()),
                ]),
            ));
        };
        let schools = 1 + sites.len() / 10;
        for k in 0..schools.min(sites.len()) {
            // Seats for the pupils (6-14: 9/15 of the 5-10% aged 0-14) and a fifth spare.
            let seats = (pop as f64 * 0.075 * 0.6 / schools as f64 * 1.2).max(30.0);
            add("school", 1, k, seats, seats * 1500.0);
        }
        if i == hub {
            add("clinic", 3, 0, 300.0, 60_000_000.0);
        }
        if pop > 5000 || i == hub {
            add("clinic", 2, 1, (pop as f64 / 100.0).max(20.0), 3_000_000.0);
        }
        if pop > 8000 {
            add(
                "elder_care",
                1,
                0,
                (pop as f64 * 0.005).max(20.0),
                1_500_000.0,
            );
            add("meal", 2, 2, (pop as f64 * 0.02).max(50.0), 400_000.0);
        }
    }

    facility_features
}

/// The islands as polygons; the hub carries its tier and main port.
fn island_features(plans: &[IslandPlan], hub: usize, to_lonlat: ToLonLat) -> Vec<Feature> {
    plans
        .iter()
        .enumerate()
        .map(|(i, plan)| {
            let ring: Vec<Vec<f64>> = plan
                .outline
                .exterior()
                .coords()
                .map(|&c| to_lonlat(c))
                .collect();
            let mut props = vec![
                ("id", JsonValue::from(format!("I{i:05}"))),
                ("name", format!("Island {i}").into()),
            ];
            if i == hub {
                props.push(("tier", "hub".into()));
                props.push(("main_port", plan.ports[0].0.clone().into()));
            }
            feature(GeometryValue::new_polygon(vec![ring]), obj(props))
        })
        .collect::<Vec<_>>()
}

/// Straight-line gap between two islands' outer bounds (km).
fn gap_km(plans: &[IslandPlan], a: usize, b: usize) -> f64 {
    let d = ((plans[a].centre.x - plans[b].centre.x).powi(2)
        + (plans[a].centre.y - plans[b].centre.y).powi(2))
    .sqrt();
    (d - 1.3 * (plans[a].radius_km + plans[b].radius_km)).max(0.0)
}

fn nearest_island(
    plans: &[IslandPlan],
    hash: &SpatialHash,
    from: usize,
    accept: impl Fn(usize) -> bool,
) -> usize {
    hash.nearest(
        plans[from].centre,
        plans[from].radius_km * 1.3,
        |j| j != from && accept(j),
        |j| gap_km(plans, from, j),
    )
    .unwrap_or(0)
}

/// The port of island `i` nearest to a point.
fn nearest_port(plan: &IslandPlan, to: Coord<f64>) -> &(String, Coord<f64>) {
    plan.ports
        .iter()
        .min_by(|a, b| {
            let da = (a.1.x - to.x).hypot(a.1.y - to.y);
            let db = (b.1.x - to.x).hypot(b.1.y - to.y);
            da.total_cmp(&db)
        })
        .unwrap_or(&plan.ports[0])
}

fn add_link(
    rng: &mut ChaCha8Rng,
    plans: &[IslandPlan],
    a: usize,
    b: usize,
    linked: &mut std::collections::HashSet<(usize, usize)>,
    out: &mut Vec<Feature>,
    to_lonlat: &impl Fn(Coord<f64>) -> Vec<f64>,
) {
    let key = (a.min(b), a.max(b));
    if a == b || !linked.insert(key) {
        return;
    }
    let pa = nearest_port(&plans[a], plans[b].centre);
    let pb = nearest_port(&plans[b], pa.1);
    let km = (pa.1.x - pb.1.x).hypot(pa.1.y - pb.1.y);
    let id = format!("R{:05}-{:05}", key.0, key.1);
    let line = vec![to_lonlat(pa.1), to_lonlat(pb.1)];
    let small_pop = plans[a].population.min(plans[b].population) as f64;
    let mut props = vec![
        ("id", JsonValue::from(id)),
        ("from", pa.0.clone().into()),
        ("to", pb.0.clone().into()),
    ];
    if gap_km(plans, a, b) < BRIDGE_GAP_KM && km < 6.0 && rng.random_bool(0.5) {
        props.push(("mode", "bridge".into()));
        let minutes = ((km * 1.2 / 40.0 * 60.0).max(1.0) * 10.0).round() / 10.0;
        props.push(("minutes", minutes.into()));
    } else {
        let fast = km > FAST_FERRY_KM;
        let speed = if fast { FAST_FERRY_KMH } else { FERRY_KMH };
        let minutes = (km / speed * 60.0 + BERTHING_MINUTES).round();
        let departures = (2.0 + small_pop / 1500.0).round().min(30.0);
        props.push(("mode", if fast { "fast_ferry" } else { "ferry" }.into()));
        props.push(("minutes", minutes.into()));
        props.push(("departures_per_day", departures.into()));
        props.push(("service_hours", rng.random_range(11..=15).into()));
    }
    out.push(feature(GeometryValue::new_line_string(line), obj(props)));
}

/// A uniformly random point inside an island (rejection in its disc).
fn random_inside(
    rng: &mut ChaCha8Rng,
    outline: &Polygon<f64>,
    centre: Coord<f64>,
    radius: f64,
) -> Coord<f64> {
    for _ in 0..100 {
        let c = Coord {
            x: centre.x + rng.random_range(-1.0..=1.0) * radius * 1.4,
            y: centre.y + rng.random_range(-1.0..=1.0) * radius * 1.4,
        };
        if outline.contains(&Point::from(c)) {
            return c;
        }
    }
    centre
}

/// A point just inside the coast of a star-shaped island in direction `angle` (set back from
/// the shoreline so coordinate rounding never pushes it into the sea).
fn coastal_point(
    outline: &Polygon<f64>,
    centre: Coord<f64>,
    radius: f64,
    angle: f64,
) -> Coord<f64> {
    let (dx, dy) = (angle.cos(), angle.sin());
    let step = (radius * 0.02).max(0.01);
    let mut shore = 0.0;
    while shore < radius * 1.5 {
        let c = Coord {
            x: centre.x + dx * (shore + step),
            y: centre.y + dy * (shore + step),
        };
        if !outline.contains(&Point::from(c)) {
            break;
        }
        shore += step;
    }
    let r = (shore - (radius * 0.03).max(0.05)).max(0.0);
    Coord {
        x: centre.x + dx * r,
        y: centre.y + dy * r,
    }
}

#[cfg(test)]
mod tests {
    use super::age_bands;

    /// 17 children: fifteenths give 3.4, 3.4, 6.8 and 3.4; the two left over go to the largest
    /// remainders, 6-11 (0.8) and then 0-2 (0.4, first of the ties), so 0-2 keeps 4.
    #[test]
    fn age_bands_split_by_largest_remainder() {
        assert_eq!(age_bands(17), [3, 7, 3]);
        assert_eq!(age_bands(15), [3, 6, 3]);
        assert_eq!(age_bands(0), [0, 0, 0]);
        for c in 0..200u64 {
            let [p, q, r] = age_bands(c);
            let rest = c - p - q - r; // 0-2, not stored
            for (n, part) in [(rest, 3), (p, 3), (q, 6), (r, 3)] {
                let exact = c as f64 * part as f64 / 15.0;
                assert!((n as f64 - exact).abs() < 1.0, "{c}: {n} vs {exact}");
            }
        }
    }
}
