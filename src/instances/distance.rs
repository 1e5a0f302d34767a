//! Distances between points, as the instance's format defines them, and the matrix built from
//! them: dense, or sparsified by a radius through an R-tree so that only the pairs within it
//! are ever computed and held.
//!
//! TSPLIB's definitions (Reinelt 1995, and its FAQ for GEO) are followed to the letter: EUC_2D
//! rounds to the nearest integer (`(int)(d + 0.5)`), CEIL_2D rounds up, ATT is the
//! pseudo-Euclidean distance rounded up, GEO truncates degrees, uses PI = 3.141592 and an earth
//! radius of 6378.388 km, and adds one before truncating.

use crate::error::{Error, Result};
use crate::network::TravelTimes;
use rayon::prelude::*;
use rstar::{AABB, PointDistance, RTree, RTreeObject};

/// How the distance between two coordinate pairs is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Straight-line distance in the plane.
    Euclid,
    /// `|dx| + |dy|` (TSPLIB MAN_2D).
    Manhattan,
    /// `max(|dx|, |dy|)` (TSPLIB MAX_2D).
    Maximum,
    /// TSPLIB ATT: `sqrt((dx² + dy²) / 10)`, rounded up.
    Att,
    /// TSPLIB GEO: coordinates are `DDD.MM` latitude (x) and longitude (y); whole kilometres.
    Geo,
    /// Great-circle (haversine) distance in kilometres between (longitude, latitude) points.
    GreatCircleKm,
}

/// How a measured distance is rounded before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// To the nearest integer, halves up (TSPLIB's `nint`).
    Nearest,
    /// Down (the large-scale p-median literature's convention for TSPLIB coordinates).
    Floor,
    /// Up (TSPLIB CEIL_2D).
    Ceil,
    /// Not rounded: held in single precision (about seven significant digits).
    None,
}

impl Rounding {
    pub fn name(self) -> &'static str {
        match self {
            Rounding::Nearest => "nearest",
            Rounding::Floor => "floor",
            Rounding::Ceil => "ceil",
            Rounding::None => "none",
        }
    }

    fn apply(self, d: f64) -> f64 {
        match self {
            Rounding::Nearest => (d + 0.5).floor(),
            Rounding::Floor => d.floor(),
            Rounding::Ceil => d.ceil(),
            Rounding::None => d,
        }
    }
}

/// A metric and its rounding: the instance's distance function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distance {
    pub metric: Metric,
    pub rounding: Rounding,
}

/// TSPLIB's value of pi for GEO (the FAQ's code), not the exact constant: published GEO
/// optima are computed with it.
#[allow(clippy::approx_constant)]
const TSPLIB_PI: f64 = 3.141592;
const TSPLIB_EARTH_KM: f64 = 6378.388;

fn geo_radians(x: f64) -> f64 {
    let deg = x.trunc();
    let min = x - deg;
    TSPLIB_PI * (deg + 5.0 * min / 3.0) / 180.0
}

impl Distance {
    pub fn new(metric: Metric, rounding: Rounding) -> Self {
        Distance { metric, rounding }
    }

    /// The distance from `a` to `b`.
    pub fn between(&self, a: [f64; 2], b: [f64; 2]) -> f64 {
        let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
        match self.metric {
            Metric::Euclid => self.rounding.apply(dx.hypot(dy)),
            Metric::Manhattan => self.rounding.apply(dx.abs() + dy.abs()),
            Metric::Maximum => self
                .rounding
                .apply(dx.abs())
                .max(self.rounding.apply(dy.abs())),
            Metric::Att => {
                let r = ((dx * dx + dy * dy) / 10.0).sqrt();
                let t = (r + 0.5).floor();
                if t < r { t + 1.0 } else { t }
            }
            // TSPLIB's formula gives 1 for a point to itself (it adds one before truncating);
            // tours never ask, but a facility serves its own node at no distance.
            Metric::Geo if a == b => 0.0,
            Metric::Geo => {
                let (lat_a, lon_a) = (geo_radians(a[0]), geo_radians(a[1]));
                let (lat_b, lon_b) = (geo_radians(b[0]), geo_radians(b[1]));
                let q1 = (lon_a - lon_b).cos();
                let q2 = (lat_a - lat_b).cos();
                let q3 = (lat_a + lat_b).cos();
                let c = (0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)).clamp(-1.0, 1.0);
                (TSPLIB_EARTH_KM * c.acos() + 1.0).trunc()
            }
            Metric::GreatCircleKm => {
                use geo::{Distance as _, Haversine, Point};
                let m = Haversine.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]));
                self.rounding.apply(m / 1000.0)
            }
        }
    }

    /// A Euclidean radius (in the R-tree's space) holding every point whose distance is at most
    /// `r`: the index finds a superset, the exact distance then filters it.
    fn search_radius(&self, r: f64) -> Option<f64> {
        // Rounding moves a distance by less than one unit.
        let slack = r + 1.0;
        match self.metric {
            // |dx| + |dy| >= the Euclidean distance.
            Metric::Euclid | Metric::Manhattan => Some(slack),
            // max(|dx|, |dy|) >= the Euclidean distance / sqrt(2).
            Metric::Maximum => Some(slack * std::f64::consts::SQRT_2),
            Metric::Att => Some(slack * 10f64.sqrt()),
            // The chord between two points of the sphere is shorter than the arc: searched in
            // 3-D chord space (kilometres) below.
            Metric::GreatCircleKm => Some(slack),
            // DDD.MM coordinates are not a metric space the index can bound simply.
            Metric::Geo => None,
        }
    }

    /// A short description for reports: `euclidean, rounded to nearest`.
    pub fn describe(&self) -> String {
        let metric = match self.metric {
            Metric::Euclid => "euclidean",
            Metric::Manhattan => "manhattan",
            Metric::Maximum => "maximum",
            Metric::Att => return "TSPLIB ATT (pseudo-euclidean, rounded up)".into(),
            Metric::Geo => return "TSPLIB GEO (whole kilometres)".into(),
            Metric::GreatCircleKm => "great-circle kilometres",
        };
        format!("{metric}, rounded {}", self.rounding.name())
    }
}

