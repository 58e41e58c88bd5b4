//! SQLite's runtime: every statement runs on a thread of the store's own, never on the async
//! runtime's workers, so a slow statement takes at most one of these threads and never delays
//! other requests, event streams or background work.
//!
//! Reads go to a small pool of threads, each owning one read-only connection; a store call is one
//! job, handed over once. Writes go to the one writer thread (see `group_commit.rs`).
//!
//! Most reads (a page of a list, a user, a count kept by triggers) cost microseconds; searches
//! may look at thousands of rows. Each kind has threads of its own: half the readers take quick
//! reads, queued in one line so the threads take them one after another without waiting for the
//! async runtime in between; the other half take searches, at a lower scheduling priority, so a
//! search uses a core only while nothing else needs it. A quick read never waits for a search.
//! Permits, taken before a job is handed over, bound how many jobs of each kind may wait; a
//! caller that cannot get one within the acquire timeout is told the database is busy.
//!
//! Every statement runs under a deadline (`DEALNEST_DB_STATEMENT_TIMEOUT`): SQLite calls a
//! progress handler every few thousand virtual-machine steps, and the handler interrupts the
//! statement once the deadline has passed. The interrupted statement fails with
//! `SQLITE_INTERRUPT` and leaves the connection clean for the next job.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::OpenFlags;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{DatabaseError, DbResult};
use super::group_commit::{self, GroupStats, Job};
use super::sqlite_conn::{SqliteConn, deadline_passed, lock, set_statement_timeout};

/// Durability choice: WAL with synchronous=NORMAL survives a crash of the process (a SIGKILL
/// included), because committed pages are in the OS's cache; only a power loss can drop the
/// last commits. FULL would add an fsync to every commit.
const PRAGMAS: &str =
    "pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; pragma cache_size = -512;";

/// How long a connection waits for SQLite's write lock (held by another process, or by a
/// checkpoint) before giving up with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: every query text the store runs, with room.
const STATEMENT_CACHE: usize = 128;

/// Virtual-machine steps between two looks at the deadline (a look costs one clock read).
const STEPS_BETWEEN_CHECKS: i32 = 1_000;

/// Write transactions that may wait for the writer at once.
const WRITE_QUEUE: usize = 256;

/// Quick reads that may wait for a reader at once.
const READ_QUEUE: usize = 512;

/// Searches that may wait for a searching thread at once, per such thread.
const SEARCHES_PER_THREAD: usize = 2;

/// The nice value of the threads that run searches: under contention for the CPU they get a
/// tenth of a normal thread's share.
const SEARCH_NICE: i32 = 10;

/// Which reads a job belongs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store) enum ReadLane {
    /// Bounded by an index to a handful of rows.
    Quick,
    /// May look at thousands of rows (a user search).
    Search,
}

/// A read job: given a reader connection, on a reader thread.
type ReadJob = Box<dyn FnOnce(&SqliteConn) + Send>;

/// A SQLite database file: reader threads and the writer thread.
pub(in crate::store) struct Sqlite {
    path: PathBuf,
    readers: usize,
    reads: Lane<ReadJob>,
    searches: Lane<ReadJob>,
    writer: Lane<Box<dyn Job>>,
    acquire_timeout: Duration,
    threads: Mutex<Vec<JoinHandle<()>>>,
    groups: Arc<GroupStats>,
}

/// Where jobs of one kind are sent, and the permits that bound how many may be waiting.
struct Lane<J> {
    /// `None` once the store is closed.
    sender: RwLock<Option<crossbeam_channel::Sender<J>>>,
    permits: Arc<Semaphore>,
    size: usize,
}

impl<J> Lane<J> {
    fn new(sender: crossbeam_channel::Sender<J>, size: usize) -> Self {
        Self { sender: RwLock::new(Some(sender)), permits: Arc::new(Semaphore::new(size)), size }
    }

    /// Waits (up to `timeout`) for a permit, then hands over the job `make` builds with it; the
    /// job holds the permit until it is done.
    async fn submit(&self, timeout: Duration, make: impl FnOnce(OwnedSemaphorePermit) -> J) -> DbResult<()> {
        let permit = acquire(&self.permits, timeout).await?;
        let sender = self.sender.read().map_err(|_| DatabaseError::Closed)?;
        let sender = sender.as_ref().ok_or(DatabaseError::Closed)?;
        sender.send(make(permit)).map_err(|_| DatabaseError::Closed)
    }

    fn in_use(&self) -> u32 {
        (self.size - self.permits.available_permits()) as u32
    }

    fn close(&self) {
        self.permits.close();
        if let Ok(mut sender) = self.sender.write() {
            sender.take();
        }
    }
}

/// How the SQLite runtime is set up.
#[derive(Debug, Clone, Copy)]
pub(in crate::store) struct SqliteOptions {
    pub readers: usize,
    pub acquire_timeout: Duration,
    pub statement_timeout: Option<Duration>,
}

