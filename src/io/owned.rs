//! What archiplan owns on disk. Every folder it writes whole carries a manifest naming its
//! kind and the entries it wrote, so a later run replaces only its own earlier output — never
//! a folder that merely holds a file called `summary.json` next to someone's thesis — and no
//! command writes over an input layer or a file another output folder owns.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest file inside every folder archiplan writes whole.
pub const OWNED_FILE: &str = ".archiplan-manifest.json";

/// Kinds of folder: a plan folder is never replaced by a sweep scenario and vice versa.
pub const PLAN: &str = "plan";
pub const SWEEP_SCENARIO: &str = "sweep-scenario";
pub const RESILIENCE: &str = "resilience";
/// A phased plan: one plan folder per year, `phases.csv`, `phases.json`.
pub const PHASES: &str = "phases";

/// The marker every single-file output carries (a GeoJSON member, an HTML `<meta>`, an SVG
/// comment, a PNG text chunk), so that a later run may replace that file and no other.
pub const MARK: &str = "archiplan:generated";
/// How far into a file the marker is looked for: every format puts it in its header.
const MARK_WITHIN: u64 = 4096;

/// Entries of a sweep output folder that `sweep` and `merge` write (its manifest is
/// `sweep.json`; `scenarios/` holds the scenario folders).
pub const SWEEP_ENTRIES: [&str; 5] = [
    "sweep.json",
    "scenarios",
    "results.json",
    "results.csv",
    "timings.csv",
];

/// The names of the entries directly inside `dir`, sorted.
pub fn entry_names(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    pub tool: String,
    pub kind: String,
    /// Entry names directly inside the folder, sorted; the manifest itself is not listed.
    pub files: Vec<String>,
}

/// Writes the manifest of `dir`, listing every entry it holds now.
pub fn write_manifest(dir: &Path, kind: &str) -> Result<()> {
    let mut files = entry_names(dir)?;
    files.retain(|n| n != OWNED_FILE);
    let owned = Owned {
        tool: "archiplan".into(),
        kind: kind.into(),
        files,
    };
    let mut bytes =
        serde_json::to_vec_pretty(&owned).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    let path = dir.join(OWNED_FILE);
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
}

/// The manifest of `dir`, if it has a readable one.
pub fn read_manifest(dir: &Path) -> Option<Owned> {
    let bytes = crate::limits::read_file(&dir.join(OWNED_FILE), 1 << 20).ok()?;
    serde_json::from_slice::<Owned>(&bytes)
        .ok()
        .filter(|o| o.tool == "archiplan")
}

/// What stands at an output folder's path before a run writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Absent,
    Empty,
    /// An earlier output of the same kind holding nothing but what it lists.
    Earlier,
}

/// Whether `dir` may be replaced by a new output of `kind`; refuses, with the reason, any
/// folder that holds something archiplan did not write there.
pub fn existing(dir: &Path, kind: &str) -> Result<Existing> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(Error::Usage(format!(
            "output folder {} is a symbolic link; give the real folder (archiplan never \
             replaces what a link points to)",
            dir.display()
        )));
    }
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "output folder {} is a file, not a folder; choose another path",
            dir.display()
        )));
    }
    let names = entry_names(dir)?;
    if names.is_empty() {
        return Ok(Existing::Empty);
    }
    let Some(owned) = read_manifest(dir) else {
        let hint = if names.iter().any(|n| n == "summary.json" || n == "row.json") {
            " (it looks like an output of an older archiplan, which kept no manifest; \
             remove it yourself if it is one)"
        } else {
            ""
        };
        return Err(Error::Usage(format!(
            "output folder {} already holds {} and archiplan did not write it{hint}; \
             choose another folder or empty it",
            dir.display(),
            listing(&names)
        )));
    };
    if owned.kind != kind {
        return Err(Error::Usage(format!(
            "output folder {} holds a {} output, not a {kind} one; choose another folder",
            dir.display(),
            owned.kind
        )));
    }
    let foreign: Vec<String> = names
        .into_iter()
        .filter(|n| n != OWNED_FILE && owned.files.binary_search(n).is_err())
        .collect();
    if !foreign.is_empty() {
        return Err(Error::Usage(format!(
            "output folder {} holds an earlier {kind} but also {}, which archiplan did not \
             write; move {} out or choose another folder",
            dir.display(),
            listing(&foreign),
            if foreign.len() == 1 { "it" } else { "them" }
        )));
    }
    Ok(Existing::Earlier)
}

/// `a, b, c and 4 more`: enough names to recognise, never a wall of text.
fn listing(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// The absolute, symlink-free form of `path`, which may not exist yet: its nearest existing
/// ancestor is resolved and the rest appended (`..` and `.` in the rest are folded).
pub fn resolved(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut base = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::Normal(p) => out.push(p),
                    _ => {}
                }
            }
            return out;
        }
        match (base.parent(), base.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                base = parent;
            }
            _ => return abs,
        }
    }
}

