//! Passkeys over HTTP: the settings section and the sign-in button, who may call the ceremony
//! routes, and that a ceremony never signs anyone in on a forged, replayed or unfinished answer
//! (always a clear 4xx, never a 500). The real ceremony, with Chromium's virtual authenticator,
//! is in tests/browser.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::web::{Browser, Page};

/// An app whose public URL is on `localhost`, where browsers allow passkeys (nothing listens
/// there: no test here needs a browser to reach it).
async fn app_with_passkeys() -> TestApp {
    TestApp::spawn_with(|s| s.mail.public_url = Some("http://localhost:8004".into())).await
}

/// A JSON call as static/passkeys.js makes it: same origin, asking for JSON.
async fn call(browser: &Browser, path: &str, body: Value) -> (StatusCode, Value) {
    let response = browser
        .client
        .post(browser.url(path))
        .header("Sec-Fetch-Site", "same-origin")
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

#[track_caller]
fn assert_refused(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(!answer.1["error"]["message"].as_str().unwrap_or_default().is_empty());
}

/// Stores a passkey row for `user` as a registration would (the credential is never read by
/// these tests); returns its id.
async fn stored_passkey(app: &TestApp, user: i64, name: &str, credential_id: &str) -> i64 {
    sqlx::query_scalar(
        "insert into passkeys (user_id, name, credential_id, credential, created_at) \
         values ($1, $2, $3, '{}', 1700000000000) returning passkey_id",
    )
    .bind(user)
    .bind(name)
    .bind(credential_id)
    .fetch_one(&app.db.raw().await)
    .await
    .unwrap()
}

async fn passkeys_of(app: &TestApp, user: i64) -> i64 {
    app.db.count(&format!("select count(*) from passkeys where user_id = {user}")).await
}

/// Base64url of `bytes`, as a browser's answer carries binary fields.
fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A sign-in answer of the right shape that no authenticator made.
fn forged_assertion(credential_id: &[u8], user_handle: &[u8]) -> Value {
    json!({
        "id": base64url(credential_id),
        "rawId": base64url(credential_id),
        "type": "public-key",
        "response": {
            "authenticatorData": base64url(&[0; 37]),
            "clientDataJSON": base64url(br#"{"type":"webauthn.get","challenge":"AAAA","origin":"http://localhost:8004"}"#),
            "signature": base64url(&[1; 64]),
            "userHandle": base64url(user_handle),
        },
        "clientExtensionResults": {}
    })
}

async fn signed_in_as(browser: &Browser) -> Option<String> {
    let page = browser.get("/").await;
    page.select("nav.account .me strong").first().map(|_| page.text("nav.account .me strong"))
}

#[tokio::test]
async fn passkeys_are_unavailable_when_the_site_is_reached_by_an_ip_address() {
    // The default public URL is http:// + the bind address, 127.0.0.1 here.
    let app = TestApp::spawn().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;

    let settings = browser.get("/settings").await;
    assert_eq!(settings.text("#passkeys h2"), "Passkeys");
    assert!(settings.text("#passkeys-unavailable").contains("IP address"));
    assert_eq!(settings.count("#passkey-add"), 0, "no button the browser would refuse");
    let signin = Browser::new(&app).get("/").await;
    assert!(signin.text("#passkey-signin").contains("IP address"));
    assert_eq!(signin.count("[data-passkey-signin]"), 0);

    let refused = call(&browser, "/settings/passkeys/start", json!({"name": "Laptop"})).await;
    assert_refused(&refused, StatusCode::CONFLICT, "passkeys_unavailable");
    let refused = call(&Browser::new(&app), "/session/passkey/start", json!({})).await;
    assert_refused(&refused, StatusCode::CONFLICT, "passkeys_unavailable");
}

#[tokio::test]
async fn the_settings_section_lists_passkeys_and_offers_to_add_one() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    let empty = browser.get("/settings").await;
    assert_eq!(empty.attr("section#passkeys", "aria-labelledby").as_deref(), Some("passkeys-h"));
    assert_eq!(empty.text("#passkeys-h"), "Passkeys");
    assert_eq!(empty.text("#passkeys-none"), "You have no passkeys yet.");
    assert_eq!(empty.text("label[for=passkey-name]"), "Passkey name");
    assert_eq!(empty.buttons("#passkey-add"), ["Add a passkey"]);
    // Shown by the script; without it, the sentence says what is missing.
    assert!(empty.attr("#passkey-add", "hidden").is_some());
    assert!(empty.text("#passkeys-need-js").contains("needs JavaScript"));
    let script = empty.attr("#passkeys script", "src").unwrap();
    assert!(script.starts_with("/static/") && script.ends_with("/passkeys.js"), "{script}");
    let served = browser.client.get(browser.url(&script)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert!(served.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));

    stored_passkey(&app, alice, "Laptop <3", "aa01").await;
    stored_passkey(&app, alice, "Phone", "aa02").await;
    let page = browser.get("/settings").await;
    assert_eq!(page.texts("#passkey-list .name"), ["Laptop <3", "Phone"]);
    assert_eq!(page.buttons("#passkey-list"), ["Remove", "Remove"]);
    assert!(page.text("#passkey-list li").contains("not used yet"), "{}", page.text("#passkey-list li"));
    assert_eq!(page.count("#passkey-list time"), 2, "when each was added");

    let signin = Browser::new(&app).get("/").await;
    assert_eq!(signin.text("[data-passkey-signin]"), "Sign in with a passkey");
    assert!(signin.text("#passkey-signin-need-js").contains("needs JavaScript"));
}

#[tokio::test]
async fn signed_out_calls_to_the_signed_in_passkey_routes_are_refused() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let id = stored_passkey(&app, alice, "Laptop", "aa01").await;
    let stranger = Browser::new(&app);
    for path in ["/settings/passkeys/start", "/settings/passkeys/finish"] {
        let refused = call(&stranger, path, json!({"name": "Laptop", "credential": {}})).await;
        assert_refused(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // The form, as a browser without JavaScript sends it: to the sign-in page.
    let page = stranger.post(&format!("/settings/passkeys/{id}/remove"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location().as_deref(), Some("/"));
    assert_eq!(passkeys_of(&app, alice).await, 1);
}

#[tokio::test]
async fn an_api_token_cannot_add_a_passkey() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let answer = app
        .send(
            app.client
                .post(app.url("/settings/passkeys/start"))
                .header("Accept", "application/json")
                .json(&json!({"name": "Laptop"})),
            Some(alice),
        )
        .await;
    assert_refused(&answer, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_passkey_name_has_one_to_sixty_characters() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    for name in ["", "   ", &"x".repeat(61)] {
        let refused = call(&browser, "/settings/passkeys/start", json!({ "name": name })).await;
        assert_refused(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_passkey_name");
    }
    let (status, options) = call(&browser, "/settings/passkeys/start", json!({"name": &"é".repeat(60)})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
}

#[tokio::test]
async fn registration_options_ask_for_a_discoverable_credential_on_our_origin() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    stored_passkey(&app, alice, "Laptop", "aa01").await;
    let browser = Browser::signed_in(&app, alice).await;
    let (status, options) = call(&browser, "/settings/passkeys/start", json!({"name": "Phone"})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let key = &options["publicKey"];
    assert_eq!(key["rp"]["id"], "localhost");
    assert_eq!(key["user"]["name"], "alice@example.com");
    assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(key["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(key["excludeCredentials"][0]["id"], base64url(&[0xaa, 0x01]), "not the same authenticator twice");
    assert!(key["challenge"].as_str().is_some_and(|c| c.len() >= 22));

    // The user handle is made once and kept: a second start offers the same.
    let (_, again) = call(&browser, "/settings/passkeys/start", json!({"name": "Phone"})).await;
    assert_eq!(again["publicKey"]["user"]["id"], key["user"]["id"]);
    assert_ne!(again["publicKey"]["challenge"], key["challenge"]);
    assert_eq!(app.db.count("select count(*) from passkey_users").await, 1);
}

#[tokio::test]
async fn finishing_a_ceremony_that_was_not_started_is_a_clear_400() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    let refused = call(&browser, "/settings/passkeys/finish", json!({"credential": {}})).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "no_passkey_ceremony");
    let stranger = Browser::new(&app);
    let refused =
        call(&stranger, "/session/passkey/finish", json!({"credential": forged_assertion(b"k", &[7; 16])})).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "no_passkey_ceremony");
    // A sign-in ceremony is not a registration, nor the other way round.
    call(&browser, "/session/passkey/start", json!({})).await;
    let refused = call(&browser, "/settings/passkeys/finish", json!({"credential": {}})).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "no_passkey_ceremony");
    // Not JSON at all: the contract's answer, not a page.
    let response = browser
        .client
        .post(browser.url("/session/passkey/finish"))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_forged_registration_is_refused_and_its_ceremony_is_used_once() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let browser = Browser::signed_in(&app, alice).await;
    let (status, _) = call(&browser, "/settings/passkeys/start", json!({"name": "Laptop"})).await;
    assert_eq!(status, StatusCode::OK);
    let forged = json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"attestationObject": base64url(&[0xa0]), "clientDataJSON": base64url(b"{}")},
        "clientExtensionResults": {}
    });
    let refused = call(&browser, "/settings/passkeys/finish", json!({ "credential": forged })).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "passkey_refused");
    let replayed = call(&browser, "/settings/passkeys/finish", json!({ "credential": forged })).await;
    assert_refused(&replayed, StatusCode::BAD_REQUEST, "no_passkey_ceremony");

    // Garbage in place of a credential is refused the same way.
    call(&browser, "/settings/passkeys/start", json!({"name": "Laptop"})).await;
    let refused = call(&browser, "/settings/passkeys/finish", json!({"credential": "garbage"})).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "passkey_refused");
    assert_eq!(passkeys_of(&app, alice).await, 0);
}

