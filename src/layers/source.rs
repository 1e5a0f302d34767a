//! Where each layer of a data set is read from (its GeoJSON file, a CSV table in its place,
//! or a GeoPackage table), and reading it into raw features whatever the source.

use super::read::{RawFeature, parse_layer};
use crate::diagnostics::{Diagnostics, Location};
use std::path::{Path, PathBuf};

/// Where a layer is read from: its GeoJSON file in the data-set folder, a CSV table of the
/// same name in its place (point layers), or a table of a GeoPackage given as the data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    GeoJson(PathBuf),
    Csv(PathBuf),
    GeoPackage(PathBuf),
}

/// Layers a CSV table may stand in for (point layers).
const CSV_LAYERS: [&str; 3] = [
    super::SETTLEMENTS_FILE,
    super::PORTS_FILE,
    super::FACILITIES_FILE,
];

impl Source {
    /// The source of layer `file` (e.g. `settlements.geojson`) of the data set at `data`.
    pub fn of(data: &Path, file: &str) -> Source {
        if super::gpkg::is_geopackage(data) && !data.is_dir() {
            return Source::GeoPackage(data.to_path_buf());
        }
        let geojson = data.join(file);
        if let Some(csv) = csv_table(data, file).filter(|c| !geojson.exists() && c.exists()) {
            return Source::Csv(csv);
        }
        Source::GeoJson(geojson)
    }

    /// The name diagnostics give the layer: `settlements.geojson`, `settlements.csv`,
    /// `daishan.gpkg:settlements`.
    pub fn name(&self, file: &str) -> String {
        let base = |p: &Path| {
            p.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        };
        match self {
            Source::GeoJson(_) => file.to_string(),
            Source::Csv(p) => base(p),
            Source::GeoPackage(p) => format!("{}:{}", base(p), layer_name(file)),
        }
    }

    /// The file read, for digests and messages.
    pub fn path(&self) -> &Path {
        match self {
            Source::GeoJson(p) | Source::Csv(p) | Source::GeoPackage(p) => p,
        }
    }
}

/// Where a CSV table may stand in for layer `file` (point layers only).
fn csv_table(data: &Path, file: &str) -> Option<PathBuf> {
    CSV_LAYERS
        .contains(&file)
        .then(|| data.join(format!("{}.csv", layer_name(file))))
}

/// `settlements` of `settlements.geojson`.
pub fn layer_name(file: &str) -> &str {
    file.strip_suffix(".geojson").unwrap_or(file)
}

/// Reads layer `file` of the data set at `dir` (see [`Source`]): a GeoJSON FeatureCollection,
/// a CSV table or a GeoPackage table, into raw features.
///
/// Returns `None` when the layer is absent (an error only when `required`) or unusable as a
/// whole; features that cannot be parsed are reported and skipped so the rest still load.
pub fn read_layer(
    dir: &Path,
    file: &str,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Vec<RawFeature>> {
    let source = Source::of(dir, file);
    if let Source::GeoPackage(path) = &source {
        return super::gpkg::read_table(path, layer_name(file), file, required, diags);
    }
    let at = Location::file(file);
    if let Source::GeoJson(geojson) = &source
        && let Some(csv) = csv_table(dir, file)
        && geojson.exists()
        && csv.exists()
    {
        diags.error(
            "two-sources",
            &at,
            None,
            format!(
                "both {} and {} are in the data set; keep one of them",
                geojson.display(),
                csv.display()
            ),
        );
        return None;
    }
    let bytes = read_bytes(source.path(), &at, required, diags)?;
    match source {
        Source::Csv(_) => super::tabular::parse_csv(&bytes, file, diags),
        _ => parse_layer(&bytes, file, diags),
    }
}

/// The bytes of a layer file: regular files only, of bounded size (a device or FIFO in place
/// of a layer would never finish reading, or block; a huge file would exhaust memory).
fn read_bytes(
    path: &Path,
    at: &Location,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Vec<u8>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if required {
                diags.error(
                    "file-missing",
                    at,
                    None,
                    format!("required layer file not found at {}", path.display()),
                );
            }
            return None;
        }
        Err(e) => {
            diags.error(
                "file-unreadable",
                at,
                None,
                format!("cannot read {}: {e}", path.display()),
            );
            return None;
        }
    };
    if !meta.is_file() {
        diags.error(
            "file-unreadable",
            at,
            None,
            format!("{} is not a regular file", path.display()),
        );
        return None;
    }
    match crate::limits::read_file(path, crate::limits::MAX_LAYER_BYTES) {
        Ok(b) => Some(b),
        Err(e) => {
            diags.error("file-unreadable", at, None, e.to_string());
            None
        }
    }
}
