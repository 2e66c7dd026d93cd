//! Harness for the Kamailio + sipp integration tests (tests/kamailio.rs).
//!
//! It runs the project's own `kamailio/kamailio.cfg` (a byte-for-byte copy in
//! a fresh temporary directory, so that a `local.cfg` an operator may have
//! left beside the original is not picked up) with test ports and paths given
//! as `-A NAME=value` defines, and the sipp scenarios of `tests/sipp/`.
//! Everything binds to 127.0.0.1 only: Kamailio's SIP sockets, sipp's SIP and
//! control sockets (`-bind_local`, `-ci`); sipp's unused RTP echo sockets
//! also go to 127.0.0.1 (from 6000 upwards, sipp moves on when one is taken).
//!
//! Every process is started in its own process group and is stopped by its
//! guard's `Drop`, so nothing is left running when a test fails. When a test
//! fails its temporary directory (Kamailio's log, sipp's message traces) is
//! kept and its path printed; DIALBRIDGE_KEEP_TEST_DIRS=1 keeps them always.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::net::UdpSocket;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How the tools get onto a machine (`.ci/run` does it on a fresh one).
pub const INSTALL_HINT: &str = "apt-get install -y kamailio sip-tester";

/// Longest wait for a process to become ready or to finish. Generous: a
/// loaded 2-core machine can be slow, and nothing waits this long when the
/// behaviour is right.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// The first port of the range these tests use on 127.0.0.1 (25060–25199).
const PORT_RANGE_START: u16 = 25060;
/// Ports per test: one for Kamailio, two (SIP, control) for each of 4 sipps.
const PORTS_PER_BLOCK: u16 = 10;

