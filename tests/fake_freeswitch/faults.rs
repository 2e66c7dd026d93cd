//! Faults the switch can inject on one socket, for tests/faults: what a
//! production FreeSWITCH (or the network under it) does on a bad day. They
//! are not modelled from captures; each is the plainest form of its fault.
//!
//! Set on a call with `Caller::faults`, on a screened leg's own socket with
//! `Callee::screening_faults`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::event::Event;

/// The faults of one socket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// The socket cannot connect (nothing accepts at its address).
    pub unreachable: bool,
    /// Commands (by their first word: `event`, `filter`, `linger`) answered
    /// `-ERR`, with no effect.
    pub refused: Vec<String>,
    /// Applications whose CHANNEL_EXECUTE_COMPLETE never reaches this
    /// socket (observers still get it).
    pub swallowed_completions: Vec<String>,
    /// The socket's own channel's CHANNEL_HANGUP_COMPLETE never reaches it.
    pub swallowed_hangup_complete: bool,
    /// Once this socket has queued `sendmsg execute <app>` (or `<app>
    /// <arg>` exactly), the switch writes nothing more to it (no reply, no
    /// event, no notice) and never closes it: a FreeSWITCH that stopped
    /// answering.
    pub silent_after: Option<String>,
    /// This many milliseconds after the socket connected, the switch writes
    /// nothing more to it, as with `silent_after`, whatever the call is
    /// doing (a bridge held at the time, say).
    pub silent_at: Option<u64>,
    /// Once this socket has queued `sendmsg execute <app>`, the switch drops
    /// the TCP connection without a word, as a crashed listener thread or
    /// a cut network would; the channel's applications go on.
    pub cut_after: Option<String>,
    /// Before answering an `api` command starting with this text, the
    /// switch writes this many events of the socket's channel at once, runs
    /// the command and answers 300 ms later: the daemon's event queue
    /// overflows while it waits for the reply, and what the command set off
    /// (a hangup, the bridge's end) is dropped with the overflow.
    pub flood_before_api: Option<(String, usize)>,
}

impl Faults {
    /// No fault.
    pub fn none() -> Self {
        Self::default()
    }
    /// The socket never connects.
    pub fn unreachable(mut self) -> Self {
        self.unreachable = true;
        self
    }
    /// `command` (`event`, `filter`, ...) is answered `-ERR`.
    pub fn refuse(mut self, command: &str) -> Self {
        self.refused.push(command.into());
        self
    }
    /// `app`'s CHANNEL_EXECUTE_COMPLETE is never delivered here.
    pub fn swallow_completion_of(mut self, app: &str) -> Self {
        self.swallowed_completions.push(app.into());
        self
    }
    /// The channel's CHANNEL_HANGUP_COMPLETE is never delivered here.
    pub fn swallow_hangup_complete(mut self) -> Self {
        self.swallowed_hangup_complete = true;
        self
    }
    /// Silence after `sendmsg execute <app>` (see [`Faults::silent_after`]).
    pub fn silent_after(mut self, app: &str) -> Self {
        self.silent_after = Some(app.into());
        self
    }
    /// Silence `ms` after the socket connected (see [`Faults::silent_at`]).
    pub fn silent_at(mut self, ms: u64) -> Self {
        self.silent_at = Some(ms);
        self
    }
    /// The connection drops after `sendmsg execute <app>`.
    pub fn cut_after(mut self, app: &str) -> Self {
        self.cut_after = Some(app.into());
        self
    }
    /// `events` junk events before the reply to `api <prefix>...`.
    pub fn flood_before_api(mut self, prefix: &str, events: usize) -> Self {
        self.flood_before_api = Some((prefix.into(), events));
        self
    }

    /// True when `ev`, an event of `own` (the socket's channel), must not
    /// reach this socket.
    pub fn swallows(&self, ev: &Event, own: &str) -> bool {
        if ev.unique_id() != Some(own) {
            return false;
        }
        match ev.name.as_str() {
            "CHANNEL_HANGUP_COMPLETE" => self.swallowed_hangup_complete,
            "CHANNEL_EXECUTE_COMPLETE" => ev
                .get("Application")
                .is_some_and(|a| self.swallowed_completions.iter().any(|s| s == a)),
            _ => false,
        }
    }

    /// True when `spec` (`app` or `app arg`) names this execute.
    pub fn names(spec: Option<&str>, app: &str, arg: &str) -> bool {
        spec.is_some_and(|s| s == app || s == format!("{app} {arg}"))
    }

    /// True when `command` (a whole command line) is to be answered `-ERR`.
    pub fn refuses(&self, command: &str) -> bool {
        let verb = command.split_whitespace().next().unwrap_or_default();
        self.refused.iter().any(|r| r == verb)
    }
}

/// A socket's faults while it runs: the script plus whether it went silent.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub faults: Arc<Faults>,
    pub silent: Arc<AtomicBool>,
}

impl Live {
    pub fn new(faults: Faults) -> Self {
        Live {
            faults: Arc::new(faults),
            silent: Arc::new(AtomicBool::new(false)),
        }
    }
    pub fn is_silent(&self) -> bool {
        self.silent.load(Ordering::SeqCst)
    }
    pub fn go_silent(&self) {
        self.silent.store(true, Ordering::SeqCst);
    }
}

/// Writes `n` events of `uuid` at once (a CHANNEL_EXECUTE of an
/// application nobody queued), to overflow the reader's event queue.
pub fn flood(sw: &super::switch::Switch, uuid: &str, n: usize, send: &dyn Fn(Vec<u8>)) {
    let cu = sw.0.core_uuid.clone();
    let post = [
        ("Application", "log".to_string()),
        ("Application-UUID", uuid::Uuid::new_v4().to_string()),
    ];
    let Some(ev) = sw
        .lock()
        .chan_event(&cu, uuid, "CHANNEL_EXECUTE", &[], &post)
    else {
        return;
    };
    let bytes = ev.to_json();
    for _ in 0..n {
        send(bytes.clone());
    }
}
