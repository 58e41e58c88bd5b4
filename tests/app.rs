//! The suites that need nothing but Rust, in one test binary (one build of `support`, one link):
//! the JSON API, the pages, abuse, notifications, the use cases and the store, each a module named after its
//! folder, e.g. `cargo test --test app api::`. Run on SQLite, or on PostgreSQL when
//! `TEST_DATABASE_URL` names a server.

mod support;

mod abuse;
mod api;
mod notify;
mod service;
mod store;
mod ui;
