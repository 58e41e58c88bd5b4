//! Database faults made on purpose, against a real server through real HTTP: while they last
//! every answer is honest (503 with its cause, never 500), and once they pass nothing was lost
//! and nothing fails. SQLite's full disk here; PostgreSQL's outages in `postgres.rs`.

#[path = "../support/mod.rs"]
mod support;
// The pages' browser-like client; this suite uses part of it.
#[allow(dead_code)]
#[path = "../ui/web.rs"]
mod web;

mod disk_full;
mod fail_fast;
mod postgres;

/// `name`'s value in the Prometheus text `metrics`, 0 when absent.
pub fn metric(metrics: &str, name: &str) -> f64 {
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}
