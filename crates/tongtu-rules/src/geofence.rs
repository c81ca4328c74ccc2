//! Geofences: plain-data definitions (stored as JSON by the platform), their validation and
//! the geometry the engine evaluates them with.
//!
//! Coordinates are WGS-84 degrees, `[lat, lon]` pairs, like the terminals report them
//! (conversion to GCJ-02 is for drawing only). Shapes must not cross the antimeridian — the
//! platform covers China.
//!
//! Geometry is planar in a local equirectangular projection centred on the shape, except
//! the circle, which uses the haversine distance like the rest of the platform. The
//! projection is affine in (lat, lon), so a polygon's edges and a corridor's centre line are
//! the same straight lines in degrees and in metres: inside/outside and distances agree.

use serde::{Deserialize, Serialize};
use tongtu_track::Position;

use crate::config::in_window;

/// Mean Earth radius, metres (the same as `tongtu_track::distance_m`).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres per degree of latitude (and of longitude at the equator).
const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
/// Minutes in a day: time-window bounds must be below this.
const DAY_MINUTES: u32 = 1440;

/// One geofence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Geofence {
    /// Platform id; appears in the rule codes (`forbidden_7`).
    pub id: u32,
    /// Name shown to operators (also the alarm's `detail`).
    pub name: String,
    /// Where.
    pub shape: Shape,
    /// What it means.
    pub kind: FenceKind,
    /// Vehicles it applies to; empty = all vehicles (subject to `classes`).
    #[serde(default)]
    pub vehicle_ids: Vec<u32>,
    /// Vehicle class codes (registry `vehicle_type`, e.g. `hazmat`); empty = all classes.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Start of the daily window in which the fence applies, local (Beijing) minute of the
    /// day; `None` together with `active_to_min` = always.
    #[serde(default)]
    pub active_from_min: Option<u32>,
    /// End (exclusive) of the daily window; the window may wrap midnight (22:00–06:00).
    #[serde(default)]
    pub active_to_min: Option<u32>,
}

/// Where a fence is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Shape {
    /// A circle around a centre, degrees and metres.
    Circle {
        /// Centre latitude, degrees.
        lat: f64,
        /// Centre longitude, degrees.
        lon: f64,
        /// Radius, metres.
        radius_m: f64,
    },
    /// A polygon: a `[lat, lon]` ring, implicitly closed (even-odd rule).
    Polygon {
        /// Vertices, `[lat, lon]` degrees.
        points: Vec<[f64; 2]>,
    },
    /// A polyline buffered by a half width: a road or a route.
    Corridor {
        /// Centre line, `[lat, lon]` degrees.
        points: Vec<[f64; 2]>,
        /// Distance from the centre line that is still inside, metres.
        half_width_m: f64,
    },
}

/// What a fence means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FenceKind {
    /// An instantaneous info alarm at the first fix inside.
    Enter,
    /// An instantaneous info alarm at the first fix outside.
    Leave,
    /// 禁行区: a serious alarm open while inside.
    Forbidden,
    /// A permitted road or area (hazardous goods): the route-deviation fences that apply to
    /// a vehicle form its network, and a serious alarm is open while it drives outside all
    /// of them, beyond the class's `route_tolerance_m`, for at least
    /// `route_tolerance_secs`.
    RouteDeviation,
    /// Posted speed limit of a road or zone: inside, it replaces the class limit for the
    /// speeding rule (the lowest one where zones overlap).
    SpeedLimit {
        /// The zone's (day) limit, km/h; passenger vehicles get the night factor at night.
        limit_kmh: f64,
    },
}

