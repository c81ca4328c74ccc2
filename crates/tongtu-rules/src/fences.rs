//! Geofence rules in the engine: the compiled fence set with its spatial grid, the
//! per-vehicle fence state machines (enter/leave, forbidden zone), the vehicle's permitted
//! route network (route deviation), and the posted speed limit in force at a fix (judged by
//! the engine's speeding rule, see [`Zone`]).
//!
//! Cost model: the engine runs at millions of fixes per second, so a fix far from every
//! fence must cost a grid lookup and nothing more. Per vehicle only the fences with
//! something to remember (inside, an open alarm) have a state entry; a fence without one is
//! "outside, idle", which is what the grid tells for every fence it does not list. Speed
//! limit zones remember nothing (the limit in force is a function of the fix). Route
//! deviation fences are the exception — outside is their alarm condition — so they are
//! checked on every good fix of the vehicles they apply to, as one network with one state.

use std::collections::HashMap;

use tongtu_track::Position;

use crate::config::{in_window, ClassRules};
use crate::engine::{alarm, close, end, in_operation, keep_open, Alarm, Event, Rule, Severity};
use crate::geofence::{FenceKind, Geofence, PreparedShape};

/// A fence ready for evaluation.
struct Compiled {
    id: u32,
    name: String,
    kind: FenceKind,
    window: Option<(u32, u32)>,
    /// Sorted, for binary search.
    vehicle_ids: Vec<u32>,
    /// Class codes as indices into [`FenceSet::class_codes`].
    classes: Vec<u32>,
    /// No filter: applies to every vehicle (the common case, checked first).
    everyone: bool,
    shape: PreparedShape,
}

impl Compiled {
    #[inline]
    fn applies_to(&self, vehicle_id: u32, class: u32) -> bool {
        self.everyone
            || ((self.vehicle_ids.is_empty()
                || self.vehicle_ids.binary_search(&vehicle_id).is_ok())
                && (self.classes.is_empty() || self.classes.contains(&class)))
    }

    fn active_at(&self, minute: u32) -> bool {
        self.window
            .is_none_or(|(from, to)| in_window(minute, from, to))
    }
}

/// All fences of a configuration, compiled, with a grid over their bounding boxes.
pub(crate) struct FenceSet {
    fences: Vec<Compiled>,
    /// The class codes the fences name, interned: a vehicle keeps its class as an index
    /// (no per-fix string compares, no per-vehicle allocation).
    class_codes: Vec<String>,
    /// Fence id → index.
    by_id: HashMap<u32, u32>,
    grid: Grid,
    /// Route-deviation fences (indices): never pruned by the grid.
    deviation: Vec<u32>,
}

impl FenceSet {
    /// Compiles the valid fences; an invalid one (see [`Geofence::validate`]) or a repeated
    /// id is skipped, since the engine cannot report errors — the settings layer validates
    /// with [`crate::RuleConfig::validate_geofences`] before saving.
    pub(crate) fn new(defs: &[Geofence]) -> FenceSet {
        let mut fences: Vec<Compiled> = Vec::new();
        let mut class_codes: Vec<String> = Vec::new();
        for f in defs {
            if f.validate().is_err() || fences.iter().any(|c| c.id == f.id) {
                continue;
            }
            let mut vehicle_ids = f.vehicle_ids.clone();
            vehicle_ids.sort_unstable();
            vehicle_ids.dedup();
            let classes = f
                .classes
                .iter()
                .map(|c| match class_codes.iter().position(|k| k == c) {
                    Some(i) => i as u32,
                    None => {
                        class_codes.push(c.clone());
                        class_codes.len() as u32 - 1
                    }
                })
                .collect();
            fences.push(Compiled {
                id: f.id,
                name: f.name.clone(),
                kind: f.kind,
                window: f.active_from_min.zip(f.active_to_min),
                everyone: vehicle_ids.is_empty() && f.classes.is_empty(),
                vehicle_ids,
                classes,
                shape: PreparedShape::new(&f.shape),
            });
        }
        let deviation = (0..fences.len() as u32)
            .filter(|&i| fences[i as usize].kind == FenceKind::RouteDeviation)
            .collect();
        let grid = Grid::new(&fences);
        let by_id = (0..fences.len() as u32)
            .map(|i| (fences[i as usize].id, i))
            .collect();
        FenceSet {
            fences,
            class_codes,
            by_id,
            grid,
            deviation,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fences.is_empty()
    }

    /// Name of a fence (the alarms' detail); empty for an id no longer configured.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.by_id
            .get(&id)
            .map_or("", |&i| self.fences[i as usize].name.as_str())
    }

