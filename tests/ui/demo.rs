//! `dealnest serve --demo`: an empty database gets a cast with requests in every state; a
//! database that has users is left alone.

use dealnest::config::Settings;
use reqwest::StatusCode;

use crate::support::web::Browser;
use crate::support::{TestApp, TestDb};

#[tokio::test]
async fn the_demo_fills_an_empty_database_with_something_to_click() {
    let app = TestApp::spawn_with(|settings| settings.demo = true).await;
    let (_, users) = app.get("/api/v1/users?size=100", None).await;
    let names: Vec<&str> = users["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert!(names.len() >= 5, "{names:?}");
    assert!(names.contains(&"Alice Martin") && names.contains(&"Bob Okafor"));
    let alice = users["users"].as_array().unwrap().iter().find(|u| u["name"] == "Alice Martin").unwrap()["id"]
        .as_i64()
        .unwrap();

    let page = Browser::signed_in(&app, alice).await.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.count("#incoming li.row") >= 1, "something to accept");
    assert!(page.count("#sent li.row") >= 1, "something to withdraw");
    assert!(page.count("#partners li.row") >= 1, "a partner");
    assert!(page.count("#incoming blockquote.message") >= 1, "a message");
    let tags = page.texts("#find-results .tag");
    for tag in ["Asked you", "Request sent", "Partner", "Not connected", "Blocked by you"] {
        assert!(tags.iter().any(|t| t == tag), "no {tag:?} in {tags:?}");
    }
    assert!(page.texts("#incoming time").iter().any(|t| t.ends_with("ago")), "the history is back-dated");
}

#[tokio::test]
async fn the_demo_never_touches_a_database_that_has_users() {
    let db = TestDb::new().await;
    let settings = Settings::for_database(db.url.clone());
    let service = dealnest::open_service(&settings.database, &settings.service).await.unwrap();
    let email = dealnest::domain::Email::parse("only@example.com").unwrap();
    service.accounts().create(&email, &dealnest::domain::UserName::parse("Only One").unwrap()).await.unwrap();
    assert!(!dealnest::seed::demo::seed(&service).await.unwrap(), "seeded a database with users");
    let all = dealnest::domain::SearchQuery::parse(None).unwrap();
    let users = service.directory().search(&all, dealnest::domain::PageRequest::default()).await.unwrap();
    assert_eq!(users.total, 1);
    service.close().await;
}
