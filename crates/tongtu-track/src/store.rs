//! The track store: group-committed WAL, memtables, compaction, queries, retention.
//!
//! Threads: one WAL writer (drains every queued batch, writes them, one fsync, then makes
//! them visible and acknowledges) and one compactor (turns closed WAL files into segments,
//! merges a day's segments, applies retention). Readers take a short read lock to collect
//! what they need and decode segment blocks outside it.
//!
//! Duplicates — the same vehicle and device time written twice, as terminals do when an ack
//! is lost — are resolved "first written wins", in the memtable and across segments alike.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use tokio::sync::{oneshot, Semaphore};

use crate::columns::POS_WIRE;
use crate::error::{Result, TrackError};
use crate::position::{day_of, day_start_ms, distance_m, Position, DAY_MS};
use crate::segment::{parse_day_dir, Segment, SegmentWriter};
use crate::wal::{
    self, encode_record, get_position, put_position, sync_dir, TailProblem, WalWriter,
};
use crate::{AppendFuture, PositionSink};

/// Tuning of a [`TrackStore`].
#[derive(Debug, Clone)]
pub struct TrackConfig {
    /// How long the WAL writer waits for more batches before an fsync. Zero (the default)
    /// still groups every batch that arrived during the previous fsync.
    pub max_commit_delay: Duration,
    /// A WAL file is closed (and compacted) once it reaches this size...
    pub wal_file_bytes: u64,
    /// ...or this age.
    pub wal_max_age: Duration,
    /// Days of track kept; older days are deleted. 180 is the regulatory minimum.
    pub retention_days: u32,
    /// A day with this many segment files gets them merged into one.
    pub merge_threshold: usize,
    /// Positions accepted but not yet durable before `append` waits (backpressure).
    pub max_in_flight: usize,
    /// A day is rewritten into its final cold-compressed segment once it is this many days
    /// in the past (1: from the day after tomorrow on, when blind-area uploads are in).
    pub cold_after_days: u32,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            max_commit_delay: Duration::ZERO,
            wal_file_bytes: 64 << 20,
            wal_max_age: Duration::from_secs(3600),
            retention_days: 180,
            merge_threshold: 4,
            max_in_flight: 1 << 20,
            cold_after_days: 1,
        }
    }
}

/// What recovery found when the store was opened.
#[derive(Debug, Clone, Default)]
pub struct RecoveryReport {
    /// WAL files replayed.
    pub wal_files: usize,
    /// Positions replayed from them.
    pub wal_positions: usize,
    /// Torn or corrupt tails cut off (file, problem).
    pub tails: Vec<(PathBuf, TailProblem)>,
    /// Segment files loaded.
    pub segments: usize,
    /// Segment files that failed to open (left in place for `check-tracks`).
    pub bad_segments: Vec<String>,
}

/// Per-vehicle mileage of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyMileage {
    /// Vehicle id.
    pub vehicle_id: u32,
    /// Positions stored that day.
    pub positions: u32,
    /// Odometer difference (last − first) when the terminal reports 0x01, km.
    pub odometer_km: Option<f64>,
    /// Sum of great-circle distances between consecutive valid fixes, skipping jumps that
    /// imply more than 160 km/h (drift), km.
    pub gnss_km: f64,
}

#[derive(Default)]
struct MemTable {
    seq: u64,
    by_vehicle: HashMap<u32, Vec<Position>>,
    count: usize,
}

impl MemTable {
    fn insert(&mut self, p: Position) {
        self.by_vehicle.entry(p.vehicle_id).or_default().push(p);
        self.count += 1;
    }
}

#[derive(Default)]
struct State {
    segments: BTreeMap<i32, Vec<Arc<Segment>>>,
    frozen: Vec<Arc<MemTable>>,
    active: MemTable,
    latest: HashMap<u32, Position>,
}

impl State {
    fn update_latest(&mut self, p: &Position) {
        match self.latest.get_mut(&p.vehicle_id) {
            Some(cur) if cur.device_time_ms >= p.device_time_ms => {}
            Some(cur) => *cur = *p,
            None => {
                self.latest.insert(p.vehicle_id, *p);
            }
        }
    }
}

#[derive(Clone)]
struct Metrics {
    fsync_seconds: Histogram,
    commit_positions: Histogram,
    appended: Counter,
    wal_bytes: Counter,
    compactions: Counter,
    compaction_seconds: Histogram,
    compacted_positions: Counter,
    merges: Counter,
    memtable_positions: Gauge,
    tail_problems: Counter,
    retention_days_deleted: Counter,
    day_bytes: Family<[(&'static str, String); 1], Gauge>,
}

impl Metrics {
    fn new() -> Metrics {
        Metrics {
            fsync_seconds: Histogram::new(exponential_buckets(0.000_05, 2.0, 16)),
            commit_positions: Histogram::new(exponential_buckets(1.0, 4.0, 10)),
            appended: Counter::default(),
            wal_bytes: Counter::default(),
            compactions: Counter::default(),
            compaction_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 12)),
            compacted_positions: Counter::default(),
            merges: Counter::default(),
            memtable_positions: Gauge::default(),
            tail_problems: Counter::default(),
            retention_days_deleted: Counter::default(),
            day_bytes: Family::default(),
        }
    }
}

