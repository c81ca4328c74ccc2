//! `tongtu rules replay`: runs the supervision rules over stored tracks and prints every
//! alarm as a JSON line — the same code, parameters, geofences and per-vehicle exemptions as
//! the live service and the API's replay, so the same alarms.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use tongtu_registry::Principal;
use tongtu_track::TrackStore;

use crate::config::Config;
use crate::tracks_cli::parse_window;

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Start: `2026-11-25`, `2026-11-25 08:00` (Beijing time) or RFC 3339.
    #[arg(long)]
    pub from: String,
    /// End (exclusive), same forms; default one day after --from.
    #[arg(long)]
    pub to: Option<String>,
    /// Only this vehicle.
    #[arg(long)]
    pub plate: Option<String>,
}

pub async fn run_replay(cfg: &Config, args: &ReplayArgs) -> Result<()> {
    let (from, to) = parse_window(&args.from, args.to.as_deref())?;
    let pool = crate::open_db(cfg).await?;
    let store = TrackStore::open_read_only(cfg.tracks_dir())
        .with_context(|| format!("opening the track store {}", cfg.tracks_dir().display()))?;
    let alarms = tongtu_alarms::replay::replay(
        &pool,
        store,
        &Principal::system(),
        from,
        to,
        args.plate.as_deref(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    pool.close().await;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for a in &alarms {
        *counts.entry(a.rule_code.as_str()).or_default() += 1;
        writeln!(out, "{}", serde_json::to_string(a)?)?;
    }
    out.flush()?;
    eprintln!("{} alarm(s): {counts:?}", alarms.len());
    Ok(())
}