/// Largest number of pairs a matrix is built with when no radius limits it (8 bytes each:
/// 480 MB); beyond, a radius must sparsify it.
pub const MAX_DENSE_PAIRS: u64 = 60_000_000;

/// Largest integer a single-precision matrix entry holds exactly.
const F32_EXACT: f64 = 16_777_216.0;

/// A point in the R-tree: its coordinates in the search space and its column.
struct Indexed {
    at: [f64; 3],
    col: u32,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 3]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.at)
    }
}

impl PointDistance for Indexed {
    fn distance_2(&self, p: &[f64; 3]) -> f64 {
        self.at.distance_2(p)
    }
}

/// Where a point sits in the search space: the plane, or the sphere's surface in kilometres.
fn search_point(metric: Metric, p: [f64; 2]) -> [f64; 3] {
    if metric == Metric::GreatCircleKm {
        const R: f64 = 6_371.008_8;
        let (lon, lat) = (p[0].to_radians(), p[1].to_radians());
        [
            R * lat.cos() * lon.cos(),
            R * lat.cos() * lon.sin(),
            R * lat.sin(),
        ]
    } else {
        [p[0], p[1], 0.0]
    }
}

/// The demand x site matrix of `distance`, keeping pairs within `max` (all when `None`).
/// Fails when the dense matrix would be too large, or a distance cannot be held exactly.
pub fn matrix(
    demand: &[[f64; 2]],
    sites: &[[f64; 2]],
    distance: Distance,
    max: Option<f64>,
    file: &str,
) -> Result<TravelTimes> {
    let pairs = demand.len() as u64 * sites.len() as u64;
    let search = max.and_then(|r| distance.search_radius(r));
    if search.is_none() && pairs > MAX_DENSE_PAIRS {
        let why = match max {
            Some(_) => "TSPLIB GEO distances cannot be searched by radius".to_string(),
            None => "give --max-distance D to keep only the pairs within D (mclp and lscp \
                     use their radius)"
                .to_string(),
        };
        return Err(Error::Usage(format!(
            "{file}: {} demand points x {} sites make {pairs} pairs, more than the \
             {MAX_DENSE_PAIRS} a full matrix may hold; {why}",
            demand.len(),
            sites.len()
        )));
    }
    let keep = |d: f64| max.is_none_or(|m| d <= m);
    let rows: Vec<Vec<(u32, f64)>> = match search {
        Some(r) => {
            let tree = RTree::bulk_load(
                sites
                    .iter()
                    .enumerate()
                    .map(|(j, &p)| Indexed {
                        at: search_point(distance.metric, p),
                        col: j as u32,
                    })
                    .collect(),
            );
            demand
                .par_iter()
                .map(|&a| {
                    tree.locate_within_distance(search_point(distance.metric, a), r * r)
                        .map(|s| (s.col, distance.between(a, sites[s.col as usize])))
                        .filter(|&(_, d)| keep(d))
                        .collect()
                })
                .collect()
        }
        None => demand
            .par_iter()
            .map(|&a| {
                sites
                    .iter()
                    .enumerate()
                    .map(|(j, &b)| (j as u32, distance.between(a, b)))
                    .filter(|&(_, d)| keep(d))
                    .collect()
            })
            .collect(),
    };
    let integral = !(distance.rounding == Rounding::None
        && matches!(
            distance.metric,
            Metric::Euclid | Metric::Manhattan | Metric::Maximum | Metric::GreatCircleKm
        ));
    to_times(rows, sites.len(), max, file, integral)
}

