//! A client's `x-request-id` is echoed and logged only when it is short and plain; anything else
//! is replaced by one of ours.

use reqwest::StatusCode;

use crate::support::TestApp;

async fn echoed(app: &TestApp, given: &[&str]) -> String {
    let mut request = app.client.get(app.url("/healthz"));
    for id in given {
        request = request.header("x-request-id", *id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ids: Vec<_> = response.headers().get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "one id comes back: {ids:?}");
    ids[0].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_short_plain_request_id_is_kept() {
    let app = TestApp::spawn().await;
    for id in ["trace-me-42", "a", "A.b_c-9", &"x".repeat(64)] {
        assert_eq!(echoed(&app, &[id]).await, id);
    }
}

#[tokio::test]
async fn a_long_odd_or_repeated_request_id_is_replaced() {
    let app = TestApp::spawn().await;
    assert!(is_ours(&echoed(&app, &[]).await));
    let long = "x".repeat(65);
    for given in [&[long.as_str()][..], &["has space"], &["quote\"d"], &["a/b"], &["one", "two"]] {
        let id = echoed(&app, given).await;
        assert!(!given.contains(&id.as_str()), "{given:?} was kept");
        assert!(is_ours(&id), "{given:?} got {id}, not one of ours");
    }
}

/// Ours are UUIDs: 36 characters, hex digits and four dashes in their places.
fn is_ours(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}
