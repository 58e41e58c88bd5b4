//! Command line and configuration: every setting is a flag of `dealnest serve` and an environment
//! variable. Values are read as text and parsed here, so that a bad one stops start-up with one
//! line naming the variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

use crate::store::DatabaseUrl;

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
    Serve(ServeArgs),
    /// Create the database if needed and apply the migrations, then exit.
    Migrate(DatabaseArgs),
    /// Print a bearer token for a user, signed with DEALNEST_JWT_SECRET.
    Token(TokenArgs),
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
    /// PostgreSQL statement timeout in seconds (0: the server's setting).
    #[arg(long, env = "DEALNEST_DB_STATEMENT_TIMEOUT", default_value = "10")]
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
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The user id the token names.
    #[arg(long)]
    pub user: i64,
    /// Hours until the token expires.
    #[arg(long, default_value_t = 24)]
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
}

/// Everything `serve` needs, parsed and checked.
#[derive(Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub bind: SocketAddr,
    /// `None`: a random secret is made at start.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
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
        if jwt_secret.as_ref().is_some_and(|s| s.len() < 16) {
            return Err(ConfigError::new("DEALNEST_JWT_SECRET", "must be at least 16 bytes long"));
        }
        Ok(Settings {
            database: self.database.parse()?,
            bind,
            jwt_secret,
            log_format,
            secure_cookies: self.secure_cookies,
            demo: self.demo,
        })
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
                statement_timeout: Some(Duration::from_secs(10)),
            },
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: None,
            log_format: LogFormat::Pretty,
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
    }
}
