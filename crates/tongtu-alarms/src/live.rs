//! The live rules service: feeds every durable position to the rule engine, stores the
//! alarms it raises and pushes them to subscribers (the WebSocket feed).
//!
//! At start the engine is warmed up by replaying the recent stored tracks, so that a restart
//! (even after `kill -9`) neither loses alarms that were raised but not yet stored nor forgets
//! the driving that fatigue counts. Storing is idempotent (vehicle, rule, start), so replaying
//! what was stored already adds nothing. Positions received before the warm-up cut are
//! skipped on the live input, which the warm-up has seen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;
use sqlx::{Row, SqlitePool};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tongtu_registry::Principal;
use tongtu_rules::{collect, ClassRules, Engine, Event, RuleConfig};
use tongtu_track::{day_of, day_start_ms, Position, TrackStore};

use crate::model::AlarmItem;
use crate::{fences, settings, store};

/// An alarm change pushed to subscribers.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmUpdate {
    /// Always `alarm` (the feed also carries other kinds).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `opened`, `closed` (by the engine) or `updated` (by the workflow).
    pub event: &'static str,
    pub alarm: AlarmItem,
}

impl AlarmUpdate {
    pub fn new(event: &'static str, alarm: AlarmItem) -> Self {
        AlarmUpdate {
            kind: "alarm",
            event,
            alarm,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How often silent vehicles are checked (offline rule).
    pub tick_every: Duration,
    /// How often vehicle classes are re-read from the registry.
    pub refresh_every: Duration,
    /// How much stored history the engine replays at start.
    pub warmup: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            tick_every: Duration::from_secs(10),
            refresh_every: Duration::from_secs(60),
            warmup: Duration::from_secs(24 * 3600),
        }
    }
}

/// Counters of the service, registered under `rules_`.
#[derive(Clone, Default)]
pub struct RulesMetrics {
    pub positions: Counter,
    pub opened: Counter,
    pub closed: Counter,
    pub store_errors: Counter,
    pub warmup_positions: Counter,
    pub late_replays: Counter,
    pub open_alarms: Gauge,
}

impl RulesMetrics {
    pub fn register(&self, reg: &mut Registry) {
        let r = reg.sub_registry_with_prefix("rules");
        r.register(
            "positions",
            "Positions evaluated live",
            self.positions.clone(),
        );
        r.register(
            "alarms_opened",
            "Alarms stored as opened",
            self.opened.clone(),
        );
        r.register(
            "alarms_closed",
            "Alarms stored as closed",
            self.closed.clone(),
        );
        r.register(
            "store_errors",
            "Failed writes of alarm batches",
            self.store_errors.clone(),
        );
        r.register(
            "warmup_positions",
            "Positions replayed at start",
            self.warmup_positions.clone(),
        );
        r.register(
            "late_replays",
            "Vehicles re-evaluated from the store after late data",
            self.late_replays.clone(),
        );
        r.register(
            "open_alarms",
            "Alarms open in the engine",
            self.open_alarms.clone(),
        );
    }
}

enum Control {
    Reload,
    Stop(oneshot::Sender<()>),
}

/// The running service.
pub struct RulesService {
    control: mpsc::UnboundedSender<Control>,
    updates: broadcast::Sender<AlarmUpdate>,
    task: JoinHandle<()>,
    /// Positions received before the warm-up cut and skipped (seen by the warm-up).
    pub skipped: Arc<AtomicU64>,
}

/// The engine's parameters with the enabled geofences.
pub async fn engine_config(db: &SqlitePool) -> crate::error::Result<RuleConfig> {
    let mut cfg = settings::load(db).await?;
    cfg.geofences = fences::enabled(db).await?;
    Ok(cfg)
}

/// A vehicle's own parameters where they differ from its class's city-wide ones: its
/// region's parameters for the class, and a scheduled coach on a line of ≤ 200 km is exempt
/// from the 02:00–05:00 ban.
pub fn vehicle_rules(
    cfg: &RuleConfig,
    class: &str,
    region: Option<&str>,
    line_km: Option<i64>,
) -> Option<ClassRules> {
    let rules = cfg.class_in_region(class, region);
    let exempt = line_km.is_some_and(|km| km <= 200) && rules.night_ban;
    let regional = !std::ptr::eq(rules, cfg.class(class));
    (exempt || regional).then(|| ClassRules {
        night_ban: rules.night_ban && !exempt,
        ..rules.clone()
    })
}

