//! Starts the JT/T 808 gateway for `serve` and `demo`: the track store under
//! `<data_dir>/tracks`, the registry-backed terminal directory, metrics in the server's
//! `/metrics` registry; and stops it in order (gateway drains and acks, then the store
//! flushes and closes).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tongtu_alarms::live::{RulesMetrics, RulesService};
use tongtu_alarms::monitor::LiveHub;
use tongtu_alarms::workflow::{
    CommandFuture, Downlink, DownlinkFailure, DownlinkFuture, ParamEntry, TextAnswer,
};
use tongtu_gateway::{
    DownlinkError, DownlinkReply, FeedEvent, Gateway, GatewayConfig, GatewayHandle, GatewayMetrics,
};
use tongtu_jt808::msg::ParamValue;
use tongtu_track::TrackStore;

use crate::config::{Config, Jt808Config};
use crate::gateway_dir::SqlDirectory;

/// The running gateway and the store it writes to.
pub struct GatewayRuntime {
    gateway: Gateway,
    store: Arc<TrackStore>,
}

pub fn gateway_config(j: &Jt808Config) -> GatewayConfig {
    GatewayConfig {
        heartbeat_interval: Duration::from_secs(j.heartbeat_secs.max(1)),
        idle_timeout: Duration::from_secs(j.idle_timeout_secs.max(1)),
        auth_timeout: Duration::from_secs(j.auth_timeout_secs.max(1)),
        max_connections: usize::try_from(j.max_connections).unwrap_or(usize::MAX),
        max_frame_len: usize::try_from(j.max_frame_bytes).unwrap_or(usize::MAX),
        max_bad_frames_per_minute: u32::try_from(j.max_bad_frames_per_minute).unwrap_or(u32::MAX),
        batch_linger: Duration::from_millis(j.batch_linger_ms),
        batch_max_positions: usize::try_from(j.batch_max_positions)
            .unwrap_or(usize::MAX)
            .max(1),
        downlink_timeout: Duration::from_secs(j.downlink_timeout_secs.max(1)),
        ..GatewayConfig::default()
    }
}

/// Opens the track store, binds `jt808.listen` and registers the metrics.
pub async fn start(
    cfg: &Config,
    pool: sqlx::SqlitePool,
    metrics_registry: &std::sync::Mutex<prometheus_client::registry::Registry>,
) -> Result<GatewayRuntime> {
    let dir = cfg.tracks_dir();
    let track_cfg = cfg.track_config();
    let store = tokio::task::spawn_blocking(move || TrackStore::open(&dir, track_cfg))
        .await
        .context("opening the track store")?
        .with_context(|| format!("opening the track store in {}", cfg.tracks_dir().display()))?;
    let metrics = GatewayMetrics::new();
    {
        let mut reg = metrics_registry.lock().unwrap_or_else(|p| p.into_inner());
        metrics.register(&mut reg);
        store.register_metrics(&mut reg);
    }
    let gateway = Gateway::bind(
        &cfg.jt808.listen,
        gateway_config(&cfg.jt808),
        Arc::new(SqlDirectory::new(pool)),
        store.clone(),
        metrics,
    )
    .await
    .with_context(|| format!("binding JT/T 808 {}", cfg.jt808.listen))?;
    println!("JT/T 808 gateway listening on {}", gateway.local_addr());
    Ok(GatewayRuntime { gateway, store })
}

impl GatewayRuntime {
    /// The address terminals connect to (the bound one, when the port was 0).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.gateway.local_addr()
    }

    /// For downlink commands and the live feed (API, rules engine).
    pub fn handle(&self) -> GatewayHandle {
        self.gateway.handle()
    }

    /// The store the gateway writes to (evidence tracks, replay, the rules warm-up).
    pub fn store(&self) -> Arc<TrackStore> {
        self.store.clone()
    }

    /// Graceful stop: no new connections, sessions ack what is durable, batcher flushes,
    /// then the store closes (flush + stop its threads).
    pub async fn shutdown(self) -> Result<()> {
        self.gateway.shutdown().await;
        let store = self.store;
        tokio::task::spawn_blocking(move || store.close())
            .await
            .context("closing the track store")??;
        Ok(())
    }
}

/// The indicators' nightly run: at start and then a quarter past every Beijing midnight, every
/// closed day not yet computed is computed once, and the day before yesterday is settled again
/// for late blind-area data. Runs under `lock`, so a recompute request never overlaps it.
pub fn start_indicators(
    pool: sqlx::SqlitePool,
    tracks: Arc<TrackStore>,
    lock: Arc<tokio::sync::Mutex<()>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = chrono::Utc::now().timestamp_millis();
            {
                let _one = lock.lock().await;
                let run = match tongtu_alarms::indicators::load_config(&pool).await {
                    Ok(cfg) => tongtu_alarms::indicators::nightly(&pool, &tracks, &cfg, now).await,
                    Err(e) => Err(e),
                };
                match run {
                    Ok(r) => tracing::info!(
                        days = r.days.len(),
                        vehicle_days = r.vehicle_days,
                        "assessment indicators computed"
                    ),
                    Err(e) => {
                        tracing::error!(error = %e, "assessment indicators: nightly run failed")
                    }
                }
            }
            let next = tongtu_track::day_start_ms(tongtu_track::day_of(now) + 1) + 15 * 60_000;
            let wait = u64::try_from(next - chrono::Utc::now().timestamp_millis()).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(wait.max(60_000))).await;
        }
    })
}

