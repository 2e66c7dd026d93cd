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

use std::future::Future;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{info, warn};

pub use freeswitch_esl_tokio::HangupCause;

use crate::app::Hook;
use crate::freeswitch::socket::Commander;

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
    tx: mpsc::Sender<Command>,
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

    /// The call as its hooks see it (see [`Snapshot`]).
    pub async fn snapshot(&self) -> Result<Snapshot, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Snapshot { reply }).await?;
        answer.await.map_err(|_| CommandError::Ended)
    }

    async fn send(&self, command: Command) -> Result<(), CommandError> {
        self.tx.send(command).await.map_err(|_| CommandError::Ended)
    }
}

/// A new call's command channel: the handle, and the receiving end its
/// task serves.
pub(crate) fn channel(call_sid: &str) -> (CallHandle, mpsc::Receiver<Command>) {
    let (tx, rx) = mpsc::channel(COMMANDS);
    (
        CallHandle {
            call_sid: call_sid.to_owned(),
            tx,
        },
        rx,
    )
}

/// The receiving end as the call's task uses it: the commands, what the
/// task can do about them without borrowing the call (its hook fields as
/// last published, a second way to the caller's channel), and the hangup
/// asked for, which the verb loop and the call's end obey.
pub(crate) struct Steering {
    rx: mpsc::Receiver<Command>,
    view: watch::Receiver<Map<String, Value>>,
    caller: Option<(Commander, String)>,
    hangup: Option<HangupCause>,
    redirect: Option<Hook>,
}

impl Steering {
    /// Steering for a call whose hook fields are published on `view`.
    pub(crate) fn new(
        rx: mpsc::Receiver<Command>,
        view: watch::Receiver<Map<String, Value>>,
    ) -> Self {
        Self {
            rx,
            view,
            caller: None,
            hangup: None,
            redirect: None,
        }
    }

    /// Steering for a call nobody can reach (its UUID was already
    /// registered): no command ever comes.
    pub(crate) fn unreachable(view: watch::Receiver<Map<String, Value>>) -> Self {
        let (_, rx) = mpsc::channel(1);
        Self::new(rx, view)
    }

    /// Lets a hangup reach the caller `uuid` through `commander` while a
    /// verb holds the call.
    pub(crate) fn reach(&mut self, commander: Commander, uuid: &str) {
        self.caller = Some((commander, uuid.to_owned()));
    }

    /// The cause of a hangup asked for through the handle, once one was.
    pub(crate) fn hangup(&self) -> Option<HangupCause> {
        self.hangup
    }

    /// Records that a hangup with `cause` was sent to FreeSWITCH.
    pub(crate) fn hung_up(&mut self, cause: HangupCause) {
        self.hangup.get_or_insert(cause);
    }

    /// Records that the call is to run `hook`'s application next.
    pub fn redirected(&mut self, hook: Hook) {
        self.redirect = Some(hook);
    }

    /// True when a redirect was asked and the verb loop has not taken it
    /// yet (a dial set up meanwhile cancels itself: `call::dial::live`).
    pub(crate) fn redirect_pending(&self) -> bool {
        self.redirect.is_some()
    }

    /// The hook a redirect asked for, once; the verb loop runs it next.
    pub fn take_redirect(&mut self) -> Option<Hook> {
        self.redirect.take()
    }

    /// The next command; pending forever once nobody can send any more.
    /// Cancel-safe.
    pub(crate) async fn next(&mut self) -> Command {
        match self.rx.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        }
    }

    /// Runs `work` (which holds the call) to its end, answering commands
    /// meanwhile from what needs no call: a snapshot of the fields last
    /// published (no dial legs), a hangup by `uuid_kill` on the caller.
    /// `work` is never cancelled: a hung-up caller ends it the usual way.
    ///
    /// `work` keeps being polled while a command is answered: it may be in
    /// the middle of a command on the same socket, whose client holds the
    /// socket until that command's reply is read, so a command answered
    /// beside a paused `work` would wait for it forever.
    pub(crate) async fn serve<F: Future>(&mut self, work: F) -> F::Output {
        tokio::pin!(work);
        loop {
            let command = tokio::select! {
                out = &mut work => return out,
                command = self.next() => command,
            };
            let (aside, out) = {
                let answering = answer_aside(&self.view, self.caller.as_ref(), command);
                tokio::pin!(answering);
                tokio::select! {
                    out = &mut work => (answering.await, Some(out)),
                    aside = &mut answering => (aside, None),
                }
            };
            match aside {
                Aside::HungUp(cause) => self.hung_up(cause),
                Aside::Redirected(hook) => self.redirected(hook),
                Aside::Nothing => {}
            }
            if let Some(out) = out {
                return out;
            }
        }
    }
}

/// What answering a command aside set in motion.
enum Aside {
    /// Nothing the verb loop must obey.
    Nothing,
    /// A hangup with this cause was sent.
    HungUp(HangupCause),
    /// The running verb was broken off; this hook's application runs next.
    Redirected(Hook),
}

/// Answers `command` without the call (see [`Steering::serve`]).
async fn answer_aside(
    view: &watch::Receiver<Map<String, Value>>,
    caller: Option<&(Commander, String)>,
    command: Command,
) -> Aside {
    match command {
        Command::Snapshot { reply } => {
            let _ = reply.send(Snapshot {
                call: view.borrow().clone(),
                dial: None,
            });
            Aside::Nothing
        }
        Command::Redirect { hook, reply } => {
            info!("redirect asked through the call's handle; breaking off the verb");
            let done = on_caller(caller, "redirect", |uuid| format!("uuid_break {uuid} all")).await;
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                Aside::Redirected(hook)
            } else {
                Aside::Nothing
            }
        }
        Command::Hangup { cause, reply } => {
            info!(
                cause = cause.as_str(),
                "hangup asked through the call's handle"
            );
            let done = on_caller(caller, "hangup", |uuid| {
                crate::freeswitch::command::uuid_kill(uuid, cause)
            })
            .await;
            let sent = done.is_ok();
            let _ = reply.send(done);
            if sent {
                Aside::HungUp(cause)
            } else {
                Aside::Nothing
            }
        }
    }
}

/// Sends the API command `command(<caller's uuid>)` on the caller's socket
/// for a command answered aside; `what` names it in the warning a failure
/// logs.
async fn on_caller(
    caller: Option<&(Commander, String)>,
    what: &str,
    command: impl FnOnce(&str) -> String,
) -> Result<(), CommandError> {
    let done = match caller {
        Some((commander, uuid)) => commander
            .api(&command(uuid))
            .await
            .map(|_| ())
            .map_err(|e| CommandError::Refused(e.to_string())),
        None => Err(CommandError::Refused(
            "the call's socket is not set up yet".into(),
        )),
    };
    if let Err(e) = &done {
        warn!(error = %e, "{what} through the call's handle failed");
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

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
