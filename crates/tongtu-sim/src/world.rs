//! The demo city's geography: roads with class and speed limits, places (stations, port
//! berths, hazardous-goods plants, freight sites, scenic spots), blind areas without mobile
//! coverage, and a router (Dijkstra by travel time) over the road graph.
//!
//! The geometry lives in `data/world.json` (hand-built: no map service is reachable). Roads
//! share junctions by name, which is what makes the graph connected; a test checks that every
//! place reaches every other.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

/// The bundled demo world.
pub const WORLD_JSON: &str = include_str!("../data/world.json");

/// Mean Earth radius used for distances (m).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Speed limit of the short access roads between a place and its junction (km/h).
const ACCESS_LIMIT_KMH: f64 = 30.0;

#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("world data is not valid JSON: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("road {road:?} or place refers to unknown junction {junction:?}")]
    UnknownJunction { road: String, junction: String },
    #[error("road {0:?} has fewer than two points")]
    ShortRoad(String),
    #[error("no place with id {0:?}")]
    UnknownPlace(String),
    #[error("no route from {from:?} to {to:?}")]
    NoRoute { from: String, to: String },
}

/// A WGS-84 coordinate in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f64; 2]", into = "[f64; 2]")]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl From<[f64; 2]> for LonLat {
    fn from([lon, lat]: [f64; 2]) -> Self {
        LonLat { lon, lat }
    }
}

impl From<LonLat> for [f64; 2] {
    fn from(p: LonLat) -> Self {
        [p.lon, p.lat]
    }
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, o: LonLat) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), o.lat.to_radians());
        let dp = p2 - p1;
        let dl = (o.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }

    /// Initial bearing towards `o`, degrees 0–359 clockwise from north.
    pub fn bearing_deg(self, o: LonLat) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), o.lat.to_radians());
        let dl = (o.lon - self.lon).to_radians();
        let y = dl.sin() * p2.cos();
        let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
        (y.atan2(x).to_degrees() + 360.0) % 360.0
    }

    /// The point a fraction `f` (0..=1) of the way to `o` (linear: segments are short).
    pub fn lerp(self, o: LonLat, f: f64) -> LonLat {
        LonLat {
            lon: self.lon + (o.lon - self.lon) * f,
            lat: self.lat + (o.lat - self.lat) * f,
        }
    }

    /// The point `m` metres away along `bearing_deg` (flat approximation, fine below 100 km).
    pub fn offset_m(self, bearing_deg: f64, m: f64) -> LonLat {
        let b = bearing_deg.to_radians();
        let dlat = m * b.cos() / EARTH_RADIUS_M;
        let dlon = m * b.sin() / (EARTH_RADIUS_M * self.lat.to_radians().cos());
        LonLat {
            lon: self.lon + dlon.to_degrees(),
            lat: self.lat + dlat.to_degrees(),
        }
    }

    /// Distance in metres from this point to the segment `a`–`b` (local flat projection).
    pub fn distance_to_segment_m(self, a: LonLat, b: LonLat) -> f64 {
        let k = self.lat.to_radians().cos();
        let (ax, ay) = ((a.lon - self.lon) * k, a.lat - self.lat);
        let (bx, by) = ((b.lon - self.lon) * k, b.lat - self.lat);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
        };
        let (px, py) = (ax + t * dx, ay + t * dy);
        (px * px + py * py).sqrt().to_radians() * EARTH_RADIUS_M
    }
}

/// Road class, from expressway down to port-internal roads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadClass {
    Expressway,
    National,
    Provincial,
    County,
    Urban,
    Port,
    /// The short link between a place and its junction (not in the data file).
    Access,
}

/// A road as a polyline.
#[derive(Debug, Clone, Serialize)]
pub struct Road {
    pub name: String,
    pub class: RoadClass,
    /// Limit for passenger vehicles (km/h).
    pub limit_kmh: f64,
    /// Limit for freight and hazardous-goods vehicles (km/h), when lower.
    pub truck_limit_kmh: Option<f64>,
    /// Part of the permitted hazardous-goods network.
    pub hazmat: bool,
    pub points: Vec<LonLat>,
}

