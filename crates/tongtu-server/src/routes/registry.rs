//! Generic routes of a registry collection (list, get, create, update, delete, Excel
//! export/template/import), instantiated once per record type.

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tongtu_registry::record::{self, ListQuery, Page};
use tongtu_registry::{excel, Permission, Principal, Record};

use crate::authz::{Authz, RegistryRead, RegistryWrite};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::metrics::EntityLabels;
use crate::state::AppState;

/// Parses `q`, `cursor`, `limit` and the collection's filters from the query string.
pub fn list_query<R: Record>(params: &HashMap<String, String>) -> ApiResult<ListQuery> {
    let cursor = match params.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid cursor {c:?}")))?,
        ),
        None => None,
    };
    let limit = match params.get("limit") {
        Some(l) => l
            .parse::<u32>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?,
        None => 50,
    };
    if limit == 0 || limit > record::MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be 1..={}",
            record::MAX_LIMIT
        )));
    }
    let known: Vec<&str> = R::FILTERS.iter().map(|f| f.name).collect();
    for k in params.keys() {
        if !matches!(k.as_str(), "q" | "cursor" | "limit") && !known.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown filter {k:?}; known: {}",
                known.join(", ")
            )));
        }
    }
    let filters = params
        .iter()
        .filter(|(k, _)| known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(ListQuery {
        q: params.get("q").cloned(),
        filters,
        cursor,
        limit,
    })
}

fn redact<R: Record>(p: &Principal, mut r: R) -> R {
    if !p.has(Permission::PiiRead) {
        r.redact();
    }
    r
}

async fn list<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<R>>> {
    let q = list_query::<R>(&params)?;
    let page = record::list::<R>(&st.db, &p, &q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(|r| redact(&p, r)).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

async fn get_one<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<R>> {
    Ok(Json(redact(&p, record::get::<R>(&st.db, &p, id).await?)))
}

async fn create<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    ApiJson(input): ApiJson<R::Input>,
) -> ApiResult<(StatusCode, Json<R>)> {
    let created = record::create::<R>(&st.db, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(redact(&p, created))))
}

async fn update<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<R::Input>,
) -> ApiResult<Json<R>> {
    Ok(Json(redact(
        &p,
        record::update::<R>(&st.db, &p, id, &input).await?,
    )))
}

async fn delete<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    record::delete::<R>(&st.db, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn export<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let mut q = list_query::<R>(&params)?;
    q.cursor = None;
    let bytes = excel::export::<R>(&st.db, &p, &q).await?;
    let date = chrono::Local::now().format("%Y%m%d");
    Ok(xlsx_response(&format!("{}-{date}", R::TABLE), bytes))
}

async fn template<R: Record>(Authz(..): Authz<RegistryRead>) -> ApiResult<Response> {
    Ok(xlsx_response(
        &format!("{}-template", R::TABLE),
        excel::template::<R>()?,
    ))
}

async fn import<R: Record>(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryWrite>,
    form: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    let bytes = upload(form).await?;
    let labels = |outcome: &str| EntityLabels {
        entity: R::ENTITY.into(),
        outcome: outcome.into(),
    };
    match excel::import::<R>(&st.db, &p, &bytes).await {
        Ok(n) => {
            st.metrics.imports.get_or_create(&labels("ok")).inc();
            Ok(Json(serde_json::json!({ "imported": n })))
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

/// The multipart field `file` of an upload (the body limit of the route applies).
pub(crate) async fn upload(mut form: Multipart) -> ApiResult<axum::body::Bytes> {
    let mut file = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("multipart: {e}")))?
    {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|e| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("upload rejected: {e}"),
                )
            })?);
        }
    }
    file.ok_or_else(|| ApiError::bad_request("multipart field \"file\" is missing"))
}

/// All routes of one collection under `/api/v1/<table>`.
pub fn collection<R: Record>(max_upload: usize) -> Router<AppState> {
    let base = format!("/api/v1/{}", R::TABLE);
    Router::new()
        .route(&base, get(list::<R>).post(create::<R>))
        .route(&format!("{base}/export"), get(export::<R>))
        .route(&format!("{base}/template"), get(template::<R>))
        .route(
            &format!("{base}/import"),
            post(import::<R>).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(get_one::<R>).put(update::<R>).delete(delete::<R>),
        )
}
