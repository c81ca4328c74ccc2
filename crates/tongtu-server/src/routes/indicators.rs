//! Assessment indicators (考核指标): reports for any period and grouping, ranking, the monthly
//! notice, a vehicle-day's drill-down, exports, parameters and recomputation. The figures come
//! from `tongtu_alarms::indicators`; this module parses requests and picks the representation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tongtu_alarms::indicators::{self as ind, ReportQuery};
use tongtu_rules::indicators::{Grouping, Indicator, IndicatorConfig};
use tongtu_track::{date_day, day_of, TrackStore};

use crate::authz::{Authz, RegistryRead, RulesManage};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn tracks(st: &AppState) -> ApiResult<Arc<TrackStore>> {
    st.supervision.tracks.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the track store is not running on this server",
        )
    })
}

pub(crate) fn only(params: &HashMap<String, String>, known: &[&str]) -> ApiResult<()> {
    for k in params.keys() {
        if !known.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {k:?}; known: {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn day(params: &HashMap<String, String>, field: &str) -> ApiResult<Option<i32>> {
    match params.get(field).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|d| Some(date_day(d)))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "{field}: expected a date such as 2026-11-01, got {v:?}"
                ))
            }),
    }
}

/// `from`/`to` (Beijing dates, inclusive); default: this month up to today.
fn period(params: &HashMap<String, String>) -> ApiResult<(i32, i32)> {
    let today = day_of(now_ms());
    let to = day(params, "to")?.unwrap_or(today);
    let from = match day(params, "from")? {
        Some(d) => d,
        None => {
            let d = tongtu_track::day_date(to);
            date_day(d.with_day(1).unwrap_or(d))
        }
    };
    if to < from {
        return Err(ApiError::bad_request("to: must not be before from"));
    }
    if to > today {
        return Err(ApiError::bad_request("to: the figures end today"));
    }
    if i64::from(to - from) >= i64::from(ind::MAX_RANGE_DAYS) {
        return Err(ApiError::bad_request(format!(
            "the period is limited to {} days",
            ind::MAX_RANGE_DAYS
        )));
    }
    Ok((from, to))
}

fn grouping(params: &HashMap<String, String>) -> ApiResult<Grouping> {
    match params.get("group").map(String::as_str) {
        None | Some("") | Some("enterprise") => Ok(Grouping::Enterprise),
        Some("city") => Ok(Grouping::City),
        Some("region") => Ok(Grouping::Region),
        Some("vehicle") => Ok(Grouping::Vehicle),
        Some(g) => Err(ApiError::bad_request(format!(
            "group: unknown {g:?}; known: city, region, enterprise, vehicle"
        ))),
    }
}

fn query(params: &HashMap<String, String>) -> ApiResult<ReportQuery> {
    let (from_day, to_day) = period(params)?;
    let enterprise_id =
        match params.get("enterprise_id").filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("enterprise_id: not an integer: {v:?}"))
            })?),
            None => None,
        };
    Ok(ReportQuery {
        from_day,
        to_day,
        grouping: grouping(params)?,
        enterprise_id,
        region: params.get("region").filter(|v| !v.is_empty()).cloned(),
    })
}

async fn config(st: &AppState) -> ApiResult<IndicatorConfig> {
    Ok(ind::load_config(&st.db).await?)
}

