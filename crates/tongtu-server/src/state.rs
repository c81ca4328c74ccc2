//! Shared state of the HTTP server.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::metrics::Metrics;
use crate::throttle::LoginThrottle;

pub type ChronoDuration = chrono::Duration;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Lifetime of a console session.
    pub session_ttl: chrono::Duration,
    /// Adds `Secure` to the session cookie (set when served over HTTPS).
    pub secure_cookie: bool,
    /// Largest JSON body accepted.
    pub max_body_bytes: usize,
    /// Largest uploaded file (Excel import).
    pub max_upload_bytes: usize,
    /// Failed logins per user name within the window before it is locked.
    pub login_max_failures: u32,
    /// Failed logins per client address within the window before it is locked.
    pub login_max_failures_per_ip: u32,
    /// Window and lock duration of login throttling.
    pub login_window: std::time::Duration,
    /// The data directory, where the bureau's report template lives (`report/`); `None`
    /// uses the default template.
    pub data_dir: Option<std::path::PathBuf>,
    /// Name of the bureau as printed on reports.
    pub org_name: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            session_ttl: chrono::Duration::hours(12),
            secure_cookie: false,
            max_body_bytes: 1 << 20,
            max_upload_bytes: 10 << 20,
            login_max_failures: 5,
            login_max_failures_per_ip: 20,
            login_window: std::time::Duration::from_secs(15 * 60),
            data_dir: None,
            org_name: "市交通运输局".into(),
        }
    }
}

/// The supervision side the API reaches into: stored tracks (alarm evidence, replay), the
/// downlink to terminals (text to the driver) and the live rules service. Each is absent when
/// the server runs without a gateway (then the routes that need it answer 503).
#[derive(Clone, Default)]
pub struct Supervision {
    pub tracks: Option<Arc<tongtu_track::TrackStore>>,
    pub downlink: Option<Arc<dyn tongtu_alarms::workflow::Downlink>>,
    pub rules: Option<tongtu_alarms::live::RulesHandle>,
    /// Sessions and positions as they happen (the live map).
    pub live: Option<Arc<tongtu_alarms::monitor::LiveHub>>,
    /// GeoJSON of the offline basemap.
    pub basemap: Option<Arc<Vec<u8>>>,
    /// One indicator computation at a time (nightly run, recompute requests).
    pub indicator_lock: Arc<tokio::sync::Mutex<()>>,
    /// Online basemaps configured by the operator.
    pub map_sources: Arc<Vec<crate::map_sources::MapSource>>,
    /// Named roads and places of the basemap ("where is it" on the vehicle card).
    pub roads: Option<Arc<tongtu_alarms::roads::RoadIndex>>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub settings: Arc<ServerSettings>,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<LoginThrottle>,
    pub supervision: Supervision,
}

impl AppState {
    pub fn new(db: SqlitePool, settings: ServerSettings) -> Self {
        let throttle = LoginThrottle::new(
            settings.login_max_failures,
            settings.login_max_failures_per_ip,
            settings.login_window,
        );
        AppState {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
            throttle: Arc::new(throttle),
            supervision: Supervision::default(),
        }
    }
}