#[tokio::test]
async fn a_forged_sign_in_signs_no_one_in_and_its_ceremony_is_used_once() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    stored_passkey(&app, alice, "Laptop", "0102").await;
    sqlx::query("insert into passkey_users (user_id, user_handle, created_at) values ($1, $2, 0)")
        .bind(alice)
        .bind("00000000-0000-4000-8000-000000000001")
        .execute(&app.db.raw().await)
        .await
        .unwrap();
    let alice_handle = {
        let mut bytes = [0u8; 16];
        bytes[6] = 0x40;
        bytes[8] = 0x80;
        bytes[15] = 1;
        bytes
    };
    let stranger = Browser::new(&app);

    let (status, options) = call(&stranger, "/session/passkey/start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert!(options["publicKey"].get("allowCredentials").is_none_or(|c| c.as_array().unwrap().is_empty()));
    assert!(options.get("mediation").is_none(), "asked for with the button, not in autofill");

    // A credential no one registered here.
    let unknown =
        call(&stranger, "/session/passkey/finish", json!({"credential": forged_assertion(b"nope", &alice_handle)}))
            .await;
    assert_refused(&unknown, StatusCode::BAD_REQUEST, "passkey_unknown");
    // Used once: the same answer again has no ceremony to answer.
    let again =
        call(&stranger, "/session/passkey/finish", json!({"credential": forged_assertion(b"nope", &alice_handle)}))
            .await;
    assert_refused(&again, StatusCode::BAD_REQUEST, "no_passkey_ceremony");

    // Alice's credential id with a signature no authenticator made.
    call(&stranger, "/session/passkey/start", json!({})).await;
    let forged =
        call(&stranger, "/session/passkey/finish", json!({"credential": forged_assertion(&[1, 2], &alice_handle)}))
            .await;
    assert_refused(&forged, StatusCode::BAD_REQUEST, "passkey_refused");
    // Alice's credential id, naming another account's handle.
    call(&stranger, "/session/passkey/start", json!({})).await;
    let other =
        call(&stranger, "/session/passkey/finish", json!({"credential": forged_assertion(&[1, 2], &[9; 16])})).await;
    assert_refused(&other, StatusCode::BAD_REQUEST, "passkey_unknown");
    // No user handle at all (a passkey that is not discoverable).
    call(&stranger, "/session/passkey/start", json!({})).await;
    let mut no_handle = forged_assertion(&[1, 2], &alice_handle);
    no_handle["response"]["userHandle"] = Value::Null;
    let refused = call(&stranger, "/session/passkey/finish", json!({ "credential": no_handle })).await;
    assert_refused(&refused, StatusCode::BAD_REQUEST, "passkey_refused");

    assert_eq!(signed_in_as(&stranger).await, None);
    assert_eq!(app.db.count("select count(*) from passkeys where last_used_at is not null").await, 0);
}