struct Shared {
    root: PathBuf,
    config: TrackConfig,
    state: RwLock<State>,
    metrics: Metrics,
    /// Why the writer stopped, once it has.
    broken: Mutex<Option<String>>,
}

enum WriterMsg {
    Append {
        record: Vec<u8>,
        batch: Vec<Position>,
        done: oneshot::Sender<Result<()>>,
    },
    Rotate(oneshot::Sender<Result<()>>),
    Shutdown,
}

enum CompactMsg {
    Work,
    WorkAndReport(oneshot::Sender<Result<()>>),
    Shutdown,
}

/// The track store. Cheap to share as `Arc<TrackStore>`.
pub struct TrackStore {
    shared: Arc<Shared>,
    writer_tx: Option<mpsc::Sender<WriterMsg>>,
    compact_tx: Option<mpsc::Sender<CompactMsg>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    in_flight: Arc<Semaphore>,
    recovery: RecoveryReport,
    _lock: Option<File>,
}

fn wal_dir(root: &Path) -> PathBuf {
    root.join("wal")
}

fn seg_dir(root: &Path) -> PathBuf {
    root.join("segments")
}

const LATEST_MAGIC: &[u8; 8] = b"TTLAST\x01\0";

impl TrackStore {
    /// Opens (creating if needed) the store in `dir`, replays the WAL and starts the writer
    /// and compactor threads. Takes an exclusive lock on the directory.
    pub fn open(dir: impl AsRef<Path>, config: TrackConfig) -> Result<Arc<TrackStore>> {
        let root = dir.as_ref().to_path_buf();
        for d in [root.clone(), wal_dir(&root), seg_dir(&root)] {
            std::fs::create_dir_all(&d).map_err(TrackError::io("create dir", &d))?;
        }
        let lock_path = root.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(TrackError::io("open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(TrackError::Locked(root)),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(TrackError::Io {
                    op: "lock",
                    path: lock_path,
                    source: e,
                })
            }
        }
        let (state, recovery, next_seq) = Self::recover(&root, false)?;
        let shared = Arc::new(Shared {
            root: root.clone(),
            config: config.clone(),
            state: RwLock::new(state),
            metrics: Metrics::new(),
            broken: Mutex::new(None),
        });
        shared
            .metrics
            .tail_problems
            .inc_by(recovery.tails.len() as u64);
        for (path, tail) in &recovery.tails {
            tracing::warn!(
                file = %path.display(),
                offset = tail.offset,
                dropped_bytes = tail.dropped_bytes,
                reason = %tail.reason,
                "WAL tail cut off on recovery (never acknowledged)"
            );
        }
        shared.refresh_day_bytes();
        let wal = WalWriter::create(&wal_dir(&root), next_seq)?;
        shared.write_state().active.seq = next_seq;
        let (writer_tx, writer_rx) = mpsc::channel();
        let (compact_tx, compact_rx) = mpsc::channel();
        let mut threads = Vec::new();
        {
            let shared = shared.clone();
            let compact_tx = compact_tx.clone();
            threads.push(
                std::thread::Builder::new()
                    .name("track-wal".into())
                    .spawn(move || writer_loop(shared, wal, writer_rx, compact_tx))
                    .map_err(TrackError::io("spawn", &root))?,
            );
        }
        {
            let shared = shared.clone();
            threads.push(
                std::thread::Builder::new()
                    .name("track-compact".into())
                    .spawn(move || compactor_loop(shared, compact_rx))
                    .map_err(TrackError::io("spawn", &root))?,
            );
        }
        // Replayed WAL files are compacted right away.
        let _ = compact_tx.send(CompactMsg::Work);
        Ok(Arc::new(TrackStore {
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            shared,
            writer_tx: Some(writer_tx),
            compact_tx: Some(compact_tx),
            threads: Mutex::new(threads),
            recovery,
            _lock: Some(lock),
        }))
    }

    /// Opens the store for reading only, without the lock and without changing any file,
    /// so that `tongtu export` and `check-tracks` work while the server runs.
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Arc<TrackStore>> {
        let root = dir.as_ref().to_path_buf();
        if !root.is_dir() {
            return Err(TrackError::Io {
                op: "open",
                path: root,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no track store here"),
            });
        }
        let (state, recovery, _) = Self::recover(&root, true)?;
        let shared = Arc::new(Shared {
            root,
            config: TrackConfig::default(),
            state: RwLock::new(state),
            metrics: Metrics::new(),
            broken: Mutex::new(Some("opened read-only".into())),
        });
        Ok(Arc::new(TrackStore {
            shared,
            writer_tx: None,
            compact_tx: None,
            threads: Mutex::new(Vec::new()),
            in_flight: Arc::new(Semaphore::new(1)),
            recovery,
            _lock: None,
        }))
    }

    fn recover(root: &Path, read_only: bool) -> Result<(State, RecoveryReport, u64)> {
        let mut state = State::default();
        let mut report = RecoveryReport::default();
        let mut max_seq = 0u64;
        let latest_loaded = load_latest(root, &mut state.latest);
        // WAL before segments: a WAL file that a running compactor deletes meanwhile has
        // already had its segments published, so listing segments afterwards finds them.
        let wdir = wal_dir(root);
        if wdir.is_dir() {
            for seq in wal::list(&wdir)? {
                let path = wal::wal_path(&wdir, seq);
                let replay = match wal::replay(&path) {
                    Ok(r) => r,
                    Err(TrackError::Io { source, .. })
                        if read_only && source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        continue
                    }
                    Err(e) => return Err(e),
                };
                max_seq = max_seq.max(seq);
                report.wal_files += 1;
                report.wal_positions += replay.positions.len();
                if let Some(tail) = replay.tail {
                    report.tails.push((path.clone(), tail));
                }
                let mut mem = MemTable {
                    seq,
                    ..Default::default()
                };
                for p in replay.positions {
                    state.update_latest(&p);
                    mem.insert(p);
                }
                state.frozen.push(Arc::new(mem));
            }
        }
        let sdir = seg_dir(root);
        if sdir.is_dir() {
            for entry in std::fs::read_dir(&sdir).map_err(TrackError::io("read dir", &sdir))? {
                let entry = entry.map_err(TrackError::io("read dir", &sdir))?;
                let Some(day) = entry.file_name().to_str().and_then(parse_day_dir) else {
                    continue;
                };
                let ddir = entry.path();
                let mut segs = Vec::new();
                for f in std::fs::read_dir(&ddir).map_err(TrackError::io("read dir", &ddir))? {
                    let f = f.map_err(TrackError::io("read dir", &ddir))?;
                    let path = f.path();
                    let name = f.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".seg.tmp") {
                        // An interrupted compaction or merge; its inputs are still present.
                        if !read_only {
                            let _ = std::fs::remove_file(&path);
                        }
                        continue;
                    }
                    if !name.ends_with(".seg") {
                        continue;
                    }
                    match Segment::open(&path) {
                        Ok(seg) if seg.day == day => {
                            max_seq = max_seq.max(seg.gen);
                            segs.push(Arc::new(seg));
                        }
                        Ok(seg) => report.bad_segments.push(format!(
                            "{}: footer says day {} but the directory is day {day}",
                            path.display(),
                            seg.day
                        )),
                        Err(e) => {
                            tracing::error!(error = %e, "segment skipped; run `tongtu admin check-tracks`");
                            report.bad_segments.push(e.to_string());
                        }
                    }
                }
                if !segs.is_empty() {
                    report.segments += segs.len();
                    segs.sort_by_key(|s| s.gen);
                    state.segments.insert(day, segs);
                }
            }
        }
        if !latest_loaded {
            rebuild_latest(&mut state);
        }
        Ok((state, report, max_seq + 1))
    }

    /// What recovery found at open.
    pub fn recovery(&self) -> &RecoveryReport {
        &self.recovery
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.shared.root
    }

    /// Appends a batch and blocks until it is durable (for CLI tools and benchmarks; not for
    /// use on an async runtime thread, where [`PositionSink::append`] is the way).
    pub fn append_blocking(&self, batch: Vec<Position>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let rx = self.submit(batch)?;
        rx.blocking_recv().map_err(|_| self.closed())?
    }

    fn submit(&self, batch: Vec<Position>) -> Result<oneshot::Receiver<Result<()>>> {
        let tx = self.writer_tx.as_ref().ok_or_else(|| self.closed())?;
        let record = encode_record(&batch);
        let (done, rx) = oneshot::channel();
        tx.send(WriterMsg::Append {
            record,
            batch,
            done,
        })
        .map_err(|_| self.closed())?;
        Ok(rx)
    }

    fn closed(&self) -> TrackError {
        TrackError::Closed(lock(&self.shared.broken).clone())
    }

    /// Closes the current WAL file and compacts every closed one into segments; returns
    /// when done. Normally the compactor does this on its own. Blocking: not for use on an
    /// async runtime thread (see [`TrackStore::compact`]).
    pub fn compact_now(&self) -> Result<()> {
        let rx = self.request(WriterMsg::Rotate)?;
        rx.blocking_recv().map_err(|_| self.closed())??;
        let rx = self.request_compaction()?;
        rx.blocking_recv().map_err(|_| self.closed())?
    }

    /// Async [`TrackStore::compact_now`].
    pub async fn compact(&self) -> Result<()> {
        let rx = self.request(WriterMsg::Rotate)?;
        rx.await.map_err(|_| self.closed())??;
        let rx = self.request_compaction()?;
        rx.await.map_err(|_| self.closed())?
    }

    fn request(
        &self,
        msg: impl FnOnce(oneshot::Sender<Result<()>>) -> WriterMsg,
    ) -> Result<oneshot::Receiver<Result<()>>> {
        let tx = self.writer_tx.as_ref().ok_or_else(|| self.closed())?;
        let (done, rx) = oneshot::channel();
        tx.send(msg(done)).map_err(|_| self.closed())?;
        Ok(rx)
    }

    fn request_compaction(&self) -> Result<oneshot::Receiver<Result<()>>> {
        let tx = self.compact_tx.as_ref().ok_or_else(|| self.closed())?;
        let (done, rx) = oneshot::channel();
        tx.send(CompactMsg::WorkAndReport(done))
            .map_err(|_| self.closed())?;
        Ok(rx)
    }

    /// Stops the threads after every queued batch is durable. Idempotent; later appends
    /// fail with [`TrackError::Closed`].
    pub fn close(&self) -> Result<()> {
        if let Some(tx) = &self.writer_tx {
            let _ = tx.send(WriterMsg::Shutdown);
        }
        if let Some(tx) = &self.compact_tx {
            let _ = tx.send(CompactMsg::Shutdown);
        }
        let threads = std::mem::take(&mut *lock(&self.threads));
        for t in threads {
            let _ = t.join();
        }
        let mut broken = lock(&self.shared.broken);
        if broken.is_none() {
            *broken = Some("store closed".into());
        }
        Ok(())
    }

    /// The track of one vehicle with `from_ms <= device time < to_ms`, sorted by device
    /// time, duplicates removed.
    pub fn track(&self, vehicle_id: u32, from_ms: i64, to_ms: i64) -> Result<Vec<Position>> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let (segs, mem) = {
            let st = self.shared.read_state();
            let mut segs = Vec::new();
            for (_, day_segs) in st.segments.range(day_of(from_ms)..=day_of(to_ms - 1)) {
                for s in day_segs {
                    if let Some(e) = s.entry(vehicle_id) {
                        if e.t_min < to_ms && e.t_max >= from_ms {
                            segs.push((s.clone(), *e));
                        }
                    }
                }
            }
            let mut mem: Vec<Position> = Vec::new();
            for m in st
                .frozen
                .iter()
                .map(|m| &**m)
                .chain(std::iter::once(&st.active))
            {
                if let Some(v) = m.by_vehicle.get(&vehicle_id) {
                    mem.extend(
                        v.iter()
                            .filter(|p| p.device_time_ms >= from_ms && p.device_time_ms < to_ms),
                    );
                }
            }
            (segs, mem)
        };
        // Rank order (segments by day then generation, then memtables oldest first) is write
        // order for any one device time, which lives in exactly one day.
        let mut out = Vec::with_capacity(
            mem.len() + segs.iter().map(|(_, e)| e.count as usize).sum::<usize>(),
        );
        for (s, e) in &segs {
            let start = out.len();
            s.read_run(e, &mut out)?;
            if e.t_min < from_ms || e.t_max >= to_ms {
                let kept: Vec<Position> = out
                    .drain(start..)
                    .filter(|p| p.device_time_ms >= from_ms && p.device_time_ms < to_ms)
                    .collect();
                out.extend(kept);
            }
        }
        out.extend(mem);
        sort_dedup(&mut out);
        Ok(out)
    }

    /// The latest position (by device time) of a vehicle.
    pub fn latest(&self, vehicle_id: u32) -> Option<Position> {
        self.shared.read_state().latest.get(&vehicle_id).copied()
    }

    /// The latest position of every vehicle that ever reported, by vehicle id.
    pub fn latest_all(&self) -> Vec<Position> {
        let mut v: Vec<Position> = self.shared.read_state().latest.values().copied().collect();
        v.sort_unstable_by_key(|p| p.vehicle_id);
        v
    }

    /// Vehicles with at least one position with device time in `[from_ms, to_ms)` (a
    /// superset for partial days: membership is by day index and memtable content).
    pub fn vehicles_between(&self, from_ms: i64, to_ms: i64) -> Vec<u32> {
        if to_ms <= from_ms {
            return Vec::new();
        }
        let st = self.shared.read_state();
        let mut ids = HashSet::new();
        for (_, segs) in st.segments.range(day_of(from_ms)..=day_of(to_ms - 1)) {
            for s in segs {
                ids.extend(
                    s.index
                        .iter()
                        .filter(|e| e.t_min < to_ms && e.t_max >= from_ms)
                        .map(|e| e.vehicle_id),
                );
            }
        }
        for m in st
            .frozen
            .iter()
            .map(|m| &**m)
            .chain(std::iter::once(&st.active))
        {
            for (id, v) in &m.by_vehicle {
                if v.iter()
                    .any(|p| p.device_time_ms >= from_ms && p.device_time_ms < to_ms)
                {
                    ids.insert(*id);
                }
            }
        }
        let mut v: Vec<u32> = ids.into_iter().collect();
        v.sort_unstable();
        v
    }

    /// Calls `f` with the track of each vehicle in the window, one vehicle at a time (so a
    /// month of the whole fleet never sits in memory at once). `vehicles = None` means all.
    pub fn for_each_track(
        &self,
        from_ms: i64,
        to_ms: i64,
        vehicles: Option<&[u32]>,
        mut f: impl FnMut(u32, &[Position]) -> Result<()>,
    ) -> Result<()> {
        let ids = match vehicles {
            Some(v) => v.to_vec(),
            None => self.vehicles_between(from_ms, to_ms),
        };
        for id in ids {
            let t = self.track(id, from_ms, to_ms)?;
            if !t.is_empty() {
                f(id, &t)?;
            }
        }
        Ok(())
    }

    /// Mileage per vehicle for a Beijing day.
    pub fn daily_mileage(&self, day: i32) -> Result<Vec<DailyMileage>> {
        let mut out = Vec::new();
        let from = day_start_ms(day);
        self.for_each_track(from, from + DAY_MS, None, |id, t| {
            out.push(mileage_of(id, t));
            Ok(())
        })?;
        Ok(out)
    }

    /// Bytes of segment files per Beijing day.
    pub fn day_bytes(&self) -> Vec<(i32, u64)> {
        self.shared
            .read_state()
            .segments
            .iter()
            .map(|(d, s)| (*d, s.iter().map(|s| s.bytes).sum()))
            .collect()
    }

    /// Segment files currently in use, per day.
    pub fn segment_paths(&self) -> Vec<PathBuf> {
        let st = self.shared.read_state();
        st.segments
            .values()
            .flatten()
            .map(|s| s.path.clone())
            .collect()
    }

    /// Positions appended but not yet compacted.
    pub fn memtable_positions(&self) -> usize {
        let st = self.shared.read_state();
        st.active.count + st.frozen.iter().map(|m| m.count).sum::<usize>()
    }

    /// Rewrites every day before `day` into one cold-compressed segment (the compactor
    /// does this for days `cold_after_days` old every ten minutes). Returns the number of
    /// days rewritten. Blocking.
    pub fn finalize_days_before(&self, day: i32) -> Result<usize> {
        self.shared.finalize_days_before(day)
    }

    /// Deletes days older than the retention horizon relative to `now_ms`; returns the
    /// days deleted.
    pub fn apply_retention(&self, now_ms: i64) -> Result<Vec<i32>> {
        self.shared.apply_retention(now_ms)
    }

    /// Registers the store's metrics under `track_` (so `tongtu_track_` in the server).
    pub fn register_metrics(&self, reg: &mut prometheus_client::registry::Registry) {
        let m = &self.shared.metrics;
        let reg = reg.sub_registry_with_prefix("track");
        reg.register(
            "wal_fsync_seconds",
            "WAL fsync latency",
            m.fsync_seconds.clone(),
        );
        reg.register(
            "commit_group_positions",
            "Positions made durable per fsync",
            m.commit_positions.clone(),
        );
        reg.register(
            "appended_positions",
            "Positions made durable",
            m.appended.clone(),
        );
        reg.register("wal_bytes", "Bytes written to the WAL", m.wal_bytes.clone());
        reg.register(
            "compactions",
            "WAL files compacted into segments",
            m.compactions.clone(),
        );
        reg.register(
            "compaction_seconds",
            "Time to compact one WAL file",
            m.compaction_seconds.clone(),
        );
        reg.register(
            "compacted_positions",
            "Positions written to segments",
            m.compacted_positions.clone(),
        );
        reg.register("merges", "Day merges of segment files", m.merges.clone());
        reg.register(
            "memtable_positions",
            "Positions not yet compacted",
            m.memtable_positions.clone(),
        );
        reg.register(
            "wal_tail_problems",
            "Torn or corrupt WAL tails cut off at recovery",
            m.tail_problems.clone(),
        );
        reg.register(
            "retention_deleted_days",
            "Days deleted by retention",
            m.retention_days_deleted.clone(),
        );
        reg.register(
            "day_bytes",
            "Segment bytes per Beijing day",
            m.day_bytes.clone(),
        );
    }
}

