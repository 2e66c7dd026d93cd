//! The daemon as operators run it: the real binary under signals (drain,
//! second SIGTERM, SIGHUP reload) and systemd notifications.

mod fake_freeswitch;
mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_freeswitch::{Caller, DialplanNext, FakeSwitch};
use harness::{App, Reply, get};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

/// The real binary, with its log lines collected.
struct Process {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    config: std::path::PathBuf,
}

impl Process {
    fn start(toml: &str, env: &[(&str, String)]) -> Process {
        let config = std::env::temp_dir().join(format!("dialbridge-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&config, toml).expect("write config");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialbridge"));
        cmd.args(["run", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start dialbridge");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
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

    /// Waits for a log line containing `needle`; returns it.
    async fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(l) = self.log().into_iter().find(|l| l.contains(needle)) {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {needle:?}:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The address logged as `key=...`.
    async fn addr(&self, key: &str) -> std::net::SocketAddr {
        let line = self.wait_log(&format!("{key}=")).await;
        let rest = &line[line.find(&format!("{key}=")).unwrap_or(0) + key.len() + 1..];
        rest.split_whitespace()
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {line}"))
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill -{name}");
    }

    /// Waits for the process to exit; its exit code.
    async fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if Instant::now() > deadline {
                return None;
            }
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

fn config(app: &App, fake: &FakeSwitch, extra: &str) -> String {
    format!(
        "[freeswitch]\nhost = \"127.0.0.1\"\nport = {}\n\
         [listener]\naddress = \"127.0.0.1:0\"\n[http]\naddress = \"127.0.0.1:0\"\n\
         [app]\ncall_hook = \"{}\"\n[media]\ncache_dir = \"{}\"\n{extra}",
        fake.esl_addr().port(),
        app.url("/call"),
        std::env::temp_dir()
            .join("dialbridge-media-daemon")
            .display()
    )
}

fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000").then(DialplanNext::Respond(503))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_refuses_new_calls_lets_live_ones_finish_then_exits_0() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 2}])),
    );
    let fake = FakeSwitch::start().await;
    let mut p = Process::start(
        &config(&app, &fake, "[shutdown]\ndrain_timeout = 30\n"),
        &[],
    );
    let listener = p.addr("listener_addr").await;
    let http = p.addr("http_addr").await;
    let live = fake.call(listener, caller());
    app.wait_for("/call", 1, WAIT).await;
    p.signal("TERM");
    p.wait_log("draining: new calls are refused with 503").await;
    let (status, body) = get(format!("http://{http}/ready")).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"draining\":true"), "{body}");
    let refused = fake.call(listener, caller());
    refused.finished(WAIT).await.expect("dialbridge refuses it");
    // The listener stays open during a drain (screened legs of live dials
    // still connect to it, docs/freeswitch.md §13); new calls get 503 from
    // dialbridge itself, as past max_calls.
    assert!(!refused.socket_refused(), "the listener still accepts");
    assert_eq!(refused.apps(), [("respond".to_owned(), "503".to_owned())]);
    assert_eq!(refused.caller_final_code(), Some(503));
    assert!(!refused.closed_with_caller_up());
    live.finished(WAIT).await.expect("the live call finishes");
    let apps: Vec<String> = live.apps().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        apps,
        ["answer", "sleep", "hangup"],
        "the live call ran to its end"
    );
    assert!(!live.closed_with_caller_up());
    assert_eq!(p.exit_code(WAIT).await, Some(0));
    assert!(
        p.log()
            .iter()
            .any(|l| l.contains("drained: every call finished"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_exits_at_once() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    let fake = FakeSwitch::start().await;
    let mut p = Process::start(&config(&app, &fake, ""), &[]);
    let listener = p.addr("listener_addr").await;
    let _live = fake.call(listener, caller());
    app.wait_for("/call", 1, WAIT).await;
    p.signal("TERM");
    p.wait_log("draining live calls").await;
    p.signal("TERM");
    assert_eq!(p.exit_code(Duration::from_secs(5)).await, Some(0));
    assert!(
        p.log()
            .iter()
            .any(|l| l.contains("second signal: exiting now"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_hooks_and_keeps_the_old_configuration_when_invalid() {
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    app.reply("/other", Reply::json(json!([{"verb": "hangup"}])));
    let fake = FakeSwitch::start().await;
    let p = Process::start(&config(&app, &fake, ""), &[]);
    let listener = p.addr("listener_addr").await;
    fake.call(listener, caller())
        .finished(WAIT)
        .await
        .expect("call 1");
    assert_eq!(app.requests("/call").len(), 1);
    std::fs::write(
        &p.config,
        config(&app, &fake, "").replace("/call\"", "/other\""),
    )
    .expect("rewrite");
    p.signal("HUP");
    p.wait_log("configuration reloaded").await;
    fake.call(listener, caller())
        .finished(WAIT)
        .await
        .expect("call 2");
    assert_eq!(
        app.requests("/other").len(),
        1,
        "the reloaded call_hook is used"
    );
    std::fs::write(&p.config, "[listener\nbroken").expect("rewrite");
    p.signal("HUP");
    p.wait_log("keeping the old one").await;
    fake.call(listener, caller())
        .finished(WAIT)
        .await
        .expect("call 3");
    assert_eq!(
        app.requests("/other").len(),
        2,
        "still the last valid configuration"
    );
    assert_eq!(app.requests("/call").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_is_told_ready_watchdog_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let dir = std::env::temp_dir().join(format!("dialbridge-notify-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let app = App::start().await;
    let fake = FakeSwitch::start().await;
    let mut p = Process::start(
        &config(&app, &fake, ""),
        &[
            ("NOTIFY_SOCKET", path.display().to_string()),
            ("WATCHDOG_USEC", "200000".into()),
        ],
    );
    let mut got: Vec<String> = Vec::new();
    let mut buf = [0u8; 512];
    let mut recv = |got: &mut Vec<String>| {
        let n = socket.recv(&mut buf).expect("a notification");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    };
    recv(&mut got);
    assert!(got[0].starts_with("READY=1"), "{got:?}");
    recv(&mut got);
    recv(&mut got);
    assert_eq!(&got[1..], ["WATCHDOG=1", "WATCHDOG=1"]);
    p.signal("TERM");
    while !got.iter().any(|m| m.starts_with("STOPPING=1")) {
        recv(&mut got);
    }
    assert_eq!(p.exit_code(WAIT).await, Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_watchdog_usec_pings_at_the_minimum_interval_instead_of_panicking() {
    use std::os::unix::net::UnixDatagram;
    let dir = std::env::temp_dir().join(format!("dialbridge-notify-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let app = App::start().await;
    let fake = FakeSwitch::start().await;
    let mut p = Process::start(
        &config(&app, &fake, ""),
        &[
            ("NOTIFY_SOCKET", path.display().to_string()),
            ("WATCHDOG_USEC", "1".into()),
        ],
    );
    let mut buf = [0u8; 512];
    let mut got: Vec<String> = Vec::new();
    for _ in 0..4 {
        let n = socket.recv(&mut buf).expect("a notification");
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(got[0].starts_with("READY=1"), "{got:?}");
    assert_eq!(&got[1..], ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"]);
    p.wait_log("WatchdogSec is shorter than dialbridge can serve")
        .await;
    p.signal("TERM");
    assert_eq!(p.exit_code(WAIT).await, Some(0), "{}", p.log().join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
