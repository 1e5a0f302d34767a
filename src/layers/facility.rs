//! Facilities: existing and candidate public-service sites.

use super::read::{Props, RawFeature, amount, money};
use super::{FACILITIES_FILE, shape};
use crate::diagnostics::Diagnostics;
use geo::Point;
use geojson::JsonObject;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FacilityStatus {
    /// Operating today: may be kept, closed or expanded.
    Existing,
    /// A place where a new site may be opened.
    Candidate,
}

#[derive(Debug, Clone)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub service: String,
    pub level: u32,
    pub status: FacilityStatus,
    /// In the service's demand unit; `None` = unlimited.
    pub capacity: Option<f64>,
    /// Annualised opening cost; `None` = not given (the scenario's level default applies).
    pub open_cost: Option<f64>,
    /// One-off closing cost; `None` = not given.
    pub close_cost: Option<f64>,
    /// Annual running cost; `None` = not given.
    pub annual_cost: Option<f64>,
    pub must_stay: bool,
    pub kind: Option<String>,
    pub location: Point<f64>,
    /// Index into `DataSet::islands`.
    pub island: usize,
    pub properties: JsonObject,
}

pub(super) struct Parsed {
    pub index: usize,
    pub facility: Facility,
    pub declared_island: Option<String>,
}

pub(super) fn parse(features: &[RawFeature], diags: &mut Diagnostics) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let location = shape::point(f, FACILITIES_FILE, diags);
        let mut p = Props::new(f, FACILITIES_FILE, diags);
        let id = p.id();
        let name = p.req_str("name");
        let service = p.req_str("service");
        if service.as_deref().is_some_and(|s| s.trim().is_empty()) {
            p.error("bad-value", Some("service"), "`service` must not be empty");
        }
        let level = p.opt_count("level").unwrap_or(1);
        if level == 0 || level > 9 {
            p.error(
                "out-of-range",
                Some("level"),
                format!("`level` = {level}: service levels run from 1 (local) to 9"),
            );
        }
        let status = p
            .opt_enum(
                "status",
                &[
                    ("existing", FacilityStatus::Existing),
                    ("candidate", FacilityStatus::Candidate),
                ],
            )
            .unwrap_or(FacilityStatus::Existing);
        let capacity = p.opt_number("capacity", amount);
        let open_cost = p.opt_number("open_cost", money);
        let close_cost = p.opt_number("close_cost", money);
        let annual_cost = p.opt_number("annual_cost", money);
        let must_stay = p.opt_bool("must_stay").unwrap_or(false);
        if must_stay && status == FacilityStatus::Candidate {
            p.error(
                "bad-value",
                Some("must_stay"),
                "a candidate site does not exist yet and cannot be required to stay",
            );
        }
        let kind = p.opt_str("kind");
        let declared_island = p.opt_str("island");
        if let (Some(id), Some(name), Some(service), Some(location)) = (id, name, service, location)
        {
            out.push(Parsed {
                index: f.index,
                facility: Facility {
                    id,
                    name,
                    service,
                    level: level.clamp(1, 9) as u32,
                    status,
                    capacity,
                    open_cost,
                    close_cost,
                    annual_cost,
                    must_stay,
                    kind,
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