    /// Index of a class code; a class no fence names gets one that matches nothing.
    fn class_index(&self, class: &str) -> u32 {
        self.class_codes
            .iter()
            .position(|c| c == class)
            .map_or(u32::MAX, |i| i as u32)
    }
}

/// Uniform grid over the fences' bounding boxes (1e-6 degree), each cell listing the fences
/// whose box overlaps it (CSR layout).
struct Grid {
    /// South-west corner.
    lat0: i64,
    lon0: i64,
    /// Extent beyond the corner (inclusive).
    span_lat: u64,
    span_lon: u64,
    /// ⌊2³² / cell side⌋: cell = offset × mul >> 32, integer-only and monotonic.
    mul_lat: u64,
    mul_lon: u64,
    nx: usize,
    ny: usize,
    starts: Vec<u32>,
    items: Vec<u32>,
    /// Fences covering too many cells (a whole district): box-checked on every fix instead.
    big: Vec<u32>,
}

/// Cells per axis at most; keeps the grid ≤ 1 M cells whatever the fences' spread.
const MAX_CELLS_PER_AXIS: i64 = 1024;
/// A fence overlapping more cells than this goes to the `big` list.
const MAX_CELLS_PER_FENCE: i64 = 256;
/// Smallest cell side, 1e-6 degree (≈ 110 m): finer cells only cost memory.
const MIN_CELL: i64 = 1_000;

