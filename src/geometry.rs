//! Small geodesy helpers shared by the loader, the network and the generator.
//!
//! Archipelagos span tens to hundreds of kilometres, so a local equirectangular projection is
//! accurate to well under 1% for tolerance checks and triangulation; leg lengths use the
//! great-circle (haversine) distance.

use geo::{Coord, Distance, Euclidean, Haversine, MultiPolygon, Point, Polygon};

/// Mean metres per degree of latitude.
const KM_PER_DEG_LAT: f64 = 110.574;
/// Metres per degree of longitude at the equator.
const KM_PER_DEG_LON: f64 = 111.320;

/// Great-circle distance in kilometres between two lon/lat points.
pub fn km_between(a: Point<f64>, b: Point<f64>) -> f64 {
    Haversine.distance(a, b) / 1000.0
}

/// Equirectangular projection to kilometres around an origin.
#[derive(Debug, Clone, Copy)]
pub struct LocalProjection {
    origin: Coord<f64>,
    km_per_deg_lon: f64,
}

impl LocalProjection {
    pub fn around(origin: Coord<f64>) -> Self {
        LocalProjection {
            origin,
            km_per_deg_lon: KM_PER_DEG_LON * origin.y.to_radians().cos(),
        }
    }

    pub fn to_km(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.km_per_deg_lon,
            y: (c.y - self.origin.y) * KM_PER_DEG_LAT,
        }
    }

    pub fn to_lonlat(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.origin.x + c.x / self.km_per_deg_lon,
            y: self.origin.y + c.y / KM_PER_DEG_LAT,
        }
    }

    fn polygon_to_km(&self, p: &Polygon<f64>) -> Polygon<f64> {
        use geo::MapCoords;
        p.map_coords(|c| self.to_km(c))
    }
}

/// Degrees of latitude spanned by `km` kilometres (for padding search boxes).
pub fn km_to_deg_lat(km: f64) -> f64 {
    km / KM_PER_DEG_LAT
}

/// Degrees of longitude spanned by `km` kilometres at latitude `lat`.
pub fn km_to_deg_lon(km: f64, lat: f64) -> f64 {
    km / (KM_PER_DEG_LON * lat.to_radians().cos().max(0.01))
}

/// Distance in kilometres from a point to a (multi)polygon; 0 when the point is inside.
pub fn km_to_polygon(p: Point<f64>, area: &MultiPolygon<f64>) -> f64 {
    let proj = LocalProjection::around(p.0);
    let origin = Point::new(0.0, 0.0);
    area.0
        .iter()
        .map(|poly| Euclidean.distance(&origin, &proj.polygon_to_km(poly)))
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = km_between(Point::new(122.0, 30.0), Point::new(122.0, 31.0));
        assert!((d - 111.2).abs() < 0.2, "{d}");
    }

    #[test]
    fn distance_to_polygon_is_zero_inside_and_positive_outside() {
        let sq = MultiPolygon(vec![polygon![
            (x: 122.0, y: 30.0), (x: 122.1, y: 30.0), (x: 122.1, y: 30.1), (x: 122.0, y: 30.1), (x: 122.0, y: 30.0)
        ]]);
        assert_eq!(km_to_polygon(Point::new(122.05, 30.05), &sq), 0.0);
        let d = km_to_polygon(Point::new(122.05, 30.11), &sq);
        assert!((d - 1.106).abs() < 0.01, "{d}");
    }

    #[test]
    fn projection_round_trips() {
        let proj = LocalProjection::around(Coord { x: 122.2, y: 30.3 });
        let c = Coord {
            x: 122.35,
            y: 30.21,
        };
        let back = proj.to_lonlat(proj.to_km(c));
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}
