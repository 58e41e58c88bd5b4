//! Command line and configuration: every setting is a flag of `dealnest serve` and an environment
//! variable. Clap parses each value into its type with the setting's value parser; a value one
//! refuses stops start-up with one line naming the variable ([`Cli::read_from`]).

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use lettre::message::Mailbox;

use crate::notify::{DEFAULT_MAIL_FROM, SmtpUrl};
use crate::store::DatabaseUrl;
use crate::web::client::TrustedProxies;

mod error;
mod settings;
#[cfg(test)]
mod tests;

pub use error::ConfigError;
pub use settings::{DatabaseSettings, Settings};

/// The longest life `dealnest token` gives a token: a leaked one stops working within a month.
pub const MAX_TOKEN_HOURS: u64 = 720;

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
    /// A skewed graph: this many best-connected users (the first ones), each with
    /// --hub-partners more partners, all of them the same users.
    #[arg(long, default_value_t = 0)]
    pub hubs: usize,
    /// Partners of each hub (with --hubs).
    #[arg(long, default_value_t = 6_000)]
    pub hub_partners: usize,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://<path> (created and migrated on start) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://dealnest.db", hide_env_values = true,
          value_parser = DatabaseUrl::parse)]
    pub database_url: DatabaseUrl,
    /// Largest number of pooled connections (readers on SQLite, all on PostgreSQL); default 2 per core.
    #[arg(long, env = "DEALNEST_DB_MAX_CONNECTIONS", value_parser = at_least(1u32))]
    pub db_max_connections: Option<u32>,
    /// Seconds to wait for a pooled connection before answering 503.
    #[arg(long, env = "DEALNEST_DB_ACQUIRE_TIMEOUT", default_value = "5", value_parser = seconds(1))]
    pub db_acquire_timeout: Duration,
    /// Seconds one statement may run, on both backends, before it is stopped and its request
    /// answered 503 (0: no limit of ours).
    #[arg(long, env = "DEALNEST_DB_STATEMENT_TIMEOUT", default_value = "5", value_parser = seconds(0))]
    pub db_statement_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "DEALNEST_BIND", default_value = "127.0.0.1:8004", value_parser = listen_address)]
    pub bind: SocketAddr,
    /// Address of a listener of its own for GET /metrics (e.g. 0.0.0.0:9004, reached only by the
    /// scraper); the main listener then answers /metrics 404. Unset: /metrics on the main one.
    #[arg(long, env = "DEALNEST_METRICS_BIND", value_parser = optional_listen_address)]
    pub metrics_bind: Option<OptionalAddress>,
    /// HS256 secret for bearer tokens; a random one per start when unset.
    #[arg(long, env = "DEALNEST_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Writes per minute per client (identity, else IP address); 0 turns limiting off.
    #[arg(long, env = "DEALNEST_RATE_LIMIT", default_value = "120", value_parser = at_least(0u32))]
    pub rate_limit: u32,
    /// Searches and user-directory pages per minute per client (identity, else IP address);
    /// 0 turns limiting off. Reads of one's own lists are never limited.
    #[arg(long, env = "DEALNEST_READ_RATE_LIMIT", default_value = "300", value_parser = at_least(0u32))]
    pub read_rate_limit: u32,
    /// Redis in which every instance counts the rate limits (redis://[:password@]host:port[/db],
    /// rediss:// for TLS); unset: each instance counts its own.
    #[arg(long, env = "DEALNEST_REDIS_URL", hide_env_values = true, value_parser = RedisSetting::parse)]
    pub redis_url: Option<RedisSetting>,
    /// Prefix of this deployment's keys in Redis (for several deployments sharing one server).
    #[arg(long, env = "DEALNEST_REDIS_PREFIX", default_value = "dealnest", value_parser = redis_prefix)]
    pub redis_prefix: String,
    /// Proxies whose X-Forwarded-For is believed, as comma-separated networks (10.0.0.0/8,
    /// fd00::/8) or addresses; unset: none, the peer address is the client.
    #[arg(long, env = "DEALNEST_TRUSTED_PROXIES", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: Option<TrustedProxies>,
    /// Open connections at most; past it new ones wait in the listen queue until one closes.
    #[arg(long, env = "DEALNEST_MAX_CONNECTIONS", default_value = "1000", value_parser = at_least(1usize))]
    pub max_connections: usize,
    /// Open connections one client address may hold at once (an IPv6 client by its /64; trusted
    /// proxies have no share); default a quarter of DEALNEST_MAX_CONNECTIONS.
    #[arg(long, env = "DEALNEST_MAX_CONNECTIONS_PER_CLIENT", value_parser = at_least(1usize))]
    pub max_connections_per_client: Option<usize>,
    /// Seconds a client has to send a request's headers (and that an idle connection is kept).
    #[arg(long, env = "DEALNEST_HEADER_TIMEOUT", default_value = "10", value_parser = seconds(1))]
    pub header_timeout: Duration,
    /// Seconds a client has to send a request's body once its headers arrived.
    #[arg(long, env = "DEALNEST_BODY_TIMEOUT", default_value = "10", value_parser = seconds(1))]
    pub body_timeout: Duration,
    /// Live event streams (GET /events) open at once in this process, below
    /// DEALNEST_MAX_CONNECTIONS (each holds a connection); default half of it.
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS", value_parser = at_least(1usize))]
    pub max_event_streams: Option<usize>,
    /// Live event streams one user may have open at once in this process (one per open tab).
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS_PER_USER", default_value = "4", value_parser = at_least(1usize))]
    pub max_event_streams_per_user: usize,
    /// Live event streams one client address may have open at once in this process, whatever
    /// users it signs in as; default a quarter of DEALNEST_MAX_EVENT_STREAMS, at least the
    /// per-user number.
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS_PER_CLIENT", value_parser = at_least(1usize))]
    pub max_event_streams_per_client: Option<usize>,
    /// Partner requests one user may create per 24 hours; 0 turns the quota off.
    #[arg(long, env = "DEALNEST_DAILY_REQUEST_QUOTA", default_value = "50", value_parser = at_least(0u32))]
    pub daily_request_quota: u32,
    /// Partner requests an account may create in its first 24 hours; 0: no separate limit.
    #[arg(long, env = "DEALNEST_NEW_USER_REQUEST_QUOTA", default_value = "5", value_parser = at_least(0u32))]
    pub new_user_request_quota: u32,
    /// Days a partner request waits for an answer before it expires; 0: requests never expire.
    #[arg(long, env = "DEALNEST_REQUEST_TTL_DAYS", default_value = "30", value_parser = at_least(0u32))]
    pub request_ttl_days: u32,
    /// Days before a request expires when its recipient is reminded of it, once; 0: no reminders.
    #[arg(long, env = "DEALNEST_REQUEST_REMINDER_DAYS", default_value = "3", value_parser = at_least(0u32))]
    pub request_reminder_days: u32,
    /// Days a sender waits after a rejection before asking the same person again (one day after
    /// withdrawing a request); 0 turns both waits off.
    #[arg(long, env = "DEALNEST_REQUEST_COOLDOWN_DAYS", default_value = "30", value_parser = at_least(0u32))]
    pub request_cooldown_days: u32,
    /// Megabytes of dashboards kept in memory between views (each checked against the database
    /// on every view; about 8 kB each); 0 reads every view afresh.
    #[arg(long, env = "DEALNEST_DASHBOARD_CACHE_MB", default_value = "8", value_parser = at_least(0u64))]
    pub dashboard_cache_mb: u64,
    /// `pretty` or `json` log lines.
    #[arg(long, env = "DEALNEST_LOG_FORMAT", default_value = "pretty", value_parser = LogFormat::parse)]
    pub log_format: LogFormat,
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
    #[arg(long, env = "DEALNEST_SMTP_URL", hide_env_values = true, value_parser = SmtpSetting::parse)]
    pub smtp_url: Option<SmtpSetting>,
    /// Sender of notification mails, as `Name <address>` or a bare address.
    #[arg(long, env = "DEALNEST_MAIL_FROM", default_value = DEFAULT_MAIL_FROM, value_parser = mailbox)]
    pub mail_from: Mailbox,
    /// Seconds one SMTP step (connecting, each command) may take; a whole mail gets three times that.
    #[arg(long, env = "DEALNEST_SMTP_TIMEOUT", default_value = "20", value_parser = seconds(1))]
    pub smtp_timeout: Duration,
    /// Attempts to deliver one notification before it is marked failed.
    #[arg(long, env = "DEALNEST_DELIVERY_MAX_ATTEMPTS", default_value = "8", value_parser = at_least(1u32))]
    pub delivery_max_attempts: u32,
    /// Seconds before the first retry of a failed delivery; doubled for each further retry, up to 30 minutes.
    #[arg(long, env = "DEALNEST_DELIVERY_BACKOFF", default_value = "30", value_parser = seconds(1))]
    pub delivery_backoff: Duration,
    /// Where links in mail point (unsubscribe, settings, dashboard), as http(s)://host[:port][/path];
    /// default http:// and the listen address.
    #[arg(long, env = "DEALNEST_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// The hour (UTC, 0-23) at which daily digests are sent.
    #[arg(long, env = "DEALNEST_DIGEST_HOUR", default_value = "8", value_parser = digest_hour)]
    pub digest_hour: u8,
    /// Immediate mails to one address per hour at most; beyond it notifications wait for the next
    /// daily digest. 0 turns the cap off.
    #[arg(long, env = "DEALNEST_MAIL_PER_RECIPIENT_HOUR", default_value = "10", value_parser = at_least(0u32))]
    pub mail_per_recipient_hour: u32,
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

