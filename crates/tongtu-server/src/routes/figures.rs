//! Figures computed from the registers (`tongtu_records::agg`): key-project investment and
//! funding gaps, pavement condition, transport statistics with year-on-year changes.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use chrono::Datelike;

use crate::authz::{Authz, RegistryRead};
use crate::error::{ApiError, ApiResult};
use crate::routes::indicators::only;
use crate::state::AppState;
use tongtu_records::agg;

/// `year` from the query (default: this year, Beijing time).
fn year(params: &HashMap<String, String>) -> ApiResult<i32> {
    match params.get("year").filter(|v| !v.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (1990..=2100).contains(y))
            .ok_or_else(|| ApiError::bad_request(format!("year: not a year: {y:?}"))),
        None => Ok((chrono::Utc::now() + chrono::Duration::hours(8)).year()),
    }
}

/// `GET /figures/projects?year&through`.
pub async fn projects(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<agg::projects::ProjectsSummary>> {
    only(&params, &["year", "through"])?;
    let y = year(&params)?;
    let through = params.get("through").filter(|v| !v.is_empty());
    Ok(Json(
        agg::projects::summary(&st.db, &p, y, through.map(String::as_str)).await?,
    ))
}

/// `GET /figures/pavement?year`: 优良路率 per road class and county.
pub async fn pavement(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<agg::pavement::PavementSummary>> {
    only(&params, &["year"])?;
    Ok(Json(
        agg::pavement::good_rate(&st.db, &p, year(&params)?).await?,
    ))
}

/// `GET /figures/transport?year&through`: volumes and turnover with YoY, port throughput,
/// monthly series and implausible jumps.
pub async fn transport(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<agg::stats::TransportSummary>> {
    only(&params, &["year", "through"])?;
    let y = year(&params)?;
    let through = params.get("through").filter(|v| !v.is_empty());
    Ok(Json(
        agg::stats::transport(&st.db, &p, y, through.map(String::as_str)).await?,
    ))
}
