//! Geometry checks of single features: type, coordinate ranges, ring closure, polygon validity.

use super::read::RawFeature;
use crate::diagnostics::{Diagnostics, Location};
use geo::algorithm::validation::Validation;
use geo::{LineString, MultiPolygon, Point, Polygon, Winding};
use geojson::{GeometryValue, Position};

/// Checks one position; `Err` carries the complaint.
fn check_position(p: &Position) -> Result<(), String> {
    if p.len() < 2 {
        return Err(format!(
            "a position needs [longitude, latitude], found {} number(s)",
            p.len()
        ));
    }
    let (lon, lat) = (p[0], p[1]);
    if !lon.is_finite() || !lat.is_finite() {
        return Err("coordinates must be finite numbers".to_string());
    }
    let lon_ok = (-180.0..=180.0).contains(&lon);
    let lat_ok = (-90.0..=90.0).contains(&lat);
    match (lon_ok, lat_ok) {
        (true, true) => Ok(()),
        (true, false) if (-90.0..=90.0).contains(&lon) => Err(format!(
            "latitude {lat} is outside -90..90; [{lon}, {lat}] looks like [latitude, longitude] \
             swapped (GeoJSON order is [longitude, latitude])"
        )),
        (true, false) => Err(format!("latitude {lat} is outside -90..90")),
        (false, _) => Err(format!("longitude {lon} is outside -180..180")),
    }
}

fn all_positions(g: &GeometryValue) -> Vec<&Position> {
    match g {
        GeometryValue::Point { coordinates } => vec![coordinates],
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            coordinates.iter().collect()
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter().flatten().collect()
        }
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().flatten().collect()
        }
        GeometryValue::GeometryCollection { geometries } => geometries
            .iter()
            .flat_map(|g| all_positions(&g.value))
            .collect(),
    }
}

/// Checks the geometry is present, of an expected type and has sane lon/lat coordinates.
fn checked_geometry<'a>(
    f: &'a RawFeature,
    at: &Location,
    expected: &[&str],
    diags: &mut Diagnostics,
) -> Option<&'a GeometryValue> {
    let Some(g) = &f.geometry else {
        diags.error(
            "missing-geometry",
            at,
            Some("geometry"),
            format!(
                "feature has no geometry; expected {}",
                expected.join(" or ")
            ),
        );
        return None;
    };
    if !expected.contains(&g.type_name()) {
        diags.error(
            "wrong-geometry",
            at,
            Some("geometry"),
            format!(
                "geometry is a {}, expected {}",
                g.type_name(),
                expected.join(" or ")
            ),
        );
        return None;
    }
    for (i, p) in all_positions(g).into_iter().enumerate() {
        if let Err(msg) = check_position(p) {
            diags.error(
                "bad-coordinates",
                at,
                Some("geometry"),
                format!("position {i}: {msg}"),
            );
            return None;
        }
    }
    Some(g)
}

pub fn point(f: &RawFeature, file: &str, diags: &mut Diagnostics) -> Option<Point<f64>> {
    let at = f.location(file);
    let g = checked_geometry(f, &at, &["Point"], diags)?;
    Point::try_from(g).ok()
}

pub fn line(f: &RawFeature, file: &str, diags: &mut Diagnostics) -> Option<LineString<f64>> {
    let at = f.location(file);
    let g = checked_geometry(f, &at, &["LineString"], diags)?;
    let line = LineString::try_from(g).ok()?;
    if line.0.len() < 2 {
        diags.error(
            "bad-line",
            &at,
            Some("geometry"),
            "a LineString needs at least two positions",
        );
        return None;
    }
    Some(line)
}

/// An island outline: Polygon or MultiPolygon with closed rings and OGC-valid geometry.
pub fn area(f: &RawFeature, file: &str, diags: &mut Diagnostics) -> Option<MultiPolygon<f64>> {
    let at = f.location(file);
    let g = checked_geometry(f, &at, &["Polygon", "MultiPolygon"], diags)?;
    let polygons: Vec<&Vec<Vec<Position>>> = match g {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        _ => return None,
    };
    let mut ok = !polygons.is_empty();
    for (pi, rings) in polygons.iter().enumerate() {
        if rings.is_empty() {
            diags.error(
                "invalid-polygon",
                &at,
                Some("geometry"),
                format!("polygon {pi} has no rings"),
            );
            ok = false;
        }
        for (ri, ring) in rings.iter().enumerate() {
            let role = if ri == 0 {
                "exterior ring".to_string()
            } else {
                format!("interior ring {}", ri - 1)
            };
            if ring.len() < 4 {
                diags.error(
                    "invalid-polygon",
                    &at,
                    Some("geometry"),
                    format!(
                        "polygon {pi} {role} has {} positions; a closed ring needs at least 4",
                        ring.len()
                    ),
                );
                ok = false;
            } else if ring.first() != ring.last() {
                diags.error(
                    "unclosed-ring",
                    &at,
                    Some("geometry"),
                    format!(
                        "polygon {pi} {role} is not closed: its first and last positions differ"
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let mp = match g {
        GeometryValue::Polygon { .. } => MultiPolygon(vec![Polygon::try_from(g).ok()?]),
        _ => MultiPolygon::try_from(g).ok()?,
    };
    let problems = mp.validation_errors();
    if !problems.is_empty() {
        for p in problems {
            diags.error(
                "invalid-polygon",
                &at,
                Some("geometry"),
                format!("invalid polygon: {p}"),
            );
        }
        return None;
    }
    if mp.0.iter().any(|p| p.exterior().is_cw()) {
        diags.warning(
            "ring-orientation",
            &at,
            Some("geometry"),
            "exterior ring is clockwise; RFC 7946 asks for counter-clockwise exterior rings",
        );
    }
    Some(mp)
}
