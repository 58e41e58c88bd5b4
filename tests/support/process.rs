//! The server binary as a process of its own (for what an in-process server cannot show: its
//! memory, SIGKILL, several instances), and free ports.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::JWT_SECRET;

/// How long a process may take to answer `/readyz`.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// An address on 127.0.0.1 that nothing listens on (for now): a server may bind it, and
/// connecting to it is refused until one does.
pub fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("a bound address")
}

/// How to start a `dealnest` process: on `DATABASE_URL`, with the tests' token secret, logging
/// errors only, at a free port, unless told otherwise.
pub struct Spawn {
    command: Command,
    addr: SocketAddr,
}

impl Spawn {
    /// The binary cargo built for these tests, or the one `DEALNEST_BIN` names.
    pub fn new(database_url: &str) -> Self {
        let binary = std::env::var_os("DEALNEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_dealnest").into());
        Self::binary(binary.into(), database_url)
    }

    pub fn binary(binary: PathBuf, database_url: &str) -> Self {
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("DEALNEST_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Self { command, addr: free_port() }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    /// Listen at `addr` rather than a free port.
    pub fn at(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The process's standard output goes to `file`.
    pub fn stdout(mut self, file: std::fs::File) -> Self {
        self.command.stdout(file);
        self
    }

    /// Starts the process and waits until `/readyz` answers 2xx.
    pub async fn start(mut self) -> ServerProcess {
        let child = self.command.env("DEALNEST_BIND", self.addr.to_string()).spawn().expect("dealnest starts");
        let mut process = ServerProcess { child, addr: self.addr, base: format!("http://{}", self.addr) };
        let started = Instant::now();
        loop {
            if reqwest::get(process.url("/readyz")).await.is_ok_and(|r| r.status().is_success()) {
                return process;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!("the server at {} exited before it was ready: {status}", process.base);
            }
            assert!(
                started.elapsed() < READY_WITHIN,
                "the server at {} was not ready within {READY_WITHIN:?}",
                process.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A running `dealnest` process; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// `http://<addr>`.
    pub base: String,
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL, and waits for the process to end.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
