//! The generator against the real `dialbridge` binary, briefly: the
//! configuration it writes starts the daemon, and every flow it plays
//! completes with the outcome its script leads to. No timing is asserted.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const LOADGEN: &str = env!("CARGO_BIN_EXE_dialbridge-loadgen");

/// The daemon binary beside this test's profile directory, built if
/// needed (a no-op under `cargo test --workspace`, which built it).
fn daemon_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let mut build = Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--quiet",
            "-p",
            "dialbridge",
            "--bin",
            "dialbridge",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "cargo build of the daemon failed");
    profile_dir.join("dialbridge")
}

/// Four distinct free ports on 127.0.0.1.
fn free_ports() -> [u16; 4] {
    let held: Vec<TcpListener> = (0..4)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    let p = |i: usize| held[i].local_addr().expect("its address").port();
    [p(0), p(1), p(2), p(3)]
}

/// A daemon started from the configuration `config` printed; stopped
/// (SIGTERM, then killed) when dropped.
struct Daemon {
    child: Child,
    config: PathBuf,
    dir: PathBuf,
}

impl Daemon {
    fn start(name: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!(
            "dialbridge-loadgen-smoke-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let [listener, esl, web, http] = free_ports();
        let addr = |p: u16| format!("127.0.0.1:{p}");
        let out = Command::new(LOADGEN)
            .args(["config", "--max-calls", "200", "--log-level", "warn"])
            .args(["--listener", &addr(listener), "--esl", &addr(esl)])
            .args(["--web", &addr(web), "--http", &addr(http)])
            .arg("--dir")
            .arg(&dir)
            .output()
            .expect("run dialbridge-loadgen config");
        assert!(out.status.success(), "config: {out:?}");
        let config = dir.join("dialbridge.toml");
        std::fs::write(&config, &out.stdout).expect("write the configuration");
        let log = std::fs::File::create(dir.join("daemon.log")).expect("a log file");
        let child = Command::new(daemon_binary())
            .arg("run")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dialbridge run");
        Daemon { child, config, dir }
    }

    /// Runs the generator against this daemon; its JSON report.
    fn load(&self, args: &[&str]) -> Value {
        let mut child = Command::new(LOADGEN)
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .args(["--pid", &self.child.id().to_string(), "--json"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start dialbridge-loadgen");
        let deadline = Instant::now() + Duration::from_secs(90);
        while child.try_wait().expect("poll the generator").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the generator did not finish within 90 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().expect("its output");
        let text = String::from_utf8_lossy(&out.stdout);
        let log = std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "the report is not JSON ({e}): {text}\nexit {:?}\ndaemon log:\n{log}",
                out.status
            )
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill only sends a signal to the daemon this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn rate_mode_completes_every_flow_against_the_daemon_binary() {
    let daemon = Daemon::start("rate");
    let r = daemon.load(&["rate", "--rate", "20", "--duration", "2", "--hold-ms", "50"]);
    let flows = &r["flows"];
    assert_eq!(flows["failures"], serde_json::json!([]), "{r:#}");
    assert_eq!(flows["started"], 40, "{r:#}");
    assert_eq!(flows["completed"], 40, "{r:#}");
    assert_eq!(flows["dial_status"]["completed"], 40, "{r:#}");
    // Every flow's set-up was seen from both ends (web app and switch).
    assert_eq!(r["setup_hook_to_bridge"]["n"], 40, "{r:#}");
    assert_eq!(r["invite_to_answer"]["n"], 40, "{r:#}");
    assert_eq!(r["daemon"]["pid"], daemon.child.id(), "{r:#}");
    assert_eq!(r["stray_requests"], 0, "{r:#}");
}

#[test]
fn hold_mode_holds_the_answered_calls_and_ends_every_one() {
    let daemon = Daemon::start("hold");
    // One target per dial, every other one busy: 10 calls bridged and held,
    // 10 dials ending busy.
    let r = daemon.load(&[
        "hold",
        "--calls",
        "20",
        "--ramp",
        "100",
        "--duration",
        "1",
        "--targets",
        "1",
        "--busy",
        "0.5",
        "--probe-rate",
        "4",
    ]);
    let flows = &r["flows"];
    assert_eq!(flows["failures"], serde_json::json!([]), "{r:#}");
    assert_eq!(flows["completed"], 20, "{r:#}");
    assert_eq!(flows["dial_status"]["busy"], 10, "{r:#}");
    assert_eq!(r["hold"]["live_calls"], 10, "{r:#}");
    assert_eq!(r["plateau"]["live_calls"], 10.0, "{r:#}");
    let probes = &r["hold"]["probes"];
    assert_eq!(probes["failures"], serde_json::json!([]), "{r:#}");
    assert!(probes["completed"].as_u64() > Some(0), "{r:#}");
}
