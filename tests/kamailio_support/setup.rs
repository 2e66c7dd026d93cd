//! What a test's Kamailio knows, and how it is written down: subscriber,
//! carrier and dispatcher rows, timers, and the db_text helpers that add
//! the rows to copies of the project's tables.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

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
pub(super) fn ha1(user: &str, realm: &str, password: &str) -> String {
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
pub(super) fn dbtext(value: &str) -> String {
    value.replace('\\', "\\\\").replace(':', "\\:")
}

/// Appends rows to a db_text table copied from kamailio/db/.
pub(super) fn append_rows(table: &Path, rows: &[String]) {
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(table)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", table.display()));
    for row in rows {
        writeln!(file, "{row}").expect("cannot write a db_text row");
    }
}
