//! sipp runs of the scenarios in tests/sipp/: a command line put together
//! step by step, the running sipp (waited for, or stopped), and what it left
//! behind (exit code, errors, the scenario's `key=value` log lines).

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::lab::Slot;
use super::process::ProcessGuard;
use super::{PROCESS_TIMEOUT, repo, tool};

/// A sipp scenario file of `tests/sipp/`.
pub fn scenario(name: &str) -> PathBuf {
    let path = repo().join("tests").join("sipp").join(name);
    assert!(path.is_file(), "missing sipp scenario {}", path.display());
    path
}

/// Is some socket bound to UDP 127.0.0.1:`port`? (Read from /proc, so
/// checking does not race with the process that is about to bind it.)
fn udp_port_bound(port: u16) -> bool {
    let wanted = format!("0100007F:{port:04X}");
    fs::read_to_string("/proc/net/udp")
        .map(|table| {
            table
                .lines()
                .skip(1)
                .any(|line| line.split_whitespace().nth(1) == Some(wanted.as_str()))
        })
        .unwrap_or(false)
}

/// A sipp command line being put together.
pub struct SippCommand {
    pub(super) name: String,
    pub(super) dir: PathBuf,
    pub(super) scenario: PathBuf,
    pub(super) slot: Slot,
    pub(super) remote: Option<u16>,
    pub(super) args: Vec<String>,
}

impl SippCommand {
    /// Sends to 127.0.0.1:`port` (a UAC; a UAS only answers).
    pub fn to(mut self, port: u16) -> Self {
        self.remote = Some(port);
        self
    }

    /// `-key name value`: [name] in the scenario.
    pub fn key(mut self, name: &str, value: &str) -> Self {
        self.args
            .extend(["-key".to_string(), name.to_string(), value.to_string()]);
        self
    }

    /// `-s user`: the Request-URI user ([service]).
    pub fn service(mut self, user: &str) -> Self {
        self.args.extend(["-s".to_string(), user.to_string()]);
        self
    }

    /// `-au user -ap password`: digest credentials for [authentication].
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.args.extend([
            "-au".to_string(),
            user.to_string(),
            "-ap".to_string(),
            password.to_string(),
        ]);
        self
    }

    /// `-m n`: end after n calls (sequential: `-l 1`).
    pub fn calls(mut self, n: u32) -> Self {
        self.args.extend([
            "-m".to_string(),
            n.to_string(),
            "-l".to_string(),
            "1".to_string(),
        ]);
        self
    }

    fn file(&self, what: &str) -> PathBuf {
        self.dir.join(format!("sipp-{}.{what}", self.name))
    }

    /// Starts sipp; a UAS (no `to`) is waited for until its port is bound.
    pub fn start(self) -> Sipp {
        let screen =
            fs::File::create(self.file("screen.txt")).expect("cannot create sipp screen file");
        let mut command = Command::new(tool("sipp"));
        command.current_dir(&self.dir);
        if let Some(port) = self.remote {
            command.arg(format!("127.0.0.1:{port}"));
        }
        command
            .arg("-sf")
            .arg(&self.scenario)
            .args(["-i", "127.0.0.1", "-bind_local", "-ci", "127.0.0.1"])
            .arg("-p")
            .arg(self.slot.sip.to_string())
            .arg("-cp")
            .arg(self.slot.ctl.to_string())
            .arg("-nostdin")
            // a scenario that hangs fails instead of blocking the test
            .args(["-timeout", "40", "-timeout_error"])
            .arg("-trace_err")
            .arg("-error_file")
            .arg(self.file("errors.log"))
            .arg("-trace_logs")
            .arg("-log_file")
            .arg(self.file("logs.log"))
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(self.file("messages.log"))
            .args(&self.args)
            .stdout(
                screen
                    .try_clone()
                    .expect("cannot clone sipp screen file handle"),
            )
            .stderr(screen);
        let mut sipp = Sipp {
            guard: ProcessGuard::spawn(command, "sipp"),
            name: self.name.clone(),
            dir: self.dir.clone(),
        };
        if self.remote.is_none() {
            let port = self.slot.sip;
            let deadline = Instant::now() + PROCESS_TIMEOUT;
            while !udp_port_bound(port) {
                if let Some(code) = sipp.guard.try_exit() {
                    panic!(
                        "sipp {} exited ({code:?}) before listening:\n{}",
                        sipp.name,
                        sipp.read("screen.txt")
                    );
                }
                assert!(
                    Instant::now() < deadline,
                    "sipp {} did not bind 127.0.0.1:{port}",
                    sipp.name
                );
                thread::sleep(Duration::from_millis(20));
            }
        }
        sipp
    }

    /// Runs sipp to its end (see `Sipp::finish`).
    pub fn run(self) -> SippRun {
        self.start().finish()
    }
}

/// A running sipp; stopped when dropped.
pub struct Sipp {
    guard: ProcessGuard,
    name: String,
    dir: PathBuf,
}

impl Sipp {
    fn read(&self, what: &str) -> String {
        fs::read_to_string(self.dir.join(format!("sipp-{}.{what}", self.name))).unwrap_or_default()
    }

    /// Waits for sipp to end by itself (its `-m` calls done); fails the
    /// test if it is still running after PROCESS_TIMEOUT.
    pub fn finish(mut self) -> SippRun {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        let code = loop {
            if let Some(code) = self.guard.try_exit() {
                break code;
            }
            assert!(
                Instant::now() < deadline,
                "sipp {} still running after {PROCESS_TIMEOUT:?}:\n{}",
                self.name,
                self.read("screen.txt")
            );
            thread::sleep(Duration::from_millis(20));
        };
        self.outcome(code)
    }

    /// Stops a sipp that runs until told (a FreeSWITCH node, a Teams SBC).
    pub fn stop(mut self) -> SippRun {
        self.guard.stop();
        self.outcome(None)
    }

    fn outcome(&self, code: Option<i32>) -> SippRun {
        SippRun {
            name: self.name.clone(),
            code,
            screen: self.read("screen.txt"),
            errors: self.read("errors.log"),
            logs: self.read("logs.log"),
        }
    }
}

/// What a finished sipp left behind.
pub struct SippRun {
    pub name: String,
    /// sipp's exit code: 0 = every call succeeded; None if it was stopped
    pub code: Option<i32>,
    pub screen: String,
    pub errors: String,
    /// lines written by the scenario's <log> actions
    pub logs: String,
}

impl SippRun {
    /// Fails the test unless every call of the scenario succeeded.
    pub fn assert_success(&self, what: &str) {
        assert_eq!(
            self.code,
            Some(0),
            "{what}: sipp {} did not succeed\n--- errors ---\n{}\n--- screen ---\n{}",
            self.name,
            self.errors,
            tail(&self.screen, 30)
        );
    }

    /// The values of `key=value` lines of the scenario's log, in order.
    pub fn logged(&self, key: &str) -> Vec<String> {
        let prefix = format!("{key}=");
        self.logs
            .lines()
            .filter_map(|l| l.trim().strip_prefix(&prefix))
            .map(str::to_string)
            .collect()
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
