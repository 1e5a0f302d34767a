//! Instance files a researcher brings, read into one shape ([`FileInstance`]) that
//! `archiplan solve` hands to the shared solver layer: OR-Library p-median graphs, TSPLIB
//! coordinate or explicit-matrix files, CSV points (`id,x,y,weight` or `id,lon,lat,weight`),
//! and cost matrices (CSV dense or `demand,site,cost` triplets, Matrix Market).
//!
//! Coordinates become distances directly, never shortest paths over a complete graph: rounded
//! Euclidean distances break the triangle inequality, and a path would undercut the
//! instance's own distance. A radius (`max_distance`; the coverage radius for MCLP and LSCP)
//! sparsifies the matrix through an R-tree, so only the pairs within it are computed and held.

mod distance;
mod matrix;
pub mod orlib;
mod points;
mod tsplib;

pub use distance::{Distance, MAX_DENSE_PAIRS, Metric, Rounding};

use crate::error::{Error, Result};
use crate::model::{Instance, Lscp, Mclp, Model, PCenter, PMedian, Problem, Solution};
use crate::network::TravelTimes;
use crate::solve::{SolveOptions, solve};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file formats `archiplan solve` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// OR-Library p-median: `n edges p`, then `i j cost` lines; shortest paths over the graph.
    Orlib,
    /// TSPLIB: coordinates (EUC_2D, CEIL_2D, MAN_2D, MAX_2D, ATT, GEO) or an EXPLICIT matrix.
    Tsplib,
    /// CSV points with a header: `id`, `x`,`y` or `lon`,`lat`, optional `weight` and `site`.
    Points,
    /// CSV cost matrix: dense rows (optional header of site ids, optional id column), or
    /// `demand,site,cost` triplets.
    Matrix,
    /// Matrix Market (`%%MatrixMarket matrix coordinate|array real|integer general|symmetric`).
    MatrixMarket,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Orlib => "orlib",
            Format::Tsplib => "tsplib",
            Format::Points => "points",
            Format::Matrix => "matrix",
            Format::MatrixMarket => "matrix-market",
        }
    }

    /// The format of a file, from its first line and its extension: `%%MatrixMarket`; a
    /// TSPLIB keyword line (`NAME`, `TYPE`, `DIMENSION`, ... with a colon); a CSV header with
    /// coordinate columns; other CSV; three numbers (OR-Library).
    pub fn detect(path: &Path, text: &str) -> Format {
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let keyword = first
            .split(':')
            .next()
            .map(|k| k.trim().to_ascii_uppercase())
            .unwrap_or_default();
        if first.starts_with("%%MatrixMarket") || ext == "mtx" {
            Format::MatrixMarket
        } else if ext == "tsp"
            || (first.contains(':')
                && ["NAME", "TYPE", "COMMENT", "DIMENSION", "EDGE_WEIGHT_TYPE"]
                    .contains(&keyword.as_str()))
        {
            Format::Tsplib
        } else if ext == "csv" || first.contains(',') {
            if points::has_coordinates(first) {
                Format::Points
            } else {
                Format::Matrix
            }
        } else {
            Format::Orlib
        }
    }
}

/// One instance read from a file: demand points with weights, candidate sites, and the
/// demand x site distances (absent pairs: unreachable or beyond `max_distance`).
#[derive(Debug, Clone)]
pub struct FileInstance {
    pub name: String,
    pub format: Format,
    pub demand_ids: Vec<String>,
    pub site_ids: Vec<String>,
    pub weights: Vec<f64>,
    pub times: TravelTimes,
    /// The `p` the file gives (OR-Library).
    pub p: Option<usize>,
    /// How the distances were made, e.g. `TSPLIB EUC_2D: euclidean, rounded nearest`.
    pub distance: String,
    /// Pairs farther apart than this were left out.
    pub max_distance: Option<f64>,
    /// For a graph: the first node of each connected component (more components than
    /// facilities is infeasible from the edges alone).
    pub component_heads: Option<Vec<usize>>,
}

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The format; `None` detects it ([`Format::detect`]).
    pub format: Option<Format>,
    /// Rounding of coordinate distances (TSPLIB planar types and CSV points); `None`: the
    /// format's own (TSPLIB's definition; CSV points unrounded).
    pub rounding: Option<Rounding>,
    /// Keep only pairs at most this far apart.
    pub max_distance: Option<f64>,
    /// A file of demand weights, one number per line in demand order (not for CSV points,
    /// which carry a `weight` column).
    pub weights: Option<PathBuf>,
}

