//! OR-Library p-median instances (Beasley 1990): reading, all-pairs shortest paths, known
//! optima and the benchmark runner behind `archiplan orlib` and `archiplan bench orlib`.
//!
//! File format: first line `n edges p`, then `edges` lines `i j cost` (1-based, undirected).
//! When an edge appears more than once the LAST occurrence counts (Beasley's note; taking the
//! minimum gives 5718 instead of 5819 on pmed1). Every node is a demand point of weight 1 and
//! a candidate site; travel times are shortest-path distances over the graph.

use super::{FileInstance, Format, LoadOptions, RunReport, bad};
use crate::error::{Error, Result};
use crate::model::Problem;
use crate::network::TravelTimes;
use crate::solve::SolveOptions;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::path::Path;

/// The models an OR-Library graph is solved with: those of every instance file.
pub use super::FileModel as OrlibModel;

/// A parsed instance with its shortest-path matrix.
#[derive(Debug, Clone)]
pub struct OrlibInstance {
    pub name: String,
    pub n: usize,
    /// The `p` given in the file.
    pub p: usize,
    /// The first node (0-based) of each connected component of the graph, in node order.
    pub component_heads: Vec<usize>,
    pub times: TravelTimes,
}

impl OrlibInstance {
    /// The instance in the shape every file format shares, keeping pairs within `max`.
    pub fn into_file_instance(self, max: Option<f64>) -> FileInstance {
        let ids: Vec<String> = (1..=self.n).map(|k| k.to_string()).collect();
        let times = match max {
            None => self.times,
            Some(m) => {
                let rows = (0..self.n)
                    .map(|i| {
                        let (cols, mins) = self.times.row(i);
                        cols.iter()
                            .zip(mins)
                            .filter(|&(_, &d)| f64::from(d) <= m)
                            .map(|(&c, &d)| (c, d))
                            .collect()
                    })
                    .collect();
                TravelTimes::from_rows(rows, self.n, m)
            }
        };
        FileInstance {
            name: self.name,
            format: Format::Orlib,
            demand_ids: ids.clone(),
            site_ids: ids,
            weights: vec![1.0; self.n],
            times,
            p: Some(self.p),
            distance: "shortest paths over the graph".into(),
            max_distance: max,
            component_heads: Some(self.component_heads),
        }
    }
}

/// Parses the text of an OR-Library p-median file (`path` only names it in errors).
pub fn parse(text: &str, path: &str) -> Result<OrlibInstance> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (hl, header) = lines
        .next()
        .ok_or_else(|| bad(path, 1, "empty file (expected `n edges p`)"))?;
    let nums: Vec<&str> = header.split_whitespace().collect();
    let int = |s: &str, what: &str, line: usize| int(path, s, what, line);
    if nums.len() != 3 {
        return Err(bad(path, hl, "expected three numbers `n edges p`"));
    }
    let n = int(nums[0], "n", hl)?;
    let m = int(nums[1], "edges", hl)?;
    let p = int(nums[2], "p", hl)?;
    // The all-pairs matrix holds n² distances: cap n before anything is allocated.
    let max_n = crate::limits::MAX_ORLIB_NODES;
    if n == 0 || n > max_n {
        return Err(bad(
            path,
            hl,
            format!("n = {n} is out of range (1 to {max_n} vertices)"),
        ));
    }
    // Repeated edges are allowed (the last one counts), but not more lines than twice the
    // pairs of a complete graph.
    let max_m = n.saturating_mul(n);
    if m > max_m {
        return Err(bad(
            path,
            hl,
            format!("edges = {m} is more than n² = {max_m} for n = {n}"),
        ));
    }
    let edges = read_edges(&mut lines, path, hl, n, m)?;
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let mut groups = petgraph::unionfind::UnionFind::<usize>::new(n);
    for (&(a, b), &c) in &edges {
        adj[a].push((b as u32, c));
        adj[b].push((a as u32, c));
        groups.union(a, b);
    }
    // The first node of each connected component, in node order.
    let mut seen = std::collections::HashSet::new();
    let component_heads: Vec<usize> = (0..n).filter(|&v| seen.insert(groups.find(v))).collect();
    let rows = exact_rows(&adj, path, hl)?;
    let name = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    Ok(OrlibInstance {
        name,
        n,
        p,
        component_heads,
        times: TravelTimes::from_rows(rows, n, f64::INFINITY),
    })
}