impl Geofence {
    /// Checks the definition; the message names the offending field and value.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name is empty".into());
        }
        match &self.shape {
            Shape::Circle { lat, lon, radius_m } => {
                check_point("circle centre", *lat, *lon)?;
                if !(radius_m.is_finite() && *radius_m > 0.0) {
                    return Err(format!("circle radius_m must be > 0, got {radius_m}"));
                }
                // Far beyond any real fence; keeps the bounding box meaningful.
                if *radius_m > 1_000_000.0 {
                    return Err(format!(
                        "circle radius_m must be at most 1000000 (1000 km), got {radius_m}"
                    ));
                }
            }
            Shape::Polygon { points } => {
                if points.len() < 3 {
                    return Err(format!(
                        "polygon needs at least 3 points, got {}",
                        points.len()
                    ));
                }
                check_points("polygon", points)?;
                if polygon_area_deg2(points).abs() < 1e-12 {
                    return Err("polygon has no area (its points are on one line)".into());
                }
            }
            Shape::Corridor {
                points,
                half_width_m,
            } => {
                if points.len() < 2 {
                    return Err(format!(
                        "corridor needs at least 2 points, got {}",
                        points.len()
                    ));
                }
                check_points("corridor", points)?;
                if !(half_width_m.is_finite() && *half_width_m > 0.0) {
                    return Err(format!(
                        "corridor half_width_m must be > 0, got {half_width_m}"
                    ));
                }
                if *half_width_m > 100_000.0 {
                    return Err(format!(
                        "corridor half_width_m must be at most 100000 (100 km), got {half_width_m}"
                    ));
                }
            }
        }
        if let FenceKind::SpeedLimit { limit_kmh } = self.kind {
            if !(limit_kmh.is_finite() && limit_kmh > 0.0 && limit_kmh <= 250.0) {
                return Err(format!(
                    "speed_limit limit_kmh must be in (0, 250], got {limit_kmh}"
                ));
            }
        }
        match (self.active_from_min, self.active_to_min) {
            (None, None) => {}
            (Some(from), Some(to)) => {
                if from >= DAY_MINUTES {
                    return Err(format!("active_from_min must be < 1440, got {from}"));
                }
                if to >= DAY_MINUTES {
                    return Err(format!("active_to_min must be < 1440, got {to}"));
                }
                if from == to {
                    return Err(format!(
                        "active_from_min equals active_to_min ({from}): the window is empty; \
                         leave both unset for always"
                    ));
                }
            }
            _ => {
                return Err(
                    "active_from_min and active_to_min must be both set or both unset".into(),
                )
            }
        }
        Ok(())
    }

    /// Whether a point (degrees) is inside the shape. Prepares the shape on every call;
    /// for many points use [`PreparedShape`] (as the engine does).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        PreparedShape::new(&self.shape).contains(lat, lon)
    }

    /// Whether a fix is inside the shape.
    pub fn contains_position(&self, p: &Position) -> bool {
        self.contains(p.lat_deg(), p.lon_deg())
    }

    /// Distance from a point outside to the shape, metres; 0 inside.
    pub fn distance_outside_m(&self, lat: f64, lon: f64) -> f64 {
        PreparedShape::new(&self.shape).distance_outside_m(lat, lon)
    }

    /// Whether the fence applies to a vehicle of this class.
    pub fn applies_to(&self, vehicle_id: u32, class: &str) -> bool {
        (self.vehicle_ids.is_empty() || self.vehicle_ids.contains(&vehicle_id))
            && (self.classes.is_empty() || self.classes.iter().any(|c| c == class))
    }

    /// Whether the fence applies at this local (Beijing) minute of the day.
    pub fn active_at(&self, minute: u32) -> bool {
        match (self.active_from_min, self.active_to_min) {
            (Some(from), Some(to)) => in_window(minute, from, to),
            // Half a window is invalid; treat it as "always" rather than never alarming.
            _ => true,
        }
    }
}

fn check_point(what: &str, lat: f64, lon: f64) -> Result<(), String> {
    // `contains` is false for NaN, so these also reject NaN.
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("{what}: latitude {lat} is not in -90..=90"));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("{what}: longitude {lon} is not in -180..=180"));
    }
    Ok(())
}

fn check_points(what: &str, points: &[[f64; 2]]) -> Result<(), String> {
    for (i, [lat, lon]) in points.iter().enumerate() {
        check_point(&format!("{what} point {i}"), *lat, *lon)?;
    }
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p[1]), hi.max(p[1]))
    });
    if hi - lo > 180.0 {
        return Err(format!(
            "{what} spans {:.1}° of longitude: shapes crossing the antimeridian are not supported",
            hi - lo
        ));
    }
    Ok(())
}

