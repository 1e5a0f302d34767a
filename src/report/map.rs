//! The plan as a map (SVG, built with the `svg` crate): islands by tier with their community
//! as outline, ferry routes and bridges, settlements sized by population and coloured by the
//! travel time to their serving site for one service, facilities by service and status, a
//! legend, a scale bar and a north arrow. Every feature carries a `<title>` (a tooltip in any
//! viewer) and `data-` attributes the HTML report reads for its hover panel.

use super::labels::{self, Boxed, Candidate, text_width};
use crate::error::{Error, Result};
use crate::io::files::{line, number, plan_dir, point, read_fc, read_json, rings, text};
use std::collections::BTreeMap;
use std::path::Path;
use svg::Document;
use svg::node::element::{Circle, Group, Line, Path as SvgPath, Rectangle, Text, Title};

/// Width of the map area and of the legend panel (px).
const MAP_W: f64 = 900.0;
const LEGEND_W: f64 = 270.0;
const MARGIN: f64 = 24.0;
/// The tallest map area (px): a taller archipelago is drawn at a smaller scale.
const MAX_MAP_H: f64 = 1600.0;

/// Fills by tier (hub first); the last for every lower tier; external islands are grey.
const TIER_FILL: [&str; 4] = ["#fdae61", "#fee08b", "#e6f598", "#f0ebd8"];
const EXTERNAL_FILL: &str = "#e5e5e5";
const SEA: &str = "#d4e6f1";
/// Community outline colours.
const COMMUNITY: [&str; 8] = [
    "#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#01665e", "#8c510a", "#c51b7d",
];

#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    /// Service whose travel times colour the settlements and whose sites alone are drawn
    /// (default: the first service colours them, and every service's sites are drawn).
    pub service: Option<String>,
    /// Island (and village) property the labels show, e.g. `name_zh` (default `name`; where
    /// a feature has none, its `name`).
    pub label_field: Option<String>,
    /// Also label villages, where room is left after the islands.
    pub village_labels: bool,
}

pub struct Map {
    pub svg: String,
    pub width: u32,
    pub height: u32,
    /// Facility markers drawn (sites kept, new or closed, and roving teams).
    pub facilities: usize,
    pub service: String,
}

/// Linear map from lon/lat to pixels, north up, distances true at the map's middle latitude.
struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    scale: f64,
}

impl Projection {
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            MARGIN + (lon - self.lon0) * self.kx * self.scale,
            MARGIN + (self.lat1 - lat) * self.scale,
        )
    }

    fn px_per_km(&self) -> f64 {
        self.scale / 110.574
    }
}

fn rgb(hex: &str) -> (f64, f64, f64) {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    (
        ((v >> 16) & 255) as f64,
        ((v >> 8) & 255) as f64,
        (v & 255) as f64,
    )
}

fn mix(a: &str, b: &str, t: f64) -> String {
    let (a, b) = (rgb(a), rgb(b));
    let t = t.clamp(0.0, 1.0);
    format!(
        "#{:02x}{:02x}{:02x}",
        (a.0 + (b.0 - a.0) * t).round() as u8,
        (a.1 + (b.1 - a.1) * t).round() as u8,
        (a.2 + (b.2 - a.2) * t).round() as u8
    )
}

/// Green at 0 minutes, yellow at the standard, red at twice the standard and beyond.
pub fn minutes_colour(minutes: Option<f64>, standard: f64) -> String {
    match minutes {
        None => "#444444".to_string(),
        Some(m) if m <= standard => mix("#1a9850", "#fee08b", m / standard.max(1e-9)),
        Some(m) => mix("#fee08b", "#d73027", (m - standard) / standard.max(1e-9)),
    }
}

fn path_data(points: &[(f64, f64)], close: bool) -> String {
    let mut d = String::with_capacity(points.len() * 16);
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { "L" });
        d.push_str(&format!("{x:.1},{y:.1}"));
    }
    if close {
        d.push('Z');
    }
    d
}

fn label(x: f64, y: f64, size: f64, content: impl Into<String>) -> Text {
    Text::new(content)
        .set("x", format!("{x:.1}"))
        .set("y", format!("{y:.1}"))
        .set("font-size", size)
        .set("font-family", "DejaVu Sans, Arial, sans-serif")
        .set("fill", "#222222")
}

