//! `GET /report/half-year`: the half-year work report of a period as DOCX, HTML, PDF or
//! JSON (figures, their sources and the checks). The work is in `tongtu_report`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use tongtu_report::period::Period;
use tongtu_report::report::{self, Format, ReportError};

use crate::authz::{Authz, RegistryRead};
use crate::error::{ApiError, ApiResult};
use crate::routes::indicators::only;
use crate::state::AppState;

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::Template(t) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_invalid",
            format!("报告模板有误：{t}"),
        )
        .with_details(serde_json::json!({ "line": t.line, "column": t.column, "message": t.message, "name": t.name })),
        ReportError::Invalid(m) if m.contains("企业用户") => ApiError::forbidden(m),
        ReportError::Invalid(m) => ApiError::bad_request(m),
        ReportError::Pdf(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "pdf_unavailable", m),
        other => {
            tracing::error!(error = %other, "report generation failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "生成报告失败")
        }
    }
}

/// `GET /report/half-year?year&half&format=docx|html|pdf|json[&base_year]`.
pub async fn half_year(
    State(st): State<AppState>,
    Authz(p, ..): Authz<RegistryRead>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    only(&params, &["year", "half", "format", "base_year"])?;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let last = Period::of(today);
    // The default is the last closed half year.
    let default = if last.half == 2 {
        Period { half: 1, ..last }
    } else {
        Period::new(today.year() - 1, 2).map_err(ApiError::bad_request)?
    };
    let year = match params.get("year").filter(|v| !v.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .map_err(|_| ApiError::bad_request(format!("year: not a year: {y:?}")))?,
        None => default.year,
    };
    let half = match params.get("half").filter(|v| !v.is_empty()) {
        Some(h) => h
            .parse::<u8>()
            .map_err(|_| ApiError::bad_request(format!("half: 1 or 2, got {h:?}")))?,
        None => default.half,
    };
    let mut period = Period::new(year, half).map_err(ApiError::bad_request)?;
    if let Some(b) = params.get("base_year").filter(|v| !v.is_empty()) {
        let b = b
            .parse::<i32>()
            .map_err(|_| ApiError::bad_request(format!("base_year: not a year: {b:?}")))?;
        period = period.with_base_year(b).map_err(ApiError::bad_request)?;
    }
    let format_name = params.get("format").map(String::as_str).unwrap_or("json");
    let format = match format_name {
        "json" => None,
        f => Some(Format::parse(f).map_err(report_error)?),
    };
    let template = match &st.settings.data_dir {
        Some(dir) => report::load_template(dir).map_err(report_error)?,
        None => tongtu_report::template::DEFAULT.to_string(),
    };
    let no_progress = |_: usize, _: usize| {};
    let opts = report::Options {
        org: &st.settings.org_name,
        template: &template,
        progress: &no_progress,
    };
    let g = report::generate(&st.db, &p, period, format.unwrap_or(Format::Html), &opts)
        .await
        .map_err(report_error)?;
    let Some(format) = format else {
        return Ok(axum::Json(serde_json::json!({
            "period": g.period,
            "label": g.period.label(),
            "figures": g.figures,
            "lists": g.lists,
            "checks": g.checks,
            "document": g.document,
        }))
        .into_response());
    };
    let bytes = tokio::task::spawn_blocking(move || report::write(&g, format))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(report_error)?;
    let name = format!(
        "half-year-{}-H{}.{}",
        period.year,
        period.half,
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
