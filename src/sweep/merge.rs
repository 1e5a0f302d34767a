//! `archiplan merge`: joins the output folders of a sweep's shards into one, trusting nothing
//! it reads. Scenario folders are found by listing, never by a path read from a file; each
//! row must name the folder it sits in; shards must come from the same inputs (their
//! manifests' digests agree), none may be missing or given twice; and the merged folder is
//! built under a temporary name and renamed into place, so an error leaves no output.

use super::{
    MANIFEST_FILE, Manifest, ROW_FILE, Row, SCENARIOS_DIR, Shard, digest_differences, write_results,
};
use crate::error::{Error, Result};
use crate::io::owned::{SWEEP_ENTRIES, entry_names};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A scenario id usable as a folder name: no separators, no `..`, no hidden names.
pub fn plain_name(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let meta = std::fs::symlink_metadata(dir).map_err(|e| {
        Error::Usage(format!(
            "{}: no such sweep output folder ({e})",
            dir.display()
        ))
    })?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a sweep output folder (not a real folder)",
            dir.display()
        )));
    }
    let bytes = crate::limits::read_file(&path, crate::limits::MAX_OUTPUT_BYTES).map_err(|e| {
        Error::Usage(format!(
            "{} is not a sweep output folder ({e})",
            dir.display()
        ))
    })?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Usage(format!("{}: not a sweep manifest: {e}", path.display())))?;
    if let Some(bad) = m.scenarios.iter().find(|s| !plain_name(&s.id)) {
        return Err(Error::Usage(format!(
            "{}: scenario id `{}` is not a plain folder name; the manifest was edited",
            path.display(),
            bad.id.escape_debug()
        )));
    }
    Ok(m)
}

/// One finished scenario found in a shard folder.
struct Found {
    from: PathBuf,
    dir: PathBuf,
}

/// The finished scenario folders of `dir`, by id, each checked against the manifest.
fn finished(dir: &Path, m: &Manifest) -> Result<BTreeMap<String, Found>> {
    let index_of: BTreeMap<&str, usize> = m
        .scenarios
        .iter()
        .map(|s| (s.id.as_str(), s.index))
        .collect();
    let scen = dir.join(SCENARIOS_DIR);
    let mut found = BTreeMap::new();
    let entries = match std::fs::read_dir(&scen) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(Error::io(&scen, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&scen, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // a temporary folder of an unfinished or killed run
        }
        let path = entry.path();
        let Some(&index) = index_of.get(name.as_str()) else {
            return Err(Error::Usage(format!(
                "{}: `{}` is no scenario of this sweep; remove it or merge other folders",
                scen.display(),
                name.escape_debug()
            )));
        };
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            return Err(Error::Usage(format!(
                "{} is not a real folder (a link or a file); merge copies only what sweeps write",
                path.display()
            )));
        }
        let row_path = path.join(ROW_FILE);
        if !std::fs::symlink_metadata(&row_path).is_ok_and(|m| m.is_file()) {
            continue; // not finished
        }
        let bytes = crate::limits::read_file(&row_path, crate::limits::MAX_OUTPUT_BYTES)?;
        let row: Row = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Usage(format!("{}: not a sweep row: {e}", row_path.display())))?;
        if row.id != name || row.index != index {
            return Err(Error::Usage(format!(
                "{}: the row names scenario `{}` (index {}) but sits in folder `{name}` (index \
                 {index}); the folder was edited, re-run that scenario",
                row_path.display(),
                row.id.escape_debug(),
                row.index
            )));
        }
        found.insert(
            name,
            Found {
                from: dir.to_path_buf(),
                dir: path,
            },
        );
    }
    Ok(found)
}

/// Copies a scenario folder: real folders and regular files only, never through a link.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            copy_tree(&path, &dest)?;
        } else if meta.is_file() {
            std::fs::copy(&path, &dest).map_err(|e| Error::io(&dest, e))?;
        } else {
            return Err(Error::Usage(format!(
                "{} is neither a file nor a folder (a link?); sweeps never write one",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Whether `into` may receive the merge: absent, empty, or a sweep folder holding only what
/// sweeps write (it is then replaced whole).
fn check_target(into: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(into) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(into, e)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a folder (or is a link); choose another output folder",
            into.display()
        )));
    }
    let names = entry_names(into)?;
    if names.is_empty() {
        return Ok(());
    }
    if !names.iter().any(|n| n == MANIFEST_FILE) {
        return Err(Error::Usage(format!(
            "{} exists and is not a sweep folder; choose another output folder",
            into.display()
        )));
    }
    if let Some(foreign) = names.iter().find(|n| !SWEEP_ENTRIES.contains(&n.as_str())) {
        return Err(Error::Usage(format!(
            "{} holds `{}`, which archiplan did not write; move it out or choose another output folder",
            into.display(),
            foreign.escape_debug()
        )));
    }
    Ok(())
}

