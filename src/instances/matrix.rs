//! Cost matrices: rows are demand points, columns candidate sites; a missing entry is an
//! unreachable pair (never a large number).
//!
//! CSV, two layouts:
//! - triplets: a header naming `demand` (or `from`), `site` (or `to`) and `cost` (or
//!   `distance`, `time`), then one pair per row; ids are any text, numbered in order of first
//!   appearance; a pair given twice is an error;
//! - dense: one row per demand point, one number per site, an empty cell unreachable; an
//!   optional first row of site ids (any cell not a number makes it a header) and an optional
//!   first column of demand ids (a first cell not a number).
//!
//! Matrix Market: `%%MatrixMarket matrix coordinate|array real|integer general|symmetric`,
//! `%` comments, a size line, then 1-based `i j value` entries (coordinate) or the values
//! column by column (array).

use super::distance;
use super::{FileInstance, Format, bad, numbered};
use crate::error::Result;
use std::collections::{BTreeMap, HashMap};

const DEMAND: [&str; 3] = ["demand", "from", "i"];
const SITE: [&str; 3] = ["site", "to", "j"];
const COST: [&str; 5] = ["cost", "distance", "time", "minutes", "value"];

fn cost(path: &str, ln: usize, s: &str) -> Result<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| bad(path, ln, format!("cost `{s}` is not a number >= 0")))
}

fn instance(
    path: &str,
    format: Format,
    demand_ids: Vec<String>,
    site_ids: Vec<String>,
    rows: Vec<Vec<(u32, f64)>>,
    max: Option<f64>,
) -> Result<FileInstance> {
    let integral = rows.iter().flatten().all(|(_, d)| d.fract() == 0.0);
    let rows = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .filter(|&(_, d)| max.is_none_or(|m| d <= m))
                .collect()
        })
        .collect();
    let times = distance::to_times(rows, site_ids.len(), max, path, integral)?;
    Ok(FileInstance {
        name: super::stem(path),
        format,
        weights: vec![1.0; demand_ids.len()],
        demand_ids,
        site_ids,
        times,
        p: None,
        distance: "as given".into(),
        max_distance: max,
        component_heads: None,
    })
}

fn too_many(path: &str, ln: usize, pairs: u64) -> Result<()> {
    if pairs > distance::MAX_DENSE_PAIRS {
        return Err(bad(
            path,
            ln,
            format!(
                "{pairs} pairs, more than the {} a matrix may hold",
                distance::MAX_DENSE_PAIRS
            ),
        ));
    }
    Ok(())
}

/// Parses a CSV cost matrix (triplets or dense).
pub fn parse_csv(text: &str, path: &str, max: Option<f64>) -> Result<FileInstance> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line() as usize);
            bad(path, line, format!("not a CSV row: {e}"))
        })?;
        let ln = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(str::is_empty) {
            continue;
        }
        records.push((ln, rec));
    }
    let Some((_, first)) = records.first() else {
        return Err(bad(path, 1, "empty file"));
    };
    let lower: Vec<String> = first.iter().map(|c| c.to_ascii_lowercase()).collect();
    let col = |names: &[&str]| lower.iter().position(|c| names.contains(&c.as_str()));
    match (col(&DEMAND), col(&SITE), col(&COST)) {
        (Some(d), Some(s), Some(c)) => triplets(path, &records[1..], [d, s, c], max),
        _ => dense(path, &records, max),
    }
}

fn triplets(
    path: &str,
    records: &[(usize, csv::StringRecord)],
    [dc, sc, cc]: [usize; 3],
    max: Option<f64>,
) -> Result<FileInstance> {
    too_many(
        path,
        records.first().map_or(1, |r| r.0),
        records.len() as u64,
    )?;
    let mut demand: HashMap<String, usize> = HashMap::new();
    let mut sites: HashMap<String, usize> = HashMap::new();
    let (mut demand_ids, mut site_ids) = (Vec::new(), Vec::new());
    let mut pairs: BTreeMap<(usize, usize), (f64, usize)> = BTreeMap::new();
    for (ln, rec) in records {
        let get = |k: usize| rec.get(k).unwrap_or("");
        let (d, s) = (get(dc), get(sc));
        if d.is_empty() || s.is_empty() {
            return Err(bad(path, *ln, "a row without its demand or site id"));
        }
        let number = |map: &mut HashMap<String, usize>, ids: &mut Vec<String>, id: &str| {
            *map.entry(id.to_string()).or_insert_with(|| {
                ids.push(id.to_string());
                ids.len() - 1
            })
        };
        let i = number(&mut demand, &mut demand_ids, d);
        let j = number(&mut sites, &mut site_ids, s);
        let c = cost(path, *ln, get(cc))?;
        if let Some((_, first)) = pairs.insert((i, j), (c, *ln)) {
            return Err(bad(
                path,
                *ln,
                format!("demand `{d}` and site `{s}` were given already on line {first}"),
            ));
        }
    }
    if pairs.is_empty() {
        return Err(bad(path, 1, "no pairs after the header"));
    }
    let mut rows = vec![Vec::new(); demand_ids.len()];
    for ((i, j), (c, _)) in pairs {
        rows[i].push((j as u32, c));
    }
    instance(path, Format::Matrix, demand_ids, site_ids, rows, max)
}

