//! A plan's output folder: GeoJSON layers for QGIS and geojson.io, summary JSON and CSV.

use crate::error::{Error, Result};
use crate::io::geojson_bytes;
use crate::plan::service::{PlanSite, SiteOrigin};
use crate::plan::{Context, HierarchyPlan, Plan, Status};
use crate::scenario::Hierarchy;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};
use serde::Serialize;
use std::path::Path;

/// Service colours (simplestyle `marker-color`), stable by service order: the Okabe-Ito
/// palette, which stays distinguishable with every common colour-vision deficiency (blue,
/// reddish purple, orange, black, vermillion, sky blue, yellow), then four dark tones of Paul
/// Tol's schemes and brown for scenarios with more services (wine, indigo, olive, brown: the
/// Daishan scenarios plan ten), and Okabe-Ito's bluish green last, clear of the
/// green-yellow-red of travel times on the maps. Twelve distinct colours; a thirteenth service
/// repeats the first.
const PALETTE: [&str; 12] = [
    "#0072b2", "#cc79a7", "#e69f00", "#000000", "#d55e00", "#56b4e9", "#f0e442", "#882255",
    "#332288", "#999933", "#8c564b", "#009e73",
];

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn pos(p: geo::Point<f64>) -> Vec<f64> {
    vec![round(p.x(), 6), round(p.y(), 6)]
}

/// Adds the input layer's own properties (`name_zh`, `town`, `source`...) to an output
/// feature: a planner keeps the names and codes of the data. Where the output already has the
/// key with another value, the input's goes under `input_KEY`.
fn pass_through(feature: &mut Feature, input: &JsonObject) {
    let props = feature.properties.get_or_insert_with(JsonObject::new);
    for (k, v) in input {
        match props.get(k) {
            None => {
                props.insert(k.clone(), v.clone());
            }
            Some(own) if own == v => {}
            Some(_) => {
                let key = format!("input_{k}");
                if !props.contains_key(&key) {
                    props.insert(key, v.clone());
                }
            }
        }
    }
}

fn feature(geometry: GeometryValue, props: Vec<(&str, JsonValue)>) -> Feature {
    Feature {
        geometry: Some(Geometry::new(geometry)),
        properties: Some(
            props
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<JsonObject>(),
        ),
        ..Default::default()
    }
}

/// What the plan does with a site.
pub fn site_status(site: &PlanSite, open: bool) -> Option<&'static str> {
    match (site.origin, open) {
        (SiteOrigin::Existing(_), true) => Some("kept"),
        (SiteOrigin::Existing(_), false) => Some("closed"),
        (_, true) => Some("new"),
        // A site an earlier phase built (it has a closing cost), closed now.
        (_, false) if site.close_cost > 0.0 => Some("closed"),
        (_, false) => None,
    }
}

/// Per-service counts of the headline table.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ServiceSummary {
    pub service: String,
    pub label: String,
    /// The named hierarchy the service follows (absent: `hierarchy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<String>,
    pub standard_minutes: f64,
    pub new: usize,
    pub kept: usize,
    pub closed: usize,
    pub expanded: usize,
    pub mobile: usize,
    pub cost: f64,
    pub costs: crate::plan::service::Costs,
    /// Share of the service's demand within its standard.
    pub coverage: f64,
    /// Demand-weighted mean minutes to the serving site (served demand only).
    pub mean_minutes: Option<f64>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub status: Status,
    /// How the service was solved (one MILP, or priced components).
    pub method: String,
    pub variables: usize,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LeaderSummary {
    pub island: String,
    pub name: String,
    pub tier: String,
    pub parent: Option<String>,
    pub members: Vec<String>,
}

/// The `summary.json` object (and what `plan --json` prints). It holds no wall-clock times,
/// so the same inputs give the same bytes.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlanSummary {
    pub scenario: String,
    pub cost: f64,
    /// The plan's cost lines (running, opening, ... total): exact sums of the services' lines.
    pub costs: crate::plan::service::Costs,
    pub budget: Option<f64>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub status: Status,
    /// The MILP backend that solved the services (`microlp` or `highs`); absent from plans
    /// written before it was recorded.
    #[serde(default)]
    pub solver: String,
    pub targets: Vec<TargetRow>,
    pub services: Vec<ServiceSummary>,
    pub hierarchy: HierarchySummary,
    /// Each named hierarchy a service follows (`[hierarchies.NAME]`), by name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub hierarchies: std::collections::BTreeMap<String, HierarchySummary>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TargetRow {
    pub name: String,
    pub service: String,
    pub measure: crate::scenario::Measure,
    pub minutes: f64,
    pub required: f64,
    pub achieved: f64,
    pub met: bool,
    /// Count targets (`measure = "sites"`): the bounds on the count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