/// A non-negative integer field, or an error naming the file, line and field.
fn int(path: &str, s: &str, what: &str, line: usize) -> Result<usize> {
    s.parse::<usize>().map_err(|_| {
        bad(
            path,
            line,
            format!("{what} `{s}` is not a non-negative integer"),
        )
    })
}

/// The `m` edge lines after the header (on line `hl`), as 0-based node pairs (lower first)
/// with their cost; the last occurrence of a pair wins, loops are dropped.
fn read_edges<'t>(
    lines: &mut impl Iterator<Item = (usize, &'t str)>,
    path: &str,
    hl: usize,
    n: usize,
    m: usize,
) -> Result<BTreeMap<(usize, usize), f64>> {
    let int = |s: &str, what: &str, line: usize| int(path, s, what, line);
    // Last occurrence wins: a later line overwrites an earlier one.
    let mut edges: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for k in 0..m {
        let (ln, line) = lines.next().ok_or_else(|| {
            bad(
                path,
                hl + k + 1,
                format!("file ends after {k} of {m} edges"),
            )
        })?;
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 3 {
            return Err(bad(path, ln, "expected an edge `i j cost`"));
        }
        let i = int(f[0], "node", ln)?;
        let j = int(f[1], "node", ln)?;
        for v in [i, j] {
            if v == 0 || v > n {
                return Err(bad(path, ln, format!("node {v} is outside 1..={n}")));
            }
        }
        let c: f64 = f[2]
            .parse()
            .map_err(|_| bad(path, ln, format!("cost `{}` is not a number", f[2])))?;
        if !c.is_finite() || c < 0.0 {
            return Err(bad(path, ln, format!("cost {c} must be finite and >= 0")));
        }
        if i != j {
            edges.insert((i.min(j) - 1, i.max(j) - 1), c);
        }
    }
    Ok(edges)
}

/// All shortest distances, one sparse row per node, each held exactly in single precision.
fn exact_rows(adj: &[Vec<(u32, f64)>], path: &str, hl: usize) -> Result<Vec<Vec<(u32, f32)>>> {
    let n = adj.len();
    // The matrix stores f32 distances, which hold integers exactly only up to 2^24: a larger
    // distance would be rounded, and a plan "proven optimal" on rounded distances may be worse
    // than another one (with an objective no plan has). Refuse what cannot be held exactly.
    type Row = std::result::Result<Vec<(u32, f32)>, (usize, u32, f64)>;
    // Small whole costs (every OR-Library file: 1 to 100) take Dial's buckets, when scanning
    // every distance up to the longest possible path costs no more than a few passes over
    // the arcs.
    let arcs: usize = adj.iter().map(Vec::len).sum();
    let whole = adj
        .iter()
        .flatten()
        .all(|&(_, c)| c.fract() == 0.0 && c >= 0.0);
    let top = adj.iter().flatten().map(|&(_, c)| c).fold(0.0, f64::max) as usize;
    let buckets = whole && n.saturating_mul(top) <= 8 * arcs.max(n);
    let rows: Vec<Row> = (0..n)
        .into_par_iter()
        .map(|s| {
            let row = if buckets {
                dijkstra_buckets(adj, s, top)
            } else {
                dijkstra(adj, s)
            };
            match row.iter().find(|&&(_, d)| f64::from(d as f32) != d) {
                Some(&(v, d)) => Err((s, v, d)),
                None => Ok(row.into_iter().map(|(v, d)| (v, d as f32)).collect()),
            }
        })
        .collect();
    rows.into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|(s, v, d)| {
            bad(
                path,
                hl,
                format!(
                    "the shortest distance from node {} to node {} is {d}, which the solver's \
                     single-precision matrix cannot hold exactly (it holds integers up to \
                     16,777,216 and binary fractions); scale the costs down",
                    s + 1,
                    v + 1
                ),
            )
        })
}