/// A `DEALNEST_SMTP_URL` value. A blank one is the same as none, so that a deployment can pass
/// the variable through empty.
#[derive(Debug, Clone)]
pub struct SmtpSetting(Option<SmtpUrl>);

impl SmtpSetting {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Self(None));
        }
        SmtpUrl::parse(raw).map(|url| Self(Some(url)))
    }
}

/// A `DEALNEST_REDIS_URL` value, checked by the Redis client; blank is none. Its password stays
/// out of logs.
#[derive(Clone)]
pub struct RedisSetting(pub Option<String>);

impl RedisSetting {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Self(None));
        }
        match redis::Client::open(raw) {
            Ok(_) => Ok(Self(Some(raw.to_owned()))),
            Err(_) => Err("is not a Redis URL (redis://host:6379, rediss:// for TLS)".to_owned()),
        }
    }
}

impl fmt::Debug for RedisSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "RedisSetting([redacted])" } else { "RedisSetting(None)" })
    }
}

fn redis_prefix(raw: &str) -> Result<String, String> {
    let prefix = raw.trim();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if !prefix.is_empty() && prefix.len() <= 64 && prefix.chars().all(plain) {
        Ok(prefix.to_owned())
    } else {
        Err(format!("{raw:?} is not a key prefix (1 to 64 of A-Z a-z 0-9 - _ . :)"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl LogFormat {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            other => Err(format!("{other:?} is not `pretty` or `json`")),
        }
    }
}

/// The command line and the environment could not be read.
#[derive(Debug)]
pub enum CliError {
    /// A setting's value was refused.
    Setting(ConfigError),
    /// Help, the version, or a mistake clap explains best itself: an unknown flag, or a bad value
    /// for a flag that has no environment variable.
    Clap(clap::Error),
}

impl Cli {
    /// Reads the command line (`args`, the program first) and the environment.
    pub fn read_from<I, T>(args: I) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut command = Self::command();
        // The flags outside any command are `serve`'s. Another command, which can only come first,
        // reads its own settings alone: a variable that only `serve` uses cannot stop it.
        let first = args.get(1).and_then(|arg| arg.to_str());
        if first.is_some_and(|name| command.find_subcommand(name).is_some()) {
            command = command.mut_args(|arg| arg.env(None));
        }
        let matches =
            command.try_get_matches_from(&args).map_err(|error| match ConfigError::from_clap(&error, &args) {
                Some(setting) => CliError::Setting(setting),
                None => CliError::Clap(error),
            })?;
        Self::from_arg_matches(&matches).map_err(CliError::Clap)
    }
}

// The value parsers. Each trims the value (a stray space in an environment file is harmless) and
// says in its refusal what it wanted.

/// A whole number of at least `min`.
fn at_least<T>(min: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + fmt::Display + Copy + Send + Sync + 'static,
{
    move |raw| match raw.trim().parse::<T>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!("{raw:?} is not a whole number of at least {min}")),
    }
}

