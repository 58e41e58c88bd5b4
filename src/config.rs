//! Command line and configuration: every setting is a flag of `dealnest serve` and an environment
//! variable. Clap parses each value into its type with the setting's value parser; a value one
//! refuses stops start-up with one line naming the variable ([`Cli::read_from`]).

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
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
    /// Proxies whose X-Forwarded-For is believed, as comma-separated networks (10.0.0.0/8,
    /// fd00::/8) or addresses; unset: none, the peer address is the client.
    #[arg(long, env = "DEALNEST_TRUSTED_PROXIES", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: Option<TrustedProxies>,
    /// Open connections at most; past it new ones wait in the listen queue until one closes.
    #[arg(long, env = "DEALNEST_MAX_CONNECTIONS", default_value = "1000", value_parser = at_least(1usize))]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers (and that an idle connection is kept).
    #[arg(long, env = "DEALNEST_HEADER_TIMEOUT", default_value = "10", value_parser = seconds(1))]
    pub header_timeout: Duration,
    /// Live event streams (GET /events) open at once in this process, below
    /// DEALNEST_MAX_CONNECTIONS (each holds a connection); default half of it.
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS", value_parser = at_least(1usize))]
    pub max_event_streams: Option<usize>,
    /// Live event streams one user may have open at once in this process (one per open tab).
    #[arg(long, env = "DEALNEST_MAX_EVENT_STREAMS_PER_USER", default_value = "4", value_parser = at_least(1usize))]
    pub max_event_streams_per_user: usize,
    /// Partner requests one user may create per 24 hours; 0 turns the quota off.
    #[arg(long, env = "DEALNEST_DAILY_REQUEST_QUOTA", default_value = "50", value_parser = at_least(0u32))]
    pub daily_request_quota: u32,
    /// Partner requests an account may create in its first 24 hours; 0: no separate limit.
    #[arg(long, env = "DEALNEST_NEW_USER_REQUEST_QUOTA", default_value = "5", value_parser = at_least(0u32))]
    pub new_user_request_quota: u32,
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

/// A setting that could not be used: which variable, and why.
#[derive(Debug)]
pub struct ConfigError {
    /// The setting's environment variable.
    pub variable: String,
    /// The flag, when the value was given as one rather than in the variable.
    pub flag: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.flag {
            Some(flag) => write!(f, "{flag} ({}): {}", self.variable, self.message),
            None => write!(f, "{}: {}", self.variable, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn new(variable: &str, message: impl Into<String>) -> Self {
        Self { variable: variable.to_owned(), flag: None, message: message.into() }
    }

    /// Clap's refusal of a setting's value, told the way people set it: by its variable.
    ///
    /// `None` for anything else, including a flag without a variable. The message is the value
    /// parser's own, so that a hidden value (a URL with a password) is never repeated.
    fn from_clap(error: &clap::Error, args: &[OsString]) -> Option<Self> {
        if error.kind() != ErrorKind::ValueValidation {
            return None;
        }
        // Clap names the argument as it shows it (`--bind <BIND>`), so look it up that way.
        let Some(ContextValue::String(shown)) = error.get(ContextKind::InvalidArg) else { return None };
        let mut command = Cli::command();
        command.build();
        let arg = find_arg(&command, shown)?;
        let variable = arg.get_env()?.to_string_lossy().into_owned();
        let message = std::error::Error::source(error)?.to_string();
        // Clap reads the variable only when the flag is absent.
        let flag = arg.get_long().map(|long| format!("--{long}")).filter(|flag| given(args, flag));
        Some(Self { variable, flag, message })
    }
}

/// The argument clap shows as `shown`, in `command` or any of its subcommands.
fn find_arg<'a>(command: &'a clap::Command, shown: &str) -> Option<&'a clap::Arg> {
    command
        .get_arguments()
        .find(|arg| arg.to_string() == shown)
        .or_else(|| command.get_subcommands().find_map(|sub| find_arg(sub, shown)))
}