/// Shortest distances from `s` to every reachable node, as sparse matrix row entries.
fn dijkstra(adj: &[Vec<(u32, f64)>], s: usize) -> Vec<(u32, f64)> {
    let n = adj.len();
    let mut dist = vec![f64::INFINITY; n];
    let mut heap = BinaryHeap::new();
    dist[s] = 0.0;
    heap.push(Reverse((Ordered(0.0), s as u32)));
    while let Some(Reverse((Ordered(d), v))) = heap.pop() {
        let v = v as usize;
        if d > dist[v] {
            continue;
        }
        for &(u, c) in &adj[v] {
            let nd = d + c;
            if nd < dist[u as usize] {
                dist[u as usize] = nd;
                heap.push(Reverse((Ordered(nd), u)));
            }
        }
    }
    (0..n)
        .filter(|&v| dist[v].is_finite())
        .map(|v| (v as u32, dist[v]))
        .collect()
}

/// Shortest distances from `s` for whole, non-negative costs up to `top` (Dial's buckets: a
/// ring of `top + 1` lists, the distance being scanned up by one), as sparse matrix row
/// entries: the same distances as [`dijkstra`], without a heap.
fn dijkstra_buckets(adj: &[Vec<(u32, f64)>], s: usize, top: usize) -> Vec<(u32, f64)> {
    let n = adj.len();
    let ring = top + 1;
    let mut dist = vec![usize::MAX; n];
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); ring];
    dist[s] = 0;
    buckets[0].push(s as u32);
    let (mut d, mut pending) = (0usize, 1usize);
    while pending > 0 {
        let b = d % ring;
        // A zero-cost arc refills the bucket being scanned: scan it until it stays empty.
        while !buckets[b].is_empty() {
            let current = std::mem::take(&mut buckets[b]);
            pending -= current.len();
            for v in current {
                let v = v as usize;
                if dist[v] != d {
                    continue;
                }
                for &(u, c) in &adj[v] {
                    let nd = d + c as usize;
                    if nd < dist[u as usize] {
                        dist[u as usize] = nd;
                        buckets[nd % ring].push(u);
                        pending += 1;
                    }
                }
            }
        }
        d += 1;
    }
    (0..n)
        .filter(|&v| dist[v] != usize::MAX)
        .map(|v| (v as u32, dist[v] as f64))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

pub fn read(path: &Path) -> Result<OrlibInstance> {
    let text = crate::limits::read_text(path, crate::limits::MAX_ORLIB_BYTES)?;
    parse(&text, &path.display().to_string())
}

/// Reads `pmedopt.txt` (`name value` lines after a header) into name -> optimum.
pub fn read_optima(path: &Path) -> Result<BTreeMap<String, f64>> {
    let text = crate::limits::read_text(path, crate::limits::MAX_ORLIB_BYTES)?;
    let mut out = BTreeMap::new();
    for (k, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 2
            && let Ok(v) = f[1].parse::<f64>()
        {
            out.insert(f[0].to_string(), v);
        } else if k > 0 && !line.trim().is_empty() {
            return Err(Error::Usage(format!(
                "{}:{}: expected `name optimum`",
                path.display(),
                k + 1
            )));
        }
    }
    Ok(out)
}

/// The problem for an instance: `p` from the file unless given.
pub fn problem(inst: &OrlibInstance, model: OrlibModel, p: Option<usize>) -> Result<Problem> {
    super::problem(&inst.clone().into_file_instance(None), model, p)
}

/// Reads, builds and solves one OR-Library file.
pub fn run(
    path: &Path,
    model: OrlibModel,
    p: Option<usize>,
    opts: &SolveOptions,
) -> Result<RunReport> {
    let load = LoadOptions {
        format: Some(Format::Orlib),
        ..LoadOptions::default()
    };
    super::run(path, &load, model, p, opts)
}

