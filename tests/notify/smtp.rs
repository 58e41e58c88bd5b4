//! A small SMTP receiver for the tests: it speaks the part of RFC 5321 that lettre uses (EHLO or
//! HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) over real TCP and keeps every message it accepted.
//! It can answer DATA slowly, to hold a delivery in flight, or refuse every recipient.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One accepted message: its envelope and its raw content (headers and body, dot-unstuffed).
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The value of the first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut lines = head.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            let Some((key, value)) = line.split_once(':') else { continue };
            if key.eq_ignore_ascii_case(name) {
                let mut value = value.trim().to_owned();
                while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                    value.push(' ');
                    value.push_str(next.trim());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }

    /// The content with quoted-printable soft line breaks joined, for searching the bodies.
    pub fn text(&self) -> String {
        self.data.replace("=\r\n", "")
    }
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// Waits this long before accepting a message's content.
    pub data_delay: Duration,
    /// Answers every RCPT with 550 (a permanent refusal).
    pub refuse_recipients: bool,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    /// DATA commands begun, whether or not answered yet.
    data_started: AtomicUsize,
}

/// A receiver listening on 127.0.0.1; it stops when dropped.
pub struct SmtpReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpReceiver {
    pub async fn start() -> Self {
        Self::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), Behaviour::default()).await
    }

    /// Listens on `addr` (port 0, or one the test reserved) and answers as `behaviour` says.
    pub async fn start_with(addr: SocketAddr, behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind(addr).await.expect("the SMTP receiver binds");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(session(stream, shared.clone(), behaviour));
                }
            }
        });
        Self { addr, shared, task }
    }

    /// The `DEALNEST_SMTP_URL` of this receiver.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    pub fn data_started(&self) -> usize {
        self.shared.data_started.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` messages arrived; panics after `within`.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} mail(s) within {within:?}, got {}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>, behaviour: Behaviour) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut envelope: Option<(String, Vec<String>)> = None;
    if write.write_all(b"220 receiver.test ESMTP ready\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let verb = command.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-receiver.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                envelope = None;
                b"250 OK\r\n"
            }
            "MAIL" => {
                envelope = Some((path_of(&command), Vec::new()));
                b"250 OK\r\n"
            }
            "RCPT" if behaviour.refuse_recipients => b"550 No such user here\r\n",
            "RCPT" => match envelope.as_mut() {
                Some((_, to)) => {
                    to.push(path_of(&command));
                    b"250 OK\r\n"
                }
                None => b"503 MAIL first\r\n",
            },
            "DATA" => {
                let Some((from, to)) = envelope.take() else {
                    let _ = write.write_all(b"503 MAIL first\r\n").await;
                    continue;
                };
                shared.data_started.fetch_add(1, Ordering::SeqCst);
                if write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await.is_err() {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else { return };
                tokio::time::sleep(behaviour.data_delay).await;
                shared.messages.lock().unwrap().push(Received { from, to, data });
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The address between `<` and `>` of a MAIL or RCPT command.
fn path_of(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..].find('>').map_or(command.len(), |i| i + start);
    command[start..end].to_owned()
}

/// Reads message content up to the lone `.` line, undoing dot-stuffing.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == ".\r\n" {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}
