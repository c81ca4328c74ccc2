//! The national assessment indicators (联网联控考核指标) as a service: the pure computation of
//! `tongtu_rules::indicators` fed from the registry, the track store and the alarms table.
//!
//! - [`compute`]: one cached `VehicleDay` per vehicle and closed Beijing day in
//!   `indicator_days` ([`catch_up`] computes each closed day once, [`nightly`] also settles
//!   the day before yesterday for late blind-area data, [`recompute`] overwrites a past
//!   period); today is never stored but computed live ([`today`]);
//! - [`report`]: any period for any grouping, scoped to the principal, with rankings, the
//!   monthly notice (通报) and the drill-down to the positions behind a vehicle-day's counts;
//! - [`export`]: the Excel workbook bureaus exchange (one sheet per level) and CSV;
//! - [`settings`]: the bureau's `IndicatorConfig`, validated and audited.
//!
//! Chaining rule: a day is always computed with every earlier day (from the first day the
//! track store holds) already stored, so each vehicle's first segment and online interval of
//! the day continue from the carry of its latest earlier stored day. [`compute_day`] and
//! [`recompute`] catch up the days before their range first; when a recomputed day's carry
//! changes, the vehicle's following stored days are recomputed until the carries agree again.

pub mod compute;
pub mod export;
pub mod report;
pub mod settings;

pub use compute::{catch_up, compute_day, nightly, recompute, today, RunSummary, MAX_RANGE_DAYS};
pub use export::{indicators_csv, indicators_workbook};
pub use report::{
    notice, ranking, report, trend, vehicle_drilldown, GroupName, IndicatorReport, Notice,
    NoticeItem, NoticeRow, RankedRow, ReportQuery, TrendDay, VehicleDrillDown, MAX_DRILL_ITEMS,
};
pub use settings::{load_config, save_config, validate_config};

use tongtu_rules::indicators::{IndicatorConfig, IndicatorError};

use crate::error::AlarmError;

/// Maps the computation's errors onto the crate's (whose variants the HTTP layer maps).
fn indicator_err(e: IndicatorError) -> AlarmError {
    match e {
        IndicatorError::Config {
            field,
            expected,
            found,
        } => AlarmError::invalid(&field, format!("expected {expected}, found {found}")),
        IndicatorError::Period {
            first_day,
            last_day,
        } => AlarmError::invalid(
            "to_day",
            format!("last day {last_day} is before first day {first_day}"),
        ),
        other => AlarmError::Internal(format!("indicators: {other}")),
    }
}

fn track_err(e: tongtu_track::TrackError) -> AlarmError {
    AlarmError::Internal(format!("track store: {e}"))
}

fn json_err(what: &str, e: serde_json::Error) -> AlarmError {
    AlarmError::Internal(format!("{what}: {e}"))
}

/// The parameters that shape a stored day (everything but targets, floors and weights, which
/// only the aggregation reads), as canonical JSON: days computed under other parameters are
/// reported as stale.
fn day_fingerprint(cfg: &IndicatorConfig) -> String {
    let mut v = serde_json::to_value(cfg).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        for k in ["targets", "floors", "enterprise_score", "platform_score"] {
            m.remove(k);
        }
    }
    v.to_string()
}

/// Runs blocking work (track reads, summaries) off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AlarmError::Internal(format!("indicator task: {e}")))?
}

/// `YYYY-MM-DD` of a Beijing day number.
pub fn day_label(day: i32) -> String {
    tongtu_track::day_date(day).format("%Y-%m-%d").to_string()
}
