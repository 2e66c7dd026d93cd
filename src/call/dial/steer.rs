//! Commands of the call's handle answered while a dial rings or is
//! bridged (the REST API's updateCall and DELETE): what each does to the
//! dial's legs is written on [`answer`].

use tracing::{info, warn};

use super::legs::Legs;
use crate::call::Call;
use crate::call::handle::{Command, CommandError, Snapshot, Steering};
use crate::call::steering::Incoming;

/// Answers a command of the call's handle while the dial runs: a snapshot
/// with every leg; a hangup as `sendmsg execute hangup <cause>` on the
/// caller, which FreeSWITCH runs at once inside the bridge
/// (docs/freeswitch.md §14) — the loop then sees the legs cancelled and the
/// caller gone, as when the caller hangs up; a redirect as the cancelling
/// of every ringing leg, or the hanging up of the bridged one (see
/// [`Command::Redirect`]). True when ringing legs were cancelled.
async fn answer(call: &mut Call, legs: &Legs, command: Command, steering: &mut Steering) -> bool {
    match command {
        Command::Redirect { hook, reply } => {
            if call.socket.hung_up() {
                let _ = reply.send(Err(CommandError::Ended));
                return false;
            }
            let done = end_legs(call, legs, "redirect asked through the call's handle").await;
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                steering.redirected(hook);
            }
            ok && legs.winner().is_none()
        }
        Command::ListenStatus { paused, reply } => {
            call.background.listens.answer(paused, reply);
            false
        }
        Command::Snapshot { reply } => {
            let _ = reply.send(Snapshot {
                call: call.fields(),
                dial: Some(legs.snapshot()),
            });
            false
        }
        Command::Conference { reply, .. } => {
            crate::call::conference_steer::not_in_conference(reply);
            false
        }
        Command::Hangup { cause, reply } => {
            let done = if call.socket.hung_up() {
                Err(CommandError::Ended)
            } else {
                info!(
                    cause = cause.as_str(),
                    "hangup asked through the call's handle; ending the dial's caller"
                );
                call.socket
                    .start("hangup", Some(cause.as_str()))
                    .await
                    .map(|_| steering.hung_up(cause))
                    .map_err(|e| CommandError::Refused(e.to_string()))
            };
            let _ = reply.send(done);
            false
        }
    }
}

/// What reached the call while the dial runs: a command of its handle
/// ([`answer`]) or a background feature's application ([`interrupted`]).
/// True when ringing legs were cancelled.
pub(super) async fn incoming(
    call: &mut Call,
    legs: &Legs,
    incoming: Incoming,
    steering: &mut Steering,
) -> bool {
    match incoming {
        Incoming::Command(c) => answer(call, legs, c, steering).await,
        Incoming::Interrupt(verbs) => interrupted(call, legs, verbs, steering).await,
    }
}

/// A background feature's application arrived while the dial runs: the
/// dial ends as for a redirect (ringing legs cancelled, a bridged callee
/// hung up) and the application replaces the rest. True when ringing legs
/// were cancelled.
async fn interrupted(
    call: &mut Call,
    legs: &Legs,
    verbs: Vec<crate::app::Instruction>,
    steering: &mut Steering,
) -> bool {
    if call.socket.hung_up() {
        return false;
    }
    let ok = end_legs(
        call,
        legs,
        "a background feature's application replaces the dial",
    )
    .await
    .is_ok();
    steering.replaced(verbs);
    ok && legs.winner().is_none()
}

/// Ends the dial's legs: the bridged one (NORMAL_CLEARING), else every
/// ringing one (ORIGINATOR_CANCEL). A leg that ended between the look and
/// the kill is not a failure.
async fn end_legs(call: &mut Call, legs: &Legs, why: &str) -> Result<(), CommandError> {
    let (targets, cause) = match legs.winner() {
        Some(w) => (vec![w.to_owned()], "NORMAL_CLEARING"),
        None => (legs.unended(), "ORIGINATOR_CANCEL"),
    };
    info!(legs = targets.len(), cause, "{why}; ending the dial's legs");
    let mut done = Ok(());
    for leg in &targets {
        if let Err(e) = call.socket.api(&format!("uuid_kill {leg} {cause}")).await {
            warn!(leg = %leg, error = %e, "cannot end a leg of the dial");
            done = Err(CommandError::Refused(e.to_string()));
        }
    }
    if done.is_err() && legs.unended().is_empty() {
        done = Ok(());
    }
    done
}
