//! Cross-site request forgery defence: a state-changing request that a browser sent from another
//! site is refused with 403.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current browsers) and `Origin`
//! (on every cross-origin POST). A request carrying either, saying "another site", is refused.
//! API requests carrying a bearer token are let through: a browser never adds a token by itself,
//! so another site cannot forge one the way it can ride on a cookie. Any other `Authorization`
//! header (or one on a page) earns no exemption. Clients that send neither header (curl, API
//! clients) are not browsers and carry no ambient cookie.
//!
//! `Origin` is compared with `Host`, or with `X-Forwarded-Host` when the peer is one of our
//! trusted proxies (`DEALNEST_TRUSTED_PROXIES`), which say there what host the browser asked
//! for; from any other peer that header is whatever the client wrote and proves nothing.
//!
//! One page address is exempt: `POST /unsubscribe/{token}`, which a mail provider or a webmail
//! page sends from its own site (RFC 8058 one-click). It reads no session: the signed token in
//! the path is its only authority, so another site can do nothing with it that the token's
//! holder could not.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::AppError;
use super::refusals::refuse;
use super::request::{bearer_token, is_api, is_safe};

/// Middleware: refuses unsafe-method requests that a browser sent from another site.
pub async fn refuse_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let unsafe_method = !is_safe(request.method());
    let bearer = is_api(request.uri()) && bearer_token(request.headers()).is_some();
    let from_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|peer| state.limits.proxies().is_trusted(peer.0.ip()));
    if unsafe_method
        && !bearer
        && !is_unsubscribe(request.uri())
        && is_cross_site(request.headers(), request.uri(), from_proxy)
    {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "refused a cross-site request"
        );
        return refuse(&request, AppError::CrossSite).await;
    }
    next.run(request).await
}

/// `/unsubscribe/{token}`: one segment after the prefix, nothing more.
fn is_unsubscribe(uri: &Uri) -> bool {
    uri.path().strip_prefix("/unsubscribe/").is_some_and(|token| !token.is_empty() && !token.contains('/'))
}

/// True when the browser told us the request came from another site (or an opaque origin);
/// `from_proxy`: the peer is a trusted proxy, whose `X-Forwarded-Host` is believed.
fn is_cross_site(headers: &HeaderMap, uri: &Uri, from_proxy: bool) -> bool {
    // `Sec-Fetch-Site` is set by the browser itself and no page can change it, so when present it
    // decides, even behind a proxy that rewrites `Host`. `none`: the person typed or bookmarked the
    // address. `same-site` is refused too: a sibling subdomain is not necessarily ours.
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    // Older browsers: compare `Origin` with the host the request was sent to.
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Some(origin_host) = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, host)| host) else {
        return true; // `null` or garbage: an opaque origin is never ours
    };
    // The scheme is left out: behind a TLS-terminating proxy the browser's origin is https while
    // the request reaches us as http. A trusted proxy that rewrites `Host` says the original in
    // `X-Forwarded-Host`.
    let origin_host = origin_host.trim_end_matches('/');
    let named = |name| headers.get(name).and_then(|h| h.to_str().ok());
    let forwarded = if from_proxy { named("x-forwarded-host") } else { None };
    let hosts = [named(header::HOST.as_str()), forwarded, uri.authority().map(|a| a.as_str())];
    !hosts.into_iter().flatten().any(|host| host.eq_ignore_ascii_case(origin_host))
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
    fn only_the_unsubscribe_address_is_exempt() {
        assert!(is_unsubscribe(&Uri::from_static("/unsubscribe/abc.def.ghi")));
        for path in ["/unsubscribe/", "/unsubscribe", "/unsubscribe/a/b", "/settings", "/api/v1/unsubscribe/a"] {
            assert!(!is_unsubscribe(&Uri::from_static(path)), "{path}");
        }
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        let uri = Uri::from_static("/requests");
        assert!(!is_cross_site(&headers(&[("host", "localhost:8004")]), &uri, false));
        assert!(!is_cross_site(
            &headers(&[
                ("host", "localhost:8004"),
                ("origin", "http://localhost:8004"),
                ("sec-fetch-site", "same-origin")
            ]),
            &uri,
            false
        ));
        assert!(!is_cross_site(&headers(&[("host", "app.example"), ("origin", "https://app.example")]), &uri, false));
        // Behind a proxy that rewrites Host, the browser's own header still vouches.
        let proxied = [("host", "10.0.0.5:8004"), ("origin", "https://app.example"), ("sec-fetch-site", "same-origin")];
        assert!(!is_cross_site(&headers(&proxied), &uri, false));
        let forwarded =
            [("host", "10.0.0.5:8004"), ("origin", "https://app.example"), ("x-forwarded-host", "app.example")];
        assert!(!is_cross_site(&headers(&forwarded), &uri, true));
        // From a peer that is not a trusted proxy, the header is the client's own word.
        assert!(is_cross_site(&headers(&forwarded), &uri, false));
        let spoofed =
            [("host", "localhost:8004"), ("origin", "http://evil.example"), ("x-forwarded-host", "evil.example")];
        assert!(is_cross_site(&headers(&spoofed), &uri, false));
    }

    #[test]
    fn another_site_is_refused() {
        let uri = Uri::from_static("/requests");
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("sec-fetch-site", "cross-site")]), &uri, false));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("sec-fetch-site", "same-site")]), &uri, false));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("origin", "http://evil.example")]), &uri, false));
        assert!(is_cross_site(
            &headers(&[("host", "localhost:8004"), ("origin", "http://localhost:9999")]),
            &uri,
            false
        ));
        assert!(is_cross_site(&headers(&[("host", "localhost:8004"), ("origin", "null")]), &uri, false));
    }
}
