//! The web console, built by build.rs from `web/` and embedded in the binary.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

static WEB: Dir<'_> = include_dir!("$OUT_DIR/web");

/// Serves a console asset, or `index.html` for the root. Hashed assets are cached for a year.
/// Text assets have a gzip copy made at build time (`<file>.gz`), served to browsers that
/// accept it.
pub async fn asset(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path.ends_with(".gz") {
        // The compressed copies are an encoding, not resources of their own.
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let Some(file) = WEB.get_file(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let gzip = accepts_gzip(&headers)
        .then(|| WEB.get_file(format!("{path}.gz")))
        .flatten();
    let mut resp = (
        [
            (header::CONTENT_TYPE, mime.as_ref().to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::VARY, "accept-encoding".to_string()),
        ],
        gzip.unwrap_or(file).contents(),
    )
        .into_response();
    if gzip.is_some() {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

/// Whether `Accept-Encoding` allows gzip (a `q=0` refusal counts as no).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Whether the console was really built (not the placeholder of TONGTU_SKIP_WEB_BUILD).
pub fn console_built() -> bool {
    WEB.get_file("assets").is_some() || WEB.get_dir("assets").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn gzip_is_served_only_when_accepted() {
        assert!(accepts_gzip(&h("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