fn dense(
    path: &str,
    records: &[(usize, csv::StringRecord)],
    max: Option<f64>,
) -> Result<FileInstance> {
    let is_num = |s: &str| s.is_empty() || s.parse::<f64>().is_ok();
    let (hl, head) = &records[0];
    let has_header = !head.iter().all(is_num);
    let body = if has_header { &records[1..] } else { records };
    let Some((_, row0)) = body.first() else {
        return Err(bad(path, *hl, "a header but no rows"));
    };
    let has_ids = !is_num(row0.get(0).unwrap_or(""));
    let skip = usize::from(has_ids);
    let width = row0.len().saturating_sub(skip);
    if width == 0 {
        return Err(bad(path, body[0].0, "no cost columns"));
    }
    too_many(path, body[0].0, width as u64 * body.len() as u64)?;
    let site_ids: Vec<String> = if has_header {
        let cells: Vec<&str> = head.iter().collect();
        let cells = if cells.len() == width + skip {
            &cells[skip..]
        } else {
            &cells[..]
        };
        if cells.len() != width {
            return Err(bad(
                path,
                *hl,
                format!("{} site ids for {width} cost columns", cells.len()),
            ));
        }
        cells.iter().map(|s| s.to_string()).collect()
    } else {
        (1..=width).map(|k| k.to_string()).collect()
    };
    let mut demand_ids = Vec::with_capacity(body.len());
    let mut rows = Vec::with_capacity(body.len());
    for (ln, rec) in body {
        if rec.len() != width + skip {
            return Err(bad(
                path,
                *ln,
                format!(
                    "{} cells where the first row has {}",
                    rec.len(),
                    width + skip
                ),
            ));
        }
        demand_ids.push(if has_ids {
            rec.get(0).unwrap_or("").to_string()
        } else {
            (demand_ids.len() + 1).to_string()
        });
        let mut row = Vec::new();
        for (j, s) in rec.iter().skip(skip).enumerate() {
            if !s.is_empty() {
                row.push((j as u32, cost(path, *ln, s)?));
            }
        }
        rows.push(row);
    }
    instance(path, Format::Matrix, demand_ids, site_ids, rows, max)
}

/// Parses a Matrix Market file.
pub fn parse_market(text: &str, path: &str, max: Option<f64>) -> Result<FileInstance> {
    let mut lines = numbered(text);
    let (hl, banner) = lines.next().ok_or_else(|| bad(path, 1, "empty file"))?;
    let words: Vec<String> = banner
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let ok = words.len() == 5
        && words[0] == "%%matrixmarket"
        && words[1] == "matrix"
        && ["coordinate", "array"].contains(&words[2].as_str())
        && ["real", "integer", "double"].contains(&words[3].as_str())
        && ["general", "symmetric"].contains(&words[4].as_str());
    if !ok {
        return Err(bad(
            path,
            hl,
            "expected `%%MatrixMarket matrix coordinate|array real|integer general|symmetric`",
        ));
    }
    let (coordinate, symmetric) = (words[2] == "coordinate", words[4] == "symmetric");
    let mut lines = lines.filter(|(_, l)| !l.starts_with('%'));
    let (sl, size) = lines.next().ok_or_else(|| bad(path, hl, "no size line"))?;
    let nums: Vec<usize> = size
        .split_whitespace()
        .map(|t| t.parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(path, sl, format!("size line `{size}` is not whole numbers")))?;
    let want = if coordinate { 3 } else { 2 };
    if nums.len() != want || nums[0] == 0 || nums[1] == 0 {
        return Err(bad(
            path,
            sl,
            format!(
                "expected {} positive sizes",
                if coordinate {
                    "`rows cols entries`"
                } else {
                    "`rows cols`"
                }
            ),
        ));
    }
    let (m, n) = (nums[0], nums[1]);
    if symmetric && m != n {
        return Err(bad(path, sl, "a symmetric matrix must be square"));
    }
    let entries = if coordinate { nums[2] } else { m * n };
    too_many(path, sl, entries as u64)?;
    let mut cells: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let mut last = sl;
    for k in 0..entries {
        let (ln, line) = lines.next().ok_or_else(|| {
            bad(
                path,
                last,
                format!("file ends after {k} of {entries} entries"),
            )
        })?;
        last = ln;
        let f: Vec<&str> = line.split_whitespace().collect();
        let (i, j, v) = if coordinate {
            if f.len() != 3 {
                return Err(bad(path, ln, "expected an entry `row column value`"));
            }
            let idx = |s: &str, n: usize, what: &str| {
                s.parse::<usize>()
                    .ok()
                    .filter(|k| (1..=n).contains(k))
                    .ok_or_else(|| bad(path, ln, format!("{what} `{s}` is not in 1..={n}")))
            };
            (idx(f[0], m, "row")? - 1, idx(f[1], n, "column")? - 1, f[2])
        } else {
            if f.len() != 1 {
                return Err(bad(path, ln, "expected one value per line"));
            }
            (k % m, k / m, f[0])
        };
        let v = cost(path, ln, v)?;
        if cells.insert((i, j), v).is_some() {
            return Err(bad(
                path,
                ln,
                format!("entry ({}, {}) given twice", i + 1, j + 1),
            ));
        }
        if symmetric && i != j && cells.insert((j, i), v).is_some() {
            return Err(bad(
                path,
                ln,
                format!("entry ({}, {}) given twice", j + 1, i + 1),
            ));
        }
    }
    if let Some((ln, _)) = lines.next() {
        return Err(bad(
            path,
            ln,
            format!("more than the {entries} entries the size line gives"),
        ));
    }
    let mut rows = vec![Vec::new(); m];
    for ((i, j), v) in cells {
        rows[i].push((j as u32, v));
    }
    let ids = |k: usize| (1..=k).map(|x| x.to_string()).collect();
    instance(path, Format::MatrixMarket, ids(m), ids(n), rows, max)
}
