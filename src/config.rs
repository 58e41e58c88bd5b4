//! Command line and configuration: every setting is a flag of `dealnest serve` and an environment
//! variable. Values are read as text and parsed here, so that a bad one stops start-up with one
//! line naming the variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};
use lettre::message::Mailbox;

use crate::domain::SendQuotas;
use crate::notify::{DeliveryPolicy, SmtpUrl};
use crate::store::DatabaseUrl;
use crate::web::client::TrustedProxies;
use crate::web::events::StreamLimits;

/// The longest life `dealnest token` gives a token: a leaked one stops working within a month.
pub const MAX_TOKEN_HOURS: u64 = 720;

/// The sender of notification mails when `DEALNEST_MAIL_FROM` is not set.
pub const DEFAULT_MAIL_FROM: &str = "DealNest <no-reply@dealnest.localhost>";

#[derive(Debug, Parser)]
#[command(name = "dealnest", version, about = "DealNest Partners: partner requests between users")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of `serve`, the default command.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application and the API (the default).
    Serve(Box<ServeArgs>),
    /// Create the database if needed and apply the migrations, then exit.
    Migrate(DatabaseArgs),
    /// Print a bearer token for a user, signed with DEALNEST_JWT_SECRET.
    Token(TokenArgs),
    /// Queue again every notification whose delivery was given up on (after fixing the mail
    /// server or its settings); a running server picks them up within a minute.
    RequeueFailed(DatabaseArgs),
    /// Load a synthetic data set into an empty database, for benchmarks: users, pending requests
    /// and partnerships, in bulk.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Users to create.
    #[arg(long, default_value_t = 2_000)]
    pub users: usize,
    /// Pending partner requests, spread evenly: each user receives and sends about requests/users.
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Partnerships; default three per user.
    #[arg(long)]
    pub partnerships: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://<path> (created and migrated on start) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://dealnest.db", hide_env_values = true)]
    pub database_url: String,
    /// Largest number of pooled connections (readers on SQLite, all on PostgreSQL); default 2 per core.
    #[arg(long, env = "DEALNEST_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<String>,
    /// Seconds to wait for a pooled connection before answering 503.
    #[arg(long, env = "DEALNEST_DB_ACQUIRE_TIMEOUT", default_value = "5")]
    pub db_acquire_timeout: String,
    /// Seconds one statement may run, on both backends, before it is stopped and its request
    /// answered 503 (0: no limit of ours).
    #[arg(long, env = "DEALNEST_DB_STATEMENT_TIMEOUT", default_value = "5")]
    pub db_statement_timeout: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "DEALNEST_BIND", default_value = "127.0.0.1:8004")]
    pub bind: String,
    /// HS256 secret for bearer tokens; a random one per start when unset.
    #[arg(long, env = "DEALNEST_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Writes per minute per client (identity, else IP address); 0 turns limiting off.
    #[arg(long, env = "DEALNEST_RATE_LIMIT", default_value = "120")]
    pub rate_limit: String,
    /// Searches and user-directory pages per minute per client (identity, else IP address);
    /// 0 turns limiting off. Reads of one's own lists are never limited.
    #[arg(long, env = "DEALNEST_READ_RATE_LIMIT", default_value = "300")]
    pub read_rate_limit: String,
    /// Proxies whose X-Forwarded-For is believed, as comma-separated networks (10.0.0.0/8,
    /// fd00::/8) or addresses; unset: none, the peer address is the client.
    #[arg(long, env = "DEALNEST_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Open connections at most; past it new ones wait in the listen queue until one closes.
    #[arg(long, env = "DEALNEST_MAX_CONNECTIONS", default_value = "1000")]
    pub max_connections: String,
    /// Seconds a client has to send a request's headers (and that an idle connection is kept).
    #[arg(long, env = "DEALNEST_HEADER_TIMEOUT", default_value = "10")]
    pub header_timeout: String,
    /// Live event streams (GET /events) open at once in this process, below
    /// DEALNEST_MAX_CONNECTIONS (each holds a connection); default half of it.
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS")]
    pub max_event_streams: Option<String>,
    /// Live event streams one user may have open at once in this process (one per open tab).
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS_PER_USER", default_value = "4")]
    pub max_event_streams_per_user: String,
    /// Partner requests one user may create per 24 hours; 0 turns the quota off.
    #[arg(long, env = "DEALNEST_DAILY_REQUEST_QUOTA", default_value = "50")]
    pub daily_request_quota: String,
    /// Partner requests an account may create in its first 24 hours; 0: no separate limit.
    #[arg(long, env = "DEALNEST_NEW_USER_REQUEST_QUOTA", default_value = "5")]
    pub new_user_request_quota: String,
    /// Megabytes of dashboards kept in memory between views (each checked against the database
    /// on every view; about 8 kB each); 0 reads every view afresh.
    #[arg(long, env = "DEALNEST_DASHBOARD_CACHE_MB", default_value = "8")]
    pub dashboard_cache_mb: String,
    /// `pretty` or `json` log lines.
    #[arg(long, env = "DEALNEST_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// Mark the session cookie `Secure` and send HSTS: turn on when browsers reach the server
    /// over HTTPS (directly or through a proxy).
    #[arg(long, env = "DEALNEST_SECURE_COOKIES", value_parser = BoolishValueParser::new())]
    pub secure_cookies: bool,
    /// Fill an empty database with a demo cast (Alice, Bob, Carol…) and requests in every state;
    /// a database that already has users is left as it is.
    #[arg(long, env = "DEALNEST_DEMO", value_parser = BoolishValueParser::new())]
    pub demo: bool,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Where notifications go, and how hard delivery tries.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for notification mails: smtp://host:port (plain), smtps://user:pass@host (TLS),
    /// smtp://host?tls=required (STARTTLS). Unset: notifications are written to the log.
    #[arg(long, env = "DEALNEST_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of notification mails, as `Name <address>` or a bare address.
    #[arg(long, env = "DEALNEST_MAIL_FROM", default_value = DEFAULT_MAIL_FROM)]
    pub mail_from: String,
    /// Seconds one SMTP step (connecting, each command) may take; a whole mail gets three times that.
    #[arg(long, env = "DEALNEST_SMTP_TIMEOUT", default_value = "20")]
    pub smtp_timeout: String,
    /// Attempts to deliver one notification before it is marked failed.
    #[arg(long, env = "DEALNEST_DELIVERY_MAX_ATTEMPTS", default_value = "8")]
    pub delivery_max_attempts: String,
    /// Seconds before the first retry of a failed delivery; doubled for each further retry, up to 30 minutes.
    #[arg(long, env = "DEALNEST_DELIVERY_BACKOFF", default_value = "30")]
    pub delivery_backoff: String,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The user id the token names.
    #[arg(long)]
    pub user: i64,
    /// Hours until the token expires, at most 720 (30 days).
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=MAX_TOKEN_HOURS))]
    pub hours: u64,
    #[arg(long, env = "DEALNEST_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
}

