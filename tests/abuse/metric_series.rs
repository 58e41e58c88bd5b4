//! The number of `http_requests_total` series has a ceiling whatever clients send: every route
//! tried with every method, from another site, with a body too large, over the rate limit and
//! as someone who may not look. Refused answers (403, 405, 413, 429) count under one route and
//! method, so such a flood adds at most one series per refusal status; the rest are the routes'
//! own methods and answers.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;

use super::metrics_flood::metrics_text;
use crate::support::process::Spawn;
use crate::support::{JWT_SECRET, TestDb};

/// One address on every route of the site, API and pages.
const PATHS: &[&str] = &[
    "/api/v1/users",
    "/api/v1/users/1",
    "/api/v1/users/1/settings",
    "/api/v1/users/1/partnerships",
    "/api/v1/users/1/notifications",
    "/api/v1/users/1/suggestions",
    "/api/v1/users/1/partners-in-common/2",
    "/api/v1/users/1/blocks",
    "/api/v1/users/1/blocks/2",
    "/api/v1/partner-requests",
    "/api/v1/partner-requests/bulk",
    "/api/v1/partner-requests/received/1",
    "/api/v1/partner-requests/sent/1",
    "/api/v1/partner-requests/1",
    "/api/v1/partner-requests/1/respond",
    "/api/v1/partner-requests/1/cancel",
    "/api/v1/partnerships/1",
    "/api/openapi.json",
    "/api/nothing",
    "/",
    "/session",
    "/session/end",
    "/users",
    "/users/search?q=a",
    "/dashboard/live",
    "/requests",
    "/requests/bulk",
    "/requests/1/accept",
    "/requests/1/reject",
    "/requests/1/cancel",
    "/people/1/in-common",
    "/partnerships/1/end",
    "/blocks",
    "/blocks/1/remove",
    "/notifications",
    "/settings",
    "/unsubscribe/x.y.z",
    "/healthz",
    "/readyz",
    "/events",
    "/static/1/app.css",
    "/nowhere",
];

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PURGE", "XYZZY"];

/// How a request is odd.
#[derive(Clone, Copy)]
enum Odd {
    Plain,
    CrossSite,
    TooLarge,
    /// Signed as user 2, who may see nothing of user 1's.
    Stranger,
}

fn series(metrics: &str) -> BTreeSet<String> {
    metrics
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_on_every_route_refused_every_way_adds_a_bounded_number_of_series() {
    let db = TestDb::new().await;
    let server = Spawn::new(&db.connection_url())
        .env("DEALNEST_RATE_LIMIT", "20")
        .env("DEALNEST_READ_RATE_LIMIT", "20")
        .start()
        .await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let keys = dealnest::auth::TokenKeys::new(JWT_SECRET.as_bytes());
    let stranger = keys.issue(dealnest::domain::UserId::parse(2).unwrap(), Duration::from_secs(600));
    let large = vec![b'x'; 70 * 1024];

    let mut requests = Vec::new();
    for path in PATHS {
        for method in METHODS {
            for odd in [Odd::Plain, Odd::CrossSite, Odd::TooLarge, Odd::Stranger] {
                requests.push((*path, *method, odd));
            }
        }
    }
    let total = requests.len();
    let mut answers = futures::stream::iter(requests)
        .map(|(path, method, odd)| {
            let mut request =
                client.request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", server.base));
            request = match odd {
                Odd::Plain => request,
                Odd::CrossSite => {
                    request.header("origin", "http://evil.example").header("sec-fetch-site", "cross-site")
                }
                Odd::TooLarge => request.header("content-type", "application/json").body(large.clone()),
                Odd::Stranger => request.bearer_auth(&stranger),
            };
            async move { request.send().await.map(|r| r.status()) }
        })
        .buffer_unordered(16);
    let mut statuses = BTreeSet::new();
    while let Some(answer) = answers.next().await {
        statuses.insert(answer.expect("answered").as_u16());
    }
    for refusal in [403, 405, 413, 429] {
        assert!(statuses.contains(&refusal), "the flood was refused with {refusal} somewhere: {statuses:?}");
    }

    let found = series(&metrics_text(&client, &server.base).await);
    eprintln!("{total} odd requests made {} http_requests_total series", found.len());
    let refused: Vec<&String> = found
        .iter()
        .filter(|s| ["403", "405", "413", "429"].iter().any(|code| s.contains(&format!("status=\"{code}\""))))
        .collect();
    assert!(refused.len() <= 4, "{refused:#?}");
    for line in refused {
        assert!(line.contains(r#"route="refused""#) && line.contains(r#"method="any""#), "{line}");
    }
    // What is left is a route's own method and answer (or an address no route claims).
    assert!(found.len() <= 80, "{} series: {found:#?}", found.len());
}
