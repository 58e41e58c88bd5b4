//! The partner flow in a real browser: headless Chromium, driven through chromedriver, against
//! the real server. Alice signs in, finds Bob, sends him a request with a message; Bob, in a
//! second browser session, sees it and accepts; Alice sees Bob under Partners. Once with
//! JavaScript (htmx: no full page load between the actions) and once without (plain forms).
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`).
//! Without them each test is reported as ignored, with the reason, except under CI (`CI` set),
//! where a missing browser is a failure. Screenshots go to `target/screenshots/`.

mod passkeys;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestApp;
use crate::support::needs::{Need, Test, on_path};
use crate::support::process::free_port;
use crate::trial;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The tests of this module, each needing the browser.
pub fn tests() -> Vec<Test> {
    vec![
        trial!(partner_flow_with_javascript_makes_no_full_page_load),
        trial!(partner_flow_without_javascript_uses_plain_forms),
        trial!(lifecycle_and_settings_with_javascript),
        trial!(lifecycle_and_settings_without_javascript),
        trial!(accepting_three_selected_requests_with_javascript),
        trial!(accepting_three_selected_requests_without_javascript),
        trial!(mail_choices_and_unsubscribe_with_javascript),
        trial!(mail_choices_and_unsubscribe_without_javascript),
        trial!(passkeys::a_passkey_is_added_signs_in_without_an_address_and_is_removed),
    ]
    .into_iter()
    .map(|test| test.needs(Need::Browser))
    .collect()
}

const WAIT: Duration = Duration::from_secs(20);

/// One browser test at a time: four Chromium processes at once on a two-core machine make every
/// wait a race.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `chromedriver` on PATH (each test needs `Need::Browser`, so it is there).
fn chromedriver() -> PathBuf {
    on_path("chromedriver").expect("chromedriver on PATH")
}

/// A chromedriver process on a free port, ended when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(binary: &Path) -> Self {
        let port = free_port().port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(started.elapsed() < WAIT, "chromedriver did not answer on {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, url }
    }

    /// A fresh browser (its own profile, so its own cookies), with or without JavaScript.
    async fn browser(&self, javascript: bool) -> (Client, tempfile::TempDir) {
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session");
        (client, profile)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn click_button(page: &Client, scope: &str, label: &str) {
    let xpath = format!("{scope}//button[normalize-space()='{label}']");
    page.wait().at_most(WAIT).for_element(Locator::XPath(&xpath)).await.unwrap_or_else(|e| panic!("{xpath}: {e}"));
    page.find(Locator::XPath(&xpath)).await.unwrap().click().await.unwrap();
}

/// Waits until the element at `css` exists and its text contains `text`.
async fn wait_for_text(page: &Client, css: &str, text: &str) {
    let started = Instant::now();
    loop {
        if let Ok(element) = page.find(Locator::Css(css)).await
            && element.text().await.is_ok_and(|t| t.contains(text))
        {
            return;
        }
        if started.elapsed() > WAIT {
            let source = page.source().await.unwrap_or_default();
            panic!("{css} never contained {text:?}; the page was:\n{source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(page: &Client, css: &str) -> usize {
    page.find_all(Locator::Css(css)).await.map_or(0, |all| all.len())
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves the whole page at `width` (the window grows to the page's height).
async fn screenshot(page: &Client, name: &str, width: u32) {
    page.set_window_size(width, 900).await.unwrap();
    let height = page.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap();
    let height = height.as_u64().unwrap_or(900).clamp(600, 4000) as u32;
    page.set_window_size(width, height + 140).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let png = page.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}-{width}.png")), png).unwrap();
    page.set_window_size(1280, 900).await.unwrap();
}

async fn sign_in(page: &Client, base: &str, name: &str) {
    page.goto(&format!("{base}/")).await.unwrap();
    click_button(page, "", &format!("Sign in as {name}")).await;
    wait_for_text(page, "#main h1", &format!("Hello, {name}")).await;
}

async fn partner_flow_with_javascript_makes_no_full_page_load() {
    let binary = chromedriver();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let (_alice_id, bob_id) = (app.user("Alice").await, app.user("Bob").await);
    app.user("Carol").await;
    let driver = Driver::start(&binary).await;
    let (alice, _alice_profile) = driver.browser(true).await;
    let (bob, _bob_profile) = driver.browser(true).await;

    alice.goto(&app.url("/")).await.unwrap();
    wait_for_text(&alice, "#main h1", "Choose who you are").await;
    for width in [1280, 375] {
        screenshot(&alice, "signin", width).await;
    }
    sign_in(&alice, &app.base, "Alice").await;
    assert_eq!(count(&alice, "html.js").await, 1, "JavaScript runs");
    alice.execute("window.__marker = 1", vec![]).await.unwrap();

    // Find Bob: typing filters the list in place.
    let search = alice.find(Locator::Css("#find-q")).await.unwrap();
    search.send_keys("bob").await.unwrap();
    let started = Instant::now();
    while count(&alice, "#find-results li.person").await != 1 {
        assert!(started.elapsed() < WAIT, "the search never narrowed to Bob");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = format!("#find-{bob_id}");
    wait_for_text(&alice, &row, "Bob").await;

    // Send the request with a message: the row, the Sent section and the status change in place.
    let message = alice.find(Locator::Css(&format!("{row}-message"))).await.unwrap();
    message.send_keys("Shall we do the harbour deal together?").await.unwrap();
    click_button(&alice, &format!("//li[@id='find-{bob_id}']"), "Send request").await;
    wait_for_text(&alice, &row, "Request sent").await;
    wait_for_text(&alice, "#sent", "Bob").await;
    wait_for_text(&alice, "#status", "Request sent to Bob.").await;

    // Bob sees the request and its message, and accepts.
    sign_in(&bob, &app.base, "Bob").await;
    wait_for_text(&bob, "#incoming", "Alice").await;
    wait_for_text(&bob, "#incoming", "Shall we do the harbour deal together?").await;
    bob.execute("window.__marker = 1", vec![]).await.unwrap();
    click_button(&bob, "//section[@id='incoming']", "Accept").await;
    let accepted_at = Instant::now();
    wait_for_text(&bob, "#partners", "Alice").await;
    wait_for_text(&bob, "#incoming", "No one is waiting for your answer").await;
    let bob_marker = bob.execute("return window.__marker", vec![]).await.unwrap();
    assert_eq!(bob_marker, Value::from(1), "Bob's page was reloaded");

    // Alice's dashboard catches up by itself, pushed by a server-sent event: the fallback poll
    // is a minute apart, so only the push can make it this quick.
    wait_for_text(&alice, "#partners", "Bob").await;
    wait_for_text(&alice, "#nav-notifications", "1").await;
    let caught_up = accepted_at.elapsed();
    eprintln!("Alice saw the acceptance {caught_up:?} after Bob clicked");
    assert!(caught_up < Duration::from_secs(3), "Alice's page took {caught_up:?} to show the acceptance");
    let marker = alice.execute("return window.__marker", vec![]).await.unwrap();
    assert_eq!(marker, Value::from(1), "a full page load happened between the actions");

    alice.goto(&app.url("/")).await.unwrap();
    for width in [1280, 375] {
        screenshot(&alice, "dashboard", width).await;
    }
    alice.close().await.unwrap();
    bob.close().await.unwrap();
}

async fn partner_flow_without_javascript_uses_plain_forms() {
    let binary = chromedriver();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let bob_id = {
        app.user("Alice").await;
        app.user("Bob").await
    };
    app.user("Carol").await;
    let driver = Driver::start(&binary).await;
    let (alice, _alice_profile) = driver.browser(false).await;
    let (bob, _bob_profile) = driver.browser(false).await;

    sign_in(&alice, &app.base, "Alice").await;
    assert_eq!(count(&alice, "html.js").await, 0, "JavaScript is off");
    wait_for_text(&alice, "#status", "Signed in as Alice.").await;

    // Search by submitting the form: a page of results at its own address.
    alice.find(Locator::Css("#find-q")).await.unwrap().send_keys("bob").await.unwrap();
    click_button(&alice, "//form[@role='search']", "Search").await;
    wait_for_text(&alice, "#find-results", "Bob").await;
    assert!(alice.current_url().await.unwrap().as_str().contains("/users/search?q=bob"));
    assert_eq!(count(&alice, "#find-results li.person").await, 1);

    let row = format!("#find-{bob_id}");
    alice.find(Locator::Css(&format!("{row}-message"))).await.unwrap().send_keys("Coffee and a deal?").await.unwrap();
    click_button(&alice, &format!("//li[@id='find-{bob_id}']"), "Send request").await;
    wait_for_text(&alice, "#status", "Request sent to Bob.").await;
    wait_for_text(&alice, &row, "Request sent").await;
    wait_for_text(&alice, "#sent", "Bob").await;

    sign_in(&bob, &app.base, "Bob").await;
    wait_for_text(&bob, "#incoming", "Coffee and a deal?").await;
    click_button(&bob, "//section[@id='incoming']", "Accept").await;
    wait_for_text(&bob, "#status", "You and Alice are now partners.").await;
    wait_for_text(&bob, "#partners", "Alice").await;

    alice.goto(&app.url("/")).await.unwrap();
    wait_for_text(&alice, "#partners", "Bob").await;
    alice.close().await.unwrap();
    bob.close().await.unwrap();
}

/// Expiry, a cooldown and a refusal on the dashboard, and the settings form, with JavaScript on
/// and off.
async fn lifecycle_shows_on_the_dashboard(javascript: bool) {
    let binary = chromedriver();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let (alice, bob, carol, dan) =
        (app.user("Alice").await, app.user("Bob").await, app.user("Carol").await, app.user("Dan").await);
    let refused = app.request(alice, bob).await;
    app.respond(bob, refused, "reject").await;
    let nobody = json!({"accepts_requests_from": "nobody",
        "email": {"request_received": "immediately", "request_accepted": "immediately", "request_reminder": "immediately"}});
    let put = app.client.put(app.url(&format!("/api/v1/users/{carol}/settings"))).json(&nobody);
    assert!(app.send(put, Some(carol)).await.0.is_success());
    app.request(dan, alice).await;

    let driver = Driver::start(&binary).await;
    let (page, _profile) = driver.browser(javascript).await;
    sign_in(&page, &app.base, "Alice").await;
    assert_eq!(count(&page, "html.js").await, usize::from(javascript));
    wait_for_text(&page, "#incoming .expires", "expires in 30 days").await;
    wait_for_text(&page, &format!("#find-{bob}-refused"), "Ask again after").await;
    wait_for_text(&page, &format!("#find-{carol}-refused"), "Not taking requests").await;
    assert_eq!(count(&page, &format!("#find-{bob} .send")).await, 0, "no Send request while waiting");
    if javascript {
        // The page's own clock keeps past times current, and leaves times to come as written.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        wait_for_text(&page, "#incoming .expires", "expires in 30 days").await;
    }
    screenshot(&page, if javascript { "lifecycle-js" } else { "lifecycle-nojs" }, 1280).await;

    page.find(Locator::Css("#nav-settings")).await.unwrap().click().await.unwrap();
    wait_for_text(&page, "#main h1", "Settings").await;
    page.find(Locator::Css("label[for=accepts_requests_from-nobody]")).await.unwrap().click().await.unwrap();
    click_button(&page, "//form[@id='settings-form']", "Save settings").await;
    wait_for_text(&page, "#status", "Your settings are saved.").await;
    let (_, saved) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(saved["accepts_requests_from"], "nobody");
    page.close().await.unwrap();
}

async fn lifecycle_and_settings_with_javascript() {
    lifecycle_shows_on_the_dashboard(true).await;
}

async fn lifecycle_and_settings_without_javascript() {
    lifecycle_shows_on_the_dashboard(false).await;
}

/// Alice has requests from Bob, Carol and Dan; she checks the three and accepts them at once
/// (with JavaScript, "Select all shown" checks them; without, each box is clicked), and sees
/// three partners.
async fn accept_three_selected(javascript: bool) {
    let binary = chromedriver();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let alice_id = app.user("Alice").await;
    for name in ["Bob", "Carol", "Dan"] {
        let sender = app.user(name).await;
        app.request(sender, alice_id).await;
    }
    let driver = Driver::start(&binary).await;
    let (alice, _profile) = driver.browser(javascript).await;
    sign_in(&alice, &app.base, "Alice").await;
    assert_eq!(count(&alice, "#incoming input.bulk-select").await, 3);
    if javascript {
        alice.execute("window.__marker = 1", vec![]).await.unwrap();
        alice.find(Locator::Css("input[data-select-all=incoming-bulk]")).await.unwrap().click().await.unwrap();
        assert_eq!(count(&alice, "#incoming input.bulk-select:checked").await, 3, "select all shown");
    } else {
        for checkbox in alice.find_all(Locator::Css("#incoming input.bulk-select")).await.unwrap() {
            checkbox.click().await.unwrap();
        }
    }
    click_button(&alice, "//form[@id='incoming-bulk']", "Accept selected").await;
    wait_for_text(&alice, "#status", "Accepted 3.").await;
    for name in ["Bob", "Carol", "Dan"] {
        wait_for_text(&alice, "#partners", name).await;
    }
    wait_for_text(&alice, "#incoming", "No one is waiting for your answer").await;
    if javascript {
        let marker = alice.execute("return window.__marker", vec![]).await.unwrap();
        assert_eq!(marker, Value::from(1), "the lists changed in place, without a page load");
    }
    alice.close().await.unwrap();
}

async fn accepting_three_selected_requests_with_javascript() {
    accept_three_selected(true).await;
}

async fn accepting_three_selected_requests_without_javascript() {
    accept_three_selected(false).await;
}

/// The e-mail part of the settings form, and the unsubscribe page a mail links to (no sign-in),
/// with JavaScript on and off.
async fn mail_choices_and_unsubscribe(javascript: bool) {
    use dealnest::domain::{NotificationKind, Unsubscribe, UserId};
    let binary = chromedriver();
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let driver = Driver::start(&binary).await;
    let (page, _profile) = driver.browser(javascript).await;
    sign_in(&page, &app.base, "Alice").await;
    page.goto(&app.url("/settings")).await.unwrap();
    page.find(Locator::Css("label[for=email_request_accepted-daily_digest]")).await.unwrap().click().await.unwrap();
    page.find(Locator::Css("label[for=email_request_reminder-off]")).await.unwrap().click().await.unwrap();
    click_button(&page, "//form[@id='settings-form']", "Save settings").await;
    wait_for_text(&page, "#status", "Your settings are saved.").await;
    screenshot(&page, if javascript { "settings-js" } else { "settings-nojs" }, 1280).await;
    let email = |saved: Value| saved["email"].clone();
    let (_, saved) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(
        email(saved),
        json!({"request_received": "immediately", "request_accepted": "daily_digest", "request_reminder": "off"})
    );

    // A mail's link, opened in a browser that is not signed in.
    let keys = dealnest::auth::TokenKeys::new(crate::support::JWT_SECRET.as_bytes());
    let scope = Unsubscribe::Kind(NotificationKind::RequestReceived);
    let token = keys.issue_unsubscribe(UserId::parse(alice).unwrap(), scope);
    let (stranger, _other) = driver.browser(javascript).await;
    stranger.goto(&app.url(&format!("/unsubscribe/{token}"))).await.unwrap();
    wait_for_text(&stranger, "#main h1", "Unsubscribe").await;
    wait_for_text(&stranger, "#main", "when someone sends you a partner request").await;
    let (_, unchanged) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(email(unchanged)["request_received"], "immediately", "opening the page changes nothing");
    screenshot(&stranger, if javascript { "unsubscribe-js" } else { "unsubscribe-nojs" }, 1280).await;
    click_button(&stranger, "//main", "Stop these e-mails").await;
    wait_for_text(&stranger, "#main h1", "You are unsubscribed").await;
    let (_, after) = app.get(&format!("/api/v1/users/{alice}/settings"), Some(alice)).await;
    assert_eq!(
        email(after),
        json!({"request_received": "off", "request_accepted": "daily_digest", "request_reminder": "off"})
    );
    page.close().await.unwrap();
    stranger.close().await.unwrap();
}

async fn mail_choices_and_unsubscribe_with_javascript() {
    mail_choices_and_unsubscribe(true).await;
}

async fn mail_choices_and_unsubscribe_without_javascript() {
    mail_choices_and_unsubscribe(false).await;
}