/// The path of a program from PATH, or from /usr/sbin where Debian puts
/// kamailio and kamcmd (not on every user's PATH). Fails the test, saying
/// how to install it, when it is nowhere.
pub fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` not found; these tests need the real Kamailio and sipp: \
                 install them with `{INSTALL_HINT}` (.ci/run does this on a fresh machine)"
            )
        })
}

/// Fails the test unless kamailio, kamcmd and sipp are installed.
pub fn require_tools() {
    for name in ["kamailio", "kamcmd", "sipp"] {
        tool(name);
    }
}

/// The crate's root directory (where `kamailio/` and `tests/sipp/` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A sipp scenario file of `tests/sipp/`.
pub fn scenario(name: &str) -> PathBuf {
    let path = repo().join("tests").join("sipp").join(name);
    assert!(path.is_file(), "missing sipp scenario {}", path.display());
    path
}

/// Polls `ready` every 20 ms until it is true; fails the test after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting until {what}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// A temporary directory, removed when dropped unless the test failed.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("dialbridge-kam-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| {
            panic!("cannot create temporary directory {}: {e}", path.display())
        });
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "test failed: Kamailio log and sipp traces kept in {}",
                self.path.display()
            );
        } else if std::env::var_os("DIALBRIDGE_KEEP_TEST_DIRS").is_some() {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// A child process in its own process group; dropping the guard stops the
/// whole group (SIGTERM, then SIGKILL if it is still there after 5 s).
struct ProcessGuard {
    child: Child,
    stopped: bool,
}

impl ProcessGuard {
    fn spawn(mut command: Command, what: &str) -> ProcessGuard {
        command.process_group(0).stdin(Stdio::null());
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        ProcessGuard {
            child,
            stopped: false,
        }
    }

    /// The exit code if the process has ended (None if a signal ended it).
    fn try_exit(&mut self) -> Option<Option<i32>> {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.stopped = true;
                Some(status.code())
            }
            Ok(None) => None,
            Err(e) => panic!("cannot query child process {}: {e}", self.child.id()),
        }
    }

    fn signal_group(&self, signal: &str) {
        // The shell's kill builtin can signal a process group; std cannot.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "kill -s {signal} -- -{} 2>/dev/null",
                self.child.id()
            ))
            .status();
    }

    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.signal_group("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (Kamailio's workers) goes too.
        self.signal_group("KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stopped = true;
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Two ports for one sipp instance: SIP and sipp's control socket.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub sip: u16,
    ctl: u16,
}

/// One test's workplace: a temporary directory and a block of ports of its
/// own, so tests can run in parallel. Declare it first in a test so that it
/// is dropped last, after the processes using its directory.
pub struct Lab {
    dir: TempDir,
    base: u16,
    runs: AtomicU32,
}

impl Lab {
    /// `block` (0..14) picks this test's ports: 25060 + 10 * block onwards.
    pub fn new(label: &str, block: u16) -> Lab {
        require_tools();
        assert!(block < 14, "port block {block} is outside 25060-25199");
        Lab {
            dir: TempDir::new(label),
            base: PORT_RANGE_START + PORTS_PER_BLOCK * block,
            runs: AtomicU32::new(0),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kamailio's SIP port (UDP and TCP).
    pub fn kamailio_port(&self) -> u16 {
        self.base
    }

    /// Ports for the sipp instance number `i` (0..4) of this test.
    pub fn slot(&self, i: u16) -> Slot {
        assert!(i < 4, "only 4 sipp slots per test");
        Slot {
            sip: self.base + 1 + 2 * i,
            ctl: self.base + 2 + 2 * i,
        }
    }

    /// A sipp run of `scenario_file` on `slot`'s ports; `name` names its files.
    pub fn sipp(&self, name: &str, scenario_file: &str, slot: Slot) -> SippCommand {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        SippCommand {
            name: format!("{run:02}-{name}"),
            dir: self.dir().to_path_buf(),
            scenario: scenario(scenario_file),
            slot,
            remote: None,
            args: Vec::new(),
        }
    }
}

/// A subscriber row: user, domain, password (stored as HA1).
pub struct User {
    pub name: &'static str,
    pub domain: &'static str,
    pub password: &'static str,
}

/// A row of the carriers table.
pub struct Carrier {
    pub name: &'static str,
    pub address: String,
    pub username: &'static str,
    pub password: &'static str,
}

/// A dispatcher.list row.
pub struct Destination {
    pub set: u32,
    pub port: u16,
    /// 0 in service, 4 disabled (trusted sender only)
    pub flags: u32,
    /// higher first, for the priority algorithm of the Teams set
    pub priority: u32,
}

impl Destination {
    /// An in-service destination sip:127.0.0.1:`port` of `set`.
    pub fn new(set: u32, port: u16) -> Destination {
        Destination {
            set,
            port,
            flags: 0,
            priority: 0,
        }
    }
}

/// What a test's Kamailio knows: its tables and timers.
pub struct KamailioSetup {
    pub users: Vec<User>,
    pub carriers: Vec<Carrier>,
    /// dispatcher.list rows
    pub dispatcher: Vec<Destination>,
    /// DS_PING_INTERVAL, seconds between OPTIONS probes
    pub ping_interval_s: u32,
    /// FR_TIMER, ms without any reply before a hop counts as dead
    pub fr_timer_ms: u32,
}

impl Default for KamailioSetup {
    fn default() -> Self {
        KamailioSetup {
            users: Vec::new(),
            carriers: Vec::new(),
            dispatcher: Vec::new(),
            // no probing during tests that are not about it
            ping_interval_s: 3600,
            fr_timer_ms: 2000,
        }
    }
}

/// HA1 = md5(user:realm:password) for the subscriber table, via md5sum.
fn ha1(user: &str, realm: &str, password: &str) -> String {
    let mut md5sum = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot run md5sum (coreutils) to compute a subscriber's HA1");
    md5sum
        .stdin
        .take()
        .expect("md5sum stdin")
        .write_all(format!("{user}:{realm}:{password}").as_bytes())
        .expect("cannot write to md5sum");
    let out = md5sum.wait_with_output().expect("md5sum failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.split_whitespace().next().unwrap_or("").to_string();
    assert_eq!(hex.len(), 32, "unexpected md5sum output {text:?}");
    hex
}

/// db_text escapes ':' (its column separator) with a backslash.
fn dbtext(value: &str) -> String {
    value.replace('\\', "\\\\").replace(':', "\\:")
}

/// Appends rows to a db_text table copied from kamailio/db/.
fn append_rows(table: &Path, rows: &[String]) {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(table)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", table.display()));
    for row in rows {
        writeln!(file, "{row}").expect("cannot write a db_text row");
    }
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

/// Sends one OPTIONS to 127.0.0.1:`port`; true if a 200 comes back.
fn options_answered(port: u16) -> bool {
    static PROBE: AtomicU32 = AtomicU32::new(0);
    let n = PROBE.fetch_add(1, Ordering::SeqCst);
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let Ok(local) = socket.local_addr() else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(300)));
    let request = format!(
        "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-probe-{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=probe{n}\r\n\
         To: <sip:127.0.0.1:{port}>\r\n\
         Call-ID: probe-{n}-{}@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n",
        std::process::id()
    );
    if socket
        .send_to(request.as_bytes(), ("127.0.0.1", port))
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 4096];
    match socket.recv_from(&mut buf) {
        Ok((len, _)) => buf[..len].starts_with(b"SIP/2.0 200"),
        Err(_) => false,
    }
}

/// A running Kamailio with the project's kamailio.cfg.
pub struct Kamailio {
    guard: ProcessGuard,
    dir: PathBuf,
    ctl: PathBuf,
    pub port: u16,
}

impl Kamailio {
    /// Starts Kamailio for `lab` and waits until it answers OPTIONS and
    /// its control socket is up.
    pub fn start(lab: &Lab, setup: &KamailioSetup) -> Kamailio {
        let dir = lab.dir().join("kamailio");
        let db = dir.join("db");
        let run = dir.join("run");
        fs::create_dir_all(&db).expect("cannot create Kamailio's db directory");
        fs::create_dir_all(&run).expect("cannot create Kamailio's runtime directory");

        // The project's files, unchanged; the tests only add rows.
        let source = repo().join("kamailio");
        let cfg = dir.join("kamailio.cfg");
        fs::copy(source.join("kamailio.cfg"), &cfg).expect("cannot copy kamailio/kamailio.cfg");
        for table in ["version", "subscriber", "carriers"] {
            fs::copy(source.join("db").join(table), db.join(table))
                .unwrap_or_else(|e| panic!("cannot copy kamailio/db/{table}: {e}"));
        }
        let subscribers: Vec<String> = setup
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                format!(
                    "{}:{}:{}::{}:",
                    i + 1,
                    dbtext(u.name),
                    dbtext(u.domain),
                    ha1(u.name, u.domain, u.password)
                )
            })
            .collect();
        append_rows(&db.join("subscriber"), &subscribers);
        let carriers: Vec<String> = setup
            .carriers
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}:{}",
                    dbtext(c.name),
                    dbtext(&c.address),
                    dbtext(c.username),
                    dbtext(c.password)
                )
            })
            .collect();
        append_rows(&db.join("carriers"), &carriers);

        let list = dir.join("dispatcher.list");
        let mut rows = String::from("# written by tests/kamailio_support\n");
        for d in &setup.dispatcher {
            rows.push_str(&format!(
                "{} sip:127.0.0.1:{} {} {}\n",
                d.set, d.port, d.flags, d.priority
            ));
        }
        fs::write(&list, rows).expect("cannot write dispatcher.list");

        let ctl = run.join("ctl.sock");
        let log_path = dir.join("kamailio.log");
        let log = fs::File::create(&log_path).expect("cannot create kamailio.log");
        let port = lab.kamailio_port();
        let mut command = Command::new(tool("kamailio"));
        command
            .current_dir(&dir)
            .arg("-DD") // stay in the foreground, as our child
            .arg("-E") // log to stderr (our log file)
            .arg("-f")
            .arg(&cfg)
            .arg("-Y")
            .arg(&run)
            .arg("-w")
            .arg(&dir)
            .arg("-P")
            .arg(dir.join("kamailio.pid"))
            .args(["-m", "64", "-M", "8"])
            .arg("-A")
            .arg("SIP_IP=127.0.0.1")
            .arg("-A")
            .arg(format!("SIP_PORT={port}"))
            .arg("-A")
            .arg(format!("DB_URL=\"text://{}\"", db.display()))
            .arg("-A")
            .arg(format!("DISPATCHER_LIST=\"{}\"", list.display()))
            .arg("-A")
            .arg(format!("CTL_SOCKET=\"unix:{}\"", ctl.display()))
            .arg("-A")
            .arg(format!("DS_PING_INTERVAL={}", setup.ping_interval_s))
            .arg("-A")
            .arg(format!("FR_TIMER={}", setup.fr_timer_ms))
            .arg("-A")
            .arg("CHILDREN=2")
            .stdout(log.try_clone().expect("cannot clone log file handle"))
            .stderr(log);
        let mut kamailio = Kamailio {
            guard: ProcessGuard::spawn(command, "kamailio"),
            dir,
            ctl,
            port,
        };
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        loop {
            if let Some(code) = kamailio.guard.try_exit() {
                panic!(
                    "kamailio exited ({code:?}) before it was ready:\n{}",
                    kamailio.log_tail()
                );
            }
            if kamailio.ctl.exists() && options_answered(port) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "kamailio did not answer OPTIONS on 127.0.0.1:{port} within {PROCESS_TIMEOUT:?}:\n{}",
                kamailio.log_tail()
            );
            thread::sleep(Duration::from_millis(50));
        }
        kamailio
    }

    /// The end of Kamailio's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.dir.join("kamailio.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Runs a kamcmd RPC command against this Kamailio; its output.
    pub fn rpc(&self, args: &[&str]) -> String {
        let out = Command::new(tool("kamcmd"))
            .arg("-s")
            .arg(format!("unix:{}", self.ctl.display()))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run kamcmd: {e}"));
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Contact addresses bound to `aor` (user@domain), from `ul.lookup`.
    pub fn contacts(&self, aor: &str) -> Vec<String> {
        let out = self.rpc(&["ul.lookup", "location", aor]);
        if out.contains("AOR not found") {
            return Vec::new();
        }
        let contacts: Vec<String> = out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Address: "))
            .map(str::to_string)
            .collect();
        assert!(
            !contacts.is_empty(),
            "unexpected ul.lookup output for {aor}:\n{out}"
        );
        contacts
    }

    /// Dispatcher destinations and their flags ("AP" active, "IP" inactive,
    /// both probing...), from `dispatcher.list`.
    pub fn dispatcher_flags(&self) -> HashMap<String, String> {
        let out = self.rpc(&["dispatcher.list"]);
        let mut flags = HashMap::new();
        let mut uri: Option<String> = None;
        for line in out.lines().map(str::trim) {
            if let Some(u) = line.strip_prefix("URI: ") {
                uri = Some(u.to_string());
            } else if let Some(f) = line.strip_prefix("FLAGS: ")
                && let Some(u) = uri.take()
            {
                flags.insert(u, f.to_string());
            }
        }
        assert!(
            !flags.is_empty(),
            "unexpected dispatcher.list output:\n{out}"
        );
        flags
    }
}

/// A sipp command line being put together.
pub struct SippCommand {
    name: String,
    dir: PathBuf,
    scenario: PathBuf,
    slot: Slot,
    remote: Option<u16>,
    args: Vec<String>,
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