impl Grid {
    fn new(fences: &[Compiled]) -> Grid {
        let boxes: Vec<(u32, [i64; 4])> = fences
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind != FenceKind::RouteDeviation)
            .map(|(i, f)| (i as u32, f.shape.bbox().map(i64::from)))
            .collect();
        let mut g = Grid {
            // An empty grid: every point is far beyond the corner.
            lat0: 1 << 40,
            lon0: 1 << 40,
            span_lat: 0,
            span_lon: 0,
            mul_lat: 0,
            mul_lon: 0,
            nx: 0,
            ny: 0,
            starts: vec![0],
            items: Vec::new(),
            big: Vec::new(),
        };
        if boxes.is_empty() {
            return g;
        }
        g.lat0 = boxes.iter().map(|b| b.1[0]).min().unwrap_or(0);
        g.lon0 = boxes.iter().map(|b| b.1[1]).min().unwrap_or(0);
        let lat1 = boxes.iter().map(|b| b.1[2]).max().unwrap_or(g.lat0);
        let lon1 = boxes.iter().map(|b| b.1[3]).max().unwrap_or(g.lon0);
        g.span_lat = (lat1 - g.lat0) as u64;
        g.span_lon = (lon1 - g.lon0) as u64;
        // Cell side ≈ half the median fence size: a typical fence overlaps 2–3 cells per
        // axis, so a fix in a listed cell is usually inside the listed box.
        let mut sizes: Vec<i64> = boxes
            .iter()
            .map(|(_, b)| (b[2] - b[0]).max(b[3] - b[1]))
            .collect();
        sizes.sort_unstable();
        let median = (sizes[sizes.len() / 2] / 2).max(MIN_CELL);
        let (ext_lat, ext_lon) = (g.span_lat as i64 + 1, g.span_lon as i64 + 1);
        let cell_lat = median.max(ceil_div(ext_lat, MAX_CELLS_PER_AXIS));
        let cell_lon = median.max(ceil_div(ext_lon, MAX_CELLS_PER_AXIS));
        g.ny = ceil_div(ext_lat, cell_lat) as usize;
        g.nx = ceil_div(ext_lon, cell_lon) as usize;
        g.mul_lat = (1u64 << 32) / cell_lat as u64;
        g.mul_lon = (1u64 << 32) / cell_lon as u64;
        let mut per_cell: Vec<Vec<u32>> = vec![Vec::new(); g.nx * g.ny];
        for (i, b) in boxes {
            let (y0, x0) = g.cell((b[0] - g.lat0) as u64, (b[1] - g.lon0) as u64);
            let (y1, x1) = g.cell((b[2] - g.lat0) as u64, (b[3] - g.lon0) as u64);
            if ((y1 - y0 + 1) * (x1 - x0 + 1)) as i64 > MAX_CELLS_PER_FENCE {
                g.big.push(i);
                continue;
            }
            for y in y0..=y1 {
                for x in x0..=x1 {
                    per_cell[y * g.nx + x].push(i);
                }
            }
        }
        g.starts = Vec::with_capacity(per_cell.len() + 1);
        g.starts.push(0);
        for c in per_cell {
            g.items.extend(c);
            g.starts.push(g.items.len() as u32);
        }
        g
    }

    /// Cell (row, column) of offsets from the corner within the extent. Monotonic in each
    /// offset, which is all correctness needs: a point inside a fence's box falls in a
    /// cell between the cells of the box's corners. Integer-only: a float → integer `as`
    /// conversion costs a dozen instructions of saturation handling per axis.
    #[inline]
    fn cell(&self, dy: u64, dx: u64) -> (usize, usize) {
        // Offsets < 2³⁰ (1e-6 degree) and mul < 2²³: no overflow.
        let y = ((dy * self.mul_lat) >> 32) as usize;
        let x = ((dx * self.mul_lon) >> 32) as usize;
        (y.min(self.ny - 1), x.min(self.nx - 1))
    }

    /// Fences whose box may contain the point (ascending indices).
    #[inline]
    fn candidates(&self, lat: i32, lon: i32) -> &[u32] {
        // Below the corner wraps to a huge offset: one compare per axis.
        let dy = (i64::from(lat) - self.lat0) as u64;
        let dx = (i64::from(lon) - self.lon0) as u64;
        if dy > self.span_lat || dx > self.span_lon {
            return &[];
        }
        let (y, x) = self.cell(dy, dx);
        let c = y * self.nx + x;
        &self.items[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
}

/// `a / b` rounded up, for positive operands (`i64::div_ceil` is not stable).
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// One vehicle's state for one enter / leave / forbidden fence; absent = outside, nothing
/// pending.
struct FenceState {
    /// Index into [`FenceSet::fences`].
    idx: u32,
    /// The fence's id, to follow it into a new configuration.
    id: u32,
    /// The fence's kind when the state was made (a changed kind starts afresh).
    kind: FenceKind,
    inside: bool,
    /// The open forbidden alarm.
    alarm: Option<Alarm>,
}

impl FenceState {
    fn idle(&self) -> bool {
        !self.inside && self.alarm.is_none()
    }
}

/// One vehicle's route-deviation state. The route-deviation fences that apply to the
/// vehicle and are active form one permitted network (a hazardous-goods vehicle may use
/// any of its permitted roads), so there is one off-route run and one alarm per vehicle,
/// not one per fence: a vehicle on road A is not "off" road B.
#[derive(Default)]
struct RouteState {
    /// First fix of the current off-network run, and the fence nearest to it (the road
    /// the vehicle left), whose id the alarm carries.
    run: Option<(Position, u32)>,
    /// Largest distance beyond the network during the run, metres.
    run_peak: f64,
    /// The open deviation alarm.
    alarm: Option<Alarm>,
}

impl RouteState {
    fn idle(&self) -> bool {
        self.run.is_none() && self.alarm.is_none()
    }
}

/// The posted speed limit in force at a fix: the lowest among the active speed-limit zones
/// that apply to the vehicle and contain the fix (the lower id on a tie, for determinism).
/// Inside such a zone it supersedes the class limit; the engine's speeding rule judges it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Zone {
    /// Fence id.
    pub(crate) id: u32,
    /// The zone's (day) limit, km/h.
    pub(crate) limit_kmh: f64,
}

