//! The service beneath the pages and the API, asked directly where what it does cannot be seen
//! over HTTP: which reads it answers from what it keeps.

use std::sync::Arc;

use crate::support::TestApp;
use dealnest::domain::{PageRequest, UserId};

/// The service reads a user's dashboard again only after a change that concerns them; changes
/// between other users leave it kept; with `DEALNEST_DASHBOARD_CACHE=0` nothing is kept.
#[tokio::test]
async fn a_dashboard_is_read_again_only_after_a_change_that_concerns_its_user() {
    let app = TestApp::spawn().await;
    let [alice, bob, carol, dan] =
        [app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await];
    let dashboards = app.server.as_ref().unwrap().service().dashboard();
    let (me, page) = (UserId::parse(alice).unwrap(), PageRequest::parse(None, Some(20)).unwrap());

    let first = dashboards.view(me, page).await.unwrap();
    assert!(Arc::ptr_eq(&first, &dashboards.view(me, page).await.unwrap()), "kept while nothing changed");
    app.request(carol, dan).await;
    assert!(Arc::ptr_eq(&first, &dashboards.view(me, page).await.unwrap()), "others' change: still kept");
    app.request(bob, alice).await;
    let after = dashboards.view(me, page).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &after), "read again after a change for Alice");
    assert_eq!((after.relations.incoming.total, after.relations.unread), (1, 1));

    let uncached = TestApp::spawn_with(|s| s.service.dashboard_cache_mb = 0).await;
    let erin = UserId::parse(uncached.user("Erin").await).unwrap();
    let dashboards = uncached.server.as_ref().unwrap().service().dashboard();
    let first = dashboards.view(erin, page).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &dashboards.view(erin, page).await.unwrap()), "nothing kept");
}
