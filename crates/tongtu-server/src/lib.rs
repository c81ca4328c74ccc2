//! Tongtu's HTTP side: the `/api/v1` API (axum), authentication and per-route permissions,
//! the OpenAPI document, Prometheus metrics and the embedded web console.

pub mod authz;
pub mod error;
pub mod map_sources;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tongtu_registry::entities::{Driver, Enterprise, Terminal, Vehicle};
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::{AppState, ServerSettings};

use routes::{admin, alarms, auth, figures, indicators, live, records, registry, report};

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let upload = state.settings.max_upload_bytes;
    let api = Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/meta", get(admin::meta))
        .route("/api/v1/regions", get(admin::list_regions))
        .route(
            "/api/v1/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/api/v1/users/{id}", put(admin::update_user))
        .route(
            "/api/v1/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(admin::revoke_token),
        )
        .route("/api/v1/audit", get(admin::list_audit))
        .route("/api/v1/alarms", get(alarms::list))
        .route("/api/v1/alarms/stats", get(alarms::stats))
        .route("/api/v1/alarms/export", get(alarms::export))
        .route("/api/v1/alarms/notifications", get(alarms::notifications))
        .route("/api/v1/alarms/{id}", get(alarms::get_one))
        .route("/api/v1/alarms/{id}/evidence", get(alarms::evidence))
        .route("/api/v1/alarms/{id}/handle", post(alarms::handle))
        .route("/api/v1/alarms/{id}/review", post(alarms::review))
        .route("/api/v1/alarms/{id}/escalate", post(alarms::escalate))
        .route("/api/v1/alarms/{id}/close", post(alarms::close))
        .route("/api/v1/alarms/{id}/case", post(alarms::to_case))
        .route("/api/v1/cases", get(alarms::list_cases))
        .route("/api/v1/cases/{id}", get(alarms::get_case))
        .route(
            "/api/v1/rules/settings",
            get(alarms::get_settings).put(alarms::put_settings),
        )
        .route("/api/v1/rules/replay", post(alarms::replay))
        .route(
            "/api/v1/geofences",
            get(alarms::list_fences).post(alarms::create_fence),
        )
        .route(
            "/api/v1/geofences/{id}",
            put(alarms::update_fence).delete(alarms::delete_fence),
        )
        .route("/api/v1/feed", get(alarms::feed))
        .route("/api/v1/live/vehicles", get(live::vehicles))
        .route("/api/v1/live/vehicles/{id}", get(live::card))
        .route("/api/v1/dashboard/today", get(live::dashboard))
        .route("/api/v1/report/half-year", get(report::half_year))
        .route("/api/v1/figures/projects", get(figures::projects))
        .route("/api/v1/figures/pavement", get(figures::pavement))
        .route("/api/v1/figures/transport", get(figures::transport))
        .route("/api/v1/annual-reviews/{id}/review", post(records::review))
        .route(
            "/api/v1/transit/gtfs",
            get(records::gtfs_export)
                .post(records::gtfs_import)
                .layer(DefaultBodyLimit::max(upload)),
        )
        .route("/api/v1/records/schema", get(records::schema_all))
        .route("/api/v1/records/schema/{key}", get(records::schema_one))
        .route(
            "/api/v1/records/{key}",
            get(records::list).post(records::create),
        )
        .route("/api/v1/records/{key}/options", get(records::options))
        .route("/api/v1/records/{key}/template", get(records::template))
        .route("/api/v1/records/{key}/export", get(records::export))
        .route(
            "/api/v1/records/{key}/import",
            post(records::import).layer(DefaultBodyLimit::max(upload)),
        )
        .route(
            "/api/v1/records/{key}/{id}",
            get(records::get_one)
                .put(records::update)
                .delete(records::delete),
        )
        .route("/api/v1/indicators", get(indicators::report))
        .route("/api/v1/indicators/ranking", get(indicators::ranking))
        .route("/api/v1/indicators/trend", get(indicators::trend))
        .route("/api/v1/indicators/notice", get(indicators::notice))
        .route("/api/v1/indicators/export", get(indicators::export))
        .route(
            "/api/v1/indicators/settings",
            get(indicators::get_settings).put(indicators::put_settings),
        )
        .route("/api/v1/indicators/recompute", post(indicators::recompute))
        .route(
            "/api/v1/indicators/vehicles/{id}/drilldown",
            get(indicators::drilldown),
        )
        .route("/api/v1/map/basemap", get(live::basemap))
        .route("/api/v1/map/sources", get(live::map_sources))
        .route("/api/v1/vehicles/{id}/track", get(live::track))
        .route("/api/v1/vehicles/{id}/text", post(live::text))
        .route("/api/v1/vehicles/{id}/locate", post(live::locate))
        .route("/api/v1/vehicles/{id}/params", post(live::params))
        .merge(registry::collection::<Enterprise>(upload))
        .merge(registry::collection::<Vehicle>(upload))
        .merge(registry::collection::<Driver>(upload))
        .merge(registry::collection::<Terminal>(upload))
        .route(
            "/api/v1/openapi.json",
            get(|| async { Json(openapi::document()) }),
        )
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // JSON and text exports shrink 5-10×: the fleet snapshot of 3,000 vehicles is ~1 MB
        // raw. Excel files are zip archives already.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new(
                    "application/vnd.openxmlformats",
                ))),
        );
    Router::new()
        .merge(api)
        .route("/api/docs", get(|| async { Html(openapi::DOCS_HTML) }))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(web::asset)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

async fn api_not_found() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such API route",
    )
}

async fn healthz(axum::extract::State(st): axum::extract::State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(&st.db)
        .await
    {
        Ok(_) => (
            axum::http::StatusCode::OK,
            Json(serde_json::json!({ "status": "ok" })),
        ),
        Err(e) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "error", "database": e.to_string() })),
        ),
    }
}

async fn metrics_text(
    axum::extract::State(st): axum::extract::State<AppState>,
) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.encode(),
    )
}

/// Serves the application on `listener` until `shutdown` resolves, then drains requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
