//! The bounds every input is held to, in one place: file sizes and kinds, time limits, minutes,
//! money, and the sizes of what a run may expand into. Each check fails with
//! [`Error::Usage`] (exit 2) naming the field, so that no input makes the tool hang, exhaust
//! memory or panic.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Largest GeoJSON layer file read.
pub const MAX_LAYER_BYTES: u64 = 512 * 1024 * 1024;
/// Largest TOML file (scenario, sweep) read.
pub const MAX_TOML_BYTES: u64 = 16 * 1024 * 1024;
/// Largest OR-Library instance file read.
pub const MAX_ORLIB_BYTES: u64 = 512 * 1024 * 1024;
/// Largest JSON or GeoJSON file of an output folder read back (report, render, compare).
pub const MAX_OUTPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Longest `--time-limit` / sweep `time_limit`, in seconds (about 116 days).
pub const MAX_TIME_LIMIT_SECONDS: f64 = 1e7;
/// Longest duration in minutes anywhere: a crossing, a standard, a cutoff (one week).
pub const MAX_MINUTES: f64 = 7.0 * 24.0 * 60.0;
/// Most departures a day of one route (one a minute around the clock).
pub const MAX_DEPARTURES_PER_DAY: f64 = 24.0 * 60.0;
/// Largest money amount (CNY, or CNY per unit) a scenario may hold: far above any county
/// budget, and small enough that sums of thousands of them stay exact to the yuan in `f64`.
pub const MAX_MONEY: f64 = 1e15;
/// Largest capacity or expansion of a site (demand units).
pub const MAX_CAPACITY: f64 = 1e12;
/// Most scenarios a sweep may expand into.
pub const MAX_SWEEP_SCENARIOS: usize = 100_000;
/// Most vertices of an OR-Library instance (its all-pairs matrix holds n² entries of 8 bytes:
/// 800 MB at this size).
pub const MAX_ORLIB_NODES: usize = 10_000;

/// Checks a time limit in seconds: finite, positive and at most [`MAX_TIME_LIMIT_SECONDS`].
pub fn time_limit(what: &str, seconds: f64) -> Result<f64> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIME_LIMIT_SECONDS {
        Ok(seconds)
    } else {
        Err(Error::Usage(format!(
            "{what} = {seconds}: must be a number of seconds above 0 and at most {MAX_TIME_LIMIT_SECONDS:e}"
        )))
    }
}

/// Checks a duration in minutes: finite, positive and at most [`MAX_MINUTES`].
pub fn minutes(what: &str, x: f64) -> Result<f64> {
    if x.is_finite() && x > 0.0 && x <= MAX_MINUTES {
        Ok(x)
    } else {
        Err(Error::Usage(format!(
            "{what} = {x}: must be a number of minutes above 0 and at most {MAX_MINUTES} (one week)"
        )))
    }
}