/// The instance files of a folder (`pmed*.txt` and other `.txt` except `pmedopt.txt`), in
/// natural order (pmed2 before pmed10).
pub fn instance_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "txt")
                && p.file_name().is_some_and(|n| n != "pmedopt.txt")
        })
        .collect();
    let key = |p: &std::path::PathBuf| {
        let s = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        let alpha: String = s.chars().filter(|c| !c.is_ascii_digit()).collect();
        (alpha, digits.parse::<u64>().unwrap_or(0), s)
    };
    files.sort_by_key(key);
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no OR-Library instance files (*.txt)",
            dir.display()
        )));
    }
    Ok(files)
}

/// Runs every instance of a folder one after the other (each timed alone), attaching the
/// known optimum when `pmedopt.txt` is beside them.
pub fn bench(
    dir: &Path,
    model: OrlibModel,
    opts: &SolveOptions,
    mut progress: impl FnMut(&RunReport),
) -> Result<Vec<RunReport>> {
    let optima_path = dir.join("pmedopt.txt");
    let optima = if optima_path.exists() && model == OrlibModel::PMedian {
        read_optima(&optima_path)?
    } else {
        BTreeMap::new()
    };
    let mut out = Vec::new();
    for f in instance_files(dir)? {
        let mut r = run(&f, model, None, opts)?;
        r.optimum = optima.get(&r.instance).copied();
        progress(&r);
        out.push(r);
    }
    Ok(out)
}

/// The benchmark table as Markdown.
pub fn table(rows: &[RunReport]) -> String {
    let mut s = String::from(
        "| instance | n | p | objective | optimum | status | gap | seconds |\n\
         |---|---:|---:|---:|---:|---|---:|---:|\n",
    );
    for r in rows {
        let opt = r.optimum.map_or("-".to_string(), |o| format!("{o}"));
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.2e} | {:.2} |\n",
            r.instance, r.n, r.p, r.objective, opt, r.status, r.gap, r.seconds
        ));
    }
    let total: f64 = rows.iter().map(|r| r.seconds).sum();
    let max = rows.iter().map(|r| r.seconds).fold(0.0, f64::max);
    let matched = rows
        .iter()
        .filter(|r| r.optimum.is_some_and(|o| o == r.objective))
        .count();
    let with_opt = rows.iter().filter(|r| r.optimum.is_some()).count();
    s.push_str(&format!(
        "\n{} instances, total {total:.2} s, slowest {max:.2} s; {matched}/{with_opt} equal the known optimum; {} optimal\n",
        rows.len(),
        rows.iter().filter(|r| r.status == "optimal").count()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Distances by petgraph's own Dijkstra (an independent reference).
    fn reference(adj: &[Vec<(u32, f64)>], s: usize) -> Vec<(u32, f64)> {
        let mut g = petgraph::graph::DiGraph::<(), f64>::new();
        let nodes: Vec<_> = (0..adj.len()).map(|_| g.add_node(())).collect();
        for (v, arcs) in adj.iter().enumerate() {
            for &(u, c) in arcs {
                g.add_edge(nodes[v], nodes[u as usize], c);
            }
        }
        let d = petgraph::algo::dijkstra(&g, nodes[s], None, |e| *e.weight());
        let mut row: Vec<(u32, f64)> = d.into_iter().map(|(v, c)| (v.index() as u32, c)).collect();
        row.sort_by_key(|r| r.0);
        row
    }

    proptest! {
        /// Dial's buckets (whole costs, zero-cost arcs and unreachable nodes included) and
        /// the heap give petgraph's distances.
        #[test]
        fn both_searches_give_petgraphs_distances(
            n in 1usize..40,
            edges in proptest::collection::vec((0usize..40, 0usize..40, 0u8..12), 0..120),
        ) {
            let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
            for (a, b, c) in edges {
                let (a, b) = (a % n, b % n);
                adj[a].push((b as u32, f64::from(c)));
                adj[b].push((a as u32, f64::from(c)));
            }
            for s in 0..n {
                let want = reference(&adj, s);
                prop_assert_eq!(dijkstra_buckets(&adj, s, 11), want.clone());
                prop_assert_eq!(dijkstra(&adj, s), want);
            }
        }
    }
}
