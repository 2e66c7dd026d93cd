//! Where each Kamailio test works: its own temporary directory and its own
//! block of ports on 127.0.0.1, so tests run in parallel, within one test
//! binary and across them.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use super::process::TempDir;
use super::require_tools;
use super::sipp::{SippCommand, scenario};

/// The first port of the range these tests use on 127.0.0.1 (25060–25199).
const PORT_RANGE_START: u16 = 25060;
/// Ports per test: one for Kamailio, two (SIP, control) for each of 4 sipps.
const PORTS_PER_BLOCK: u16 = 10;

/// The port block of each test, one variant per test of every Kamailio test
/// binary (tests/kamailio_*.rs). The binaries run at the same time, so a
/// block must never be shared between two tests, whichever binary they are
/// in: a new test adds its own variant here (at most 14 fit in the range).
#[derive(Clone, Copy, Debug)]
pub enum PortBlock {
    Register,
    Unregister,
    UserCall,
    NotFound,
    Fork,
    RoundRobin,
    Failover,
    Probing,
    Untrusted,
    Carrier,
    Teams,
    Negative,
    ForgedHeaders,
}

/// Two ports for one sipp instance: SIP and sipp's control socket.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub sip: u16,
    pub(super) ctl: u16,
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
    /// `block` (its number, 0..14) picks this test's ports: 25060 + 10 *
    /// block onwards.
    pub fn new(label: &str, block: PortBlock) -> Lab {
        require_tools();
        let block = block as u16;
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