/// A setting that could not be used: which variable, and why.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self { variable, message: message.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Database settings, parsed.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub max_connections: Option<u32>,
    pub acquire_timeout: Duration,
    pub statement_timeout: Option<Duration>,
    /// Partner requests per user per 24 hours (and in an account's first day), held in the store.
    pub quotas: SendQuotas,
    /// Dashboards the store keeps between views; 0 keeps none.
    pub dashboard_cache_mb: u64,
}

/// Mail settings, parsed.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: notifications go to the log instead.
    pub smtp_url: Option<SmtpUrl>,
    pub from: Mailbox,
    /// Bound on each SMTP step.
    pub smtp_timeout: Duration,
}

impl MailSettings {
    /// The longest one mail may take from connecting to the server's final answer.
    pub fn send_bound(&self) -> Duration {
        self.smtp_timeout.saturating_mul(3)
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: DEFAULT_MAIL_FROM.parse().expect("the default sender is a valid mailbox"),
            smtp_timeout: Duration::from_secs(20),
        }
    }
}

/// Everything `serve` needs, parsed and checked.
#[derive(Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub bind: SocketAddr,
    /// `None`: a random secret is made at start.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    /// Writes per minute per client; 0 is off.
    pub rate_limit: u32,
    /// Expensive reads (searches, the user directory) per minute per client; 0 is off.
    pub read_rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to send a request's headers; also how long an idle connection is kept.
    pub header_timeout: Duration,
    /// Live event streams at once, per user and in all.
    pub event_streams: StreamLimits,
    pub mail: MailSettings,
    pub delivery: DeliveryPolicy,
    /// Session cookie `Secure`, and HSTS on every response.
    pub secure_cookies: bool,
    /// Seed an empty database with the demo cast on start.
    pub demo: bool,
}

