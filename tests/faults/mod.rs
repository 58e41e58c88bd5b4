//! Database faults made on purpose, against a real server through real HTTP: while they last
//! every answer is honest (503 with its cause, never 500), and once they pass nothing was lost
//! and nothing fails. SQLite's full disk here; PostgreSQL's outages in `postgres.rs`.

mod disk_full;
mod fail_fast;
mod postgres;

use crate::support::needs::{Need, Test};
use crate::trial;

/// SQLite's full disk runs in every pass; the PostgreSQL faults need PostgreSQL.
pub fn tests() -> Vec<Test> {
    vec![
        trial!(disk_full::a_full_disk_refuses_writes_keeps_reads_and_loses_nothing),
        trial!(postgres::while_the_database_refuses_connections_requests_are_503_and_none_fails_after)
            .needs(Need::Postgres),
        trial!(postgres::connections_killed_under_load_cost_no_request_and_lose_no_write)
            .needs(Need::Postgres)
            .worker_threads(2),
        trial!(postgres::a_relay_cut_off_connects_again_tells_streams_to_resync_and_relays_again).needs(Need::Postgres),
        trial!(fail_fast::while_the_database_is_out_of_reach_requests_are_refused_at_once_and_a_probe_finds_it_again)
            .needs(Need::Postgres)
            .worker_threads(2),
        trial!(postgres::after_a_restart_of_the_server_no_request_fails)
            .needs(Need::Postgres)
            .ignored("restarts the PostgreSQL server every other test uses; .ci/run runs it alone"),
    ]
}

/// `name`'s value in the Prometheus text `metrics`, 0 when absent.
pub fn metric(metrics: &str, name: &str) -> f64 {
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}