/// Joins shard folders of one sweep into `into` (a new folder, or one of them, replaced whole).
pub fn merge(dirs: &[PathBuf], into: &Path) -> Result<Vec<Row>> {
    let first = dirs
        .first()
        .ok_or_else(|| Error::Usage("merge needs at least one sweep folder".into()))?;
    let mut manifests = Vec::new();
    for d in dirs {
        manifests.push(read_manifest(d)?);
    }
    let base = &manifests[0];
    for (d, m) in dirs.iter().zip(&manifests).skip(1) {
        if m.scenarios != base.scenarios {
            return Err(Error::Usage(format!(
                "{} belongs to a different sweep than {} (other scenarios)",
                d.display(),
                first.display()
            )));
        }
    }
    for (d, m) in dirs.iter().zip(&manifests) {
        if m.inputs.is_empty() {
            return Err(Error::Usage(format!(
                "{} was made by an older archiplan that recorded no digest of its inputs; \
                 run that shard again",
                d.display()
            )));
        }
        let differ = digest_differences(&m.inputs, &base.inputs);
        if !differ.is_empty() {
            return Err(Error::Usage(format!(
                "{} and {} were made from different inputs: {} differ; merge only shards of \
                 one sweep run on the same files",
                first.display(),
                d.display(),
                differ.join(", ")
            )));
        }
    }
    // Two paths naming one folder would count its scenarios twice.
    let resolved: Vec<PathBuf> = dirs.iter().map(|d| crate::io::owned::resolved(d)).collect();
    for (i, r) in resolved.iter().enumerate() {
        if let Some(j) = resolved[..i].iter().position(|x| x == r) {
            return Err(Error::Usage(format!(
                "{} and {} are the same folder",
                dirs[j].display(),
                dirs[i].display()
            )));
        }
    }
    let mut all: BTreeMap<String, Found> = BTreeMap::new();
    for (d, m) in dirs.iter().zip(&manifests) {
        for (id, f) in finished(d, m)? {
            if let Some(other) = all.get(&id) {
                return Err(Error::Usage(format!(
                    "scenario `{id}` is in both {} and {}: a shard given twice, or shards of \
                     overlapping runs",
                    other.from.display(),
                    f.from.display()
                )));
            }
            all.insert(id, f);
        }
    }
    let missing: Vec<&super::ScenarioSpec> = base
        .scenarios
        .iter()
        .filter(|s| !all.contains_key(&s.id))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(missing_message(&manifests, &missing)));
    }
    let into_resolved = crate::io::owned::resolved(into);
    let replaces_input = resolved.contains(&into_resolved);
    if !replaces_input {
        check_target(into)?;
    }
    let mut merged = base.clone();
    merged.shard = None;
    let mut rows = Vec::new();
    crate::io::swap::replace_sweep_dir(into, |tmp| {
        let bytes = crate::report::json_pretty(&merged)?;
        std::fs::write(tmp.join(MANIFEST_FILE), bytes)
            .map_err(|e| Error::io(tmp.join(MANIFEST_FILE), e))?;
        let scen = tmp.join(SCENARIOS_DIR);
        std::fs::create_dir(&scen).map_err(|e| Error::io(&scen, e))?;
        for (id, f) in &all {
            copy_tree(&f.dir, &scen.join(id))?;
        }
        rows = write_results(tmp)?;
        Ok(())
    })?;
    Ok(rows)
}

/// `shard 2/2 missing` for shards of which nothing is there; the unfinished scenarios else.
fn missing_message(manifests: &[Manifest], missing: &[&super::ScenarioSpec]) -> String {
    let count = manifests.iter().find_map(|m| m.shard.map(|s| s.count));
    let Some(count) = count else {
        let ids: Vec<&str> = missing.iter().map(|s| s.id.as_str()).collect();
        return format!(
            "{} scenario(s) not finished in the folders given: {}; finish them with \
             `sweep --resume` first",
            ids.len(),
            ids.iter().take(5).copied().collect::<Vec<_>>().join(", ")
        );
    };
    let given: Vec<Shard> = manifests.iter().filter_map(|m| m.shard).collect();
    let mut parts = Vec::new();
    for index in 1..=count {
        let shard = Shard { index, count };
        let of_shard: Vec<&str> = missing
            .iter()
            .filter(|s| shard.takes(s.index))
            .map(|s| s.id.as_str())
            .collect();
        if of_shard.is_empty() {
            continue;
        }
        if given.contains(&shard) {
            parts.push(format!(
                "shard {index}/{count} is unfinished ({} scenario(s), e.g. `{}`; run it again \
                 with --resume)",
                of_shard.len(),
                of_shard[0]
            ));
        } else {
            parts.push(format!("shard {index}/{count} missing"));
        }
    }
    format!("cannot merge: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_io_layer_knows_every_entry_a_sweep_writes() {
        for name in [MANIFEST_FILE, SCENARIOS_DIR, "results.json", "results.csv"] {
            assert!(SWEEP_ENTRIES.contains(&name), "{name}");
        }
    }

    #[test]
    fn only_plain_names_are_scenario_ids() {
        assert!(plain_name("0005-targets_scenario-2024_moved_0.5"));
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "x\0"] {
            assert!(!plain_name(bad), "{bad:?}");
        }
    }
}