/// Registry facts the rules need about a vehicle: (class, region code, line km).
pub const VEHICLE_FACTS: &str = "SELECT v.id, v.vehicle_class, r.code, v.line_km \
     FROM vehicles v JOIN enterprises e ON e.id = v.enterprise_id \
     JOIN regions r ON r.id = e.region_id";

/// Declares every registered vehicle's class and own parameters.
async fn load_vehicles(
    db: &SqlitePool,
    engine: &mut Engine,
    cfg: &RuleConfig,
) -> crate::error::Result<()> {
    let rows = sqlx::query(VEHICLE_FACTS).fetch_all(db).await?;
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let class: String = r.try_get(1)?;
        let region: Option<String> = r.try_get(2)?;
        let line_km: Option<i64> = r.try_get(3)?;
        let Ok(id) = u32::try_from(id) else { continue };
        engine.set_vehicle(id, &class);
        if let Some(rules) = vehicle_rules(cfg, &class, region.as_deref(), line_km) {
            engine.set_vehicle_rules(id, rules);
        }
    }
    Ok(())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RulesService {
    /// Starts the service on `input` (batches of durable positions, e.g. from the gateway's
    /// live feed). `tracks` enables the warm-up replay.
    pub async fn start(
        db: SqlitePool,
        input: mpsc::Receiver<Arc<[Position]>>,
        tracks: Option<Arc<TrackStore>>,
        cfg: ServiceConfig,
        metrics: RulesMetrics,
    ) -> crate::error::Result<RulesService> {
        let rule_cfg = engine_config(&db).await?;
        let mut engine = Engine::new(rule_cfg.clone());
        load_vehicles(&db, &mut engine, &rule_cfg).await?;
        let (control, control_rx) = mpsc::unbounded_channel();
        let (updates, _) = broadcast::channel(1024);
        let (writer_tx, writer_rx) = mpsc::unbounded_channel::<Vec<Event>>();
        let skipped = Arc::new(AtomicU64::new(0));
        let writer = tokio::spawn(writer(
            db.clone(),
            writer_rx,
            updates.clone(),
            metrics.clone(),
        ));
        let task = tokio::spawn(run(
            db,
            engine,
            input,
            control_rx,
            writer_tx,
            writer,
            tracks,
            cfg,
            metrics,
            skipped.clone(),
        ));
        Ok(RulesService {
            control,
            updates,
            task,
            skipped,
        })
    }

    /// What the API keeps: subscribe, publish, reload.
    pub fn handle(&self) -> RulesHandle {
        RulesHandle {
            control: self.control.clone(),
            updates: self.updates.clone(),
        }
    }

    /// Stops after storing every alarm raised so far.
    pub async fn stop(self) {
        let (tx, rx) = oneshot::channel();
        if self.control.send(Control::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
        let _ = self.task.await;
    }
}

/// A cheap handle on the running service.
#[derive(Clone)]
pub struct RulesHandle {
    control: mpsc::UnboundedSender<Control>,
    updates: broadcast::Sender<AlarmUpdate>,
}

impl RulesHandle {
    /// Alarm changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AlarmUpdate> {
        self.updates.subscribe()
    }

    /// Pushes a workflow change to subscribers.
    pub fn publish(&self, update: AlarmUpdate) {
        let _ = self.updates.send(update);
    }

    /// Re-reads rule settings, geofences and vehicles (after an edit in the console).
    pub fn reload(&self) {
        let _ = self.control.send(Control::Reload);
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    db: SqlitePool,
    mut engine: Engine,
    mut input: mpsc::Receiver<Arc<[Position]>>,
    mut control: mpsc::UnboundedReceiver<Control>,
    writer_tx: mpsc::UnboundedSender<Vec<Event>>,
    writer: JoinHandle<()>,
    tracks: Option<Arc<TrackStore>>,
    cfg: ServiceConfig,
    metrics: RulesMetrics,
    skipped: Arc<AtomicU64>,
) {
    let cut = now_ms();
    if let Some(tracks) = tracks.clone() {
        let from = cut - i64::try_from(cfg.warmup.as_millis()).unwrap_or(i64::MAX / 2);
        let m = metrics.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut events = Vec::new();
            let mut n = 0u64;
            let r = tracks.for_each_track(from, cut + 86_400_000, None, |_, track| {
                for p in track.iter().filter(|p| p.receive_time_ms < cut) {
                    engine.push(p, &mut events);
                    n += 1;
                }
                Ok(())
            });
            m.warmup_positions.inc_by(n);
            (engine, events, r, n)
        })
        .await;
        match joined {
            Ok((e, events, r, n)) => {
                engine = e;
                if let Err(err) = r {
                    tracing::error!(error = %err, "rules warm-up could not read every track");
                }
                tracing::info!(
                    positions = n,
                    alarms = events.len(),
                    "rules engine warmed up"
                );
                let _ = writer_tx.send(events);
            }
            Err(err) => {
                tracing::error!(error = %err, "rules warm-up panicked; starting cold");
                let rule_cfg = engine_config(&db).await.unwrap_or_default();
                engine = Engine::new(rule_cfg.clone());
                if let Err(err) = load_vehicles(&db, &mut engine, &rule_cfg).await {
                    tracing::error!(error = %err, "loading vehicles for the rules engine");
                }
            }
        }
    }
    let mut tick = tokio::time::interval(cfg.tick_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut refresh = tokio::time::interval(cfg.refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    refresh.tick().await;
    let mut events = Vec::new();
    // Newest device time pushed per vehicle, and the span of data that came in older
    // (blind-area uploads after live data, delayed frames), re-evaluated from the store.
    let mut newest: HashMap<u32, i64> = HashMap::new();
    let mut late: HashMap<u32, (i64, i64)> = HashMap::new();
    let stop = loop {
        tokio::select! {
            batch = input.recv() => {
                let Some(batch) = batch else { break None };
                for p in batch.iter() {
                    if p.receive_time_ms < cut {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let t = p.device_time_ms;
                    match newest.get_mut(&p.vehicle_id) {
                        Some(n) if t < *n => {
                            let r = late.entry(p.vehicle_id).or_insert((t, t));
                            r.0 = r.0.min(t);
                            r.1 = r.1.max(t);
                        }
                        Some(n) => *n = t,
                        None => {
                            newest.insert(p.vehicle_id, t);
                        }
                    }
                    engine.push(p, &mut events);
                }
                metrics.positions.inc_by(batch.len() as u64);
            }
            _ = tick.tick() => {
                engine.tick(now_ms(), &mut events);
                if let (false, Some(tracks)) = (late.is_empty(), tracks.clone()) {
                    let work = std::mem::take(&mut late);
                    metrics.late_replays.inc_by(work.len() as u64);
                    tokio::spawn(replay_late(db.clone(), tracks, work, writer_tx.clone()));
                }
            }
            _ = refresh.tick() => {
                match engine_config(&db).await {
                    Ok(c) => if let Err(err) = load_vehicles(&db, &mut engine, &c).await {
                        tracing::warn!(error = %err, "refreshing vehicles of the rules engine");
                    },
                    Err(err) => tracing::warn!(error = %err, "reading rule settings"),
                }
                metrics.open_alarms.set(engine.open_alarms().len() as i64);
            }
            c = control.recv() => match c {
                Some(Control::Reload) => match engine_config(&db).await {
                    Ok(c) => {
                        engine.set_config(c.clone());
                        if let Err(err) = load_vehicles(&db, &mut engine, &c).await {
                            tracing::warn!(error = %err, "reloading vehicles of the rules engine");
                        }
                        tracing::info!("rule settings reloaded");
                    }
                    Err(err) => tracing::error!(error = %err, "reloading rule settings"),
                },
                Some(Control::Stop(done)) => break Some(done),
                None => break None,
            },
        }
        if !events.is_empty() {
            let _ = writer_tx.send(std::mem::take(&mut events));
        }
    };
    if !events.is_empty() {
        let _ = writer_tx.send(events);
    }
    drop(writer_tx);
    let _ = writer.await;
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

/// Re-runs the rules over the stored tracks of vehicles that received data older than what
/// the live engine had already evaluated, from the start of the (Beijing) day of the oldest
/// late fix, so that episodes get the same start (and key) as a replay of that day. Only
/// alarms that ended are stored: anything still going on is the live engine's.
async fn replay_late(
    db: SqlitePool,
    tracks: Arc<TrackStore>,
    work: HashMap<u32, (i64, i64)>,
    writer_tx: mpsc::UnboundedSender<Vec<Event>>,
) {
    let cfg = match engine_config(&db).await {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(error = %err, "late data: reading rule settings");
            return;
        }
    };
    let mut vehicles = Vec::with_capacity(work.len());
    for (vid, span) in work {
        let row = sqlx::query(&format!("{VEHICLE_FACTS} WHERE v.id = $1"))
            .bind(i64::from(vid))
            .fetch_optional(&db)
            .await;
        match row {
            Ok(Some(r)) => {
                let class: String = r.try_get(1).unwrap_or_default();
                let region: Option<String> = r.try_get(2).unwrap_or(None);
                let line_km: Option<i64> = r.try_get(3).unwrap_or(None);
                vehicles.push((vid, span, class, region, line_km));
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, vehicle = vid, "late data: vehicle lookup"),
        }
    }
    let joined = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (vid, (lo, hi), class, region, line_km) in vehicles {
            let from = day_start_ms(day_of(lo));
            // An hour past the late data lets episodes that it started come to their end.
            let to = hi + 3_600_000;
            let track = match tracks.track(vid, from, to) {
                Ok(t) => t,
                Err(err) => {
                    tracing::error!(error = %err, vehicle = vid, "late data: reading the track");
                    continue;
                }
            };
            let mut engine = Engine::new(cfg.clone());
            engine.set_vehicle(vid, &class);
            if let Some(rules) = vehicle_rules(&cfg, &class, region.as_deref(), line_km) {
                engine.set_vehicle_rules(vid, rules);
            }
            let mut events = Vec::new();
            for p in &track {
                engine.push(p, &mut events);
            }
            out.extend(
                collect(events, Vec::new())
                    .into_iter()
                    .filter(|a| a.end_ms.is_some())
                    .map(Event::Closed),
            );
        }
        out
    });
    match joined.await {
        Ok(events) if !events.is_empty() => {
            let _ = writer_tx.send(events);
        }
        Ok(_) => {}
        Err(err) => tracing::error!(error = %err, "late data replay panicked"),
    }
}

