//! Output writing that never leaves half-written files: write to a temporary sibling, then
//! rename into place.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A temporary sibling path in the same directory (so the final rename stays atomic).
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
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

/// Fills a fresh folder through `fill`, then moves it to `dir` in one rename.
///
/// `dir` must not exist or be empty: replacing a folder of someone's results is never silent.
pub fn write_dir_atomic(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_none();
        if !empty {
            return Err(Error::Usage(format!(
                "output folder {} already exists and is not empty; choose another or remove it",
                dir.display()
            )));
        }
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let tmp = temp_sibling(dir);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = fill(&tmp).and_then(|()| {
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Like [`write_dir_atomic`], but an existing folder that holds `marker` (an earlier output
/// of the same command) is replaced; any other non-empty folder is refused.
pub fn replace_dir_atomic(
    dir: &Path,
    marker: &str,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    if !dir.join(marker).is_file() {
        return write_dir_atomic(dir, fill);
    }
    let tmp = temp_sibling(dir);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let old = dir.with_file_name(format!(
        ".{}.old-{}",
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::io(dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// GeoJSON text with one feature per line: small, deterministic, and friendly to diffs.
pub fn geojson_bytes(fc: &geojson::FeatureCollection) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 * fc.features.len() + 64);
    out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n");
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
