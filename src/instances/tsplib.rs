//! TSPLIB files (Reinelt 1995): `KEY : VALUE` specification lines, then data sections.
//!
//! Read: DIMENSION; EDGE_WEIGHT_TYPE EUC_2D, CEIL_2D, MAN_2D, MAX_2D, ATT, GEO (from a
//! NODE_COORD_SECTION) or EXPLICIT (an EDGE_WEIGHT_SECTION in any of the nine
//! EDGE_WEIGHT_FORMATs); a DEMAND_SECTION, when present, gives the demand weights (else 1).
//! DEPOT, DISPLAY_DATA and FIXED_EDGES sections are skipped. Every node is a demand point and a
//! candidate site, as in the p-median literature that uses these files.

use super::distance::{self, Distance, Metric, Rounding};
use super::{FileInstance, Format, bad, numbered};
use crate::error::Result;

/// The explicit matrix layouts, by the order their numbers come in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Full,
    /// Row by row above the diagonal (equivalently LOWER_COL).
    UpperRow {
        diagonal: bool,
    },
    /// Row by row below the diagonal (equivalently UPPER_COL).
    LowerRow {
        diagonal: bool,
    },
}

impl Layout {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "FULL_MATRIX" => Layout::Full,
            "UPPER_ROW" | "LOWER_COL" => Layout::UpperRow { diagonal: false },
            "UPPER_DIAG_ROW" | "LOWER_DIAG_COL" => Layout::UpperRow { diagonal: true },
            "LOWER_ROW" | "UPPER_COL" => Layout::LowerRow { diagonal: false },
            "LOWER_DIAG_ROW" | "UPPER_DIAG_COL" => Layout::LowerRow { diagonal: true },
            _ => return None,
        })
    }

    /// The (row, column) cells in file order.
    fn cells(self, n: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for i in 0..n {
            let cols = match self {
                Layout::Full => 0..n,
                Layout::UpperRow { diagonal } => (if diagonal { i } else { i + 1 })..n,
                Layout::LowerRow { diagonal } => 0..(if diagonal { i + 1 } else { i }),
            };
            out.extend(cols.map(|j| (i, j)));
        }
        out
    }
}

/// What the specification part says.
#[derive(Default)]
struct Spec {
    name: Option<String>,
    dimension: Option<(usize, usize)>,
    weight_type: Option<(String, usize)>,
    weight_format: Option<(String, usize)>,
}

/// What the file holds once read: its specification and data sections.
#[derive(Default)]
struct Sections {
    spec: Spec,
    coords: Option<Vec<[f64; 2]>>,
    explicit: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
}

/// Reads the specification lines and data sections up to EOF (or the end of the text).
fn sections(text: &str, path: &str) -> Result<Sections> {
    let mut lines = numbered(text).peekable();
    let mut out = Sections::default();
    let n_of = |spec: &Spec, ln: usize| {
        spec.dimension
            .map(|(n, _)| n)
            .ok_or_else(|| bad(path, ln, "a data section before DIMENSION"))
    };
    while let Some((ln, line)) = lines.next() {
        let (key, value) = match line.split_once(':') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim()),
            None => (line.trim().to_ascii_uppercase(), ""),
        };
        let spec = &mut out.spec;
        match key.as_str() {
            "NAME" => spec.name = Some(value.to_string()),
            "TYPE" if value.eq_ignore_ascii_case("TOUR") => {
                return Err(bad(path, ln, "a TOUR file holds a tour, not an instance"));
            }
            "TYPE" | "COMMENT" | "CAPACITY" | "NODE_COORD_TYPE" | "DISPLAY_DATA_TYPE"
            | "EDGE_DATA_FORMAT" => {}
            "DIMENSION" => spec.dimension = Some((dimension(path, ln, value)?, ln)),
            "EDGE_WEIGHT_TYPE" => spec.weight_type = Some((value.to_ascii_uppercase(), ln)),
            "EDGE_WEIGHT_FORMAT" => spec.weight_format = Some((value.to_ascii_uppercase(), ln)),
            "NODE_COORD_SECTION" => {
                out.coords = Some(node_coords(&mut lines, path, n_of(spec, ln)?, ln)?)
            }
            "EDGE_WEIGHT_SECTION" => {
                let (fmt, fl) = spec.weight_format.clone().ok_or_else(|| {
                    bad(path, ln, "EDGE_WEIGHT_SECTION without EDGE_WEIGHT_FORMAT")
                })?;
                let layout = Layout::parse(&fmt).ok_or_else(|| {
                    bad(
                        path,
                        fl,
                        format!("EDGE_WEIGHT_FORMAT {fmt} is not a matrix layout"),
                    )
                })?;
                let n = n_of(spec, ln)?;
                out.explicit = Some(edge_weights(&mut lines, path, n, layout, ln)?);
            }
            "DEMAND_SECTION" => out.weights = Some(demands(&mut lines, path, n_of(spec, ln)?, ln)?),
            "DISPLAY_DATA_SECTION" => {
                for _ in 0..n_of(spec, ln)? {
                    lines.next();
                }
            }
            "DEPOT_SECTION" | "FIXED_EDGES_SECTION" => {
                for (_, l) in lines.by_ref() {
                    if l.split_whitespace().any(|t| t == "-1") {
                        break;
                    }
                }
            }
            "EOF" => break,
            _ => return Err(bad(path, ln, format!("`{key}` is not a TSPLIB keyword"))),
        }
    }
    Ok(out)
}