/// Refuses an output folder that is one of `inputs` or holds one (writing it would replace
/// the data the plan is made from).
pub fn refuse_dir_over_inputs(out: &Path, inputs: &[&Path]) -> Result<()> {
    let target = resolved(out);
    for input in inputs {
        let input_at = resolved(input);
        if input_at == target || input_at.starts_with(&target) {
            return Err(Error::Usage(format!(
                "output folder {} {} the input {}; choose a folder outside the inputs",
                out.display(),
                if input_at == target { "is" } else { "contains" },
                input.display()
            )));
        }
    }
    Ok(())
}

/// Refuses a file target that is one of `inputs`, a layer of a data-set folder, or a file that
/// an output folder (a plan, a sweep scenario, a sweep) owns.
pub fn refuse_file_target(target: &Path, inputs: &[&Path]) -> Result<()> {
    let at = resolved(target);
    for input in inputs {
        let input_at = resolved(input);
        if input_at == at {
            return Err(Error::Usage(format!(
                "{} is an input of this command ({}); choose another file",
                target.display(),
                input.display()
            )));
        }
    }
    if at.is_dir() {
        return Err(Error::Usage(format!(
            "{} is a folder; give a file name",
            target.display()
        )));
    }
    let (Some(dir), Some(name)) = (at.parent(), at.file_name()) else {
        return Ok(());
    };
    let name = name.to_string_lossy();
    if name == OWNED_FILE {
        return Err(Error::Usage(format!(
            "{} is archiplan's own manifest; choose another file",
            target.display()
        )));
    }
    if let Some(owned) = read_manifest(dir)
        && owned.files.iter().any(|f| *f == name)
    {
        return Err(Error::Usage(format!(
            "{} belongs to the {} folder {} (listed in its {OWNED_FILE}); write beside it, \
             not over it",
            target.display(),
            owned.kind,
            dir.display()
        )));
    }
    if dir.join("sweep.json").is_file() && SWEEP_ENTRIES.contains(&name.as_ref()) {
        return Err(Error::Usage(format!(
            "{} belongs to the sweep output folder {}; choose another file",
            target.display(),
            dir.display()
        )));
    }
    let is_data_folder = crate::layers::REQUIRED_LAYER_FILES
        .iter()
        .all(|f| dir.join(f).is_file());
    if is_data_folder && crate::layers::LAYER_FILES.contains(&name.as_ref()) {
        return Err(Error::Usage(format!(
            "{} is a layer of the data set in {}; choose another file",
            target.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Whether `path` is a regular file (not a link) carrying [`MARK`] near its start.
pub fn carries_mark(path: &Path) -> bool {
    use std::io::Read;
    let regular = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    if !regular {
        return false;
    }
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MARK_WITHIN).read_to_end(&mut head));
    read.is_ok() && head.windows(MARK.len()).any(|w| w == MARK.as_bytes())
}

/// The rule of every single-file output (`network --geojson`, `report -o`, `render -o`,
/// `scenario init -o`): never an input, a data-set layer or a file an output folder owns
/// ([`refuse_file_target`]); an existing file only when archiplan wrote it (it carries
/// [`MARK`]) or the user says `--force`.
pub fn file_target(target: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    refuse_file_target(target, inputs)?;
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(target, e)),
        Ok(_) if force || carries_mark(target) => Ok(()),
        Ok(_) => Err(Error::Usage(format!(
            "{} already exists and archiplan did not write it; choose another name, or add \
             --force to replace it",
            target.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolved_paths_fold_missing_parts_onto_the_real_ancestor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().canonicalize().expect("canonical");
        let p = dir.path().join("a/b/../c");
        assert_eq!(resolved(&p), real.join("a/c"));
        assert_eq!(resolved(dir.path()), real);
    }

    #[test]
    fn a_manifest_lists_entries_sorted_and_recognises_its_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("plan");
        assert_eq!(existing(&out, PLAN).expect("absent"), Existing::Absent);
        std::fs::create_dir(&out).expect("mkdir");
        assert_eq!(existing(&out, PLAN).expect("empty"), Existing::Empty);
        std::fs::write(out.join("b.json"), "{}").expect("write");
        std::fs::write(out.join("a.csv"), "x").expect("write");
        assert!(existing(&out, PLAN).is_err(), "no manifest yet");
        write_manifest(&out, PLAN).expect("manifest");
        let owned = read_manifest(&out).expect("read back");
        assert_eq!(owned.files, ["a.csv", "b.json"]);
        assert_eq!(existing(&out, PLAN).expect("earlier"), Existing::Earlier);
        assert!(existing(&out, SWEEP_SCENARIO).is_err(), "another kind");
        std::fs::write(out.join("thesis.tex"), "x").expect("write");
        let err = existing(&out, PLAN).expect_err("a foreign file");
        assert!(err.to_string().contains("thesis.tex"), "{err}");
    }
}
