//! Settlements: villages and communities, the demand points.

use super::read::{Props, RawFeature};
use super::{SETTLEMENTS_FILE, shape};
use crate::diagnostics::Diagnostics;
use geo::Point;
use geojson::JsonObject;

#[derive(Debug, Clone)]
pub struct Settlement {
    pub id: String,
    pub name: String,
    pub location: Point<f64>,
    pub population: u64,
    /// School-age children.
    pub children: u64,
    /// Residents aged 60+.
    pub elderly: u64,
    pub households: Option<u64>,
    pub kind: Option<String>,
    /// Index into `DataSet::islands`.
    pub island: usize,
    pub properties: JsonObject,
}

/// A parsed settlement with its declared (unresolved) island id.
pub(super) struct Parsed {
    pub index: usize,
    pub settlement: Settlement,
    pub declared_island: Option<String>,
}

pub(super) fn parse(features: &[RawFeature], diags: &mut Diagnostics) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let location = shape::point(f, SETTLEMENTS_FILE, diags);
        let mut p = Props::new(f, SETTLEMENTS_FILE, diags);
        let id = p.id();
        let name = p.req_str("name");
        let population = p.req_count("population");
        let children = p.opt_count("children");
        let elderly = p.opt_count("elderly");
        let households = p.opt_count("households");
        let kind = p.opt_str("kind");
        let declared_island = p.opt_str("island");
        if let Some(pop) = population {
            let c = children.unwrap_or(0);
            let e = elderly.unwrap_or(0);
            if c + e > pop {
                p.error(
                    "groups-exceed-population",
                    Some("children"),
                    format!(
                        "children ({c}) + elderly ({e}) = {} exceeds population ({pop})",
                        c + e
                    ),
                );
            }
            if pop == 0 {
                p.warning(
                    "empty-settlement",
                    Some("population"),
                    "population is 0: the settlement creates no demand",
                );
            }
        }
        if let (Some(id), Some(name), Some(location), Some(population)) =
            (id, name, location, population)
        {
            out.push(Parsed {
                index: f.index,
                settlement: Settlement {
                    id,
                    name,
                    location,
                    population,
                    children: children.unwrap_or(0),
                    elderly: elderly.unwrap_or(0),
                    households,
                    kind,
                    island: usize::MAX,
                    properties: f.properties.clone(),
                },
                declared_island,
            });
        }
    }
    out
}