/// A marker for a facility status: kept circle, new star, closed cross, roving triangle.
fn marker(status: &str, x: f64, y: f64, r: f64, fill: &str) -> SvgPath {
    let d = match status {
        "new" => {
            let mut pts = Vec::new();
            for k in 0..10 {
                let a = std::f64::consts::PI * (k as f64) / 5.0 - std::f64::consts::FRAC_PI_2;
                let rr = if k % 2 == 0 { r * 1.4 } else { r * 0.6 };
                pts.push((x + rr * a.cos(), y + rr * a.sin()));
            }
            path_data(&pts, true)
        }
        "closed" => format!(
            "M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
            x - r,
            y - r,
            x + r,
            y + r,
            x - r,
            y + r,
            x + r,
            y - r
        ),
        "mobile" => path_data(
            &[
                (x, y - r * 1.2),
                (x + r * 1.1, y + r * 0.8),
                (x - r * 1.1, y + r * 0.8),
            ],
            true,
        ),
        _ => {
            format!(
                "M{:.1},{:.1}a{r:.1},{r:.1} 0 1,0 {:.1},0a{r:.1},{r:.1} 0 1,0 {:.1},0Z",
                x - r,
                y,
                2.0 * r,
                -2.0 * r
            )
        }
    };
    let (f, stroke, width) = if status == "closed" {
        ("none", "#555555", 2.0)
    } else {
        (fill, "#222222", 0.8)
    };
    SvgPath::new()
        .set("d", d)
        .set("fill", f)
        .set("stroke", stroke)
        .set("stroke-width", width)
}

/// What a plan map colours its settlements by: (service, label, standard minutes).
type Shown = (String, String, f64);

/// Draws the map of a plan folder (or of a sweep scenario folder).
pub fn plan_map(given: &Path, opts: &MapOptions) -> Result<Map> {
    let dir = plan_dir(given)?;
    let summary = super::plan_out::PlanSummary::read(&dir)?;
    let subtitle = sweep_label(given);
    let shown = pick_service(&dir, &summary, opts)?;
    let islands = read_fc(&dir.join("islands.geojson"))?;
    let settlements = read_fc(&dir.join("settlements.geojson"))?;
    let facilities = read_fc(&dir.join("facilities.geojson"))?;
    let routes = match dir.join("routes.geojson") {
        p if p.is_file() => read_fc(&p)?.features,
        _ => Vec::new(),
    };
    let (proj, map_h) = frame(&dir, &islands, &settlements, &facilities, &routes)?;
    let width = MAP_W + LEGEND_W;
    let height = map_h.max(560.0);
    // The shown service's hierarchy: `[hierarchy]`, or a named one (`tier_NAME` columns).
    let named = summary
        .services
        .iter()
        .find(|s| s.service == shown.0)
        .and_then(|s| s.hierarchy.as_ref());
    let hierarchy = named
        .and_then(|n| summary.hierarchies.get(n))
        .unwrap_or(&summary.hierarchy);
    let suffix = named.map_or(String::new(), |n| format!("_{n}"));
    let tier_title = named.map_or("Island tier".to_string(), |n| format!("Island tier ({n})"));
    let (island_layer, tier_order) = islands_layer(&islands, &proj, (hierarchy, &suffix));
    let only = opts.service.as_deref();
    let (facility_layer, service_colours, drawn) = facilities_layer(&facilities, &proj, only);
    let (north, scale) = north_and_scale(&proj, height);
    let (settlement_layer, emptied) = settlements_layer(&settlements, &proj, &shown);
    let labels = labels_layer(&islands, &settlements, &proj, opts, height);
    let doc = Document::new()
        .set("xmlns", "http://www.w3.org/2000/svg")
        .set("viewBox", (0, 0, width as i64, height as i64))
        .set("width", width as i64)
        .set("height", height as i64)
        .add(
            svg::node::element::Definitions::new().add(
                svg::node::element::ClipPath::new()
                    .set("id", "map-area")
                    .add(Rectangle::new().set("width", MAP_W).set("height", height)),
            ),
        )
        .add(
            Rectangle::new()
                .set("width", MAP_W)
                .set("height", height)
                .set("fill", SEA),
        )
        .add(island_layer)
        .add(routes_layer(&routes, &proj))
        .add(settlement_layer)
        .add(facility_layer)
        .add(labels)
        .add(north)
        .add(scale)
        .add(legend(
            (&summary.scenario, subtitle.as_deref()),
            &shown,
            (&tier_title, &tier_order),
            &service_colours,
            (emptied, height),
        ));
    Ok(Map {
        svg: doc.to_string(),
        width: width as u32,
        height: height as u32,
        facilities: drawn,
        service: shown.0,
    })
}

