//! Partners in common and suggestions (contract v1.1): who counts, who is left out, in what order.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_error};

/// An app where one user may send as many requests as a test needs.
pub async fn roomy_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.service.quotas.new_account = 0;
        s.service.quotas.daily = 0;
        s.rate_limit = 0;
    })
    .await
}

/// Makes `a` and `b` partners.
pub async fn partner(app: &TestApp, a: i64, b: i64) {
    let id = app.request(a, b).await;
    let (status, body) = app.respond(b, id, "accept").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn in_common(app: &TestApp, user: i64, other: i64) -> (StatusCode, Value) {
    app.get(&format!("/api/v1/users/{user}/partners-in-common/{other}"), Some(user)).await
}

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list[key].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn partners_in_common_for_none_one_and_many() {
    let app = roomy_app().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let (status, none) = in_common(&app, alice, bob).await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!((ids(&none, "users").len(), none["pagination"]["total"].as_i64()), (0, Some(0)));

    let carol = app.user("Carol").await;
    partner(&app, alice, carol).await;
    partner(&app, bob, carol).await;
    let (_, one) = in_common(&app, alice, bob).await;
    assert_eq!(ids(&one, "users"), [carol]);
    assert_eq!(one["users"][0]["name"], "Carol");

    let mut shared = vec![carol];
    for name in ["Dan", "Erin", "Frank", "Grace"] {
        let id = app.user(name).await;
        partner(&app, alice, id).await;
        partner(&app, id, bob).await;
        shared.push(id);
    }
    let only_alices = app.user("Heidi").await;
    partner(&app, alice, only_alices).await;
    let (_, many) = in_common(&app, alice, bob).await;
    assert_eq!(ids(&many, "users"), shared, "by id, each once, and only partners of both");
    assert_eq!(many["pagination"]["total"], 5);
    assert_eq!(many["pagination"]["total_exact"], true);
    let (_, from_bob) = in_common(&app, bob, alice).await;
    assert_eq!(ids(&from_bob, "users"), shared, "the same either way round");

    let (_, second) =
        app.get(&format!("/api/v1/users/{alice}/partners-in-common/{bob}?page=2&size=2"), Some(alice)).await;
    assert_eq!(ids(&second, "users"), shared[2..4]);
    assert_eq!(second["pagination"]["total"], 5);
}

#[tokio::test]
async fn partners_in_common_are_only_for_oneself_and_of_existing_users() {
    let app = roomy_app().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let path = format!("/api/v1/users/{alice}/partners-in-common/{bob}");
    assert_error(&app.get(&path, Some(bob)).await, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.get(&path, None).await.0, StatusCode::UNAUTHORIZED);
    let missing = format!("/api/v1/users/{alice}/partners-in-common/999999");
    assert_error(&app.get(&missing, Some(alice)).await, StatusCode::NOT_FOUND, "user_not_found");
    let bad = format!("/api/v1/users/{alice}/partners-in-common/0");
    assert_error(&app.get(&bad, Some(alice)).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_id");
    let deep = format!("{path}?page=1000&size=100");
    assert_error(&app.get(&deep, Some(alice)).await, StatusCode::UNPROCESSABLE_ENTITY, "page_too_deep");
}

async fn suggested(app: &TestApp, user: i64, size: Option<i64>) -> Vec<(i64, i64)> {
    let path = match size {
        Some(size) => format!("/api/v1/users/{user}/suggestions?size={size}"),
        None => format!("/api/v1/users/{user}/suggestions"),
    };
    let (status, body) = app.get(&path, Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["user"]["id"].as_i64().unwrap(), s["partners_in_common"].as_i64().unwrap()))
        .collect()
}

fn who(list: &[(i64, i64)]) -> Vec<i64> {
    list.iter().map(|(id, _)| *id).collect()
}

#[tokio::test]
async fn suggestions_rank_by_partners_in_common_then_newest_and_then_those_with_none() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let (p1, p2, p3) = (app.user("Partner One").await, app.user("Partner Two").await, app.user("Partner Three").await);
    for p in [p1, p2, p3] {
        partner(&app, alice, p).await;
    }
    let stranger = app.user("Stranger").await;
    let (two_old, one, two_new) = (app.user("Two Old").await, app.user("One").await, app.user("Two New").await);
    for (user, partners) in [(two_old, vec![p1, p2]), (one, vec![p3]), (two_new, vec![p2, p3])] {
        for p in partners {
            partner(&app, p, user).await;
        }
    }
    let found = suggested(&app, alice, None).await;
    assert_eq!(&found[..3], [(two_new, 2), (two_old, 2), (one, 1)], "ties: newest user first");
    assert_eq!(found[3], (stranger, 0), "those with none in common follow");
    assert_eq!(found.len(), 4, "never herself or her partners: {found:?}");
    assert_eq!(suggested(&app, alice, Some(2)).await, [(two_new, 2), (two_old, 2)]);
}

