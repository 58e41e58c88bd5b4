//! A page form that is not UTF-8 is 400, as a JSON body that is not is for the API, and
//! nothing is stored (the form decoder used to replace the bytes with U+FFFD).

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::web::Browser;

async fn post_form(browser: &Browser, path: &str, body: &'static [u8], htmx: bool) -> (StatusCode, String) {
    let mut request = browser
        .client
        .post(browser.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("referer", browser.url("/"))
        .body(body);
    if htmx {
        request = request.header("HX-Request", "true").header("HX-Target", "find-2-err");
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_page_form_with_bytes_that_are_not_utf8_is_400_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("Alice").await, app.user("Bob").await);
    let browser = Browser::signed_in(&app, alice).await;
    assert_eq!(bob, 2);
    for (body, htmx) in [
        (&b"recipient_id=2&message=hi%FF%FEthere"[..], true),
        (&b"recipient_id=2&message=hi%FF%FEthere"[..], false),
        (&b"recipient_id=2&message=hi\xff\xfethere"[..], true),
        (&b"recipient_id=2&note%C3=x"[..], true),
    ] {
        let (status, page) = post_form(&browser, "/requests", body, htmx).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("not sent as UTF-8"), "{page}");
    }
    assert_eq!(app.db.count("select count(*) from partner_requests").await, 0);
    let signup = post_form(&Browser::new(&app), "/users", b"name=Zo%FF&email=zo%40example.com", true).await;
    assert_eq!(signup.0, StatusCode::BAD_REQUEST, "{}", signup.1);
    assert_eq!(app.db.count("select count(*) from users").await, 2);

    // The same form in UTF-8 is sent, its text as typed.
    let (status, _) = post_form(&browser, "/requests", b"recipient_id=2&message=hi%C3%A9there", true).await;
    assert_eq!(status, StatusCode::OK);
    let (_, received) = app.get("/api/v1/partner-requests/received/2", Some(bob)).await;
    assert_eq!(received["requests"][0]["message"], "hiéthere");
}