impl Zone {
    /// The zone whose limit is in force when both contain the fix.
    fn lower(self, other: Zone) -> Zone {
        if (other.limit_kmh, other.id) < (self.limit_kmh, self.id) {
            other
        } else {
            self
        }
    }
}

/// One vehicle's fence state. Only inline fields are read on a fix far from every fence,
/// so a fleet's states stay cache-friendly.
#[derive(Default)]
pub(crate) struct VehicleFences {
    /// The vehicle's class in the current [`FenceSet`]'s interning.
    class: u32,
    /// `class` is resolved against the current fence set.
    ready: bool,
    /// A good fix has been evaluated with fences: inside/outside is known for the fences
    /// that applied then.
    started: bool,
    /// Fences whose inside/outside is not known yet although the vehicle has started: new
    /// in a configuration, or newly applying after a class change. Their next fix only
    /// learns where the vehicle is (no enter/leave). Usually empty.
    unknown: Vec<u32>,
    /// Sorted by `idx`.
    states: Vec<FenceState>,
    /// Open alarms of fences removed (or changed in kind) by a new configuration: closed
    /// at the vehicle's next good fix.
    orphans: Vec<Alarm>,
    /// Route deviation against the permitted network.
    route: RouteState,
}

impl VehicleFences {
    /// Whether the vehicle's class is resolved against the current fence set.
    pub(crate) fn ready(&self) -> bool {
        self.ready
    }

    /// Resolves the vehicle's class against the fence set (first fix, new set).
    pub(crate) fn resolve_class(&mut self, set: &FenceSet, class: &str) {
        self.class = set.class_index(class);
        self.ready = true;
    }

    /// The vehicle's class changes: fences that start applying are not known yet; the
    /// states of those that stop applying close at the next fix.
    pub(crate) fn change_class(&mut self, set: &FenceSet, vehicle_id: u32, class: &str) {
        let new = set.class_index(class);
        if self.ready && self.started {
            let old = self.class;
            for (i, f) in set.fences.iter().enumerate() {
                if f.applies_to(vehicle_id, new) && !f.applies_to(vehicle_id, old) {
                    self.unknown.push(i as u32);
                }
            }
        }
        self.class = new;
        self.ready = true;
    }

    /// Open fence alarms.
    pub(crate) fn open(&self) -> impl Iterator<Item = &Alarm> {
        self.states
            .iter()
            .filter_map(|s| s.alarm.as_ref())
            .chain(&self.orphans)
            .chain(&self.route.alarm)
    }

