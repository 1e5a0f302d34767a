//! Islands: the polygons everything else stands on.

use super::read::{Props, RawFeature, positive};
use super::{DEFAULT_CIRCUITY, DEFAULT_ROAD_SPEED_KMH, ISLANDS_FILE, shape};
use crate::diagnostics::Diagnostics;
use geo::MultiPolygon;
use geojson::JsonObject;
use serde::Serialize;

/// Island tier of the "1+4+N" scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Hub,
    Subcenter,
    Small,
}

#[derive(Debug, Clone)]
pub struct Island {
    pub id: String,
    pub name: String,
    pub tier: Option<Tier>,
    /// Outside the planning area: part of the network, never planned.
    pub external: bool,
    /// Declared main port id (checked against the ports layer).
    pub main_port: Option<String>,
    pub road_speed_kmh: f64,
    pub circuity: f64,
    pub geometry: MultiPolygon<f64>,
    pub properties: JsonObject,
}

impl Island {
    /// Minutes to drive `km` of straight-line distance on this island.
    pub fn road_minutes(&self, km: f64) -> f64 {
        km * self.circuity / self.road_speed_kmh * 60.0
    }
}

pub(super) fn parse(features: &[RawFeature], diags: &mut Diagnostics) -> Vec<(usize, Island)> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let geometry = shape::area(f, ISLANDS_FILE, diags);
        let mut p = Props::new(f, ISLANDS_FILE, diags);
        let id = p.id();
        let name = p.req_str("name");
        let tier = p.opt_enum(
            "tier",
            &[
                ("hub", Tier::Hub),
                ("subcenter", Tier::Subcenter),
                ("small", Tier::Small),
            ],
        );
        let external = p.opt_bool("external").unwrap_or(false);
        let main_port = p.opt_str("main_port");
        let road_speed_kmh = p
            .opt_number("road_speed_kmh", positive)
            .unwrap_or(DEFAULT_ROAD_SPEED_KMH);
        let circuity = p
            .opt_number("circuity", |x| {
                (x < 1.0).then(|| "a road is never shorter than the straight line: use >= 1".into())
            })
            .unwrap_or(DEFAULT_CIRCUITY);
        if external && tier.is_some() {
            p.error(
                "external-tier",
                Some("tier"),
                "an external island is not planned and cannot have a tier",
            );
        }
        if let (Some(id), Some(name), Some(geometry)) = (id, name, geometry) {
            out.push((
                f.index,
                Island {
                    id,
                    name,
                    tier,
                    external,
                    main_port,
                    road_speed_kmh,
                    circuity,
                    geometry,
                    properties: f.properties.clone(),
                },
            ));
        }
    }
    out
}