/// An error naming the file and line.
pub(crate) fn bad(path: &str, line: usize, what: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{path}:{line}: {what}"))
}

/// Non-empty trimmed lines with their 1-based numbers.
pub(crate) fn numbered(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

/// A file's name without its extension.
pub(crate) fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// Reads an instance file.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<FileInstance> {
    let text = crate::limits::read_text(path, crate::limits::MAX_ORLIB_BYTES)?;
    let name = path.display().to_string();
    if let Some(m) = opts.max_distance
        && !(m.is_finite() && m >= 0.0)
    {
        return Err(Error::Usage(format!(
            "max distance {m} must be a finite number >= 0"
        )));
    }
    let format = opts.format.unwrap_or_else(|| Format::detect(path, &text));
    let no_rounding = |what: &str| match opts.rounding {
        Some(_) => Err(Error::Usage(format!(
            "{name}: --round applies to coordinates, not to {what}"
        ))),
        None => Ok(()),
    };
    let mut inst = match format {
        Format::Orlib => {
            no_rounding("an OR-Library graph")?;
            orlib::parse(&text, &name)?.into_file_instance(opts.max_distance)
        }
        Format::Tsplib => tsplib::parse(&text, &name, opts.rounding, opts.max_distance)?,
        Format::Points => {
            if opts.weights.is_some() {
                return Err(Error::Usage(format!(
                    "{name}: CSV points carry their weights in a `weight` column; --weights is \
                     for the other formats"
                )));
            }
            points::parse(&text, &name, opts.rounding, opts.max_distance)?
        }
        Format::Matrix => {
            no_rounding("a cost matrix")?;
            matrix::parse_csv(&text, &name, opts.max_distance)?
        }
        Format::MatrixMarket => {
            no_rounding("a cost matrix")?;
            matrix::parse_market(&text, &name, opts.max_distance)?
        }
    };
    if let Some(w) = &opts.weights {
        inst.weights = read_weights(w, inst.demand_ids.len())?;
    }
    Ok(inst)
}

/// A weights file: one number (finite, >= 0) per non-empty line, `#` lines skipped, exactly
/// one per demand point.
pub fn read_weights(path: &Path, n: usize) -> Result<Vec<f64>> {
    let text = crate::limits::read_text(path, crate::limits::MAX_ORLIB_BYTES)?;
    let name = path.display().to_string();
    let mut out = Vec::with_capacity(n);
    let mut last = 1;
    for (ln, line) in numbered(&text).filter(|(_, l)| !l.starts_with('#')) {
        last = ln;
        let w = line
            .parse::<f64>()
            .ok()
            .filter(|w| w.is_finite() && *w >= 0.0)
            .ok_or_else(|| bad(&name, ln, format!("weight `{line}` is not a number >= 0")))?;
        if out.len() == n {
            return Err(bad(
                &name,
                ln,
                format!("more than the {n} weights of the demand points"),
            ));
        }
        out.push(w);
    }
    if out.len() != n {
        return Err(bad(
            &name,
            last,
            format!("{} weights for {n} demand points", out.len()),
        ));
    }
    Ok(out)
}

/// Which model to solve on a file's instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FileModel {
    PMedian,
    PCenter,
    /// Weight covered within `radius` by `p` sites.
    Mclp {
        radius: f64,
    },
    /// The fewest sites covering every demand point within `radius`.
    Lscp {
        radius: f64,
    },
}

impl FileModel {
    pub fn name(&self) -> &'static str {
        match self {
            FileModel::PMedian => "p-median",
            FileModel::PCenter => "p-center",
            FileModel::Mclp { .. } => "mclp",
            FileModel::Lscp { .. } => "lscp",
        }
    }

    /// The coverage radius, which is also the farthest pair the model can use.
    pub fn radius(&self) -> Option<f64> {
        match self {
            FileModel::Mclp { radius } | FileModel::Lscp { radius } => Some(*radius),
            _ => None,
        }
    }
}