/// A sweep scenario folder's own label (`targets=scenario-2025,moved=0`), from its row.
fn sweep_label(given: &Path) -> Option<String> {
    let row = given.join("row.json");
    let v = read_json(&row).ok()?;
    v.get("scenario")?.as_str().map(str::to_string)
}

/// A feature's name for tooltips: its name with its Chinese name (`name_zh`) when it has one.
fn full_name(f: &geojson::Feature) -> String {
    let (name, zh) = (text(f, "name"), text(f, "name_zh"));
    if zh.is_empty() || zh == name {
        name
    } else {
        format!("{name} {zh}")
    }
}

/// The label a feature shows: its `field`, else its name, else its id.
fn label_text(f: &geojson::Feature, field: &str) -> String {
    [field, "name", "id"]
        .iter()
        .map(|k| text(f, k))
        .find(|t| !t.is_empty())
        .unwrap_or_default()
}

/// Where an island's label may go, best first: centred on a point inside it when it fits
/// there, else beside its box (right, left, above, below), all in pixels.
fn island_tries(f: &geojson::Feature, proj: &Projection, w: f64, h: f64) -> Vec<(f64, f64)> {
    use geo::{InteriorPoint, LineString, Polygon};
    let rs = rings(f);
    let px: Vec<(f64, f64)> = rs.iter().flatten().map(|&(x, y)| proj.xy(x, y)).collect();
    if px.is_empty() {
        return Vec::new();
    }
    let fold = |f: fn(f64, f64) -> f64, init: f64, k: usize| {
        px.iter()
            .map(|p| if k == 0 { p.0 } else { p.1 })
            .fold(init, f)
    };
    let (x0, x1) = (
        fold(f64::min, f64::INFINITY, 0),
        fold(f64::max, f64::NEG_INFINITY, 0),
    );
    let (y0, y1) = (
        fold(f64::min, f64::INFINITY, 1),
        fold(f64::max, f64::NEG_INFINITY, 1),
    );
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let mut tries = Vec::new();
    // The ring with the largest extent is the island's outline (a MultiPolygon's main part).
    let outline = rs.iter().max_by(|a, b| {
        let span = |r: &Vec<(f64, f64)>| {
            let (lo, hi) = r
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.0), hi.max(p.0))
                });
            hi - lo
        };
        span(a).total_cmp(&span(b))
    });
    if w < 0.85 * (x1 - x0)
        && h < 0.7 * (y1 - y0)
        && let Some(r) = outline
        && let Some(ip) = Polygon::new(LineString::from(r.clone()), vec![]).interior_point()
    {
        let (ix, iy) = proj.xy(ip.x(), ip.y());
        tries.push((ix - w / 2.0, iy - h / 2.0));
        tries.push((ix - w / 2.0, iy - 1.5 * h));
        tries.push((ix - w / 2.0, iy + 0.5 * h));
    }
    tries.extend([
        (x1 + 3.0, cy - h / 2.0),
        (x0 - 3.0 - w, cy - h / 2.0),
        (cx - w / 2.0, y0 - 3.0 - h),
        (cx - w / 2.0, y1 + 3.0),
        (x1 + 3.0, y0 - h),
        (x1 + 3.0, y1),
    ]);
    tries
}

