//! The settings `serve` runs with, made from the parsed flags and variables.

use std::net::SocketAddr;
use std::time::Duration;

use super::{ConfigError, DatabaseArgs, LogFormat, MailArgs, ServeArgs};
use crate::domain::{Clock, Lifecycle, SendQuotas};
use crate::notify::{DeliveryPolicy, MailSettings};
use crate::service::ServiceOptions;
use crate::store::DatabaseUrl;
use crate::web::client::TrustedProxies;
use crate::web::events::StreamLimits;

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
    /// The rules' settings (quotas, request lifecycle), the clock and the dashboards' cache.
    pub service: ServiceOptions,
    pub bind: SocketAddr,
    /// Where `/metrics` is served apart from the site; `None`: on the main listener.
    pub metrics_bind: Option<SocketAddr>,
    /// `None`: a random secret is made at start.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    /// Writes per minute per client; 0 is off.
    pub rate_limit: u32,
    /// Expensive reads (searches, the user directory) per minute per client; 0 is off.
    pub read_rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Redis in which every instance counts the rate limits; `None`: each its own.
    pub redis_url: Option<String>,
    /// Prefix of this deployment's keys in Redis.
    pub redis_prefix: String,
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections one client address may hold at once.
    pub max_connections_per_client: usize,
    /// Time to send a request's headers; also how long an idle connection is kept.
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers arrived.
    pub body_timeout: Duration,
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
            .field("service", &self.service)
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "[redacted]"))
            .field("log_format", &self.log_format)
            .field("rate_limit", &self.rate_limit)
            .field("read_rate_limit", &self.read_rate_limit)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "[redacted]"))
            .field("redis_prefix", &self.redis_prefix)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_client", &self.max_connections_per_client)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
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
        let per_user = self.max_event_streams_per_user;
        // A quarter: four clients at least are needed to fill either cap.
        let streams_per_client = self.max_event_streams_per_client.unwrap_or((per_process / 4).max(per_user));
        let connections_per_client = self.max_connections_per_client.unwrap_or((max_connections / 4).max(1));
        let service = ServiceOptions {
            quotas: SendQuotas { daily: self.daily_request_quota, new_account: self.new_user_request_quota },
            lifecycle: Lifecycle {
                ttl_days: self.request_ttl_days,
                reminder_days: self.request_reminder_days,
                cooldown_days: self.request_cooldown_days,
            },
            clock: Clock::default(),
            // Capped so that the size in bytes cannot overflow.
            dashboard_cache_mb: self.dashboard_cache_mb.min(1 << 20),
        };
        let (mail, delivery) = self.mail.settings();
        Ok(Settings {
            database: self.database.settings(),
            service,
            bind: self.bind,
            metrics_bind: self.metrics_bind.and_then(|bind| bind.0),
            jwt_secret: self.jwt_secret.clone().filter(|secret| !secret.is_empty()),
            log_format: self.log_format,
            rate_limit: self.rate_limit,
            read_rate_limit: self.read_rate_limit,
            trusted_proxies: self.trusted_proxies.clone().unwrap_or_default(),
            redis_url: self.redis_url.clone().and_then(|setting| setting.0),
            redis_prefix: self.redis_prefix.clone(),
            max_connections,
            max_connections_per_client: connections_per_client,
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            event_streams: StreamLimits { per_process, per_user, per_client: streams_per_client },
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
            public_url: self.public_url.clone(),
        };
        let delivery = DeliveryPolicy {
            max_attempts: self.delivery_max_attempts,
            base_backoff: self.delivery_backoff,
            per_recipient_hour: self.mail_per_recipient_hour,
            digest_hour: self.digest_hour,
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
            },
            service: ServiceOptions::default(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_bind: None,
            jwt_secret: None,
            log_format: LogFormat::Pretty,
            rate_limit: 120,
            read_rate_limit: 300,
            trusted_proxies: TrustedProxies::default(),
            redis_url: None,
            redis_prefix: "dealnest".to_owned(),
            max_connections: 1_000,
            max_connections_per_client: 250,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            event_streams: StreamLimits::default(),
            mail: MailSettings::default(),
            delivery: DeliveryPolicy::default(),
            secure_cookies: false,
            demo: false,
        }
    }
}