impl TargetRow {
    /// A count target (its `required` and `achieved` are counts, not shares).
    pub fn is_count(&self) -> bool {
        self.measure == crate::scenario::Measure::Sites
    }

    /// What the target requires, for people: "90.0%", "at least 2", "2 to 4", "exactly 3".
    pub fn required_text(&self) -> String {
        if !self.is_count() {
            return format!("{:.1}%", self.required * 100.0);
        }
        match (self.at_least, self.at_most) {
            (Some(lo), Some(hi)) if lo == hi => format!("exactly {lo}"),
            (Some(lo), Some(hi)) if lo > 0.0 => format!("{lo} to {hi}"),
            (_, Some(hi)) => format!("at most {hi}"),
            (lo, None) => format!("at least {}", lo.unwrap_or(self.required)),
        }
    }

    /// What the plan achieves, for people: a share in percent, or the count.
    pub fn achieved_text(&self) -> String {
        if self.is_count() {
            format!("{}", self.achieved)
        } else {
            format!("{:.1}%", self.achieved * 100.0)
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct HierarchySummary {
    pub hub: String,
    pub method: String,
    pub mean_minutes_to_leader: f64,
    pub leaders: Vec<LeaderSummary>,
}

impl PlanSummary {
    /// Reads a plan folder's `summary.json` back, typed: every reader of a plan (comparison,
    /// map, HTML report) works from these fields, never from defaults for missing ones.
    pub fn read(dir: &std::path::Path) -> crate::Result<PlanSummary> {
        let path = dir.join("summary.json");
        let bytes = crate::limits::read_file(&path, crate::limits::MAX_OUTPUT_BYTES)?;
        serde_json::from_slice(crate::limits::strip_bom(&bytes)).map_err(|e| {
            crate::Error::Usage(format!("{}: not a plan summary: {e}", path.display()))
        })
    }
}

pub fn summarize(ctx: &Context, plan: &Plan) -> PlanSummary {
    let services = plan
        .services
        .iter()
        .map(|s| {
            let costs = to_the_fen(&s.costs);
            let mut row = ServiceSummary {
                service: s.service.clone(),
                label: s.label.clone(),
                hierarchy: s.hierarchy.clone(),
                standard_minutes: s.standard_minutes,
                new: 0,
                kept: 0,
                closed: 0,
                expanded: 0,
                mobile: s.mobile.len(),
                cost: costs.total,
                costs,
                coverage: 0.0,
                mean_minutes: None,
                objective: s.objective,
                bound: s.bound,
                gap: crate::plan::relative_gap(s.objective, s.bound),
                status: s.status,
                method: s.method.clone(),
                variables: s.variables,
            };
            for (j, site) in s.sites.iter().enumerate() {
                match site_status(site, s.open[j]) {
                    Some("new") => row.new += 1,
                    Some("kept") => row.kept += 1,
                    Some("closed") => row.closed += 1,
                    _ => {}
                }
                if s.expansion[j] > 1e-6 {
                    row.expanded += 1;
                }
            }
            let demand: f64 = s.settlements.iter().map(|x| x.demand).sum();
            let covered: f64 = s.settlements.iter().map(|x| x.demand * x.covered).sum();
            row.coverage = if demand > 0.0 { covered / demand } else { 1.0 };
            let (mut wm, mut w) = (0.0, 0.0);
            for x in &s.settlements {
                if let Some(m) = x.minutes.filter(|_| x.demand > 0.0) {
                    wm += x.demand * m;
                    w += x.demand;
                }
            }
            row.mean_minutes = (w > 0.0).then(|| round(wm / w, 2));
            row
        })
        .collect::<Vec<ServiceSummary>>();
    let plan_costs = sum_of_lines(&services);
    PlanSummary {
        scenario: plan.scenario.clone(),
        // The plan's cost is the sum of its services' lines, each to the fen: the tables add up.
        cost: plan_costs.total,
        costs: plan_costs,
        budget: plan.budget,
        objective: round(plan.objective, 2),
        bound: round(plan.bound, 2),
        gap: plan.gap,
        status: plan.status,
        solver: plan.solver.clone(),
        targets: plan
            .targets
            .iter()
            .map(|t| TargetRow {
                name: t.name.clone(),
                service: t.service.clone(),
                measure: t.measure,
                minutes: t.minutes,
                required: t.required,
                achieved: round(t.achieved, 6),
                met: t.met,
                at_least: t.at_least,
                at_most: t.at_most,
            })
            .collect(),
        services,
        hierarchy: hierarchy_summary(ctx, &plan.hierarchy, &ctx.scenario.hierarchy),
        hierarchies: named_hierarchies(ctx, plan)
            .map(|(name, h, spec)| (name.to_string(), hierarchy_summary(ctx, h, spec)))
            .collect(),
    }
}

/// Each named hierarchy of the plan with its scenario table, by name.
fn named_hierarchies<'p>(
    ctx: &'p Context,
    plan: &'p Plan,
) -> impl Iterator<Item = (&'p str, &'p HierarchyPlan, &'p Hierarchy)> {
    plan.hierarchies.iter().filter_map(|(name, h)| {
        let spec = ctx.scenario.hierarchies.get(name)?;
        Some((name.as_str(), h, spec))
    })
}

/// The hub, leaders and members of one hierarchy (its hub is its first leader).
fn hierarchy_summary(ctx: &Context, h: &HierarchyPlan, spec: &Hierarchy) -> HierarchySummary {
    let ds = ctx.ds;
    let leaders = h
        .leaders
        .iter()
        .map(|&l| LeaderSummary {
            island: ds.islands[l].id.clone(),
            name: ds.islands[l].name.clone(),
            tier: spec.tiers[h.tier[l]].name.clone(),
            parent: h.parent[l].map(|p| ds.islands[p].id.clone()),
            members: ctx
                .inhabited_islands
                .iter()
                .filter(|&&k| h.leader[k] == Some(l))
                .map(|&k| ds.islands[k].id.clone())
                .collect(),
        })
        .collect();
    HierarchySummary {
        hub: h.leaders.first().map_or_else(
            || ds.islands[ctx.hub].id.clone(),
            |&l| ds.islands[l].id.clone(),
        ),
        method: h.method.clone(),
        mean_minutes_to_leader: round(h.mean_minutes_to_leader, 2),
        leaders,
    }
}

/// Every site of every service, and the roving teams with their visit schedule (`schedules`:
/// the rows of `roving.csv`).
fn facilities(ctx: &Context, plan: &Plan, schedules: &[Vec<String>]) -> FeatureCollection {
    let ds = ctx.ds;
    let mut out = Vec::new();
    for (si, s) in plan.services.iter().enumerate() {
        let color = PALETTE[si % PALETTE.len()];
        for (j, site) in s.sites.iter().enumerate() {
            let Some(status) = site_status(site, s.open[j]) else {
                continue;
            };
            let capacity = site.capacity.map(|c| round(c + s.expansion[j], 1));
            let input = match site.origin {
                SiteOrigin::Existing(fi) | SiteOrigin::Candidate(fi) => {
                    Some(&ds.facilities[fi].properties)
                }
                SiteOrigin::New(_) | SiteOrigin::Converted(_) => None,
            };
            let mut f = feature(
                GeometryValue::new_point(pos(site.location)),
                vec![
                    ("id", site.id.clone().into()),
                    ("name", site.name.clone().into()),
                    ("service", s.service.clone().into()),
                    ("level", site.level.into()),
                    ("level_name", site.level_name.clone().into()),
                    ("status", status.into()),
                    ("island", ds.islands[site.island].id.clone().into()),
                    ("load", round(s.load[j], 1).into()),
                    (
                        "capacity",
                        capacity.map_or(JsonValue::Null, JsonValue::from),
                    ),
                    ("expansion", s.expansion[j].into()),
                    (
                        "refers_to",
                        s.refers_to
                            .get(j)
                            .copied()
                            .flatten()
                            .map_or(JsonValue::Null, |k| s.sites[k].id.clone().into()),
                    ),
                    (
                        "annual_cost",
                        round(site.annual_cost + site.open_cost, 0).into(),
                    ),
                    (
                        "marker-color",
                        if status == "closed" { "#7f7f7f" } else { color }.into(),
                    ),
                    (
                        "marker-symbol",
                        match status {
                            "new" => "star",
                            "closed" => "cross",
                            _ => "circle",
                        }
                        .into(),
                    ),
                    (
                        "marker-size",
                        if site.level >= 2 { "large" } else { "medium" }.into(),
                    ),
                ],
            );
            if let Some(input) = input {
                pass_through(&mut f, input);
            }
            if let (SiteOrigin::Converted(fi), Some(props)) = (site.origin, f.properties.as_mut()) {
                props.insert("converted_from".into(), ds.facilities[fi].id.clone().into());
            }
            out.push(f);
        }
        for m in &s.mobile {
            if let Some(f) = roving_feature(ctx, s, m, color, schedules) {
                out.push(f);
            }
        }
    }
    FeatureCollection::new(out)
}

/// A roving team on the map: at the island's centre, with its cost and visit schedule.
fn roving_feature(
    ctx: &Context,
    s: &crate::plan::ServicePlan,
    m: &crate::plan::data::MobileVisit,
    color: &str,
    schedules: &[Vec<String>],
) -> Option<Feature> {
    let ds = ctx.ds;
    let c = ctx.centre[m.island]?;
    let island = &ds.islands[m.island].id;
    let schedule = schedules
        .iter()
        .find(|r| r[0] == s.service && &r[1] == island && r[5] == "roving");
    let mut f = feature(
        GeometryValue::new_point(pos(ds.settlements[c].location)),
        vec![
            (
                "id",
                format!("mobile-{}-{}", s.service, ds.islands[m.island].id).into(),
            ),
            (
                "name",
                format!("roving {} from {}", s.label, ds.islands[m.base].name).into(),
            ),
            ("service", s.service.clone().into()),
            ("level", 1.into()),
            ("level_name", "roving team".into()),
            ("status", "mobile".into()),
            ("island", ds.islands[m.island].id.clone().into()),
            ("base", ds.islands[m.base].id.clone().into()),
            (
                "load",
                round(ctx.island_population[m.island] as f64, 0).into(),
            ),
            ("capacity", JsonValue::Null),
            ("one_way_minutes", round(m.one_way_minutes, 1).into()),
            ("charter", m.charter.into()),
            ("annual_cost", round(m.annual_cost, 0).into()),
            ("marker-color", color.into()),
            ("marker-symbol", "ferry".into()),
            ("marker-size", "medium".into()),
        ],
    );
    // The visit schedule of roving.csv: weekday, timetable, possible, the sailings.
    if let (Some(row), Some(props)) = (schedule, f.properties.as_mut()) {
        for k in crate::report::roving::MAP_COLUMNS {
            let name = crate::report::roving::HEADER[k];
            props.insert(name.into(), row[k].clone().into());
        }
    }
    Some(f)
}

fn settlements(ctx: &Context, plan: &Plan) -> FeatureCollection {
    let ds = ctx.ds;
    let h = &plan.hierarchy;
    let mut out = Vec::new();
    for (a, &i) in ctx.settlements.iter().enumerate() {
        let s = &ds.settlements[i];
        let mut props: Vec<(String, JsonValue)> = vec![
            ("id".into(), s.id.clone().into()),
            ("name".into(), s.name.clone().into()),
            ("island".into(), ds.islands[s.island].id.clone().into()),
            (
                "community".into(),
                h.leader[s.island].map_or(JsonValue::Null, |l| ds.islands[l].id.clone().into()),
            ),
            ("population".into(), s.population.into()),
            ("children".into(), s.children.into()),
            ("elderly".into(), s.elderly.into()),
        ];
        for field in crate::layers::Groups::FIELDS {
            if let Some(n) = s.groups.get(field) {
                props.push((field.into(), n.into()));
            }
        }
        // Green when every service the plan has settlement cover targets for (villages,
        // residents or demand within a standard) covers the village: a service without them
        // (Daishan's single emergency point, a service with only a count, township or island
        // target: craft colleges on two named islands) would otherwise paint nearly every
        // village red.
        let mut uncovered: Vec<&str> = Vec::new();
        for sp in &plan.services {
            let x = &sp.settlements[a];
            let n = &sp.service;
            let cover_target = sp.targets.iter().any(|t| {
                !matches!(
                    t.measure,
                    crate::scenario::Measure::Sites
                        | crate::scenario::Measure::Towns
                        | crate::scenario::Measure::Islands
                )
            });
            if cover_target && x.demand > 0.0 && x.covered < 1.0 - 1e-9 {
                uncovered.push(n);
            }
            props.push((format!("{n}_covered"), round(x.covered, 4).into()));
            props.push((
                format!("{n}_minutes"),
                x.minutes.map_or(JsonValue::Null, |m| round(m, 1).into()),
            ));
            props.push((
                format!("{n}_facility"),
                x.site
                    .map_or(JsonValue::Null, |j| sp.sites[j].id.clone().into()),
            ));
            props.push((format!("{n}_mobile"), x.mobile.into()));
        }
        props.push(("uncovered_services".into(), uncovered.join(", ").into()));
        props.push((
            "marker-color".into(),
            if uncovered.is_empty() {
                "#2ca02c"
            } else {
                "#d62728"
            }
            .into(),
        ));
        props.push(("marker-size".into(), "small".into()));
        props.push(("marker-symbol".into(), "village".into()));
        let mut f = Feature {
            geometry: Some(Geometry::new(GeometryValue::new_point(pos(s.location)))),
            properties: Some(props.into_iter().collect()),
            ..Default::default()
        };
        pass_through(&mut f, &s.properties);
        out.push(f);
    }
    FeatureCollection::new(out)
}

fn assignments(ctx: &Context, plan: &Plan) -> FeatureCollection {
    let ds = ctx.ds;
    let mut out = Vec::new();
    for (si, sp) in plan.services.iter().enumerate() {
        for &(a, j, share) in &sp.flows {
            let s = &ds.settlements[ctx.settlements[a]];
            let site = &sp.sites[j];
            let minutes = sp.settlements[a]
                .site
                .filter(|&m| m == j)
                .and(sp.settlements[a].minutes);
            out.push(feature(
                // Served in place: a point, never a zero-length line (GEOS and GeoPackage
                // refuse those).
                if pos(s.location) == pos(site.location) {
                    GeometryValue::new_point(pos(s.location))
                } else {
                    GeometryValue::new_line_string(vec![pos(s.location), pos(site.location)])
                },
                vec![
                    ("service", sp.service.clone().into()),
                    ("settlement", s.id.clone().into()),
                    ("facility", site.id.clone().into()),
                    // Exact: the audit re-derives loads and per-unit money from it.
                    ("share", share.into()),
                    ("demand", round(sp.settlements[a].demand * share, 1).into()),
                    (
                        "minutes",
                        minutes.map_or(JsonValue::Null, |m| round(m, 1).into()),
                    ),
                    ("stroke", PALETTE[si % PALETTE.len()].into()),
                    ("stroke-width", 1.into()),
                    ("stroke-opacity", 0.6.into()),
                ],
            ));
        }
    }
    FeatureCollection::new(out)
}

/// Tier colours for island fills, hub first.
const TIER_FILL: [&str; 4] = ["#fdae61", "#fee08b", "#e6f598", "#d9d9d9"];

fn islands(ctx: &Context, plan: &Plan) -> FeatureCollection {
    use geo::Winding;
    let ds = ctx.ds;
    let h = &plan.hierarchy;
    let tiers = &ctx.scenario.hierarchy.tiers;
    let last = tiers.len() - 1;
    let mut out = Vec::new();
    for (k, island) in ds.islands.iter().enumerate() {
        let polygons: Vec<Vec<Vec<Vec<f64>>>> = island
            .geometry
            .0
            .iter()
            .map(|p| {
                let mut p = p.clone();
                p.exterior_mut(|r| r.make_ccw_winding());
                p.interiors_mut(|rs| rs.iter_mut().for_each(|r| r.make_cw_winding()));
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.points().map(pos).collect())
                    .collect()
            })
            .collect();
        let geometry = if polygons.len() == 1 {
            GeometryValue::new_polygon(polygons.into_iter().next().unwrap_or_default())
        } else {
            GeometryValue::new_multi_polygon(polygons)
        };
        let fill = if island.external {
            "#f0f0f0"
        } else if h.tier[k] == last {
            TIER_FILL[3]
        } else {
            TIER_FILL[h.tier[k].min(2)]
        };
        let mut props: Vec<(String, JsonValue)> = vec![
            ("id".into(), island.id.clone().into()),
            ("name".into(), island.name.clone().into()),
        ];
        props.extend(hierarchy_props(ctx, k, (h, &ctx.scenario.hierarchy), ""));
        for (key, v) in [
            ("population", ctx.island_population[k].into()),
            ("fill", fill.into()),
            ("fill-opacity", 0.6.into()),
            ("stroke", "#555555".into()),
            ("stroke-width", 1.into()),
        ] {
            props.push((key.into(), v));
        }
        for (name, h, spec) in named_hierarchies(ctx, plan) {
            props.extend(hierarchy_props(ctx, k, (h, spec), &format!("_{name}")));
        }
        let mut f = Feature {
            geometry: Some(Geometry::new(geometry)),
            properties: Some(props.into_iter().collect::<JsonObject>()),
            ..Default::default()
        };
        pass_through(&mut f, &island.properties);
        out.push(f);
    }
    FeatureCollection::new(out)
}

/// Island `k`'s tier, community, parent and minutes to its leader in one hierarchy, under
/// keys ending in `suffix` (empty for `[hierarchy]`, `_NAME` for a named one).
fn hierarchy_props(
    ctx: &Context,
    k: usize,
    (h, spec): (&HierarchyPlan, &Hierarchy),
    suffix: &str,
) -> Vec<(String, JsonValue)> {
    let ds = ctx.ds;
    let tier = if ds.islands[k].external {
        "external".to_string()
    } else {
        spec.tiers[h.tier[k]].name.clone()
    };
    let id = |l: Option<usize>| l.map_or(JsonValue::Null, |l| ds.islands[l].id.clone().into());
    vec![
        (format!("tier{suffix}"), tier.into()),
        (format!("community{suffix}"), id(h.leader[k])),
        (format!("parent{suffix}"), id(h.parent[k])),
        (
            format!("minutes_to_leader{suffix}"),
            h.minutes_to_leader[k].map_or(JsonValue::Null, |m| round(m, 1).into()),
        ),
    ]
}

/// Whole CNY for tables (no "-0").
fn cny(x: f64) -> String {
    // Amounts are whole fen: whole yuan print plainly, others with their two decimals.
    let f = fen(x);
    if f % 100 == 0 {
        format!("{}", f / 100)
    } else {
        format!(
            "{}{}.{:02}",
            if f < 0 { "-" } else { "" },
            (f / 100).abs(),
            (f % 100).abs()
        )
    }
}

/// An amount in whole fen (0.01 CNY).
fn fen(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn from_fen(f: i64) -> f64 {
    f as f64 / 100.0
}

/// The plan's cost lines: each the exact sum (in fen) of the services' lines.
fn sum_of_lines(services: &[ServiceSummary]) -> crate::plan::service::Costs {
    let sum = |f: fn(&crate::plan::service::Costs) -> f64| {
        from_fen(services.iter().map(|s| fen(f(&s.costs))).sum())
    };
    crate::plan::service::Costs {
        running: sum(|c| c.running),
        opening: sum(|c| c.opening),
        closing: sum(|c| c.closing),
        expansion: sum(|c| c.expansion),
        per_unit: sum(|c| c.per_unit),
        mobile: sum(|c| c.mobile),
        total: sum(|c| c.total),
    }
}

/// A service's cost lines rounded to the fen, the total their exact sum.
fn to_the_fen(c: &crate::plan::service::Costs) -> crate::plan::service::Costs {
    let lines = [
        c.running,
        c.opening,
        c.closing,
        c.expansion,
        c.per_unit,
        c.mobile,
    ]
    .map(fen);
    crate::plan::service::Costs {
        running: from_fen(lines[0]),
        opening: from_fen(lines[1]),
        closing: from_fen(lines[2]),
        expansion: from_fen(lines[3]),
        per_unit: from_fen(lines[4]),
        mobile: from_fen(lines[5]),
        total: from_fen(lines.iter().sum()),
    }
}

use crate::report::csv_text;

fn csv_summary(summary: &PlanSummary) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "service",
        "new",
        "kept",
        "closed",
        "expanded",
        "mobile",
        "running_cny",
        "opening_cny",
        "closing_cny",
        "expansion_cny",
        "per_unit_cny",
        "mobile_cny",
        "total_cny",
        "coverage",
        "mean_minutes",
        "gap",
        "status",
    ])
    .map_err(to_err)?;
    let row = |s: &ServiceSummary| -> Vec<String> {
        vec![
            csv_text(&s.service),
            s.new.to_string(),
            s.kept.to_string(),
            s.closed.to_string(),
            s.expanded.to_string(),
            s.mobile.to_string(),
            cny(s.costs.running),
            cny(s.costs.opening),
            cny(s.costs.closing),
            cny(s.costs.expansion),
            cny(s.costs.per_unit),
            cny(s.costs.mobile),
            cny(s.cost),
            format!("{:.4}", s.coverage),
            s.mean_minutes.map_or(String::new(), |m| format!("{m:.1}")),
            format!("{:.6}", s.gap),
            s.status.as_str().to_string(),
        ]
    };
    for s in &summary.services {
        w.write_record(row(s)).map_err(to_err)?;
    }
    // No TOTAL row: a table of services sums as it is (`df.total_cny.sum()` is the plan's
    // cost); the plan's totals are in summary.json (`cost`, `costs`, `gap`, `status`).
    w.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}