/// Whether `flag` is on the command line, as `--flag value` or `--flag=value`.
fn given(args: &[OsString], flag: &str) -> bool {
    args.iter()
        .filter_map(|arg| arg.to_str())
        .any(|arg| arg.strip_prefix(flag).is_some_and(|rest| rest.is_empty() || rest.starts_with('=')))
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
    /// The database settings; those only `serve` has keep their defaults.
    pub fn settings(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.database_url.clone(),
            max_connections: self.db_max_connections,
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: Some(self.db_statement_timeout).filter(|timeout| !timeout.is_zero()),
            quotas: SendQuotas::default(),
            dashboard_cache_mb: 8,
        }
    }
}

impl ServeArgs {
    /// The settings, once the one rule between two of them holds.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let max_connections = self.max_connections;
        let per_process = self.max_event_streams.unwrap_or((max_connections / 2).max(1));
        if per_process >= max_connections && max_connections > 1 {
            return Err(ConfigError::new(
                "DEALNEST_MAX_EVENT_STREAMS",
                format!(
                    "{per_process} is not below DEALNEST_MAX_CONNECTIONS ({max_connections}): event streams could hold every connection"
                ),
            ));
        }
        let mut database = self.database.settings();
        database.quotas = SendQuotas { daily: self.daily_request_quota, new_account: self.new_user_request_quota };
        // Capped so that the size in bytes cannot overflow.
        database.dashboard_cache_mb = self.dashboard_cache_mb.min(1 << 20);
        let (mail, delivery) = self.mail.settings();
        Ok(Settings {
            database,
            bind: self.bind,
            jwt_secret: self.jwt_secret.clone().filter(|secret| !secret.is_empty()),
            log_format: self.log_format,
            rate_limit: self.rate_limit,
            read_rate_limit: self.read_rate_limit,
            trusted_proxies: self.trusted_proxies.clone().unwrap_or_default(),
            max_connections,
            header_timeout: self.header_timeout,
            event_streams: StreamLimits { per_process, per_user: self.max_event_streams_per_user },
            mail,
            delivery,
            secure_cookies: self.secure_cookies,
            demo: self.demo,
        })
    }
}

impl MailArgs {
    pub fn settings(&self) -> (MailSettings, DeliveryPolicy) {
        let mail = MailSettings {
            smtp_url: self.smtp_url.clone().and_then(|setting| setting.0),
            from: self.mail_from.clone(),
            smtp_timeout: self.smtp_timeout,
        };
        let delivery = DeliveryPolicy {
            max_attempts: self.delivery_max_attempts,
            base_backoff: self.delivery_backoff,
            ..DeliveryPolicy::for_send_bound(mail.send_bound())
        };
        (mail, delivery)
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

fn mailbox(raw: &str) -> Result<Mailbox, String> {
    raw.trim().parse().map_err(|e| format!("{raw:?} is not a mail address (`Name <name@example.com>`): {e}"))
}

#[cfg(test)]
mod tests {
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
        assert_eq!(settings.database.dashboard_cache_mb, 8);
        assert_eq!(serve(&["--dashboard-cache-mb", "0"]).database.dashboard_cache_mb, 0);
        assert_eq!(settings.database.quotas, SendQuotas { daily: 50, new_account: 5 });
        let quotas = serve(&["--new-user-request-quota", "0"]).database.quotas;
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
        assert_eq!(
            refused.to_string(),
            r#"--rate-limit (DEALNEST_RATE_LIMIT): "x" is not a whole number of at least 0"#
        );
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
        assert_eq!(settings.event_streams, StreamLimits { per_user: 4, per_process: 500 });
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
        assert_eq!(settings.event_streams, StreamLimits { per_user: 2, per_process: 20 });
        // Unset, streams may take half of the connections.
        let halved = serve(&["--max-connections", "64"]);
        assert_eq!(halved.event_streams.per_process, 32);
        assert!(serve(&["--trusted-proxies", " "]).trusted_proxies.is_empty());
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
}
