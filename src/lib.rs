//! DealNest Partners: users ask each other to become partners; the other accepts or rejects.
//!
//! `domain` holds the types and rules, `store` the SQL, `service` the use cases (every write and
//! every read the interfaces show), `web` the HTTP interfaces (JSON API and pages), `notify` the
//! delivery of notifications, `seed` the demo cast and the benchmark's data. [`Server`] wires them
//! together; `main.rs` only parses the command line.

pub mod auth;
pub mod cache;
pub mod config;
pub mod domain;
pub mod notify;
pub mod seed;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

use tower_sessions::ExpiredDeletion;

use crate::auth::TokenKeys;
use crate::config::Settings;
use crate::service::{Service, ServiceOptions};
use crate::store::{DatabaseOptions, SessionStore};
use crate::web::AppState;

/// How often requests past their time are marked expired and recipients reminded (each read
/// already treats such a request as expired; the sweep makes the rows say so).
const LIFECYCLE_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// After a failed sweep (the database away), the first wait and the longest.
const SWEEP_FIRST_RETRY: std::time::Duration = std::time::Duration::from_secs(1);
const SWEEP_LAST_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// How often expired browser sessions are deleted.
const SESSION_CLEANUP_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Opens the database named by the settings, brings its schema up to date, and sets the use
/// cases over it.
pub async fn open_service(settings: &config::DatabaseSettings, rules: &ServiceOptions) -> anyhow::Result<Service> {
    let mut options = DatabaseOptions::new(settings.url.clone());
    if let Some(max) = settings.max_connections {
        options.max_connections = max;
    }
    options.acquire_timeout = settings.acquire_timeout;
    options.statement_timeout = settings.statement_timeout;
    let db = store::open(&options).await.with_context(|| format!("cannot open the database {:?}", settings.url))?;
    db.migrate().await.context("cannot apply the database migrations")?;
    Ok(Service::new(db, rules))
}

/// Below this many bytes an HS256 secret is weak enough to warn about.
const MIN_SECRET_LEN: usize = 32;

/// How long a graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Connections the metrics listener serves at once: a scraper or two.
const METRICS_CONNECTIONS: usize = 16;

/// A running server: its address, and the means to stop it gracefully.
pub struct Server {
    addr: SocketAddr,
    /// Where `/metrics` is served apart, if it is.
    metrics_addr: Option<SocketAddr>,
    metrics_http: Option<JoinHandle<std::io::Result<()>>>,
    service: Service,
    shutdown: CancellationToken,
    http: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
    /// Relays live events between instances (PostgreSQL only).
    relay: JoinHandle<()>,
    session_cleanup: JoinHandle<()>,
    metrics_upkeep: JoinHandle<()>,
    lifecycle_sweep: JoinHandle<()>,
}

