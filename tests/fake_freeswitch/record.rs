//! What the fake observed during one call, for tests to assert on: the
//! daemon's commands, the dial strings as FreeSWITCH parsed them, the SIP
//! the caller received, each leg's fate, protocol errors.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// One command the daemon sent on a socket, raw and split up.
#[derive(Debug, Clone)]
pub struct Command {
    /// Milliseconds since the call reached the switch.
    pub at: Duration,
    /// The whole header block as received.
    pub raw: String,
    /// The first word (`sendmsg`, `filter`, `api`, ...).
    pub verb: String,
    /// The rest of the first line.
    pub args: String,
    /// The lines after the first (sendmsg's `execute-app-name`...).
    pub headers: Vec<(String, String)>,
    /// Which socket: the A leg's or a screening leg's UUID.
    pub socket: String,
}

impl Command {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// `execute-app-name` of a sendmsg.
    pub fn app(&self) -> Option<&str> {
        self.header("execute-app-name")
    }
}

/// One leg of a dial string as FreeSWITCH would install it.
#[derive(Debug, Clone)]
pub struct DialLeg {
    pub index: usize,
    pub uuid: String,
    /// The endpoint text after the variable block.
    pub endpoint: String,
    /// Global `{}` then leg `[]` variables, decoded, leg values winning.
    pub vars: Vec<(String, String)>,
}

impl DialLeg {
    pub fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// A `bridge` the daemon executed, parsed as the switch would install it,
/// so a test checks the dial string's meaning rather than its text.
#[derive(Debug, Clone)]
pub struct Dial {
    pub raw: String,
    /// Why freeswitch-types' port of the switch parser refused it.
    pub error: Option<String>,
    pub global_vars: Vec<(String, String)>,
    pub legs: Vec<DialLeg>,
}

/// A SIP message the caller received (or sent, for its own hangup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerSip {
    Ringing180,
    Progress183,
    Ok200,
    /// The final response to an unanswered INVITE.
    Final(u16),
    /// FreeSWITCH hung up the answered caller; `Reason: Q.850;cause=N`.
    Bye(u16),
    /// The caller hung up (BYE when answered).
    CallerBye,
    /// The caller cancelled (the switch answers 487).
    CallerCancel,
}

/// How a dialed leg ended, so a test can assert per-leg outcomes (the
/// per-leg CHANNEL_HANGUP_COMPLETE is the truth, docs/freeswitch.md §3).
#[derive(Debug, Clone, Default)]
pub struct LegFate {
    pub uuid: String,
    pub endpoint: String,
    pub answered: bool,
    pub bridged: bool,
    pub cause: Option<String>,
    pub sip_term_status: Option<String>,
    pub disposition: Option<String>,
    /// The Call-ID of the leg's INVITE.
    pub sip_call_id: Option<String>,
    /// The extra headers (`sip_h_*` variables) the leg's INVITE carried,
    /// the caller's copied ones included (fake_freeswitch/headers.rs).
    pub invite_headers: Vec<(String, String)>,
}

impl LegFate {
    /// The value of header `name` on the leg's INVITE (names ignore case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.invite_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The log's contents behind its mutex, so the switch can write from any
/// task while a test reads.
#[derive(Debug, Default)]
struct Inner {
    commands: Vec<Command>,
    dials: Vec<Dial>,
    sip: Vec<(Duration, CallerSip)>,
    legs: Vec<LegFate>,
    errors: Vec<String>,
    closed_with_a_up: bool,
    a_hangup: Option<String>,
    socket_closed: bool,
    socket_refused: bool,
    events: Vec<(String, String)>,
}

/// The shared log of one call, written by the switch, read by the test.
#[derive(Debug)]
pub struct CallLog {
    pub start: Instant,
    inner: Mutex<Inner>,
    pub changed: Notify,
}

impl Default for CallLog {
    fn default() -> Self {
        CallLog {
            start: Instant::now(),
            inner: Mutex::default(),
            changed: Notify::new(),
        }
    }
}

impl CallLog {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let r = f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()));
        self.changed.notify_waiters();
        r
    }
    fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        f(&self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn push_command(&self, c: Command) {
        self.with(|i| i.commands.push(c));
    }
    pub fn push_dial(&self, d: Dial) {
        self.with(|i| i.dials.push(d));
    }
    pub fn push_sip(&self, s: CallerSip) {
        let at = self.elapsed();
        self.with(|i| i.sip.push((at, s)));
    }
    pub fn push_leg(&self, l: LegFate) {
        self.with(|i| i.legs.push(l));
    }
    pub fn update_leg(&self, uuid: &str, f: impl FnOnce(&mut LegFate)) {
        self.with(|i| {
            if let Some(l) = i.legs.iter_mut().find(|l| l.uuid == uuid) {
                f(l)
            }
        });
    }
    pub fn error(&self, e: impl Into<String>) {
        self.with(|i| i.errors.push(e.into()));
    }
    pub fn set_closed(&self, a_up: bool) {
        self.with(|i| {
            i.socket_closed = true;
            i.closed_with_a_up |= a_up;
        });
    }
    /// The socket app found nothing listening (no connection was made).
    pub fn set_refused(&self) {
        self.with(|i| {
            i.socket_refused = true;
            i.socket_closed = true;
        });
    }
    pub fn set_a_hangup(&self, cause: &str) {
        self.with(|i| i.a_hangup = Some(cause.to_string()));
    }
    /// Records an event delivered on a socket (name, Unique-ID).
    pub fn push_event(&self, name: &str, uuid: &str) {
        self.with(|i| i.events.push((name.to_string(), uuid.to_string())));
    }

    pub fn commands(&self) -> Vec<Command> {
        self.read(|i| i.commands.clone())
    }
    pub fn dials(&self) -> Vec<Dial> {
        self.read(|i| i.dials.clone())
    }
    pub fn caller_sip(&self) -> Vec<(Duration, CallerSip)> {
        self.read(|i| i.sip.clone())
    }
    pub fn legs(&self) -> Vec<LegFate> {
        self.read(|i| i.legs.clone())
    }
    pub fn errors(&self) -> Vec<String> {
        self.read(|i| i.errors.clone())
    }
    pub fn closed_with_a_up(&self) -> bool {
        self.read(|i| i.closed_with_a_up)
    }
    pub fn socket_closed(&self) -> bool {
        self.read(|i| i.socket_closed)
    }
    pub fn socket_refused(&self) -> bool {
        self.read(|i| i.socket_refused)
    }
    pub fn a_hangup(&self) -> Option<String> {
        self.read(|i| i.a_hangup.clone())
    }
    pub fn events(&self) -> Vec<(String, String)> {
        self.read(|i| i.events.clone())
    }
}
