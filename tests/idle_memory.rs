//! Memory of an idle call: the real `dialbridge` binary, N calls parked in
//! a long `pause` through the fake FreeSWITCH, and the process's resident
//! memory (`VmRSS` in /proc/<pid>/status) before and after. A measurement,
//! not a check: it is `#[ignore]`d and asserts nothing about the figures.
//!
//! ```text
//! CARGO_INCREMENTAL=0 cargo test --test idle_memory -- --ignored --nocapture
//! IDLE_CALLS=500 CARGO_INCREMENTAL=0 cargo test --test idle_memory -- --ignored --nocapture
//! IDLE_BIN=/tmp/dialbridge-before IDLE_CALLS=500 CARGO_INCREMENTAL=0 cargo test --test idle_memory -- --ignored --nocapture
//! ```
//!
//! It prints the resident memory after a warm-up of 10 calls, after the N
//! calls more, and the difference divided by N: the memory one more idle
//! call costs (its socket, its ESL connection's buffers and queue, its
//! task). Debug build unless run with `--release`.

mod fake_freeswitch;
mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_freeswitch::{CallHandle, Caller, DialplanNext, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

const WARM_UP: usize = 10;

/// The binary with its log lines collected; killed when dropped.
struct Daemon {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    config: std::path::PathBuf,
}

impl Daemon {
    fn start(toml: &str) -> Daemon {
        let config =
            std::env::temp_dir().join(format!("dialbridge-idle-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&config, toml).expect("write config");
        // IDLE_BIN: another build of the binary, to compare before/after.
        let bin =
            std::env::var_os("IDLE_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_dialbridge").into());
        let mut child = Command::new(bin)
            .args(["run", "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn,dialbridge=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dialbridge");
        let lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if let Ok(mut l) = lines.lock() {
                        l.push(line);
                    }
                }
            });
        }
        Daemon {
            child,
            lines,
            config,
        }
    }

    /// The address logged as `listener_addr=...`.
    async fn listener(&self) -> std::net::SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = self.lines.lock().ok().and_then(|l| {
                l.iter().find_map(|line| {
                    let at = line.find("listener_addr=")?;
                    line[at + "listener_addr=".len()..]
                        .split_whitespace()
                        .next()?
                        .parse()
                        .ok()
                })
            });
            if let Some(a) = found {
                return a;
            }
            assert!(Instant::now() < deadline, "the daemon never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

/// Places `n` calls and waits until each is parked in its `sleep`.
async fn park(fake: &FakeSwitch, listener: std::net::SocketAddr, n: usize) -> Vec<CallHandle> {
    let calls: Vec<CallHandle> = (0..n)
        .map(|_| {
            fake.call(
                listener,
                Caller::new("+15551230000", "+15559870000").then(DialplanNext::Respond(503)),
            )
        })
        .collect();
    for c in &calls {
        let parked = c
            .wait_for(Duration::from_secs(60), |log| {
                log.commands().iter().any(|c| c.app() == Some("sleep"))
            })
            .await;
        assert!(parked, "a call never reached its pause: {:?}", c.apps());
    }
    calls
}

/// Lets the allocator and the runtime settle, then reads the RSS.
async fn settled_rss(daemon: &Daemon) -> u64 {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    daemon.rss_kib()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn memory_per_idle_call() {
    let n: usize = std::env::var("IDLE_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 3600}])),
    );
    let fake = FakeSwitch::start().await;
    let toml = format!(
        "[freeswitch]\nhost = \"127.0.0.1\"\nport = {}\n\
         [listener]\naddress = \"127.0.0.1:0\"\nmax_calls = {}\nmax_pending_connects = {}\n\
         [http]\naddress = \"127.0.0.1:0\"\n\
         [app]\ncall_hook = \"{}\"\n[media]\ncache_dir = \"{}\"\n",
        fake.esl_addr().port(),
        n + WARM_UP + 10,
        n + WARM_UP + 10,
        app.url("/call"),
        std::env::temp_dir().join("dialbridge-media-idle").display()
    );
    let daemon = Daemon::start(&toml);
    let listener = daemon.listener().await;
    let started = settled_rss(&daemon).await;
    let warm = park(&fake, listener, WARM_UP).await;
    let before = settled_rss(&daemon).await;
    let idle = park(&fake, listener, n).await;
    let after = settled_rss(&daemon).await;
    let per_call = (after.saturating_sub(before)) as f64 / n as f64;
    println!(
        "idle_memory: started {started} KiB; {WARM_UP} calls {before} KiB; {} calls {after} KiB; \
         {per_call:.1} KiB per idle call",
        WARM_UP + n
    );
    drop((warm, idle));
}
