//! The receiving end of a call's handle ([`super::handle`]), as the call's
//! task uses it: the commands, what the task can do about them without
//! borrowing the call (its hook fields as last published, a second way to
//! the caller's channel), and what they asked of the verb loop (a hangup, a
//! redirect).

use std::future::Future;

use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use super::handle::{Command, CommandError, Commands, HangupCause, Snapshot};
use super::listen::Pauses;
use crate::app::{Hook, Instruction};
use crate::freeswitch::socket::Commander;

/// The receiving end as the call's task uses it: the commands, what the
/// task can do about them without borrowing the call (its hook fields as
/// last published, a second way to the caller's channel), and the hangup
/// asked for, which the verb loop and the call's end obey.
///
/// It also takes the applications background features of the call (the
/// `config` verb's `bargeIn` and `sipRequestWithinDialogHook`) fetched: one
/// that comes while a verb runs breaks the verb off (`uuid_break <caller>
/// all`), and replaces the rest of the application (in a dial's live phase
/// it ends the dial first, as a redirect does: `call::dial::steer`).
pub(crate) struct Steering {
    rx: Commands,
    view: watch::Receiver<Map<String, Value>>,
    caller: Option<(Commander, String)>,
    hangup: Option<HangupCause>,
    redirect: Option<Hook>,
    interrupts: mpsc::Receiver<Vec<Instruction>>,
    interrupter: mpsc::Sender<Vec<Instruction>>,
    replacement: Option<Vec<Instruction>>,
    listens: Pauses,
}

/// What reaches a call's task besides its events.
pub(crate) enum Incoming {
    /// A command of the call's handle.
    Command(Command),
    /// An application a background feature fetched, to replace the rest.
    Interrupt(Vec<Instruction>),
}

/// Applications background features may have waiting at once (each
/// sender waits for room).
const INTERRUPTS: usize = 4;

impl Steering {
    /// Steering for a call whose hook fields are published on `view`.
    pub(crate) fn new(rx: Commands, view: watch::Receiver<Map<String, Value>>) -> Self {
        let (interrupter, interrupts) = mpsc::channel(INTERRUPTS);
        Self {
            rx,
            view,
            caller: None,
            hangup: None,
            redirect: None,
            interrupts,
            interrupter,
            replacement: None,
            listens: Pauses::default(),
        }
    }

    /// Where a background feature sends the application that is to replace
    /// the rest of the call's.
    pub(crate) fn interrupter(&self) -> mpsc::Sender<Vec<Instruction>> {
        self.interrupter.clone()
    }

    /// The next command, or application a background feature sent
    /// (pending until one comes). Cancel-safe.
    pub(crate) async fn next_incoming(&mut self) -> Incoming {
        tokio::select! {
            Some(c) = self.rx.recv() => Incoming::Command(*c),
            Some(v) = self.interrupts.recv() => Incoming::Interrupt(v),
            else => std::future::pending().await,
        }
    }

    /// The call's running listen streams, which a `listen_status` command
    /// pauses and resumes wherever the call is.
    pub(crate) fn listens(&self) -> Pauses {
        self.listens.clone()
    }

    /// Records that `verbs` replace the rest of the application.
    pub(crate) fn replaced(&mut self, verbs: Vec<Instruction>) {
        self.replacement = Some(verbs);
    }

    /// The application that replaces the rest, once: one taken while a verb
    /// ran, else one sent meanwhile.
    pub(crate) fn take_replacement(&mut self) -> Option<Vec<Instruction>> {
        self.replacement
            .take()
            .or_else(|| self.interrupts.try_recv().ok())
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
                Some(command) = self.rx.recv() => *command,
                Some(verbs) = self.interrupts.recv() => {
                    info!("a background feature's application replaces the rest; breaking off the verb");
                    let breaking = on_caller(self.caller.as_ref(), "the interruption", OnCaller::Break);
                    tokio::pin!(breaking);
                    let out = tokio::select! {
                        out = &mut work => {
                            let _ = breaking.await;
                            Some(out)
                        }
                        _ = &mut breaking => None,
                    };
                    self.replacement = Some(verbs);
                    match out {
                        Some(out) => return out,
                        None => continue,
                    }
                }
            };
            let (aside, out) = {
                let answering =
                    answer_aside(&self.view, self.caller.as_ref(), &self.listens, command);
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
    listens: &Pauses,
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
        Command::Conference { reply, .. } => {
            super::conference_steer::not_in_conference(reply);
            Aside::Nothing
        }
        Command::Redirect { hook, reply } => {
            info!("redirect asked through the call's handle; breaking off the verb");
            let done = on_caller(caller, "redirect", OnCaller::Break).await;
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                Aside::Redirected(hook)
            } else {
                Aside::Nothing
            }
        }
        Command::ListenStatus { paused, reply } => {
            listens.answer(paused, reply);
            Aside::Nothing
        }
        Command::Hangup { cause, reply } => {
            info!(
                cause = cause.as_str(),
                "hangup asked through the call's handle"
            );
            let done = on_caller(caller, "hangup", OnCaller::Kill(cause)).await;
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
/// What is done to the caller's channel beside the verb.
enum OnCaller {
    /// `uuid_kill` with this cause.
    Kill(HangupCause),
    /// Break off what it runs and drop what is queued behind it
    /// ([`Commander::break_all`]).
    Break,
}

/// Does `op` on the caller through its second way in, if there is one.
async fn on_caller(
    caller: Option<&(Commander, String)>,
    what: &str,
    op: OnCaller,
) -> Result<(), CommandError> {
    let done = match caller {
        Some((commander, uuid)) => match op {
            OnCaller::Kill(cause) => {
                let kill = crate::freeswitch::command::uuid_kill(uuid, cause);
                commander.api(&kill).await
            }
            OnCaller::Break => commander.break_all(uuid).await,
        }
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