// The secret stays out of logs and panics.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &self.database)
            .field("bind", &self.bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "[redacted]"))
            .field("log_format", &self.log_format)
            .field("rate_limit", &self.rate_limit)
            .field("read_rate_limit", &self.read_rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .field("event_streams", &self.event_streams)
            .field("mail", &self.mail)
            .field("delivery", &self.delivery)
            .field("secure_cookies", &self.secure_cookies)
            .field("demo", &self.demo)
            .finish()
    }
}

impl DatabaseArgs {
    pub fn parse(&self) -> Result<DatabaseSettings, ConfigError> {
        let url = DatabaseUrl::parse(&self.database_url).map_err(|m| ConfigError::new("DATABASE_URL", m))?;
        let max_connections = self
            .db_max_connections
            .as_deref()
            .map(|raw| parse_number::<u32>("DEALNEST_DB_MAX_CONNECTIONS", raw, 1))
            .transpose()?;
        let acquire = parse_number::<u64>("DEALNEST_DB_ACQUIRE_TIMEOUT", &self.db_acquire_timeout, 1)?;
        let statement = parse_number::<u64>("DEALNEST_DB_STATEMENT_TIMEOUT", &self.db_statement_timeout, 0)?;
        Ok(DatabaseSettings {
            url,
            max_connections,
            acquire_timeout: Duration::from_secs(acquire),
            statement_timeout: (statement > 0).then(|| Duration::from_secs(statement)),
            quotas: SendQuotas::default(),
            dashboard_cache_mb: 8,
        })
    }
}

impl ServeArgs {
    pub fn parse(&self) -> Result<Settings, ConfigError> {
        let bind = self.bind.trim().parse().map_err(|_| {
            ConfigError::new(
                "DEALNEST_BIND",
                format!("{:?} is not a listen address (host:port, e.g. 127.0.0.1:8004)", self.bind),
            )
        })?;
        let log_format = match self.log_format.trim() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new("DEALNEST_LOG_FORMAT", format!("{other:?} is not `pretty` or `json`")));
            }
        };
        let jwt_secret = self.jwt_secret.clone().filter(|s| !s.is_empty());
        let rate_limit = parse_number::<u32>("DEALNEST_RATE_LIMIT", &self.rate_limit, 0)?;
        let read_rate_limit = parse_number::<u32>("DEALNEST_READ_RATE_LIMIT", &self.read_rate_limit, 0)?;
        let trusted_proxies = TrustedProxies::parse(self.trusted_proxies.as_deref().unwrap_or_default())
            .map_err(|message| ConfigError::new("DEALNEST_TRUSTED_PROXIES", message))?;
        let max_connections = parse_number::<usize>("DEALNEST_MAX_CONNECTIONS", &self.max_connections, 1)?;
        let header_timeout = parse_number::<u64>("DEALNEST_HEADER_TIMEOUT", &self.header_timeout, 1)?;
        let per_process = match self.max_event_streams.as_deref() {
            None => (max_connections / 2).max(1),
            Some(raw) => parse_number::<usize>("DEALNEST_MAX_EVENT_STREAMS", raw, 1)?,
        };
        if per_process >= max_connections && max_connections > 1 {
            return Err(ConfigError::new(
                "DEALNEST_MAX_EVENT_STREAMS",
                format!(
                    "{per_process} is not below DEALNEST_MAX_CONNECTIONS ({max_connections}): event streams could hold every connection"
                ),
            ));
        }
        let event_streams = StreamLimits {
            per_process,
            per_user: parse_number::<usize>(
                "DEALNEST_MAX_EVENT_STREAMS_PER_USER",
                &self.max_event_streams_per_user,
                1,
            )?,
        };
        let mut database = self.database.parse()?;
        database.quotas = SendQuotas {
            daily: parse_number::<u32>("DEALNEST_DAILY_REQUEST_QUOTA", &self.daily_request_quota, 0)?,
            new_account: parse_number::<u32>("DEALNEST_NEW_USER_REQUEST_QUOTA", &self.new_user_request_quota, 0)?,
        };
        database.dashboard_cache_mb =
            parse_number::<u64>("DEALNEST_DASHBOARD_CACHE_MB", &self.dashboard_cache_mb, 0)?.min(1 << 20);
        let (mail, delivery) = self.mail.parse()?;
        Ok(Settings {
            database,
            bind,
            jwt_secret,
            log_format,
            rate_limit,
            read_rate_limit,
            trusted_proxies,
            max_connections,
            header_timeout: Duration::from_secs(header_timeout),
            event_streams,
            mail,
            delivery,
            secure_cookies: self.secure_cookies,
            demo: self.demo,
        })
    }
}

