//! What a test needs beyond Rust, and the harness of the `system` binary, which decides at run
//! time whether each test can run here (libtest decides only at compile time).
//!
//! A test whose need is missing is reported as ignored with the reason, counted in the lines
//! printed after the summary, and never as passed. Under CI (`CI` set) a missing need is a
//! failure instead: CI installs and starts everything, so a missing piece there is a fault.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Something outside Rust that a test needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A PostgreSQL server: the one `TEST_DATABASE_URL` names, or under CI the one CI starts.
    Postgres,
    /// `chromedriver` and Chromium on PATH.
    Browser,
    /// A Redis server: the one `TEST_REDIS_URL` names, else the local one (`.ci/run` starts it).
    Redis,
}

const NEEDS: [Need; 3] = [Need::Postgres, Need::Browser, Need::Redis];

/// The local server `.ci/run` starts (also for the SQLite pass, so that these tests run there).
const CI_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static SKIPPED: [AtomicUsize; 3] = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];

fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

impl Need {
    fn index(self) -> usize {
        NEEDS.iter().position(|n| *n == self).unwrap()
    }

    /// Why it is missing on this machine, or `None` when it is there.
    fn missing(self) -> Option<&'static str> {
        match self {
            Self::Postgres => postgres_url().is_none().then_some(
                "no PostgreSQL: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
                 (Debian: apt-get install postgresql)",
            ),
            Self::Browser => (on_path("chromedriver").is_none()
                || ["chromium", "chromium-browser", "google-chrome"].iter().all(|b| on_path(b).is_none()))
            .then_some("no chromedriver or Chromium on PATH (Debian: apt-get install chromium chromium-driver)"),
            Self::Redis => (!answers(&redis_url())).then_some(
                "no Redis answers: set TEST_REDIS_URL=redis://host:port (Debian: apt-get install redis-server)",
            ),
        }
    }
}

/// The PostgreSQL server's URL (its own database): `TEST_DATABASE_URL` when it names one, the
/// server CI starts under CI, `None` otherwise.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Some(url),
        Some(_) => None,
        None => under_ci().then(|| CI_POSTGRES.to_owned()),
    }
}

/// The Redis server to test with: `TEST_REDIS_URL`, else the local one.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned())
}

/// Whether something accepts a TCP connection at the host and port of `url` within a second.
fn answers(url: &str) -> bool {
    use std::net::ToSocketAddrs;
    let address = url.split_once("://").map_or(url, |(_, rest)| rest);
    let address = address.rsplit_once('@').map_or(address, |(_, host)| host).split('/').next().unwrap_or_default();
    let timeout = std::time::Duration::from_secs(1);
    address
        .to_socket_addrs()
        .is_ok_and(|mut addrs| addrs.any(|addr| std::net::TcpStream::connect_timeout(&addr, timeout).is_ok()))
}

/// `name` in a directory of PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// One test of the `system` binary: an async function, what it needs, its runtime.
pub struct Test {
    name: String,
    needs: Vec<Need>,
    /// Run only when asked for (`--ignored`), with why.
    ignored: Option<&'static str>,
    /// Worker threads of a multi-threaded runtime; a current-thread runtime when `None`.
    worker_threads: Option<usize>,
    body: Box<dyn FnOnce(tokio::runtime::Runtime) + Send>,
}

/// A test named `path` (`module::function`, the binary's name left out) running `body`.
pub fn test<F, Fut>(path: &str, body: F) -> Test
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let name = path.split_once("::").map_or(path, |(_, rest)| rest).to_owned();
    Test {
        name,
        needs: Vec::new(),
        ignored: None,
        worker_threads: None,
        body: Box::new(move |runtime| runtime.block_on(body())),
    }
}

/// `test(concat!(module_path!(), "::", "f"), f)`: a test named after its function.
#[macro_export]
macro_rules! trial {
    ($function:path) => {
        $crate::support::needs::test(concat!(module_path!(), "::", stringify!($function)), $function)
    };
}

impl Test {
    pub fn needs(mut self, need: Need) -> Self {
        self.needs.push(need);
        self
    }

    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = Some(threads);
        self
    }

    /// Ignored unless asked for with `--ignored` (or `--include-ignored`), for `why`.
    pub fn ignored(mut self, why: &'static str) -> Self {
        self.ignored = Some(why);
        self
    }

    fn into_trial(self) -> Trial {
        let Self { name, needs, ignored, worker_threads, body } = self;
        Trial::ignorable_test(name, move || {
            for need in needs {
                if let Some(why) = need.missing() {
                    if under_ci() {
                        return Err(Failed::from(format!("{why}; CI is set, so this is a failure, not a skip")));
                    }
                    SKIPPED[need.index()].fetch_add(1, Ordering::Relaxed);
                    return Ok(Completion::ignored_with(why));
                }
            }
            let runtime = match worker_threads {
                Some(threads) => {
                    tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()
                }
                None => tokio::runtime::Builder::new_current_thread().enable_all().build(),
            };
            body(runtime.expect("a tokio runtime"));
            Ok(Completion::Completed)
        })
        .with_ignored_flag(ignored.is_some())
    }
}

/// Runs `tests` as libtest would (same arguments and output), then says what was skipped and
/// what is ignored unless asked for, and why.
pub fn run(tests: Vec<Test>) -> ExitCode {
    let args = Arguments::from_args();
    let asked_for_ignored = args.ignored || args.include_ignored;
    let not_asked: Vec<(String, &str)> = tests
        .iter()
        .filter(|t| !asked_for_ignored && matches(&args, &t.name))
        .filter_map(|t| Some((t.name.clone(), t.ignored?)))
        .collect();
    let listing = args.list;
    let conclusion = libtest_mimic::run(&args, tests.into_iter().map(Test::into_trial).collect());
    if !listing {
        for need in NEEDS {
            let skipped = SKIPPED[need.index()].load(Ordering::Relaxed);
            if skipped > 0 {
                println!("skipped {skipped}: {}", need.missing().unwrap_or("a need that went missing meanwhile"));
            }
        }
        for (name, why) in not_asked {
            println!("ignored unless asked for: {name}: {why} (`cargo test --test system -- --ignored {name}`)");
        }
    }
    conclusion.exit_code()
}

/// Whether `name` passes the command line's filter (libtest's rules: a substring, or the whole
/// name with `--exact`, and none of the `--skip`s).
fn matches(args: &Arguments, name: &str) -> bool {
    let hit = |pattern: &str| if args.exact { name == pattern } else { name.contains(pattern) };
    args.filter.as_deref().is_none_or(hit) && !args.skip.iter().any(|s| hit(s))
}
