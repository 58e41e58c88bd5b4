use reqwest::StatusCode;
use serde_json::json;

use super::metric;
use crate::support::web::Browser;
use crate::support::{TestApp, TestDb, assert_error};

const FULL: &str = "The service has run out of storage space; nothing was changed. Please try again later.";

/// A full disk (the file may not grow: SQLite's `max_page_count`): writes are 503
/// `storage_full`, in the API and in the pages with and without htmx, reads go on, and once
/// there is room again writes succeed, nothing acknowledged is lost and the file is sound.
///
/// On SQLite in both passes: the PostgreSQL pass (`TEST_DATABASE_URL` set) changes nothing here.
pub async fn a_full_disk_refuses_writes_keeps_reads_and_loses_nothing() {
    let app = TestApp::spawn_on(TestDb::sqlite(), |_| {}).await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let request = app.request(alice, bob).await;
    let service = app.server.as_ref().unwrap().service();
    service.health().limit_database_growth(Some(0)).await.unwrap();

    // Writes fit while the pages in the file have room; the first that needs a new one fails.
    let mut acknowledged = Vec::new();
    let refused = loop {
        let i = acknowledged.len();
        assert!(i < 500, "the file never filled up");
        let body =
            json!({ "email": format!("filler{i}@example.com"), "name": format!("Filler {i} {}", "x".repeat(90)) });
        let response = app.client.post(app.url("/api/v1/users")).json(&body).send().await.unwrap();
        if response.status() == StatusCode::CREATED {
            acknowledged.push(response.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
            continue;
        }
        break response;
    };
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "30");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_error(&(StatusCode::SERVICE_UNAVAILABLE, body.clone()), StatusCode::SERVICE_UNAVAILABLE, "storage_full");
    assert_eq!(body["error"]["message"], FULL);
    let again = json!({ "email": "late@example.com", "name": format!("Late {}", "x".repeat(95)) });
    let again = app.post("/api/v1/users", None, again).await;
    assert_error(&again, StatusCode::SERVICE_UNAVAILABLE, "storage_full");

    // Reads go on.
    let (status, received) = app.get(&format!("/api/v1/partner-requests/received/{bob}"), Some(bob)).await;
    assert_eq!((status, received["requests"][0]["request_id"].as_i64()), (StatusCode::OK, Some(request)));
    let (status, ready) = app.get("/readyz", None).await;
    assert_eq!((status, ready["outage"].as_str()), (StatusCode::OK, Some("storage_full")));

    // The pages say the same where the action was, with and without htmx.
    let browser = Browser::new(&app);
    let name = format!("Carol {}", "x".repeat(94));
    let fields = [("name", name.as_str()), ("email", "carol@example.com")];
    let inline = browser.hx_post("/users", "signup-err", &fields).await;
    assert_eq!(inline.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(inline.text(".inline-error"), FULL);
    let page = browser.post("/users", &fields).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.text("main p.lead"), FULL);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metric(&metrics, r#"dealnest_requests_refused_total{cause="storage_full"}"#) >= 4.0, "{metrics}");

    // Room again: writes succeed, and everything acknowledged is there.
    service.health().limit_database_growth(None).await.unwrap();
    app.post("/api/v1/users", None, json!({ "email": "dan@example.com", "name": "Dan" })).await;
    let (status, _) = app.post("/api/v1/users", None, json!({ "email": "erin@example.com", "name": "Erin" })).await;
    assert_eq!(status, StatusCode::CREATED);
    for id in acknowledged {
        assert_eq!(app.get(&format!("/api/v1/users/{id}"), None).await.0, StatusCode::OK);
    }
    let raw = app.db.raw().await;
    let integrity: String = sqlx::query_scalar("pragma integrity_check").fetch_one(&raw).await.unwrap();
    assert_eq!(integrity, "ok");
}
