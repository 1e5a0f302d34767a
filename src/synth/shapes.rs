//! Island outlines and a grid index of island discs for placement and neighbour queries.

use geo::{Coord, LineString, Polygon};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// A star-shaped island: radius varies smoothly with the angle (three random harmonics), so
/// the outline is always a simple polygon, counter-clockwise, staying within 0.65..1.3 x
/// `radius` of the centre.
pub fn island_outline(rng: &mut ChaCha8Rng, centre: Coord<f64>, radius: f64) -> Polygon<f64> {
    let vertices = if radius < 1.0 { 10 } else { 24 };
    let harmonics: Vec<(f64, f64, f64)> = (2..5)
        .map(|k| {
            (
                k as f64,
                rng.random_range(0.0..0.12),
                rng.random_range(0.0..std::f64::consts::TAU),
            )
        })
        .collect();
    let mut ring: Vec<Coord<f64>> = (0..vertices)
        .map(|v| {
            let a = v as f64 / vertices as f64 * std::f64::consts::TAU;
            let wobble: f64 = harmonics
                .iter()
                .map(|(k, amp, phase)| amp * (k * a + phase).sin())
                .sum();
            let r = radius * (1.0 + wobble).clamp(0.65, 1.3);
            Coord {
                x: centre.x + r * a.cos(),
                y: centre.y + r * a.sin(),
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), vec![])
}

/// Uniform grid over the plane; each disc is registered in every cell its bounding box covers,
/// so queries only look at nearby cells whatever the disc sizes.
pub struct SpatialHash {
    cell: f64,
    cells: HashMap<(i64, i64), Vec<usize>>,
    discs: HashMap<usize, (Coord<f64>, f64)>,
    /// Occupied cell bounds, to stop ring searches.
    bounds: Option<(i64, i64, i64, i64)>,
}

impl SpatialHash {
    pub fn new(cell: f64) -> Self {
        SpatialHash {
            cell,
            cells: HashMap::new(),
            discs: HashMap::new(),
            bounds: None,
        }
    }

    fn key(&self, c: Coord<f64>) -> (i64, i64) {
        (
            (c.x / self.cell).floor() as i64,
            (c.y / self.cell).floor() as i64,
        )
    }

    fn covered(&self, c: Coord<f64>, r: f64) -> impl Iterator<Item = (i64, i64)> + use<> {
        let (x0, y0) = self.key(Coord {
            x: c.x - r,
            y: c.y - r,
        });
        let (x1, y1) = self.key(Coord {
            x: c.x + r,
            y: c.y + r,
        });
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    pub fn insert(&mut self, c: Coord<f64>, r: f64, id: usize) {
        for k in self.covered(c, r).collect::<Vec<_>>() {
            self.cells.entry(k).or_default().push(id);
            self.bounds = Some(match self.bounds {
                None => (k.0, k.1, k.0, k.1),
                Some((a, b, c2, d)) => (a.min(k.0), b.min(k.1), c2.max(k.0), d.max(k.1)),
            });
        }
        self.discs.insert(id, (c, r));
    }

    /// Whether a disc at `c` with radius `r` overlaps no registered disc.
    pub fn is_free(&self, c: Coord<f64>, r: f64) -> bool {
        self.covered(c, r).all(|k| {
            self.cells.get(&k).is_none_or(|ids| {
                ids.iter().all(|id| {
                    let (o, ro) = self.discs[id];
                    (o.x - c.x).hypot(o.y - c.y) > r + ro
                })
            })
        })
    }

    /// The accepted disc minimising `metric`, a lower-bounded gap between the query disc
    /// (`c`, `r`) and the candidate; searched ring by ring outwards. Ties go to the lower id.
    pub fn nearest(
        &self,
        c: Coord<f64>,
        r: f64,
        accept: impl Fn(usize) -> bool,
        metric: impl Fn(usize) -> f64,
    ) -> Option<usize> {
        let (bx0, by0, bx1, by1) = self.bounds?;
        let (cx, cy) = self.key(c);
        let max_ring = [cx - bx0, bx1 - cx, cy - by0, by1 - cy]
            .into_iter()
            .max()
            .unwrap_or(0)
            .max(0);
        let mut best: Option<(f64, usize)> = None;
        for ring in 0..=max_ring {
            for x in cx - ring..=cx + ring {
                for y in cy - ring..=cy + ring {
                    if (x - cx).abs() != ring && (y - cy).abs() != ring {
                        continue;
                    }
                    let Some(ids) = self.cells.get(&(x, y)) else {
                        continue;
                    };
                    for &id in ids {
                        if !accept(id) {
                            continue;
                        }
                        let m = metric(id);
                        if best.is_none_or(|(bm, bid)| m < bm || (m == bm && id < bid)) {
                            best = Some((m, id));
                        }
                    }
                }
            }
            // Discs first met in a later ring lie at least (ring) cells from the query centre.
            if let Some((bm, _)) = best
                && bm <= ring as f64 * self.cell - r
            {
                break;
            }
        }
        best.map(|(_, id)| id)
    }
}