impl Drop for TrackStore {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl PositionSink for TrackStore {
    fn append(&self, batch: Vec<Position>) -> AppendFuture {
        if batch.is_empty() {
            return Box::pin(async { Ok(()) });
        }
        let sem = self.in_flight.clone();
        let max = self.shared.config.max_in_flight.max(1);
        let permits = batch.len().min(max) as u32;
        let tx = self.writer_tx.clone();
        let shared = self.shared.clone();
        Box::pin(async move {
            let closed = || TrackError::Closed(lock(&shared.broken).clone());
            let _permit = sem
                .acquire_many_owned(permits)
                .await
                .map_err(|_| closed())?;
            let tx = tx.ok_or_else(closed)?;
            let record = encode_record(&batch);
            let (done, rx) = oneshot::channel();
            tx.send(WriterMsg::Append {
                record,
                batch,
                done,
            })
            .map_err(|_| closed())?;
            rx.await.map_err(|_| closed())?
        })
    }
}

/// Sorts by device time (stable, so the first written of equal times comes first) and
/// keeps the first of each device time.
pub(crate) fn sort_dedup(v: &mut Vec<Position>) {
    v.sort_by_key(|p| p.device_time_ms);
    v.dedup_by_key(|p| p.device_time_ms);
}

/// Mileage of one vehicle's (sorted) track.
pub fn mileage_of(vehicle_id: u32, t: &[Position]) -> DailyMileage {
    let odo: Vec<u32> = t
        .iter()
        .filter_map(|p| p.mileage_km().map(|_| p.mileage))
        .collect();
    let odometer_km = match (odo.first(), odo.last()) {
        (Some(a), Some(b)) if odo.len() > 1 => Some(f64::from(b.saturating_sub(*a)) / 10.0),
        _ => None,
    };
    let mut gnss_m = 0.0;
    let mut prev: Option<&Position> = None;
    for p in t.iter().filter(|p| p.gnss_valid()) {
        if let Some(q) = prev {
            let d = distance_m(q, p);
            let dt_h = (p.device_time_ms - q.device_time_ms) as f64 / 3_600_000.0;
            if dt_h > 0.0 && d / 1000.0 / dt_h <= 160.0 {
                gnss_m += d;
            } else if dt_h > 0.0 {
                // Drift: the jump is not mileage, and the next fix is measured from here
                // only if it is plausible from the last good one.
                continue;
            }
        }
        prev = Some(p);
    }
    DailyMileage {
        vehicle_id,
        positions: t.len() as u32,
        odometer_km,
        gnss_km: gnss_m / 1000.0,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn refresh_day_bytes(&self) {
        let st = self.read_state();
        self.metrics
            .memtable_positions
            .set((st.active.count + st.frozen.iter().map(|m| m.count).sum::<usize>()) as i64);
        for (day, segs) in &st.segments {
            self.metrics
                .day_bytes
                .get_or_create(&[("day", crate::segment::day_dir_name(*day))])
                .set(segs.iter().map(|s| s.bytes).sum::<u64>() as i64);
        }
    }

    fn apply_retention(&self, now_ms: i64) -> Result<Vec<i32>> {
        let horizon = day_of(now_ms) - self.config.retention_days as i32;
        let doomed: Vec<(i32, Vec<Arc<Segment>>)> = {
            let mut st = self.write_state();
            let keep = st.segments.split_off(&horizon);
            let old = std::mem::replace(&mut st.segments, keep);
            old.into_iter().collect()
        };
        let mut days = Vec::new();
        for (day, segs) in doomed {
            for s in &segs {
                std::fs::remove_file(&s.path).map_err(TrackError::io("remove", &s.path))?;
            }
            let dir = seg_dir(&self.root).join(crate::segment::day_dir_name(day));
            let _ = std::fs::remove_dir_all(&dir);
            self.metrics
                .day_bytes
                .remove(&[("day", crate::segment::day_dir_name(day))]);
            self.metrics.retention_days_deleted.inc();
            tracing::info!(day = %crate::segment::day_dir_name(day), "track day deleted by retention");
            days.push(day);
        }
        if !days.is_empty() {
            sync_dir(&seg_dir(&self.root))?;
        }
        Ok(days)
    }

    /// Compacts every frozen memtable, oldest first.
    fn compact_frozen(&self) -> Result<()> {
        loop {
            let Some(mem) = self.read_state().frozen.first().cloned() else {
                return Ok(());
            };
            let started = Instant::now();
            let segs = write_segments(&seg_dir(&self.root), &mem)?;
            let touched: Vec<i32> = segs.iter().map(|s| s.day).collect();
            {
                let mut st = self.write_state();
                for s in segs {
                    let day = st.segments.entry(s.day).or_default();
                    // Re-compaction after a crash rewrites the same generation: replace it.
                    day.retain(|x| x.gen != s.gen);
                    day.push(Arc::new(s));
                    day.sort_by_key(|s| s.gen);
                }
                st.frozen.retain(|m| m.seq != mem.seq);
            }
            save_latest(&self.root, &self.read_state().latest)?;
            let wal_path = wal::wal_path(&wal_dir(&self.root), mem.seq);
            std::fs::remove_file(&wal_path).map_err(TrackError::io("remove", &wal_path))?;
            sync_dir(&wal_dir(&self.root))?;
            self.metrics.compactions.inc();
            self.metrics.compacted_positions.inc_by(mem.count as u64);
            self.metrics
                .compaction_seconds
                .observe(started.elapsed().as_secs_f64());
            tracing::debug!(
                seq = mem.seq,
                positions = mem.count,
                days = touched.len(),
                "WAL compacted"
            );
            let cold_before = self.cold_before(chrono::Utc::now().timestamp_millis());
            for day in touched {
                self.maybe_merge(day, cold_before)?;
            }
            self.refresh_day_bytes();
        }
    }

    /// Merges a day's segments into one when there are too many of them, or, once the day
    /// has been closed for a full day (late blind-area uploads mostly arrive within hours),
    /// into its final cold-compressed segment.
    fn maybe_merge(&self, day: i32, cold_before: i32) -> Result<()> {
        let segs = self
            .read_state()
            .segments
            .get(&day)
            .cloned()
            .unwrap_or_default();
        let closed = day < cold_before;
        let cold_due = closed && (segs.len() > 1 || segs.iter().any(|s| !s.cold));
        if segs.is_empty() || (segs.len() < self.config.merge_threshold.max(2) && !cold_due) {
            return Ok(());
        }
        let gen = segs.iter().map(|s| s.gen).max().unwrap_or(0);
        let merged = merge_segments(&seg_dir(&self.root), day, gen, &segs, closed)?;
        {
            let mut st = self.write_state();
            let day_segs = st.segments.entry(day).or_default();
            let merged_gens: HashSet<u64> = segs.iter().map(|s| s.gen).collect();
            day_segs.retain(|s| !merged_gens.contains(&s.gen));
            day_segs.push(Arc::new(merged));
            day_segs.sort_by_key(|s| s.gen);
        }
        for s in &segs {
            if s.gen != gen {
                std::fs::remove_file(&s.path).map_err(TrackError::io("remove", &s.path))?;
            }
        }
        if let Some(dir) = segs.first().and_then(|s| s.path.parent()) {
            sync_dir(dir)?;
        }
        self.metrics.merges.inc();
        Ok(())
    }

    fn cold_before(&self, now_ms: i64) -> i32 {
        day_of(now_ms)
            .saturating_sub(i32::try_from(self.config.cold_after_days).unwrap_or(i32::MAX))
    }

    /// Gives every day before `cold_before` its final cold segment.
    fn finalize_days_before(&self, cold_before: i32) -> Result<usize> {
        let days: Vec<i32> = self
            .read_state()
            .segments
            .iter()
            .filter(|(d, segs)| {
                **d < cold_before && (segs.len() > 1 || segs.iter().any(|s| !s.cold))
            })
            .map(|(d, _)| *d)
            .collect();
        for d in &days {
            self.maybe_merge(*d, cold_before)?;
        }
        self.refresh_day_bytes();
        Ok(days.len())
    }
}

/// Writes one segment per day present in a memtable.
fn write_segments(root: &Path, mem: &MemTable) -> Result<Vec<Segment>> {
    // day -> vehicle -> sorted, de-duplicated run
    let mut days: BTreeMap<i32, BTreeMap<u32, Vec<Position>>> = BTreeMap::new();
    for (id, v) in &mem.by_vehicle {
        let mut run = v.clone();
        sort_dedup(&mut run);
        for p in run {
            days.entry(p.day())
                .or_default()
                .entry(*id)
                .or_default()
                .push(p);
        }
    }
    let mut out = Vec::new();
    for (day, vehicles) in days {
        let mut w = SegmentWriter::create(root, day, mem.seq, false)?;
        for run in vehicles.values() {
            w.add_run(run)?;
        }
        out.push(w.finish()?);
    }
    Ok(out)
}

/// Merges segments of one day (ascending generation) into segment `gen`, one vehicle at a
/// time; the first written of duplicate times wins.
fn merge_segments(
    root: &Path,
    day: i32,
    gen: u64,
    segs: &[Arc<Segment>],
    cold: bool,
) -> Result<Segment> {
    let mut ids: Vec<u32> = segs
        .iter()
        .flat_map(|s| s.index.iter().map(|e| e.vehicle_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut w = SegmentWriter::create(root, day, gen, cold)?;
    let mut run = Vec::new();
    for id in ids {
        run.clear();
        for s in segs {
            if let Some(e) = s.entry(id) {
                s.read_run(e, &mut run)?;
            }
        }
        sort_dedup(&mut run);
        w.add_run(&run)?;
    }
    w.finish()
}

fn writer_loop(
    shared: Arc<Shared>,
    mut wal: WalWriter,
    rx: mpsc::Receiver<WriterMsg>,
    compact_tx: mpsc::Sender<CompactMsg>,
) {
    let mut opened = Instant::now();
    let mut group: Vec<WriterMsg> = Vec::new();
    let mut shutdown = false;
    while !shutdown {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(m) => group.push(m),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => shutdown = true,
        }
        while let Ok(m) = rx.try_recv() {
            group.push(m);
        }
        if !shared.config.max_commit_delay.is_zero() && !group.is_empty() {
            let deadline = Instant::now() + shared.config.max_commit_delay;
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                match rx.recv_timeout(left) {
                    Ok(m) => group.push(m),
                    Err(_) => break,
                }
            }
        }
        let mut appends: Vec<(Vec<Position>, oneshot::Sender<Result<()>>)> = Vec::new();
        let mut rotations = Vec::new();
        for m in group.drain(..) {
            match m {
                WriterMsg::Append {
                    record,
                    batch,
                    done,
                } => {
                    if let Err(e) = wal.write(&record) {
                        fail(&shared, &e);
                        let _ = done.send(Err(TrackError::Closed(Some(e.to_string()))));
                        continue;
                    }
                    shared.metrics.wal_bytes.inc_by(record.len() as u64);
                    appends.push((batch, done));
                }
                WriterMsg::Rotate(done) => rotations.push(done),
                WriterMsg::Shutdown => shutdown = true,
            }
        }
        if lock(&shared.broken).is_some() {
            for (_, done) in appends {
                let _ = done.send(Err(TrackError::Closed(lock(&shared.broken).clone())));
            }
            for done in rotations {
                let _ = done.send(Err(TrackError::Closed(lock(&shared.broken).clone())));
            }
            break;
        }
        if !appends.is_empty() {
            let t = Instant::now();
            if let Err(e) = wal.sync() {
                // After a failed fsync the kernel may have dropped the dirty pages: nothing
                // written since the last good fsync can be trusted, so stop for good.
                fail(&shared, &e);
                for (_, done) in appends {
                    let _ = done.send(Err(TrackError::Closed(Some(e.to_string()))));
                }
                break;
            }
            shared
                .metrics
                .fsync_seconds
                .observe(t.elapsed().as_secs_f64());
            let n: usize = appends.iter().map(|(b, _)| b.len()).sum();
            shared.metrics.commit_positions.observe(n as f64);
            shared.metrics.appended.inc_by(n as u64);
            {
                let mut st = shared.write_state();
                for (batch, _) in &appends {
                    for p in batch {
                        st.update_latest(p);
                        st.active.insert(*p);
                    }
                }
            }
            shared.metrics.memtable_positions.inc_by(n as i64);
            for (_, done) in appends {
                let _ = done.send(Ok(()));
            }
        }
        let due = wal.len >= shared.config.wal_file_bytes
            || (opened.elapsed() >= shared.config.wal_max_age
                && wal.len > crate::wal::WAL_MAGIC.len() as u64);
        if due || !rotations.is_empty() {
            let r = rotate(&shared, &mut wal);
            match &r {
                Ok(()) => {
                    opened = Instant::now();
                    let _ = compact_tx.send(CompactMsg::Work);
                }
                Err(e) => fail(&shared, e),
            }
            for done in rotations {
                let _ = done.send(match &r {
                    Ok(()) => Ok(()),
                    Err(e) => Err(TrackError::Closed(Some(e.to_string()))),
                });
            }
            if r.is_err() {
                break;
            }
        }
    }
}

fn fail(shared: &Shared, e: &TrackError) {
    tracing::error!(error = %e, "track store WAL writer stopped");
    let mut b = lock(&shared.broken);
    if b.is_none() {
        *b = Some(e.to_string());
    }
}

/// Closes the current WAL file (freezing its memtable) and opens the next one.
fn rotate(shared: &Shared, wal: &mut WalWriter) -> Result<()> {
    let next = WalWriter::create(&wal_dir(&shared.root), wal.seq + 1)?;
    let old = std::mem::replace(wal, next);
    let mut st = shared.write_state();
    let mem = std::mem::take(&mut st.active);
    st.active.seq = old.seq + 1;
    if mem.count > 0 {
        st.frozen.push(Arc::new(MemTable {
            seq: old.seq,
            ..mem
        }));
    } else {
        drop(st);
        // Nothing to compact: the empty file goes now.
        std::fs::remove_file(old.path()).map_err(TrackError::io("remove", old.path()))?;
    }
    Ok(())
}

fn compactor_loop(shared: Arc<Shared>, rx: mpsc::Receiver<CompactMsg>) {
    let mut last_retention: Option<Instant> = None;
    loop {
        let msg = rx.recv_timeout(Duration::from_secs(60));
        let report = match msg {
            Ok(CompactMsg::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(CompactMsg::Work) | Err(RecvTimeoutError::Timeout) => None,
            Ok(CompactMsg::WorkAndReport(done)) => Some(done),
        };
        let r = shared.compact_frozen();
        if let Err(e) = &r {
            // The WAL files stay; the next attempt (or the next start) compacts them.
            tracing::error!(error = %e, "track compaction failed");
        }
        if last_retention.is_none_or(|t| t.elapsed() > Duration::from_secs(600)) {
            last_retention = Some(Instant::now());
            let now = chrono::Utc::now().timestamp_millis();
            if let Err(e) = shared.apply_retention(now) {
                tracing::error!(error = %e, "track retention failed");
            }
            if let Err(e) = shared.finalize_days_before(shared.cold_before(now)) {
                tracing::error!(error = %e, "track day finalisation failed");
            }
        }
        if let Some(done) = report {
            let _ = done.send(r);
        }
    }
}

fn save_latest(root: &Path, latest: &HashMap<u32, Position>) -> Result<()> {
    let mut buf = Vec::with_capacity(16 + latest.len() * POS_WIRE);
    buf.extend_from_slice(LATEST_MAGIC);
    buf.extend_from_slice(&(latest.len() as u32).to_le_bytes());
    for p in latest.values() {
        put_position(&mut buf, p);
    }
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    let tmp = root.join("latest.bin.tmp");
    let path = root.join("latest.bin");
    let mut f = File::create(&tmp).map_err(TrackError::io("create", &tmp))?;
    f.write_all(&buf).map_err(TrackError::io("write", &tmp))?;
    f.sync_all().map_err(TrackError::io("fsync", &tmp))?;
    std::fs::rename(&tmp, &path).map_err(TrackError::io("rename", &tmp))?;
    sync_dir(root)
}

/// Loads `latest.bin`; false when it is missing or damaged (then it is rebuilt).
fn load_latest(root: &Path, latest: &mut HashMap<u32, Position>) -> bool {
    let path = root.join("latest.bin");
    let Ok(buf) = std::fs::read(&path) else {
        return false;
    };
    if buf.len() < 16 || &buf[..8] != LATEST_MAGIC {
        tracing::warn!(file = %path.display(), "latest.bin damaged; rebuilding from segments");
        return false;
    }
    let (body, crc) = buf.split_at(buf.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        tracing::warn!(file = %path.display(), "latest.bin CRC mismatch; rebuilding from segments");
        return false;
    }
    let n = u32::from_le_bytes([body[8], body[9], body[10], body[11]]) as usize;
    if body.len() != 12 + n * POS_WIRE {
        return false;
    }
    for chunk in body[12..].chunks_exact(POS_WIRE) {
        if let Ok(arr) = <&[u8; POS_WIRE]>::try_from(chunk) {
            let p = get_position(arr);
            latest.insert(p.vehicle_id, p);
        }
    }
    true
}

/// Rebuilds latest positions from the newest segments (when `latest.bin` is lost).
fn rebuild_latest(st: &mut State) {
    let mut found: HashMap<u32, Position> = HashMap::new();
    let mut buf = Vec::new();
    for segs in st.segments.values().rev().take(7) {
        for s in segs {
            for e in &s.index {
                if found
                    .get(&e.vehicle_id)
                    .is_some_and(|p| p.device_time_ms >= e.t_max)
                {
                    continue;
                }
                buf.clear();
                if s.read_run(e, &mut buf).is_ok() {
                    if let Some(p) = buf.last() {
                        found.insert(e.vehicle_id, *p);
                    }
                }
            }
        }
    }
    for p in found.into_values() {
        st.update_latest(&p);
    }
}
