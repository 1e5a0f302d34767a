//! Point layers from a CSV table (settlements, ports or facilities from a spreadsheet): one row
//! per feature, a longitude and a latitude column (WGS 84), every other column a property.
//!
//! Cells become JSON values as a spreadsheet user means them: whole and decimal numbers are
//! numbers (but not codes with leading zeros, `007`), `true`/`false` are booleans, empty cells
//! are absent (the property's default applies), anything else is text; `id` and `name` stay
//! text. The rows are then validated exactly as GeoJSON features are, numbered from 0 in
//! data order (row N is on line N + 2, below the header).

use super::read::RawFeature;
use crate::diagnostics::{Diagnostics, Location};
use geojson::{GeometryValue, JsonObject, JsonValue};

/// Accepted names (any case) of the longitude and latitude columns.
pub const LON_COLUMNS: [&str; 4] = ["lon", "lng", "longitude", "x"];
pub const LAT_COLUMNS: [&str; 3] = ["lat", "latitude", "y"];
/// Columns kept as text whatever they hold.
const TEXT_COLUMNS: [&str; 2] = ["id", "name"];

/// Parses CSV bytes into raw point features; `file` names the table in diagnostics.
pub fn parse_csv(bytes: &[u8], file: &str, diags: &mut Diagnostics) -> Option<Vec<RawFeature>> {
    let at = Location::file(file);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(crate::limits::strip_bom(bytes));
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect::<Vec<_>>(),
        Err(e) => {
            diags.error(
                "csv-invalid",
                &at,
                None,
                format!("not a readable CSV table: {e}"),
            );
            return None;
        }
    };
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(lon), Some(lat)) = (column(&LON_COLUMNS), column(&LAT_COLUMNS)) else {
        diags.error(
            "csv-no-coordinates",
            &at,
            None,
            format!(
                "a CSV layer needs a longitude column ({}) and a latitude column ({}) in WGS 84 \
                 degrees; the header has: {}",
                LON_COLUMNS.join(", "),
                LAT_COLUMNS.join(", "),
                headers.join(", ")
            ),
        );
        return None;
    };
    let mut out = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(index + 2, |p| p.line() as usize);
                diags.error(
                    "csv-invalid",
                    &Location::feature(file, index, None),
                    None,
                    format!("line {line}: {e}"),
                );
                continue;
            }
        };
        let mut properties = JsonObject::new();
        for (k, (name, cell)) in headers.iter().zip(record.iter()).enumerate() {
            let cell = cell.trim();
            if k == lon || k == lat || cell.is_empty() || name.is_empty() {
                continue;
            }
            let text = TEXT_COLUMNS.iter().any(|t| name.eq_ignore_ascii_case(t));
            properties.insert(
                name.clone(),
                if text { cell.into() } else { cell_value(cell) },
            );
        }
        let id = properties
            .get("id")
            .and_then(JsonValue::as_str)
            .map(str::to_string);
        let loc = Location::feature(file, index, id.as_deref());
        let coordinate = |k: usize, name: &str, limit: f64, diags: &mut Diagnostics| {
            let cell = record.get(k).unwrap_or("").trim();
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= limit => Some(x),
                _ => {
                    diags.error(
                        "bad-coordinate",
                        &loc,
                        Some(&headers[k]),
                        format!(
                            "line {}: {name} {cell:?} must be a number of degrees from -{limit} \
                             to {limit} (WGS 84)",
                            index + 2
                        ),
                    );
                    None
                }
            }
        };
        let x = coordinate(lon, "longitude", 180.0, diags);
        let y = coordinate(lat, "latitude", 90.0, diags);
        let geometry = match (x, y) {
            (Some(x), Some(y)) => Some(GeometryValue::new_point(vec![x, y])),
            _ => continue,
        };
        out.push(RawFeature {
            index,
            id,
            geometry,
            properties,
        });
    }
    Some(out)
}

/// A cell as the JSON value a spreadsheet user means (see the module notes).
fn cell_value(cell: &str) -> JsonValue {
    match cell.to_ascii_lowercase().as_str() {
        "true" => return JsonValue::Bool(true),
        "false" => return JsonValue::Bool(false),
        _ => {}
    }
    let digits = cell.trim_start_matches(['-', '+']);
    let code_like = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !code_like {
        if let Ok(i) = cell.parse::<i64>() {
            return JsonValue::from(i);
        }
        if let Ok(x) = cell.parse::<f64>()
            && x.is_finite()
        {
            return JsonValue::from(x);
        }
    }
    JsonValue::String(cell.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_what_a_spreadsheet_means() {
        assert_eq!(cell_value("12"), JsonValue::from(12));
        assert_eq!(cell_value("-3.5"), JsonValue::from(-3.5));
        assert_eq!(cell_value("TRUE"), JsonValue::Bool(true));
        assert_eq!(cell_value("007"), JsonValue::from("007"));
        assert_eq!(cell_value("0.25"), JsonValue::from(0.25));
        assert_eq!(cell_value("0"), JsonValue::from(0));
        assert_eq!(cell_value("NaN"), JsonValue::from("NaN"));
        assert_eq!(cell_value("Gaoting"), JsonValue::from("Gaoting"));
    }
}