#[tokio::test]
async fn removing_a_passkey_works_without_javascript_and_with_htmx() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    let laptop = stored_passkey(&app, alice, "Laptop", "aa01").await;
    let phone = stored_passkey(&app, alice, "Phone", "aa02").await;
    let browser = Browser::signed_in(&app, alice).await;

    let page = browser.post_from(&format!("/settings/passkeys/{laptop}/remove"), "/settings", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location().as_deref(), Some("/settings"));
    let settings = browser.get("/settings").await;
    assert_eq!(settings.text("#status"), "Passkey “Laptop” removed.");
    assert_eq!(settings.texts("#passkey-list .name"), ["Phone"]);

    let fragment =
        browser.hx_post(&format!("/settings/passkeys/{phone}/remove"), &format!("passkey-{phone}-err"), &[]).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(!fragment.is_full_page());
    assert_eq!(fragment.attr("section#passkeys", "hx-swap-oob").as_deref(), Some("true"));
    assert_eq!(fragment.text("#passkeys-none"), "You have no passkeys yet.");
    assert!(fragment.text("#status").contains("Passkey “Phone” removed."));
    assert_eq!(passkeys_of(&app, alice).await, 0);
}

#[tokio::test]
async fn removing_another_users_passkey_is_refused_as_not_found_and_theirs_stays() {
    let app = app_with_passkeys().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let alices = stored_passkey(&app, alice, "Alice's laptop", "aa01").await;
    let bob_browser = Browser::signed_in(&app, bob).await;

    let fragment = bob_browser.hx_post(&format!("/settings/passkeys/{alices}/remove"), "x-err", &[]).await;
    assert_eq!(fragment.status, StatusCode::NOT_FOUND);
    assert!(fragment.body.contains("That passkey does not exist."));
    let page = bob_browser.post_from(&format!("/settings/passkeys/{alices}/remove"), "/settings", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "back with the message");
    for id in ["999999", "0", "abc"] {
        let page = bob_browser.hx_post(&format!("/settings/passkeys/{id}/remove"), "x-err", &[]).await;
        assert!(page.status.is_client_error(), "{id}: {}", page.status);
    }
    assert_eq!(passkeys_of(&app, alice).await, 1, "Alice's passkey stays");
}

#[tokio::test]
async fn an_account_has_at_most_twenty_passkeys() {
    let app = app_with_passkeys().await;
    let alice = app.user("Alice").await;
    for n in 0..20 {
        stored_passkey(&app, alice, &format!("Key {n}"), &format!("{n:04x}")).await;
    }
    let browser = Browser::signed_in(&app, alice).await;
    let page: Page = browser.get("/settings").await;
    assert_eq!(page.count("#passkey-list li"), 20);
    assert!(page.text("#passkeys-full").contains("20 passkeys"));
    assert_eq!(page.count("#passkey-add"), 0);
    let refused = call(&browser, "/settings/passkeys/start", json!({"name": "One more"})).await;
    assert_refused(&refused, StatusCode::CONFLICT, "too_many_passkeys");
}

#[tokio::test]
async fn a_cross_site_passkey_call_is_refused() {
    let app = app_with_passkeys().await;
    let stranger = Browser::new(&app);
    let response = stranger
        .client
        .post(stranger.url("/session/passkey/start"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Accept", "application/json")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
