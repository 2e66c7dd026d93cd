//! A live call's handle: how another task (the REST API of issue 13, a
//! test) steers a call without touching its socket. The call's task owns
//! its socket and its state; a [`CallHandle`] sends it a [`Command`] on a
//! bounded channel, each command carrying the `oneshot` its answer comes
//! back on (the pattern of tokio's mini-redis client). The daemon keeps one
//! handle per live call in its registry, by call_sid.
//!
//! The call answers commands wherever it waits: between verbs and during
//! one ([`Steering::serve`]), and in a dial's live phase, whose loop
//! selects on them (`call::dial::live`). What each command does there is
//! written on [`Command`].

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

pub use freeswitch_esl_tokio::HangupCause;

use crate::app::Hook;
pub use crate::call::listen::pause::ListenStatusError;

/// Commands waiting for a call at once. A sender waits for room
/// (`send().await`): the call serves commands as they come, so a wait is
/// short, and a burst from one API client cannot grow a queue without
/// bound.
pub(crate) const COMMANDS: usize = 8;

/// What another task may ask of a live call.
#[derive(Debug)]
pub(crate) enum Command {
    /// End the call with `cause`. In a dial's live phase (targets ringing
    /// or bridged) it is `sendmsg execute hangup <cause>` on the caller,
    /// which FreeSWITCH runs at once inside the running `bridge`
    /// (docs/freeswitch.md §14: the ringing legs are cancelled, the dial's
    /// actionHook gets its outcome as when the caller hangs up); elsewhere
    /// `uuid_kill <caller> <cause>`, which ends whatever the caller runs.
    /// Answered once FreeSWITCH accepted the command.
    Hangup {
        /// The Q.850 cause the caller's channel ends with.
        cause: HangupCause,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), CommandError>>,
    },
    /// Stop what the call is doing and run the application `hook` returns
    /// (updateCall's `call_hook`). During a verb: `uuid_break <caller> all`
    /// ends a playback, say or pause, and the verb loop then fetches `hook`
    /// instead of going on. In a dial's live phase: ringing legs are
    /// cancelled (`uuid_kill <leg> ORIGINATOR_CANCEL` each, docs/
    /// freeswitch.md §14: `uuid_break` does not end a ringing bridge) and
    /// the dial's actionHook gets `dial_status: "canceled"`; a bridged
    /// callee is hung up (NORMAL_CLEARING). Either way the new application
    /// runs next; what the actionHook answers is not run. Answered once
    /// FreeSWITCH accepted the command.
    Redirect {
        /// Where the new application comes from.
        hook: Hook,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), CommandError>>,
    },
    /// Steer the conference the call is in (updateCall's
    /// `conf_mute_status`, `conf_hold_status`): served by the conference
    /// verb's loop while the call is in a room (`call::conference_steer`);
    /// anywhere else answered [`ConferenceRefusal::NotInConference`].
    Conference {
        /// What to do.
        action: ConferenceAction,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), ConferenceRefusal>>,
    },
    /// Pause (`paused: true`) or resume every listen stream the call runs
    /// (updateCall's `listen_status`; see `crate::call::listen::pause`):
    /// no audio frame is sent while paused, the websocket stays open, and a
    /// resume goes on with the live audio. Answered at once wherever the
    /// call is (no FreeSWITCH command); `NoListen` when nothing streams.
    ListenStatus {
        /// True to pause, false to resume.
        paused: bool,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), ListenStatusError>>,
    },
    /// The call as its hooks see it, and its dial's legs while a dial rings
    /// or is bridged.
    Snapshot {
        /// Where the answer goes.
        reply: oneshot::Sender<Snapshot>,
    },
}

/// Why a command did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The call ended before it could answer (or has no handle any more).
    #[error("the call has ended")]
    Ended,
    /// FreeSWITCH refused or did not answer the command.
    #[error("FreeSWITCH refused the command: {0}")]
    Refused(String),
}

/// A live call as its hooks see it: the fields every hook payload carries
/// (`call_sid`, `call_status`, `from`, `to`, `customerData`, ...), as of
/// the last change the call reported; and, while a dial rings or is
/// bridged, each of its legs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// The call's hook fields.
    pub call: Map<String, Value>,
    /// The running dial's legs, in dial order; None outside a dial's live
    /// phase.
    pub dial: Option<Vec<LegSnapshot>>,
}

