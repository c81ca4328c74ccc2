//! Drives simulated vehicles as real JT/T 808 terminals over TCP: one task per vehicle,
//! each with its own connection (register once, keep the auth code, authenticate on every
//! connect), position reports at the plan's intervals, heartbeats when idle, reconnection
//! with exponential backoff, fixes recorded without coverage (or while disconnected, or
//! never acknowledged) uploaded later as 0x0704 blind-area batches, and downlinks (text,
//! position query, parameters) answered by the terminal. Also a backfill mode that writes a
//! historical period as supplementary batches.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tongtu_jt808::{Location, Message};

use crate::clock::SimClock;
use crate::plan::VehicleProfile;
use crate::scenario::{ScenarioLog, ScenarioRecord};
use crate::terminal::{Terminal, TerminalConfig, TerminalError};
use crate::vehicle::{Fix, SimConfig, VehicleSim};
use crate::world::{World, WorldError};

/// Items per 0x0704: ~50 bytes each keeps the body under the 1023-byte limit of an
/// unsplit message.
pub const BATCH_ITEMS: usize = 16;
/// A device stores this many fixes at most while it cannot send; older ones are lost.
const BLIND_CAPACITY: usize = 20_000;
/// Sent but not yet acknowledged messages kept for re-upload.
const MAX_UNACKED: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    World(#[from] WorldError),
    #[error("terminal {phone}: {source}")]
    Terminal {
        phone: String,
        #[source]
        source: TerminalError,
    },
}

/// One uplink message to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// 0x0200.
    Location(Location),
    /// 0x0704 (type 0 normal, 1 blind-area supplementary).
    Batch {
        batch_type: u8,
        items: Vec<Location>,
    },
}

impl Outgoing {
    pub fn into_message(self) -> Message {
        match self {
            Outgoing::Location(l) => Message::Location(l),
            Outgoing::Batch { batch_type, items } => {
                Message::LocationBatch(tongtu_jt808::msg::LocationBatch { batch_type, items })
            }
        }
    }

    fn items(&self) -> Vec<Location> {
        match self {
            Outgoing::Location(l) => vec![l.clone()],
            Outgoing::Batch { items, .. } => items.clone(),
        }
    }
}

/// What a terminal holds between sends: fresh fixes and the blind-area store.
#[derive(Debug, Default)]
pub struct Outbox {
    live: Vec<Location>,
    blind: VecDeque<Location>,
    in_blind_area: bool,
    lost: u64,
}

impl Outbox {
    /// Takes one recorded fix.
    pub fn push(&mut self, fix: &Fix) {
        self.in_blind_area = fix.buffered;
        if fix.buffered {
            self.store(fix.to_location());
        } else {
            self.live.push(fix.to_location());
        }
    }

    /// Keeps fixes that could not be delivered for a later blind-area upload.
    pub fn hold(&mut self, items: impl IntoIterator<Item = Location>) {
        for l in items {
            self.store(l);
        }
    }

    fn store(&mut self, l: Location) {
        if self.blind.len() >= BLIND_CAPACITY {
            self.blind.pop_front();
            self.lost += 1;
        }
        self.blind.push_back(l);
    }

    /// Fixes waiting (live and stored).
    pub fn pending(&self) -> usize {
        self.live.len() + self.blind.len()
    }

