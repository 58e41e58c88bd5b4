//! SQLite's one writer connection, on a thread of its own, with group commit.
//!
//! Every store transaction reaches the thread as a [`Job`]. The thread runs each job inside a
//! savepoint of one SQLite transaction that stays open while jobs keep arriving, and commits when
//! none is waiting: one commit for a whole queue of transactions. Committing writes every page a
//! transaction touched to the write-ahead log, and consecutive transactions touch many of the same
//! pages (the tables' last leaves, the outbox index), so one commit for a queue writes far less
//! than one each. A job hears how it went only after that commit, so an acknowledged write
//! survives a crash; a job that fails (or panics) rolls back to its savepoint and leaves the
//! others in the group alone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{DatabaseError, Unavailable};
use super::sqlite_conn::{SqliteConn, is_autocommit, run as execute};

/// Transactions in one group at most, so a steady stream of writes still commits regularly.
const MAX_GROUP: usize = 512;

/// One store transaction for the writer.
pub(in crate::store) trait Job: Send {
    /// Runs the transaction's statements (inside its savepoint). `Err` when it failed and must be
    /// rolled back, with what the failure means for the others if it took the group with it.
    fn run(&mut self, conn: &SqliteConn) -> Result<(), Option<Unavailable>>;

    /// Tells the caller how it went: `Ok` once its group committed (or, for a job that failed,
    /// once it was rolled back), else why its changes were not kept.
    fn answer(self: Box<Self>, outcome: Result<(), DatabaseError>);
}

/// Groups committed and the transactions they held.
#[derive(Debug, Default)]
pub(in crate::store) struct GroupStats {
    pub groups: AtomicU64,
    pub transactions: AtomicU64,
}

/// Why a whole group failed; every transaction in it is told.
#[derive(Debug, Clone)]
struct GroupFailure {
    message: String,
    unavailable: Option<Unavailable>,
}

impl GroupFailure {
    fn new(what: &str, error: &DatabaseError) -> Self {
        Self { message: format!("{what}: {error}"), unavailable: error.unavailable() }
    }

    fn error(&self) -> DatabaseError {
        DatabaseError::Commit { message: self.message.clone(), unavailable: self.unavailable }
    }
}

/// The writer thread's loop: until every sender is gone, take the next job, then every job that
/// is waiting, and commit them together.
pub(super) fn run(conn: &SqliteConn, jobs: &crossbeam_channel::Receiver<Box<dyn Job>>, stats: &GroupStats) {
    while let Ok(first) = jobs.recv() {
        if let Err(error) = execute(conn, "BEGIN IMMEDIATE") {
            first.answer(Err(error));
            continue;
        }
        let mut group: Vec<Box<dyn Job>> = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            if let Err(failure) = run_one(conn, job, &mut group) {
                // SQLite rolled the whole transaction back: nothing of the group was kept.
                for job in group.drain(..) {
                    job.answer(Err(failure.error()));
                }
                break;
            }
            if group.len() >= MAX_GROUP {
                break;
            }
            next = jobs.try_recv().ok();
        }
        if group.is_empty() {
            if !is_autocommit(conn) {
                let _ = execute(conn, "ROLLBACK");
            }
            continue;
        }
        let committed = execute(conn, "COMMIT").map_err(|error| {
            let failure = GroupFailure::new("commit", &error);
            if !is_autocommit(conn) {
                let _ = execute(conn, "ROLLBACK");
            }
            failure
        });
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats.transactions.fetch_add(group.len() as u64, Ordering::Relaxed);
        for job in group {
            job.answer(committed.as_ref().map(|_| ()).map_err(GroupFailure::error));
        }
    }
}

