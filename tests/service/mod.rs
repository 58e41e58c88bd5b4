//! The rules of the product at the service level, without HTTP: each use case driven directly on
//! a fresh database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set) with a clock the test
//! moves, where going through the API would add nothing but noise. The contract of the API (its
//! statuses, codes and bodies) is `tests/api`'s.

mod requests;
mod time;

use crate::support::TestDb;
use dealnest::config::Settings;
use dealnest::domain::{Clock, Email, PartnerRequest, RuleError, Timestamp, UserId, UserName};
use dealnest::service::{Service, ServiceOptions};
use dealnest::store::StoreError;

/// The use cases on a fresh database, with a clock standing still until the test moves it.
pub struct Fixture {
    pub service: Service,
    pub clock: Clock,
    _db: TestDb,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// With the rules' settings (quotas, lifecycle) adjusted by `configure`.
    pub async fn with(configure: impl FnOnce(&mut ServiceOptions)) -> Self {
        let db = TestDb::new().await;
        let clock = Clock::fixed(Timestamp::from_millis(1_800_000_000_000));
        let settings = Settings::for_database(db.url.clone());
        let mut rules = ServiceOptions { clock: clock.clone(), ..settings.service };
        configure(&mut rules);
        let service = dealnest::open_service(&settings.database, &rules).await.expect("the service opens");
        Self { service, clock, _db: db }
    }

    /// A new user named `name`.
    pub async fn user(&self, name: &str) -> UserId {
        let email = Email::parse(&format!("{}@example.com", name.to_lowercase())).unwrap();
        self.service.accounts().create(&email, &UserName::parse(name).unwrap()).await.unwrap().id
    }

    /// `from` asks `to`; the request must be created.
    pub async fn ask(&self, from: UserId, to: UserId) -> PartnerRequest {
        self.service.requests().send(from, to, None).await.expect("sent")
    }

    /// Moves the clock to `at`.
    pub fn set_clock(&self, at: Timestamp) {
        self.clock.advance_millis(at.millis() - self.clock.now().millis());
    }
}

/// The broken rule of a use case that must have failed on one.
#[track_caller]
pub fn rule<T: std::fmt::Debug>(result: Result<T, StoreError>) -> RuleError {
    match result {
        Err(StoreError::Rule(rule)) => rule,
        other => panic!("expected a broken rule, got {other:?}"),
    }
}