impl Sqlite {
    /// Opens (creating if needed) the database file, its writer and `options.readers` readers,
    /// each connection on a thread of its own.
    pub fn open(path: &Path, options: SqliteOptions) -> DbResult<Self> {
        let writer_conn = rusqlite::Connection::open(path)?;
        setup(&writer_conn)?;
        let writer_conn = SqliteConn::new(writer_conn);
        let mut threads = Vec::new();
        let groups = Arc::new(GroupStats::default());
        let (write_jobs, writes) = crossbeam_channel::unbounded();
        let stats = groups.clone();
        threads.push(spawn("sqlite-writer", options.statement_timeout, move || {
            group_commit::run(&writer_conn, &writes, &stats);
        })?);
        let readers = options.readers.max(2);
        let searchers = readers / 2;
        let (read_jobs, reads) = crossbeam_channel::unbounded::<ReadJob>();
        let (search_jobs, searches) = crossbeam_channel::unbounded::<ReadJob>();
        for i in 0..readers {
            let conn = SqliteConn::new(open_reader(path)?);
            let (jobs, nice, name) = match i < searchers {
                true => (searches.clone(), SEARCH_NICE, format!("sqlite-search-{i}")),
                false => (reads.clone(), 0, format!("sqlite-reader-{i}")),
            };
            threads.push(spawn(&name, options.statement_timeout, move || {
                lower_priority(nice);
                for job in jobs {
                    // A job that panicked has dropped its answer (its caller hears of it); the
                    // thread and its connection carry on.
                    let _ = catch_unwind(AssertUnwindSafe(|| job(&conn)));
                    let conn = lock(&conn);
                    if !conn.is_autocommit() {
                        let _ = conn.execute_batch("rollback");
                    }
                }
            })?);
        }
        Ok(Self {
            path: path.to_owned(),
            readers,
            reads: Lane::new(read_jobs, READ_QUEUE),
            searches: Lane::new(search_jobs, searchers * SEARCHES_PER_THREAD),
            writer: Lane::new(write_jobs, WRITE_QUEUE),
            acquire_timeout: options.acquire_timeout,
            threads: Mutex::new(threads),
            groups,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `job` on a reader thread of `lane`.
    pub async fn read(&self, lane: ReadLane, job: impl FnOnce(&SqliteConn) + Send + 'static) -> DbResult<()> {
        let lane = match lane {
            ReadLane::Quick => &self.reads,
            ReadLane::Search => &self.searches,
        };
        lane.submit(self.acquire_timeout, |permit| {
            Box::new(move |conn: &SqliteConn| {
                job(conn);
                drop(permit);
            })
        })
        .await
    }

    /// Queues `job` for the writer thread.
    pub async fn write(&self, job: impl FnOnce(OwnedSemaphorePermit) -> Box<dyn Job>) -> DbResult<()> {
        self.writer.submit(self.acquire_timeout, job).await
    }

    /// (in use, idle) of the writer and of the readers, for the metrics.
    pub fn usage(&self) -> [(u32, u32); 2] {
        let writing = u32::from(self.writer.in_use() > 0);
        let reading = (self.reads.in_use() + self.searches.in_use()).min(self.readers as u32);
        [(writing, 1 - writing), (reading, self.readers as u32 - reading)]
    }

    /// Write groups committed and transactions in them, since start.
    pub fn groups(&self) -> &GroupStats {
        &self.groups
    }

    /// Refuses further work, lets the threads finish the jobs they hold, and waits for them.
    pub async fn close(&self) {
        self.reads.close();
        self.searches.close();
        self.writer.close();
        let threads = self.threads.lock().map(|mut threads| std::mem::take(&mut *threads)).unwrap_or_default();
        let _ = tokio::task::spawn_blocking(move || {
            for thread in threads {
                let _ = thread.join();
            }
        })
        .await;
    }
}

/// A permit of `permits`, waiting up to `timeout`.
async fn acquire(permits: &Arc<Semaphore>, timeout: Duration) -> DbResult<OwnedSemaphorePermit> {
    match tokio::time::timeout(timeout, permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(DatabaseError::Closed),
        Err(_) => Err(DatabaseError::Busy(timeout)),
    }
}

/// Lowers the calling thread's scheduling priority to `nice` (Linux's nice value applies to one
/// thread when given its id; lowering one's own priority needs no privilege).
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        // SAFETY: two system calls about the calling thread itself; no memory is shared.
        unsafe {
            let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, thread, nice);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Starts a thread of the runtime, whose statements run under `statement_timeout`.
fn spawn(
    name: &str,
    statement_timeout: Option<Duration>,
    work: impl FnOnce() + Send + 'static,
) -> DbResult<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            set_statement_timeout(statement_timeout);
            work();
        })
        .map_err(DatabaseError::Thread)
}

/// Readers refuse writes (`query_only`), so a write that bypassed the writer fails loudly.
fn open_reader(path: &Path) -> DbResult<rusqlite::Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    setup(&conn)?;
    conn.execute_batch("pragma query_only = on")?;
    Ok(conn)
}

fn setup(conn: &rusqlite::Connection) -> DbResult<()> {
    conn.execute_batch(PRAGMAS)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.progress_handler(STEPS_BETWEEN_CHECKS, Some(deadline_passed));
    Ok(())
}