/// Signed area in square degrees (shoelace), for the degenerate-polygon check.
fn polygon_area_deg2(points: &[[f64; 2]]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let [y0, x0] = points[i];
            let [y1, x1] = points[(i + 1) % n];
            x0 * y1 - x1 * y0
        })
        .sum::<f64>()
        / 2.0
}

/// Great-circle distance, metres (haversine, the formula of `tongtu_track::distance_m`).
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (la1, lo1) = (lat1.to_radians(), lon1.to_radians());
    let (la2, lo2) = (lat2.to_radians(), lon2.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Local equirectangular projection to metres around a reference point.
#[derive(Debug, Clone, Copy)]
struct Projection {
    lat0: f64,
    lon0: f64,
    /// Metres per degree of longitude at `lat0`.
    kx: f64,
}

impl Projection {
    fn around(points: &[[f64; 2]]) -> Projection {
        let (mut lat_lo, mut lat_hi, mut lon_lo, mut lon_hi) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for [lat, lon] in points {
            lat_lo = lat_lo.min(*lat);
            lat_hi = lat_hi.max(*lat);
            lon_lo = lon_lo.min(*lon);
            lon_hi = lon_hi.max(*lon);
        }
        let (lat0, lon0) = if points.is_empty() {
            (0.0, 0.0)
        } else {
            ((lat_lo + lat_hi) / 2.0, (lon_lo + lon_hi) / 2.0)
        };
        Projection {
            lat0,
            lon0,
            // Floor near the poles so the buffer in degrees stays finite.
            kx: M_PER_DEG * lat0.to_radians().cos().max(1e-6),
        }
    }

    fn xy(&self, lat: f64, lon: f64) -> [f64; 2] {
        [(lon - self.lon0) * self.kx, (lat - self.lat0) * M_PER_DEG]
    }
}

/// Squared distance from `p` to the segment `a`–`b`, in the plane.
fn seg_dist2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    ex * ex + ey * ey
}

/// Whether `p` may be within `r` of the segment `a`–`b` (cheap box test before the exact one).
fn near_segment_box(p: [f64; 2], a: [f64; 2], b: [f64; 2], r: f64) -> bool {
    p[0] >= a[0].min(b[0]) - r
        && p[0] <= a[0].max(b[0]) + r
        && p[1] >= a[1].min(b[1]) - r
        && p[1] <= a[1].max(b[1]) + r
}

/// A shape prepared for repeated tests: bounding box in 1e-6 degree (the unit of
/// [`Position`]) and projected vertices.
#[derive(Debug, Clone)]
pub struct PreparedShape {
    /// `[min_lat, min_lon, max_lat, max_lon]`, 1e-6 degree, rounded outwards.
    bbox: [i32; 4],
    geom: Geom,
}

#[derive(Debug, Clone)]
enum Geom {
    Circle {
        lat: f64,
        lon: f64,
        radius_m: f64,
    },
    Polygon {
        /// Vertices in degrees (ray casting) and projected (distances).
        lat: Box<[f64]>,
        lon: Box<[f64]>,
        proj: Projection,
        xy: Box<[[f64; 2]]>,
    },
    Corridor {
        proj: Projection,
        xy: Box<[[f64; 2]]>,
        half_width_m: f64,
    },
}

/// Degrees to 1e-6 degree, rounded outwards by one unit so that the box is conservative.
fn bbox_micro(lat_lo: f64, lon_lo: f64, lat_hi: f64, lon_hi: f64) -> [i32; 4] {
    // `as` saturates (NaN → 0): an invalid shape gets a meaningless but harmless box.
    let lo = |d: f64| (d * 1e6).floor() as i32 - 1;
    let hi = |d: f64| (d * 1e6).ceil() as i32 + 1;
    [lo(lat_lo), lo(lon_lo), hi(lat_hi), hi(lon_hi)]
}