    /// Follows the fences into a new configuration by id: a fence still there with the
    /// same kind keeps its state (a changed shape or limit applies from the next fix); the
    /// open alarm of one that is gone or changed kind becomes an orphan; a fence new to
    /// the vehicle starts unknown. The route-deviation run and alarm belong to the network,
    /// not to a fence: they carry on, judged against the new network from the next fix
    /// (and end there if the vehicle is back on it, or it has no network left). Returns
    /// whether there is fence work left even if the new set is empty.
    pub(crate) fn remap(&mut self, old: &FenceSet, new: &FenceSet) -> bool {
        // The same fence in the old set, when its id and kind stayed.
        let same = |i: usize| {
            let f = &new.fences[i];
            old.by_id
                .get(&f.id)
                .filter(|&&o| same_kind(old.fences[o as usize].kind, f.kind))
                .copied()
        };
        if self.started {
            self.unknown = (0..new.fences.len())
                .filter(|&i| same(i).is_none_or(|o| self.unknown.contains(&o)))
                .map(|i| i as u32)
                .collect();
        }
        let mut kept = Vec::with_capacity(self.states.len());
        for mut st in self.states.drain(..) {
            match new.by_id.get(&st.id) {
                Some(&idx) if same_kind(new.fences[idx as usize].kind, st.kind) => {
                    st.idx = idx;
                    st.kind = new.fences[idx as usize].kind;
                    kept.push(st);
                }
                _ => self.orphans.extend(st.alarm.take()),
            }
        }
        kept.sort_unstable_by_key(|st| st.idx);
        self.states = kept;
        self.ready = false;
        !self.orphans.is_empty() || !self.route.idle()
    }
}

fn same_kind(a: FenceKind, b: FenceKind) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
}

/// What the engine knows about the current good fix.
pub(crate) struct FixContext<'a> {
    pub(crate) rules: &'a ClassRules,
    /// Local (Beijing) minute of the day, for the fences' time windows.
    pub(crate) minute: u32,
}

/// Runs every relevant fence over a good fix (GNSS valid, not drift), returning the posted
/// speed limit in force there, if any, for the engine's speeding rule.
///
/// Inlined fast path: a fix outside every fence's box of a vehicle with nothing pending
/// (the vast majority) costs a grid lookup and a few length checks.
#[inline]
pub(crate) fn evaluate(
    set: &FenceSet,
    vf: &mut VehicleFences,
    p: &Position,
    cx: &FixContext,
    scratch: &mut Vec<u32>,
    out: &mut Vec<Event>,
) -> Option<Zone> {
    let candidates = set.grid.candidates(p.lat, p.lon);
    let near = candidates
        .iter()
        .any(|&i| set.fences[i as usize].shape.bbox_contains(p.lat, p.lon));
    if !near
        && set.grid.big.is_empty()
        && set.deviation.is_empty()
        && vf.states.is_empty()
        && vf.orphans.is_empty()
        && vf.route.idle()
    {
        // Outside every fence's box: now known for all of them.
        if !vf.started {
            vf.started = true;
        }
        if !vf.unknown.is_empty() {
            vf.unknown.clear();
        }
        return None;
    }
    evaluate_near(set, vf, p, candidates, cx, scratch, out)
}