impl Server {
    /// Opens the service, starts the delivery worker and serves on `settings.bind`.
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {} (DEALNEST_BIND)", settings.bind))?;
        Self::start_on(settings, listener).await
    }

    /// Like [`Server::start`] on a listener the caller bound (tests bind port 0).
    pub async fn start_on(settings: Settings, listener: TcpListener) -> anyhow::Result<Self> {
        let metrics_listener = match settings.metrics_bind {
            Some(bind) => Some(
                TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("cannot listen on {bind} (DEALNEST_METRICS_BIND)"))?,
            ),
            None => None,
        };
        let service = open_service(&settings.database, &settings.service).await?;
        if settings.demo {
            match seed::demo::seed(&service).await.context("cannot seed the demo data")? {
                true => tracing::info!("demo: seeded an empty database with Alice, Bob, Carol and friends"),
                false => tracing::info!("demo: the database already has users; left as it is"),
            }
        }
        let sessions: SessionStore = service.accounts().sessions();
        let secret = match &settings.jwt_secret {
            Some(secret) => {
                if secret.len() < MIN_SECRET_LEN {
                    tracing::warn!(
                        "DEALNEST_JWT_SECRET is shorter than {MIN_SECRET_LEN} bytes: tokens are easier to forge"
                    );
                }
                secret.as_bytes().to_vec()
            }
            None => {
                tracing::warn!(
                    "DEALNEST_JWT_SECRET is not set: using a random secret, so tokens end with this process"
                );
                rand::random::<[u8; 32]>().to_vec()
            }
        };
        let tokens = Arc::new(TokenKeys::new(&secret));
        let public_url = match &settings.mail.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let links = notify::MailLinks::new(&public_url, tokens.clone());
        let mut limits = web::limits::ClientLimits::new(
            settings.rate_limit,
            settings.read_rate_limit,
            settings.trusted_proxies.clone(),
        );
        if let Some(url) = &settings.redis_url {
            let shared = web::shared_limits::SharedLimits::new(url, &settings.redis_prefix)
                .map_err(|e| anyhow::anyhow!("DEALNEST_REDIS_URL: {e}"))?;
            limits = limits.shared_by_instances(shared);
            tracing::info!(prefix = settings.redis_prefix, "rate limits are counted in Redis, for every instance");
        }
        let state = AppState::new(web::Shared {
            service: service.clone(),
            tokens,
            metrics: telemetry::metrics_handle(),
            limits,
            streams: web::events::StreamSlots::new(settings.event_streams),
            sessions: sessions.clone(),
            https: settings.secure_cookies,
            metrics_apart: metrics_listener.is_some(),
            passkeys: web::passkeys::Passkeys::for_public_url(&public_url),
        });
        let sink = notify::Sink::from_settings(&settings.mail).map_err(anyhow::Error::msg)?;
        tracing::info!(
            sink = %sink.describe(),
            max_attempts = settings.delivery.max_attempts,
            %public_url,
            digest_hour = settings.delivery.digest_hour,
            per_recipient_hour = settings.delivery.per_recipient_hour,
            "delivering notifications"
        );
        let shutdown = CancellationToken::new();
        let session_cleanup = spawn_session_cleanup(sessions, shutdown.clone());
        let lifecycle_sweep = spawn_lifecycle_sweep(service.clone(), shutdown.clone());
        let metrics_upkeep = telemetry::spawn_metrics_upkeep(state.metrics.clone(), shutdown.clone());
        let worker = notify::spawn_worker(service.clone(), sink, links, settings.delivery.clone(), shutdown.clone());
        let relay = {
            let (service, shutdown) = (service.clone(), shutdown.clone());
            tokio::spawn(async move { service.relay_events(shutdown).await })
        };

        let limits = web::connections::ConnectionLimits {
            max_connections: settings.max_connections,
            per_client: settings.max_connections_per_client,
            header_timeout: settings.header_timeout,
            body_timeout: settings.body_timeout,
            trusted_proxies: settings.trusted_proxies.clone(),
        };
        let (metrics_addr, metrics_http) = match metrics_listener {
            Some(listener) => {
                let addr = listener.local_addr()?;
                let limits = web::connections::ConnectionLimits {
                    max_connections: METRICS_CONNECTIONS,
                    per_client: METRICS_CONNECTIONS,
                    trusted_proxies: web::client::TrustedProxies::default(),
                    ..limits.clone()
                };
                let app = web::operations::metrics_app(state.clone());
                let served = web::connections::serve(listener, app, limits, shutdown.clone(), || {});
                tracing::info!(%addr, "serving /metrics apart");
                (Some(addr), Some(tokio::spawn(served)))
            }
            None => (None, None),
        };
        // Trailing slashes are trimmed before routing, so `/users/` is `/users`.
        let app = NormalizePathLayer::trim_trailing_slash().layer(web::app(state));
        let addr = listener.local_addr()?;
        let stop = shutdown.clone();
        let events = service.events().clone();
        // Event streams never end by themselves; graceful shutdown waits for every connection,
        // so they are closed first.
        let http = tokio::spawn(web::connections::serve(listener, app, limits, stop, move || events.close()));
        tracing::info!(%addr, database = service.health().backend().name(), "serving");
        Ok(Self {
            addr,
            metrics_addr,
            metrics_http,
            service,
            shutdown,
            http,
            worker,
            relay,
            session_cleanup,
            metrics_upkeep,
            lifecycle_sweep,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served apart from the site (`DEALNEST_METRICS_BIND`), if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The use cases this server serves (tests drive them directly).
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Stops accepting connections, lets requests in flight and the delivery in hand finish,
    /// then closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.wait().await
    }

    /// Waits until the server has stopped (after [`Server::shutdown_token`] was cancelled).
    /// Requests still running [`SHUTDOWN_GRACE`] after shutdown began are cut off.
    pub async fn wait(self) -> anyhow::Result<()> {
        let Self {
            service,
            shutdown,
            mut http,
            metrics_http,
            worker,
            relay,
            session_cleanup,
            metrics_upkeep,
            lifecycle_sweep,
            ..
        } = self;
        let deadline = async {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let served = tokio::select! {
            served = &mut http => served.context("the HTTP task failed")?,
            () = deadline => {
                tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
                http.abort();
                Ok(())
            }
        };
        if let Some(metrics_http) = metrics_http {
            metrics_http.abort();
            let _ = metrics_http.await;
        }
        let _ = worker.await;
        let _ = relay.await;
        let _ = session_cleanup.await;
        let _ = metrics_upkeep.await;
        let _ = lifecycle_sweep.await;
        service.close().await;
        served.context("the HTTP server failed")
    }

    /// Cancelling this token starts a graceful shutdown.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// Deletes expired sessions every [`SESSION_CLEANUP_EVERY`] until shutdown. A failed round (the
/// database briefly away) is logged and the next one tried, rather than ending the task.
fn spawn_session_cleanup(sessions: SessionStore, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(SESSION_CLEANUP_EVERY) => {}
            }
            if let Err(error) = sessions.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions; trying again later");
            }
        }
    })
}

/// Sweeps the request lifecycle (see `service/lifecycle.rs`) at start and every
/// [`LIFECYCLE_SWEEP_EVERY`] until shutdown; through an outage each retry waits twice as long as
/// the last, up to [`SWEEP_LAST_RETRY`].
fn spawn_lifecycle_sweep(service: Service, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut wait = std::time::Duration::ZERO;
        let mut retry = SWEEP_FIRST_RETRY;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            let started = std::time::Instant::now();
            match service.lifecycle().sweep().await {
                Ok(done) => {
                    if done.expired > 0 || done.reminded > 0 {
                        let took_ms = started.elapsed().as_millis() as u64;
                        tracing::info!(
                            expired = done.expired,
                            reminded = done.reminded,
                            took_ms,
                            "request lifecycle swept"
                        );
                    }
                    (wait, retry) = (LIFECYCLE_SWEEP_EVERY, SWEEP_FIRST_RETRY);
                }
                Err(error) => {
                    if error.unavailable().is_some() {
                        tracing::debug!(%error, "could not sweep the request lifecycle; trying again");
                    } else {
                        tracing::warn!(%error, "could not sweep the request lifecycle; trying again");
                    }
                    wait = retry;
                    retry = (retry * 2).min(SWEEP_LAST_RETRY);
                }
            }
        }
    })
}