impl MailArgs {
    pub fn parse(&self) -> Result<(MailSettings, DeliveryPolicy), ConfigError> {
        let smtp_url = self
            .smtp_url
            .as_deref()
            .map(str::trim)
            .filter(|raw| !raw.is_empty())
            .map(|raw| SmtpUrl::parse(raw).map_err(|m| ConfigError::new("DEALNEST_SMTP_URL", m)))
            .transpose()?;
        let from: Mailbox = self.mail_from.trim().parse().map_err(|e| {
            ConfigError::new(
                "DEALNEST_MAIL_FROM",
                format!("{:?} is not a mail address (`Name <name@example.com>`): {e}", self.mail_from),
            )
        })?;
        let timeout = parse_number::<u64>("DEALNEST_SMTP_TIMEOUT", &self.smtp_timeout, 1)?;
        let mail = MailSettings { smtp_url, from, smtp_timeout: Duration::from_secs(timeout) };
        let max_attempts = parse_number::<u32>("DEALNEST_DELIVERY_MAX_ATTEMPTS", &self.delivery_max_attempts, 1)?;
        let backoff = parse_number::<u64>("DEALNEST_DELIVERY_BACKOFF", &self.delivery_backoff, 1)?;
        let delivery = DeliveryPolicy {
            max_attempts,
            base_backoff: Duration::from_secs(backoff),
            ..DeliveryPolicy::for_send_bound(mail.send_bound())
        };
        Ok((mail, delivery))
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + From<u8> + std::fmt::Display>(
    variable: &'static str,
    raw: &str,
    min: u8,
) -> Result<T, ConfigError> {
    match raw.trim().parse::<T>() {
        Ok(n) if n >= T::from(min) => Ok(n),
        _ => Err(ConfigError::new(variable, format!("{raw:?} is not a whole number of at least {min}"))),
    }
}

impl Settings {
    /// Settings for a server on `database`, every other value at its default (used by tests).
    pub fn for_database(url: DatabaseUrl) -> Self {
        Self {
            database: DatabaseSettings {
                url,
                max_connections: None,
                acquire_timeout: Duration::from_secs(5),
                statement_timeout: Some(crate::store::DEFAULT_STATEMENT_TIMEOUT),
                quotas: SendQuotas::default(),
                dashboard_cache_mb: 8,
            },
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: None,
            log_format: LogFormat::Pretty,
            rate_limit: 120,
            read_rate_limit: 300,
            trusted_proxies: TrustedProxies::default(),
            max_connections: 1_000,
            header_timeout: Duration::from_secs(10),
            event_streams: StreamLimits::default(),
            mail: MailSettings::default(),
            delivery: DeliveryPolicy::default(),
            secure_cookies: false,
            demo: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> ServeArgs {
        let mut argv = vec!["dealnest"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap().serve
    }

    #[test]
    fn defaults_parse() {
        let settings = serve(&[]).parse().unwrap();
        assert_eq!(settings.bind.to_string(), "127.0.0.1:8004");
        assert_eq!(settings.database.url, DatabaseUrl::Sqlite("dealnest.db".into()));
        assert!(!settings.secure_cookies && !settings.demo);
        assert_eq!(settings.database.dashboard_cache_mb, 8);
        assert_eq!(serve(&["--dashboard-cache-mb", "0"]).parse().unwrap().database.dashboard_cache_mb, 0);
        assert_eq!(settings.database.quotas, SendQuotas { daily: 50, new_account: 5 });
        let quotas = serve(&["--new-user-request-quota", "0"]).parse().unwrap().database.quotas;
        assert_eq!(quotas, SendQuotas { daily: 50, new_account: 0 });
    }

    #[test]
    fn demo_and_secure_cookies_are_switches() {
        let settings = serve(&["--demo", "--secure-cookies"]).parse().unwrap();
        assert!(settings.demo && settings.secure_cookies);
        let Some(Command::Serve(args)) = Cli::try_parse_from(["dealnest", "serve", "--demo"]).unwrap().command else {
            panic!("serve subcommand expected");
        };
        assert!(args.parse().unwrap().demo);
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(serve(&["--bind", "nowhere"]).parse().unwrap_err().variable, "DEALNEST_BIND");
        assert_eq!(serve(&["--database-url", "mysql://x"]).parse().unwrap_err().variable, "DATABASE_URL");
        assert_eq!(serve(&["--log-format", "xml"]).parse().unwrap_err().variable, "DEALNEST_LOG_FORMAT");
        let err = serve(&["--db-max-connections", "0"]).parse().unwrap_err();
        assert_eq!(err.variable, "DEALNEST_DB_MAX_CONNECTIONS");
        let err = serve(&["--dashboard-cache-mb", "lots"]).parse().unwrap_err();
        assert_eq!(err.variable, "DEALNEST_DASHBOARD_CACHE_MB");
        let err = serve(&["--new-user-request-quota", "few"]).parse().unwrap_err();
        assert_eq!(err.variable, "DEALNEST_NEW_USER_REQUEST_QUOTA");
    }

    #[test]
    fn client_limit_defaults_parse() {
        let settings = serve(&[]).parse().unwrap();
        assert_eq!(settings.rate_limit, 120);
        assert_eq!(settings.read_rate_limit, 300);
        assert!(settings.trusted_proxies.is_empty());
        assert_eq!(settings.max_connections, 1_000);
        assert_eq!(settings.header_timeout, Duration::from_secs(10));
        assert_eq!(settings.event_streams, StreamLimits { per_user: 4, per_process: 500 });
        let defaults = Settings::for_database(DatabaseUrl::Sqlite("x.db".into()));
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
        ])
        .parse()
        .unwrap();
        assert_eq!(settings.read_rate_limit, 0);
        assert!(!settings.trusted_proxies.is_empty());
        assert_eq!(settings.max_connections, 64);
        assert_eq!(settings.header_timeout, Duration::from_secs(3));
        assert_eq!(settings.event_streams, StreamLimits { per_user: 2, per_process: 20 });
        // Unset, streams may take half of the connections.
        let halved = serve(&["--max-connections", "64"]).parse().unwrap();
        assert_eq!(halved.event_streams.per_process, 32);
    }

    #[test]
    fn bad_client_limits_name_their_variable() {
        let variable = |args: &[&str]| serve(args).parse().unwrap_err().variable;
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
        let settings = serve(&[]).parse().unwrap();
        assert!(settings.mail.smtp_url.is_none());
        assert_eq!(settings.mail.from.email.domain(), "dealnest.localhost");
        assert_eq!(settings.delivery.max_attempts, 8);
        // A blank variable is the same as an unset one.
        assert!(serve(&["--smtp-url", " "]).parse().unwrap().mail.smtp_url.is_none());
    }

    #[test]
    fn mail_settings_parse() {
        let settings = serve(&[
            "--smtp-url",
            "smtp://mail.example.com:2525",
            "--mail-from",
            "Deals <deals@example.com>",
            "--delivery-max-attempts",
            "3",
            "--delivery-backoff",
            "5",
        ])
        .parse()
        .unwrap();
        assert!(settings.mail.smtp_url.is_some());
        assert_eq!(settings.mail.from.email.to_string(), "deals@example.com");
        assert_eq!(settings.delivery.max_attempts, 3);
        assert_eq!(settings.delivery.base_backoff, Duration::from_secs(5));
    }

    #[test]
    fn bad_mail_values_name_their_variable() {
        let variable = |args: &[&str]| serve(args).parse().unwrap_err().variable;
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
        let settings = serve(&["--smtp-url", "smtps://user:hunter2@mail.example.com"]).parse().unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("mail.example.com"), "{shown}");
    }
}
