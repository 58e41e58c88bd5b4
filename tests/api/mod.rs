//! The JSON API v1 through HTTP against a real server and database, one test per rule and error
//! code of the contract.

mod auth;
mod authorization;
mod bad_input;
mod blocks;
mod bulk;
mod cli;
mod concurrency;
mod cooldown;
mod fuzz;
mod lifecycle;
mod limits;
mod network;
mod notifications;
mod operations;
mod partnerships;
mod properties;
mod requests;
mod settings;
mod shutdown;
mod upgrade;
mod users;
