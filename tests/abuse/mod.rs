//! No client can stall or bloat the server: floods, slow or numerous connections, spoofed
//! addresses, odd bodies and headers, each against a real server on a fresh database through
//! real HTTP (or raw TCP where HTTP clients are too polite). One module per kind of abuse.

mod bounded_cost;
mod client_identity;
mod client_shares;
mod connection_cap;
mod control_characters;
mod early_refusals;
mod event_streams;
mod form_utf8;
mod forwarded_host;
mod metric_series;
mod metrics_flood;
mod metrics_listener;
mod read_rate_limit;
mod request_ids;
mod shared_rate_limit;
mod slow_clients;
mod slow_statements;
mod utf8_bodies;