/// Island names (planned islands by population, largest first, then external ones), and
/// village names when asked, placed without overlaps inside the map area.
fn labels_layer(
    islands: &geojson::FeatureCollection,
    settlements: &geojson::FeatureCollection,
    proj: &Projection,
    opts: &MapOptions,
    height: f64,
) -> Group {
    let field = opts.label_field.as_deref().unwrap_or("name");
    let mut order: Vec<&geojson::Feature> = islands.features.iter().collect();
    let pop = |f: &geojson::Feature| number(f, "population").unwrap_or(0.0);
    order.sort_by(|a, b| {
        let ext = |f: &geojson::Feature| text(f, "tier") == "external";
        ext(a)
            .cmp(&ext(b))
            .then(pop(b).total_cmp(&pop(a)))
            .then(text(a, "id").cmp(&text(b, "id")))
    });
    let mut cands: Vec<Candidate> = order
        .into_iter()
        .map(|f| {
            let name = label_text(f, field);
            let size = match text(f, "tier").as_str() {
                "hub" | "subcenter" => 13.0,
                _ => 10.5,
            };
            let (w, h) = (text_width(&name, size), size * 1.2);
            Candidate {
                tries: island_tries(f, proj, w, h),
                text: name,
                size,
                class: "island-label",
            }
        })
        .collect();
    if opts.village_labels {
        let mut villages: Vec<&geojson::Feature> = settlements.features.iter().collect();
        villages.sort_by(|a, b| {
            pop(b)
                .total_cmp(&pop(a))
                .then(text(a, "id").cmp(&text(b, "id")))
        });
        for f in villages {
            let Some(p) = point(f) else { continue };
            let (x, y) = proj.xy(p.x(), p.y());
            let name = label_text(f, field);
            let size = 8.5;
            let (w, h) = (text_width(&name, size), size * 1.2);
            cands.push(Candidate {
                tries: vec![
                    (x + 6.0, y - h / 2.0),
                    (x - 6.0 - w, y - h / 2.0),
                    (x - w / 2.0, y - 6.0 - h),
                    (x - w / 2.0, y + 6.0),
                ],
                text: name,
                size,
                class: "village-label",
            });
        }
    }
    let frame = Boxed::new(2.0, 2.0, MAP_W - 2.0, height - 2.0);
    // The north arrow and the scale bar keep their corners.
    let reserved = [
        Boxed::new(30.0, 18.0, 70.0, 76.0),
        Boxed::new(MARGIN, height - 52.0, MARGIN + 220.0, height - 8.0),
    ];
    let placed = labels::place(&cands, frame, &reserved);
    labels::layer("labels", &cands, &placed)
}

/// The service `--service` names, else the plan's first.
fn pick_service(
    dir: &Path,
    summary: &super::plan_out::PlanSummary,
    opts: &MapOptions,
) -> Result<Shown> {
    let services: Vec<(String, String, f64)> = summary
        .services
        .iter()
        .map(|s| (s.service.clone(), s.label.clone(), s.standard_minutes))
        .collect();
    match &opts.service {
        Some(name) => services
            .iter()
            .find(|s| &s.0 == name)
            .cloned()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "service `{name}` is not in this plan (services: {})",
                    services
                        .iter()
                        .map(|s| s.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }),
        None => services
            .first()
            .cloned()
            .ok_or_else(|| Error::Usage(format!("{}: the plan has no service", dir.display()))),
    }
}