/// One leg of a running dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegSnapshot {
    /// Index in the application's target array.
    pub target: usize,
    /// The leg's UUID (its `call_sid`, `dial_call_sid` once bridged).
    pub call_sid: String,
    /// Where it stands.
    pub state: LegState,
    /// Its Hangup-Cause, once it ended.
    pub hangup_cause: Option<String>,
    /// Its final SIP status, once it got one.
    pub sip_status: Option<u16>,
}

/// Where a leg of a running dial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegState {
    /// Placed, no ringing seen yet.
    Trying,
    /// Ringing or early media.
    Ringing,
    /// Answered, not (or not yet) bridged: being screened, or lost the race.
    Answered,
    /// Bridged to the caller.
    Bridged,
    /// Ended.
    Ended,
}

/// The sending end: clonable, held by the daemon's registry and whoever it
/// hands it to.
#[derive(Debug, Clone)]
pub struct CallHandle {
    call_sid: String,
    tx: mpsc::Sender<Box<Command>>,
}

impl CallHandle {
    /// The call's UUID.
    pub fn call_sid(&self) -> &str {
        &self.call_sid
    }

    /// Ends the call with `cause` (see [`Command::Hangup`]).
    pub async fn hangup(&self, cause: HangupCause) -> Result<(), CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Hangup { cause, reply }).await?;
        answer.await.unwrap_or(Err(CommandError::Ended))
    }

    /// Runs the application of `hook` instead of what the call does now
    /// (see [`Command::Redirect`]).
    pub async fn redirect(&self, hook: Hook) -> Result<(), CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Redirect { hook, reply }).await?;
        answer.await.unwrap_or(Err(CommandError::Ended))
    }

    /// Steers the call's conference (see [`Command::Conference`]).
    pub async fn conference(&self, action: ConferenceAction) -> Result<(), ConferenceRefusal> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Conference { action, reply }).await?;
        answer
            .await
            .unwrap_or(Err(ConferenceRefusal::Command(CommandError::Ended)))
    }

    /// Pauses (`true`) or resumes the call's listen streams (see
    /// [`Command::ListenStatus`]).
    pub async fn listen_status(&self, paused: bool) -> Result<(), ListenStatusError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::ListenStatus { paused, reply })
            .await
            .map_err(|_| ListenStatusError::Ended)?;
        answer.await.unwrap_or(Err(ListenStatusError::Ended))
    }

    /// The call as its hooks see it (see [`Snapshot`]).
    pub async fn snapshot(&self) -> Result<Snapshot, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Snapshot { reply }).await?;
        answer.await.map_err(|_| CommandError::Ended)
    }

    async fn send(&self, command: Command) -> Result<(), CommandError> {
        self.tx
            .send(Box::new(command))
            .await
            .map_err(|_| CommandError::Ended)
    }
}

/// The receiving end of a call's commands. Boxed: tokio's channel keeps
/// a block of 32 slots per call from the start, 32 pointers instead of 32
/// commands (about 3 KiB of every live call's memory).
pub(crate) type Commands = mpsc::Receiver<Box<Command>>;

/// A new call's command channel: the handle, and the receiving end its
/// task serves.
pub(crate) fn channel(call_sid: &str) -> (CallHandle, Commands) {
    let (tx, rx) = mpsc::channel(COMMANDS);
    (
        CallHandle {
            call_sid: call_sid.to_owned(),
            tx,
        },
        rx,
    )
}

pub use super::conference_steer::{ConferenceAction, ConferenceRefusal};
pub(crate) use super::steering::Steering;

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::watch;

    #[tokio::test]
    async fn a_snapshot_aside_is_the_published_view_and_a_gone_call_says_so() {
        let (handle, rx) = channel("A");
        let mut view = Map::new();
        view.insert("call_sid".into(), "A".into());
        let (_publish, view_rx) = watch::channel(view.clone());
        let mut steering = Steering::new(rx, view_rx);
        // The work holding the call asks itself: only `serve` can answer.
        let asking = handle.clone();
        let got = steering.serve(async move { asking.snapshot().await }).await;
        assert_eq!(
            got,
            Ok(Snapshot {
                call: view,
                dial: None
            })
        );
        drop(steering);
        assert_eq!(
            handle.hangup(HangupCause::NormalClearing).await,
            Err(CommandError::Ended)
        );
    }
}