/// A number of whole seconds, at least `min`.
fn seconds(min: u64) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync + 'static {
    let whole = at_least(min);
    move |raw| whole(raw).map(Duration::from_secs)
}

fn listen_address(raw: &str) -> Result<SocketAddr, String> {
    raw.trim().parse().map_err(|_| format!("{raw:?} is not a listen address (host:port, e.g. 127.0.0.1:8004)"))
}

/// A listen address, or none when blank (so that a deployment can pass the variable through
/// empty).
#[derive(Debug, Clone, Copy)]
pub struct OptionalAddress(pub Option<SocketAddr>);

fn optional_listen_address(raw: &str) -> Result<OptionalAddress, String> {
    if raw.trim().is_empty() {
        return Ok(OptionalAddress(None));
    }
    listen_address(raw).map(|addr| OptionalAddress(Some(addr)))
}

fn digest_hour(raw: &str) -> Result<u8, String> {
    match raw.trim().parse::<u8>() {
        Ok(hour) if hour < 24 => Ok(hour),
        _ => Err(format!("{raw:?} is not an hour of the day (0 to 23, UTC)")),
    }
}

/// An absolute http(s) address without query or fragment; kept without a trailing `/`.
fn public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split('/').next().unwrap_or(""));
    let plain = |c: char| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '<' | '>' | '"' | '\\');
    match host {
        Some(host) if !host.is_empty() && url.chars().all(plain) => Ok(url.to_owned()),
        _ => Err(format!("{raw:?} is not an http:// or https:// address (e.g. https://deals.example.org)")),
    }
}

fn mailbox(raw: &str) -> Result<Mailbox, String> {
    raw.trim().parse().map_err(|e| format!("{raw:?} is not a mail address (`Name <name@example.com>`): {e}"))
}