/// The frame: every drawn feature (islands, external ones included, routes, settlements,
/// facilities), in a local equirectangular projection; with the map's height.
fn frame(
    dir: &Path,
    islands: &geojson::FeatureCollection,
    settlements: &geojson::FeatureCollection,
    facilities: &geojson::FeatureCollection,
    routes: &[geojson::Feature],
) -> Result<(Projection, f64)> {
    let mut lons = Vec::new();
    let mut lats = Vec::new();
    let vertices = islands
        .features
        .iter()
        .flat_map(|f| rings(f).into_iter().flatten())
        .chain(routes.iter().flat_map(line));
    for (x, y) in vertices {
        lons.push(x);
        lats.push(y);
    }
    for f in settlements.features.iter().chain(&facilities.features) {
        if let Some(p) = point(f) {
            lons.push(p.x());
            lats.push(p.y());
        }
    }
    if lons.is_empty() {
        return Err(Error::Usage(format!("{}: nothing to draw", dir.display())));
    }
    let fold = |v: &[f64], f: fn(f64, f64) -> f64, init: f64| v.iter().copied().fold(init, f);
    let (lon_min, lon_max) = (
        fold(&lons, f64::min, f64::INFINITY),
        fold(&lons, f64::max, f64::NEG_INFINITY),
    );
    let (lat_min, lat_max) = (
        fold(&lats, f64::min, f64::INFINITY),
        fold(&lats, f64::max, f64::NEG_INFINITY),
    );
    let kx = ((lat_min + lat_max) / 2.0).to_radians().cos();
    let span_x = ((lon_max - lon_min) * kx).max(1e-6);
    let span_y = (lat_max - lat_min).max(1e-6);
    // As wide as the map area, unless that makes it taller than the tallest map.
    let scale = ((MAP_W - 2.0 * MARGIN) / span_x).min((MAX_MAP_H - 2.0 * MARGIN) / span_y);
    let proj = Projection {
        lon0: lon_min,
        lat1: lat_max,
        kx,
        scale,
    };
    let map_h = (span_y * scale + 2.0 * MARGIN).clamp(420.0, MAX_MAP_H);
    Ok((proj, map_h))
}

/// Islands: fill by tier, outline by community (of `hierarchy`, whose columns end in
/// `suffix`); with the tiers in legend order: the leaders' tiers as the summary lists them (hub
/// first), then the others as the islands give them.
fn islands_layer(
    islands: &geojson::FeatureCollection,
    proj: &Projection,
    (hierarchy, suffix): (&super::plan_out::HierarchySummary, &str),
) -> (Group, Vec<String>) {
    let (tier_key, community_key) = (format!("tier{suffix}"), format!("community{suffix}"));
    let mut communities: BTreeMap<String, usize> = BTreeMap::new();
    let mut tier_order: Vec<String> = Vec::new();
    let seen = hierarchy
        .leaders
        .iter()
        .map(|l| l.tier.clone())
        .chain(islands.features.iter().map(|f| text(f, &tier_key)));
    for t in seen {
        if t != "external" && !t.is_empty() && !tier_order.contains(&t) {
            tier_order.push(t);
        }
    }
    let mut g = Group::new()
        .set("id", "islands")
        .set("clip-path", "url(#map-area)");
    for f in &islands.features {
        let tier = text(f, &tier_key);
        let community = text(f, &community_key);
        let fill = if tier == "external" {
            EXTERNAL_FILL.to_string()
        } else {
            let k = tier_order.iter().position(|t| t == &tier).unwrap_or(3);
            TIER_FILL[k.min(TIER_FILL.len() - 1)].to_string()
        };
        let next = communities.len();
        let stroke = if community.is_empty() {
            "#777777"
        } else {
            COMMUNITY[*communities.entry(community.clone()).or_insert(next) % COMMUNITY.len()]
        };
        let d: String = rings(f)
            .iter()
            .map(|r| {
                let pts: Vec<(f64, f64)> = r.iter().map(|&(x, y)| proj.xy(x, y)).collect();
                path_data(&pts, true)
            })
            .collect();
        let info = format!(
            "Island {} ({}), tier {}, community {}, population {}",
            full_name(f),
            text(f, "id"),
            tier,
            if community.is_empty() {
                "-".into()
            } else {
                community.clone()
            },
            number(f, "population").unwrap_or(0.0)
        );
        g = g.add(
            SvgPath::new()
                .set("class", "island")
                .set("data-id", text(f, "id"))
                .set("data-info", info.clone())
                .set("d", d)
                .set("fill", fill)
                .set("fill-rule", "evenodd")
                .set("stroke", stroke)
                .set("stroke-width", if community.is_empty() { 0.8 } else { 2.0 })
                .add(Title::new(info)),
        );
    }
    (g, tier_order)
}

