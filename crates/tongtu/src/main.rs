//! `tongtu`: the single binary of the platform. It parses the command line and the
//! configuration and wires the crates together; the logic lives in the crates.

mod bench_console;
mod bench_gateway;
mod bench_rules;
mod bench_track;
mod config;
mod demo;
mod gateway_dir;
mod gateway_wiring;
mod report_cli;
mod rules_cli;
mod simulate;
mod tracks_cli;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tongtu_registry::auth::{self, UserInput};
use tongtu_registry::{db, excel, Principal};

use config::Config;

#[derive(Parser)]
#[command(
    name = "tongtu",
    version,
    about = "Tongtu (通途): supervision platform of a municipal transport bureau",
    long_about = "Tongtu (通途) runs the daily work of a city transport bureau: the registry of transport \
enterprises, key operating vehicles, drivers and JT/T 808 terminals, with users, roles and an audit log, \
served as a web console and an HTTP API from this one binary.",
    after_help = "Examples:\n  \
tongtu demo                                  # demo city with 3,000 vehicles at http://127.0.0.1:8080\n  \
tongtu serve --config /etc/tongtu.toml       # production server\n  \
TONGTU_HTTP_LISTEN=0.0.0.0:9000 tongtu serve  # any config key can be set from the environment\n  \
tongtu admin create-user --username li --role bureau_supervisor --display-name 李工\n  \
tongtu admin reset-password --username admin\n  \
tongtu import vehicles vehicles.xlsx         # all-or-nothing Excel import\n  \
tongtu export vehicles all-vehicles.xlsx\n  \
tongtu export track --plate 粤Q12345 --from 2026-11-25 --format gpx q12345.gpx\n  \
tongtu admin check-tracks                    # verify track files"
)]
struct Cli {
    /// Configuration file (default: ./tongtu.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a fresh demo city (regions, enterprises, vehicles, terminals, drivers, users) and serve it.
    Demo(demo::DemoArgs),
    /// Drive the demo fleet as real JT/T 808 terminals against a gateway (violations included).
    Simulate(simulate::SimulateArgs),
    /// Serve the web console and the API with the configured data directory.
    Serve,
    /// User administration and integrity checks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Benchmarks that print their figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Supervision rules over stored tracks.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Reports generated from the data.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Import an Excel sheet into a registry collection (all or nothing).
    Import {
        /// enterprises, vehicles, drivers or terminals
        collection: String,
        file: PathBuf,
    },
    /// Export a registry collection to an Excel sheet, or tracks (`export track --plate ...
    /// --from ... --to ... --format gpx|kml|geojson|csv|parquet [FILE]`, stdout without FILE).
    Export {
        /// enterprises, vehicles, drivers, terminals or track
        collection: String,
        file: Option<PathBuf>,
        #[command(flatten)]
        track: tracks_cli::TrackExportArgs,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The half-year work report (上半年工作总结及下半年工作计划) as DOCX, HTML or PDF.
    HalfYear(report_cli::HalfYearArgs),
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Replay the rules over a period of stored tracks; prints alarms as JSON lines.
    Replay(rules_cli::ReplayArgs),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// JT/T 808 gateway: concurrent connections, server memory, durable acks/s, ack latency.
    Gateway(bench_gateway::BenchGatewayArgs),
    /// Load generator of `bench gateway` (runs as its child process).
    #[command(hide = true)]
    GatewayLoad(bench_gateway::BenchGatewayLoadArgs),
    /// Track store: ingest, compaction, bytes per position, queries, Parquet; SQLite as peer.
    Track(bench_track::BenchTrackArgs),
    /// Rule engine: positions evaluated per second on one core.
    Rules(bench_rules::BenchRulesArgs),
    /// Live map in headless Chromium: terminal-to-marker latency, panning frame rate, page load.
    Console(bench_console::BenchConsoleArgs),
    /// Assessment indicators: all of them for a month of a synthetic fleet.
    Indicators(BenchIndicatorsArgs),
}

#[derive(clap::Args, Debug)]
struct BenchIndicatorsArgs {
    #[arg(long, default_value_t = 3000)]
    vehicles: u32,
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Worker threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Verify track segment checksums and indexes and WAL records; safe while serving.
    CheckTracks,
    /// Create a user. Without --password a random one is generated and printed.
    CreateUser {
        #[arg(long)]
        username: String,
        /// bureau_admin, bureau_supervisor, enterprise_officer or viewer
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Required for enterprise_officer.
        #[arg(long)]
        enterprise_id: Option<i64>,
        /// Initial password (prefer the TONGTU_NEW_PASSWORD environment variable to keep it out of shell history).
        #[arg(long, env = "TONGTU_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a new password for a user and end their sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "TONGTU_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cfg.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// A readable random password for printed credentials (no look-alike characters).
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..14)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn open_db(cfg: &Config) -> Result<sqlx::SqlitePool> {
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    let pool = db::open(&cfg.db_path())
        .await
        .with_context(|| format!("opening {}", cfg.db_path().display()))?;
    tongtu_alarms::migrate(&pool)
        .await
        .context("migrating the alarm tables")?;
    tongtu_records::migrate(&pool)
        .await
        .context("migrating the register tables")?;
    tongtu_report::report::migrate(&pool)
        .await
        .context("migrating the report tables")?;
    Ok(pool)
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal sent right after the server says it is ready
/// (a service manager, a test) is never lost to the default action.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut int) = signals;
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! { _ = term => {}, _ = int => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}

/// Binds the HTTP listener and serves until a shutdown signal.
pub async fn serve_http(
    cfg: &Config,
    pool: sqlx::SqlitePool,
    listen: &str,
    on_ready: impl FnOnce(std::net::SocketAddr, std::net::SocketAddr),
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding HTTP {listen}"))?;
    let addr = listener.local_addr()?;
    if !tongtu_server::web::console_built() {
        tracing::warn!(
            "this binary was built with TONGTU_SKIP_WEB_BUILD=1: the web console is a placeholder"
        );
    }
    let mut state = tongtu_server::AppState::new(pool.clone(), cfg.server_settings());
    let basemap = match cfg.basemap_path() {
        Some(p) => Some(std::sync::Arc::new(
            std::fs::read(&p).with_context(|| format!("reading the basemap {}", p.display()))?,
        )),
        None => None,
    };
    // A basemap that is not GeoJSON is a configuration error worth stopping for; one without
    // named roads only leaves the card without a road name.
    let roads = match &basemap {
        Some(b) => Some(std::sync::Arc::new(
            tongtu_alarms::roads::RoadIndex::from_geojson(b).context("reading the basemap")?,
        )),
        None => None,
    };
    let gateway = gateway_wiring::start(cfg, pool.clone(), &state.metrics.registry).await?;
    let live = tongtu_alarms::monitor::LiveHub::new();
    let rules = gateway_wiring::start_rules(
        cfg,
        &gateway,
        live.clone(),
        pool.clone(),
        &state.metrics.registry,
    )
    .await?;
    let indicator_lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    let indicators =
        gateway_wiring::start_indicators(pool.clone(), gateway.store(), indicator_lock.clone());
    state.supervision = tongtu_server::state::Supervision {
        indicator_lock,
        tracks: Some(gateway.store()),
        downlink: Some(gateway_wiring::downlink(&gateway, pool.clone())),
        rules: Some(rules.handle()),
        live: Some(live),
        roads,
        basemap,
        map_sources: std::sync::Arc::new(
            tongtu_server::map_sources::resolve_all(&cfg.map.sources)
                .map_err(anyhow::Error::msg)?,
        ),
    };
    let shutdown = shutdown_signal();
    on_ready(addr, gateway.local_addr());
    let served = tongtu_server::serve(listener, state, shutdown).await;
    // HTTP has drained; the rules service stores what it raised, then the gateway acks what
    // is durable and the track store closes.
    // A day being computed is one transaction: stopping mid-way loses nothing.
    indicators.abort();
    rules.stop().await;
    gateway.shutdown().await?;
    served?;
    pool.close().await;
    Ok(())
}

async fn run_admin(cfg: &Config, cmd: AdminCommand) -> Result<()> {
    if let AdminCommand::CheckTracks = cmd {
        return tracks_cli::run_check_tracks(cfg);
    }
    let pool = open_db(cfg).await?;
    let system = Principal::system();
    match cmd {
        // Returned above, before a database was opened.
        AdminCommand::CheckTracks => {}
        AdminCommand::CreateUser {
            username,
            role,
            display_name,
            enterprise_id,
            password,
        } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            let input = UserInput {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                role,
                enterprise_id,
                password: Some(password.clone()),
                disabled: false,
            };
            let user = auth::create_user(&pool, &system, &input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user {} (id {}, role {})",
                user.username, user.id, user.role
            );
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::ResetPassword { username, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            auth::reset_password(&pool, &system, &username, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("password of {username} reset; their sessions were ended");
            if generated {
                println!("new password: {password}");
            }
        }
    }
    Ok(())
}

macro_rules! with_collection {
    ($name:expr, $R:ident => $body:expr) => {
        match $name {
            "enterprises" => {
                type $R = tongtu_registry::Enterprise;
                $body
            }
            "vehicles" => {
                type $R = tongtu_registry::Vehicle;
                $body
            }
            "drivers" => {
                type $R = tongtu_registry::Driver;
                $body
            }
            "terminals" => {
                type $R = tongtu_registry::Terminal;
                $body
            }
            other => bail!(
                "unknown collection {other:?}: use enterprises, vehicles, drivers or terminals"
            ),
        }
    };
}

async fn run_import(cfg: &Config, collection: &str, file: &Path) -> Result<()> {
    let pool = open_db(cfg).await?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let result = with_collection!(collection, R => excel::import::<R>(&pool, &Principal::system(), &bytes).await);
    match result {
        Ok(n) => {
            println!("imported {n} rows into {collection}");
            Ok(())
        }
        Err(tongtu_registry::RegistryError::Import(cells)) => {
            for c in &cells {
                eprintln!(
                    "row {} column {} ({}): {}",
                    c.row, c.column, c.header, c.reason
                );
            }
            bail!(
                "import rejected: {} bad cells, nothing was written",
                cells.len()
            )
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

async fn run_export(cfg: &Config, collection: &str, file: &Path) -> Result<()> {
    let pool = open_db(cfg).await?;
    let q = tongtu_registry::ListQuery::default();
    let bytes = with_collection!(collection, R => excel::export::<R>(&pool, &Principal::system(), &q).await)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(file, bytes).with_context(|| format!("writing {}", file.display()))?;
    println!("exported {collection} to {}", file.display());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let cfg = Config::load(cli.config.as_deref())?;
    init_logging(&cfg);
    match cli.command {
        Command::Demo(args) => demo::run(cfg, args).await,
        Command::Simulate(args) => simulate::run(args).await,
        Command::Serve => {
            let pool = open_db(&cfg).await?;
            let listen = cfg.http.listen.clone();
            serve_http(&cfg, pool, &listen, |addr, _jt808| {
                println!(
                    "Tongtu is serving http://{addr} (data: {})",
                    cfg.data_dir.display()
                );
            })
            .await
        }
        Command::Admin(cmd) => run_admin(&cfg, cmd).await,
        Command::Rules(RulesCommand::Replay(args)) => rules_cli::run_replay(&cfg, &args).await,
        Command::Report(ReportCommand::HalfYear(args)) => report_cli::run(&cfg, args).await,
        Command::Bench(BenchCommand::Rules(args)) => bench_rules::run(args),
        Command::Bench(BenchCommand::Track(args)) => {
            let rt = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || bench_track::run(args, rt)).await?
        }
        Command::Bench(BenchCommand::Gateway(args)) => bench_gateway::run(args).await,
        Command::Bench(BenchCommand::Console(args)) => bench_console::run(args).await,
        Command::Bench(BenchCommand::Indicators(args)) => {
            let mut o =
                tongtu_rules::indicators::bench::BenchOptions::new(args.vehicles, args.days);
            if let Some(t) = args.threads {
                o.threads = t;
            }
            let report =
                tokio::task::spawn_blocking(move || tongtu_rules::indicators::bench::run_with(&o))
                    .await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench(BenchCommand::GatewayLoad(args)) => bench_gateway::run_load(args).await,
        Command::Import { collection, file } => run_import(&cfg, &collection, &file).await,
        Command::Export {
            collection,
            file,
            track,
        } => {
            if collection == "track" || collection == "tracks" {
                tracks_cli::run_export_track(&cfg, &track, file).await
            } else {
                let Some(file) = file else {
                    bail!("give the Excel file to write, e.g. tongtu export {collection} {collection}.xlsx");
                };
                run_export(&cfg, &collection, &file).await
            }
        }
    }
}