/// The problem for an instance: `p` from the command line, else from the file.
pub fn problem(inst: &FileInstance, model: FileModel, p: Option<usize>) -> Result<Problem> {
    let p = match (model, p.or(inst.p)) {
        (FileModel::Lscp { .. }, _) => 0,
        (_, Some(p)) => p,
        (m, None) => {
            return Err(Error::Usage(format!(
                "{}: {} needs the number of facilities: give -p N (the file gives none)",
                inst.name,
                m.name()
            )));
        }
    };
    let all_served = matches!(model, FileModel::PMedian | FileModel::PCenter);
    if all_served && let Some(heads) = inst.component_heads.as_ref().filter(|h| h.len() > p) {
        return Err(Error::Infeasible(format!(
            "{}: the edges split the {} nodes into {} separate groups, more than p = {p} \
             facilities can serve (node {} cannot reach node {}, nor any other group's node): \
             whatever the choice, some node is left unreachable",
            inst.name,
            inst.demand_ids.len(),
            heads.len(),
            heads[p] + 1,
            heads[0] + 1
        )));
    }
    let instance = Instance::uncapacitated(inst.weights.clone(), inst.times.clone())?;
    let model = match model {
        FileModel::PMedian => Model::PMedian(PMedian::new(p)),
        FileModel::PCenter => Model::PCenter(PCenter::new(p)),
        FileModel::Mclp { radius } => Model::Mclp(Mclp::with_p(radius, p)),
        FileModel::Lscp { radius } => Model::Lscp(Lscp::new(radius)),
    };
    Ok(Problem::new(instance, model))
}

/// One solved instance, as `archiplan solve --json` (and `orlib --json`) prints it.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub instance: String,
    pub format: Format,
    pub model: &'static str,
    /// Demand points.
    pub n: usize,
    /// Candidate sites.
    pub sites: usize,
    /// Facilities opened (LSCP: how many it needed).
    pub p: usize,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub status: &'static str,
    /// Open sites as 1-based site numbers (OR-Library and TSPLIB: node numbers).
    pub facilities: Vec<usize>,
    /// Open sites by their ids in the file.
    pub facility_ids: Vec<String>,
    /// How distances were made.
    pub distance: String,
    /// Pairs farther apart were left out (the result is optimal for the instance without
    /// them; for MCLP and LSCP at their radius, that is the same instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<f64>,
    /// Pairs held in the matrix.
    pub pairs: usize,
    pub solver: String,
    /// Wall time of the whole run: reading, distances and solving.
    pub seconds: f64,
    /// Solver time alone.
    pub solve_seconds: f64,
    /// Known optimum from `pmedopt.txt` (benchmarks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimum: Option<f64>,
}

impl RunReport {
    /// `p`: the facilities the model asked for (LSCP: those it opened).
    pub fn new(inst: &FileInstance, p: usize, sol: &Solution, seconds: f64) -> Self {
        RunReport {
            instance: inst.name.clone(),
            format: inst.format,
            model: sol.model,
            n: inst.demand_ids.len(),
            sites: inst.site_ids.len(),
            p,
            objective: sol.objective,
            bound: sol.bound,
            gap: sol.gap,
            status: sol.status.as_str(),
            facilities: sol.open.iter().map(|j| j + 1).collect(),
            facility_ids: sol.open.iter().map(|&j| inst.site_ids[j].clone()).collect(),
            distance: inst.distance.clone(),
            max_distance: inst.max_distance,
            pairs: inst.times.nnz(),
            solver: sol.solver.clone(),
            seconds,
            solve_seconds: sol.seconds,
            optimum: None,
        }
    }
}

/// Reads, builds and solves one file. For MCLP and LSCP the matrix keeps only pairs within
/// the radius unless a smaller `max_distance` is given.
pub fn run(
    path: &Path,
    load_opts: &LoadOptions,
    model: FileModel,
    p: Option<usize>,
    opts: &SolveOptions,
) -> Result<RunReport> {
    let t0 = Instant::now();
    let mut load_opts = load_opts.clone();
    if let Some(r) = model.radius() {
        load_opts.max_distance = Some(load_opts.max_distance.map_or(r, |m| m.min(r)));
    }
    let inst = load(path, &load_opts)?;
    let prob = problem(&inst, model, p)?;
    let sol = solve(&prob, opts)?;
    let p = prob.model.p().unwrap_or(sol.open.len());
    Ok(RunReport::new(&inst, p, &sol, t0.elapsed().as_secs_f64()))
}
