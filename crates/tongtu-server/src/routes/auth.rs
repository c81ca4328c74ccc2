//! Login, logout and the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tongtu_registry::{auth, Principal};

use crate::authz::{cookie_value_from_headers, AnyUser, Authz, SESSION_COOKIE};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::metrics::OutcomeLabels;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in user as the console needs it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub permissions: Vec<String>,
}

impl From<&Principal> for UserView {
    fn from(p: &Principal) -> Self {
        UserView {
            id: p.user_id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            role: p.role.code().to_string(),
            enterprise_id: p.enterprise_id,
            enterprise_name: p.enterprise_name.clone(),
            permissions: p
                .permissions
                .iter()
                .map(|x| crate::authz::permission_code(*x))
                .collect(),
        }
    }
}

fn count(st: &AppState, outcome: &str) {
    st.metrics
        .logins
        .get_or_create(&OutcomeLabels {
            outcome: outcome.into(),
        })
        .inc();
}

pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let ip = addr.ip();
    if let Some(wait) = st.throttle.check(&req.username, ip) {
        count(&st, "throttled");
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("登录失败次数过多，请 {wait} 秒后再试"),
        )
        .with_details(serde_json::json!({ "retry_after": wait }));
        e.retry_after = Some(wait);
        return Err(e);
    }
    let Some(principal) = auth::verify_login(&st.db, &req.username, &req.password).await? else {
        st.throttle.failed(&req.username, ip);
        count(&st, "failed");
        tracing::warn!(username = %req.username, %ip, "login failed");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "用户名或密码错误",
        ));
    };
    st.throttle.succeeded(&req.username);
    count(&st, "ok");
    let secret = auth::create_session(&st.db, &principal, st.settings.session_ttl).await?;
    let mut cookie = format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        st.settings.session_ttl.num_seconds()
    );
    if st.settings.secure_cookie {
        cookie.push_str("; Secure");
    }
    let mut resp = Json(serde_json::json!({ "user": UserView::from(&principal) })).into_response();
    let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::bad_request(e.to_string()))?;
    resp.headers_mut().insert(header::SET_COOKIE, value);
    Ok(resp)
}

pub async fn logout(
    State(st): State<AppState>,
    Authz(..): Authz<AnyUser>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(c) = cookie_value_from_headers(&headers, SESSION_COOKIE) {
        auth::end_session(&st.db, &c).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tongtu_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(resp)
}

pub async fn me(Authz(p, ..): Authz<AnyUser>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user": UserView::from(&p) }))
}
