//! "Where is it?" for the vehicle card: the nearest named road of the basemap and the nearest
//! place, e.g. `G325 国道 · 阳江站 东北 1.2 km`. The index is built once from the operator's
//! basemap GeoJSON (the same file the console draws offline), so no geocoding service is needed.
//!
//! Segments are bucketed in a uniform grid of [`CELL_DEG`]; a lookup scans the 3 × 3 cells
//! around the point, so it costs microseconds for a city's road network.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Grid cell size in degrees (≈ 1.1 km north-south): the search radius below fits in one ring.
const CELL_DEG: f64 = 0.01;
/// A road farther than this is not "on" it.
pub const ROAD_MAX_M: f64 = 300.0;
/// Places farther than this are not worth naming.
const PLACE_MAX_M: f64 = 50_000.0;
const EARTH_M: f64 = 6_371_008.8;

#[derive(Debug, thiserror::Error)]
pub enum RoadIndexError {
    #[error("basemap is not GeoJSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("basemap feature {index}: {reason}")]
    Feature { index: usize, reason: String },
}

/// Where a fix is, as a duty officer would say it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Location {
    /// Nearest named road within [`ROAD_MAX_M`].
    pub road: Option<String>,
    /// Its class (`expressway`, `national`, ...) as in the basemap.
    pub road_class: Option<String>,
    /// Its posted limit, when the basemap has one.
    pub road_limit_kmh: Option<f64>,
    /// Distance to the road, metres.
    pub road_distance_m: Option<f64>,
    /// Nearest named place.
    pub place: Option<String>,
    /// Distance from the place, metres.
    pub place_distance_m: Option<f64>,
    /// Compass direction from the place to the fix (`北`, `东北`, ...).
    pub place_bearing: Option<String>,
    /// One line: road · place direction distance.
    pub description: String,
}

struct Road {
    name: String,
    class: Option<String>,
    limit_kmh: Option<f64>,
}

struct Place {
    name: String,
    lat: f64,
    lon: f64,
}

/// Named roads (as segments in a grid) and places of a basemap.
#[derive(Default)]
pub struct RoadIndex {
    roads: Vec<Road>,
    /// Segment endpoints [lon, lat] and the road they belong to.
    segments: Vec<([f64; 2], [f64; 2], u32)>,
    grid: HashMap<(i32, i32), Vec<u32>>,
    places: Vec<Place>,
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    features: Vec<serde_json::Value>,
}

fn cell(lon: f64, lat: f64) -> (i32, i32) {
    (
        (lon / CELL_DEG).floor() as i32,
        (lat / CELL_DEG).floor() as i32,
    )
}

fn coord(v: &serde_json::Value) -> Option<[f64; 2]> {
    let a = v.as_array()?;
    let lon = a.first()?.as_f64()?;
    let lat = a.get(1)?.as_f64()?;
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some([lon, lat])
}