#[inline(never)]
fn evaluate_near(
    set: &FenceSet,
    vf: &mut VehicleFences,
    p: &Position,
    candidates: &[u32],
    cx: &FixContext,
    scratch: &mut Vec<u32>,
    out: &mut Vec<Event>,
) -> Option<Zone> {
    for mut a in vf.orphans.drain(..) {
        let secs = (p.device_time_ms - a.start_ms) as f64 / 1000.0;
        let peak = if matches!(a.rule, Rule::Forbidden(_)) {
            secs
        } else {
            0.0
        };
        close(&mut a, p, p.device_time_ms, peak);
        out.push(Event::Closed(a));
    }
    let started = std::mem::replace(&mut vf.started, true);
    let (vid, class) = (p.vehicle_id, vf.class);
    // Route-deviation fences never reach the grid (see `Grid::new`), so the candidates
    // are the other kinds only.
    scratch.clear();
    for &i in candidates.iter().chain(&set.grid.big) {
        let f = &set.fences[i as usize];
        if f.shape.bbox_contains(p.lat, p.lon) && f.applies_to(vid, class) {
            scratch.push(i);
        }
    }
    scratch.extend(vf.states.iter().map(|s| s.idx));
    if scratch.len() > 1 {
        scratch.sort_unstable();
        scratch.dedup();
    }
    let mut zone: Option<Zone> = None;
    for &idx in scratch.iter() {
        let f = &set.fences[idx as usize];
        let applies = f.applies_to(vid, class);
        if let FenceKind::SpeedLimit { limit_kmh } = f.kind {
            // Nothing to remember: never a state entry.
            if applies && f.active_at(cx.minute) && f.shape.contains_position(p) {
                let here = Zone {
                    id: f.id,
                    limit_kmh,
                };
                zone = Some(zone.map_or(here, |z| z.lower(here)));
            }
            continue;
        }
        let known = started && !vf.unknown.contains(&idx);
        match vf.states.binary_search_by_key(&idx, |s| s.idx) {
            Ok(pos) => {
                step(f, applies, known, &mut vf.states[pos], p, cx, out);
                if vf.states[pos].idle() {
                    vf.states.remove(pos);
                }
            }
            Err(pos) => {
                // Most candidates (inside the box, outside the shape) stay idle: no insert.
                let mut st = FenceState {
                    idx,
                    id: f.id,
                    kind: f.kind,
                    inside: false,
                    alarm: None,
                };
                step(f, applies, known, &mut st, p, cx, out);
                if !st.idle() {
                    vf.states.insert(pos, st);
                }
            }
        }
    }
    if !vf.unknown.is_empty() {
        vf.unknown.clear();
    }
    if !set.deviation.is_empty() || !vf.route.idle() {
        route_step(set, &mut vf.route, class, p, cx, out);
    }
    zone
}

/// One enter / leave / forbidden fence, one fix. A fence that no longer applies to the
/// vehicle (class changed) is treated as inactive, which closes what it had open. `known`:
/// the fence applied at the vehicle's previous good fix, so its inside/outside then is
/// meaningful.
fn step(
    f: &Compiled,
    applies: bool,
    known: bool,
    st: &mut FenceState,
    p: &Position,
    cx: &FixContext,
    out: &mut Vec<Event>,
) {
    let t = p.device_time_ms;
    let active = applies && f.active_at(cx.minute);
    let was_inside = st.inside;
    // Inside/outside is tracked outside the time window too, so that a vehicle already
    // inside when the window opens does not "enter" then.
    st.inside = applies && f.shape.contains_position(p);
    match f.kind {
        FenceKind::Enter | FenceKind::Leave => {
            let (crossed, rule) = if f.kind == FenceKind::Enter {
                (st.inside && !was_inside, Rule::FenceEnter(f.id))
            } else {
                (!st.inside && was_inside, Rule::FenceLeave(f.id))
            };
            if crossed && known && active {
                let mut a = alarm(p, rule, Severity::Info, t, 0.0, &f.name);
                close(&mut a, p, t, 0.0);
                out.push(Event::Closed(a));
            }
        }
        FenceKind::Forbidden => {
            if active && st.inside {
                // Peak: seconds inside so far.
                let secs = st
                    .alarm
                    .as_ref()
                    .map_or(0.0, |a| (t - a.start_ms) as f64 / 1000.0);
                keep_open(&mut st.alarm, out, secs, || {
                    alarm(p, Rule::Forbidden(f.id), Severity::Serious, t, 0.0, &f.name)
                });
            } else if let Some(mut a) = st.alarm.take() {
                let secs = (t - a.start_ms) as f64 / 1000.0;
                close(&mut a, p, t, secs);
                out.push(Event::Closed(a));
            }
        }
        // Judged without a per-fence state: the zone limit in `evaluate_near`, the route
        // network in `route_step`.
        FenceKind::SpeedLimit { .. } | FenceKind::RouteDeviation => {}
    }
}