impl PreparedShape {
    /// Prepares a shape. An invalid shape (see [`Geofence::validate`]) does not panic but
    /// gives unspecified answers.
    pub fn new(shape: &Shape) -> PreparedShape {
        match shape {
            Shape::Circle { lat, lon, radius_m } => {
                let dlat = radius_m / M_PER_DEG;
                let far = (lat.abs() + dlat).min(90.0);
                // The circle's widest longitude extent is at the latitude farthest from the
                // equator; 1 % covers the sphere-vs-plane difference.
                let dlon = if far >= 89.9 {
                    360.0
                } else {
                    dlat / far.to_radians().cos() * 1.01
                };
                PreparedShape {
                    bbox: bbox_micro(lat - dlat, lon - dlon, lat + dlat, lon + dlon),
                    geom: Geom::Circle {
                        lat: *lat,
                        lon: *lon,
                        radius_m: *radius_m,
                    },
                }
            }
            Shape::Polygon { points } => {
                let proj = Projection::around(points);
                let (lo, hi) = extent(points);
                PreparedShape {
                    bbox: bbox_micro(lo[0], lo[1], hi[0], hi[1]),
                    geom: Geom::Polygon {
                        lat: points.iter().map(|p| p[0]).collect(),
                        lon: points.iter().map(|p| p[1]).collect(),
                        proj,
                        xy: points.iter().map(|p| proj.xy(p[0], p[1])).collect(),
                    },
                }
            }
            Shape::Corridor {
                points,
                half_width_m,
            } => {
                let proj = Projection::around(points);
                let (lo, hi) = extent(points);
                // Buffer in degrees as the projection sees it, so the box is exact for it.
                let dlat = half_width_m / M_PER_DEG;
                let dlon = half_width_m / proj.kx;
                PreparedShape {
                    bbox: bbox_micro(lo[0] - dlat, lo[1] - dlon, hi[0] + dlat, hi[1] + dlon),
                    geom: Geom::Corridor {
                        proj,
                        xy: points.iter().map(|p| proj.xy(p[0], p[1])).collect(),
                        half_width_m: *half_width_m,
                    },
                }
            }
        }
    }

    /// Bounding box `[min_lat, min_lon, max_lat, max_lon]` in 1e-6 degree.
    pub fn bbox(&self) -> [i32; 4] {
        self.bbox
    }

    /// Whether a point in 1e-6 degree is inside the bounding box (cheap prefilter).
    #[inline]
    pub fn bbox_contains(&self, lat: i32, lon: i32) -> bool {
        let [a, b, c, d] = self.bbox;
        lat >= a && lat <= c && lon >= b && lon <= d
    }

    /// Whether a point (degrees) is inside.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        match &self.geom {
            Geom::Circle {
                lat: clat,
                lon: clon,
                radius_m,
            } => haversine_m(*clat, *clon, lat, lon) <= *radius_m,
            Geom::Polygon {
                lat: ys, lon: xs, ..
            } => point_in_polygon(ys, xs, lat, lon),
            Geom::Corridor {
                proj,
                xy,
                half_width_m,
            } => near_polyline(xy, proj.xy(lat, lon), *half_width_m),
        }
    }

    /// Whether a fix is inside (bounding box first).
    #[inline]
    pub fn contains_position(&self, p: &Position) -> bool {
        self.bbox_contains(p.lat, p.lon) && self.contains(p.lat_deg(), p.lon_deg())
    }

    /// Distance from a point outside to the shape, metres; 0 inside.
    pub fn distance_outside_m(&self, lat: f64, lon: f64) -> f64 {
        match &self.geom {
            Geom::Circle {
                lat: clat,
                lon: clon,
                radius_m,
            } => (haversine_m(*clat, *clon, lat, lon) - radius_m).max(0.0),
            Geom::Polygon {
                lat: ys,
                lon: xs,
                proj,
                xy,
            } => {
                if point_in_polygon(ys, xs, lat, lon) {
                    0.0
                } else {
                    let p = proj.xy(lat, lon);
                    let n = xy.len();
                    (0..n)
                        .map(|i| seg_dist2(p, xy[i], xy[(i + 1) % n]))
                        .fold(f64::INFINITY, f64::min)
                        .sqrt()
                }
            }
            Geom::Corridor {
                proj,
                xy,
                half_width_m,
            } => {
                let p = proj.xy(lat, lon);
                let d2 = match xy.len() {
                    0 => f64::INFINITY,
                    1 => seg_dist2(p, xy[0], xy[0]),
                    _ => xy
                        .windows(2)
                        .map(|w| seg_dist2(p, w[0], w[1]))
                        .fold(f64::INFINITY, f64::min),
                };
                (d2.sqrt() - half_width_m).max(0.0)
            }
        }
    }

    /// Whether a point is inside or at most `margin_m` outside; cheaper than comparing
    /// [`distance_outside_m`](Self::distance_outside_m), since it stops at the first
    /// segment close enough.
    pub fn within_m(&self, lat: f64, lon: f64, margin_m: f64) -> bool {
        match &self.geom {
            Geom::Corridor {
                proj,
                xy,
                half_width_m,
            } => near_polyline(xy, proj.xy(lat, lon), half_width_m + margin_m),
            _ => self.distance_outside_m(lat, lon) <= margin_m,
        }
    }
}