/// Rows in single precision (pairs beyond `max` already dropped). When the distances are
/// whole numbers, one that single precision would change is refused: a plan "proven optimal"
/// on rounded distances could be worse than another.
pub fn to_times(
    rows: Vec<Vec<(u32, f64)>>,
    cols: usize,
    max: Option<f64>,
    file: &str,
    integral: bool,
) -> Result<TravelTimes> {
    if integral
        && let Some((i, (j, d))) = rows
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.iter().find(|(_, d)| *d > F32_EXACT).map(|x| (i, *x)))
    {
        return Err(Error::Usage(format!(
            "{file}: the distance from point {} to site {} is {d}, more than the \
             16,777,216 a single-precision matrix holds exactly; scale the data down",
            i + 1,
            j + 1
        )));
    }
    let rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(|(j, d)| (j, d as f32)).collect())
        .collect();
    Ok(TravelTimes::from_rows(
        rows,
        cols,
        max.unwrap_or(f64::INFINITY),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsplib_roundings_follow_the_definitions() {
        let e = Distance::new(Metric::Euclid, Rounding::Nearest);
        assert_eq!(e.between([0.0, 0.0], [3.0, 4.0]), 5.0);
        assert_eq!(e.between([0.0, 0.0], [1.0, 1.0]), 1.0); // 1.414 -> 1
        assert_eq!(e.between([0.0, 0.0], [1.5, 0.0]), 2.0); // halves up
        let f = Distance::new(Metric::Euclid, Rounding::Floor);
        assert_eq!(f.between([0.0, 0.0], [1.9, 0.0]), 1.0);
        let c = Distance::new(Metric::Euclid, Rounding::Ceil);
        assert_eq!(c.between([0.0, 0.0], [1.1, 0.0]), 2.0);
        // ATT: sqrt(100 / 10) = 3.162..., nint 3 < r so 4; sqrt(90 / 10) = 3 exactly.
        let att = Distance::new(Metric::Att, Rounding::Nearest);
        assert_eq!(att.between([0.0, 0.0], [10.0, 0.0]), 4.0);
        assert_eq!(att.between([0.0, 0.0], [9.0, 3.0]), 3.0);
        let man = Distance::new(Metric::Manhattan, Rounding::Nearest);
        assert_eq!(man.between([0.0, 0.0], [1.2, -2.2]), 3.0);
        let max = Distance::new(Metric::Maximum, Rounding::Nearest);
        assert_eq!(max.between([0.0, 0.0], [1.2, -2.6]), 3.0);
    }

    #[test]
    fn geo_is_symmetric_whole_kilometres_and_zero_at_a_point() {
        let g = Distance::new(Metric::Geo, Rounding::Nearest);
        // A point to itself: the formula's acos(1) = 0 plus one would be 1.
        assert_eq!(g.between([16.47, 96.10], [16.47, 96.10]), 0.0);
        let d = g.between([16.47, 96.10], [20.09, 94.55]);
        assert_eq!(d, g.between([20.09, 94.55], [16.47, 96.10]));
        assert_eq!(d, d.trunc());
        // DDD.MM: 16.47 is 16 degrees 47 minutes. About 3.37 degrees of latitude and 1.25 of
        // longitude apart: roughly 400 km.
        assert!((350.0..450.0).contains(&d), "{d}");
    }

    #[test]
    fn the_radius_search_finds_exactly_the_pairs_within_it() {
        let pts: Vec<[f64; 2]> = (0..60)
            .map(|k| [(k * 37 % 101) as f64, (k * 53 % 97) as f64])
            .collect();
        for metric in [
            Metric::Euclid,
            Metric::Manhattan,
            Metric::Maximum,
            Metric::Att,
        ] {
            let d = Distance::new(metric, Rounding::Nearest);
            let sparse = matrix(&pts, &pts, d, Some(30.0), "t").unwrap();
            let dense = matrix(&pts, &pts, d, None, "t").unwrap();
            for i in 0..pts.len() {
                for j in 0..pts.len() {
                    let full = dense.get(i, j).unwrap();
                    let want = (full <= 30.0).then_some(full);
                    assert_eq!(sparse.get(i, j), want, "{metric:?} {i} {j}");
                }
            }
        }
        let lonlat: Vec<[f64; 2]> = (0..40)
            .map(|k| [122.0 + (k % 7) as f64 * 0.05, 30.0 + (k / 7) as f64 * 0.04])
            .collect();
        let d = Distance::new(Metric::GreatCircleKm, Rounding::None);
        let sparse = matrix(&lonlat, &lonlat, d, Some(12.0), "t").unwrap();
        let dense = matrix(&lonlat, &lonlat, d, None, "t").unwrap();
        for i in 0..lonlat.len() {
            for j in 0..lonlat.len() {
                let full = dense.get(i, j).unwrap();
                assert_eq!(sparse.get(i, j), (full <= 12.0).then_some(full));
            }
        }
    }
}