/// Starts the live rules service on the gateway's feed of durable positions.
pub async fn start_rules(
    cfg: &Config,
    gateway: &GatewayRuntime,
    live: Arc<LiveHub>,
    pool: sqlx::SqlitePool,
    metrics_registry: &std::sync::Mutex<prometheus_client::registry::Registry>,
) -> Result<RulesService> {
    // Subscribe before the service warms up, so that nothing arriving meanwhile is missed;
    // the queue holds 65,536 frames (minutes of a 3,000-vehicle fleet) for the same reason.
    let mut feed = gateway.handle().subscribe();
    let (tx, rx) = tokio::sync::mpsc::channel(65_536);
    tokio::spawn(async move {
        while let Some(ev) = feed.recv().await {
            match ev {
                FeedEvent::Positions { vehicle, positions } => {
                    live.publish(vehicle.enterprise_id, &positions);
                    if tx.send(positions).await.is_err() {
                        break;
                    }
                }
                FeedEvent::Online { vehicle, .. } => {
                    live.set_online(vehicle.enterprise_id, vehicle.vehicle_id)
                }
                // A replaced session's end follows the new session's start.
                FeedEvent::Offline {
                    reason: "replaced", ..
                } => {}
                FeedEvent::Offline { vehicle, .. } => {
                    live.set_offline(vehicle.enterprise_id, vehicle.vehicle_id)
                }
            }
        }
    });
    let metrics = RulesMetrics::default();
    {
        let mut reg = metrics_registry.lock().unwrap_or_else(|p| p.into_inner());
        metrics.register(&mut reg);
    }
    RulesService::start(
        pool,
        rx,
        Some(gateway.store()),
        cfg.rules_service(),
        metrics,
    )
    .await
    .context("starting the rules service")
}

/// Texts to drivers for the alarm workflow: vehicle → its active terminal → 0x8300.
struct GatewayDownlink {
    handle: GatewayHandle,
    pool: sqlx::SqlitePool,
}

impl GatewayDownlink {
    async fn phone(&self, vehicle_id: i64) -> Result<String, DownlinkFailure> {
        let phone: Option<String> =
            sqlx::query_scalar("SELECT phone FROM terminals WHERE vehicle_id = $1 AND active = 1")
                .bind(vehicle_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| DownlinkFailure::Other(e.to_string()))?;
        phone.ok_or(DownlinkFailure::NoTerminal)
    }
}

fn failure(e: DownlinkError) -> DownlinkFailure {
    match e {
        DownlinkError::Offline(_) | DownlinkError::SessionClosed => DownlinkFailure::Offline,
        DownlinkError::Timeout(_) => DownlinkFailure::Timeout,
        e => DownlinkFailure::Other(e.to_string()),
    }
}

fn param_text(v: &ParamValue) -> String {
    match v {
        ParamValue::Byte(x) => x.to_string(),
        ParamValue::Word(x) => x.to_string(),
        ParamValue::Dword(x) => x.to_string(),
        ParamValue::Text(t) => t.clone(),
        ParamValue::Raw(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
    }
}

impl Downlink for GatewayDownlink {
    fn query_location<'a>(
        &'a self,
        vehicle_id: i64,
        requested_by: &'a str,
    ) -> CommandFuture<'a, tongtu_track::Position> {
        Box::pin(async move {
            let phone = self.phone(vehicle_id).await?;
            match self.handle.query_location(&phone, requested_by).await {
                Ok(DownlinkReply::Location(p)) => Ok(p),
                Ok(other) => Err(DownlinkFailure::Other(format!(
                    "unexpected answer {other:?}"
                ))),
                Err(e) => Err(failure(e)),
            }
        })
    }

    fn query_params<'a>(
        &'a self,
        vehicle_id: i64,
        requested_by: &'a str,
    ) -> CommandFuture<'a, Vec<ParamEntry>> {
        Box::pin(async move {
            let phone = self.phone(vehicle_id).await?;
            match self.handle.query_params(&phone, &[], requested_by).await {
                Ok(DownlinkReply::Params(ps)) => Ok(ps
                    .iter()
                    .map(|p| ParamEntry {
                        id: p.id,
                        value: param_text(&p.value),
                    })
                    .collect()),
                Ok(other) => Err(DownlinkFailure::Other(format!(
                    "unexpected answer {other:?}"
                ))),
                Err(e) => Err(failure(e)),
            }
        })
    }

    fn send_text<'a>(
        &'a self,
        vehicle_id: i64,
        text: &'a str,
        requested_by: &'a str,
    ) -> DownlinkFuture<'a> {
        Box::pin(async move {
            let phone = self.phone(vehicle_id).await?;
            // 0x08 TTS read-out | 0x04 terminal display: the driver hears it while driving.
            match self
                .handle
                .send_text(&phone, text, 0x0C, requested_by)
                .await
            {
                Ok(DownlinkReply::Ack { result: 0 }) => Ok(TextAnswer::Accepted),
                Ok(DownlinkReply::Ack { result }) => Ok(TextAnswer::Refused(result)),
                Ok(other) => Err(DownlinkFailure::Other(format!(
                    "unexpected answer {other:?}"
                ))),
                Err(e) => Err(failure(e)),
            }
        })
    }
}

pub fn downlink(gateway: &GatewayRuntime, pool: sqlx::SqlitePool) -> Arc<dyn Downlink> {
    Arc::new(GatewayDownlink {
        handle: gateway.handle(),
        pool,
    })
}
