use clap::error::ErrorKind;

use crate::domain::SendQuotas;
use crate::web::events::StreamLimits;

use super::*;

fn read(args: &[&str]) -> Result<Cli, CliError> {
    Cli::read_from(["dealnest"].iter().chain(args))
}

fn settings(args: &[&str]) -> Result<Settings, ConfigError> {
    match read(args) {
        Ok(cli) => cli.serve.settings(),
        Err(CliError::Setting(error)) => Err(error),
        Err(CliError::Clap(error)) => panic!("{error}"),
    }
}

fn serve(args: &[&str]) -> Settings {
    settings(args).unwrap()
}

fn variable(args: &[&str]) -> String {
    settings(args).unwrap_err().variable
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn defaults_parse() {
    let settings = serve(&[]);
    assert_eq!(settings.bind.to_string(), "127.0.0.1:8004");
    assert_eq!(settings.database.url, DatabaseUrl::Sqlite("dealnest.db".into()));
    assert_eq!(settings.database.acquire_timeout, Duration::from_secs(5));
    assert_eq!(settings.database.statement_timeout, Some(Duration::from_secs(5)));
    assert_eq!(settings.log_format, LogFormat::Pretty);
    assert!(!settings.secure_cookies && !settings.demo);
    assert_eq!(settings.service.dashboard_cache_mb, 8);
    assert_eq!(serve(&["--dashboard-cache-mb", "0"]).service.dashboard_cache_mb, 0);
    assert_eq!(settings.service.quotas, SendQuotas { daily: 50, new_account: 5 });
    let quotas = serve(&["--new-user-request-quota", "0"]).service.quotas;
    assert_eq!(quotas, SendQuotas { daily: 50, new_account: 0 });
    assert_eq!(serve(&["--db-statement-timeout", "0"]).database.statement_timeout, None);
    assert_eq!(serve(&["--log-format", " json "]).log_format, LogFormat::Json);
    assert_eq!(serve(&["--rate-limit", "60 "]).rate_limit, 60);
}

#[test]
fn demo_and_secure_cookies_are_switches() {
    let settings = serve(&["--demo", "--secure-cookies"]);
    assert!(settings.demo && settings.secure_cookies);
    let Some(Command::Serve(args)) = read(&["serve", "--demo"]).unwrap().command else {
        panic!("serve subcommand expected");
    };
    assert!(args.settings().unwrap().demo);
}

#[test]
fn bad_values_name_their_variable() {
    assert_eq!(variable(&["--bind", "nowhere"]), "DEALNEST_BIND");
    assert_eq!(variable(&["--database-url", "mysql://x"]), "DATABASE_URL");
    assert_eq!(variable(&["--log-format", "xml"]), "DEALNEST_LOG_FORMAT");
    assert_eq!(variable(&["--db-max-connections", "0"]), "DEALNEST_DB_MAX_CONNECTIONS");
    assert_eq!(variable(&["--db-acquire-timeout", "0"]), "DEALNEST_DB_ACQUIRE_TIMEOUT");
    assert_eq!(variable(&["--db-statement-timeout=-1"]), "DEALNEST_DB_STATEMENT_TIMEOUT");
    assert_eq!(variable(&["--dashboard-cache-mb", "lots"]), "DEALNEST_DASHBOARD_CACHE_MB");
    assert_eq!(variable(&["--daily-request-quota", "1.5"]), "DEALNEST_DAILY_REQUEST_QUOTA");
    assert_eq!(variable(&["--new-user-request-quota", "few"]), "DEALNEST_NEW_USER_REQUEST_QUOTA");
}

#[test]
fn a_bad_flag_is_named_with_its_variable() {
    let refused = settings(&["--rate-limit", "x"]).unwrap_err();
    assert_eq!(refused.flag.as_deref(), Some("--rate-limit"));
    assert_eq!(refused.to_string(), r#"--rate-limit (DEALNEST_RATE_LIMIT): "x" is not a whole number of at least 0"#);
    let refused = settings(&["--bind=nowhere"]).unwrap_err();
    assert_eq!(
        refused.to_string(),
        r#"--bind (DEALNEST_BIND): "nowhere" is not a listen address (host:port, e.g. 127.0.0.1:8004)"#
    );
    // A rule between two settings names the variable it refuses, whichever way it was set.
    let refused = settings(&["--max-connections", "10", "--max-event-streams", "10"]).unwrap_err();
    assert!(refused.flag.is_none());
    assert!(refused.to_string().starts_with("DEALNEST_MAX_EVENT_STREAMS: 10 is not below"), "{refused}");
}

#[test]
fn subcommands_name_their_variables_too() {
    for args in [["migrate", "--database-url", "mysql://x"], ["serve", "--database-url", "mysql://x"]] {
        let Err(CliError::Setting(refused)) = read(&args) else { panic!("{args:?} should be refused") };
        assert_eq!(refused.variable, "DATABASE_URL");
    }
}

#[test]
fn a_refused_secret_is_not_repeated() {
    let refused = settings(&["--database-url", "postgres://admin:hunter2@db:notaport/x"]).unwrap_err();
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
    let refused = settings(&["--smtp-url", "http://admin:hunter2@mail.example.com"]).unwrap_err();
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
}

#[test]
fn help_and_mistakes_without_a_variable_are_left_to_clap() {
    let kind = |args: &[&str]| match read(args) {
        Err(CliError::Clap(error)) => error.kind(),
        other => panic!("{args:?}: {other:?}"),
    };
    assert_eq!(kind(&["--help"]), ErrorKind::DisplayHelp);
    assert_eq!(kind(&["--no-such-flag"]), ErrorKind::UnknownArgument);
    assert_eq!(kind(&["token", "--user", "1", "--hours", "0"]), ErrorKind::ValueValidation);
}

#[test]
fn client_limit_defaults_parse() {
    let settings = serve(&[]);
    assert_eq!(settings.rate_limit, 120);
    assert_eq!(settings.read_rate_limit, 300);
    assert!(settings.trusted_proxies.is_empty());
    assert_eq!(settings.max_connections, 1_000);
    assert_eq!(settings.header_timeout, Duration::from_secs(10));
    assert_eq!(settings.event_streams, StreamLimits { per_user: 4, per_client: 125, per_process: 500 });
    let defaults = Settings::for_database(DatabaseUrl::Sqlite("x.db".into()));
    assert_eq!(defaults.rate_limit, settings.rate_limit);
    assert_eq!(defaults.read_rate_limit, settings.read_rate_limit);
    assert_eq!(defaults.max_connections, settings.max_connections);
    assert_eq!(defaults.header_timeout, settings.header_timeout);
    assert_eq!(defaults.event_streams, settings.event_streams);
}

#[test]
fn client_limit_settings_parse() {
    let settings = serve(&[
        "--read-rate-limit",
        "0",
        "--trusted-proxies",
        "10.0.0.0/8, fd00::/8,192.168.1.1",
        "--max-connections",
        "64",
        "--header-timeout",
        "3",
        "--max-event-streams",
        "20",
        "--max-event-streams-per-user",
        "2",
    ]);
    assert_eq!(settings.read_rate_limit, 0);
    assert!(!settings.trusted_proxies.is_empty());
    assert_eq!(settings.max_connections, 64);
    assert_eq!(settings.header_timeout, Duration::from_secs(3));
    assert_eq!(settings.event_streams, StreamLimits { per_user: 2, per_client: 5, per_process: 20 });
    // Unset, streams may take half of the connections.
    let halved = serve(&["--max-connections", "64"]);
    assert_eq!(halved.event_streams.per_process, 32);
    assert!(serve(&["--trusted-proxies", " "]).trusted_proxies.is_empty());
}

#[test]
fn per_client_shares_default_to_a_quarter_and_parse() {
    let settings = serve(&[]);
    assert_eq!(settings.max_connections_per_client, 250);
    assert_eq!(settings.body_timeout, Duration::from_secs(10));
    let defaults = Settings::for_database(DatabaseUrl::Sqlite("x.db".into()));
    assert_eq!(defaults.max_connections_per_client, settings.max_connections_per_client);
    assert_eq!(defaults.body_timeout, settings.body_timeout);
    let small = serve(&["--max-connections", "40", "--max-event-streams", "20"]);
    assert_eq!((small.max_connections_per_client, small.event_streams.per_client), (10, 5));
    // Never below what one user may open.
    assert_eq!(serve(&["--max-connections", "10", "--max-event-streams", "4"]).event_streams.per_client, 4);
    let given =
        serve(&["--max-connections-per-client", "7", "--max-event-streams-per-client", "9", "--body-timeout", "3"]);
    assert_eq!((given.max_connections_per_client, given.event_streams.per_client), (7, 9));
    assert_eq!(given.body_timeout, Duration::from_secs(3));
    assert_eq!(variable(&["--max-connections-per-client", "0"]), "DEALNEST_MAX_CONNECTIONS_PER_CLIENT");
    assert_eq!(variable(&["--max-event-streams-per-client", "x"]), "DEALNEST_MAX_EVENT_STREAMS_PER_CLIENT");
    assert_eq!(variable(&["--body-timeout", "0"]), "DEALNEST_BODY_TIMEOUT");
}

#[test]
fn metrics_may_have_a_listener_of_their_own() {
    assert_eq!(serve(&[]).metrics_bind, None);
    assert_eq!(serve(&["--metrics-bind", " "]).metrics_bind, None);
    let apart = serve(&["--metrics-bind", "0.0.0.0:9004"]);
    assert_eq!(apart.metrics_bind, Some("0.0.0.0:9004".parse().unwrap()));
    assert_eq!(variable(&["--metrics-bind", "metrics"]), "DEALNEST_METRICS_BIND");
}

#[test]
fn redis_is_optional_and_its_password_stays_out_of_sight() {
    let none = serve(&[]);
    assert_eq!((none.redis_url.as_deref(), none.redis_prefix.as_str()), (None, "dealnest"));
    assert_eq!(serve(&["--redis-url", " "]).redis_url, None);
    let shared = serve(&["--redis-url", "redis://:s3cret@cache:6379/2", "--redis-prefix", "deals-prod"]);
    assert_eq!(shared.redis_url.as_deref(), Some("redis://:s3cret@cache:6379/2"));
    assert_eq!(shared.redis_prefix, "deals-prod");
    assert!(!format!("{shared:?}").contains("s3cret"));
    assert_eq!(variable(&["--redis-url", "http://cache:6379"]), "DEALNEST_REDIS_URL");
    let refused = settings(&["--redis-url", "http://:s3cret@cache"]).unwrap_err();
    assert!(!refused.to_string().contains("s3cret"), "{refused}");
    assert_eq!(variable(&["--redis-prefix", "has space"]), "DEALNEST_REDIS_PREFIX");
}

#[test]
fn bad_client_limits_name_their_variable() {
    assert_eq!(variable(&["--rate-limit", "many"]), "DEALNEST_RATE_LIMIT");
    assert_eq!(variable(&["--read-rate-limit=-1"]), "DEALNEST_READ_RATE_LIMIT");
    assert_eq!(variable(&["--read-rate-limit", "lots"]), "DEALNEST_READ_RATE_LIMIT");
    assert_eq!(variable(&["--trusted-proxies", "10.0.0.0/40"]), "DEALNEST_TRUSTED_PROXIES");
    assert_eq!(variable(&["--trusted-proxies", "the-load-balancer"]), "DEALNEST_TRUSTED_PROXIES");
    assert_eq!(variable(&["--max-connections", "0"]), "DEALNEST_MAX_CONNECTIONS");
    assert_eq!(variable(&["--header-timeout", "0"]), "DEALNEST_HEADER_TIMEOUT");
    assert_eq!(variable(&["--max-event-streams", "0"]), "DEALNEST_MAX_EVENT_STREAMS");
    assert_eq!(variable(&["--max-event-streams", "1000"]), "DEALNEST_MAX_EVENT_STREAMS");
    assert_eq!(variable(&["--max-connections", "10", "--max-event-streams", "10"]), "DEALNEST_MAX_EVENT_STREAMS");
    assert_eq!(variable(&["--max-event-streams-per-user", "none"]), "DEALNEST_MAX_EVENT_STREAMS_PER_USER");
}

#[test]
fn mail_defaults_to_the_log_with_the_default_sender() {
    let settings = serve(&[]);
    assert!(settings.mail.smtp_url.is_none());
    assert_eq!(settings.mail.from.email.domain(), "dealnest.localhost");
    assert_eq!(settings.mail.smtp_timeout, Duration::from_secs(20));
    assert_eq!(settings.delivery.max_attempts, 8);
    assert_eq!(settings.delivery.base_backoff, Duration::from_secs(30));
    assert_eq!(settings.mail.public_url, None, "made from the listen address at start");
    assert_eq!(settings.delivery.digest_hour, 8);
    assert_eq!(settings.delivery.per_recipient_hour, 10);
    // A blank variable is the same as an unset one.
    assert!(serve(&["--smtp-url", " "]).mail.smtp_url.is_none());
    assert!(serve(&["--smtp-url", ""]).mail.smtp_url.is_none());
}

#[test]
fn mail_settings_parse() {
    let settings = serve(&[
        "--smtp-url",
        "smtp://mail.example.com:2525",
        "--mail-from",
        "Deals <deals@example.com>",
        "--smtp-timeout",
        "7",
        "--delivery-max-attempts",
        "3",
        "--delivery-backoff",
        "5",
    ]);
    assert!(settings.mail.smtp_url.is_some());
    assert_eq!(settings.mail.from.email.to_string(), "deals@example.com");
    assert_eq!(settings.mail.smtp_timeout, Duration::from_secs(7));
    assert_eq!(settings.delivery.max_attempts, 3);
    assert_eq!(settings.delivery.base_backoff, Duration::from_secs(5));
}

#[test]
fn the_public_url_digest_hour_and_cap_parse() {
    let settings = serve(&[
        "--public-url",
        " https://deals.example.org/app/ ",
        "--digest-hour",
        "23",
        "--mail-per-recipient-hour",
        "0",
    ]);
    assert_eq!(settings.mail.public_url.as_deref(), Some("https://deals.example.org/app"));
    assert_eq!((settings.delivery.digest_hour, settings.delivery.per_recipient_hour), (23, 0));
    assert_eq!(
        serve(&["--public-url", "http://127.0.0.1:8004"]).mail.public_url.as_deref(),
        Some("http://127.0.0.1:8004")
    );
}

#[test]
fn bad_public_urls_hours_and_caps_name_their_variable() {
    for url in
        ["deals.example.org", "ftp://deals.example.org", "https://", "https://a b", "https://x/?q=1", "https://x/#f"]
    {
        assert_eq!(variable(&["--public-url", url]), "DEALNEST_PUBLIC_URL", "{url}");
    }
    for hour in ["24", "8am", ""] {
        assert_eq!(variable(&["--digest-hour", hour]), "DEALNEST_DIGEST_HOUR", "{hour}");
    }
    assert_eq!(variable(&["--digest-hour=-1"]), "DEALNEST_DIGEST_HOUR");
    assert_eq!(variable(&["--mail-per-recipient-hour=-1"]), "DEALNEST_MAIL_PER_RECIPIENT_HOUR");
    assert_eq!(variable(&["--mail-per-recipient-hour", "ten"]), "DEALNEST_MAIL_PER_RECIPIENT_HOUR");
}

#[test]
fn bad_mail_values_name_their_variable() {
    assert_eq!(variable(&["--smtp-url", "http://mail.example.com"]), "DEALNEST_SMTP_URL");
    assert_eq!(variable(&["--smtp-url", "not a url"]), "DEALNEST_SMTP_URL");
    assert_eq!(variable(&["--mail-from", "nobody"]), "DEALNEST_MAIL_FROM");
    assert_eq!(variable(&["--mail-from", ""]), "DEALNEST_MAIL_FROM");
    assert_eq!(variable(&["--smtp-timeout", "0"]), "DEALNEST_SMTP_TIMEOUT");
    assert_eq!(variable(&["--delivery-max-attempts", "0"]), "DEALNEST_DELIVERY_MAX_ATTEMPTS");
    assert_eq!(variable(&["--delivery-backoff", "soon"]), "DEALNEST_DELIVERY_BACKOFF");
}

#[test]
fn the_smtp_password_stays_out_of_debug_output() {
    let settings = serve(&["--smtp-url", "smtps://user:hunter2@mail.example.com"]);
    let shown = format!("{settings:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("mail.example.com"), "{shown}");
}

#[test]
fn the_request_lifecycle_days_parse_and_zero_switches_each_off() {
    use crate::domain::{Lifecycle, Timestamp};
    assert_eq!(serve(&[]).service.lifecycle, Lifecycle { ttl_days: 30, reminder_days: 3, cooldown_days: 30 });
    let args = ["--request-ttl-days", "7", "--request-reminder-days", " 2", "--request-cooldown-days", "14 "];
    assert_eq!(serve(&args).service.lifecycle, Lifecycle { ttl_days: 7, reminder_days: 2, cooldown_days: 14 });
    let zero = ["--request-ttl-days", "0", "--request-reminder-days", "0", "--request-cooldown-days", "0"];
    let off = serve(&zero).service.lifecycle;
    assert_eq!(off, Lifecycle { ttl_days: 0, reminder_days: 0, cooldown_days: 0 });
    assert_eq!((off.expires_at(Timestamp::from_millis(0)), off.reminder_lead_ms()), (None, None));
    assert_eq!(variable(&["--request-ttl-days=-1"]), "DEALNEST_REQUEST_TTL_DAYS");
    assert_eq!(variable(&["--request-reminder-days", "three"]), "DEALNEST_REQUEST_REMINDER_DAYS");
    assert_eq!(variable(&["--request-cooldown-days", "1.5"]), "DEALNEST_REQUEST_COOLDOWN_DAYS");
    let help = Cli::command().render_long_help().to_string();
    for name in ["DEALNEST_REQUEST_TTL_DAYS", "DEALNEST_REQUEST_REMINDER_DAYS", "DEALNEST_REQUEST_COOLDOWN_DAYS"] {
        assert!(help.contains(name), "--help names {name}");
    }
}