impl Road {
    /// The limit that applies to a passenger (`truck == false`) or freight vehicle.
    pub fn limit_for(&self, truck: bool) -> f64 {
        match (truck, self.truck_limit_kmh) {
            (true, Some(l)) => l,
            _ => self.limit_kmh,
        }
    }
}

/// What a place is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Station,
    ExternalStation,
    Scenic,
    Berth,
    HazmatPlant,
    Freight,
    Depot,
    /// A bare junction used as a waypoint.
    Junction,
}

/// A place vehicles start from, stop at or pass through.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    pub at: LonLat,
    /// Graph node the access road joins.
    #[serde(skip)]
    pub node: usize,
    /// The access road may be used by hazardous-goods vehicles.
    pub hazmat: bool,
}

/// An area without mobile coverage: terminals there keep recording but cannot send, and
/// upload what they recorded as a 0x0704 blind-area batch once back in coverage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlindArea {
    pub name: String,
    pub at: LonLat,
    pub radius_m: f64,
}

#[derive(Deserialize)]
struct WorldFile {
    name: String,
    junctions: HashMap<String, LonLat>,
    roads: Vec<RoadFile>,
    places: Vec<PlaceFile>,
    blind_areas: Vec<BlindArea>,
    regions: HashMap<String, LonLat>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Vertex {
    Junction(String),
    Point(LonLat),
}

#[derive(Deserialize)]
struct RoadFile {
    name: String,
    class: RoadClass,
    limit_kmh: f64,
    truck_limit_kmh: Option<f64>,
    hazmat: bool,
    points: Vec<Vertex>,
}

#[derive(Deserialize)]
struct PlaceFile {
    id: String,
    name: String,
    kind: PlaceKind,
    at: LonLat,
    attach: String,
    #[serde(default)]
    hazmat: bool,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    to: usize,
    road: usize,
    length_m: f64,
}

/// Which vehicle is routed: decides the applicable limits and the permitted roads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteOptions {
    /// Freight or hazardous-goods vehicle (truck limits apply).
    pub truck: bool,
    /// Only roads of the permitted hazardous-goods network.
    pub hazmat_only: bool,
}

/// One straight piece of a route.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub from: LonLat,
    pub to: LonLat,
    pub length_m: f64,
    /// Index into [`World::roads`]; `None` for an access road.
    pub road: Option<usize>,
    pub class: RoadClass,
    /// The limit for the routed vehicle (km/h).
    pub limit_kmh: f64,
    /// On the permitted hazardous-goods network.
    pub hazmat: bool,
}

/// A route as consecutive segments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    pub segments: Vec<Segment>,
}

impl Route {
    pub fn length_m(&self) -> f64 {
        self.segments.iter().map(|s| s.length_m).sum()
    }

    /// Travel time at the limits, seconds (a lower bound for planning).
    pub fn time_at_limits_s(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.length_m / (s.limit_kmh / 3.6))
            .sum()
    }

    /// Appends `other` (which must start where this route ends).
    pub fn extend(&mut self, other: Route) {
        self.segments.extend(other.segments);
    }
}

/// The demo city.
#[derive(Debug)]
pub struct World {
    pub name: String,
    pub roads: Vec<Road>,
    pub places: Vec<Place>,
    pub blind_areas: Vec<BlindArea>,
    /// Division code → centre of the region.
    pub regions: HashMap<String, LonLat>,
    junctions: HashMap<String, usize>,
    nodes: Vec<LonLat>,
    adjacency: Vec<Vec<Edge>>,
}

impl World {
    /// Position of a graph node (a junction, or where a place's access road joins).
    pub fn node_at(&self, node: usize) -> Option<LonLat> {
        self.nodes.get(node).copied()
    }

    /// The bundled demo world, parsed once.
    pub fn demo() -> Arc<World> {
        static DEMO: OnceLock<Arc<World>> = OnceLock::new();
        DEMO.get_or_init(|| {
            // The data file is compiled in and a unit test parses it, so failing here is a
            // build defect, not an input error.
            Arc::new(World::load(WORLD_JSON).expect("bundled data/world.json is valid"))
        })
        .clone()
    }

