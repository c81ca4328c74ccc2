//! Authentication (session cookie or bearer token), the CSRF rule and per-route permissions.
//!
//! A handler states the permission it needs in its signature: `Authz<RegistryRead>` extracts
//! the caller and rejects with 401/403 before the handler body runs.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use tongtu_registry::{auth, Permission, Principal};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "tongtu_session";

/// A permission as a type, so that routes declare what they need.
pub trait Perm: Send + Sync + 'static {
    const PERM: Option<Permission>;
}

macro_rules! perm {
    ($name:ident, $p:expr) => {
        pub struct $name;
        impl Perm for $name {
            const PERM: Option<Permission> = $p;
        }
    };
}
perm!(AnyUser, None);
perm!(RegistryRead, Some(Permission::RegistryRead));
perm!(RegistryWrite, Some(Permission::RegistryWrite));
perm!(AuditRead, Some(Permission::AuditRead));
perm!(UsersManage, Some(Permission::UsersManage));
perm!(AlarmRead, Some(Permission::AlarmRead));
perm!(AlarmHandle, Some(Permission::AlarmHandle));
perm!(AlarmSupervise, Some(Permission::AlarmSupervise));
perm!(RulesManage, Some(Permission::RulesManage));

/// The authenticated caller, checked for permission `P`.
pub struct Authz<P: Perm>(pub Principal, pub PhantomData<P>);

/// How the caller authenticated.
pub enum Credential {
    Session(String),
    Bearer(String),
}

pub fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    cookie_value_from_headers(&parts.headers, name)
}

pub fn cookie_value_from_headers(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn credential(parts: &Parts) -> Option<Credential> {
    if let Some(h) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = h.strip_prefix("Bearer ") {
            return Some(Credential::Bearer(token.trim().to_string()));
        }
    }
    cookie_value(parts, SESSION_COOKIE).map(Credential::Session)
}

/// Resolves the caller; enforces the CSRF header on cookie-authenticated writes.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let principal = match credential(parts) {
        Some(Credential::Bearer(t)) => auth::token_principal(&state.db, &t).await?,
        Some(Credential::Session(s)) => {
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let has_header = parts
                .headers
                .get("x-requested-with")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest"));
            if !safe && !has_header {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "csrf_header_missing",
                    "cookie-authenticated writes must send X-Requested-With: XMLHttpRequest",
                ));
            }
            auth::session_principal(&state.db, &s).await?
        }
        None => None,
    };
    principal.ok_or_else(ApiError::unauthenticated)
}

impl<P: Perm> FromRequestParts<AppState> for Authz<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, state).await?;
        if let Some(p) = P::PERM {
            if !principal.has(p) {
                return Err(ApiError::forbidden(format!(
                    "缺少权限 {}",
                    permission_code(p)
                )));
            }
        }
        Ok(Authz(principal, PhantomData))
    }
}

pub fn permission_code(p: Permission) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
