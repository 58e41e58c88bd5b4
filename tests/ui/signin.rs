//! Signing in by choosing a user, creating a user, signing out, and the session cookie.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::Browser;

#[tokio::test]
async fn signed_out_the_start_page_lists_users_with_sign_in_buttons_and_a_create_form() {
    let app = TestApp::spawn().await;
    app.user("Alice").await;
    app.user("Bob").await;
    let page = Browser::new(&app).get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("main h1"), "Choose who you are");
    assert_eq!(page.buttons("#signin-list"), ["Sign in as Alice", "Sign in as Bob"]);
    assert_eq!(page.attr("#signin-list form", "action").as_deref(), Some("/session"));
    assert_eq!(page.attr("#signin-list form", "method").as_deref(), Some("post"));
    // The create form: labelled Name and Email.
    assert_eq!(page.text("label[for=signup-name]"), "Name");
    assert_eq!(page.text("label[for=signup-email]"), "Email");
    assert_eq!(page.count("form[action='/users'][method=post] #signup-name"), 1);
    assert_eq!(page.text("label[for=signin-q]"), "Search users");
}

#[tokio::test]
async fn the_user_list_is_paged_and_never_renders_every_user() {
    let app = TestApp::spawn().await;
    for i in 0..23 {
        app.user(&format!("User {i:02}")).await;
    }
    let browser = Browser::new(&app);
    let first = browser.get("/").await;
    assert_eq!(first.count("#signin-list li"), 20);
    let next = first.attr("#signin-list a[rel=next]", "href").expect("a next link");
    assert_eq!(next, "/users/search?page=2");
    let second = browser.hx_get(&next).await;
    assert_eq!(second.count("#signin-list li"), 3);
    assert!(second.attr("#signin-list a[rel=prev]", "href").is_some());
    assert_eq!(second.count("#signin-list a[rel=next]"), 0);
}

#[tokio::test]
async fn search_filters_the_sign_in_list_as_a_fragment_with_htmx_and_a_page_without() {
    let app = TestApp::spawn().await;
    app.user("Alice").await;
    app.user("Bob").await;
    let browser = Browser::new(&app);

    let fragment = browser.hx_get("/users/search?q=ALI").await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.is_full_page(), "{}", fragment.body);
    assert_eq!(fragment.buttons("#signin-list"), ["Sign in as Alice"]);
    assert!(fragment.varies_on_hx_request());

    let page = browser.get("/users/search?q=ali").await;
    assert!(page.is_full_page());
    assert_eq!(page.buttons("#signin-list"), ["Sign in as Alice"]);
    assert_eq!(page.attr("#signin-q", "value").as_deref(), Some("ali"));
    assert!(page.varies_on_hx_request());

    let none = browser.hx_get("/users/search?q=zed").await;
    assert!(none.text("#signin-list .empty").contains("No one matches “zed”"));
}

#[tokio::test]
async fn sign_in_redirects_home_and_the_flash_shows_once() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::new(&app);
    let signed = browser.post("/session", &[("user_id", &alice.to_string())]).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location().as_deref(), Some("/"));

    let home = browser.get("/").await;
    assert_eq!(home.text("main h1"), "Hello, Alice");
    assert_eq!(home.text("#status"), "Signed in as Alice.");
    assert_eq!(home.text(".me"), "Signed in as Alice");
    let again = browser.get("/").await;
    assert_eq!(again.text("#status"), "", "the flash shows once");
}

#[tokio::test]
async fn the_session_cookie_is_httponly_lax_and_its_id_changes_on_sign_in() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::new(&app);
    // A failed sign-in leaves a session (holding its flash message) before anyone signs in.
    let before = browser.post("/session", &[("user_id", "999")]).await;
    let first = before.header_all("set-cookie");
    assert!(first.starts_with("dealnest_session="), "{first}");

    let signed = browser.post("/session", &[("user_id", &alice.to_string())]).await;
    let cookie = signed.header_all("set-cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let id = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(id(&first), id(&cookie), "the session id was not cycled on sign-in");

    // The id from before sign-in is worth nothing now.
    let planted = reqwest::Client::new().get(app.url("/")).header("Cookie", id(&first)).send().await.unwrap();
    let body = planted.text().await.unwrap();
    assert!(body.contains("Choose who you are"), "the pre-sign-in session id still signs in");
}