    /// Fixes dropped because the store was full.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// What to send now. Without a connection everything goes to the store. With one, the
    /// store is uploaded first (oldest data first) once out of the blind area, then the
    /// fresh fixes: one as 0x0200, several (an accelerated clock) as normal 0x0704.
    pub fn drain(&mut self, connected: bool) -> Vec<Outgoing> {
        if !connected {
            let live = std::mem::take(&mut self.live);
            self.hold(live);
            return Vec::new();
        }
        let mut out = Vec::new();
        if !self.in_blind_area && !self.blind.is_empty() {
            let blind: Vec<Location> = self.blind.drain(..).collect();
            for c in blind.chunks(BATCH_ITEMS) {
                out.push(Outgoing::Batch {
                    batch_type: 1,
                    items: c.to_vec(),
                });
            }
        }
        let live = std::mem::take(&mut self.live);
        match live.len() {
            0 => {}
            1 => out.extend(live.into_iter().map(Outgoing::Location)),
            _ => {
                for c in live.chunks(BATCH_ITEMS) {
                    out.push(Outgoing::Batch {
                        batch_type: 0,
                        items: c.to_vec(),
                    });
                }
            }
        }
        out
    }
}

/// Counters of a run (shared by every vehicle task).
#[derive(Debug, Default)]
pub struct RunStats {
    pub connected: AtomicU64,
    pub connects: AtomicU64,
    pub connect_failures: AtomicU64,
    pub fixes_sent: AtomicU64,
    pub locations_sent: AtomicU64,
    pub batches_sent: AtomicU64,
    pub blind_batches_sent: AtomicU64,
    pub acks: AtomicU64,
    pub heartbeats: AtomicU64,
    pub downlinks: AtomicU64,
    pub violations_logged: AtomicU64,
    /// Text messages received: (phone, text).
    pub texts: Mutex<Vec<(String, String)>>,
    /// Phones that had at least one fix acknowledged.
    pub acked_phones: Mutex<std::collections::HashSet<String>>,
}

/// A snapshot of [`RunStats`] for printing.
#[derive(Debug, Clone, Serialize)]
pub struct StatsSnapshot {
    pub connected: u64,
    pub connects: u64,
    pub connect_failures: u64,
    pub fixes_sent: u64,
    pub locations_sent: u64,
    pub batches_sent: u64,
    pub blind_batches_sent: u64,
    pub acks: u64,
    pub heartbeats: u64,
    pub downlinks: u64,
    pub violations_logged: u64,
    pub vehicles_acked: usize,
}

impl RunStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            connected: g(&self.connected),
            connects: g(&self.connects),
            connect_failures: g(&self.connect_failures),
            fixes_sent: g(&self.fixes_sent),
            locations_sent: g(&self.locations_sent),
            batches_sent: g(&self.batches_sent),
            blind_batches_sent: g(&self.blind_batches_sent),
            acks: g(&self.acks),
            heartbeats: g(&self.heartbeats),
            downlinks: g(&self.downlinks),
            violations_logged: g(&self.violations_logged),
            vehicles_acked: self.acked_phones.lock().map(|s| s.len()).unwrap_or(0),
        }
    }
}

/// Settings of a live run.
#[derive(Clone)]
pub struct RunnerConfig {
    /// The gateway's JT/T 808 address.
    pub server: SocketAddr,
    pub sim: SimConfig,
    pub clock: SimClock,
    /// Wall time without uplink after which a heartbeat is sent.
    pub heartbeat: Duration,
    /// Wall time over which the fleet's first connections are spread.
    pub connect_spread: Duration,
    pub log: Arc<ScenarioLog>,
    pub world: Arc<World>,
}

impl RunnerConfig {
    pub fn new(server: SocketAddr, sim: SimConfig, clock: SimClock, log: Arc<ScenarioLog>) -> Self {
        RunnerConfig {
            server,
            sim,
            clock,
            heartbeat: Duration::from_secs(60),
            connect_spread: Duration::from_secs(10),
            log,
            world: World::demo(),
        }
    }
}

/// The terminal identity of a simulated vehicle.
pub fn terminal_config(p: &VehicleProfile) -> TerminalConfig {
    let mut c = TerminalConfig::new(&p.phone).with_version_name(&p.protocol_version);
    c.terminal_id = p.terminal_id.clone();
    c.manufacturer = p.manufacturer.clone();
    c.model = p.model.clone();
    c.plate = p.plate.clone();
    c.plate_color = p.plate_color;
    c.imei = format!("86{:013}", p.index);
    c
}

