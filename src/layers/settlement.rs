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
    /// Age bands and needs (`preschool` 3-5, `primary` 6-11, `junior` 12-14, `care`: elders
    /// needing residential care), where the data gives them.
    pub groups: Groups,
    pub kind: Option<String>,
    /// Index into `DataSet::islands`.
    pub island: usize,
    pub properties: JsonObject,
}

/// Optional demand groups of a settlement: school age bands and elders needing care.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Groups {
    pub preschool: Option<u64>,
    pub primary: Option<u64>,
    pub junior: Option<u64>,
    pub care: Option<u64>,
}

impl Groups {
    /// The group by its property name.
    pub fn get(&self, field: &str) -> Option<u64> {
        match field {
            "preschool" => self.preschool,
            "primary" => self.primary,
            "junior" => self.junior,
            "care" => self.care,
            _ => None,
        }
    }

    /// Mutable access by property name (relocation moves each group).
    pub fn get_mut(&mut self, field: &str) -> Option<&mut Option<u64>> {
        match field {
            "preschool" => Some(&mut self.preschool),
            "primary" => Some(&mut self.primary),
            "junior" => Some(&mut self.junior),
            "care" => Some(&mut self.care),
            _ => None,
        }
    }

    pub const FIELDS: [&'static str; 4] = ["preschool", "primary", "junior", "care"];
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
        let groups = Groups {
            preschool: p.opt_count("preschool"),
            primary: p.opt_count("primary"),
            junior: p.opt_count("junior"),
            care: p.opt_count("care"),
        };
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
            // School age bands lie within 0-14 and care needs within 60+: larger ones are
            // estimates gone wrong, reported but not fatal (the bands are separate demands).
            let bands = groups.preschool.unwrap_or(0)
                + groups.primary.unwrap_or(0)
                + groups.junior.unwrap_or(0);
            if children.is_some() && bands > c {
                p.warning(
                    "bands-exceed-children",
                    Some("primary"),
                    format!(
                        "preschool + primary + junior = {bands} exceeds children ({c}, ages 0-14)"
                    ),
                );
            }
            if let Some(care) = groups.care
                && elderly.is_some()
                && care > e
            {
                p.warning(
                    "care-exceeds-elderly",
                    Some("care"),
                    format!("care ({care}) exceeds elderly ({e})"),
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
                    groups,
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
