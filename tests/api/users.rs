use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, assert_error};

#[tokio::test]
async fn creating_a_user_trims_the_name_and_lower_cases_the_email() {
    let app = TestApp::spawn().await;
    let (status, body) =
        app.post("/api/v1/users", None, json!({"email": "  Alice@Example.COM ", "name": "  Alice  "})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["name"], "Alice");
    assert!(body["id"].as_i64().unwrap() > 0);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn an_email_is_taken_whatever_its_letter_case() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/users", None, json!({"email": "bob@example.com", "name": "Bob"})).await;
    let again = app.post("/api/v1/users", None, json!({"email": "BOB@example.com", "name": "Bobby"})).await;
    assert_error(&again, StatusCode::CONFLICT, "email_taken");
}

#[tokio::test]
async fn invalid_emails_are_refused() {
    let app = TestApp::spawn().await;
    let long = format!("{}@example.com", "a".repeat(250));
    for email in ["", "no-at-sign", "a@", "@example.com", "two words@example.com", long.as_str()] {
        let response = app.post("/api/v1/users", None, json!({"email": email, "name": "X"})).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email");
    }
}

#[tokio::test]
async fn names_are_one_to_a_hundred_characters_after_trimming() {
    let app = TestApp::spawn().await;
    for name in ["", "   ", &"é".repeat(101)] {
        let response = app.post("/api/v1/users", None, json!({"email": "n@example.com", "name": name})).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_name");
    }
    let hundred = "é".repeat(100);
    let (status, body) =
        app.post("/api/v1/users", None, json!({"email": "n@example.com", "name": format!(" {hundred} ")})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["name"], hundred);
}

#[tokio::test]
async fn a_user_can_be_fetched_and_a_missing_one_is_404() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let (status, body) = app.get(&format!("/api/v1/users/{alice}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "Alice");
    assert_error(&app.get("/api/v1/users/999", None).await, StatusCode::NOT_FOUND, "user_not_found");
}

#[tokio::test]
async fn the_user_list_is_paged_with_a_total() {
    let app = TestApp::spawn().await;
    for name in ["Ann", "Ben", "Cat", "Dov", "Eve"] {
        app.user(name).await;
    }
    let (status, body) = app.get("/api/v1/users?page=2&size=2", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<_> = body["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Cat", "Dov"]);
    assert_eq!(body["pagination"], json!({"page": 2, "size": 2, "total": 5, "total_exact": true}));

    let (status, past_end) = app.get("/api/v1/users?page=9&size=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(past_end["users"], json!([]));
    assert_eq!(past_end["pagination"]["total"], 5);

    let (_, defaults) = app.get("/api/v1/users", None).await;
    assert_eq!(defaults["pagination"], json!({"page": 1, "size": 20, "total": 5, "total_exact": true}));
}

#[tokio::test]
async fn paging_out_of_range_is_422() {
    let app = TestApp::spawn().await;
    for query in ["page=0", "size=0", "size=101", "page=-1", "page=abc", "size=1.5"] {
        let (status, body) = app.get(&format!("/api/v1/users?{query}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body["error"]["code"].is_string());
    }
}

#[tokio::test]
async fn search_is_a_literal_case_insensitive_substring_of_name_or_email() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/users", None, json!({"email": "first@example.com", "name": "100% Sure"})).await;
    app.post("/api/v1/users", None, json!({"email": "under_score@example.com", "name": "Plain"})).await;
    app.post("/api/v1/users", None, json!({"email": "other@example.com", "name": "Ünïcode Zoë"})).await;
    app.post("/api/v1/users", None, json!({"email": "x1@example.com", "name": "100 sure"})).await;

    let search = |q: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app.get(&format!("/api/v1/users?q={}", urlencode(q)), None).await;
            assert_eq!(status, StatusCode::OK);
            let mut names: Vec<String> =
                body["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap().to_owned()).collect();
            names.sort();
            assert_eq!(body["pagination"]["total"].as_i64().unwrap(), names.len() as i64);
            names
        }
    };
    assert_eq!(search("0%").await, ["100% Sure"]);
    assert_eq!(search("_").await, ["Plain"]);
    assert_eq!(search("UNDER").await, ["Plain"]);
    assert_eq!(search("zoË").await, ["Ünïcode Zoë"]);
    assert_eq!(search("sure").await, ["100 sure", "100% Sure"]);
    assert!(search("nobody").await.is_empty());
    // Three characters or more go through the trigram index on SQLite: same literal meaning.
    assert_eq!(search("0% su").await, ["100% Sure"]);
    assert_eq!(search("r_sco").await, ["Plain"]);
    assert!(search("0_s").await.is_empty());
    assert!(search("a\"b OR c").await.is_empty());
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn an_overlong_search_text_is_422() {
    let app = TestApp::spawn().await;
    let q = "a".repeat(255);
    assert_error(
        &app.get(&format!("/api/v1/users?q={q}"), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
    );
    let (_, body) = app.get("/api/v1/users?size=101", None).await;
    assert_eq!(body["error"]["code"], "invalid_pagination");
}

/// Searches are answered from a cache while no user is added; adding one must show at once.
#[tokio::test]
async fn a_repeated_search_sees_users_added_since() {
    let app = TestApp::spawn().await;
    app.user("Alice Martin").await;
    let search = || app.get("/api/v1/users?q=mart", None);
    let (_, first) = search().await;
    let (_, again) = search().await;
    assert_eq!((first["pagination"]["total"].as_i64(), again["pagination"]["total"].as_i64()), (Some(1), Some(1)));

    app.user("Martha Jones").await;
    let (status, after) = search().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["pagination"]["total"], 2, "{after}");
    let names: Vec<&str> = after["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alice Martin", "Martha Jones"]);
}
