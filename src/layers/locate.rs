//! Which island a point stands on: an R-tree over island bounding boxes, then exact tests.

use super::Island;
use crate::geometry::{km_to_deg_lat, km_to_deg_lon, km_to_polygon};
use geo::{BoundingRect, Contains, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

pub struct IslandIndex<'a> {
    islands: &'a [Island],
    tree: RTree<Entry>,
}

/// Where a point lies relative to the islands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    Inside(usize),
    /// Outside every island; the nearest one within the search radius and its distance in km.
    Near(usize, f64),
    /// Nothing within the search radius.
    Nowhere,
}

impl<'a> IslandIndex<'a> {
    pub fn new(islands: &'a [Island]) -> Self {
        let entries = islands
            .iter()
            .enumerate()
            .filter_map(|(i, isl)| {
                let r = isl.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        IslandIndex {
            islands,
            tree: RTree::bulk_load(entries),
        }
    }

    /// The island containing `p`, else the nearest within `radius_km`.
    pub fn place(&self, p: Point<f64>, radius_km: f64) -> Placement {
        let mut inside: Vec<usize> = self
            .tree
            .locate_all_at_point(&[p.x(), p.y()])
            .map(|e| e.data)
            .filter(|&i| self.islands[i].geometry.contains(&p))
            .collect();
        inside.sort_unstable();
        if let Some(&i) = inside.first() {
            return Placement::Inside(i);
        }
        match self.nearest(p, radius_km) {
            Some((i, d)) => Placement::Near(i, d),
            None => Placement::Nowhere,
        }
    }

    /// The nearest island within `radius_km` and its distance (ties go to the lower index).
    pub fn nearest(&self, p: Point<f64>, radius_km: f64) -> Option<(usize, f64)> {
        let dy = km_to_deg_lat(radius_km);
        let dx = km_to_deg_lon(radius_km, p.y());
        let envelope = AABB::from_corners([p.x() - dx, p.y() - dy], [p.x() + dx, p.y() + dy]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| (e.data, km_to_polygon(p, &self.islands[e.data].geometry)))
            .filter(|&(_, d)| d <= radius_km)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }

    /// Distance in km from `p` to island `i` (0 inside).
    pub fn distance_km(&self, p: Point<f64>, i: usize) -> f64 {
        km_to_polygon(p, &self.islands[i].geometry)
    }
}
