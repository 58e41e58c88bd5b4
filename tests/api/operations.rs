use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.server.as_ref().unwrap().service().close().await;
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    app.user("Alice").await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{route="/api/v1/users",method="POST",status="201"}"#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_v1_route() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let expected = [
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/partner-requests", "post"),
        ("/api/v1/partner-requests/received/{user_id}", "get"),
        ("/api/v1/partner-requests/sent/{user_id}", "get"),
        ("/api/v1/partner-requests/{request_id}", "get"),
        ("/api/v1/partner-requests/{request_id}/respond", "post"),
        ("/api/v1/partner-requests/{request_id}/cancel", "post"),
        ("/api/v1/users/{user_id}/partnerships", "get"),
        ("/api/v1/partnerships/{partnership_id}", "delete"),
        ("/api/v1/users/{user_id}/blocks", "post"),
        ("/api/v1/users/{user_id}/blocks/{blocked_user_id}", "delete"),
        ("/api/v1/users/{user_id}/notifications", "get"),
        ("/api/v1/users/{user_id}/settings", "get"),
        ("/api/v1/users/{user_id}/settings", "put"),
        ("/api/v1/users/{user_id}/partners-in-common/{other_id}", "get"),
        ("/api/v1/users/{user_id}/suggestions", "get"),
        ("/api/v1/partner-requests/bulk", "post"),
    ];
    for (path, method) in expected {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing");
    }
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, expected.len(), "no undocumented or extra operations");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn metrics_show_the_pools_and_business_counters() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    app.respond(bob, id, "accept").await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"dealnest_db_connections{pool="reader",state="idle"}"#), "{text}");
    assert!(text.contains(r#"dealnest_partner_requests_total{event="sent"}"#), "{text}");
    assert!(text.contains(r#"dealnest_partner_requests_total{event="accepted"}"#), "{text}");
}

/// Each in-memory cache shows what it holds, in bytes and entries, once it holds something.
#[tokio::test]
async fn metrics_show_what_each_cache_holds() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    app.get("/api/v1/users?q=ali", None).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let value = |name: &str, cache: &str| -> f64 {
        let prefix = format!("{name}{{cache=\"{cache}\"}} ");
        let line = text.lines().find(|line| line.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix}: {text}"));
        line[prefix.len()..].parse().unwrap()
    };
    for cache in ["users", "searches", "tokens"] {
        assert!(value("dealnest_cache_bytes", cache) > 0.0, "{cache}");
        assert!(value("dealnest_cache_entries", cache) >= 1.0, "{cache}");
    }
    assert_eq!(value("dealnest_cache_entries", "dashboards"), 0.0);
}

#[tokio::test]
async fn responses_carry_the_security_headers_and_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/users")).send().await.unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!headers["x-request-id"].is_empty());
    let given = app.client.get(app.url("/healthz")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-me-42", "an incoming id is kept");
}

/// Migrations are only added, so a version whose database a newer one migrated further still
/// starts and serves (a rolling update, or a rollback).
#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_still_served() {
    let mut app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let checksum = if app.db.is_postgres() { "decode('00', 'hex')" } else { "x'00'" };
    sqlx::query(&format!(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time) \
         values (999999, 'a migration of a newer version', true, {checksum}, 0)"
    ))
    .execute(&app.db.raw().await)
    .await
    .unwrap();
    app.restart_with(|_| {}).await;
    let (status, user) = app.get(&format!("/api/v1/users/{alice}"), None).await;
    assert_eq!((status, user["name"].as_str()), (StatusCode::OK, Some("Alice")));
}
