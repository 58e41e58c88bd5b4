//! One SQLite connection as the store's threads hold it: its lock, the deadline of the statement
//! running on it, and the few statements the runtime and the group commit run without parameters.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::error::DbResult;

/// A SQLite connection as its thread keeps it. Only that thread ever locks it; the lock makes a
/// store call's future `Send` (the same future runs on PostgreSQL, inside async handlers), and is
/// taken for one statement at a time, never across an `.await`.
pub(crate) type SqliteConn = std::sync::Mutex<rusqlite::Connection>;

/// The connection of `conn`; a job that panicked while holding it left nothing half-done that the
/// next statement could see, so a poisoned lock is taken as it is.
pub(super) fn lock(conn: &SqliteConn) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
    conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

thread_local! {
    /// How long one statement may run on this thread (set when the thread starts).
    static STATEMENT_TIMEOUT: Cell<Option<Duration>> = const { Cell::new(None) };
    /// When the statement running on this thread must stop.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The deadline of the statement about to run on this thread, cleared when dropped (so a later
/// statement without one, such as a group's `COMMIT`, is never interrupted).
pub(super) struct StatementDeadline;

impl StatementDeadline {
    pub fn arm() -> Self {
        let deadline = STATEMENT_TIMEOUT.get().map(|timeout| Instant::now() + timeout);
        DEADLINE.set(deadline);
        Self
    }
}

impl Drop for StatementDeadline {
    fn drop(&mut self) {
        DEADLINE.set(None);
    }
}

/// Sets how long each statement may run on this thread (once, when the thread starts).
pub(super) fn set_statement_timeout(timeout: Option<Duration>) {
    STATEMENT_TIMEOUT.set(timeout);
}

/// Whether the statement running on this thread is past its deadline (SQLite's progress handler).
pub(super) fn deadline_passed() -> bool {
    DEADLINE.get().is_some_and(|at| Instant::now() >= at)
}

/// Runs a statement without parameters (from the statement cache).
pub(super) fn run(conn: &SqliteConn, sql: &str) -> DbResult<()> {
    lock(conn).prepare_cached(sql)?.raw_execute()?;
    Ok(())
}

/// Whether `conn` is outside any transaction.
pub(super) fn is_autocommit(conn: &SqliteConn) -> bool {
    lock(conn).is_autocommit()
}
