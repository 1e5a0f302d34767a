//! Point layers from a CSV table (settlements, ports or facilities from a spreadsheet): one row
//! per feature, a longitude and a latitude column (WGS 84), every other column a property.
//!
//! Cells become JSON values as a spreadsheet user means them: whole and decimal numbers are
//! numbers (but not codes with leading zeros, `007`), `true`/`false` are booleans, empty cells
//! are absent (the property's default applies), anything else is text; `id` and `name` stay
//! text. The separator is a comma, a semicolon (spreadsheets where the comma is the decimal
//! mark; there `122,35` is read as 122.35) or a tab, whichever the header uses most. The rows are then validated exactly as
//! GeoJSON features are, numbered from 0 in data order (row N is on line N + 2, below the
//! header).

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
    let bytes = crate::limits::strip_bom(bytes);
    let sep = delimiter(bytes);
    // Semicolon tables come from spreadsheets whose decimal mark is the comma: `122,35`.
    let decimal_comma = sep == b';';
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(sep)
        .from_reader(bytes);
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
            let value = if text {
                cell.into()
            } else {
                cell_value(&decimal(cell, decimal_comma))
            };
            properties.insert(name.clone(), value);
        }
        let id = properties
            .get("id")
            .and_then(JsonValue::as_str)
            .map(str::to_string);
        let loc = Location::feature(file, index, id.as_deref());
        let coordinate = |k: usize, name: &str, limit: f64, diags: &mut Diagnostics| {
            let cell = &decimal(record.get(k).unwrap_or("").trim(), decimal_comma);
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

/// The field separator, from the header line: a comma, or the semicolon that spreadsheets
/// write where the comma is the decimal mark, or a tab (a pasted table).
fn delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

/// `cell` with a decimal comma read as a point (`-122,35` -> `-122.35`) where the table
/// uses them; any other text as it is.
fn decimal(cell: &str, decimal_comma: bool) -> std::borrow::Cow<'_, str> {
    let digits = cell.trim_start_matches(['-', '+']);
    let is_decimal = decimal_comma
        && digits.split(',').count() == 2
        && digits
            .split(',')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if is_decimal {
        cell.replace(',', ".").into()
    } else {
        cell.into()
    }
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
    fn semicolon_and_tab_tables_are_read_like_comma_ones() {
        for sep in [",", ";", "\t"] {
            let text = format!("id{sep}lon{sep}lat{sep}population\ns1{sep}122.1{sep}30.2{sep}15\n");
            let mut diags = Diagnostics::new();
            let rows = parse_csv(text.as_bytes(), "settlements.csv", &mut diags).expect("rows");
            assert!(!diags.has_errors(), "{sep:?}: {:?}", diags.all());
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].properties["population"], JsonValue::from(15));
            assert_eq!(rows[0].id.as_deref(), Some("s1"));
        }
        // Semicolon tables with decimal commas, as spreadsheets in many locales write them.
        let text = "id;lon;lat;population;share\ns1;122,35;30,2;15;0,5\n";
        let mut diags = Diagnostics::new();
        let rows = parse_csv(text.as_bytes(), "settlements.csv", &mut diags).expect("rows");
        assert!(!diags.has_errors(), "{:?}", diags.all());
        assert_eq!(rows[0].properties["share"], JsonValue::from(0.5));
        match &rows[0].geometry {
            Some(GeometryValue::Point { coordinates }) => {
                assert_eq!(coordinates.as_slice(), &[122.35, 30.2])
            }
            other => panic!("{other:?}"),
        }
        // A comma table whose text holds semicolons keeps the comma.
        assert_eq!(delimiter(b"id,name,lon,lat\na,\"x;y\",1,2\n"), b',');
    }

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
