//! With `DEALNEST_REDIS_URL` the rate limits hold across instances: one client spreading its
//! requests over two instances gets what it would get from one. Needs a Redis server
//! (`TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; each test keeps to keys of its own).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::needs::{Need, Test, redis_url};
use crate::trial;

pub fn tests() -> Vec<Test> {
    vec![trial!(one_client_spreading_its_requests_over_two_instances_is_limited_as_by_one).needs(Need::Redis)]
}

/// A write that spends the writes allowance whatever it is answered (here 422: to oneself).
async fn write(client: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    let request = client.post(format!("{base}/api/v1/partner-requests")).bearer_auth(token);
    request.json(&json!({ "recipient_id": 1 })).send().await.unwrap().status()
}

pub async fn one_client_spreading_its_requests_over_two_instances_is_limited_as_by_one() {
    let url = redis_url();
    // A prefix of this test's own: other tests and other users of the server keep theirs.
    let prefix = format!("dealnest-test-{}", rand::random::<u64>());
    let configure = |s: &mut dealnest::config::Settings| {
        s.rate_limit = 4;
        s.read_rate_limit = 6;
        s.redis_url = Some(url.clone());
        s.redis_prefix = prefix.clone();
    };
    let app = TestApp::spawn_with(configure).await;
    let alice = app.user("Alice").await;
    let two = app.another_instance_with(configure).await;
    let bases = [app.base.clone(), format!("http://{}", two.addr())];
    let token = app.token(alice);

    // Creating Alice spent one write of the address's allowance, not hers.
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(write(&app.client, &bases[i % 2], &token).await);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(limited, 2, "4 writes a minute across both instances: {statuses:?}");
    assert!(statuses[..4].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY), "{statuses:?}");

    // Searches have their own allowance, shared the same way, by address when signed out.
    let mut searches = Vec::new();
    for i in 0..8 {
        searches.push(app.client.get(format!("{}/api/v1/users?q=a", bases[i % 2])).send().await.unwrap().status());
    }
    assert_eq!(searches.iter().filter(|s| **s == StatusCode::OK).count(), 6, "{searches:?}");
    let refused = app.client.get(format!("{}/api/v1/users?q=a", bases[1])).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    two.stop().await.unwrap();
}