/// Route deviation, one fix: off-route is outside every fence of the vehicle's permitted
/// network (the route-deviation fences that apply to it and are active now) by more than
/// the class's tolerance, while in operation, for at least `route_tolerance_secs`. The
/// alarm carries the id of the fence nearest to the run's first fix: the road the vehicle
/// left. A vehicle with no network (none applies, or outside their windows) is not off.
fn route_step(
    set: &FenceSet,
    rs: &mut RouteState,
    class: u32,
    p: &Position,
    cx: &FixContext,
    out: &mut Vec<Event>,
) {
    let r = cx.rules;
    let t = p.device_time_ms;
    let (lat, lon) = (p.lat_deg(), p.lon_deg());
    let network = || {
        set.deviation
            .iter()
            .map(|&i| &set.fences[i as usize])
            .filter(|f| f.applies_to(p.vehicle_id, class) && f.active_at(cx.minute))
    };
    // Deviation is about driving: a vehicle parked with the ignition off (a depot beside
    // the route) is not off its route. On the network (the usual case) the check stops at
    // the first road close enough, without computing distances.
    let mut fences = network().peekable();
    let off = in_operation(p, r)
        && fences.peek().is_some()
        && !fences.any(|f| f.shape.within_m(lat, lon, r.route_tolerance_m));
    // Off: how far beyond the network, and the nearest road (the lower id on a tie).
    let nearest = if off {
        network()
            .map(|f| (f.shape.distance_outside_m(lat, lon), f.id))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    } else {
        None
    };
    let Some((d, nearest_id)) = nearest else {
        rs.run = None;
        rs.run_peak = 0.0;
        end(&mut rs.alarm, out, p, t);
        return;
    };
    let (start, id) = *rs.run.get_or_insert((*p, nearest_id));
    rs.run_peak = rs.run_peak.max(d);
    if t - start.device_time_ms >= r.route_tolerance_secs * 1000 {
        let peak = rs.run_peak;
        keep_open(&mut rs.alarm, out, peak, || {
            alarm(
                &start,
                Rule::RouteDeviation(id),
                Severity::Serious,
                start.device_time_ms,
                r.route_tolerance_m,
                set.name(id),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geofence::Shape;
    use proptest::prelude::*;

    fn circle(id: u32, lat: f64, lon: f64, radius_m: f64) -> Geofence {
        Geofence {
            id,
            name: format!("c{id}"),
            shape: Shape::Circle { lat, lon, radius_m },
            kind: FenceKind::Forbidden,
            vehicle_ids: vec![],
            classes: vec![],
            active_from_min: None,
            active_to_min: None,
        }
    }

    proptest! {
        /// The grid never loses a fence whose box contains the point.
        #[test]
        fn grid_lists_every_fence_whose_box_contains_the_point(
            fences in prop::collection::vec(
                (21.0f64..23.0, 112.0f64..114.0, 50.0f64..60_000.0), 1..60),
            points in prop::collection::vec((20.9f64..23.1, 111.9f64..114.1), 1..200),
        ) {
            let defs: Vec<Geofence> = fences
                .iter()
                .enumerate()
                .map(|(i, &(lat, lon, r))| circle(i as u32, lat, lon, r))
                .collect();
            let set = FenceSet::new(&defs);
            for (lat, lon) in points {
                let (lat, lon) = ((lat * 1e6) as i32, (lon * 1e6) as i32);
                let listed: Vec<u32> = set
                    .grid
                    .candidates(lat, lon)
                    .iter()
                    .chain(&set.grid.big)
                    .copied()
                    .collect();
                for (i, f) in set.fences.iter().enumerate() {
                    if f.shape.bbox_contains(lat, lon) {
                        prop_assert!(listed.contains(&(i as u32)), "fence {i} at {lat},{lon}");
                    }
                }
            }
        }
    }

    #[test]
    fn empty_grid_has_no_candidates() {
        let set = FenceSet::new(&[]);
        for (lat, lon) in [(0, 0), (i32::MIN, i32::MIN), (i32::MAX, i32::MAX), (-1, 1)] {
            assert!(set.grid.candidates(lat, lon).is_empty());
        }
    }
}