impl RoadIndex {
    /// Reads LineString/MultiLineString features with a `name` as roads and named Points as
    /// places; other features (boundaries, unnamed lines) are ignored. A feature with a name but
    /// broken coordinates is an error naming the feature, so an operator's file is fixed rather
    /// than half-used.
    pub fn from_geojson(bytes: &[u8]) -> Result<RoadIndex, RoadIndexError> {
        let doc: Collection = serde_json::from_slice(bytes)?;
        let mut idx = RoadIndex::default();
        for (index, f) in doc.features.iter().enumerate() {
            let props = f.get("properties");
            let name = props
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let Some(name) = name else { continue };
            let geom = f.get("geometry");
            let kind = geom.and_then(|g| g.get("type")).and_then(|t| t.as_str());
            let coords = geom.and_then(|g| g.get("coordinates"));
            let bad = |reason: &str| RoadIndexError::Feature {
                index,
                reason: format!("{name}: {reason}"),
            };
            match (kind, coords) {
                (Some("Point"), Some(c)) => {
                    let [lon, lat] = coord(c).ok_or_else(|| bad("point is not [lon, lat]"))?;
                    idx.places.push(Place {
                        name: name.to_string(),
                        lat,
                        lon,
                    });
                }
                (Some(k @ ("LineString" | "MultiLineString")), Some(c)) => {
                    let lines: Vec<&serde_json::Value> = if k == "LineString" {
                        vec![c]
                    } else {
                        c.as_array()
                            .ok_or_else(|| bad("coordinates are not an array"))?
                            .iter()
                            .collect()
                    };
                    let road = u32::try_from(idx.roads.len()).map_err(|_| bad("too many roads"))?;
                    idx.roads.push(Road {
                        name: name.to_string(),
                        class: props
                            .and_then(|p| p.get("class"))
                            .and_then(|c| c.as_str())
                            .map(str::to_string),
                        limit_kmh: props
                            .and_then(|p| p.get("limit_kmh"))
                            .and_then(|c| c.as_f64()),
                    });
                    for line in lines {
                        let pts = line
                            .as_array()
                            .ok_or_else(|| bad("line is not an array of positions"))?
                            .iter()
                            .map(|c| coord(c).ok_or_else(|| bad("position is not [lon, lat]")))
                            .collect::<Result<Vec<_>, _>>()?;
                        for w in pts.windows(2) {
                            idx.add_segment(w[0], w[1], road);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(idx)
    }

    fn add_segment(&mut self, a: [f64; 2], b: [f64; 2], road: u32) {
        let Ok(i) = u32::try_from(self.segments.len()) else {
            return;
        };
        self.segments.push((a, b, road));
        let (x0, y0) = cell(a[0].min(b[0]), a[1].min(b[1]));
        let (x1, y1) = cell(a[0].max(b[0]), a[1].max(b[1]));
        for x in x0..=x1 {
            for y in y0..=y1 {
                self.grid.entry((x, y)).or_default().push(i);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.roads.is_empty() && self.places.is_empty()
    }

    /// The road and place description of a point.
    pub fn locate(&self, lat: f64, lon: f64) -> Location {
        let road = self.nearest_road(lat, lon);
        let place = self.nearest_place(lat, lon);
        let mut parts = Vec::new();
        if let Some((r, _)) = road {
            parts.push(r.name.clone());
        }
        if let Some((p, d)) = place {
            parts.push(format!(
                "{} {} {}",
                p.name,
                bearing_name(p.lat, p.lon, lat, lon, d),
                distance_text(d)
            ));
        }
        Location {
            road: road.map(|(r, _)| r.name.clone()),
            road_class: road.and_then(|(r, _)| r.class.clone()),
            road_limit_kmh: road.and_then(|(r, _)| r.limit_kmh),
            road_distance_m: road.map(|(_, d)| d.round()),
            place: place.map(|(p, _)| p.name.clone()),
            place_distance_m: place.map(|(_, d)| d.round()),
            place_bearing: place.map(|(p, d)| bearing_name(p.lat, p.lon, lat, lon, d).to_string()),
            description: parts.join(" · "),
        }
    }

    fn nearest_road(&self, lat: f64, lon: f64) -> Option<(&Road, f64)> {
        let (cx, cy) = cell(lon, lat);
        let mut best: Option<(u32, f64)> = None;
        for x in cx - 1..=cx + 1 {
            for y in cy - 1..=cy + 1 {
                for &s in self.grid.get(&(x, y)).into_iter().flatten() {
                    let (a, b, road) = self.segments[s as usize];
                    let d = segment_distance_m(lat, lon, a, b);
                    if d <= ROAD_MAX_M && best.is_none_or(|(_, bd)| d < bd) {
                        best = Some((road, d));
                    }
                }
            }
        }
        best.map(|(r, d)| (&self.roads[r as usize], d))
    }

    fn nearest_place(&self, lat: f64, lon: f64) -> Option<(&Place, f64)> {
        self.places
            .iter()
            .map(|p| (p, haversine_m(lat, lon, p.lat, p.lon)))
            .filter(|(_, d)| *d <= PLACE_MAX_M)
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_M * h.sqrt().asin()
}

/// Distance from a point to a segment on a local equirectangular plane (exact enough within
/// a few kilometres, which is all [`ROAD_MAX_M`] asks).
fn segment_distance_m(lat: f64, lon: f64, a: [f64; 2], b: [f64; 2]) -> f64 {
    let k = lat.to_radians().cos();
    let to_xy = |p: [f64; 2]| {
        (
            (p[0] - lon).to_radians() * k * EARTH_M,
            (p[1] - lat).to_radians() * EARTH_M,
        )
    };
    let (ax, ay) = to_xy(a);
    let (bx, by) = to_xy(b);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        ((-ax * dx - ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (ax + t * dx, ay + t * dy);
    (px * px + py * py).sqrt()
}

/// The eight-point compass name of the direction from the place to the fix; `附近` when the
/// fix is practically at the place.
fn bearing_name(from_lat: f64, from_lon: f64, lat: f64, lon: f64, dist_m: f64) -> &'static str {
    if dist_m < 100.0 {
        return "附近";
    }
    let k = from_lat.to_radians().cos();
    let east = (lon - from_lon) * k;
    let north = lat - from_lat;
    let deg = east.atan2(north).to_degrees().rem_euclid(360.0);
    const NAMES: [&str; 8] = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"];
    NAMES[(((deg + 22.5) / 45.0) as usize) % 8]
}

fn distance_text(m: f64) -> String {
    if m < 100.0 {
        String::new()
    } else if m < 1000.0 {
        format!("{} m", (m / 10.0).round() * 10.0)
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RoadIndex {
        let doc = serde_json::json!({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": "G325 国道", "class": "national", "limit_kmh": 80},
                 "geometry": {"type": "LineString", "coordinates": [[111.90, 21.85], [112.00, 21.85]]}},
                {"type": "Feature", "properties": {"name": "S113 省道", "class": "provincial"},
                 "geometry": {"type": "MultiLineString", "coordinates": [[[111.95, 21.80], [111.95, 21.84]]]}},
                {"type": "Feature", "properties": {"name": "阳江站"},
                 "geometry": {"type": "Point", "coordinates": [111.95, 21.86]}},
                {"type": "Feature", "properties": {},
                 "geometry": {"type": "LineString", "coordinates": [[111.0, 21.0], [113.0, 23.0]]}},
                {"type": "Feature", "properties": {"name": "boundary"},
                 "geometry": {"type": "Polygon", "coordinates": [[[111.0, 21.0], [112.0, 21.0], [112.0, 22.0], [111.0, 21.0]]]}}
            ]
        });
        RoadIndex::from_geojson(serde_json::to_vec(&doc).unwrap().as_slice()).unwrap()
    }

    #[test]
    fn nearest_named_road_and_place() {
        let idx = sample();
        // 0.001° north of G325 ≈ 111 m; the unnamed diagonal line is ignored.
        let l = idx.locate(21.851, 111.93);
        assert_eq!(l.road.as_deref(), Some("G325 国道"));
        assert_eq!(l.road_class.as_deref(), Some("national"));
        assert_eq!(l.road_limit_kmh, Some(80.0));
        let d = l.road_distance_m.unwrap();
        assert!((105.0..=117.0).contains(&d), "{d}");
        assert_eq!(l.place.as_deref(), Some("阳江站"));
        // The fix is west-south-west of the station: 2.06 km west, 0.99 km south → 西南.
        assert_eq!(l.place_bearing.as_deref(), Some("西南"));
        assert!(
            l.description.starts_with("G325 国道 · 阳江站 西南 2."),
            "{}",
            l.description
        );
    }

    #[test]
    fn the_closer_road_wins_and_far_roads_are_not_named() {
        let idx = sample();
        // 50 m east of S113, 1.1 km south of G325.
        let l = idx.locate(21.84, 111.9505);
        assert_eq!(l.road.as_deref(), Some("S113 省道"));
        // 400 m from any road: no road, only the place.
        let l = idx.locate(21.8536, 111.97);
        assert_eq!(l.road, None);
        assert!(l.description.starts_with("阳江站 "), "{}", l.description);
        // Far away: nothing at all.
        let l = idx.locate(30.0, 120.0);
        assert_eq!(l.road, None);
        assert_eq!(l.place, None);
        assert_eq!(l.description, "");
    }

    #[test]
    fn bad_files_name_the_feature() {
        assert!(matches!(
            RoadIndex::from_geojson(b"not json"),
            Err(RoadIndexError::Json(_))
        ));
        let doc = br#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"name":"X1"},"geometry":{"type":"LineString","coordinates":[[1,2],["a",3]]}}]}"#;
        let e = RoadIndex::from_geojson(doc).err().unwrap().to_string();
        assert_eq!(e, "basemap feature 1: X1: position is not [lon, lat]");
    }

    #[test]
    fn bearings() {
        assert_eq!(bearing_name(0.0, 0.0, 1.0, 0.0, 1e5), "北");
        assert_eq!(bearing_name(0.0, 0.0, 0.0, 1.0, 1e5), "东");
        assert_eq!(bearing_name(0.0, 0.0, -1.0, -1.0, 1e5), "西南");
        assert_eq!(bearing_name(0.0, 0.0, 0.0, 0.0, 50.0), "附近");
        assert_eq!(distance_text(1234.0), "1.2 km");
        assert_eq!(distance_text(456.0), "460 m");
    }
}
