//! Layers from an OGC GeoPackage: `archiplan validate data.gpkg` reads the feature tables
//! `islands`, `settlements`, `ferries`, `ports` and `facilities` (any case) of one file, as
//! QGIS and GDAL write it, with SQLite (rusqlite) and GeoPackage binary geometries (geozero).
//!
//! Each row becomes a raw feature validated exactly as a GeoJSON feature (numbered from 0 in
//! `fid` order); columns are its properties (a `BOOLEAN` column's 0/1 as false/true, NULL
//! absent). A table in another reference system than EPSG:4326 is one error naming the system
//! and the `ogr2ogr` that fixes it, and none of its rows is read.

use super::read::RawFeature;
use crate::diagnostics::{Diagnostics, Location};
use geojson::{GeometryValue, JsonObject, JsonValue};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Whether `path` names a GeoPackage (by its extension, as GDAL decides).
pub fn is_geopackage(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
}

/// A feature table of the GeoPackage: its name, geometry column and reference system.
struct Table {
    name: String,
    geometry: String,
    srs: Option<(String, i64)>,
}

/// Opens the GeoPackage read-only; `None` (and the error) when it is no SQLite database.
fn open(path: &Path, at: &Location, diags: &mut Diagnostics) -> Option<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) => {
            diags.error(
                "gpkg-unreadable",
                at,
                None,
                format!("cannot open {}: {e}", path.display()),
            );
            return None;
        }
    };
    // A file that is not SQLite fails on its first query, not on open.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        diags.error(
            "gpkg-unreadable",
            at,
            None,
            format!("{} is not a GeoPackage (SQLite) file: {e}", path.display()),
        );
        return None;
    }
    Some(conn)
}

/// The feature table named `layer` (case-insensitively), if the GeoPackage has one.
fn find_table(conn: &Connection, layer: &str) -> rusqlite::Result<Option<Table>> {
    let mut stmt = conn.prepare(
        "SELECT g.table_name, g.column_name, s.organization, s.organization_coordsys_id \
         FROM gpkg_geometry_columns g \
         LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id \
         WHERE lower(g.table_name) = lower(?1)",
    )?;
    let mut rows = stmt.query([layer])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let org: Option<String> = row.get(2)?;
    let code: Option<i64> = row.get(3)?;
    Ok(Some(Table {
        name: row.get(0)?,
        geometry: row.get(1)?,
        srs: org.zip(code),
    }))
}

/// Reads the table `layer` of the GeoPackage at `path` into raw features; `file` names it in
/// diagnostics. `None` when the table is absent (an error only when `required`) or unusable.
pub fn read_table(
    path: &Path,
    layer: &str,
    file: &str,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Vec<RawFeature>> {
    let at = Location::file(file);
    let conn = open(path, &at, diags)?;
    let table = match find_table(&conn, layer) {
        Ok(Some(t)) => t,
        Ok(None) => {
            if required {
                diags.error(
                    "file-missing",
                    &at,
                    None,
                    format!("{} has no feature table `{layer}`", path.display()),
                );
            }
            return None;
        }
        Err(e) => {
            diags.error(
                "gpkg-unreadable",
                &at,
                None,
                format!("{} has no readable GeoPackage tables: {e}", path.display()),
            );
            return None;
        }
    };
    if let Some((org, code)) = &table.srs
        && !(org.eq_ignore_ascii_case("EPSG") && *code == 4326)
    {
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        diags.error(
            "wrong-crs",
            &at,
            None,
            format!(
                "this layer is in {}:{code}, but archiplan reads longitude/latitude in EPSG:4326 \
                 (WGS 84); reproject it, e.g. `ogr2ogr -f GPKG -t_srs EPSG:4326 wgs84-{name} \
                 {name}`, or export from QGIS with CRS EPSG:4326",
                org.to_ascii_uppercase()
            ),
        );
        return None;
    }
    match rows(&conn, &table, file, diags) {
        Ok(features) => Some(features),
        Err(e) => {
            diags.error(
                "gpkg-unreadable",
                &at,
                None,
                format!("reading table `{}`: {e}", table.name),
            );
            None
        }
    }
}

/// Every row of `table`, in `fid` (rowid) order.
fn rows(
    conn: &Connection,
    table: &Table,
    file: &str,
    diags: &mut Diagnostics,
) -> rusqlite::Result<Vec<RawFeature>> {
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    // Declared column types: BOOLEAN columns hold 0/1; the primary key (fid) is no property.
    let mut info = conn.prepare(&format!("PRAGMA table_info({})", quoted(&table.name)))?;
    let columns: Vec<(String, String, bool)> = info
        .query_map([], |r| {
            Ok((r.get(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(5)? > 0))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare(&format!(
        "SELECT * FROM {} ORDER BY rowid",
        quoted(&table.name)
    ))?;
    let mut result = stmt.query([])?;
    let mut out = Vec::new();
    let mut index = 0;
    while let Some(row) = result.next()? {
        let mut properties = JsonObject::new();
        let mut geometry = None;
        let mut bad_geometry = None;
        for (k, (name, declared, primary)) in columns.iter().enumerate() {
            let value = row.get_ref(k)?;
            if *name == table.geometry {
                match value {
                    ValueRef::Blob(blob) => match decode(blob) {
                        Ok(g) => geometry = Some(g),
                        Err(e) => bad_geometry = Some(e),
                    },
                    ValueRef::Null => {}
                    _ => bad_geometry = Some("not a GeoPackage geometry blob".to_string()),
                }
                continue;
            }
            if *primary {
                continue;
            }
            if let Some(v) = json_value(value, declared) {
                properties.insert(name.clone(), v);
            }
        }
        let id = match properties.get("id") {
            Some(JsonValue::String(s)) => Some(s.clone()),
            Some(JsonValue::Number(n)) if n.is_i64() => Some(n.to_string()),
            _ => None,
        };
        if let Some(e) = bad_geometry {
            let loc = Location::feature(file, index, id.as_deref());
            diags.error("bad-geometry", &loc, Some("geometry"), e);
        }
        out.push(RawFeature {
            index,
            id,
            geometry,
            properties,
        });
        index += 1;
    }
    Ok(out)
}

/// A GeoPackage geometry blob as a GeoJSON geometry.
fn decode(blob: &[u8]) -> Result<GeometryValue, String> {
    use geozero::ToGeo;
    let geometry = geozero::wkb::GpkgWkb(blob.to_vec())
        .to_geo()
        .map_err(|e| format!("unreadable GeoPackage geometry: {e}"))?;
    Ok(GeometryValue::from(&geometry))
}

/// A cell as a JSON value: integers and reals as numbers (a BOOLEAN column's as true/false),
/// text as text; NULL and blobs are absent.
fn json_value(value: ValueRef<'_>, declared: &str) -> Option<JsonValue> {
    match value {
        ValueRef::Null | ValueRef::Blob(_) => None,
        ValueRef::Integer(i) if declared.eq_ignore_ascii_case("BOOLEAN") => {
            Some(JsonValue::Bool(i != 0))
        }
        ValueRef::Integer(i) => Some(JsonValue::from(i)),
        ValueRef::Real(x) => serde_json::Number::from_f64(x).map(JsonValue::Number),
        ValueRef::Text(t) => Some(JsonValue::String(String::from_utf8_lossy(t).into_owned())),
    }
}
