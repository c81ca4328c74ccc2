//! `tongtu export track` and `tongtu admin check-tracks`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use tongtu_track::export::{Exporter, Format};
use tongtu_track::{TrackStore, BEIJING_OFFSET_MS, DAY_MS};

use crate::config::Config;

/// Options of `tongtu export track`.
#[derive(clap::Args, Debug, Default)]
pub struct TrackExportArgs {
    /// Plate of the vehicle (track export); without it every vehicle of the window.
    #[arg(long)]
    pub plate: Option<String>,
    /// Start: `2026-11-25`, `2026-11-25 08:00[:00]` (Beijing time) or RFC 3339.
    #[arg(long)]
    pub from: Option<String>,
    /// End (exclusive), same forms; default one day after --from.
    #[arg(long)]
    pub to: Option<String>,
    /// gpx, kml, geojson, csv or parquet.
    #[arg(long, default_value = "gpx")]
    pub format: String,
}

/// Parses a Beijing-time instant into UTC milliseconds.
pub fn parse_instant(s: &str) -> Result<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let tz =
        chrono::FixedOffset::east_opt((BEIJING_OFFSET_MS / 1000) as i32).context("UTC+8 offset")?;
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            if let Some(t) = tz.from_local_datetime(&t).single() {
                return Ok(t.timestamp_millis());
            }
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(tongtu_track::day_start_ms(tongtu_track::date_day(d)));
    }
    bail!("cannot read {s:?} as a time: use 2026-11-25, \"2026-11-25 08:00\" (Beijing time) or RFC 3339")
}

/// `--from` / `--to` (exclusive; one day after `--from` by default) as UTC milliseconds.
pub fn parse_window(from: &str, to: Option<&str>) -> Result<(i64, i64)> {
    let from = parse_instant(from)?;
    let to = match to {
        Some(t) => parse_instant(t)?,
        None => from + DAY_MS,
    };
    if to <= from {
        bail!("--to must be after --from");
    }
    Ok((from, to))
}

/// (id, plate, vehicle class) of one plate's vehicle, or of every vehicle; an unknown plate
/// is an error.
pub async fn registry_vehicles(
    cfg: &Config,
    plate: Option<&str>,
) -> Result<Vec<(i64, String, String)>> {
    let pool = crate::open_db(cfg).await?;
    let rows: Vec<(i64, String, String)> = match plate {
        Some(p) => {
            sqlx::query_as("SELECT id, plate, vehicle_class FROM vehicles WHERE plate = $1")
                .bind(p.trim())
                .fetch_all(&pool)
                .await?
        }
        None => {
            sqlx::query_as("SELECT id, plate, vehicle_class FROM vehicles ORDER BY id")
                .fetch_all(&pool)
                .await?
        }
    };
    pool.close().await;
    if let (Some(p), true) = (plate, rows.is_empty()) {
        bail!("no vehicle with plate {p:?} in the registry");
    }
    Ok(rows)
}

pub async fn run_export_track(
    cfg: &Config,
    args: &TrackExportArgs,
    out: Option<PathBuf>,
) -> Result<()> {
    let format: Format = args.format.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(from) = args.from.as_deref() else {
        bail!("--from is required, e.g. --from 2026-11-25");
    };
    let (from, to) = parse_window(from, args.to.as_deref())?;
    let rows = registry_vehicles(cfg, args.plate.as_deref()).await?;
    let plates: std::collections::HashMap<u32, String> = rows
        .into_iter()
        .filter_map(|(id, p, _)| Some((u32::try_from(id).ok()?, p)))
        .collect();
    let store = TrackStore::open_read_only(cfg.tracks_dir())
        .with_context(|| format!("opening the track store {}", cfg.tracks_dir().display()))?;
    let ids: Vec<u32> = if args.plate.is_some() {
        plates.keys().copied().collect()
    } else {
        store.vehicles_between(from, to)
    };
    let writer: Box<dyn Write + Send> = match &out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let title = args.plate.clone().unwrap_or_else(|| "tongtu tracks".into());
    let mut ex = Exporter::new(format, writer, &title)?;
    store.for_each_track(from, to, Some(&ids), |id, track| {
        let plate = plates
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("vehicle-{id}"));
        ex.vehicle(&plate, track)
    })?;
    let rows = ex.rows();
    ex.finish()?.flush()?;
    if let Some(path) = out {
        eprintln!(
            "exported {rows} positions of {} vehicle(s) to {}",
            ids.len(),
            path.display()
        );
    }
    Ok(())
}

pub fn run_check_tracks(cfg: &Config) -> Result<()> {
    let dir = cfg.tracks_dir();
    if !dir.is_dir() {
        bail!("no track store at {}", dir.display());
    }
    let r = tongtu_track::check::check_store(&dir);
    println!(
        "checked {} segment files ({} vehicle blocks, {} positions, {:.1} MiB) and {} WAL files ({} positions)",
        r.segments,
        r.blocks,
        r.positions,
        r.bytes as f64 / 1048576.0,
        r.wal_files,
        r.wal_positions
    );
    for n in &r.notes {
        println!("note: {n}");
    }
    for p in &r.problems {
        println!("PROBLEM: {p}");
    }
    if r.ok() {
        println!("OK");
        Ok(())
    } else {
        bail!("{} problem(s) found", r.problems.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(
            parse_instant("2026-11-25").unwrap(),
            parse_instant("2026-11-24T16:00:00Z").unwrap()
        );
        assert_eq!(
            parse_instant("2026-11-25 08:30").unwrap(),
            parse_instant("2026-11-25T00:30:00Z").unwrap()
        );
        let e = parse_instant("yesterday").unwrap_err().to_string();
        assert!(e.contains("\"yesterday\""), "{e}");
    }
}
