//! The web console, built by build.rs from `web/` and embedded in the binary.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

static WEB: Dir<'_> = include_dir!("$OUT_DIR/web");

/// Serves a console asset, or `index.html` for the root. Hashed assets are cached for a year.
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match WEB.get_file(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CACHE_CONTROL, cache.to_string()),
                ],
                file.contents(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Whether the console was really built (not the placeholder of TONGTU_SKIP_WEB_BUILD).
pub fn console_built() -> bool {
    WEB.get_file("assets").is_some() || WEB.get_dir("assets").is_some()
}
