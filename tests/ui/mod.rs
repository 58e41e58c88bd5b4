//! The browser UI over HTTP, as a browser would use it (with and without htmx), checked by
//! status, `Location`, headers and the HTML by CSS selector. One test per rule of the UI contract
//! (`shared/ui-contract.md`), named after the rule.

mod actions;
mod authorization;
mod dashboard;
mod demo;
mod lifecycle;
mod limits;
mod network;
mod passkeys;
mod safety;
mod signin;
