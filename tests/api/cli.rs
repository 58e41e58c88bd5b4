//! The binary itself: bad configuration stops start-up with one line naming the variable (and
//! the flag, when the value was given as one); `migrate` and `token` do their one job.

use std::process::Command;

use dealnest::auth::TokenKeys;

fn dealnest() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dealnest"));
    for var in ["DATABASE_URL", "DEALNEST_BIND", "DEALNEST_JWT_SECRET", "DEALNEST_LOG_FORMAT"] {
        command.env_remove(var);
    }
    command
}

/// Runs the binary and returns its exit code and what it wrote to stderr.
fn refusal(command: &mut Command) -> (Option<i32>, String) {
    let output = command.output().unwrap();
    (output.status.code(), String::from_utf8(output.stderr).unwrap())
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    for (var, value) in [
        ("DEALNEST_BIND", "not-an-address"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("DATABASE_URL", "postgres://user@host:notaport/db"),
        ("DEALNEST_LOG_FORMAT", "xml"),
        ("DEALNEST_DB_MAX_CONNECTIONS", "-1"),
        ("DEALNEST_DB_STATEMENT_TIMEOUT", "soon"),
        ("DEALNEST_READ_RATE_LIMIT", "lots"),
        ("DEALNEST_TRUSTED_PROXIES", "the-load-balancer"),
        ("DEALNEST_MAX_CONNECTIONS", "0"),
        ("DEALNEST_HEADER_TIMEOUT", "0"),
        ("DEALNEST_MAX_EVENT_STREAMS", "0"),
        ("DEALNEST_MAX_EVENT_STREAMS_PER_USER", "-2"),
        ("DEALNEST_SMTP_URL", "http://mail.example.com"),
        ("DEALNEST_MAIL_FROM", "nobody"),
        ("DEALNEST_DEMO", "maybe"),
    ] {
        let (code, stderr) = refusal(dealnest().env(var, value));
        assert_eq!(code, Some(2), "{var}={value}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("error: {var}:")), "{stderr}");
    }
}

#[test]
fn the_line_says_why_and_names_the_flag_when_the_value_was_one() {
    let (code, stderr) = refusal(dealnest().env("DEALNEST_RATE_LIMIT", "lots"));
    assert_eq!(code, Some(2));
    assert_eq!(stderr, "error: DEALNEST_RATE_LIMIT: \"lots\" is not a whole number of at least 0\n");

    let (code, stderr) = refusal(dealnest().args(["serve", "--rate-limit", "lots"]));
    assert_eq!(code, Some(2));
    assert_eq!(stderr, "error: --rate-limit (DEALNEST_RATE_LIMIT): \"lots\" is not a whole number of at least 0\n");

    // Given both ways, the flag wins and is the one named.
    let (_, stderr) = refusal(dealnest().env("DEALNEST_BIND", "127.0.0.1:8004").arg("--bind=nowhere"));
    assert_eq!(
        stderr,
        "error: --bind (DEALNEST_BIND): \"nowhere\" is not a listen address (host:port, e.g. 127.0.0.1:8004)\n"
    );
}

#[test]
fn a_refused_database_url_is_not_repeated() {
    let (code, stderr) = refusal(dealnest().arg("migrate").env("DATABASE_URL", "mysql://admin:hunter2@db/x"));
    assert_eq!(code, Some(2));
    assert_eq!(stderr, "error: DATABASE_URL: expected sqlite://<path> or postgres://…\n");
}

#[test]
fn migrate_creates_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let output =
        dealnest().arg("migrate").env("DATABASE_URL", format!("sqlite://{}", path.display())).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(path.exists());
}

#[test]
fn a_variable_only_serve_reads_does_not_stop_another_command() {
    let dir = tempfile::tempdir().unwrap();
    let output = dealnest()
        .arg("migrate")
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("fresh.db").display()))
        .env("DEALNEST_BIND", "nowhere")
        .env("DEALNEST_DEMO", "maybe")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let output = dealnest()
        .args(["token", "--user", "7"])
        .env("DEALNEST_JWT_SECRET", "a-secret-of-enough-length")
        .env("DEALNEST_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn token_prints_a_token_the_server_accepts() {
    let secret = "a-secret-of-enough-length";
    let output = dealnest().args(["token", "--user", "42"]).env("DEALNEST_JWT_SECRET", secret).output().unwrap();
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap();
    let user = TokenKeys::new(secret.as_bytes()).verify(token.trim()).unwrap();
    assert_eq!(user.get(), 42);

    let refused = dealnest().args(["token", "--user", "42"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "no secret, no token");
}

#[test]
fn token_hours_are_bounded() {
    let secret = "a-secret-of-enough-length";
    let hours = |h: &str| {
        dealnest()
            .args(["token", "--user", "1", &format!("--hours={h}")])
            .env("DEALNEST_JWT_SECRET", secret)
            .output()
            .unwrap()
    };
    assert!(hours("720").status.success());
    for refused in ["721", "0", "18446744073709551615", "-1", "many"] {
        let output = hours(refused);
        assert_eq!(output.status.code(), Some(2), "--hours {refused}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--hours"), "--hours {refused}");
    }
}
