//! CSV points: a header, then one point per row. Columns (any order, names case-blind):
//! `id` (optional; else the row number), `x` and `y` (planar, Euclidean distances) or `lon`
//! and `lat` (`longitude`, `latitude`; great-circle kilometres), `weight` (optional; 1), and
//! `site` (optional; `1`/`0`, `true`/`false`, `yes`/`no`: whether the point may host a
//! facility; default every point). Other columns are ignored.

use super::distance::{self, Distance, Metric, Rounding};
use super::{FileInstance, Format, bad};
use crate::error::Result;
use std::collections::HashSet;

const LON: [&str; 3] = ["lon", "longitude", "lng"];
const LAT: [&str; 2] = ["lat", "latitude"];

/// Whether a header line names coordinate columns (x and y, or lon and lat).
pub fn has_coordinates(header: &str) -> bool {
    let cols: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |names: &[&str]| cols.iter().any(|c| names.contains(&c.as_str()));
    (has(&["x"]) && has(&["y"])) || (has(&LON) && has(&LAT))
}

struct Columns {
    id: Option<usize>,
    a: usize,
    b: usize,
    lonlat: bool,
    weight: Option<usize>,
    site: Option<usize>,
}

fn columns(header: &csv::StringRecord, path: &str) -> Result<Columns> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let (a, b, lonlat) = match (find(&["x"]), find(&["y"]), find(&LON), find(&LAT)) {
        (Some(x), Some(y), None, None) => (x, y, false),
        (None, None, Some(lon), Some(lat)) => (lon, lat, true),
        (Some(_), Some(_), Some(_), Some(_)) => {
            return Err(bad(path, 1, "both x/y and lon/lat columns: keep one pair"));
        }
        _ => {
            return Err(bad(
                path,
                1,
                "the header names no coordinate columns (x and y, or lon and lat)",
            ));
        }
    };
    Ok(Columns {
        id: find(&["id"]),
        a,
        b,
        lonlat,
        weight: find(&["weight"]),
        site: find(&["site"]),
    })
}

/// Parses CSV points; `rounding` rounds the distances (default: none).
pub fn parse(
    text: &str,
    path: &str,
    rounding: Option<Rounding>,
    max: Option<f64>,
) -> Result<FileInstance> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        bad(path, line, format!("not a CSV row: {e}"))
    };
    let header = reader.headers().map_err(csv_err)?.clone();
    let c = columns(&header, path)?;
    let (mut ids, mut pts, mut weights, mut site) = (vec![], vec![], vec![], vec![]);
    let mut seen = HashSet::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let ln = rec.position().map_or(0, |p| p.line() as usize);
        let field = |k: usize| rec.get(k).unwrap_or("");
        let num = |k: usize, what: &str| {
            let s = field(k);
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(path, ln, format!("{what} `{s}` is not a number")))
        };
        let id =
            c.id.map_or_else(|| (ids.len() + 1).to_string(), |k| field(k).to_string());
        if id.is_empty() || !seen.insert(id.clone()) {
            return Err(bad(path, ln, format!("id `{id}` is empty or repeated")));
        }
        let (a, b) = (num(c.a, &header[c.a])?, num(c.b, &header[c.b])?);
        if c.lonlat && !((-180.0..=180.0).contains(&a) && (-90.0..=90.0).contains(&b)) {
            return Err(bad(
                path,
                ln,
                format!("lon {a}, lat {b} is not a longitude and latitude in degrees"),
            ));
        }
        let w = match c.weight {
            Some(k) => num(k, "weight")?,
            None => 1.0,
        };
        if w < 0.0 {
            return Err(bad(path, ln, format!("weight {w} is negative")));
        }
        let is_site = match c.site.map(|k| field(k).to_ascii_lowercase()) {
            None => true,
            Some(s) => match s.as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(bad(
                        path,
                        ln,
                        format!("site `{s}` is not 1/0, true/false, yes/no"),
                    ));
                }
            },
        };
        ids.push(id);
        pts.push([a, b]);
        weights.push(w);
        site.push(is_site);
    }
    if ids.is_empty() {
        return Err(bad(path, 1, "no points after the header"));
    }
    let site_idx: Vec<usize> = (0..ids.len()).filter(|&k| site[k]).collect();
    if site_idx.is_empty() {
        return Err(bad(
            path,
            1,
            "no point may host a facility (every `site` is 0)",
        ));
    }
    let site_pts: Vec<[f64; 2]> = site_idx.iter().map(|&k| pts[k]).collect();
    let metric = if c.lonlat {
        Metric::GreatCircleKm
    } else {
        Metric::Euclid
    };
    let d = Distance::new(metric, rounding.unwrap_or(Rounding::None));
    let times = distance::matrix(&pts, &site_pts, d, max, path)?;
    Ok(FileInstance {
        name: super::stem(path),
        format: Format::Points,
        site_ids: site_idx.iter().map(|&k| ids[k].clone()).collect(),
        demand_ids: ids,
        weights,
        times,
        p: None,
        distance: d.describe(),
        max_distance: max,
        component_heads: None,
    })
}
