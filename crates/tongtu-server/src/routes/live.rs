//! Live monitoring: the fleet's current positions and states, the offline basemap, and a
//! vehicle's track for playback or download.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::json;
use tongtu_alarms::commands;
use tongtu_alarms::monitor::{self, LiveSnapshot};
use tongtu_registry::{record, Vehicle};
use tongtu_track::export::{Exporter, Format};

use crate::authz::{Authz, RegistryRead};
use crate::error::{ApiError, ApiResult};
use crate::routes::alarms::parse_time;
use crate::state::AppState;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub async fn vehicles(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
) -> ApiResult<Json<LiveSnapshot>> {
    let snap = monitor::live_vehicles(
        &st.db,
        &p,
        st.supervision.tracks.as_deref(),
        st.supervision.live.as_deref(),
        now_ms(),
    )
    .await?;
    Ok(Json(snap))
}

/// `GET /live/vehicles/{id}`: the vehicle card.
pub async fn card(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<monitor::VehicleCard>> {
    let card = monitor::vehicle_card(
        &st.db,
        &p,
        st.supervision.tracks.as_deref(),
        st.supervision.live.as_deref(),
        st.supervision.roads.as_deref(),
        id,
        now_ms(),
    )
    .await?;
    Ok(Json(card))
}

/// `GET /dashboard/today`: the overview of today.
pub async fn dashboard(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
) -> ApiResult<Json<tongtu_alarms::dashboard::Dashboard>> {
    let d = tongtu_alarms::dashboard::today(
        &st.db,
        &p,
        st.supervision.tracks.as_deref(),
        st.supervision.live.as_deref(),
        now_ms(),
    )
    .await?;
    Ok(Json(d))
}

/// `GET /map/sources`: the online basemaps the console may switch to.
pub async fn map_sources(
    State(st): State<AppState>,
    Authz(..): Authz<RegistryRead>,
) -> Json<Vec<crate::map_sources::MapSource>> {
    Json(st.supervision.map_sources.as_ref().clone())
}

/// The operator's GeoJSON (roads, places, boundaries) for the offline basemap; an empty
/// collection when none is configured.
pub async fn basemap(State(st): State<AppState>, Authz(..): Authz<RegistryRead>) -> Response {
    let body = match &st.supervision.basemap {
        Some(b) => Body::from(b.as_ref().clone()),
        None => Body::from(r#"{"type":"FeatureCollection","features":[]}"#),
    };
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            // The map data changes with a deployment, not per request.
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Longest period of one track request.
const MAX_TRACK_DAYS: i64 = 7;

pub async fn track(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    for k in params.keys() {
        if !matches!(k.as_str(), "from" | "to" | "format") {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {k:?}; known: from, to, format"
            )));
        }
    }
    // Visibility first: an officer asking for another enterprise's vehicle gets 404.
    let vehicle = record::get::<Vehicle>(&st.db, &p, id).await?;
    let now = now_ms();
    let from = match params.get("from").filter(|v| !v.is_empty()) {
        Some(v) => parse_time("from", v)?,
        None => parse_time(
            "from",
            &(Utc::now() + chrono::Duration::hours(8))
                .format("%Y-%m-%d")
                .to_string(),
        )?,
    };
    let to = match params.get("to").filter(|v| !v.is_empty()) {
        Some(v) => parse_time("to", v)?,
        None => now.max(from + 1),
    };
    if to <= from {
        return Err(ApiError::bad_request("to: must be after from"));
    }
    if to - from > MAX_TRACK_DAYS * 86_400_000 {
        return Err(ApiError::bad_request(format!(
            "the period is limited to {MAX_TRACK_DAYS} days"
        )));
    }
    let format = match params.get("format").map(String::as_str) {
        None | Some("") | Some("json") => None,
        Some(f) => Some(
            f.parse::<Format>()
                .ok()
                .filter(|f| !matches!(f, Format::Parquet))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "format: unknown {f:?}; known: json, gpx, kml, csv, geojson"
                    ))
                })?,
        ),
    };
    let tracks = st.supervision.tracks.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the track store is not running on this server",
        )
    })?;
    let vid = u32::try_from(id).map_err(|_| ApiError::bad_request("vehicle id out of range"))?;
    let plate = vehicle.plate.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Response, String> {
        let track = tracks.track(vid, from, to).map_err(|e| e.to_string())?;
        Ok(match format {
            None => {
                let (points, truncated) = monitor::track_points(&track);
                Json(json!({
                    "vehicle_id": id,
                    "plate": plate,
                    "from": tongtu_alarms::model::ts(from),
                    "to": tongtu_alarms::model::ts(to),
                    "truncated": truncated,
                    "points": points,
                }))
                .into_response()
            }
            Some(f) => {
                let mut ex = Exporter::new(f, Vec::new(), &plate).map_err(|e| e.to_string())?;
                ex.vehicle(&plate, &track).map_err(|e| e.to_string())?;
                let bytes = ex.finish().map_err(|e| e.to_string())?;
                // ASCII file name (plates are not), with the plate in the RFC 5987 form.
                let name = format!("track-{id}.{}", f.extension());
                (
                    [
                        (header::CONTENT_TYPE, f.mime().to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{name}\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response()
            }
        })
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    result.map_err(|e| {
        tracing::error!(error = %e, vehicle = id, "reading a track");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "轨迹读取失败 (reading the track failed)",
        )
    })
}

fn downlink(st: &AppState) -> ApiResult<std::sync::Arc<dyn tongtu_alarms::workflow::Downlink>> {
    st.supervision.downlink.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the JT/T 808 gateway is not running on this server",
        )
    })
}

/// `POST /vehicles/{id}/text`: a text read out to the driver (0x8300).
pub async fn text(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
    crate::error::ApiJson(input): crate::error::ApiJson<commands::TextInput>,
) -> ApiResult<Json<commands::CommandResult>> {
    let dl = downlink(&st)?;
    Ok(Json(
        commands::text(&st.db, dl.as_ref(), &p, id, &input).await?,
    ))
}

/// `POST /vehicles/{id}/locate`: where the terminal is now (0x8201).
pub async fn locate(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<commands::CommandResult>> {
    let dl = downlink(&st)?;
    Ok(Json(commands::locate(&st.db, dl.as_ref(), &p, id).await?))
}

/// `POST /vehicles/{id}/params`: the terminal's parameters (0x8104).
pub async fn params(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<commands::CommandResult>> {
    let dl = downlink(&st)?;
    Ok(Json(
        commands::read_params(&st.db, dl.as_ref(), &p, id).await?,
    ))
}