/// Runs `job` in a savepoint. A job that succeeds joins `group`; one that fails is rolled back
/// and answered at once. `Err` when the failure took the whole transaction with it (some errors,
/// such as a full disk, make SQLite roll back everything).
fn run_one(conn: &SqliteConn, mut job: Box<dyn Job>, group: &mut Vec<Box<dyn Job>>) -> Result<(), GroupFailure> {
    if let Err(error) = execute(conn, "SAVEPOINT store_tx") {
        let failure = GroupFailure::new("savepoint", &error);
        job.answer(Err(error));
        return if is_autocommit(conn) { Err(failure) } else { Ok(()) };
    }
    let ran = catch_unwind(AssertUnwindSafe(|| job.run(conn))).unwrap_or(Err(None));
    if ran.is_ok() {
        match execute(conn, "RELEASE store_tx") {
            Ok(()) => {
                group.push(job);
                return Ok(());
            }
            Err(error) => {
                let failure = GroupFailure::new("release", &error);
                let _ = execute(conn, "ROLLBACK TO store_tx");
                job.answer(Err(error));
                return if is_autocommit(conn) { Err(failure) } else { Ok(()) };
            }
        }
    }
    if is_autocommit(conn) {
        let failure = GroupFailure {
            message: "a failed statement rolled back the whole write transaction".into(),
            unavailable: ran.err().flatten(),
        };
        job.answer(Ok(()));
        return Err(failure);
    }
    let rolled_back = execute(conn, "ROLLBACK TO store_tx").and_then(|()| execute(conn, "RELEASE store_tx"));
    job.answer(Ok(()));
    match rolled_back {
        Ok(()) => Ok(()),
        Err(error) => {
            let failure = GroupFailure::new("rollback", &error);
            if !is_autocommit(conn) {
                let _ = execute(conn, "ROLLBACK");
            }
            Err(failure)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A transaction that inserts `value` into `t`, once `gate` (if any) lets it, then succeeds,
    /// fails or panics as told, and reports how it was answered.
    struct Insert {
        value: i64,
        then: Then,
        gate: Option<mpsc::Receiver<()>>,
        answered: mpsc::Sender<(i64, Result<(), String>)>,
    }

    #[derive(Clone, Copy)]
    enum Then {
        Succeed,
        Fail,
        Panic,
    }

    impl Job for Insert {
        fn run(&mut self, conn: &SqliteConn) -> Result<(), Option<Unavailable>> {
            if let Some(gate) = &self.gate {
                gate.recv().unwrap();
            }
            execute(conn, &format!("insert into t (v) values ({})", self.value)).unwrap();
            match self.then {
                Then::Succeed => Ok(()),
                Then::Fail => Err(None),
                Then::Panic => panic!("a bug inside a transaction"),
            }
        }

        fn answer(self: Box<Self>, outcome: Result<(), DatabaseError>) {
            let _ = self.answered.send((self.value, outcome.map_err(|e| e.to_string())));
        }
    }

    struct Writer {
        jobs: crossbeam_channel::Sender<Box<dyn Job>>,
        answers: mpsc::Receiver<(i64, Result<(), String>)>,
        answered: mpsc::Sender<(i64, Result<(), String>)>,
        stats: Arc<GroupStats>,
        path: std::path::PathBuf,
        _dir: tempfile::TempDir,
    }

    impl Writer {
        fn start() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("group.db");
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("pragma journal_mode = wal; create table t (v integer)").unwrap();
            let conn = Mutex::new(conn);
            let (jobs, queue) = crossbeam_channel::unbounded::<Box<dyn Job>>();
            let stats = Arc::new(GroupStats::default());
            let counted = stats.clone();
            std::thread::spawn(move || run(&conn, &queue, &counted));
            let (answered, answers) = mpsc::channel();
            Self { jobs, answers, answered, stats, path, _dir: dir }
        }

        /// Queues an insert; with `gated`, it waits inside its transaction until the returned
        /// sender says go.
        fn insert(&self, value: i64, then: Then, gated: bool) -> Option<mpsc::Sender<()>> {
            let (go, gate) = mpsc::channel();
            let job = Insert { value, then, gate: gated.then_some(gate), answered: self.answered.clone() };
            self.jobs.send(Box::new(job)).unwrap();
            gated.then_some(go)
        }

        fn answers(&self, count: usize) -> Vec<(i64, Result<(), String>)> {
            let mut answers: Vec<_> = (0..count).map(|_| self.answers.recv().unwrap()).collect();
            answers.sort_by_key(|(value, _)| *value);
            answers
        }

        fn rows(&self) -> Vec<i64> {
            let conn = rusqlite::Connection::open(&self.path).unwrap();
            let mut statement = conn.prepare("select v from t order by v").unwrap();
            statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
        }

        fn groups(&self) -> (u64, u64) {
            (self.stats.groups.load(Ordering::Relaxed), self.stats.transactions.load(Ordering::Relaxed))
        }
    }

    #[test]
    fn transactions_queued_while_one_runs_commit_with_it_as_one_group() {
        let writer = Writer::start();
        let go = writer.insert(1, Then::Succeed, true).unwrap();
        writer.insert(2, Then::Succeed, false);
        writer.insert(3, Then::Succeed, false);
        go.send(()).unwrap();
        assert!(writer.answers(3).iter().all(|(_, outcome)| outcome.is_ok()));
        assert_eq!(writer.groups(), (1, 3));
        assert_eq!(writer.rows(), [1, 2, 3]);
    }

    #[test]
    fn a_failing_transaction_rolls_back_only_itself() {
        let writer = Writer::start();
        let go = writer.insert(1, Then::Succeed, true).unwrap();
        writer.insert(2, Then::Fail, false);
        writer.insert(3, Then::Succeed, false);
        go.send(()).unwrap();
        writer.answers(3);
        assert_eq!(writer.rows(), [1, 3]);
        assert_eq!(writer.groups(), (1, 2), "the failed one is not counted in the group");
    }

    #[test]
    fn a_panicking_transaction_rolls_back_only_itself_and_the_writer_carries_on() {
        let writer = Writer::start();
        let go = writer.insert(1, Then::Succeed, true).unwrap();
        writer.insert(2, Then::Panic, false);
        writer.insert(3, Then::Succeed, false);
        go.send(()).unwrap();
        // Every one is answered; the panicking one as rolled back, having kept no result.
        let answers = writer.answers(3);
        assert_eq!(answers.iter().map(|(value, _)| *value).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(writer.rows(), [1, 3]);
        writer.insert(4, Then::Succeed, false);
        assert_eq!(writer.answers(1)[0], (4, Ok(())));
        assert_eq!(writer.rows(), [1, 3, 4]);
    }

    #[test]
    fn an_answer_comes_only_after_the_commit() {
        let writer = Writer::start();
        writer.insert(7, Then::Succeed, false);
        let (value, outcome) = writer.answers(1).remove(0);
        assert_eq!((value, outcome), (7, Ok(())));
        // Another connection sees it at once: it was committed before the answer.
        assert_eq!(writer.rows(), [7]);
    }
}
