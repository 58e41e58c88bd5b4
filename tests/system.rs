//! The suites that need more than Rust, in one test binary with a harness that can tell at run
//! time whether a test can run here: the partner flow in Chromium (`browser`), several server
//! processes on one PostgreSQL database (`scale`), rate limits shared through Redis
//! (`shared_limits`), database faults (`faults`) and SIGKILL of a
//! release build (`crash`). A test whose need is missing is reported as ignored with the reason
//! (and counted in the lines after the summary), never as passed; under CI (`CI` set) it fails.
//! `cargo test --test system -- --ignored crash::` runs what is ignored by default.

mod support;

mod browser;
mod crash;
mod faults;
mod scale;
mod shared_limits;

use std::process::ExitCode;

fn main() -> ExitCode {
    let tests = [browser::tests(), crash::tests(), faults::tests(), scale::tests(), shared_limits::tests()]
        .into_iter()
        .flatten()
        .collect();
    support::needs::run(tests)
}
