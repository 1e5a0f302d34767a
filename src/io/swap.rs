//! Replacing an output folder so that a crash at any instant leaves either the earlier output
//! or the new one under its name, never neither, and never debris that no later run removes.
//!
//! A new folder is filled under a temporary sibling name, its files synced, and then swapped
//! with the old one in one `renameat2(RENAME_EXCHANGE)` (Linux). Where the kernel or file
//! system cannot exchange, the old folder is first moved aside; if the process dies before the
//! new one takes its place, the next run moves the old one back. Temporary siblings carry the
//! host name and process id, so a later run removes those of dead processes on this host and
//! leaves alone those of live ones (another run, or another machine on a shared disk).

use super::owned::{self, Existing};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

const TMP: &str = "tmp";
const OLD: &str = "old";

/// Test hook: `ARCHIPLAN_FAULT=step[,step...]` kills the process (SIGKILL, no clean-up) when
/// it reaches a named step; `no-exchange` forces the two-rename fallback. Steps: `writing`
/// (some files of the new folder written), `filled` (all written, no manifest yet),
/// `before-swap`, `old-moved` (fallback only: old folder aside, new not in place),
/// `after-swap`, `cleanup` (part of the old folder deleted).
pub const FAULT_ENV: &str = "ARCHIPLAN_FAULT";

fn fault_armed(step: &str) -> bool {
    std::env::var(FAULT_ENV).is_ok_and(|v| v.split(',').any(|s| s.trim() == step))
}

/// Dies on the spot if the test hook names `step`.
pub fn fault_point(step: &str) {
    if fault_armed(step) {
        crate::note!("archiplan: fault injected at `{step}`");
        #[cfg(unix)]
        // SAFETY: kill(2) on our own pid has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
}

fn host() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname NUL-terminates or truncates.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            let name: String = String::from_utf8_lossy(&buf[..end])
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !name.is_empty() {
                return name;
            }
        }
    }
    "host".into()
}

/// `.NAME.tmp.HOST.PID` beside `path`.
pub fn sibling(path: &Path, role: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{role}.{}.{}", host(), std::process::id()))
}

/// Whether a process of this host with this id still runs.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true // cannot tell: never remove
    }
}

/// Temporary siblings of `path` left by dead processes of this host: (role, path).
fn stale_siblings(path: &Path) -> Vec<(&'static str, PathBuf)> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let name = name.to_string_lossy();
    let me = host();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let entry = e.file_name().to_string_lossy().into_owned();
        for role in [TMP, OLD] {
            let Some(rest) = entry.strip_prefix(&format!(".{name}.{role}.")) else {
                continue;
            };
            let Some((h, pid)) = rest.rsplit_once('.') else {
                continue;
            };
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            // A real folder only: a link of that name is someone's, never followed.
            let is_dir = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir());
            if h == me && is_dir && !alive(pid) {
                found.push((role, e.path()));
            }
        }
    }
    found.sort();
    found
}

/// Undoes what a killed run left beside `path`: an earlier output moved aside comes back if
/// nothing took its place, temporary folders of dead processes go. Returns what it did.
pub fn recover(path: &Path) -> Vec<String> {
    let mut done = Vec::new();
    for (role, stale) in stale_siblings(path) {
        if role == OLD && std::fs::symlink_metadata(path).is_err() {
            if std::fs::rename(&stale, path).is_ok() {
                done.push(format!(
                    "restored {} from {} (a run was killed while replacing it)",
                    path.display(),
                    stale.display()
                ));
            }
            continue;
        }
        if std::fs::remove_dir_all(&stale).is_ok() {
            done.push(format!("removed {} left by a killed run", stale.display()));
        }
    }
    done
}

/// Swaps two paths in one step; `Ok(false)` where this system cannot.
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    if fault_armed("no-exchange") {
        return Ok(false);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
        let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: both paths are valid NUL-terminated strings for the call's duration.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ENOSYS | libc::EINVAL | libc::ENOTSUP) => Ok(false),
            _ => Err(e),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// Flushes a folder's entries (and `files` in it) to disk, so a power cut after the swap
/// cannot leave the new name pointing at empty files.
fn sync_tree(dir: &Path) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let kind = e.file_type().map_err(|err| Error::io(e.path(), err))?;
        if kind.is_dir() {
            sync_tree(&e.path())?;
        } else if kind.is_file() {
            std::fs::File::open(e.path())
                .and_then(|f| f.sync_all())
                .map_err(|err| Error::io(e.path(), err))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

fn sync_dir(dir: &Path) {
    // Folders cannot be opened for syncing on every system; best effort.
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Writes the folder `dir` of `kind` through `fill` and puts it in place atomically.
///
/// `dir` may be absent, empty, or an earlier output of the same kind (see [`owned::existing`]);
/// anything else is refused before anything is written. `fill` writes into a fresh folder;
/// an error there leaves `dir` as it was.
pub fn replace_dir(dir: &Path, kind: &str, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    report_recovery(dir);
    let before = owned::existing(dir, kind)?;
    put_dir(dir, before, Some(kind), fill)
}

/// Like [`replace_dir`] for a folder that must be absent or empty (a generated data set):
/// no manifest is written, and a folder with anything in it is refused.
pub fn create_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    report_recovery(dir);
    let empty = match std::fs::read_dir(dir) {
        Ok(mut it) => it.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !empty || std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::Usage(format!(
            "output folder {} already exists and is not empty; choose another or remove it",
            dir.display()
        )));
    }
    let before = if dir.exists() {
        Existing::Empty
    } else {
        Existing::Absent
    };
    put_dir(dir, before, None, fill)
}

/// Puts a sweep output folder built by `fill` at `dir`, swapping out an earlier one whole.
/// The caller has checked that `dir` is absent, empty or a sweep folder of archiplan's
/// (`sweep.json` is its manifest).
pub fn replace_sweep_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    report_recovery(dir);
    let before = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Existing::Absent,
        Err(e) => return Err(Error::io(dir, e)),
        Ok(_) => Existing::Earlier,
    };
    put_dir(dir, before, None, fill)
}