/// `GET /indicators?from&to&group&enterprise_id&region`.
pub async fn report(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ind::IndicatorReport>> {
    only(&params, &["from", "to", "group", "enterprise_id", "region"])?;
    let q = query(&params)?;
    let cfg = config(&st).await?;
    Ok(Json(
        ind::report(&st.db, &tracks(&st)?, &cfg, &p, &q, now_ms()).await?,
    ))
}

/// `GET /indicators/trend?from&to&enterprise_id&region`: the scope's figures day by day.
pub async fn trend(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    only(&params, &["from", "to", "enterprise_id", "region"])?;
    let q = query(&params)?;
    let cfg = config(&st).await?;
    let days = ind::trend(&st.db, &tracks(&st)?, &cfg, &p, &q, now_ms()).await?;
    Ok(Json(json!({ "items": days })))
}

fn indicator(v: Option<&String>) -> ApiResult<Indicator> {
    let v = v.map(String::as_str).unwrap_or("online_rate");
    serde_json::from_value(Value::String(v.to_string())).map_err(|_| {
        ApiError::bad_request(format!(
            "indicator: unknown {v:?}; known: access_rate, online_rate, track_complete_rate, \
             data_qualified_rate, drift_vehicle_rate, avg_speeding, avg_fatigue, enterprise_score"
        ))
    })
}

/// `GET /indicators/ranking?from&to&indicator`: enterprises, best first.
pub async fn ranking(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    only(&params, &["from", "to", "indicator"])?;
    let (from, to) = period(&params)?;
    let by = indicator(params.get("indicator"))?;
    let cfg = config(&st).await?;
    let rows = ind::ranking(&st.db, &tracks(&st)?, &cfg, &p, from, to, by, now_ms()).await?;
    Ok(Json(json!({ "indicator": by, "items": rows })))
}

/// `GET /indicators/notice?month=YYYY-MM`: the monthly 通报 (default: last month).
pub async fn notice(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ind::Notice>> {
    only(&params, &["month"])?;
    let (year, month) = match params.get("month").filter(|v| !v.is_empty()) {
        Some(v) => NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d")
            .map(|d| (d.year(), d.month()))
            .map_err(|_| ApiError::bad_request(format!("month: expected 2026-10, got {v:?}")))?,
        None => {
            let today = tongtu_track::day_date(day_of(now_ms()));
            let last = today
                .with_day(1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(today);
            (last.year(), last.month())
        }
    };
    let cfg = config(&st).await?;
    Ok(Json(
        ind::notice(&st.db, &tracks(&st)?, &cfg, &p, year, month, now_ms()).await?,
    ))
}

/// `GET /indicators/vehicles/{id}/drilldown?day&cap`: the positions behind a vehicle-day.
pub async fn drilldown(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ind::VehicleDrillDown>> {
    only(&params, &["day", "cap"])?;
    let d = day(&params, "day")?.unwrap_or_else(|| day_of(now_ms()));
    let cap = match params.get("cap") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("cap: not a number: {v:?}")))?,
        None => 200,
    };
    let cfg = config(&st).await?;
    Ok(Json(
        ind::vehicle_drilldown(&st.db, &tracks(&st)?, &cfg, &p, id, d, cap, now_ms()).await?,
    ))
}

/// `GET /indicators/export?from&to&format=xlsx|csv&group&enterprise_id&region`: the workbook
/// with one sheet per level (city, regions, enterprises, vehicles), or one level as CSV, of
/// the same scope as the page shows (a region or one enterprise when filtered).
pub async fn export(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    only(
        &params,
        &["from", "to", "format", "group", "enterprise_id", "region"],
    )?;
    let q = query(&params)?;
    let cfg = config(&st).await?;
    let tracks = tracks(&st)?;
    let now = now_ms();
    let name = format!(
        "indicators-{}-{}",
        tongtu_track::day_date(q.from_day),
        tongtu_track::day_date(q.to_day)
    );
    match params.get("format").map(String::as_str) {
        None | Some("") | Some("xlsx") => {
            let mut reports = Vec::with_capacity(4);
            for g in [
                Grouping::City,
                Grouping::Region,
                Grouping::Enterprise,
                Grouping::Vehicle,
            ] {
                let q = ReportQuery {
                    grouping: g,
                    ..q.clone()
                };
                reports.push(ind::report(&st.db, &tracks, &cfg, &p, &q, now).await?);
            }
            let bytes =
                ind::indicators_workbook(&reports[0], &reports[1], &reports[2], &reports[3])?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        Some("csv") => {
            let r = ind::report(&st.db, &tracks, &cfg, &p, &q, now).await?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.csv\""),
                    ),
                ],
                ind::indicators_csv(&r),
            )
                .into_response())
        }
        Some(f) => Err(ApiError::bad_request(format!(
            "format: unknown {f:?}; known: xlsx, csv"
        ))),
    }
}

pub async fn get_settings(
    State(st): State<AppState>,
    Authz(..): Authz<RegistryRead>,
) -> ApiResult<Json<IndicatorConfig>> {
    Ok(Json(config(&st).await?))
}

pub async fn put_settings(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    ApiJson(cfg): ApiJson<IndicatorConfig>,
) -> ApiResult<Json<IndicatorConfig>> {
    Ok(Json(ind::save_config(&st.db, &p, &cfg, now_ms()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecomputeRequest {
    /// First Beijing date, `2026-10-01`.
    pub from: String,
    /// Last Beijing date (before today).
    pub to: String,
}

/// `POST /indicators/recompute`: recomputes stored days (after parameter changes or late
/// data); one computation runs at a time.
pub async fn recompute(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    ApiJson(req): ApiJson<RecomputeRequest>,
) -> ApiResult<Json<Value>> {
    let params = HashMap::from([("from".to_string(), req.from), ("to".to_string(), req.to)]);
    let (from, to) = period(&params)?;
    if to >= day_of(now_ms()) {
        return Err(ApiError::bad_request(
            "to: today is computed live; recompute ends yesterday at the latest",
        ));
    }
    let cfg = config(&st).await?;
    let tracks = tracks(&st)?;
    let _one = st.supervision.indicator_lock.lock().await;
    let run = ind::recompute(&st.db, &tracks, &cfg, from, to, now_ms()).await?;
    let mut conn = st
        .db
        .acquire()
        .await
        .map_err(tongtu_registry::RegistryError::from)?;
    tongtu_registry::audit::write(
        &mut conn,
        &tongtu_registry::audit::AuditEntry {
            actor: &p,
            action: "indicators.recompute",
            entity: "indicator_days",
            entity_id: None,
            summary: format!(
                "重算考核指标 {} 至 {}",
                tongtu_track::day_date(from),
                tongtu_track::day_date(to)
            ),
            before: None,
            after: serde_json::to_value(&run).ok(),
        },
    )
    .await?;
    Ok(Json(json!({
        "days": run.days,
        "propagated": run.propagated,
        "vehicle_days": run.vehicle_days,
    })))
}
