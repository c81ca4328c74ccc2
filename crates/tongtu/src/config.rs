//! Configuration: `tongtu.toml` (every key documented in `tongtu.example.toml`), overridden by
//! `TONGTU_<SECTION>_<KEY>` environment variables, e.g. `TONGTU_HTTP_LISTEN=0.0.0.0:9000`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory holding the database and (later) track files.
    pub data_dir: PathBuf,
    pub http: HttpConfig,
    pub jt808: Jt808Config,
    pub track: TrackSection,
    pub rules: RulesSection,
    pub map: MapSection,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapSection {
    /// GeoJSON drawn as the console's offline basemap (roads, places, boundaries); default
    /// `<data_dir>/basemap.geojson` when it exists (`tongtu demo` writes the demo city's).
    pub basemap_geojson: Option<PathBuf>,
    /// Online basemaps offered besides the offline one (`[[map.sources]]`).
    pub sources: Vec<tongtu_server::map_sources::MapSourceConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSection {
    /// Hours of stored track the rules engine replays at start (7 days: the 44 h rule).
    pub warmup_hours: u64,
    /// How often silent vehicles are checked for the offline rule, seconds.
    pub tick_secs: u64,
}

impl Default for RulesSection {
    fn default() -> Self {
        RulesSection {
            warmup_hours: 7 * 24,
            tick_secs: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackSection {
    /// Days of track kept (the regulatory minimum is 180).
    pub retention_days: u32,
    /// Wait this long for more batches before a WAL fsync (0 = group only what arrived).
    pub max_commit_delay_ms: u64,
    /// Close and compact a WAL file at this size...
    pub wal_file_mb: u64,
    /// ...or this age.
    pub wal_max_age_secs: u64,
}

impl Default for TrackSection {
    fn default() -> Self {
        let d = tongtu_track::TrackConfig::default();
        TrackSection {
            retention_days: d.retention_days,
            max_commit_delay_ms: d.max_commit_delay.as_millis() as u64,
            wal_file_mb: d.wal_file_bytes >> 20,
            wal_max_age_secs: d.wal_max_age.as_secs(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub listen: String,
    pub secure_cookie: bool,
    pub session_ttl_hours: i64,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub login_max_failures: u32,
    pub login_max_failures_per_ip: u32,
    pub login_window_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jt808Config {
    pub listen: String,
    /// Heartbeat interval terminals are expected to keep, in seconds.
    pub heartbeat_secs: u64,
    /// Close a session without a complete valid frame for this long (default 3 × heartbeat).
    pub idle_timeout_secs: u64,
    /// Close a connection that has not authenticated within this time.
    pub auth_timeout_secs: u64,
    /// Refuse connections beyond this many.
    pub max_connections: u64,
    /// Longest escaped frame accepted, in bytes.
    pub max_frame_bytes: u64,
    /// Bad frames per minute tolerated on one connection before it is closed.
    pub max_bad_frames_per_minute: u64,
    /// Group commit: wait this long (ms) for positions of other terminals before an append.
    pub batch_linger_ms: u64,
    /// ...or until this many positions are collected.
    pub batch_max_positions: u64,
    /// Time a downlink command waits for the terminal's answer, in seconds.
    pub downlink_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: String,
    /// A tracing filter such as `info` or `tongtu_server=debug,info`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./tongtu-data"),
            http: HttpConfig::default(),
            jt808: Jt808Config::default(),
            track: TrackSection::default(),
            rules: RulesSection::default(),
            map: MapSection::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        let s = tongtu_server::ServerSettings::default();
        HttpConfig {
            listen: "0.0.0.0:8080".into(),
            secure_cookie: s.secure_cookie,
            session_ttl_hours: s.session_ttl.num_hours(),
            max_body_bytes: s.max_body_bytes,
            max_upload_bytes: s.max_upload_bytes,
            login_max_failures: s.login_max_failures,
            login_max_failures_per_ip: s.login_max_failures_per_ip,
            login_window_secs: s.login_window.as_secs(),
        }
    }
}

impl Default for Jt808Config {
    fn default() -> Self {
        let g = tongtu_gateway::GatewayConfig::default();
        Jt808Config {
            listen: "0.0.0.0:7808".into(),
            heartbeat_secs: g.heartbeat_interval.as_secs(),
            idle_timeout_secs: g.idle_timeout.as_secs(),
            auth_timeout_secs: g.auth_timeout.as_secs(),
            max_connections: g.max_connections as u64,
            max_frame_bytes: g.max_frame_len as u64,
            max_bad_frames_per_minute: u64::from(g.max_bad_frames_per_minute),
            batch_linger_ms: g.batch_linger.as_millis() as u64,
            batch_max_positions: g.batch_max_positions as u64,
            downlink_timeout_secs: g.downlink_timeout.as_secs(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "human".into(),
            level: "info".into(),
        }
    }
}

impl Config {
    /// Loads the file (if given or if `./tongtu.toml` exists), then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let default_path = Path::new("tongtu.toml");
        let path = path.or_else(|| default_path.exists().then_some(default_path));
        let mut table = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                toml::from_str::<toml::Table>(&text)
                    .with_context(|| format!("parsing {}", p.display()))?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, std::env::vars())?;
        let cfg: Config = toml::Value::Table(table)
            .try_into()
            .context("invalid configuration")?;
        cfg.http
            .listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("http.listen {:?}", cfg.http.listen))?;
        cfg.jt808
            .listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("jt808.listen {:?}", cfg.jt808.listen))?;
        tongtu_server::map_sources::resolve_all(&cfg.map.sources).map_err(anyhow::Error::msg)?;
        if !matches!(cfg.log.format.as_str(), "human" | "json") {
            bail!(
                "log.format must be \"human\" or \"json\", got {:?}",
                cfg.log.format
            );
        }
        Ok(cfg)
    }

    pub fn server_settings(&self) -> tongtu_server::ServerSettings {
        tongtu_server::ServerSettings {
            session_ttl: chrono_hours(self.http.session_ttl_hours),
            secure_cookie: self.http.secure_cookie,
            max_body_bytes: self.http.max_body_bytes,
            max_upload_bytes: self.http.max_upload_bytes,
            login_max_failures: self.http.login_max_failures,
            login_max_failures_per_ip: self.http.login_max_failures_per_ip,
            login_window: std::time::Duration::from_secs(self.http.login_window_secs),
            data_dir: Some(self.data_dir.clone()),
            ..tongtu_server::ServerSettings::default()
        }
    }

    /// Directory of the track store.
    pub fn tracks_dir(&self) -> PathBuf {
        self.data_dir.join("tracks")
    }

    /// Track store tuning from the `[track]` section.
    pub fn track_config(&self) -> tongtu_track::TrackConfig {
        tongtu_track::TrackConfig {
            retention_days: self.track.retention_days,
            max_commit_delay: std::time::Duration::from_millis(self.track.max_commit_delay_ms),
            wal_file_bytes: self.track.wal_file_mb.max(1) << 20,
            wal_max_age: std::time::Duration::from_secs(self.track.wal_max_age_secs.max(1)),
            ..Default::default()
        }
    }

    /// The live rules service's settings from the `[rules]` section.
    pub fn rules_service(&self) -> tongtu_alarms::live::ServiceConfig {
        tongtu_alarms::live::ServiceConfig {
            tick_every: std::time::Duration::from_secs(self.rules.tick_secs.max(1)),
            warmup: std::time::Duration::from_secs(self.rules.warmup_hours * 3600),
            ..Default::default()
        }
    }

    /// The basemap file to serve, if any.
    pub fn basemap_path(&self) -> Option<PathBuf> {
        match &self.map.basemap_geojson {
            Some(p) => Some(p.clone()),
            None => Some(self.data_dir.join("basemap.geojson")).filter(|p| p.exists()),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("tongtu.db")
    }
}

fn chrono_hours(h: i64) -> tongtu_server::state::ChronoDuration {
    tongtu_server::state::ChronoDuration::hours(h.max(1))
}

/// Applies `TONGTU_<SECTION>_<KEY>` (and `TONGTU_<KEY>` for top-level keys) over the file's
/// values; the value is parsed with the type of the key's default.
fn apply_env(table: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) -> Result<()> {
    let defaults = toml::Value::try_from(Config::default()).context("default config")?;
    let Some(defaults) = defaults.as_table() else {
        bail!("default config is not a table")
    };
    let mut keys = Vec::new();
    for (k, v) in defaults {
        match v.as_table() {
            Some(section) => keys.extend(
                section
                    .iter()
                    .map(|(sk, sv)| (Some(k.clone()), sk.clone(), sv.clone())),
            ),
            None => keys.push((None, k.clone(), v.clone())),
        }
    }
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix("TONGTU_") else {
            continue;
        };
        let rest = rest.to_ascii_lowercase();
        let found = keys.iter().find(|(section, key, _)| match section {
            Some(s) => rest == format!("{s}_{key}"),
            None => rest == *key,
        });
        let Some((section, key, default)) = found else {
            continue;
        };
        let value = match default {
            toml::Value::Integer(_) => toml::Value::Integer(
                raw.parse()
                    .with_context(|| format!("{name}: expected an integer, got {raw:?}"))?,
            ),
            toml::Value::Boolean(_) => toml::Value::Boolean(
                raw.parse()
                    .with_context(|| format!("{name}: expected true or false, got {raw:?}"))?,
            ),
            _ => toml::Value::String(raw.clone()),
        };
        match section {
            Some(s) => {
                let entry = table
                    .entry(s.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let Some(t) = entry.as_table_mut() else {
                    bail!("[{s}] in the config file is not a table")
                };
                t.insert(key.clone(), value);
            }
            None => {
                table.insert(key.clone(), value);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn env_overrides_file_values_with_typed_parsing() {
        let mut t: toml::Table =
            toml::from_str("data_dir = \"/srv/a\"\n[http]\nlisten = \"127.0.0.1:1\"\n").unwrap();
        apply_env(
            &mut t,
            env(&[
                ("TONGTU_HTTP_LISTEN", "127.0.0.1:9000"),
                ("TONGTU_HTTP_SECURE_COOKIE", "true"),
                ("TONGTU_DATA_DIR", "/srv/b"),
                ("TONGTU_UNKNOWN", "x"),
            ]),
        )
        .unwrap();
        let cfg: Config = toml::Value::Table(t).try_into().unwrap();
        assert_eq!(cfg.http.listen, "127.0.0.1:9000");
        assert!(cfg.http.secure_cookie);
        assert_eq!(cfg.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(cfg.jt808.listen, "0.0.0.0:7808");
    }

    #[test]
    fn bad_env_values_are_reported_by_name() {
        let mut t = toml::Table::new();
        let err = apply_env(&mut t, env(&[("TONGTU_HTTP_SESSION_TTL_HOURS", "soon")])).unwrap_err();
        assert!(
            err.to_string().contains("TONGTU_HTTP_SESSION_TTL_HOURS"),
            "{err}"
        );
    }

    #[test]
    fn the_example_file_parses_to_the_defaults() {
        let text = include_str!("../../../tongtu.example.toml");
        let cfg: Config = toml::from_str(text).expect("example parses");
        let d = Config::default();
        assert_eq!(toml::to_string(&cfg).unwrap(), toml::to_string(&d).unwrap());
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected() {
        assert!(toml::from_str::<Config>("[http]\nlisten_port = 1\n").is_err());
    }
}
