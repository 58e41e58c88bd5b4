//! Passkeys for real: Chromium's virtual authenticator (the WebDriver WebAuthn extension) makes
//! and uses the credential, and the server checks it with its WebAuthn library. Alice adds a
//! passkey on the settings page, signs out, signs in with it without typing anything, and
//! removes it; the answer her browser sent cannot be used a second time.
//!
//! The server is reached as `http://localhost:<port>`: browsers refuse passkeys to a site
//! reached by an IP address.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{Driver, WAIT, chromedriver, click_button, count, screenshot, wait_for_text};
use crate::support::{JWT_SECRET, TestDb};

/// Adds a virtual authenticator to the browser session: a platform authenticator that keeps
/// discoverable credentials and verifies its user without asking.
async fn add_virtual_authenticator(driver: &Driver, page: &Client) {
    let session = page.session_id().await.unwrap().expect("a WebDriver session");
    let options = json!({
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": true,
        "hasUserVerification": true,
        "isUserVerified": true,
    });
    let response = reqwest::Client::new()
        .post(format!("{}/session/{session}/webauthn/authenticator", driver.url))
        .json(&options)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(status.is_success(), "virtual authenticator: {status} {}", response.text().await.unwrap_or_default());
}

async fn visible(page: &Client, css: &str) -> bool {
    match page.find(Locator::Css(css)).await {
        Ok(element) => element.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// The answer a finished sign-in sent, kept across the page load that follows it: the page's
/// `fetch` is wrapped to copy that one body into `sessionStorage`.
const RECORD_FINISH: &str = r#"
    const original = window.fetch;
    window.fetch = function (url, init) {
        if (String(url).endsWith("/session/passkey/finish")) sessionStorage.setItem("finish", init.body);
        return original.apply(this, arguments);
    };
"#;

async fn call(base: &str, client: &reqwest::Client, path: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    let response =
        client.post(format!("{base}{path}")).header("Accept", "application/json").json(body).send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

pub async fn a_passkey_is_added_signs_in_without_an_address_and_is_removed() {
    let binary = chromedriver();
    let _turn = super::ONE_AT_A_TIME.lock().await;
    let db = TestDb::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let mut settings = dealnest::config::Settings::for_database(db.url.clone());
    settings.jwt_secret = Some(JWT_SECRET.into());
    settings.mail.public_url = Some(base.clone());
    let server = dealnest::Server::start_on(settings, listener).await.unwrap();
    let api = reqwest::Client::new();
    for (name, email) in [("Alice", "alice@example.com"), ("Bob", "bob@example.com")] {
        let (status, body) = call(&base, &api, "/api/v1/users", &json!({ "name": name, "email": email })).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    }

    let driver = Driver::start(&binary).await;
    let (page, _profile) = driver.browser(true).await;
    add_virtual_authenticator(&driver, &page).await;

    // Alice signs in the demo way and adds a passkey named Laptop.
    page.goto(&format!("{base}/")).await.unwrap();
    click_button(&page, "", "Sign in as Alice").await;
    wait_for_text(&page, "#main h1", "Hello, Alice").await;
    page.find(Locator::Css("#nav-settings")).await.unwrap().click().await.unwrap();
    wait_for_text(&page, "#passkeys h2", "Passkeys").await;
    assert!(visible(&page, "#passkey-add").await, "the script shows the form");
    assert!(!visible(&page, "#passkeys-need-js").await);
    page.find(Locator::Css("#passkey-name")).await.unwrap().send_keys("Laptop").await.unwrap();
    click_button(&page, "//form[@id='passkey-add']", "Add a passkey").await;
    wait_for_text(&page, "#status", "Passkey “Laptop” added.").await;
    wait_for_text(&page, "#passkey-list", "Laptop").await;
    wait_for_text(&page, "#passkey-list", "not used yet").await;
    assert_eq!(db.count("select count(*) from passkeys").await, 1);
    screenshot(&page, "passkeys-settings", 1280).await;

    // Signed out, the sign-in page offers the passkey; no address is typed.
    click_button(&page, "//nav", "Sign out").await;
    wait_for_text(&page, "#main h1", "Choose who you are").await;
    assert!(visible(&page, "#passkey-signin-button").await);
    page.execute(RECORD_FINISH, vec![]).await.unwrap();
    click_button(&page, "", "Sign in with a passkey").await;
    wait_for_text(&page, "#main h1", "Hello, Alice").await;
    wait_for_text(&page, "#status", "Signed in as Alice.").await;
    assert_eq!(db.count("select count(*) from passkeys where last_used_at is not null").await, 1);

    // The answer the browser sent signs no one in a second time: not without a ceremony, and
    // not as the answer to a new one (its challenge was the old one's).
    let sent = page.execute("return sessionStorage.getItem('finish')", vec![]).await.unwrap();
    let sent: Value = serde_json::from_str(sent.as_str().expect("the finish was recorded")).unwrap();
    let replayer =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (status, body) = call(&base, &replayer, "/session/passkey/finish", &sent).await;
    assert_eq!((status.as_u16(), &body["error"]["code"]), (400, &json!("no_passkey_ceremony")), "{body}");
    let (status, _) = call(&base, &replayer, "/session/passkey/start", &json!({})).await;
    assert!(status.is_success());
    let (status, body) = call(&base, &replayer, "/session/passkey/finish", &sent).await;
    assert_eq!((status.as_u16(), &body["error"]["code"]), (400, &json!("passkey_refused")), "{body}");
    let settings = replayer.get(format!("{base}/settings")).send().await.unwrap();
    assert!(settings.status().is_redirection(), "the replay signed someone in: {}", settings.status());

    // Alice removes it (htmx asks first); then the passkey on her device no longer signs in.
    page.goto(&format!("{base}/settings")).await.unwrap();
    wait_for_text(&page, "#passkey-list", "last used").await;
    click_button(&page, "//ul[@id='passkey-list']", "Remove").await;
    accept_confirmation(&page).await;
    wait_for_text(&page, "#status", "Passkey “Laptop” removed.").await;
    wait_for_text(&page, "#passkeys", "You have no passkeys yet.").await;
    assert!(visible(&page, "#passkey-add").await, "the form is shown again after the swap");
    assert_eq!(db.count("select count(*) from passkeys").await, 0);
    click_button(&page, "//nav", "Sign out").await;
    wait_for_text(&page, "#main h1", "Choose who you are").await;
    click_button(&page, "", "Sign in with a passkey").await;
    wait_for_text(&page, "#passkey-signin-err", "not registered here").await;
    assert_eq!(count(&page, "nav.account").await, 0, "still signed out");

    page.close().await.unwrap();
    server.stop().await.unwrap();
}

/// Accepts the confirmation dialog an action asks with (`hx-confirm`), once it shows.
async fn accept_confirmation(page: &Client) {
    let started = Instant::now();
    while page.accept_alert().await.is_err() {
        assert!(started.elapsed() < WAIT, "no confirmation was asked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
