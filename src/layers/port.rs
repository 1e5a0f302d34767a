//! Ports: piers and bridgeheads where routes start and end.

use super::read::{Props, RawFeature};
use super::{PORTS_FILE, shape};
use crate::diagnostics::Diagnostics;
use geo::Point;
use geojson::JsonObject;

#[derive(Debug, Clone)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub location: Point<f64>,
    /// Index into `DataSet::islands`.
    pub island: usize,
    pub properties: JsonObject,
}

pub(super) struct Parsed {
    pub index: usize,
    pub port: Port,
    pub declared_island: Option<String>,
}

pub(super) fn parse(features: &[RawFeature], diags: &mut Diagnostics) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let location = shape::point(f, PORTS_FILE, diags);
        let mut p = Props::new(f, PORTS_FILE, diags);
        let id = p.id();
        let name = p.req_str("name");
        let declared_island = p.opt_str("island");
        if let (Some(id), Some(name), Some(location)) = (id, name, location) {
            out.push(Parsed {
                index: f.index,
                port: Port {
                    id,
                    name,
                    location,
                    island: usize::MAX,
                    properties: f.properties.clone(),
                },
                declared_island,
            });
        }
    }
    out
}
