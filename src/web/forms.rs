//! Form posts of the pages must be UTF-8, as the API's JSON must be. The form decoder replaces
//! what is not UTF-8 with U+FFFD without a word (`hi%FF%FEthere` would be stored as
//! `hi��there`), so a page form whose names or values, once percent-decoded, are not UTF-8 is
//! answered 400 before any handler sees it, and nothing is changed.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::BODY_LIMIT;
use super::error::AppError;
use super::pages::errors::{Asked, answer};
use super::request::is_api;

/// Middleware: refuses a page's `application/x-www-form-urlencoded` body that is not UTF-8.
pub async fn refuse_malformed_forms(request: Request, next: Next) -> Response {
    if is_api(request.uri()) || !is_form(&request) {
        return next.run(request).await;
    }
    let asked = Asked::of(&request);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        // Too large, or the client went away: what the form extractor would have said.
        return answer(AppError::PayloadTooLarge, &asked).await;
    };
    if !is_utf8_form(&bytes) {
        let error = AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_form",
            "The form was not sent as UTF-8 text, so nothing was changed. Please try again.",
        );
        return answer(error, &asked).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_form(request: &Request) -> bool {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    content_type
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|mime| mime.type_() == mime::APPLICATION && mime.subtype() == mime::WWW_FORM_URLENCODED)
}

/// Whether every name and value of `body`, percent-decoded, is UTF-8.
fn is_utf8_form(body: &[u8]) -> bool {
    body.split(|&b| b == b'&').all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok())
}

#[cfg(test)]
mod tests {
    use super::is_utf8_form;

    #[test]
    fn percent_encoded_bytes_must_decode_to_utf8() {
        for fine in ["", "a=1&b=2", "message=hi%20there", "name=Zo%C3%AB", "q=100%", "x=%zz", "m=a+b"] {
            assert!(is_utf8_form(fine.as_bytes()), "{fine}");
        }
        for bad in ["message=hi%FF%FEthere", "name=Zo%C3", "%FF=x", "a=1&b=%C3%28"] {
            assert!(!is_utf8_form(bad.as_bytes()), "{bad}");
        }
        assert!(!is_utf8_form(b"message=hi\xff\xfethere"));
    }
}
