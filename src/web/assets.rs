//! Static files, compiled into the binary (so the server runs from any directory) and served at
//! versioned addresses that browsers may cache for a year: our own files under a hash of their
//! content, htmx under its release number.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// The htmx release in `static/vendor/`, from the npm package `htmx.org`.
pub const HTMX_VERSION: &str = "2.0.11";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const OWN: &[Asset] = &[
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", bytes: include_bytes!("../../static/app.css") },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/app.js"),
    },
    Asset {
        name: "passkeys.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/passkeys.js"),
    },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", bytes: include_bytes!("../../static/favicon.svg") },
];

const VENDOR: &[Asset] = &[
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/htmx-2.0.11/htmx.min.js"),
    },
    Asset {
        name: "LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../static/vendor/htmx-2.0.11/LICENSE"),
    },
];

/// The addresses templates link to.
#[derive(Debug)]
pub struct AssetUrls {
    pub css: String,
    pub js: String,
    pub icon: String,
    pub htmx: String,
    pub passkeys: String,
}

/// One version for all our files: a change to any of them changes every address, which costs a
/// re-download of a few kilobytes and keeps the scheme simple.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    // FNV-1a: a stable content fingerprint; not a security boundary.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in OWN.iter().flat_map(|asset| asset.bytes.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")[..12].to_owned()
});

static URLS: LazyLock<AssetUrls> = LazyLock::new(|| AssetUrls {
    css: format!("/static/{}/app.css", *VERSION),
    js: format!("/static/{}/app.js", *VERSION),
    icon: format!("/static/{}/favicon.svg", *VERSION),
    htmx: format!("/static/vendor/htmx-{HTMX_VERSION}/htmx.min.js"),
    passkeys: format!("/static/{}/passkeys.js", *VERSION),
});

pub fn urls() -> &'static AssetUrls {
    &URLS
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("/static/vendor/htmx-{HTMX_VERSION}/{{name}}"), get(vendor))
        .route("/static/{version}/{name}", get(own))
}

async fn own(Path((version, name)): Path<(String, String)>) -> Response {
    let Some(asset) = OWN.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A page from before a deploy may ask for an old version: it gets today's file, but not
    // cached under the old address for a year.
    serve(asset, version == *VERSION)
}

async fn vendor(Path(name): Path<String>) -> Response {
    match VENDOR.iter().find(|a| a.name == name) {
        Some(asset) => serve(asset, true),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn serve(asset: &Asset, immutable: bool) -> Response {
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.bytes,
    )
        .into_response()
}
