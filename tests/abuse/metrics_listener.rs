//! With `DEALNEST_METRICS_BIND` set, `/metrics` is served on that address only: the site's
//! listener answers it 404 like any address it does not serve, and the metrics listener serves
//! nothing else.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn metrics_apart_are_served_on_their_own_address_and_nowhere_else() {
    let app = TestApp::spawn_with(|s| s.metrics_bind = Some("127.0.0.1:0".parse().unwrap())).await;
    app.user("Alice").await;
    let metrics_addr = app.server.as_ref().unwrap().metrics_addr().expect("a metrics listener");

    let on_site = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(on_site.status(), StatusCode::NOT_FOUND);
    assert!(!on_site.text().await.unwrap().contains("http_requests_total"));

    let apart = app.client.get(format!("http://{metrics_addr}/metrics")).send().await.unwrap();
    assert_eq!(apart.status(), StatusCode::OK);
    assert!(apart.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = apart.text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{route="/api/v1/users",method="POST",status="201"}"#), "{text}");

    for path in ["/healthz", "/readyz", "/api/v1/users", "/"] {
        let other = app.client.get(format!("http://{metrics_addr}{path}")).send().await.unwrap();
        assert_eq!(other.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The site's own operators' endpoints stay where they were.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_a_metrics_address_metrics_stay_on_the_site() {
    let app = TestApp::spawn().await;
    assert!(app.server.as_ref().unwrap().metrics_addr().is_none());
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
}
