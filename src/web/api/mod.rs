//! The JSON API v1 under `/api/v1`, and its OpenAPI 3.1 document, generated from the handlers'
//! annotations so the two cannot drift apart.

mod blocks;
mod bulk;
mod json;
mod network;
mod notifications;
mod partnerships;
mod requests;
pub mod settings;
mod users;

use std::sync::Arc;

use axum::routing::{any, get};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::AppError;

#[derive(OpenApi)]
#[openapi(
    info(title = "DealNest Partners API", version = "1.1.0",
         description = "Partner requests between users: send, accept, reject, cancel; partnerships, blocks, notifications."),
    modifiers(&BearerAuth),
    tags(
        (name = "users"), (name = "partner requests"), (name = "partnerships"),
        (name = "blocks"), (name = "notifications"), (name = "network"),
    ),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// `/api/…`: the v1 routes, the OpenAPI document, and JSON 404/405 answers for the rest.
pub fn router() -> Router<AppState> {
    let v1 = OpenApiRouter::<AppState>::new()
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(users::get_user))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .routes(routes!(requests::send_request))
        .routes(routes!(bulk::bulk))
        .routes(routes!(network::partners_in_common))
        .routes(routes!(network::suggestions))
        .routes(routes!(requests::received))
        .routes(routes!(requests::sent))
        .routes(routes!(requests::get_request))
        .routes(routes!(requests::respond))
        .routes(routes!(requests::cancel))
        .routes(routes!(partnerships::partnerships))
        .routes(routes!(partnerships::end_partnership))
        .routes(routes!(blocks::block))
        .routes(routes!(blocks::unblock))
        .routes(routes!(notifications::notifications));
    let (routes, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1).split_for_parts();
    let document = Arc::new(openapi);

    routes
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .route("/api/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
        .route("/api", any(|| async { AppError::NotFound }))
        .route("/api/{*rest}", any(|| async { AppError::NotFound }))
}