fn dimension(path: &str, ln: usize, value: &str) -> Result<usize> {
    let n = value
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            bad(
                path,
                ln,
                format!("DIMENSION `{value}` is not a positive integer"),
            )
        })?;
    let max_n = crate::limits::MAX_ORLIB_NODES * 10;
    if n > max_n {
        return Err(bad(path, ln, format!("DIMENSION {n} is over {max_n}")));
    }
    Ok(n)
}

/// The metric and default rounding of a coordinate EDGE_WEIGHT_TYPE (on line `tl`).
fn metric(path: &str, tl: usize, wtype: &str, rounding: Option<Rounding>) -> Result<Distance> {
    let (metric, own) = match wtype {
        "EUC_2D" => (Metric::Euclid, Rounding::Nearest),
        "CEIL_2D" => (Metric::Euclid, Rounding::Ceil),
        "MAN_2D" => (Metric::Manhattan, Rounding::Nearest),
        "MAX_2D" => (Metric::Maximum, Rounding::Nearest),
        "ATT" | "GEO" if rounding.is_some() => {
            return Err(bad(
                path,
                tl,
                format!(
                    "--round does not apply to {wtype}, which defines its own integer distances"
                ),
            ));
        }
        "ATT" => (Metric::Att, Rounding::Nearest),
        "GEO" => (Metric::Geo, Rounding::Nearest),
        other => {
            return Err(bad(
                path,
                tl,
                format!(
                    "EDGE_WEIGHT_TYPE {other} is not supported (EUC_2D, CEIL_2D, MAN_2D, \
                     MAX_2D, ATT, GEO, EXPLICIT)"
                ),
            ));
        }
    };
    Ok(Distance::new(metric, rounding.unwrap_or(own)))
}

/// Parses a TSPLIB file; `rounding` overrides the rounding of EUC_2D, CEIL_2D, MAN_2D, MAX_2D.
pub fn parse(
    text: &str,
    path: &str,
    rounding: Option<Rounding>,
    max: Option<f64>,
) -> Result<FileInstance> {
    let sec = sections(text, path)?;
    let end = text.lines().count().max(1);
    let (n, _) = sec
        .spec
        .dimension
        .ok_or_else(|| bad(path, end, "no DIMENSION line"))?;
    let (wtype, tl) = sec
        .spec
        .weight_type
        .clone()
        .ok_or_else(|| bad(path, end, "no EDGE_WEIGHT_TYPE line"))?;
    let (times, describe) = if wtype == "EXPLICIT" {
        if rounding.is_some() {
            return Err(bad(
                path,
                tl,
                "--round does not apply to an EXPLICIT matrix",
            ));
        }
        let w = sec
            .explicit
            .ok_or_else(|| bad(path, tl, "EXPLICIT weights but no EDGE_WEIGHT_SECTION"))?;
        let rows = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| (j as u32, w[i * n + j]))
                    .filter(|&(_, d)| max.is_none_or(|m| d <= m))
                    .collect()
            })
            .collect();
        let integral = w.iter().all(|d| d.fract() == 0.0);
        let t = distance::to_times(rows, n, max, path, integral)?;
        (t, "TSPLIB EXPLICIT".to_string())
    } else {
        let d = metric(path, tl, &wtype, rounding)?;
        let pts = sec
            .coords
            .ok_or_else(|| bad(path, tl, format!("{wtype} but no NODE_COORD_SECTION")))?;
        let t = distance::matrix(&pts, &pts, d, max, path)?;
        (t, format!("TSPLIB {wtype}: {}", d.describe()))
    };
    let ids: Vec<String> = (1..=n).map(|k| k.to_string()).collect();
    Ok(FileInstance {
        name: sec.spec.name.unwrap_or_else(|| super::stem(path)),
        format: Format::Tsplib,
        demand_ids: ids.clone(),
        site_ids: ids,
        weights: sec.weights.unwrap_or_else(|| vec![1.0; n]),
        times,
        p: None,
        distance: describe,
        max_distance: max,
        component_heads: None,
    })
}

/// A number of a data line, or an error naming the line.
fn number(path: &str, ln: usize, s: &str, what: &str) -> Result<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(path, ln, format!("{what} `{s}` is not a number")))
}

/// The node number at the start of a data line: 1..=n, each once.
fn node(path: &str, ln: usize, s: &str, n: usize, seen: &mut [bool]) -> Result<usize> {
    let k = s
        .parse::<usize>()
        .ok()
        .filter(|k| (1..=n).contains(k))
        .ok_or_else(|| bad(path, ln, format!("node `{s}` is not a number in 1..={n}")))?;
    if std::mem::replace(&mut seen[k - 1], true) {
        return Err(bad(path, ln, format!("node {k} appears twice")));
    }
    Ok(k - 1)
}

