//! Prometheus metrics of the HTTP layer, exposed at `/metrics`. Other subsystems register
//! their own metrics in the same registry.

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EntityLabels {
    pub entity: String,
    pub outcome: String,
}

pub struct Metrics {
    pub registry: Mutex<Registry>,
    pub http_requests: Family<RouteLabels, Counter>,
    pub http_latency: Family<RouteLabels, Histogram>,
    pub logins: Family<OutcomeLabels, Counter>,
    pub imports: Family<EntityLabels, Counter>,
    pub import_bad_cells: Family<EntityLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let http_requests = Family::<RouteLabels, Counter>::default();
        let http_latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let logins = Family::<OutcomeLabels, Counter>::default();
        let imports = Family::<EntityLabels, Counter>::default();
        let import_bad_cells = Family::<EntityLabels, Counter>::default();
        let mut registry = Registry::with_prefix("tongtu");
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            http_latency.clone(),
        );
        registry.register(
            "logins",
            "Console login attempts by outcome",
            logins.clone(),
        );
        registry.register(
            "imports",
            "Excel imports by entity and outcome",
            imports.clone(),
        );
        registry.register(
            "import_bad_cells",
            "Bad cells reported by rejected Excel imports",
            import_bad_cells.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            http_requests,
            http_latency,
            logins,
            imports,
            import_bad_cells,
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts every request by its route template (not its raw path, to bound cardinality).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let labels = RouteLabels {
        method,
        route,
        status: resp.status().as_u16(),
    };
    state.metrics.http_requests.get_or_create(&labels).inc();
    state
        .metrics
        .http_latency
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    resp
}
