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

/// A SIP message FreeSWITCH sent to one party of the call (beyond the
/// caller's call-progress responses, `CallerSip`), so a test can assert
/// what a phone would have received: the REFER/NOTIFY dialogue, INFO,
/// MESSAGE, hold re-INVITEs, RFC 2833 digits. Each is from a capture's
/// sipp log (docs/freeswitch.md §11, §20–§23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipSent {
    /// `202 Accepted` to the party's REFER (§11).
    Accepted202,
    /// A NOTIFY (`Event: refer`) with this sipfrag, e.g. `SIP/2.0 200 OK`.
    Notify(String),
    /// A BYE (after a REFER: FreeSWITCH releases the referrer, §11, §20).
    Bye,
    /// A REFER (`deflect`, §20).
    Refer {
        refer_to: String,
        referred_by: String,
    },
    /// An in-dialog INFO (§21).
    Info { content_type: String, body: String },
    /// An in-dialog MESSAGE (§21).
    Message { content_type: String, body: String },
    /// An in-dialog NOTIFY sent for a `sendevent NOTIFY` (mod_sofia's
    /// code; `Subscription-State: terminated;reason=noresource`).
    EventNotify {
        event: String,
        content_type: String,
        body: String,
    },
    /// An in-dialog INFO sent for a `sendevent SEND_INFO` (mod_sofia's
    /// code): its Content-Type, if the event named one, and body.
    EventInfo {
        content_type: Option<String>,
        body: String,
    },
    /// A re-INVITE putting the party on hold (`a=sendonly`) or back
    /// (`hold: false`, no direction line; §22).
    Reinvite { hold: bool },
    /// `200 OK` to the party's own request (its INFO, its re-INVITE, §21,
    /// §23): the method.
    Ok(String),
    /// RFC 2833 digits (`uuid_send_dtmf`, §22).
    Dtmf(String),
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
    app_runs: Vec<super::pacing::AppRun>,
    sip_sent: Vec<(String, SipSent)>,
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

    /// An application started on a channel of this call.
    pub fn push_app_run(&self, r: super::pacing::AppRun) {
        self.with(|i| i.app_runs.push(r));
    }
    /// FreeSWITCH sent `msg` to the party of channel `uuid`.
    pub fn push_sip_sent(&self, uuid: &str, msg: SipSent) {
        self.with(|i| i.sip_sent.push((uuid.to_string(), msg)));
    }
    pub fn app_runs(&self) -> Vec<super::pacing::AppRun> {
        self.read(|i| i.app_runs.clone())
    }
    pub fn sip_sent(&self) -> Vec<(String, SipSent)> {
        self.read(|i| i.sip_sent.clone())
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