fn extent(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    points.iter().fold(
        ([f64::MAX, f64::MAX], [f64::MIN, f64::MIN]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    )
}

/// Even-odd ray casting (W. R. Franklin's PNPOLY) with x = longitude, y = latitude.
fn point_in_polygon(ys: &[f64], xs: &[f64], y: f64, x: f64) -> bool {
    let n = ys.len().min(xs.len());
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (yi, xi, yj, xj) = (ys[i], xs[i], ys[j], xs[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Whether `p` is within `r` of the polyline `xy` (projected metres).
fn near_polyline(xy: &[[f64; 2]], p: [f64; 2], r: f64) -> bool {
    let r2 = r * r;
    match xy.len() {
        0 => false,
        1 => seg_dist2(p, xy[0], xy[0]) <= r2,
        _ => xy
            .windows(2)
            .any(|w| near_segment_box(p, w[0], w[1], r) && seg_dist2(p, w[0], w[1]) <= r2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_the_api_contract() {
        let f = Geofence {
            id: 7,
            name: "东站禁行区".into(),
            shape: Shape::Circle {
                lat: 22.0,
                lon: 113.0,
                radius_m: 500.0,
            },
            kind: FenceKind::SpeedLimit { limit_kmh: 60.0 },
            vehicle_ids: vec![],
            classes: vec!["hazmat".into()],
            active_from_min: Some(1320),
            active_to_min: Some(360),
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": 7, "name": "东站禁行区",
                "shape": {"type": "circle", "lat": 22.0, "lon": 113.0, "radius_m": 500.0},
                "kind": {"type": "speed_limit", "limit_kmh": 60.0},
                "vehicle_ids": [], "classes": ["hazmat"],
                "active_from_min": 1320, "active_to_min": 360
            })
        );
        let back: Geofence = serde_json::from_value(v).unwrap();
        assert_eq!(back, f);
        // Filters and window may be omitted.
        let min: Geofence = serde_json::from_str(
            r#"{"id":1,"name":"a","shape":{"type":"polygon","points":[[0,0],[0,1],[1,0]]},"kind":{"type":"forbidden"}}"#,
        )
        .unwrap();
        assert!(min.vehicle_ids.is_empty() && min.active_from_min.is_none());
    }

    #[test]
    fn corridor_box_is_conservative() {
        let s = PreparedShape::new(&Shape::Corridor {
            points: vec![[22.0, 113.0], [22.1, 113.1]],
            half_width_m: 200.0,
        });
        // A point just inside the buffer off the end of the line is inside the box too.
        let lat = 22.1 + 199.0 / M_PER_DEG;
        assert!(s.contains(lat, 113.1));
        assert!(s.bbox_contains((lat * 1e6) as i32, 113_100_000));
    }
}
