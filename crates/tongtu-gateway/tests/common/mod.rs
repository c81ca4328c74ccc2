//! A gateway on a loopback port with a real track store in a temporary directory and an
//! in-memory terminal directory.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tongtu_gateway::{Gateway, GatewayConfig, GatewayMetrics, MemoryDirectory, TerminalInfo};
use tongtu_sim::terminal::{Terminal, TerminalConfig};
use tongtu_track::{Position, TrackConfig, TrackStore};

pub struct Env {
    pub gw: Option<Gateway>,
    pub store: Arc<TrackStore>,
    pub directory: Arc<MemoryDirectory>,
    pub addr: SocketAddr,
    pub registry: Registry,
    _dir: tempfile::TempDir,
}

/// 2100-01-01: the end of every track query.
pub const END_MS: i64 = 4_102_444_800_000;

pub const P2013: &str = "014400000001";
pub const P2019: &str = "014400000002";
pub const P_INACTIVE: &str = "014400000003";
pub const P_NO_VEHICLE: &str = "014400000004";

fn info(row: i64, vehicle: Option<i64>, plate: &str, version: &str, active: bool) -> TerminalInfo {
    TerminalInfo {
        terminal_row_id: row,
        terminal_id: format!("T{row:06}"),
        vehicle_id: vehicle,
        plate: vehicle.map(|_| plate.to_string()),
        plate_color: vehicle.map(|_| 2),
        enterprise_id: 1,
        protocol_version: version.into(),
        active,
    }
}

pub async fn start(cfg: GatewayConfig) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = TrackStore::open(dir.path().join("tracks"), TrackConfig::default()).expect("store");
    let directory = MemoryDirectory::new();
    directory.insert(P2013, info(1, Some(1), "粤Q00001", "2013", true));
    directory.insert(P2019, info(2, Some(2), "粤Q00002", "2019", true));
    directory.insert(P_INACTIVE, info(3, Some(3), "粤Q00003", "2013", false));
    directory.insert(P_NO_VEHICLE, info(4, None, "", "2013", true));
    let metrics = GatewayMetrics::new();
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    let gw = Gateway::bind(
        "127.0.0.1:0",
        cfg,
        directory.clone(),
        store.clone(),
        metrics,
    )
    .await
    .expect("bind gateway");
    Env {
        addr: gw.local_addr(),
        gw: Some(gw),
        store,
        directory,
        registry,
        _dir: dir,
    }
}

impl Env {
    pub fn gw(&self) -> &Gateway {
        self.gw.as_ref().expect("running")
    }

    pub fn metrics_text(&self) -> String {
        let mut s = String::new();
        prometheus_client::encoding::text::encode(&mut s, &self.registry).expect("encode");
        s
    }

    /// Value of the metric line starting with `prefix` (name and labels), 0 if absent.
    pub fn metric(&self, prefix: &str) -> f64 {
        self.metrics_text()
            .lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }

    pub fn track(&self, vehicle: u32) -> Vec<Position> {
        self.store.track(vehicle, 0, END_MS).expect("track")
    }

    pub async fn terminal(&self, phone: &str, version: &str) -> Terminal {
        let mut cfg = TerminalConfig::new(phone).with_version_name(version);
        cfg.timeout = Duration::from_secs(5);
        if let Ok(row) = phone[phone.len() - 1..].parse::<i64>() {
            cfg.terminal_id = format!("T{row:06}");
        }
        Terminal::connect(self.addr, cfg).await.expect("connect")
    }

    /// A terminal that registered and authenticated.
    pub async fn online(&self, phone: &str, version: &str) -> Terminal {
        let mut t = self.terminal(phone, version).await;
        t.login(None).await.expect("login");
        t
    }

    pub async fn stop(mut self) {
        if let Some(gw) = self.gw.take() {
            gw.shutdown().await;
        }
        self.store.close().expect("close store");
    }
}

/// Polls `cond` for up to 5 s.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}
