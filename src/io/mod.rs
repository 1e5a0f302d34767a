//! Output writing that never leaves half-written files: write to a temporary sibling, then
//! rename into place; folders are swapped whole ([`swap`]) and carry a manifest of what
//! archiplan owns in them ([`owned`]). Output folders are read back through [`files`].

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

pub mod files;
pub mod owned;
pub mod swap;

pub use owned::{file_target, refuse_dir_over_inputs};
pub use swap::{create_dir as write_dir_atomic, replace_dir};

/// A temporary sibling path in the same directory (so the final rename stays atomic).
fn temp_sibling(path: &Path) -> PathBuf {
    swap::sibling(path, "tmp")
}

/// Writes `bytes` to `path` atomically, creating its folder when missing (`-o maps/x.png`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// GeoJSON text with one feature per line: small, deterministic, and friendly to diffs.
pub fn geojson_bytes(fc: &geojson::FeatureCollection) -> Vec<u8> {
    geojson_with_header(fc, b"{\"type\":\"FeatureCollection\",\"features\":[\n")
}

/// [`geojson_bytes`] for a file written on its own (not inside an owned folder): the
/// collection carries a `generator` member with [`owned::MARK`], so a later run may replace it.
pub fn geojson_marked_bytes(fc: &geojson::FeatureCollection) -> Vec<u8> {
    let header = format!(
        "{{\"type\":\"FeatureCollection\",\"generator\":\"{}\",\"features\":[\n",
        owned::MARK
    );
    geojson_with_header(fc, header.as_bytes())
}

fn geojson_with_header(fc: &geojson::FeatureCollection, header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 * fc.features.len() + 64);
    out.extend_from_slice(header);
    for (i, f) in fc.features.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        // Serialising a Feature built from JSON values cannot fail.
        if let Ok(bytes) = serde_json::to_vec(f) {
            out.extend_from_slice(&bytes);
        }
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_into_a_new_folder_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("maps/daishan/map.svg");
        write_atomic(&path, b"<svg/>").expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"<svg/>");
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["map.svg"]);
    }

    #[test]
    fn a_path_that_cannot_be_written_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "x").expect("write");
        let err = write_atomic(&file.join("map.svg"), b"x").expect_err("a file is no folder");
        assert!(err.to_string().contains("plain-file"), "{err}");
    }
}