/// A handle on a running fleet.
pub struct Fleet {
    pub stats: Arc<RunStats>,
    stop: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Fleet {
    /// Stops every vehicle and waits for the tasks; in-progress violations are logged as
    /// incomplete.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Starts one task per vehicle and returns at once.
pub fn spawn(profiles: Vec<Arc<VehicleProfile>>, cfg: RunnerConfig) -> Result<Fleet, RunError> {
    let stats = Arc::new(RunStats::default());
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let n = profiles.len().max(1) as u32;
    let start = cfg.clock.now();
    for (i, p) in profiles.into_iter().enumerate() {
        let sim = VehicleSim::new(cfg.world.clone(), p.clone(), cfg.sim, start)?;
        let delay = cfg.connect_spread / n * i as u32;
        tasks.spawn(vehicle_task(
            sim,
            cfg.clone(),
            stats.clone(),
            stop_rx.clone(),
            delay,
        ));
    }
    Ok(Fleet { stats, stop, tasks })
}

/// Runs the fleet until `shutdown` resolves.
pub async fn run(
    profiles: Vec<Arc<VehicleProfile>>,
    cfg: RunnerConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Arc<RunStats>, RunError> {
    let fleet = spawn(profiles, cfg)?;
    let stats = fleet.stats.clone();
    shutdown.await;
    fleet.stop().await;
    Ok(stats)
}

async fn connect(
    cfg: &RunnerConfig,
    sim: &VehicleSim,
    code: &mut Option<String>,
) -> Result<Terminal, TerminalError> {
    let tc = terminal_config(sim.profile());
    let mut t = Terminal::connect(cfg.server, tc.clone()).await?;
    match t.login(code.as_deref()).await {
        Ok(c) => {
            *code = Some(c);
            Ok(t)
        }
        Err(TerminalError::Refused(_)) if code.is_some() => {
            // The platform forgot the code (fresh data directory): register again.
            *code = None;
            let mut t = Terminal::connect(cfg.server, tc).await?;
            *code = Some(t.login(None).await?);
            Ok(t)
        }
        Err(e) => Err(e),
    }
}

fn log_violations(cfg: &RunnerConfig, stats: &RunStats, sim: &mut VehicleSim, now: DateTime<Utc>) {
    for v in sim.take_finished(now) {
        cfg.log.append(ScenarioRecord::new(sim.profile(), &v, true));
        stats.violations_logged.fetch_add(1, Ordering::Relaxed);
    }
}

async fn vehicle_task(
    mut sim: VehicleSim,
    cfg: RunnerConfig,
    stats: Arc<RunStats>,
    mut stop: watch::Receiver<bool>,
    delay: Duration,
) {
    let phone = sim.profile().phone.clone();
    let mut outbox = Outbox::default();
    let mut term: Option<Terminal> = None;
    let mut code: Option<String> = None;
    let mut unacked: VecDeque<(u16, Vec<Location>)> = VecDeque::new();
    let mut backoff = Duration::from_secs(1);
    let mut next_connect = Instant::now() + delay;
    let mut last_uplink = Instant::now();
    loop {
        if *stop.borrow() {
            break;
        }
        let now = cfg.clock.now();
        while let Some(fix) = sim.step(now) {
            outbox.push(&fix);
        }
        if code.is_none() {
            // A terminal that never logged in yet has just been switched on: it has no
            // history to upload (the fleet's connections are staggered at start).
            outbox = Outbox::default();
        }
        log_violations(&cfg, &stats, &mut sim, now);
        let wanted = sim.online_wanted(now);
        if !wanted && term.take().is_some() {
            stats.connected.fetch_sub(1, Ordering::Relaxed);
            tracing::debug!(%phone, "scenario: going offline");
        }
        if wanted && term.is_none() && Instant::now() >= next_connect {
            match connect(&cfg, &sim, &mut code).await {
                Ok(t) => {
                    term = Some(t);
                    backoff = Duration::from_secs(1);
                    stats.connects.fetch_add(1, Ordering::Relaxed);
                    stats.connected.fetch_add(1, Ordering::Relaxed);
                    // Whatever was never acknowledged is uploaded again as blind-area data.
                    outbox.hold(unacked.drain(..).flat_map(|(_, items)| items));
                    last_uplink = Instant::now();
                    sim.report_now(cfg.clock.now());
                    while let Some(fix) = sim.step(cfg.clock.now()) {
                        outbox.push(&fix);
                    }
                }
                Err(e) => {
                    stats.connect_failures.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%phone, error = %e, ?backoff, "connect failed");
                    // Jitter keeps a restarted gateway from being hit by the whole fleet at once.
                    let jitter = Duration::from_millis(u64::from(
                        (phone.bytes().map(u32::from).sum::<u32>() * 37) % 1000,
                    ));
                    next_connect = Instant::now() + backoff + jitter;
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
        let mut failed = false;
        if let Some(t) = term.as_mut() {
            for out in outbox.drain(true) {
                let items = out.items();
                let kind = match &out {
                    Outgoing::Location(_) => 0,
                    Outgoing::Batch { batch_type: 0, .. } => 1,
                    Outgoing::Batch { .. } => 2,
                };
                let sent = match out {
                    Outgoing::Location(l) => t.send_location(&l).await,
                    Outgoing::Batch { batch_type, items } => t.send_batch(batch_type, &items).await,
                };
                match sent {
                    Ok(serial) => {
                        stats
                            .fixes_sent
                            .fetch_add(items.len() as u64, Ordering::Relaxed);
                        match kind {
                            0 => &stats.locations_sent,
                            1 => &stats.batches_sent,
                            _ => &stats.blind_batches_sent,
                        }
                        .fetch_add(1, Ordering::Relaxed);
                        unacked.push_back((serial, items));
                        if unacked.len() > MAX_UNACKED {
                            unacked.pop_front();
                        }
                        last_uplink = Instant::now();
                    }
                    Err(e) => {
                        tracing::debug!(%phone, error = %e, "send failed");
                        outbox.hold(items);
                        failed = true;
                        break;
                    }
                }
            }
            if !failed && last_uplink.elapsed() >= cfg.heartbeat {
                match t.send(Message::Heartbeat).await {
                    Ok(serial) => {
                        // Tracked like a report so that its ack is collected, not left behind.
                        unacked.push_back((serial, Vec::new()));
                        stats.heartbeats.fetch_add(1, Ordering::Relaxed);
                        last_uplink = Instant::now();
                    }
                    Err(_) => failed = true,
                }
            }
        } else {
            outbox.drain(false);
        }
        // Sleep until the next fix is due (at most a second, to notice stops and retries),
        // reading acks and downlinks meanwhile.
        let wait = cfg
            .clock
            .wall_until(sim.next_due())
            .clamp(Duration::from_millis(20), Duration::from_secs(1));
        let deadline = Instant::now() + wait;
        if let (false, Some(t)) = (failed, term.as_mut()) {
            while Instant::now() < deadline && !failed {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::select! {
                    r = t.poll(left) => {
                        if r.is_err() {
                            failed = true;
                        }
                    }
                    _ = stop.changed() => break,
                }
            }
            unacked.retain(|(s, items)| match t.take_ack(*s) {
                Some(_) => {
                    stats.acks.fetch_add(1, Ordering::Relaxed);
                    if !items.is_empty() {
                        if let Ok(mut p) = stats.acked_phones.lock() {
                            p.insert(phone.clone());
                        }
                    }
                    false
                }
                None => true,
            });
            for p in t.take_downlinks() {
                stats.downlinks.fetch_add(1, Ordering::Relaxed);
                if let Message::Text(m) = &p.message {
                    tracing::info!(%phone, text = %m.text, "text message received");
                    if let Ok(mut texts) = stats.texts.lock() {
                        texts.push((phone.clone(), m.text.clone()));
                    }
                }
            }
        } else if !failed {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {}
                _ = stop.changed() => {}
            }
        }
        if failed && term.take().is_some() {
            stats.connected.fetch_sub(1, Ordering::Relaxed);
            outbox.hold(unacked.drain(..).flat_map(|(_, items)| items));
            next_connect = Instant::now() + backoff;
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }
    let now = cfg.clock.now();
    log_violations(&cfg, &stats, &mut sim, now);
    for v in sim.take_started(now) {
        cfg.log
            .append(ScenarioRecord::new(sim.profile(), &v, false));
    }
    if term.is_some() {
        stats.connected.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Writes the period `from..to` of every vehicle through the gateway as 0x0704 blind-area
/// batches, `parallel` vehicles at a time, each batch acknowledged before more than a small
/// window is in flight. Returns the number of fixes written.
pub async fn backfill(
    profiles: Vec<Arc<VehicleProfile>>,
    cfg: RunnerConfig,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    parallel: usize,
) -> Result<u64, RunError> {
    let sem = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for p in profiles {
        let sim = VehicleSim::new(cfg.world.clone(), p, cfg.sim, from)?;
        let cfg = cfg.clone();
        let sem = sem.clone();
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            backfill_one(sim, &cfg, to).await
        });
    }
    let mut total = 0;
    let mut first_err = None;
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "backfill of a vehicle failed");
                first_err.get_or_insert(e);
            }
            Err(e) => tracing::warn!(error = %e, "backfill task panicked"),
        }
    }
    match first_err {
        Some(e) if total == 0 => Err(e),
        _ => Ok(total),
    }
}

async fn backfill_one(
    mut sim: VehicleSim,
    cfg: &RunnerConfig,
    to: DateTime<Utc>,
) -> Result<u64, RunError> {
    let phone = sim.profile().phone.clone();
    let err = |source| RunError::Terminal {
        phone: phone.clone(),
        source,
    };
    let mut code = None;
    let mut t = connect(cfg, &sim, &mut code).await.map_err(err)?;
    let mut window: VecDeque<u16> = VecDeque::new();
    let mut chunk = Vec::with_capacity(BATCH_ITEMS);
    let mut n = 0u64;
    loop {
        let fix = sim.step(to);
        if let Some(f) = &fix {
            chunk.push(f.to_location());
        }
        if chunk.len() == BATCH_ITEMS || (fix.is_none() && !chunk.is_empty()) {
            let s = t.send_batch(1, &chunk).await.map_err(err)?;
            n += chunk.len() as u64;
            chunk.clear();
            window.push_back(s);
            if window.len() >= 8 {
                if let Some(s) = window.pop_front() {
                    t.wait_ack(s).await.map_err(err)?;
                }
            }
        }
        if fix.is_none() {
            break;
        }
    }
    for s in window {
        t.wait_ack(s).await.map_err(err)?;
    }
    for v in sim.take_finished(to) {
        cfg.log.append(ScenarioRecord::new(sim.profile(), &v, true));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{local_midnight, profiles};
    use chrono::{NaiveDate, TimeDelta};

    #[test]
    fn blind_area_fixes_become_supplementary_batches_after_leaving_the_area() {
        // Coaches of Yangchun cross the tunnel area of the 阳阳高速: find one that does.
        let ps: Vec<_> = profiles(&crate::fleet::generate(20260101, 600))
            .into_iter()
            .map(Arc::new)
            .collect();
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default();
        let start = local_midnight(day);
        let end = start + TimeDelta::days(1);
        let mut checked = 0;
        for p in ps.iter().filter(|p| p.active) {
            let mut sim = VehicleSim::new(World::demo(), p.clone(), SimConfig::default(), start)
                .expect("plan");
            let mut outbox = Outbox::default();
            let mut sent = Vec::new();
            let mut buffered = 0;
            while let Some(f) = sim.step(end) {
                buffered += usize::from(f.buffered);
                outbox.push(&f);
                sent.extend(outbox.drain(true));
            }
            if buffered == 0 {
                continue;
            }
            checked += 1;
            let blind: Vec<_> = sent
                .iter()
                .filter_map(|o| match o {
                    Outgoing::Batch {
                        batch_type: 1,
                        items,
                    } => Some(items),
                    _ => None,
                })
                .collect();
            assert!(!blind.is_empty());
            assert_eq!(blind.iter().map(|b| b.len()).sum::<usize>(), buffered);
            assert!(blind.iter().all(|b| b.len() <= BATCH_ITEMS));
            // Every batch fits an unsplit message.
            for o in &sent {
                let mut body = Vec::new();
                o.clone()
                    .into_message()
                    .encode_body(tongtu_jt808::ProtocolVersion::V2013, &mut body)
                    .expect("encode");
                assert!(body.len() <= tongtu_jt808::MAX_BODY_LEN);
            }
            if checked >= 3 {
                break;
            }
        }
        assert!(checked > 0, "no vehicle crossed a blind area");
    }

    #[test]
    fn disconnected_terminals_store_and_upload_later() {
        let mut o = Outbox::default();
        let fix = |i: i64| Fix {
            time: DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(i),
            device_time: DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(i),
            lon: 111.9,
            lat: 21.8,
            altitude_m: 5,
            speed_kmh: 50.0,
            limit_kmh: 60.0,
            direction: 90,
            acc_on: true,
            gnss_valid: true,
            mileage: 1,
            fuel: 1,
            recorder_speed_kmh: None,
            signal: 20,
            satellites: 10,
            alarm: 0,
            buffered: false,
        };
        for i in 0..40 {
            o.push(&fix(i));
            assert!(o.drain(false).is_empty());
        }
        assert_eq!(o.pending(), 40);
        o.push(&fix(40));
        let out = o.drain(true);
        assert_eq!(out.len(), 4);
        assert!(matches!(&out[0], Outgoing::Batch { batch_type: 1, items } if items.len() == 16));
        assert!(matches!(&out[2], Outgoing::Batch { batch_type: 1, items } if items.len() == 8));
        assert!(matches!(&out[3], Outgoing::Location(_)));
        assert_eq!(o.pending(), 0);
    }

    /// A minimal platform: accepts terminals, answers registration and authentication,
    /// acknowledges everything, drops the first connection after a few reports, and sends
    /// a text and a position query on the second; records what it saw.
    #[derive(Default)]
    struct Seen {
        registers: usize,
        auths: Vec<String>,
        positions: usize,
        text_acks: usize,
        query_answers: usize,
    }

    async fn fake_platform(listener: tokio::net::TcpListener, seen: Arc<Mutex<Seen>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tongtu_jt808::msg::TextMessage;
        use tongtu_jt808::{FrameSplitter, Packet, RegisterResult, ResponseResult};
        let mut conn_no = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            conn_no += 1;
            let seen = seen.clone();
            let first = conn_no == 1;
            tokio::spawn(async move {
                let mut split = FrameSplitter::new();
                let mut buf = [0u8; 4096];
                let mut serial = 0u16;
                let mut reports = 0;
                let mut sent_downlinks = false;
                loop {
                    let Ok(n) = sock.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    let packets: Vec<Packet> = split
                        .feed(&buf[..n])
                        .filter_map(|f| f.ok().and_then(|f| f.decode().ok()))
                        .collect();
                    for p in packets {
                        serial = serial.wrapping_add(1);
                        let reply = match &p.message {
                            Message::Register(_) => {
                                seen.lock().map(|mut s| s.registers += 1).ok();
                                Packet::register_response(
                                    &p.header,
                                    serial,
                                    RegisterResult::Success,
                                    "AUTH-1",
                                )
                            }
                            Message::Auth(a) => {
                                seen.lock()
                                    .map(|mut s| s.auths.push(a.auth_code.clone()))
                                    .ok();
                                Packet::general_response(&p.header, serial, ResponseResult::Success)
                            }
                            Message::Location(_) | Message::LocationBatch(_) => {
                                reports += 1;
                                seen.lock().map(|mut s| s.positions += 1).ok();
                                Packet::general_response(&p.header, serial, ResponseResult::Success)
                            }
                            Message::TerminalResponse(r) if r.reply_msg_id == 0x8300 => {
                                seen.lock().map(|mut s| s.text_acks += 1).ok();
                                continue;
                            }
                            Message::LocationResponse(_) => {
                                seen.lock().map(|mut s| s.query_answers += 1).ok();
                                continue;
                            }
                            _ => {
                                Packet::general_response(&p.header, serial, ResponseResult::Success)
                            }
                        };
                        let Ok(wire) = reply.encode() else { return };
                        if sock.write_all(&wire).await.is_err() {
                            return;
                        }
                        if first && reports >= 3 {
                            return; // drop the connection: the terminal must come back
                        }
                        if !first && reports >= 1 && !sent_downlinks {
                            sent_downlinks = true;
                            let text = Packet::reply(
                                &p.header,
                                serial.wrapping_add(100),
                                Message::Text(TextMessage {
                                    flag: 0x08,
                                    text_type: None,
                                    text: "请注意安全驾驶".into(),
                                }),
                            );
                            let query = Packet::reply(
                                &p.header,
                                serial.wrapping_add(101),
                                Message::QueryLocation,
                            );
                            for d in [text, query] {
                                let Ok(w) = d.encode() else { return };
                                if sock.write_all(&w).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn terminals_reconnect_with_their_auth_code_and_answer_downlinks() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Seen::default()));
        tokio::spawn(fake_platform(listener, seen.clone()));
        let ps: Vec<_> = profiles(&crate::fleet::generate(20260101, 20))
            .into_iter()
            .filter(|p| p.active && p.class.moving_interval_s() == 10)
            .take(1)
            .map(Arc::new)
            .collect();
        assert_eq!(ps.len(), 1);
        // 09:00 Beijing time at 60×: the vehicle reports every few hundred milliseconds.
        let start = local_midnight(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default())
            + TimeDelta::hours(9);
        let mut cfg = RunnerConfig::new(
            addr,
            SimConfig::default(),
            SimClock::new(start, 60.0),
            Arc::new(ScenarioLog::in_memory()),
        );
        cfg.connect_spread = Duration::ZERO;
        let fleet = spawn(ps, cfg).expect("spawn");
        let stats = fleet.stats.clone();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let done = seen
                .lock()
                .map(|s| s.text_acks > 0 && s.query_answers > 0 && s.auths.len() >= 2)
                .unwrap_or(false);
            if done || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        fleet.stop().await;
        let s = seen
            .lock()
            .map(|s| {
                (
                    s.registers,
                    s.auths.clone(),
                    s.positions,
                    s.text_acks,
                    s.query_answers,
                )
            })
            .expect("seen");
        assert_eq!(s.0, 1, "registered once, then reused the auth code");
        assert!(
            s.1.len() >= 2 && s.1.iter().all(|c| c == "AUTH-1"),
            "{:?}",
            s.1
        );
        assert!(s.2 >= 4);
        assert_eq!(
            (s.3, s.4),
            (1, 1),
            "text acknowledged and position query answered"
        );
        let texts = stats.texts.lock().map(|t| t.clone()).unwrap_or_default();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].1, "请注意安全驾驶");
        assert!(stats.snapshot().connects >= 2);
    }
}