    /// Parses a world file and builds the road graph.
    pub fn load(json: &str) -> Result<World, WorldError> {
        let file: WorldFile = serde_json::from_str(json)?;
        let mut nodes = Vec::new();
        let mut junctions = HashMap::new();
        // Sorted so that node numbering (and thus tie-breaking in routing) is deterministic.
        let mut names: Vec<_> = file.junctions.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, at) in names {
            junctions.insert(name.clone(), nodes.len());
            nodes.push(*at);
        }
        let mut adjacency: Vec<Vec<Edge>> = vec![Vec::new(); nodes.len()];
        let mut roads = Vec::with_capacity(file.roads.len());
        for (ri, r) in file.roads.into_iter().enumerate() {
            if r.points.len() < 2 {
                return Err(WorldError::ShortRoad(r.name));
            }
            let mut ids = Vec::with_capacity(r.points.len());
            for v in &r.points {
                let id = match v {
                    Vertex::Junction(j) => {
                        *junctions
                            .get(j)
                            .ok_or_else(|| WorldError::UnknownJunction {
                                road: r.name.clone(),
                                junction: j.clone(),
                            })?
                    }
                    Vertex::Point(p) => {
                        nodes.push(*p);
                        adjacency.push(Vec::new());
                        nodes.len() - 1
                    }
                };
                ids.push(id);
            }
            for w in ids.windows(2) {
                let (a, b) = (w[0], w[1]);
                let length_m = nodes[a].distance_m(nodes[b]);
                adjacency[a].push(Edge {
                    to: b,
                    road: ri,
                    length_m,
                });
                adjacency[b].push(Edge {
                    to: a,
                    road: ri,
                    length_m,
                });
            }
            roads.push(Road {
                name: r.name,
                class: r.class,
                limit_kmh: r.limit_kmh,
                truck_limit_kmh: r.truck_limit_kmh,
                hazmat: r.hazmat,
                points: ids.iter().map(|&i| nodes[i]).collect(),
            });
        }
        let mut places = Vec::with_capacity(file.places.len());
        for p in file.places {
            let node = *junctions
                .get(&p.attach)
                .ok_or_else(|| WorldError::UnknownJunction {
                    road: format!("place {}", p.id),
                    junction: p.attach.clone(),
                })?;
            places.push(Place {
                id: p.id,
                name: p.name,
                kind: p.kind,
                at: p.at,
                node,
                hazmat: p.hazmat,
            });
        }
        Ok(World {
            name: file.name,
            roads,
            places,
            blind_areas: file.blind_areas,
            regions: file.regions,
            junctions,
            nodes,
            adjacency,
        })
    }

    /// The place with id `id`.
    pub fn place(&self, id: &str) -> Result<&Place, WorldError> {
        self.places
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| WorldError::UnknownPlace(id.to_string()))
    }

    /// Places of one kind, in file order.
    pub fn places_of(&self, kind: PlaceKind) -> Vec<&Place> {
        self.places.iter().filter(|p| p.kind == kind).collect()
    }

    /// A junction as a waypoint place (e.g. to force a detour through it).
    pub fn junction(&self, id: &str) -> Result<Place, WorldError> {
        let node = *self
            .junctions
            .get(id)
            .ok_or_else(|| WorldError::UnknownPlace(id.to_string()))?;
        Ok(Place {
            id: id.to_string(),
            name: id.to_string(),
            kind: PlaceKind::Junction,
            at: self.nodes[node],
            node,
            hazmat: true,
        })
    }

    /// The graph node nearest to `at`, optionally only nodes on the hazardous-goods network.
    pub fn nearest_node(&self, at: LonLat, hazmat_only: bool) -> usize {
        let mut best = (f64::INFINITY, 0);
        for (i, n) in self.nodes.iter().enumerate() {
            if hazmat_only && !self.adjacency[i].iter().any(|e| self.roads[e.road].hazmat) {
                continue;
            }
            // Depots do not open onto an expressway between interchanges, and isolated
            // junctions are useless for routing.
            if self.adjacency[i]
                .iter()
                .all(|e| self.roads[e.road].class == RoadClass::Expressway)
            {
                continue;
            }
            let d = at.distance_m(*n);
            if d < best.0 {
                best = (d, i);
            }
        }
        best.1
    }

    /// The depot of the `enterprise`-th enterprise, derived deterministically from its
    /// region centre so that it is the same in every run. Hazardous-goods depots sit next
    /// to the permitted network, so that their vehicles never need a forbidden road.
    pub fn depot(&self, enterprise: usize, region_code: &str, name: &str, hazmat: bool) -> Place {
        let centre = self
            .regions
            .get(region_code)
            .copied()
            .unwrap_or(LonLat::new(111.975, 21.855));
        // Golden-angle spiral: distinct, spread-out depots for enterprises of one region.
        let bearing = (enterprise as f64 * 137.507_764) % 360.0;
        let radius = 600.0 + (enterprise % 7) as f64 * 450.0;
        let guess = centre.offset_m(bearing, radius);
        let node = self.nearest_node(guess, hazmat);
        let at = self.nodes[node].offset_m(bearing, 250.0);
        Place {
            id: format!("DEPOT_{enterprise}"),
            name: name.to_string(),
            kind: PlaceKind::Depot,
            at,
            node,
            hazmat,
        }
    }

    /// The permitted hazardous-goods routes: the fastest route on the permitted network
    /// from every hazardous-goods berth to every plant (what a rules engine or a 0x8606
    /// route setting checks deviations against).
    pub fn permitted_hazmat_routes(&self) -> Vec<(String, String, Route)> {
        let opts = RouteOptions {
            truck: true,
            hazmat_only: true,
        };
        let mut out = Vec::new();
        for berth in self
            .places
            .iter()
            .filter(|p| p.kind == PlaceKind::Berth && p.hazmat)
        {
            for plant in self.places_of(PlaceKind::HazmatPlant) {
                if let Ok(r) = self.route(berth, plant, opts) {
                    out.push((berth.id.clone(), plant.id.clone(), r));
                }
            }
        }
        out
    }

    /// The blind area containing `p`, if any.
    pub fn blind_area_at(&self, p: LonLat) -> Option<&BlindArea> {
        self.blind_areas
            .iter()
            .find(|b| b.at.distance_m(p) <= b.radius_m)
    }

    /// Distance in metres from `p` to the nearest road of the hazardous-goods network
    /// (its roads and the access roads of berths and plants).
    pub fn distance_to_hazmat_network_m(&self, p: LonLat) -> f64 {
        let roads = self
            .roads
            .iter()
            .filter(|r| r.hazmat)
            .flat_map(|r| r.points.windows(2))
            .map(|w| p.distance_to_segment_m(w[0], w[1]));
        let access = self
            .places
            .iter()
            .filter(|pl| pl.hazmat)
            .map(|pl| p.distance_to_segment_m(pl.at, self.nodes[pl.node]));
        roads.chain(access).fold(f64::INFINITY, f64::min)
    }

    /// The permitted hazardous-goods network as polylines (roads, then access roads), for
    /// the rules and the map.
    pub fn hazmat_network(&self) -> Vec<Vec<LonLat>> {
        let roads = self
            .roads
            .iter()
            .filter(|r| r.hazmat)
            .map(|r| r.points.clone());
        let access = self
            .places
            .iter()
            .filter(|pl| pl.hazmat)
            .map(|pl| vec![pl.at, self.nodes[pl.node]]);
        roads.chain(access).collect()
    }

    /// Fastest route (by travel time at the applicable limits) from `from` to `to`,
    /// including the access roads at both ends.
    pub fn route(&self, from: &Place, to: &Place, opts: RouteOptions) -> Result<Route, WorldError> {
        let nodes = self
            .shortest_nodes(from.node, to.node, opts)
            .ok_or_else(|| WorldError::NoRoute {
                from: from.id.clone(),
                to: to.id.clone(),
            })?;
        let mut segments = Vec::with_capacity(nodes.len() + 2);
        let access = |a: LonLat, b: LonLat, hazmat: bool| Segment {
            from: a,
            to: b,
            length_m: a.distance_m(b),
            road: None,
            class: RoadClass::Access,
            limit_kmh: ACCESS_LIMIT_KMH,
            hazmat,
        };
        if from.at != self.nodes[from.node] {
            segments.push(access(from.at, self.nodes[from.node], from.hazmat));
        }
        for w in nodes.windows(2) {
            let (a, edge) = w[0];
            let (b, _) = w[1];
            let Some(ri) = edge else { continue };
            let road = &self.roads[ri];
            segments.push(Segment {
                from: self.nodes[a],
                to: self.nodes[b],
                length_m: self.nodes[a].distance_m(self.nodes[b]),
                road: Some(ri),
                class: road.class,
                limit_kmh: road.limit_for(opts.truck),
                hazmat: road.hazmat,
            });
        }
        if to.at != self.nodes[to.node] {
            segments.push(access(self.nodes[to.node], to.at, to.hazmat));
        }
        Ok(Route { segments })
    }

    /// Route through `via` in order (e.g. a forced detour).
    pub fn route_via(&self, stops: &[&Place], opts: RouteOptions) -> Result<Route, WorldError> {
        let mut out = Route::default();
        for w in stops.windows(2) {
            out.extend(self.route(w[0], w[1], opts)?);
        }
        Ok(out)
    }

    /// Dijkstra from `src` to `dst`; returns (node, road of the edge that reached the *next*
    /// node) pairs, i.e. `[(src, Some(r1)), (n1, Some(r2)), …, (dst, None)]`.
    fn shortest_nodes(
        &self,
        src: usize,
        dst: usize,
        opts: RouteOptions,
    ) -> Option<Vec<(usize, Option<usize>)>> {
        let n = self.nodes.len();
        let mut best = vec![u64::MAX; n];
        let mut prev: Vec<Option<(usize, usize)>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        best[src] = 0;
        heap.push(Reverse((0u64, src)));
        while let Some(Reverse((cost, u))) = heap.pop() {
            if u == dst {
                break;
            }
            if cost > best[u] {
                continue;
            }
            for e in &self.adjacency[u] {
                let road = &self.roads[e.road];
                if opts.hazmat_only && !road.hazmat {
                    continue;
                }
                // Milliseconds at the limit: integer costs keep the order total and exact.
                let ms = (e.length_m / (road.limit_for(opts.truck) / 3.6) * 1000.0) as u64;
                let c = cost + ms;
                if c < best[e.to] {
                    best[e.to] = c;
                    prev[e.to] = Some((u, e.road));
                    heap.push(Reverse((c, e.to)));
                }
            }
        }
        if best[dst] == u64::MAX {
            return None;
        }
        let mut out = vec![(dst, None)];
        let mut at = dst;
        while let Some((p, road)) = prev[at] {
            out.push((p, Some(road)));
            at = p;
        }
        out.reverse();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_world_parses_and_lies_in_the_demo_city() {
        let w = World::demo();
        assert!(w.roads.len() >= 15);
        assert!(w.places_of(PlaceKind::Station).len() >= 3);
        assert!(w.places_of(PlaceKind::HazmatPlant).len() >= 2);
        assert!(w.places_of(PlaceKind::Berth).len() >= 2);
        for p in &w.places {
            if p.kind != PlaceKind::ExternalStation {
                assert!(
                    (111.3..=112.3).contains(&p.at.lon) && (21.55..=22.4).contains(&p.at.lat),
                    "{} lies outside the city",
                    p.id
                );
            }
        }
        let classes: Vec<_> = w.roads.iter().map(|r| r.class).collect();
        for c in [
            RoadClass::Expressway,
            RoadClass::National,
            RoadClass::Provincial,
            RoadClass::County,
            RoadClass::Urban,
        ] {
            assert!(classes.contains(&c), "{c:?} missing");
        }
    }

    #[test]
    fn every_place_reaches_every_other_and_routes_are_contiguous() {
        let w = World::demo();
        for a in &w.places {
            for b in &w.places {
                let r = w
                    .route(a, b, RouteOptions::default())
                    .unwrap_or_else(|e| panic!("{e}"));
                if a.id == b.id {
                    continue;
                }
                assert!(!r.segments.is_empty());
                assert_eq!(r.segments[0].from, a.at);
                assert_eq!(r.segments.last().map(|s| s.to), Some(b.at));
                for s in r.segments.windows(2) {
                    assert_eq!(s[0].to, s[1].from, "{} → {}", a.id, b.id);
                }
            }
        }
    }

    #[test]
    fn router_prefers_the_expressway_for_long_trips() {
        let w = World::demo();
        let a = w.place("ST_YANGXI").unwrap();
        let b = w.place("EX_GUANGZHOU").unwrap();
        let r = w.route(a, b, RouteOptions::default()).unwrap();
        assert!(r.segments.iter().any(|s| s.class == RoadClass::Expressway));
        // Sanity of the geometry: the route is not much longer than the crow flies.
        let crow = a.at.distance_m(b.at);
        assert!(r.length_m() > crow && r.length_m() < crow * 1.6);
        let truck = w
            .route(
                a,
                b,
                RouteOptions {
                    truck: true,
                    hazmat_only: false,
                },
            )
            .unwrap();
        assert!(truck.time_at_limits_s() >= r.time_at_limits_s());
    }

    #[test]
    fn hazmat_routes_stay_on_the_permitted_network() {
        let w = World::demo();
        let opts = RouteOptions {
            truck: true,
            hazmat_only: true,
        };
        for berth in w.places_of(PlaceKind::Berth) {
            for plant in w.places_of(PlaceKind::HazmatPlant) {
                let r = w.route(berth, plant, opts).unwrap();
                assert!(r.segments.iter().all(|s| s.hazmat), "{}", plant.id);
                for s in &r.segments {
                    assert!(w.distance_to_hazmat_network_m(s.from) < 1_000.0);
                }
            }
        }
        assert_eq!(
            w.permitted_hazmat_routes().len(),
            w.places_of(PlaceKind::Berth).len() * w.places_of(PlaceKind::HazmatPlant).len()
        );
        // And the city centre is off that network.
        let centre = w.junction("J_U3").unwrap();
        assert!(w.distance_to_hazmat_network_m(centre.at) > 1_000.0);
    }

    #[test]
    fn depots_are_deterministic_and_hazmat_depots_touch_the_network() {
        let w = World::demo();
        let a = w.depot(3, "441702", "x", false);
        let b = w.depot(3, "441702", "x", false);
        assert_eq!(a.at, b.at);
        assert_ne!(a.at, w.depot(4, "441702", "x", false).at);
        for region in w.regions.keys() {
            let d = w.depot(20, region, "x", true);
            let berth = w.place("PORT_B1").unwrap();
            let r = w
                .route(
                    &d,
                    berth,
                    RouteOptions {
                        truck: true,
                        hazmat_only: true,
                    },
                )
                .unwrap();
            assert!(r.segments.iter().all(|s| s.hazmat));
        }
    }

    #[test]
    fn geometry_helpers() {
        let a = LonLat::new(111.9, 21.8);
        let b = a.offset_m(90.0, 10_000.0);
        assert!((a.distance_m(b) - 10_000.0).abs() < 20.0);
        assert!((a.bearing_deg(b) - 90.0).abs() < 0.5);
        let mid = a.lerp(b, 0.5);
        assert!(mid.distance_to_segment_m(a, b) < 1.0);
        assert!((mid.offset_m(0.0, 500.0).distance_to_segment_m(a, b) - 500.0).abs() < 5.0);
        assert!(w_has_blind_area());
    }

    fn w_has_blind_area() -> bool {
        let w = World::demo();
        w.blind_area_at(LonLat::new(111.89, 22.06)).is_some()
            && w.blind_area_at(LonLat::new(111.97, 21.86)).is_none()
    }
}