/// Ferries, fast ferries and bridges as lines.
fn routes_layer(routes: &[geojson::Feature], proj: &Projection) -> Group {
    let mut g = Group::new()
        .set("id", "routes")
        .set("clip-path", "url(#map-area)");
    for f in routes {
        let mode = text(f, "mode");
        let pts: Vec<(f64, f64)> = line(f).into_iter().map(|(x, y)| proj.xy(x, y)).collect();
        if pts.len() < 2 {
            continue;
        }
        let (stroke, width, dash) = match mode.as_str() {
            "bridge" => ("#555555", 3.0, ""),
            "fast_ferry" => ("#d6604d", 1.6, "6,3"),
            _ => ("#2166ac", 1.6, "4,3"),
        };
        let info = format!(
            "{} {} ({}), {} min{}",
            mode.replace('_', " "),
            text(f, "name"),
            text(f, "id"),
            number(f, "minutes").unwrap_or(0.0),
            number(f, "departures_per_day")
                .map(|d| format!(", {d} departures a day"))
                .unwrap_or_default()
        );
        g = g.add(
            SvgPath::new()
                .set("class", "route")
                .set("data-id", text(f, "id"))
                .set("data-info", info.clone())
                .set("d", path_data(&pts, false))
                .set("fill", "none")
                .set("stroke", stroke)
                .set("stroke-width", width)
                .set("stroke-dasharray", dash)
                .add(Title::new(info)),
        );
    }
    g
}

/// Settlements: area by population, colour by minutes to the serving site; a village with no
/// residents (emptied by relocation) as a small dashed ring, neither covered nor not. With
/// whether any was emptied.
fn settlements_layer(
    settlements: &geojson::FeatureCollection,
    proj: &Projection,
    shown: &Shown,
) -> (Group, bool) {
    let mut emptied = false;
    let (service, service_label, standard) = (&shown.0, &shown.1, shown.2);
    let max_pop = settlements
        .features
        .iter()
        .filter_map(|f| number(f, "population"))
        .fold(1.0, f64::max);
    let mut g = Group::new().set("id", "settlements");
    for f in &settlements.features {
        let Some(p) = point(f) else { continue };
        let (x, y) = proj.xy(p.x(), p.y());
        let pop = number(f, "population").unwrap_or(0.0);
        if pop <= 0.0 {
            emptied = true;
            let info = format!("{} ({}): no residents", full_name(f), text(f, "id"));
            g = g.add(
                Circle::new()
                    .set("class", "settlement emptied")
                    .set("data-id", text(f, "id"))
                    .set("data-info", info.clone())
                    .set("cx", format!("{x:.1}"))
                    .set("cy", format!("{y:.1}"))
                    .set("r", 2.5)
                    .set("fill", "none")
                    .set("stroke", "#666666")
                    .set("stroke-width", 0.9)
                    .set("stroke-dasharray", "1.5,1.2")
                    .add(Title::new(info)),
            );
            continue;
        }
        let minutes = number(f, &format!("{service}_minutes"));
        let covered = number(f, &format!("{service}_covered")).unwrap_or(0.0);
        let r = 2.0 + 9.0 * (pop / max_pop).sqrt();
        let info = format!(
            "{} ({}), population {pop}: {} {}{}",
            full_name(f),
            text(f, "id"),
            service_label,
            minutes
                .map(|m| format!("{m:.0} min to {}", text(f, &format!("{service}_facility"))))
                .unwrap_or_else(|| "no site in reach".into()),
            if covered >= 1.0 - 1e-9 {
                ", within the standard".to_string()
            } else {
                format!(", {:.0}% within the standard", covered * 100.0)
            }
        );
        g = g.add(
            Circle::new()
                .set("class", "settlement")
                .set("data-id", text(f, "id"))
                .set("data-info", info.clone())
                .set("cx", format!("{x:.1}"))
                .set("cy", format!("{y:.1}"))
                .set("r", format!("{r:.1}"))
                .set("fill", minutes_colour(minutes, standard))
                .set("fill-opacity", 0.85)
                .set(
                    "stroke",
                    if covered >= 1.0 - 1e-9 {
                        "#333333"
                    } else {
                        "#b2182b"
                    },
                )
                .set(
                    "stroke-width",
                    if covered >= 1.0 - 1e-9 { 0.6 } else { 1.6 },
                )
                .add(Title::new(info)),
        );
    }
    (g, emptied)
}