#[tokio::test]
async fn signing_in_as_a_user_that_does_not_exist_says_so() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let page = browser.post("/session", &[("user_id", "999")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = browser.get("/").await;
    assert_eq!(home.text("#status .flash-error"), "That user does not exist.");
    assert_eq!(home.text("main h1"), "Choose who you are");
}

#[tokio::test]
async fn sign_out_deletes_the_session() {
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::new(&app);
    let signed = browser.post("/session", &[("user_id", &alice.to_string())]).await;
    let session_cookie = signed.header_all("set-cookie").split(';').next().unwrap().to_owned();
    assert_eq!(browser.get("/").await.text("main h1"), "Hello, Alice");

    let out = browser.post("/session/end", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location().as_deref(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.text("main h1"), "Choose who you are");
    assert_eq!(home.text("#status"), "You have signed out.");

    // The old session id was deleted on the server, not only forgotten by this browser.
    let replay = reqwest::Client::new().get(app.url("/")).header("Cookie", session_cookie).send().await.unwrap();
    assert!(replay.text().await.unwrap().contains("Choose who you are"));
}

#[tokio::test]
async fn creating_a_user_signs_in_as_them() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let created = browser.post("/users", &[("name", "  Zoë Quinn "), ("email", "Zoe@Example.com")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert_eq!(created.location().as_deref(), Some("/"));
    let home = browser.get("/").await;
    assert_eq!(home.text("main h1"), "Hello, Zoë");
    assert_eq!(home.text("#status"), "Welcome, Zoë Quinn! You are signed in.");
    let (_, users) = app.get("/api/v1/users?q=zoe", None).await;
    assert_eq!(users["users"][0]["email"], "zoe@example.com");
}

#[tokio::test]
async fn a_refused_user_without_javascript_comes_back_with_the_message_and_what_was_typed() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let refused = browser.post("/users", &[("name", "Zoë"), ("email", "not-an-address")]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location().as_deref(), Some("/"));
    let page = browser.get("/").await;
    assert_eq!(page.text("#status .flash-error"), "That is not a valid e-mail address.");
    assert_eq!(page.attr("#signup-name", "value").as_deref(), Some("Zoë"));
    assert_eq!(page.attr("#signup-email", "value").as_deref(), Some("not-an-address"));
}

#[tokio::test]
async fn a_refused_user_with_htmx_is_a_message_beside_the_form() {
    let app = TestApp::spawn().await;
    app.user("Alice").await;
    let browser = Browser::new(&app);
    let taken = browser.hx_post("/users", "signup-err", &[("name", "Other"), ("email", "ALICE@example.com")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(!taken.is_full_page());
    assert_eq!(taken.text(".inline-error[role=alert]"), "That e-mail address is already registered.");

    let blank = browser.hx_post("/users", "signup-err", &[("name", "  "), ("email", "b@example.com")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(blank.text(".inline-error"), "A name is required.");

    let made = browser.hx_post("/users", "signup-err", &[("name", "Bea"), ("email", "bea@example.com")]).await;
    assert_eq!(made.status, StatusCode::OK);
    assert_eq!(made.header("hx-redirect").as_deref(), Some("/"));
    assert_eq!(browser.get("/").await.text("main h1"), "Hello, Bea");
}

#[tokio::test]
async fn with_secure_cookies_the_cookie_is_secure_and_hsts_is_sent() {
    let app = TestApp::spawn_with(|settings| settings.secure_cookies = true).await;
    let alice = app.user("Alice").await;
    let signed = Browser::new(&app).post("/session", &[("user_id", &alice.to_string())]).await;
    assert!(signed.header_all("set-cookie").contains("Secure"));
    assert_eq!(signed.header("strict-transport-security").as_deref(), Some("max-age=31536000"));
}

#[tokio::test]
async fn expired_sessions_are_deleted_by_the_cleanup() {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::{ExpiredDeletion, SessionStore};

    let db = crate::support::TestDb::new().await;
    let settings = dealnest::config::Settings::for_database(db.url.clone());
    let service = dealnest::open_service(&settings.database, &settings.service).await.unwrap();
    let sessions = service.accounts().sessions();
    let now = time::OffsetDateTime::now_utc();
    for expiry_date in [now - time::Duration::hours(1), now + time::Duration::hours(1)] {
        let mut record = Record { id: Id::default(), data: Default::default(), expiry_date };
        sessions.create(&mut record).await.unwrap();
    }
    sessions.delete_expired().await.unwrap();

    let left: i64 = sqlx::query_scalar("select count(*) from tower_sessions").fetch_one(&db.raw().await).await.unwrap();
    assert_eq!(left, 1, "only the live session is left");
    service.close().await;
}