async fn writer(
    db: SqlitePool,
    mut rx: mpsc::UnboundedReceiver<Vec<Event>>,
    updates: broadcast::Sender<AlarmUpdate>,
    metrics: RulesMetrics,
) {
    let system = Principal::system();
    while let Some(mut events) = rx.recv().await {
        // Take whatever queued meanwhile: one transaction for all.
        while let Ok(more) = rx.try_recv() {
            events.extend(more);
        }
        let now = now_ms();
        let mut attempt = 0;
        let done = loop {
            match store::persist(&db, &events, now).await {
                Ok(d) => break Some(d),
                Err(err) if attempt < 5 => {
                    attempt += 1;
                    metrics.store_errors.inc();
                    tracing::warn!(error = %err, attempt, "storing alarms; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
                Err(err) => {
                    metrics.store_errors.inc();
                    tracing::error!(error = %err, events = events.len(), "alarms lost: could not store them");
                    break None;
                }
            }
        };
        let Some(done) = done else { continue };
        metrics.opened.inc_by(done.opened.len() as u64);
        metrics.closed.inc_by(done.closed.len() as u64);
        if updates.receiver_count() == 0 {
            continue;
        }
        for (ids, ev) in [(&done.opened, "opened"), (&done.closed, "closed")] {
            for id in ids {
                if let Ok(a) = store::get(&db, &system, *id, now).await {
                    let _ = updates.send(AlarmUpdate::new(ev, a));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn vehicle_rules_apply_the_region_and_the_short_line_exemption() {
        let mut cfg = RuleConfig::default();
        assert!(vehicle_rules(&cfg, "coach", None, None).is_none());
        assert!(vehicle_rules(&cfg, "coach", None, Some(500)).is_none());
        let short = vehicle_rules(&cfg, "coach", None, Some(150)).expect("exempt");
        assert!(!short.night_ban);
        assert_eq!(short.speed_limit_kmh, 100.0);
        let slow = ClassRules {
            speed_limit_kmh: 60.0,
            ..cfg.class("coach").clone()
        };
        cfg.regions.insert(
            "441781".into(),
            HashMap::from([("coach".to_string(), slow)]),
        );
        let r = vehicle_rules(&cfg, "coach", Some("441781"), Some(500)).expect("regional");
        assert_eq!((r.speed_limit_kmh, r.night_ban), (60.0, true));
        let r = vehicle_rules(&cfg, "coach", Some("441781"), Some(150)).expect("both");
        assert_eq!((r.speed_limit_kmh, r.night_ban), (60.0, false));
        assert!(vehicle_rules(&cfg, "coach", Some("441702"), None).is_none());
    }
}
