//! Users, API tokens, the audit log, dictionaries and regions.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tongtu_registry::audit::{self, AuditQuery};
use tongtu_registry::auth::{self, UserInput};
use tongtu_registry::{dict, regions, Role};

use crate::authz::{AnyUser, AuditRead, Authz, RegistryRead, UsersManage};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;

pub async fn list_users(
    State(st): State<AppState>,
    Authz(..): Authz<UsersManage>,
) -> ApiResult<Json<Value>> {
    let items = auth::list_users(&st.db).await?;
    let total = items.len();
    Ok(Json(
        json!({ "items": items, "next_cursor": null, "total": total }),
    ))
}

pub async fn create_user(
    State(st): State<AppState>,
    Authz(p, ..): Authz<UsersManage>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<auth::UserInfo>)> {
    Ok((
        StatusCode::CREATED,
        Json(auth::create_user(&st.db, &p, &input).await?),
    ))
}

pub async fn update_user(
    State(st): State<AppState>,
    Authz(p, ..): Authz<UsersManage>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult<Json<auth::UserInfo>> {
    if Some(id) == p.user_id && (input.disabled || input.role != p.role.code()) {
        return Err(ApiError::bad_request("不能停用自己的账号或修改自己的角色"));
    }
    Ok(Json(auth::update_user(&st.db, &p, id, &input).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
}

pub async fn list_tokens(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AnyUser>,
) -> ApiResult<Json<Value>> {
    let items = auth::list_tokens(&st.db, &p).await?;
    let total = items.len();
    Ok(Json(
        json!({ "items": items, "next_cursor": null, "total": total }),
    ))
}

pub async fn create_token(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AnyUser>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<auth::NewToken>)> {
    Ok((
        StatusCode::CREATED,
        Json(auth::create_token(&st.db, &p, &req.name).await?),
    ))
}

pub async fn revoke_token(
    State(st): State<AppState>,
    Authz(p, ..): Authz<AnyUser>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    auth::revoke_token(&st.db, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_time(params: &HashMap<String, String>, key: &str) -> ApiResult<Option<DateTime<Utc>>> {
    params
        .get(key)
        .filter(|s| !s.is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(format!("{key}: expected an RFC 3339 time, got {s:?}"))
                })
        })
        .transpose()
}

fn parse_int(params: &HashMap<String, String>, key: &str) -> ApiResult<Option<i64>> {
    params
        .get(key)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("{key}: expected an integer, got {s:?}"))
            })
        })
        .transpose()
}

pub async fn list_audit(
    State(st): State<AppState>,
    Authz(..): Authz<AuditRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let text = |k: &str| params.get(k).filter(|s| !s.is_empty()).cloned();
    let q = AuditQuery {
        entity: text("entity"),
        entity_id: parse_int(&params, "entity_id")?,
        actor: text("actor"),
        action: text("action"),
        from: parse_time(&params, "from")?,
        to: parse_time(&params, "to")?,
        before_id: parse_int(&params, "cursor")?,
        limit: parse_int(&params, "limit")?.unwrap_or(50).clamp(1, 500) as u32,
    };
    let (items, next, total) = audit::list(&st.db, &q).await?;
    Ok(Json(
        json!({ "items": items, "next_cursor": next.map(|n| n.to_string()), "total": total }),
    ))
}

pub async fn meta(Authz(..): Authz<AnyUser>) -> Json<Value> {
    let colors: Vec<Value> = dict::PLATE_COLORS
        .iter()
        .map(|(c, zh, en)| json!({ "code": c, "zh": zh, "en": en }))
        .collect();
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| json!({ "code": r.code(), "zh": r.zh(), "en": r.en() }))
        .collect();
    Json(json!({
        "vehicle_classes": dict::VEHICLE_CLASSES,
        "business_types": dict::BUSINESS_TYPES,
        "plate_colors": colors,
        "vehicle_statuses": dict::VEHICLE_STATUSES,
        "roles": roles,
        "protocol_versions": dict::PROTOCOL_VERSIONS,
    }))
}

pub async fn list_regions(
    State(st): State<AppState>,
    Authz(..): Authz<RegistryRead>,
) -> ApiResult<Json<Value>> {
    let items = regions::list(&st.db).await?;
    let total = items.len();
    Ok(Json(
        json!({ "items": items, "next_cursor": null, "total": total }),
    ))
}
