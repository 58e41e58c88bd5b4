//! Extractors whose rejections speak the contract's error body instead of axum's plain text.

use axum::extract::{FromRequest, FromRequestParts};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use crate::domain::{PageRequest, RuleError};

/// A JSON body; malformed JSON, wrong types, a missing content type or an oversized body become
/// the contract's 400/422/415/413.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path parameters; a non-numeric or out-of-range id becomes 422 `invalid_id`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query parameters; a value of the wrong type becomes 422.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
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
