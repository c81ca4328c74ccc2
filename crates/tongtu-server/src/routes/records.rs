//! Routes of the bureau's registers, one set for every declared register (see
//! docs/records-api.md): schema, list, get, create, update, delete, reference options,
//! Excel template, export and import. The handlers only parse and map; the rules are in
//! `tongtu_records`.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use tongtu_records::store::{self, RowQuery};
use tongtu_records::{excel, registers, schema, Register};

use crate::authz::{Authz, RegistryRead, RegistryWrite};
use crate::error::{ApiError, ApiResult};
use crate::metrics::EntityLabels;
use crate::routes::registry::xlsx_response;
use crate::state::AppState;

fn register(key: &str) -> ApiResult<&'static Register> {
    registers::get(key).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("没有名为 {key:?} 的台账"),
        )
    })
}

/// `q`, `sort`, `cursor`, `limit` and the register's filters from the query string.
fn row_query(params: HashMap<String, String>, paged: bool) -> ApiResult<RowQuery> {
    let mut q = RowQuery {
        limit: 50,
        ..RowQuery::default()
    };
    for (k, v) in params {
        match k.as_str() {
            "q" => q.q = Some(v),
            "sort" => q.sort = Some(v),
            "cursor" if paged => q.cursor = Some(v),
            "limit" if paged => {
                q.limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|l| (1..=store::MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "limit: must be 1..={}, got {v:?}",
                            store::MAX_LIMIT
                        ))
                    })?
            }
            "format" if !paged => {}
            _ => {
                q.filters.insert(k, v);
            }
        }
    }
    Ok(q)
}

/// `GET /records/schema`: the registers the caller may read.
pub async fn schema_all(Authz(p, ..): Authz<RegistryRead>) -> Json<Value> {
    Json(schema::all(&p, registers::all()))
}

/// `GET /records/schema/{key}`.
pub async fn schema_one(
    Authz(p, ..): Authz<RegistryRead>,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let r = register(&key)?;
    store::check_read(&p, r)?;
    Ok(Json(schema::register(&p, r)))
}

/// `GET /records/{key}`.
pub async fn list(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<store::Page>> {
    let r = register(&key)?;
    Ok(Json(
        store::list(&st.db, &p, r, &row_query(params, true)?).await?,
    ))
}

/// `GET /records/{key}/{id}`.
pub async fn get_one(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path((key, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let r = register(&key)?;
    Ok(Json(store::get(&st.db, &p, r, id).await?))
}

fn body(b: Result<Json<Value>, axum::extract::rejection::JsonRejection>) -> ApiResult<Value> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::bad_request(format!("body: {}", e.body_text())))
}

/// `POST /records/{key}`.
pub async fn create(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path(key): Path<String>,
    b: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = register(&key)?;
    let v = body(b)?;
    Ok((
        StatusCode::CREATED,
        Json(store::create(&st.db, &p, r, &v).await?),
    ))
}

/// `PUT /records/{key}/{id}`.
pub async fn update(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path((key, id)): Path<(String, i64)>,
    b: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    let r = register(&key)?;
    let v = body(b)?;
    Ok(Json(store::update(&st.db, &p, r, id, &v).await?))
}

/// `DELETE /records/{key}/{id}`.
pub async fn delete(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path((key, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let r = register(&key)?;
    store::delete(&st.db, &p, r, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /records/{key}/options?q=`.
pub async fn options(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let r = register(&key)?;
    let q = params.get("q").map(String::as_str).unwrap_or("");
    Ok(Json(store::options(&st.db, &p, r, q).await?))
}

/// `GET /records/{key}/template`.
pub async fn template(
    Authz(p, ..): Authz<RegistryRead>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let r = register(&key)?;
    store::check_read(&p, r)?;
    Ok(xlsx_response(
        &format!("{}-template", r.key),
        excel::template(r)?,
    ))
}

/// `GET /records/{key}/export?format=xlsx|csv&<filters>`.
pub async fn export(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let r = register(&key)?;
    let format = params.get("format").cloned().unwrap_or_default();
    let q = row_query(params, false)?;
    match format.as_str() {
        "" | "xlsx" => Ok(xlsx_response(
            r.key,
            excel::export_xlsx(&st.db, &p, r, &q).await?,
        )),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.csv\"", r.key),
                ),
            ],
            excel::export_csv(&st.db, &p, r, &q).await?,
        )
            .into_response()),
        f => Err(ApiError::bad_request(format!(
            "format: unknown {f:?}; known: xlsx, csv"
        ))),
    }
}

/// `POST /records/{key}/import` (multipart `file`).
pub async fn import(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path(key): Path<String>,
    form: Multipart,
) -> ApiResult<Json<store::Imported>> {
    let r = register(&key)?;
    let bytes = crate::routes::registry::upload(form).await?;
    let labels = |outcome: &str| EntityLabels {
        entity: format!("record.{}", r.key),
        outcome: outcome.into(),
    };
    match excel::import_xlsx(&st.db, &p, r, &bytes).await {
        Ok(n) => {
            st.metrics.imports.get_or_create(&labels("ok")).inc();
            Ok(Json(n))
        }
        Err(e) => {
            if let tongtu_registry::RegistryError::Import(cells) = &e {
                st.metrics
                    .import_bad_cells
                    .get_or_create(&labels("rejected"))
                    .inc_by(cells.len() as u64);
            }
            st.metrics.imports.get_or_create(&labels("rejected")).inc();
            Err(e.into())
        }
    }
}

/// `POST /annual-reviews/{id}/review` `{"action": "check" | "approve" | "reject", ...}`:
/// the bureau's step in an online annual review (an approval sets the vehicle's review date).
pub async fn review(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path(id): Path<i64>,
    b: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<Value>> {
    let v = body(b)?;
    let action: tongtu_records::workflow::ReviewAction = serde_json::from_value(v).map_err(|e| {
        ApiError::bad_request(format!(
            "body: {e}; expected {{\"action\": \"check\"}}, {{\"action\": \"approve\", \"valid_until\": \"YYYY-MM-DD\"}} or {{\"action\": \"reject\", \"reason\": \"…\"}}"
        ))
    })?;
    Ok(Json(
        tongtu_records::workflow::review(&st.db, &p, id, &action).await?,
    ))
}

/// `GET /transit/gtfs`: the operating bus routes as a GTFS feed (zip), valid for a year
/// from today.
pub async fn gtfs_export(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
) -> ApiResult<Response> {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let opts = tongtu_records::gtfs::GtfsOptions {
        agency_url: "https://jtj.example.gov.cn/".into(),
        default_agency: "市公共交通".into(),
        start_date: today,
        end_date: today + chrono::Duration::days(365),
    };
    let bytes = tongtu_records::gtfs::export(&st.db, &p, &opts).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"gtfs-{today}.zip\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /transit/gtfs` (multipart `file`): imports stops, routes and route stops from a
/// GTFS feed, all or nothing.
pub async fn gtfs_import(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    form: Multipart,
) -> ApiResult<Json<tongtu_records::gtfs::GtfsImported>> {
    let bytes = crate::routes::registry::upload(form).await?;
    Ok(Json(
        tongtu_records::gtfs::import(&st.db, &p, &bytes).await?,
    ))
}
