//! `tongtu rules replay`: runs the supervision rules over stored tracks and prints every
//! alarm as a JSON line (the same code as the live engine, so the same alarms).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use tongtu_rules::{replay, RuleConfig};
use tongtu_track::TrackStore;

use crate::config::Config;
use crate::tracks_cli::{parse_window, registry_vehicles};

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
    let rows = registry_vehicles(cfg, args.plate.as_deref()).await?;
    let store = TrackStore::open_read_only(cfg.tracks_dir())
        .with_context(|| format!("opening the track store {}", cfg.tracks_dir().display()))?;
    let rules = RuleConfig::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for (id, plate, class) in rows {
        let Ok(vid) = u32::try_from(id) else { continue };
        let track = store.track(vid, from, to)?;
        for a in replay(&rules, &class, &track) {
            *counts.entry(a.rule.code()).or_default() += 1;
            let mut v = serde_json::to_value(&a)?;
            v["plate"] = serde_json::Value::String(plate.clone());
            v["rule_code"] = serde_json::Value::String(a.rule.code());
            writeln!(out, "{v}")?;
        }
    }
    out.flush()?;
    let total: usize = counts.values().sum();
    eprintln!("{total} alarm(s): {counts:?}");
    Ok(())
}