/// Facilities: colour by service, shape by status (only `only`'s when given); with the
/// services' colours in drawing order and the number drawn.
fn facilities_layer(
    facilities: &geojson::FeatureCollection,
    proj: &Projection,
    only: Option<&str>,
) -> (Group, Vec<(String, String)>, usize) {
    let mut service_colours: Vec<(String, String)> = Vec::new();
    let mut g = Group::new().set("id", "facilities");
    let mut drawn = 0;
    for f in &facilities.features {
        let Some(p) = point(f) else { continue };
        let (x, y) = proj.xy(p.x(), p.y());
        let status = text(f, "status");
        let svc = text(f, "service");
        if only.is_some_and(|o| o != svc) {
            continue;
        }
        let colour = text(f, "marker-color");
        if status != "closed" && !service_colours.iter().any(|(s, _)| s == &svc) {
            service_colours.push((svc.clone(), colour.clone()));
        }
        let level = number(f, "level").unwrap_or(1.0);
        let info = format!(
            "{} ({}): {} {}, {}{}{}",
            text(f, "name"),
            text(f, "id"),
            svc,
            text(f, "level_name"),
            status,
            number(f, "load")
                .map(|l| format!(", load {l:.0}"))
                .unwrap_or_default(),
            number(f, "capacity")
                .map(|c| format!(" of {c:.0}"))
                .unwrap_or_default()
        );
        g = g.add(
            marker(&status, x, y, if level >= 2.0 { 5.5 } else { 4.0 }, &colour)
                .set("class", "facility")
                .set("data-id", text(f, "id"))
                .set("data-service", svc)
                .set("data-status", status)
                .set("data-info", info.clone())
                .add(Title::new(info)),
        );
        drawn += 1;
    }
    (g, service_colours, drawn)
}

/// North arrow and scale bar.
fn north_and_scale(proj: &Projection, height: f64) -> (Group, Group) {
    let north = Group::new()
        .set("id", "north")
        .add(
            SvgPath::new()
                .set("d", "M40,70L50,40L60,70L50,62Z")
                .set("fill", "#222222"),
        )
        .add(label(44.0, 36.0, 14.0, "N"));
    let px_km = proj.px_per_km();
    let nice = [
        0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
    ];
    let km = nice
        .iter()
        .copied()
        .find(|k| k * px_km >= 80.0)
        .unwrap_or(1000.0);
    let bar = km * px_km;
    let (bx, by) = (MARGIN + 10.0, height - 30.0);
    let scale = Group::new()
        .set("id", "scale")
        .add(
            Rectangle::new()
                .set("x", bx)
                .set("y", by)
                .set("width", format!("{:.1}", bar / 2.0))
                .set("height", 6)
                .set("fill", "#222222"),
        )
        .add(
            Rectangle::new()
                .set("x", format!("{:.1}", bx + bar / 2.0))
                .set("y", by)
                .set("width", format!("{:.1}", bar / 2.0))
                .set("height", 6)
                .set("fill", "#ffffff")
                .set("stroke", "#222222"),
        )
        .add(label(bx, by - 4.0, 11.0, "0"))
        .add(label(bx + bar - 12.0, by - 4.0, 11.0, format!("{km} km")));
    (north, scale)
}

