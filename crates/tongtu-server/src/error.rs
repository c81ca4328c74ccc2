//! API errors in the shape `{"error": {"code", "message", "details"}}` with the right status.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tongtu_registry::RegistryError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
            retry_after: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请先登录 (authentication required)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if !self.details.is_null() {
            body["details"] = self.details;
        }
        let mut resp = (self.status, Json(json!({ "error": body }))).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        resp
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Validation(fields) => {
                let message = fields
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("；");
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    message,
                )
                .with_details(json!({ "fields": fields }))
            }
            RegistryError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            RegistryError::NotFound { entity, id } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{entity} {id} 不存在"),
            ),
            RegistryError::Forbidden(m) => ApiError::forbidden(m),
            RegistryError::BadRequest(m) => ApiError::bad_request(m),
            RegistryError::Import(errors) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import_invalid",
                format!("导入被拒绝：{} 处错误，未写入任何数据", errors.len()),
            )
            .with_details(json!({ "errors": errors })),
            RegistryError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "数据库错误，请稍后重试",
                )
            }
            RegistryError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "内部错误")
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Json<T>` whose rejections use the API error shape and say what was wrong and where
/// (serde reports the field path, line and column).
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("请求内容字段错误：{}", e.body_text()),
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(format!(
                "请求内容不是有效的 JSON：{}",
                e.body_text()
            ))),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求需要 Content-Type: application/json",
            )),
            Err(e) => Err(ApiError::new(e.status(), "invalid_body", e.body_text())),
        }
    }
}

impl From<tongtu_alarms::AlarmError> for ApiError {
    fn from(e: tongtu_alarms::AlarmError) -> Self {
        use tongtu_alarms::AlarmError as E;
        match e {
            E::NotFound(what) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} 不存在"))
            }
            E::Forbidden(m) => ApiError::forbidden(m),
            E::Invalid { field, message } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: {message}"),
            )
            .with_details(json!({ "fields": [{ "field": field, "message": message }] })),
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            E::TerminalUnavailable(m) => {
                ApiError::new(StatusCode::CONFLICT, "terminal_unavailable", m)
            }
            E::TerminalTimeout(m) => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "terminal_timeout", m)
            }
            E::Registry(r) => r.into(),
            E::Db(e) => RegistryError::Db(e).into(),
            E::Internal(m) => RegistryError::Internal(m).into(),
        }
    }
}
