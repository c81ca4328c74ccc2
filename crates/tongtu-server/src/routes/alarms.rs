//! Alarms and their handling workflow, enforcement cases, rule settings, geofences, replay
//! and the live alarm feed (WebSocket). Handlers parse and authorise; `tongtu-alarms` does
//! the work.

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tongtu_alarms::fences::{self, FenceInput, FenceRecord};
use tongtu_alarms::live::AlarmUpdate;
use tongtu_alarms::monitor::{self, LiveEvent};
use tongtu_alarms::store::{self, AlarmQuery};
use tongtu_alarms::workflow::{
    self, CaseInput, CaseQuery, CloseInput, EscalateInput, HandleInput, ReviewInput,
};
use tongtu_alarms::{settings, AlarmDetail, AlarmItem, AlarmState, Case, Evidence, Page};
use tongtu_registry::{Permission, Principal};
use tongtu_rules::RuleConfig;
use tongtu_track::BEIJING_OFFSET_MS;

use crate::authz::{AlarmHandle, AlarmRead, AlarmSupervise, Authz, RulesManage};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2026-11-25` (Beijing midnight) or RFC 3339.
pub fn parse_time(field: &str, v: &str) -> ApiResult<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let midnight = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis() - BEIJING_OFFSET_MS);
        if let Some(ms) = midnight {
            return Ok(ms);
        }
    }
    Err(ApiError::bad_request(format!(
        "{field}: expected a date (2026-11-25) or an RFC 3339 time, got {v:?}"
    )))
}

fn parse_i64(field: &str, v: &str) -> ApiResult<i64> {
    v.parse()
        .map_err(|_| ApiError::bad_request(format!("{field}: not an integer: {v:?}")))
}

fn parse_bool(field: &str, v: &str) -> ApiResult<bool> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "{field}: expected true or false, got {v:?}"
        ))),
    }
}

const ALARM_FILTERS: &[&str] = &[
    "from",
    "to",
    "enterprise_id",
    "vehicle_id",
    "plate",
    "rule",
    "state",
    "severity",
    "overdue",
    "open",
    "cursor",
    "limit",
];

fn alarm_query(params: &HashMap<String, String>) -> ApiResult<AlarmQuery> {
    for k in params.keys() {
        if !ALARM_FILTERS.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown filter {k:?}; known: {}",
                ALARM_FILTERS.join(", ")
            )));
        }
    }
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let limit = match get("limit") {
        Some(l) => {
            let n = parse_i64("limit", l)?;
            if !(1..=i64::from(store::MAX_LIMIT)).contains(&n) {
                return Err(ApiError::bad_request(format!(
                    "limit must be 1..={}",
                    store::MAX_LIMIT
                )));
            }
            n as u32
        }
        None => 50,
    };
    let state = match get("state") {
        Some(s) => Some(AlarmState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state: unknown {s:?}; known: new, handled, escalated, closed"
            ))
        })?),
        None => None,
    };
    if let Some(s) = get("severity") {
        if !matches!(s, "info" | "warning" | "serious") {
            return Err(ApiError::bad_request(format!(
                "severity: unknown {s:?}; known: info, warning, serious"
            )));
        }
    }
    Ok(AlarmQuery {
        from_ms: get("from").map(|v| parse_time("from", v)).transpose()?,
        to_ms: get("to").map(|v| parse_time("to", v)).transpose()?,
        enterprise_id: get("enterprise_id")
            .map(|v| parse_i64("enterprise_id", v))
            .transpose()?,
        vehicle_id: get("vehicle_id")
            .map(|v| parse_i64("vehicle_id", v))
            .transpose()?,
        plate: get("plate").map(str::to_string),
        rule: get("rule").map(str::to_string),
        state,
        severity: get("severity").map(str::to_string),
        overdue: get("overdue")
            .map(|v| parse_bool("overdue", v))
            .transpose()?
            .unwrap_or(false),
        open: get("open")
            .map(|v| parse_bool("open", v))
            .transpose()?
            .unwrap_or(false),
        cursor: get("cursor").map(|v| parse_i64("cursor", v)).transpose()?,
        limit,
    })
}

pub async fn list(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<AlarmItem>>> {
    let q = alarm_query(&params)?;
    Ok(Json(store::list(&st.db, &p, &q, now_ms()).await?))
}

pub async fn get_one(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlarmDetail>> {
    Ok(Json(store::detail(&st.db, &p, id, now_ms()).await?))
}

fn unavailable(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        format!("{what} is not running on this server"),
    )
}

pub async fn evidence(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Evidence>> {
    let now = now_ms();
    let alarm = store::get(&st.db, &p, id, now).await?;
    let tracks = st
        .supervision
        .tracks
        .clone()
        .ok_or_else(|| unavailable("the track store"))?;
    let (from, to) = store::evidence_window(&alarm, now);
    let vid = u32::try_from(alarm.vehicle_id)
        .map_err(|_| ApiError::bad_request("vehicle id out of range"))?;
    let track = tokio::task::spawn_blocking(move || tracks.track(vid, from, to))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(|e| {
            tracing::error!(error = %e, alarm = id, "reading evidence track");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "轨迹读取失败 (reading the track failed)",
            )
        })?;
    Ok(Json(store::evidence(&alarm, from, to, &track)))
}

fn publish(st: &AppState, d: &AlarmDetail) {
    if let Some(r) = &st.supervision.rules {
        r.publish(AlarmUpdate::new("updated", d.alarm.clone()));
    }
}

pub async fn handle(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmHandle>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<HandleInput>,
) -> ApiResult<Json<AlarmDetail>> {
    let dl = st.supervision.downlink.as_deref();
    let d = workflow::handle(&st.db, dl, &p, id, &input, now_ms).await?;
    publish(&st, &d);
    Ok(Json(d))
}

pub async fn review(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmSupervise>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<Json<AlarmDetail>> {
    let d = workflow::review(&st.db, &p, id, &input, now_ms()).await?;
    publish(&st, &d);
    Ok(Json(d))
}

pub async fn escalate(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmSupervise>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EscalateInput>,
) -> ApiResult<Json<AlarmDetail>> {
    let d = workflow::escalate(&st.db, &p, id, &input, now_ms()).await?;
    publish(&st, &d);
    Ok(Json(d))
}

pub async fn close(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmSupervise>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseInput>,
) -> ApiResult<Json<AlarmDetail>> {
    let d = workflow::close(&st.db, &p, id, &input, now_ms()).await?;
    publish(&st, &d);
    Ok(Json(d))
}

pub async fn to_case(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmSupervise>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    let c = workflow::to_case(&st.db, &p, id, &input, now_ms()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// `GET /alarms/export`: the filtered list (newest first, up to 100,000) as Excel.
pub async fn export(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let mut q = alarm_query(&params)?;
    q.limit = store::MAX_LIMIT;
    q.cursor = None;
    let now = now_ms();
    let mut items = Vec::new();
    loop {
        let page = store::list(&st.db, &p, &q, now).await?;
        items.extend(page.items);
        match page.next_cursor {
            Some(c) if items.len() < tongtu_alarms::export::MAX_EXPORT_ROWS => q.cursor = Some(c),
            _ => break,
        }
    }
    items.truncate(tongtu_alarms::export::MAX_EXPORT_ROWS);
    let mut described: Vec<String> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !matches!(k.as_str(), "cursor" | "limit"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    described.sort();
    let filters = if described.is_empty() {
        "全部".to_string()
    } else {
        described.join("，")
    };
    let bytes =
        tokio::task::spawn_blocking(move || tongtu_alarms::export::workbook(&items, &filters))
            .await
            .map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })??;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"alarms.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn stats(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<tongtu_alarms::Stats>> {
    let q = alarm_query(&params)?;
    Ok(Json(store::stats(&st.db, &p, &q, now_ms()).await?))
}

pub async fn notifications(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
) -> ApiResult<Json<tongtu_alarms::Notifications>> {
    let n = store::notifications(
        &st.db,
        &p,
        p.has(Permission::AlarmHandle),
        p.has(Permission::AlarmSupervise),
        now_ms(),
    )
    .await?;
    Ok(Json(n))
}

pub async fn list_cases(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<Case>>> {
    for k in params.keys() {
        if !matches!(k.as_str(), "violation" | "status" | "cursor" | "limit") {
            return Err(ApiError::bad_request(format!(
                "unknown filter {k:?}; known: violation, status, cursor, limit"
            )));
        }
    }
    let limit = match params.get("limit") {
        Some(l) => parse_i64("limit", l)?.clamp(1, i64::from(store::MAX_LIMIT)) as u32,
        None => 50,
    };
    let q = CaseQuery {
        violation: params.get("violation").cloned(),
        status: params.get("status").cloned(),
        cursor: params
            .get("cursor")
            .filter(|c| !c.is_empty())
            .map(|c| parse_i64("cursor", c))
            .transpose()?,
        limit,
    };
    Ok(Json(workflow::list_cases(&st.db, &p, &q).await?))
}

pub async fn get_case(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Case>> {
    Ok(Json(workflow::get_case(&st.db, &p, id).await?))
}

/// The parameters without the geofences (they have their own routes).
fn settings_json(cfg: &RuleConfig) -> Value {
    let mut v = serde_json::to_value(cfg).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("geofences");
    }
    v
}

pub async fn get_settings(
    State(st): State<AppState>,
    Authz(..): Authz<AlarmRead>,
) -> ApiResult<Json<Value>> {
    Ok(Json(settings_json(&settings::load(&st.db).await?)))
}

pub async fn put_settings(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    ApiJson(mut cfg): ApiJson<RuleConfig>,
) -> ApiResult<Json<Value>> {
    cfg.geofences.clear();
    let saved = settings::save(&st.db, &p, &cfg, now_ms()).await?;
    if let Some(r) = &st.supervision.rules {
        r.reload();
    }
    Ok(Json(settings_json(&saved)))
}

pub async fn list_fences(
    State(st): State<AppState>,
    Authz(..): Authz<AlarmRead>,
) -> ApiResult<Json<Value>> {
    let items = fences::list(&st.db).await?;
    Ok(Json(json!({ "items": items })))
}

fn reload(st: &AppState) {
    if let Some(r) = &st.supervision.rules {
        r.reload();
    }
}

pub async fn create_fence(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    ApiJson(rec): ApiJson<FenceInput>,
) -> ApiResult<(StatusCode, Json<FenceRecord>)> {
    let saved = fences::save(&st.db, &p, None, rec.into(), now_ms()).await?;
    reload(&st);
    Ok((StatusCode::CREATED, Json(saved)))
}

pub async fn update_fence(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    Path(id): Path<i64>,
    ApiJson(rec): ApiJson<FenceInput>,
) -> ApiResult<Json<FenceRecord>> {
    let saved = fences::save(&st.db, &p, Some(id), rec.into(), now_ms()).await?;
    reload(&st);
    Ok(Json(saved))
}

pub async fn delete_fence(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RulesManage>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    fences::delete(&st.db, &p, id).await?;
    reload(&st);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    pub from: String,
    pub to: String,
    pub plate: Option<String>,
}

/// Longest period one replay call may cover.
const MAX_REPLAY_DAYS: i64 = 31;

pub async fn replay(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    ApiJson(req): ApiJson<ReplayRequest>,
) -> ApiResult<Json<Value>> {
    let from = parse_time("from", &req.from)?;
    let to = parse_time("to", &req.to)?;
    if to <= from {
        return Err(ApiError::bad_request("to: must be after from"));
    }
    if to - from > MAX_REPLAY_DAYS * 86_400_000 {
        return Err(ApiError::bad_request(format!(
            "the period is limited to {MAX_REPLAY_DAYS} days per call"
        )));
    }
    let tracks = st
        .supervision
        .tracks
        .clone()
        .ok_or_else(|| unavailable("the track store"))?;
    let alarms =
        tongtu_alarms::replay::replay(&st.db, tracks, &p, from, to, req.plate.as_deref()).await?;
    Ok(Json(json!({ "total": alarms.len(), "alarms": alarms })))
}

/// `GET /api/v1/feed`: alarm changes pushed as JSON text messages, limited to the caller's
/// enterprise. The socket closes when the server stops; a slow client loses the oldest
/// updates (told by a `{"type":"lagged","missed":n}` message) rather than slowing others.
pub async fn feed(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AlarmRead>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    let rules = st
        .supervision
        .rules
        .clone()
        .ok_or_else(|| unavailable("the rules service"))?;
    let rx = rules.subscribe();
    let live = st.supervision.live.as_ref().map(|h| h.subscribe());
    Ok(ws
        .max_message_size(4096)
        .on_upgrade(move |socket| run_feed(socket, rx, live, p)))
}

/// Positions are sent at most once per vehicle per this interval (the newest wins), so a
/// browser drawing thousands of vehicles is never flooded. The first fix after a quiet
/// interval goes out at once (a fleet reporting every 10 s is never delayed); later ones
/// within the interval wait for its end.
const POSITION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
/// How often held-back positions are checked.
const POSITION_CHECK: std::time::Duration = std::time::Duration::from_millis(100);

fn position_text(p: &tongtu_track::Position) -> String {
    json!({
        "type": "position",
        "vehicle_id": p.vehicle_id,
        "lat": p.lat_deg(),
        "lon": p.lon_deg(),
        "speed_kmh": p.speed_kmh(),
        "direction": p.direction,
        "t": tongtu_alarms::model::ts(p.device_time_ms),
        // When the gateway received it (UTC ms): the console measures terminal-to-marker
        // latency from it.
        "rt": p.receive_time_ms,
        "state": monitor::state_of(true, Some(p)),
    })
    .to_string()
}

async fn run_feed(
    mut socket: WebSocket,
    mut rx: tokio::sync::broadcast::Receiver<AlarmUpdate>,
    live: Option<tokio::sync::broadcast::Receiver<LiveEvent>>,
    p: Principal,
) {
    use tokio::sync::broadcast::error::RecvError;
    use tokio::time::Instant;
    let scope = p.enterprise_scope();
    let mut live = live;
    // Held back: the newest fix per vehicle sent less than POSITION_INTERVAL ago.
    let mut pending: HashMap<u32, tongtu_track::Position> = HashMap::new();
    let mut last_sent: HashMap<u32, (Instant, i64)> = HashMap::new();
    let mut check = tokio::time::interval(POSITION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next_live = async {
            match live.as_mut() {
                Some(r) => r.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = next_live => {
                let text = match ev {
                    Ok(ev) if scope.is_some_and(|e| e != ev.enterprise_id()) => continue,
                    Ok(LiveEvent::Position { position, .. }) => {
                        let id = position.vehicle_id;
                        // Older than what the browser has or waits for (blind-area data): skip.
                        let newest = pending
                            .get(&id)
                            .map(|p| p.device_time_ms)
                            .or(last_sent.get(&id).map(|s| s.1));
                        if newest.is_some_and(|t| t > position.device_time_ms) {
                            continue;
                        }
                        let now = Instant::now();
                        if last_sent
                            .get(&id)
                            .is_some_and(|(at, _)| now.duration_since(*at) < POSITION_INTERVAL)
                        {
                            pending.insert(id, position);
                            continue;
                        }
                        pending.remove(&id);
                        last_sent.insert(id, (now, position.device_time_ms));
                        position_text(&position)
                    }
                    Ok(LiveEvent::Online { vehicle_id, .. }) => {
                        json!({ "type": "online", "vehicle_id": vehicle_id }).to_string()
                    }
                    Ok(LiveEvent::Offline { vehicle_id, .. }) => {
                        json!({ "type": "offline", "vehicle_id": vehicle_id }).to_string()
                    }
                    Err(RecvError::Lagged(n)) => json!({ "type": "lagged", "missed": n }).to_string(),
                    Err(RecvError::Closed) => {
                        live = None;
                        continue;
                    }
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            _ = check.tick(), if !pending.is_empty() => {
                let now = Instant::now();
                let due: Vec<u32> = pending
                    .keys()
                    .copied()
                    .filter(|id| {
                        last_sent
                            .get(id)
                            .is_none_or(|(at, _)| now.duration_since(*at) >= POSITION_INTERVAL)
                    })
                    .collect();
                let mut failed = false;
                for id in due {
                    let Some(p) = pending.remove(&id) else { continue };
                    last_sent.insert(id, (now, p.device_time_ms));
                    if socket.send(Message::Text(position_text(&p).into())).await.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed {
                    break;
                }
            }
            update = rx.recv() => {
                let text = match update {
                    Ok(u) => {
                        if scope.is_some_and(|e| e != u.alarm.enterprise_id) {
                            continue;
                        }
                        serde_json::to_string(&u).unwrap_or_default()
                    }
                    Err(RecvError::Lagged(n)) => json!({ "type": "lagged", "missed": n }).to_string(),
                    Err(RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Pings are answered by axum; anything else from the client is ignored.
                Some(Ok(_)) => {}
            },
        }
    }
}
