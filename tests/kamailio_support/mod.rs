//! Harness for the Kamailio + sipp integration tests (tests/kamailio_*.rs:
//! registrar, dispatcher, carrier and Teams routes).
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
//!
//! Each test binary compiles this module on its own and uses only part of
//! it, hence the module-wide allow.
#![allow(dead_code, unused_imports)]

mod fixtures;
mod kamailio;
mod lab;
mod process;
mod setup;
mod sipp;

pub use fixtures::{DOMAIN, answering, aor, password, uri, users};
pub use kamailio::Kamailio;
pub use lab::{Lab, PortBlock, Slot};
pub use process::TempDir;
pub use setup::{Carrier, Destination, KamailioSetup, User};
pub use sipp::{Sipp, SippCommand, SippRun, scenario};

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

/// How the tools get onto a machine (`.ci/run` does it on a fresh one).
pub const INSTALL_HINT: &str = "apt-get install -y kamailio sip-tester";

/// Longest wait for a process to become ready or to finish. Generous: a
/// loaded 2-core machine can be slow, and nothing waits this long when the
/// behaviour is right.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

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
