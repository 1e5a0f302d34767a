//! Reading the GeoJSON and JSON files of an output folder back, for comparisons, maps and
//! reports: every reader works from what was written, whichever run made it.

use crate::error::{Error, Result};
use geo::Point;
use geojson::{Feature, FeatureCollection, JsonValue};
use std::path::{Path, PathBuf};

/// The plan folder inside a sweep scenario folder, or the folder itself.
pub fn plan_dir(dir: &Path) -> Result<PathBuf> {
    for cand in [dir.to_path_buf(), dir.join("plan")] {
        if cand.join("summary.json").is_file() {
            return Ok(cand);
        }
    }
    Err(Error::Usage(format!(
        "{} is not a plan output folder (no summary.json; an infeasible sweep scenario has no plan)",
        dir.display()
    )))
}

pub fn read_fc(path: &Path) -> Result<FeatureCollection> {
    let text = crate::limits::read_text(path, crate::limits::MAX_OUTPUT_BYTES)?;
    text.parse()
        .map_err(|e| Error::Usage(format!("{}: not GeoJSON: {e}", path.display())))
}

pub fn read_json(path: &Path) -> Result<JsonValue> {
    let bytes = crate::limits::read_file(path, crate::limits::MAX_OUTPUT_BYTES)?;
    serde_json::from_slice(crate::limits::strip_bom(&bytes))
        .map_err(|e| Error::Usage(format!("{}: not JSON: {e}", path.display())))
}

pub fn prop<'a>(f: &'a Feature, key: &str) -> Option<&'a JsonValue> {
    f.properties.as_ref().and_then(|p| p.get(key))
}

/// A string property ("" when absent).
pub fn text(f: &Feature, key: &str) -> String {
    prop(f, key)
        .and_then(JsonValue::as_str)
        .unwrap_or_default()
        .to_string()
}

pub fn number(f: &Feature, key: &str) -> Option<f64> {
    prop(f, key).and_then(JsonValue::as_f64)
}

pub fn point(f: &Feature) -> Option<Point<f64>> {
    match f.geometry.as_ref().map(|g| &g.value) {
        Some(geojson::GeometryValue::Point { coordinates }) if coordinates.len() >= 2 => {
            Some(Point::new(coordinates[0], coordinates[1]))
        }
        _ => None,
    }
}

/// Rings of a Polygon or MultiPolygon feature as (lon, lat) lists, exteriors and holes.
pub fn rings(f: &Feature) -> Vec<Vec<(f64, f64)>> {
    let conv = |ring: &Vec<geojson::Position>| -> Vec<(f64, f64)> {
        ring.iter()
            .filter(|p| p.len() >= 2)
            .map(|p| (p[0], p[1]))
            .collect()
    };
    match f.geometry.as_ref().map(|g| &g.value) {
        Some(geojson::GeometryValue::Polygon { coordinates }) => {
            coordinates.iter().map(conv).collect()
        }
        Some(geojson::GeometryValue::MultiPolygon { coordinates }) => {
            coordinates.iter().flatten().map(conv).collect()
        }
        _ => Vec::new(),
    }
}

/// Vertices of a LineString feature.
pub fn line(f: &Feature) -> Vec<(f64, f64)> {
    match f.geometry.as_ref().map(|g| &g.value) {
        Some(geojson::GeometryValue::LineString { coordinates }) => coordinates
            .iter()
            .filter(|p| p.len() >= 2)
            .map(|p| (p[0], p[1]))
            .collect(),
        _ => Vec::new(),
    }
}