/// Reads a regular file of at most `max` bytes. Devices, FIFOs and directories are refused
/// before they are opened (reading `/dev/zero` would never end, a FIFO would block), and a
/// file that grows past `max` while it is read is refused too.
pub fn read_file(path: &Path, max: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::Usage(format!(
            "{}: not a regular file",
            path.display()
        )));
    }
    let too_big = || {
        Error::Usage(format!(
            "{}: larger than the {} this file may have",
            path.display(),
            if max >= 1024 * 1024 {
                format!("{} MiB", max / (1024 * 1024))
            } else {
                format!("{max} bytes")
            }
        ))
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Bytes without a leading UTF-8 byte-order mark (Windows tools and QGIS write one).
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads a UTF-8 text file (see [`read_file`]) without its byte-order mark.
pub fn read_text(path: &Path, max: u64) -> Result<String> {
    let bytes = read_file(path, max)?;
    let bytes = strip_bom(&bytes).to_vec();
    String::from_utf8(bytes).map_err(|e| {
        Error::Usage(format!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// A thread count between 1 and four per logical CPU: more only adds stacks and contention
/// (100,000 threads stall a machine for minutes). One rule for `--threads` and
/// `RAYON_NUM_THREADS`.
pub fn threads(what: &str, n: usize) -> Result<usize> {
    let cpus = std::thread::available_parallelism().map_or(1, |c| c.get());
    if n == 0 || n > 4 * cpus {
        return Err(Error::Usage(format!(
            "{what} {n}: choose 1 to {} (four per logical CPU; this machine has {cpus})",
            4 * cpus
        )));
    }
    Ok(n)
}

/// Runs `f` on a pool of `threads` workers (checked by [`threads`]), or on the global pool
/// when no count is given.
pub fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let Some(n) = threads else { return f() };
    let n = self::threads("threads", n)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| Error::Internal(format!("thread pool: {e}")))?
        .install(f)
}

/// Checks `RAYON_NUM_THREADS` (which sizes every parallel loop outside an explicit pool) by
/// the [`threads`] rule, before any pool starts: a bad value is a usage error, never a panic.
/// `0` or an empty value mean the default, as in rayon.
pub fn env_threads() -> Result<Option<usize>> {
    let Some(raw) = std::env::var_os("RAYON_NUM_THREADS") else {
        return Ok(None);
    };
    let text = raw.to_string_lossy();
    let t = text.trim();
    if t.is_empty() || t == "0" {
        return Ok(None);
    }
    let n: usize = t.parse().map_err(|_| {
        Error::Usage(format!(
            "RAYON_NUM_THREADS={}: not a whole number of threads",
            text.escape_debug()
        ))
    })?;
    threads("RAYON_NUM_THREADS", n).map(Some)
}

/// Environment variable that sets the travel-time matrix cap, in GB (10^9 bytes).
pub const MATRIX_CAP_ENV: &str = "ARCHIPLAN_MAX_MATRIX_GB";
/// Default cap of one travel-time matrix: 8 GB (a third of a 24 GB machine).
pub const DEFAULT_MATRIX_CAP_GB: f64 = 8.0;

/// The most bytes one travel-time matrix may take ([`MATRIX_CAP_ENV`], default
/// [`DEFAULT_MATRIX_CAP_GB`]); a bad value is a usage error naming the variable.
pub fn matrix_cap_bytes() -> Result<u64> {
    let gb = match std::env::var_os(MATRIX_CAP_ENV) {
        None => DEFAULT_MATRIX_CAP_GB,
        Some(raw) => {
            let text = raw.to_string_lossy().into_owned();
            match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 && x <= 1e6 => x,
                _ => {
                    return Err(Error::Usage(format!(
                        "{MATRIX_CAP_ENV}={}: give the cap in GB, a number above 0 and at most 1e6",
                        text.escape_debug()
                    )));
                }
            }
        }
    };
    Ok((gb * 1e9) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_are_one_rule() {
        assert!(time_limit("t", 3.0).is_ok());
        assert!(time_limit("t", 1e7).is_ok());
        for bad in [0.0, -1.0, 1e19, f64::NAN, f64::INFINITY] {
            let e = time_limit("--time-limit", bad).expect_err("refused");
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("--time-limit"), "{e}");
        }
    }

    #[test]
    fn devices_and_oversized_files_are_refused() {
        let e = read_file(Path::new("/dev/zero"), 1024).expect_err("a device");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert_eq!(e.exit_code(), 2);
        let dir = tempfile::tempdir().expect("tempdir");
        let e = read_file(dir.path(), 1024).expect_err("a directory");
        assert_eq!(e.exit_code(), 2);
        let p = dir.path().join("big.txt");
        std::fs::write(&p, vec![b'x'; 2048]).expect("write");
        let e = read_file(&p, 1024).expect_err("too big");
        assert!(e.to_string().contains("larger than"), "{e}");
        assert_eq!(read_file(&p, 4096).expect("fits").len(), 2048);
    }

    #[test]
    fn a_bom_is_dropped() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF{}"), b"{}");
        assert_eq!(strip_bom(b"{}"), b"{}");
    }
}