fn targets_csv(summary: &PlanSummary) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "target", "service", "measure", "minutes", "required", "achieved", "met",
    ])
    .map_err(to_err)?;
    for t in &summary.targets {
        w.write_record([
            csv_text(&t.name),
            csv_text(&t.service),
            format!("{:?}", t.measure).to_lowercase(),
            if t.is_count() {
                String::new()
            } else {
                format!("{}", t.minutes)
            },
            if t.is_count() {
                format!("{}", t.required)
            } else {
                format!("{:.4}", t.required)
            },
            if t.is_count() {
                format!("{}", t.achieved)
            } else {
                format!("{:.4}", t.achieved)
            },
            t.met.to_string(),
        ])
        .map_err(to_err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}

/// Writes the plan folder atomically; an earlier plan folder at `out` is replaced.
pub fn write_plan(ctx: &Context, plan: &Plan, summary: &PlanSummary, out: &Path) -> Result<()> {
    write_plan_verified(ctx, plan, summary, out, &|_| Ok(()))
}

/// Like [`write_plan`], but `verify` sees the complete folder before it is renamed into
/// place; an error there leaves `out` as it was.
pub fn write_plan_verified(
    ctx: &Context,
    plan: &Plan,
    summary: &PlanSummary,
    out: &Path,
    verify: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    write_plan_files(&plan_files(ctx, plan, summary)?, out, verify)
}

/// Every file of a plan folder, by name, in writing order: what [`write_plan`] writes, for
/// callers that keep a plan in memory (the Python package) and write it later.
pub fn plan_files(
    ctx: &Context,
    plan: &Plan,
    summary: &PlanSummary,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let roving = crate::report::roving::roving_rows(ctx, plan);
    Ok(vec![
        (
            "facilities.geojson",
            geojson_bytes(&facilities(ctx, plan, &roving)),
        ),
        (
            "settlements.geojson",
            geojson_bytes(&settlements(ctx, plan)),
        ),
        (
            "assignments.geojson",
            geojson_bytes(&assignments(ctx, plan)),
        ),
        ("islands.geojson", geojson_bytes(&islands(ctx, plan))),
        (
            "routes.geojson",
            geojson_bytes(&FeatureCollection::new(crate::network::route_features(
                ctx.ds,
            ))),
        ),
        ("summary.json", crate::report::json_pretty(summary)?),
        ("summary.csv", csv_summary(summary)?),
        ("targets.csv", targets_csv(summary)?),
        ("roving.csv", crate::report::roving::roving_csv(&roving)?),
    ])
}

/// Writes the files of [`plan_files`] as a plan folder at `out`, atomically; `verify` sees
/// the complete folder first. A folder archiplan did not write is never replaced.
pub fn write_plan_files<N: AsRef<str>>(
    files: &[(N, Vec<u8>)],
    out: &Path,
    verify: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    crate::io::replace_dir(out, crate::io::owned::PLAN, |tmp| {
        for (i, (name, bytes)) in files.iter().enumerate() {
            let path = tmp.join(name.as_ref());
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            if i == 0 {
                crate::io::swap::fault_point("writing");
            }
        }
        verify(tmp)
    })
}
