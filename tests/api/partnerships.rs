use reqwest::StatusCode;

use crate::support::{TestApp, assert_error};

async fn partners(app: &TestApp, a: i64, b: i64) -> i64 {
    let id = app.request(a, b).await;
    app.respond(b, id, "accept").await;
    let (_, list) = app.get(&format!("/api/v1/users/{a}/partnerships"), Some(a)).await;
    list["partnerships"][0]["partnership_id"].as_i64().unwrap()
}

#[tokio::test]
async fn either_member_ends_a_partnership_and_they_may_ask_again() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let id = partners(&app, alice, bob).await;
    let (status, body) = app.delete(&format!("/api/v1/partnerships/{id}"), Some(bob)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_null());
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    assert_eq!(list["pagination"]["total"], 0);
    app.request(alice, bob).await;
}

#[tokio::test]
async fn a_stranger_cannot_end_a_partnership() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.user("Alice").await, app.user("Bob").await, app.user("Eve").await);
    let id = partners(&app, alice, bob).await;
    assert_error(
        &app.delete(&format!("/api/v1/partnerships/{id}"), Some(eve)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &app.delete("/api/v1/partnerships/999", Some(eve)).await,
        StatusCode::NOT_FOUND,
        "partnership_not_found",
    );
    let (_, list) = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(alice)).await;
    assert_eq!(list["pagination"]["total"], 1);
}

#[tokio::test]
async fn partnerships_are_listed_newest_first_for_their_user_only() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let mut others = Vec::new();
    for name in ["Bob", "Carol", "Dan"] {
        let other = app.user(name).await;
        partners(&app, other, alice).await;
        others.push(other);
    }
    let (status, list) = app.get(&format!("/api/v1/users/{alice}/partnerships?size=2"), Some(alice)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> =
        list["partnerships"].as_array().unwrap().iter().map(|p| p["partner"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [others[2], others[1]]);
    assert_eq!(list["pagination"]["total"], 3);
    let stranger = app.get(&format!("/api/v1/users/{alice}/partnerships"), Some(others[0])).await;
    assert_error(&stranger, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn partnerships_from_either_side_of_the_pair_are_merged_newest_first_page_by_page() {
    let app = TestApp::spawn().await;
    // A pair is stored lower id first: users made before Alice are on one side of her pairs,
    // users made after her on the other; the list merges both sides.
    let (yan, zed) = (app.user("Yan").await, app.user("Zed").await);
    let alice = app.user("Alice").await;
    let (bob, carol) = (app.user("Bob").await, app.user("Carol").await);
    let mut newest_first = Vec::new();
    for other in [bob, yan, carol, zed] {
        partners(&app, other, alice).await;
        newest_first.insert(0, other);
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, list) =
            app.get(&format!("/api/v1/users/{alice}/partnerships?size=2&page={page}"), Some(alice)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["pagination"]["total"], 4, "page {page}");
        let partners = list["partnerships"].as_array().unwrap();
        seen.extend(partners.iter().map(|p| p["partner"]["id"].as_i64().unwrap()));
    }
    assert_eq!(seen, newest_first, "pages 1 and 2 hold all four in order, page 3 none");
    let (_, list) = app.get(&format!("/api/v1/users/{yan}/partnerships"), Some(yan)).await;
    assert_eq!(list["partnerships"][0]["partner"]["id"], alice);
}

#[tokio::test]
async fn partners_are_read_in_full_by_a_server_that_has_kept_none_of_them() {
    let mut app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    // More partners than one statement reads (ten), so a restarted server, which keeps no user
    // yet, reads them in three statements, the last one partly filled.
    let mut newest_first = Vec::new();
    for n in 0..23 {
        let other = app.user(&format!("Partner {n}")).await;
        partners(&app, other, alice).await;
        newest_first.insert(0, (other, format!("Partner {n}"), format!("partner.{n}@example.com")));
    }
    app.restart_with(|_| {}).await;
    let (status, list) = app.get(&format!("/api/v1/users/{alice}/partnerships?size=25"), Some(alice)).await;
    assert_eq!(status, StatusCode::OK);
    let seen: Vec<_> = list["partnerships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let partner = &p["partner"];
            let text = |key: &str| partner[key].as_str().unwrap().to_owned();
            (partner["id"].as_i64().unwrap(), text("name"), text("email"))
        })
        .collect();
    assert_eq!(seen, newest_first);
}