fn section_line<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
    path: &str,
    head: usize,
    k: usize,
    n: usize,
    what: &str,
) -> Result<(usize, Vec<&'t str>)> {
    let (ln, line) = lines
        .next()
        .ok_or_else(|| bad(path, head, format!("{what} ends after {k} of {n} nodes")))?;
    Ok((ln, line.split_whitespace().collect()))
}

fn node_coords<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
    path: &str,
    n: usize,
    head: usize,
) -> Result<Vec<[f64; 2]>> {
    let mut out = vec![[0.0; 2]; n];
    let mut seen = vec![false; n];
    for k in 0..n {
        let (ln, f) = section_line(lines, path, head, k, n, "NODE_COORD_SECTION")?;
        if f.len() != 3 {
            return Err(bad(path, ln, "expected `node x y` (two coordinates)"));
        }
        let v = node(path, ln, f[0], n, &mut seen)?;
        out[v] = [number(path, ln, f[1], "x")?, number(path, ln, f[2], "y")?];
    }
    Ok(out)
}

fn demands<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
    path: &str,
    n: usize,
    head: usize,
) -> Result<Vec<f64>> {
    let mut out = vec![0.0; n];
    let mut seen = vec![false; n];
    for k in 0..n {
        let (ln, f) = section_line(lines, path, head, k, n, "DEMAND_SECTION")?;
        if f.len() != 2 {
            return Err(bad(path, ln, "expected `node demand`"));
        }
        let v = node(path, ln, f[0], n, &mut seen)?;
        let d = number(path, ln, f[1], "demand")?;
        if d < 0.0 {
            return Err(bad(path, ln, format!("demand {d} is negative")));
        }
        out[v] = d;
    }
    Ok(out)
}

/// The n x n matrix of an EDGE_WEIGHT_SECTION, row-major, mirrored where the layout gives one
/// triangle (the diagonal 0 where it is not given).
fn edge_weights<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
    path: &str,
    n: usize,
    layout: Layout,
    head: usize,
) -> Result<Vec<f64>> {
    if (n as u64) * (n as u64) > distance::MAX_DENSE_PAIRS {
        return Err(bad(
            path,
            head,
            format!("an explicit {n} x {n} matrix is too large"),
        ));
    }
    let cells = layout.cells(n);
    let mut w = vec![0.0; n * n];
    let mut cell = cells.iter();
    let mut last = head;
    let mut filled = 0;
    while filled < cells.len() {
        let (ln, line) = lines.next().ok_or_else(|| {
            bad(
                path,
                last,
                format!(
                    "EDGE_WEIGHT_SECTION ends after {filled} of {} numbers",
                    cells.len()
                ),
            )
        })?;
        last = ln;
        for tok in line.split_whitespace() {
            let Some(&(i, j)) = cell.next() else {
                return Err(bad(
                    path,
                    ln,
                    "more numbers than the EDGE_WEIGHT_FORMAT holds",
                ));
            };
            let d = number(path, ln, tok, "weight")?;
            if d < 0.0 {
                return Err(bad(path, ln, format!("weight {d} is negative")));
            }
            w[i * n + j] = d;
            if layout != Layout::Full {
                w[j * n + i] = d;
            }
            filled += 1;
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_gives_the_same_symmetric_matrix() {
        // 4 nodes: d(1,2) = 1, d(1,3) = 2, d(1,4) = 3, d(2,3) = 4, d(2,4) = 5, d(3,4) = 6.
        let full = [
            [0.0, 1.0, 2.0, 3.0],
            [1.0, 0.0, 4.0, 5.0],
            [2.0, 4.0, 0.0, 6.0],
            [3.0, 5.0, 6.0, 0.0],
        ];
        for (fmt, nums) in [
            ("FULL_MATRIX", "0 1 2 3\n1 0 4 5\n2 4 0 6\n3 5 6 0"),
            ("UPPER_ROW", "1 2 3\n4 5\n6"),
            ("LOWER_COL", "1 2 3 4 5 6"),
            ("LOWER_ROW", "1\n2 4\n3 5 6"),
            ("UPPER_COL", "1 2 4 3 5 6"),
            ("UPPER_DIAG_ROW", "0 1 2 3 0 4 5 0 6 0"),
            ("LOWER_DIAG_COL", "0 1 2 3 0 4 5 0 6 0"),
            ("LOWER_DIAG_ROW", "0\n1 0\n2 4 0\n3 5 6 0"),
            ("UPPER_DIAG_COL", "0 1 0 2 4 0 3 5 6 0"),
        ] {
            let text = format!(
                "NAME: t\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{nums}\nEOF\n"
            );
            let inst = parse(&text, "t.tsp", None, None).unwrap_or_else(|e| panic!("{fmt}: {e}"));
            for (i, row) in full.iter().enumerate() {
                for (j, &d) in row.iter().enumerate() {
                    assert_eq!(inst.times.get(i, j), Some(d as f32), "{fmt} {i} {j}");
                }
            }
        }
    }
}