/// The legend panel: title, tiers, links, minutes scale, facility shapes and services.
fn legend(
    (title, subtitle): (&str, Option<&str>),
    shown: &Shown,
    (tier_title, tier_order): (&str, &[String]),
    service_colours: &[(String, String)],
    (emptied, height): (bool, f64),
) -> Group {
    let lx = MAP_W + 16.0;
    let mut y = 28.0;
    let mut legend = Group::new().set("id", "legend").add(
        Rectangle::new()
            .set("x", MAP_W)
            .set("width", LEGEND_W)
            .set("height", height)
            .set("fill", "#ffffff"),
    );
    let service_label = &shown.1;
    legend = legend.add(label(lx, y, 15.0, title));
    y += 20.0;
    if let Some(sub) = subtitle {
        legend = legend.add(label(lx, y, 11.0, sub));
        y += 18.0;
    }
    legend = legend.add(label(lx, y, 11.0, format!("settlements: {service_label}")));
    y += 22.0;
    legend = legend.add(label(lx, y, 12.0, tier_title));
    y += 6.0;
    for (k, t) in tier_order.iter().enumerate() {
        legend = legend
            .add(
                Rectangle::new()
                    .set("x", lx)
                    .set("y", y)
                    .set("width", 16)
                    .set("height", 11)
                    .set("fill", TIER_FILL[k.min(TIER_FILL.len() - 1)])
                    .set("stroke", "#777777"),
            )
            .add(label(lx + 22.0, y + 10.0, 11.0, t.clone()));
        y += 16.0;
    }
    legend = legend.add(label(
        lx,
        y + 10.0,
        10.0,
        "outline colour: service community",
    ));
    y += 28.0;
    legend = legend.add(label(lx, y, 12.0, "Links"));
    y += 6.0;
    for (name, stroke, width, dash) in [
        ("ferry", "#2166ac", 1.6, "4,3"),
        ("fast ferry", "#d6604d", 1.6, "6,3"),
        ("bridge / causeway", "#555555", 3.0, ""),
    ] {
        legend = legend
            .add(
                Line::new()
                    .set("x1", lx)
                    .set("y1", y + 6.0)
                    .set("x2", lx + 22.0)
                    .set("y2", y + 6.0)
                    .set("stroke", stroke)
                    .set("stroke-width", width)
                    .set("stroke-dasharray", dash),
            )
            .add(label(lx + 28.0, y + 10.0, 11.0, name));
        y += 16.0;
    }
    let (mut legend, mut y) = legend_minutes(legend, lx, y, shown);
    if emptied {
        y += 14.0;
        legend = legend.add(label(lx, y, 10.0, "dashed ring: no residents (relocated)"));
    }
    legend_facilities(legend, lx, y, service_colours)
}

/// The legend's colour scale of minutes to the shown service's site.
fn legend_minutes(mut legend: Group, lx: f64, mut y: f64, shown: &Shown) -> (Group, f64) {
    let (service, standard) = (&shown.0, shown.2);
    y += 12.0;
    legend = legend.add(label(lx, y, 12.0, format!("Minutes to the {service} site")));
    y += 6.0;
    let steps = 24;
    for s in 0..steps {
        let m = 2.0 * standard * s as f64 / steps as f64;
        legend = legend.add(
            Rectangle::new()
                .set("x", format!("{:.1}", lx + s as f64 * 9.0))
                .set("y", y)
                .set("width", 9)
                .set("height", 10)
                .set("fill", minutes_colour(Some(m), standard)),
        );
    }
    y += 22.0;
    legend = legend
        .add(label(lx, y, 10.0, "0"))
        .add(label(
            lx + 100.0,
            y,
            10.0,
            format!("{standard:.0} (standard)"),
        ))
        .add(label(
            lx + 200.0,
            y,
            10.0,
            format!("{:.0}+", 2.0 * standard),
        ));
    y += 14.0;
    legend = legend.add(label(
        lx,
        y,
        10.0,
        "red ring: not covered within the standard",
    ));
    y += 14.0;
    legend = legend.add(label(lx, y, 10.0, "circle area: population"));
    (legend, y)
}

/// The legend's facility shapes (by status) and colours (by service).
fn legend_facilities(
    mut legend: Group,
    lx: f64,
    mut y: f64,
    service_colours: &[(String, String)],
) -> Group {
    y += 22.0;
    legend = legend.add(label(lx, y, 12.0, "Facilities"));
    y += 8.0;
    for status in ["kept", "new", "closed", "mobile"] {
        legend = legend
            .add(marker(status, lx + 8.0, y + 5.0, 4.5, "#bbbbbb"))
            .add(label(
                lx + 22.0,
                y + 9.0,
                11.0,
                match status {
                    "mobile" => "roving team",
                    s => s,
                },
            ));
        y += 16.0;
    }
    y += 4.0;
    for (svc, colour) in service_colours {
        legend = legend
            .add(
                Circle::new()
                    .set("cx", lx + 8.0)
                    .set("cy", y + 5.0)
                    .set("r", 5)
                    .set("fill", colour.as_str())
                    .set("stroke", "#222222")
                    .set("stroke-width", 0.6),
            )
            .add(label(lx + 22.0, y + 9.0, 11.0, svc.clone()));
        y += 16.0;
    }
    legend
}
