//! File descriptors: the real binary started with a low `RLIMIT_NOFILE`
//! (set between fork and exec), exhausted with connections that never
//! answer `connect`; and the warning when `max_calls` cannot fit the limit.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fake_freeswitch::{Caller, DialplanNext, FakeSwitch};
use crate::harness::{App, Reply, metric};

const WAIT: Duration = Duration::from_secs(15);

/// The descriptor limit the daemon runs with: it starts with about 15 open.
const NOFILE: u64 = 64;

/// `cmd` with its `RLIMIT_NOFILE` set to `n` (soft and hard).
fn with_nofile(cmd: &mut Command, n: u64) -> &mut Command {
    let limit = libc::rlimit {
        rlim_cur: n,
        rlim_max: n,
    };
    // SAFETY: the closure runs in the child between fork and exec; it only
    // calls setrlimit (async-signal-safe) on a value it owns, and reads
    // errno; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        })
    }
}

/// `dialbridge run` as a child process, with its log lines collected.
struct Process {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    config: std::path::PathBuf,
}

impl Process {
    fn start(toml: &str, nofile: u64) -> Process {
        let config = std::env::temp_dir().join(format!("dialbridge-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&config, toml).expect("write config");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialbridge"));
        cmd.args(["run", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = with_nofile(&mut cmd, nofile)
            .spawn()
            .expect("start dialbridge");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let streams: [Option<Box<dyn std::io::Read + Send>>; 2] = [
            child.stdout.take().map(|s| Box::new(s) as _),
            child.stderr.take().map(|s| Box::new(s) as _),
        ];
        for stream in streams.into_iter().flatten() {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut l) = lines.lock() {
                        l.push(line);
                    }
                }
            });
        }
        Process {
            child,
            lines,
            config,
        }
    }

    fn log(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn count(&self, needle: &str) -> usize {
        self.log().iter().filter(|l| l.contains(needle)).count()
    }

    /// The address logged as `key=...`.
    async fn addr(&self, key: &str) -> std::net::SocketAddr {
        let deadline = Instant::now() + WAIT;
        let prefix = format!("{key}=");
        loop {
            let found = self.log().iter().find_map(|l| {
                let rest = &l[l.find(&prefix)? + prefix.len()..];
                rest.split_whitespace().next()?.parse().ok()
            });
            if let Some(a) = found {
                return a;
            }
            assert!(
                Instant::now() < deadline,
                "no {key} in the log:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

/// One kept-alive HTTP/1.1 connection, spoken by hand: once descriptors
/// run out the daemon accepts no new connection, but answers on this one.
/// (A pooling client may open a second connection in a race, which then
/// waits in the backlog.)
struct Web {
    conn: TcpStream,
}

impl Web {
    async fn connect(addr: std::net::SocketAddr) -> Web {
        Web {
            conn: TcpStream::connect(addr).await.expect("connect to HTTP"),
        }
    }

    /// (status, body) of `GET path`.
    async fn get(&mut self, path: &str) -> (u16, String) {
        let request = format!("GET {path} HTTP/1.1\r\nHost: dialbridge\r\n\r\n");
        self.conn
            .write_all(request.as_bytes())
            .await
            .expect("send the request");
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        let head_end = loop {
            if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = self.read(&mut buf).await;
            got.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no content-length in {head:?}"));
        while got.len() < head_end + length {
            let n = self.read(&mut buf).await;
            got.extend_from_slice(&buf[..n]);
        }
        let body = String::from_utf8_lossy(&got[head_end..head_end + length]).into_owned();
        (status, body)
    }

    async fn read(&mut self, buf: &mut [u8]) -> usize {
        match tokio::time::timeout(WAIT, self.conn.read(buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            other => panic!("the HTTP connection ended: {other:?}"),
        }
    }

    /// A metric's value (0 when absent).
    async fn value(&mut self, series: &str) -> f64 {
        let v = metric(&self.get("/metrics").await.1, series);
        if v.is_nan() { 0.0 } else { v }
    }

    async fn wait_ready(&mut self, status: u16) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let (s, body) = self.get("/ready").await;
            if s == status {
                return body;
            }
            assert!(Instant::now() < deadline, "/ready: {s} {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

const EXHAUSTED: &str = "dialbridge_fd_exhausted";
const EPISODES: &str = "dialbridge_fd_exhaustion_episodes_total";
const PENDING: &str = "dialbridge_listener_pending_connects";
const BACKOFFS: &str = "dialbridge_accept_backoffs_total{listener=\"calls\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_pauses_accepting_reports_one_episode_and_recovers() {
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    let fake = FakeSwitch::start().await;
    let toml = format!(
        "[freeswitch]\nhost = \"127.0.0.1\"\nport = {}\n\
         [listener]\naddress = \"127.0.0.1:0\"\nmax_calls = 2\n\
         max_pending_connects = 1000\nconnect_timeout_ms = 60000\n\
         [http]\naddress = \"127.0.0.1:0\"\n\
         [app]\ncall_hook = \"{}\"\n[media]\ncache_dir = \"{}\"\n",
        fake.esl_addr().port(),
        app.url("/call"),
        std::env::temp_dir().join("dialbridge-media-fds").display()
    );
    let p = Process::start(&toml, NOFILE);
    let listener = p.addr("listener_addr").await;
    let mut web = Web::connect(p.addr("http_addr").await).await;
    web.wait_ready(200).await;
    assert_eq!(
        p.count("listener.max_calls = 2 may need about"),
        1,
        "run warns that the limit is too low"
    );

    // Connections that never answer `connect`, one at a time, until the
    // daemon cannot accept the next one.
    let mut held = Vec::new();
    'fill: loop {
        assert!(held.len() < 200, "descriptors never ran out");
        held.push(TcpStream::connect(listener).await.expect("connect"));
        let deadline = Instant::now() + WAIT;
        loop {
            if web.value(EXHAUSTED).await == 1.0 {
                break 'fill;
            }
            if web.value(PENDING).await == held.len() as f64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "connection {} never settled",
                held.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let body = web.wait_ready(503).await;
    assert!(
        body.contains("\"file_descriptors\":\"exhausted: accept failed with EMFILE"),
        "{body}"
    );
    assert_eq!(web.value(EPISODES).await, 1.0);

    // It backs off instead of spinning: over two seconds of exhaustion a
    // spinning loop retries thousands of times; this one a few (10 ms
    // doubling to 1 s).
    let before = web.value(BACKOFFS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = web.value(BACKOFFS).await - before;
    assert!(
        (1.0..=20.0).contains(&during),
        "{during} backoffs in 2 s of exhaustion"
    );
    assert_eq!(web.value(EPISODES).await, 1.0, "still one episode");
    assert_eq!(p.count("out of file descriptors"), 1, "logged once");

    drop(held);
    web.wait_ready(200).await;
    assert_eq!(web.value(EXHAUSTED).await, 0.0);
    assert_eq!(web.value(EPISODES).await, 1.0);
    assert_eq!(p.count("out of file descriptors"), 1);
    assert_eq!(
        p.count("file descriptors available again"),
        1,
        "the end is logged once"
    );
    let call = fake.call(
        listener,
        Caller::new("+15551230000", "+15559870000").then(DialplanNext::Respond(503)),
    );
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/call").len(), 1, "calls are accepted again");
}

/// `dialbridge check-config` with `max_calls` (and 128 pending connects)
/// under an `RLIMIT_NOFILE` of 1024: (exit code, stdout, stderr).
fn check_config(max_calls: u32) -> (Option<i32>, String, String) {
    let config = std::env::temp_dir().join(format!("dialbridge-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(
        &config,
        format!("[listener]\nmax_calls = {max_calls}\nmax_pending_connects = 128\n"),
    )
    .expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialbridge"));
    cmd.args(["check-config", "--config"]).arg(&config);
    let out = with_nofile(&mut cmd, 1024).output().expect("run");
    let _ = std::fs::remove_file(&config);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_warns_when_max_calls_cannot_fit_the_open_file_limit() {
    let (code, stdout, stderr) = check_config(1000);
    assert_eq!(code, Some(0), "a warning, not an error: {stderr}");
    assert!(
        stdout.contains(
            "# file descriptors needed at full load: about 10256 (this process may open 1024)"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: listener.max_calls = 1000 may need about 10256 file descriptors")
            && stderr.contains("may open 1024 (RLIMIT_NOFILE")
            && stderr.contains("lower max_calls to 76"),
        "{stderr}"
    );
    let (code, _, stderr) = check_config(76);
    assert_eq!(code, Some(0));
    assert!(
        !stderr.contains("file descriptors"),
        "76 calls fit: {stderr}"
    );
}
