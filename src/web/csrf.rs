//! Cross-site request forgery defence: a state-changing request that a browser sent from another
//! site is refused with 403.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current browsers) and `Origin`
//! (on every cross-origin POST). A request carrying either, saying "another site", is refused.
//! Requests with an `Authorization` header are let through: a bearer token is not sent by a
//! browser on its own, so it cannot be forged by another site the way a cookie can. Clients that
//! send neither header (curl, API clients) are not browsers and carry no ambient cookie.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::pages::ErrorPage;

const REFUSED: &str = "This form was sent from another site, so it was refused. Go back to DealNest and try again.";

/// Middleware: refuses unsafe-method requests that a browser sent from another site.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = request.headers().contains_key(header::AUTHORIZATION);
    if unsafe_method && !bearer && is_cross_site(request.headers(), request.uri()) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "refused a cross-site request"
        );
        if request.uri().path().starts_with("/api") {
            return ApiError::new(StatusCode::FORBIDDEN, "cross_site_request", REFUSED).into_response();
        }
        return ErrorPage::new(StatusCode::FORBIDDEN, "Request refused", REFUSED).into_response();
    }
    next.run(request).await
}

/// True when the browser told us the request came from another site (or an opaque origin).
fn is_cross_site(headers: &HeaderMap, uri: &Uri) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: the person typed or bookmarked the address; `same-site` is refused too, since
        // a sibling subdomain is not necessarily ours.
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Some(origin_host) = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, host)| host) else {
        return true; // `null` or garbage: an opaque origin is never ours
    };
    // The scheme is left out of the comparison: behind a TLS-terminating proxy the browser's
    // origin is https while the request reaches us as http.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
    !host.is_some_and(|host| host.eq_ignore_ascii_case(origin_host.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        let uri = Uri::from_static("/requests");
        assert!(!is_cross_site(&headers(&[("host", "localhost:8004")]), &uri));
        assert!(!is_cross_site(
            &headers(&[
                ("host", "localhost:8004"),
                ("origin", "http://localhost:8004"),
                ("sec-fetch-site", "same-origin")
            ]),
            &uri
        ));
        assert!(!is_cross_site(&headers(&[("host", "app.example"), ("origin", "https://app.example")]), &uri));
    }

    #[test]
    fn another_site_is_refused() {
        let uri = Uri::from_static("/requests");
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("sec-fetch-site", "cross-site")]), &uri));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("sec-fetch-site", "same-site")]), &uri));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("origin", "http://evil.example")]), &uri));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("origin", "http://localhost:9999")]), &uri));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("origin", "null")]), &uri));
    }
}
