//! Extractors whose rejections speak the contract's error body instead of axum's plain text.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use super::error::AppError;
use crate::domain::{PageRequest, RuleError};

mod strict;
pub use strict::Strict;

/// A JSON body; malformed JSON (text that is not UTF-8 included), wrong types (an array where an
/// object belongs included, see [`Strict`]), a missing content type or an oversized body become
/// the contract's 400/422/415/413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        if !json_content_type(request.headers()) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
            } else {
                AppError::new(StatusCode::BAD_REQUEST, "invalid_body", rejection.body_text())
            }
        })?;
        // JSON is UTF-8 (RFC 8259), but serde_json checks only the strings a type keeps: bad bytes
        // in a field the handler ignores would otherwise be accepted and acted on.
        if std::str::from_utf8(&bytes).is_err() {
            return Err(AppError::new(StatusCode::BAD_REQUEST, "invalid_json", "The request body is not valid UTF-8."));
        }
        let Json(Strict(value)) = Json::<Strict<T>>::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

/// `application/json`, or any `application/…+json`, parameters allowed: what axum's `Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(mime) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()?.parse::<mime::Mime>().ok()) else {
        return false;
    };
    mime.type_() == "application" && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
}

/// Path parameters; a non-numeric or out-of-range id becomes 422 `invalid_id`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// Query parameters; a value of the wrong type becomes 422.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// `?page=&size=` of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<i64>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, RuleError> {
        PageRequest::parse(self.page, self.size)
    }
}