#[tokio::test]
async fn suggestions_leave_out_everyone_already_connected_one_way_or_another() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let hub = app.user("Hub").await;
    partner(&app, alice, hub).await;
    let names = ["Free", "Partner", "Asked Her", "Asked By Her", "Blocked By Her", "Blocked Her"];
    let mut people = Vec::new();
    for name in names {
        let id = app.user(name).await;
        partner(&app, hub, id).await;
        people.push(id);
    }
    let [free, partnered, asked_her, asked_by_her, blocked_by_her, blocked_her] = people[..] else { unreachable!() };
    let all = suggested(&app, alice, Some(50)).await;
    assert_eq!(all.len(), 6, "each shares the hub with her: {all:?}");
    assert!(!who(&all).contains(&alice) && !who(&all).contains(&hub), "never herself nor a partner");

    partner(&app, alice, partnered).await;
    assert!(!who(&suggested(&app, alice, Some(50)).await).contains(&partnered), "a partner");
    app.request(asked_her, alice).await;
    assert!(!who(&suggested(&app, alice, Some(50)).await).contains(&asked_her), "pending towards her");
    app.request(alice, asked_by_her).await;
    assert!(!who(&suggested(&app, alice, Some(50)).await).contains(&asked_by_her), "pending from her");
    app.post(&format!("/api/v1/users/{alice}/blocks"), Some(alice), json!({"blocked_user_id": blocked_by_her})).await;
    assert!(!who(&suggested(&app, alice, Some(50)).await).contains(&blocked_by_her), "blocked by her");
    app.post(&format!("/api/v1/users/{blocked_her}/blocks"), Some(blocked_her), json!({"blocked_user_id": alice}))
        .await;
    let left = suggested(&app, alice, Some(50)).await;
    assert_eq!(left, [(free, 1)], "only the one with nothing between them is left");
}

/// Sets who may send `user` requests.
async fn accepts_from(app: &TestApp, user: i64, from: &str) {
    let every = "immediately";
    let settings = json!({"accepts_requests_from": from,
        "email": {"request_received": every, "request_accepted": every, "request_reminder": every}});
    let put = app.client.put(app.url(&format!("/api/v1/users/{user}/settings"))).json(&settings);
    let (status, body) = app.send(put, Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn suggestions_leave_out_whoever_would_refuse_the_request() {
    let app = roomy_app().await;
    let alice = app.user("Alice").await;
    let hub = app.user("Hub").await;
    partner(&app, alice, hub).await;
    let (nobody, friends_of_friends, stranger) =
        (app.user("Takes None").await, app.user("Friends Of Friends").await, app.user("Stranger").await);
    partner(&app, hub, nobody).await;
    partner(&app, hub, friends_of_friends).await;
    accepts_from(&app, nobody, "nobody").await;
    accepts_from(&app, friends_of_friends, "partners_of_partners").await;
    accepts_from(&app, stranger, "partners_of_partners").await;

    let found = who(&suggested(&app, alice, Some(50)).await);
    assert!(!found.contains(&nobody), "takes requests from nobody: {found:?}");
    assert!(found.contains(&friends_of_friends), "shares the hub with her: {found:?}");
    assert!(!found.contains(&stranger), "shares no partner with her: {found:?}");
    accepts_from(&app, nobody, "everyone").await;
    assert!(who(&suggested(&app, alice, Some(50)).await).contains(&nobody), "suggested again once open");
}

#[tokio::test]
async fn suggestions_are_only_for_oneself_and_take_a_size_of_one_to_fifty() {
    let app = roomy_app().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    for _ in 0..12 {
        app.user(&format!("User {}", rand::random::<u32>())).await;
    }
    assert_eq!(suggested(&app, alice, None).await.len(), 10, "ten by default");
    assert_eq!(suggested(&app, alice, Some(50)).await.len(), 13, "everyone else, as no one shares a partner");
    let path = format!("/api/v1/users/{alice}/suggestions");
    assert_error(&app.get(&path, Some(bob)).await, StatusCode::FORBIDDEN, "forbidden");
    for size in ["0", "51", "-1"] {
        let response = app.get(&format!("{path}?size={size}"), Some(alice)).await;
        assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_pagination");
    }
    assert_eq!(app.get(&format!("{path}?size=ten"), Some(alice)).await.0, StatusCode::UNPROCESSABLE_ENTITY);
}
