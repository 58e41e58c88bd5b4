//! Bad input gets a 4xx with the contract's error body, never a 5xx.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    for body in ["{", "{\"recipient_id\": }", "nonsense", "[1,2"] {
        let request =
            app.client.post(app.url("/api/v1/partner-requests")).header("content-type", "application/json").body(body);
        assert_error(&app.send(request, Some(alice)).await, StatusCode::BAD_REQUEST, "invalid_json");
    }
}

#[tokio::test]
async fn wrong_types_and_out_of_range_numbers_are_422() {
    let app = TestApp::spawn().await;
    let (alice, _bob) = (app.user("Alice").await, app.user("Bob").await);
    let bodies = [
        json!({"recipient_id": "2"}),
        json!({"recipient_id": 2.5}),
        json!({"recipient_id": true}),
        json!({"recipient_id": null}),
        json!({}),
        json!([]),
        json!({"recipient_id": 2, "message": 5}),
        json!({"recipient_id": 2, "sender_id": "1"}),
    ];
    for body in bodies {
        let (status, response) = app.post("/api/v1/partner-requests", Some(alice), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {response}");
        assert!(response["error"]["code"].is_string());
    }
    for raw in [r#"{"recipient_id": 99999999999999999999999}"#, r#"{"recipient_id": -3}"#, r#"{"recipient_id": 0}"#] {
        let request =
            app.client.post(app.url("/api/v1/partner-requests")).header("content-type", "application/json").body(raw);
        let (status, response) = app.send(request, Some(alice)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{raw}: {response}");
    }
    let user = app.post("/api/v1/users", None, json!({"email": 5, "name": "x"})).await;
    assert_error(&user, StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
}

#[tokio::test]
async fn bad_path_ids_are_422() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    for path in [
        "/api/v1/users/abc",
        "/api/v1/users/-1",
        "/api/v1/users/0",
        "/api/v1/users/99999999999999999999999",
        "/api/v1/partner-requests/1.5",
        "/api/v1/partner-requests/received/x",
    ] {
        let (status, body) = app.get(path, Some(alice)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_id", "{path}");
    }
}

#[tokio::test]
async fn an_empty_body_or_wrong_content_type_is_4xx() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let empty = app.client.post(app.url("/api/v1/partner-requests")).header("content-type", "application/json");
    assert_error(&app.send(empty, Some(alice)).await, StatusCode::BAD_REQUEST, "invalid_json");
    let no_type = app.client.post(app.url("/api/v1/partner-requests")).body(r#"{"recipient_id": 2}"#);
    assert_error(&app.send(no_type, Some(alice)).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let form = app
        .client
        .post(app.url("/api/v1/users"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a@example.com&name=A");
    assert_error(&app.send(form, None).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let huge = json!({"recipient_id": 2, "message": "x".repeat(1024 * 1024)});
    let response = app.post("/api/v1/partner-requests", Some(alice), huge).await;
    assert_error(&response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let big_user = app.post("/api/v1/users", None, json!({"email": "a@example.com", "name": "y".repeat(70_000)})).await;
    assert_error(&big_user, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = TestApp::spawn().await;
    assert_error(&app.get("/api/v1/nothing-here", None).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&app.get("/api/v2/users", None).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&app.delete("/api/v1/users", None).await, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let put = app.client.put(app.url("/api/v1/partner-requests/1/respond"));
    assert_eq!(app.send(put, None).await.0, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn trailing_slashes_are_the_same_route() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post("/api/v1/users/", None, json!({"email": "t@example.com", "name": "T"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let bob = app.user("Bob").await;
    let (status, _) = app.post("/api/v1/partner-requests/", Some(bob), json!({"recipient_id": body["id"]})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, list) = app.get(&format!("/api/v1/partner-requests/sent/{bob}/"), Some(bob)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["pagination"]["total"], 1);
}

#[tokio::test]
async fn a_large_body_is_413_on_every_route_even_one_that_reads_no_body() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = app.request(alice, bob).await;
    let big = vec![b'x'; 1024 * 1024];
    let cancel = app.client.post(app.url(&format!("/api/v1/partner-requests/{id}/cancel"))).body(big.clone());
    assert_error(&app.send(cancel, Some(alice)).await, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let (_, request) = app.get(&format!("/api/v1/partner-requests/{id}"), Some(alice)).await;
    assert_eq!(request["status"], "pending", "nothing changed");
    let page = app.client.post(app.url("/requests")).body(big).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Every body of the API is an object: the array form of one (the field values in order, which
/// serde would read into a struct) is refused with the route's 422 code and changes nothing,
/// at the top level and nested.
#[tokio::test]
async fn the_array_form_of_an_object_is_refused_on_every_body_route() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let request = app.request(alice, bob).await;
    let users = app.db.count("select count(*) from users").await;
    let before = crate::support::snapshot(&app.db).await;
    let settings = format!("/api/v1/users/{bob}/settings");
    let (_, saved) = app.get(&settings, Some(bob)).await;

    let routes = [
        ("/api/v1/users".to_owned(), None, json!(["carol@example.com", "Carol"])),
        ("/api/v1/partner-requests".to_owned(), Some(bob), json!([alice, null, null])),
        (format!("/api/v1/partner-requests/{request}/respond"), Some(bob), json!(["accept"])),
        ("/api/v1/partner-requests/bulk".to_owned(), Some(bob), json!(["accept", [request]])),
        (format!("/api/v1/users/{bob}/blocks"), Some(bob), json!([alice])),
    ];
    for (path, user, body) in routes {
        let response = app.post(&path, user, body.clone()).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
        assert!(response.1["error"]["message"].as_str().unwrap().contains("sequence"), "{path} {body}: {}", response.1);
    }
    for body in [
        json!({"accepts_requests_from": "nobody", "email": ["off", "off", "off"]}),
        json!(["nobody", {"request_received": "off", "request_accepted": "off", "request_reminder": "off"}]),
    ] {
        let response = app.send(app.client.put(app.url(&settings)).json(&body), Some(bob)).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_settings");
    }

    assert_eq!(app.db.count("select count(*) from users").await, users);
    assert_eq!(crate::support::snapshot(&app.db).await, before);
    assert_eq!(app.get(&settings, Some(bob)).await.1, saved);
}
