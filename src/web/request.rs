//! What a request says about itself, decided in one place each: whether it is for the API,
//! whether it writes, whether htmx sent it, and the bearer token it carries.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};

/// True for the addresses programs read, which answer in JSON, errors included: `/api` and
/// everything under `/api/`, and the event stream `/events` (read by pages' scripts and API
/// clients alike).
pub fn is_api(uri: &Uri) -> bool {
    let path = uri.path();
    path == "/events" || path.strip_prefix("/api").is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// True for the methods that change nothing (GET, HEAD, OPTIONS); every other one is a write.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when htmx sent the request (`HX-Request: true`), so the answer is a fragment.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"true"))
}

/// Extractor: whether htmx sent the request (see [`is_htmx`]).
#[derive(Debug, Clone, Copy)]
pub struct Htmx(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Htmx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(is_htmx(&parts.headers)))
    }
}

/// What the `Authorization` header holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// No `Authorization` header.
    Absent,
    /// `Bearer <token>`, the scheme in any case (RFC 9110 §11.1).
    Bearer(&'a str),
    /// Anything else: another scheme, no token, or bytes that are not text.
    Unusable,
}

/// Reads the request's `Authorization` header.
pub fn authorization(headers: &HeaderMap) -> Authorization<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Authorization::Absent };
    let Ok(value) = value.to_str() else { return Authorization::Unusable };
    let Some((scheme, token)) = value.trim().split_once(' ') else { return Authorization::Unusable };
    let token = token.trim();
    // A token68 has no spaces; anything with one is not a bearer token.
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ') {
        Authorization::Bearer(token)
    } else {
        Authorization::Unusable
    }
}

/// The bearer token of the request, if it carries one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    match authorization(headers) {
        Authorization::Bearer(token) => Some(token),
        Authorization::Absent | Authorization::Unusable => None,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn api_paths_are_api_and_look_alikes_are_not() {
        for path in ["/api", "/api/", "/api/v1/users", "/api/openapi.json", "/events"] {
            assert!(is_api(&Uri::from_static(path)), "{path}");
        }
        for path in ["/", "/apis", "/apiary/x", "/users/search", "/static/api", "/events/x"] {
            assert!(!is_api(&Uri::from_static(path)), "{path}");
        }
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc.def", "bearer abc.def", "BEARER abc.def", "  Bearer   abc.def  "] {
            assert_eq!(authorization(&with("authorization", value)), Authorization::Bearer("abc.def"), "{value}");
        }
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearerabc", "Bearer a b", "Token abc"] {
            assert_eq!(authorization(&with("authorization", value)), Authorization::Unusable, "{value}");
        }
        assert_eq!(authorization(&HeaderMap::new()), Authorization::Absent);
        assert_eq!(bearer_token(&with("authorization", "bEaReR t")), Some("t"));
    }

    #[test]
    fn htmx_is_told_by_its_header() {
        assert!(is_htmx(&with("hx-request", "true")));
        assert!(!is_htmx(&with("hx-request", "false")));
        assert!(!is_htmx(&HeaderMap::new()));
    }
}
