//! The plan folder as the audit reads it: plain GeoJSON features, JSON and CSV rows, read
//! from the files (never from the planner's structures).

use crate::error::{Error, Result};
use geojson::{Feature, JsonValue};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct PlanFolder {
    pub dir: PathBuf,
    pub summary: JsonValue,
    pub facilities: Vec<Feature>,
    pub settlements: Vec<Feature>,
    pub assignments: Vec<Feature>,
    pub islands: Vec<Feature>,
    /// `targets.csv` and `summary.csv`, one map per row (column → cell).
    pub targets_csv: Vec<HashMap<String, String>>,
    pub summary_csv: Vec<HashMap<String, String>>,
}

impl PlanFolder {
    /// Reads a plan folder, or the `plan/` folder of a sweep scenario folder.
    pub fn read(dir: &Path) -> Result<PlanFolder> {
        let dir = crate::io::files::plan_dir(dir)?;
        let fc = |name: &str| -> Result<Vec<Feature>> {
            Ok(crate::io::files::read_fc(&dir.join(name))?.features)
        };
        Ok(PlanFolder {
            summary: crate::io::files::read_json(&dir.join("summary.json"))?,
            facilities: fc("facilities.geojson")?,
            settlements: fc("settlements.geojson")?,
            assignments: fc("assignments.geojson")?,
            islands: fc("islands.geojson")?,
            targets_csv: read_csv(&dir.join("targets.csv"))?,
            summary_csv: read_csv(&dir.join("summary.csv"))?,
            dir,
        })
    }

    /// The `summary.json` row of a service.
    pub fn service_summary(&self, service: &str) -> Option<&JsonValue> {
        self.summary
            .get("services")?
            .as_array()?
            .iter()
            .find(|s| s.get("service").and_then(JsonValue::as_str) == Some(service))
    }
}

fn read_csv(path: &Path) -> Result<Vec<HashMap<String, String>>> {
    let bytes = crate::limits::read_file(path, crate::limits::MAX_OUTPUT_BYTES)?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let bad = |e: csv::Error| Error::Usage(format!("{}: not CSV: {e}", path.display()));
    let headers = r.headers().map_err(bad)?.clone();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(bad)?;
        rows.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(rows)
}

/// A feature's property.
pub fn prop<'a>(f: &'a Feature, key: &str) -> Option<&'a JsonValue> {
    f.properties.as_ref().and_then(|p| p.get(key))
}

pub fn prop_str<'a>(f: &'a Feature, key: &str) -> Option<&'a str> {
    prop(f, key).and_then(JsonValue::as_str)
}

pub fn prop_f64(f: &Feature, key: &str) -> Option<f64> {
    prop(f, key).and_then(JsonValue::as_f64)
}

/// A feature's `id` property, for naming it in findings.
pub fn id_of(f: &Feature) -> String {
    prop_str(f, "id").unwrap_or("(no id)").to_string()
}