fn report_recovery(dir: &Path) {
    for note in recover(dir) {
        crate::note!("archiplan: {note}");
    }
}

fn put_dir(
    dir: &Path,
    before: Existing,
    kind: Option<&str>,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let parent = match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            p.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let tmp = sibling(dir, TMP);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let written = fill(&tmp).and_then(|()| {
        fault_point("filled");
        if let Some(kind) = kind {
            owned::write_manifest(&tmp, kind)?;
        }
        sync_tree(&tmp)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    fault_point("before-swap");
    let placed = match before {
        Existing::Absent => std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e)),
        Existing::Empty | Existing::Earlier => swap_in(&tmp, dir),
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_dir(&parent);
    fault_point("after-swap");
    // `tmp` now holds the earlier output (or the empty folder).
    remove_tree(&tmp);
    Ok(())
}

/// Puts `new` at `dir`, leaving the earlier `dir` at `new`.
fn swap_in(new: &Path, dir: &Path) -> Result<()> {
    if exchange(new, dir).map_err(|e| Error::io(dir, e))? {
        return Ok(());
    }
    let old = sibling(dir, OLD);
    std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    fault_point("old-moved");
    if let Err(e) = std::fs::rename(new, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(Error::io(dir, e));
    }
    // The earlier output goes where the caller expects it, to be deleted.
    std::fs::rename(&old, new).map_err(|e| Error::io(new, e))
}

/// Deletes a folder archiplan moved aside; the fault hook can stop it half-way.
fn remove_tree(dir: &Path) {
    if fault_armed("cleanup") {
        if let Some(first) = std::fs::read_dir(dir)
            .ok()
            .and_then(|mut it| it.next())
            .and_then(|e| e.ok())
        {
            let _ = std::fs::remove_file(first.path())
                .or_else(|_| std::fs::remove_dir_all(first.path()));
        }
        fault_point("cleanup");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill_with(text: &'static str) -> impl FnOnce(&Path) -> Result<()> {
        move |d: &Path| std::fs::write(d.join("summary.json"), text).map_err(|e| Error::io(d, e))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_earlier_output_is_replaced_and_nothing_is_left_beside_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        replace_dir(&out, owned::PLAN, fill_with("1")).expect("first");
        replace_dir(&out, owned::PLAN, fill_with("2")).expect("second");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).expect("read"),
            "2"
        );
        assert_eq!(names(root.path()), ["out"]);
        assert_eq!(names(&out), [owned::OWNED_FILE, "summary.json"]);
    }

    #[test]
    fn a_failed_fill_leaves_the_earlier_output() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        replace_dir(&out, owned::PLAN, fill_with("1")).expect("first");
        let err = replace_dir(&out, owned::PLAN, |_| Err(Error::Usage("no".into())));
        assert!(err.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).expect("read"),
            "1"
        );
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn stale_siblings_of_dead_processes_are_cleaned_and_an_old_one_restored() {
        let root = tempfile::tempdir().expect("tempdir");
        let out = root.path().join("out");
        // pid 0 never names a user process: a dead run.
        let dead = |role: &str| root.path().join(format!(".out.{role}.{}.0", host()));
        std::fs::create_dir(dead(OLD)).expect("old");
        std::fs::write(dead(OLD).join("summary.json"), "old").expect("write");
        std::fs::create_dir(dead(TMP)).expect("tmp");
        // Another host's temporary folder is left alone (it may be a live run there).
        let foreign = root.path().join(".out.tmp.elsewhere.0");
        std::fs::create_dir(&foreign).expect("foreign");
        let done = recover(&out);
        assert_eq!(done.len(), 2, "{done:?}");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).expect("restored"),
            "old"
        );
        assert_eq!(names(root.path()), [".out.tmp.elsewhere.0", "out"]);
    }

    #[test]
    fn a_symlink_named_like_a_temporary_folder_is_never_followed() {
        let root = tempfile::tempdir().expect("tempdir");
        let precious = root.path().join("precious");
        std::fs::create_dir(&precious).expect("mkdir");
        std::fs::write(precious.join("thesis.tex"), "x").expect("write");
        #[cfg(unix)]
        {
            let link = root.path().join(format!(".out.tmp.{}.0", host()));
            std::os::unix::fs::symlink(&precious, &link).expect("symlink");
            recover(&root.path().join("out"));
            assert!(precious.join("thesis.tex").is_file());
            assert!(std::fs::symlink_metadata(&link).is_ok(), "link left alone");
        }
    }
}
