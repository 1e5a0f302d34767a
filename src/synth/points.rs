//! Random planar facility-location instances for benchmarks: demand points and candidate
//! sites uniform in a 100 x 100 square, travel time = Euclidean distance, integer demand
//! weights 1..=100. Only pairs within `cutoff` are stored (all pairs when `None`), which is
//! how a coverage model at scale keeps a sparse matrix. The same seed gives the same instance.

use crate::error::Result;
use crate::model::Instance;
use crate::network::TravelTimes;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub fn random_points(
    demand: usize,
    sites: usize,
    cutoff: Option<f64>,
    seed: u64,
) -> Result<Instance> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let point = |rng: &mut ChaCha8Rng| -> (f64, f64) {
        (rng.random_range(0.0..100.0), rng.random_range(0.0..100.0))
    };
    let d: Vec<(f64, f64)> = (0..demand).map(|_| point(&mut rng)).collect();
    let s: Vec<(f64, f64)> = (0..sites).map(|_| point(&mut rng)).collect();
    let weights: Vec<f64> = (0..demand)
        .map(|_| f64::from(rng.random_range(1u32..=100)))
        .collect();
    let limit = cutoff.unwrap_or(f64::INFINITY);
    let rows: Vec<Vec<(u32, f32)>> = d
        .par_iter()
        .map(|&(x, y)| {
            s.iter()
                .enumerate()
                .filter_map(|(j, &(sx, sy))| {
                    // Rounded to 0.01 so objectives are exact sums of f32 values.
                    let t = (((x - sx).powi(2) + (y - sy).powi(2)).sqrt() * 100.0).round() / 100.0;
                    (t <= limit).then_some((j as u32, t as f32))
                })
                .collect()
        })
        .collect();
    Instance::uncapacitated(weights, TravelTimes::from_rows(rows, sites, limit))
}
