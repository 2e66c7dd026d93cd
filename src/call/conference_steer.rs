//! The call's handle while the call is in a conference or waits for one
//! (the REST API's updateCall and DELETE): what each command does there.
//!
//! In the room (the conference verb's loop selects on the commands beside
//! the call's events):
//! * `conf_mute_status` mutes or unmutes every member that did not start the
//!   room — `conference <room> mute|unmute non_moderator` — as jambonz
//!   documents it ("mute or unmute all non-moderator conference legs");
//!   members that start the room join with mod_conference's `moderator`
//!   flag, so they are not muted;
//! * `conf_hold_status` holds or unholds this call's member with
//!   mod_conference's own `conference <room> hold|unhold <member_id>`
//!   (`+OK hold <id>`, a `hold-member` event): the member is hard-muted and
//!   taken out of the mix (it hears nothing, where jambonz mutes and deafens
//!   it: the same effect without a hold flag others can see);
//! * a hangup is `uuid_kill`; a redirect, or a background feature's
//!   application, kicks the member out of the room (`conference <room> kick
//!   <member_id>`, docs/freeswitch.md §19) and then runs, without the
//!   actionHook.
//!
//! Waiting outside the room, `conf_*` is refused (not in the room yet); a
//! redirect breaks off the waitHook's verb (`uuid_break`) and ends the wait.

use serde_json::{Map, Value};
use tokio::sync::{oneshot, watch};
use tracing::{info, warn};

use super::Call;
use super::handle::{Command, CommandError, Snapshot, Steering};
use super::steering::Incoming;
use crate::app::Instruction;
use crate::freeswitch::socket::Commander;

/// What updateCall asks of a call's conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConferenceAction {
    /// `conf_mute_status`: true mutes every non-moderator member.
    MuteOthers(bool),
    /// `conf_hold_status`: true holds this call's member.
    Hold(bool),
}

/// Why a conference command was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConferenceRefusal {
    /// The call is in no conference room now.
    #[error("the call is not in a conference: {0}")]
    NotInConference(String),
    /// The call ended, or FreeSWITCH refused.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// Refuses a conference command from anywhere but a conference.
pub(crate) fn not_in_conference(reply: oneshot::Sender<Result<(), ConferenceRefusal>>) {
    let _ = reply.send(Err(ConferenceRefusal::NotInConference(
        "it runs no conference verb now".into(),
    )));
}

/// This call's member in a room.
pub(crate) struct Member<'a> {
    /// The room's name.
    pub(crate) room: &'a str,
    /// Its Member-ID, once looked up (`uuid_getvar <uuid>
    /// conference_member_id`: mod_conference sets it on joining).
    pub(crate) id: Option<String>,
}

/// What a command answered in the room asks of the conference loop.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InRoom {
    /// Stay.
    Stay,
    /// The member was asked out of the room (kicked, hung up): wait for its
    /// `conference` to return, and skip the actionHook.
    Leaving,
}

/// Answers what reached the call while it is in the room.
pub(crate) async fn in_room(
    call: &mut Call,
    member: &mut Member<'_>,
    incoming: Incoming,
    steering: &mut Steering,
) -> InRoom {
    let command = match incoming {
        Incoming::Interrupt(verbs) => {
            info!("a background feature's application replaces the rest; leaving the room");
            if kick(call, member).await.is_ok() {
                steering.replaced(verbs);
                return InRoom::Leaving;
            }
            return InRoom::Stay;
        }
        Incoming::Command(c) => c,
    };
    match command {
        Command::Snapshot { reply } => {
            let _ = reply.send(Snapshot {
                call: call.fields(),
                dial: None,
            });
            InRoom::Stay
        }
        Command::Hangup { cause, reply } => {
            info!(
                cause = cause.as_str(),
                "hangup asked through the call's handle"
            );
            let kill = crate::freeswitch::command::uuid_kill(call.socket.uuid(), cause);
            let done = refused(call.socket.api(&kill).await);
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                steering.hung_up(cause);
                return InRoom::Leaving;
            }
            InRoom::Stay
        }
        Command::Redirect { hook, reply } => {
            info!("redirect asked through the call's handle; leaving the room");
            let done = kick(call, member).await;
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                steering.redirected(hook);
                return InRoom::Leaving;
            }
            InRoom::Stay
        }
        Command::Conference { action, reply } => {
            let done = conference(call, member, action).await;
            let _ = reply.send(done);
            InRoom::Stay
        }
        Command::ListenStatus { paused, reply } => {
            call.background.listens.answer(paused, reply);
            InRoom::Stay
        }
    }
}

/// Carries out `action` on the room.
async fn conference(
    call: &mut Call,
    member: &mut Member<'_>,
    action: ConferenceAction,
) -> Result<(), ConferenceRefusal> {
    let room = member.room;
    let command = match action {
        ConferenceAction::MuteOthers(on) => {
            let verb = if on { "mute" } else { "unmute" };
            format!("conference {room} {verb} non_moderator")
        }
        ConferenceAction::Hold(on) => {
            let id = member_id(call, member).await?;
            let verb = if on { "hold" } else { "unhold" };
            format!("conference {room} {verb} {id}")
        }
    };
    info!(command = %command, "conference steered through the call's handle");
    Ok(refused(call.socket.api(&command).await)?)
}

/// Kicks the member out of its room.
async fn kick(call: &mut Call, member: &mut Member<'_>) -> Result<(), CommandError> {
    let id = member_id(call, member).await.map_err(|e| match e {
        ConferenceRefusal::Command(c) => c,
        other => CommandError::Refused(other.to_string()),
    })?;
    let command = format!("conference {} kick {id}", member.room);
    refused(call.socket.api(&command).await)
}

/// The member's Member-ID (looked up once).
async fn member_id(call: &mut Call, member: &mut Member<'_>) -> Result<String, ConferenceRefusal> {
    if let Some(id) = &member.id {
        return Ok(id.clone());
    }
    let command = format!("uuid_getvar {} conference_member_id", call.socket.uuid());
    let reply = call
        .socket
        .api(&command)
        .await
        .map_err(|e| CommandError::Refused(e.to_string()))?;
    let id = reply.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ConferenceRefusal::NotInConference(
            "it has not joined the room yet".into(),
        ));
    }
    member.id = Some(id.to_owned());
    Ok(id.to_owned())
}

fn refused<T>(r: Result<T, crate::freeswitch::socket::SocketError>) -> Result<(), CommandError> {
    r.map(|_| ()).map_err(|e| {
        warn!(error = %e, "a command through the call's handle failed");
        CommandError::Refused(e.to_string())
    })
}

/// What a command answered while the call waits outside the room asks.
pub(crate) enum Waiting {
    /// Go on waiting.
    Stay,
    /// Stop waiting: the call hangs up, or runs another application.
    Stop,
}

/// What the waiting call can be steered with while a waitHook verb holds
/// it: a second way to its channel, and its fields as last published.
pub(crate) struct Aside {
    /// The caller's socket, beside the verb.
    pub(crate) commander: Commander,
    /// The caller's UUID.
    pub(crate) uuid: String,
    /// The call's fields.
    pub(crate) view: watch::Receiver<Map<String, Value>>,
    /// The call's listen streams (updateCall's `listen_status`).
    pub(crate) listens: crate::call::listen::Pauses,
}

/// Answers what reached the call while it waits outside the room (a verb
/// of the waitHook may hold the call: only `aside` is used).
pub(crate) async fn waiting(aside: &Aside, incoming: Incoming, steering: &mut Steering) -> Waiting {
    let command = match incoming {
        Incoming::Interrupt(verbs) => {
            info!("a background feature's application replaces the rest; no longer waiting");
            replace(aside, verbs, steering).await;
            return Waiting::Stop;
        }
        Incoming::Command(c) => c,
    };
    match command {
        Command::Snapshot { reply } => {
            let _ = reply.send(Snapshot {
                call: aside.view.borrow().clone(),
                dial: None,
            });
            Waiting::Stay
        }
        Command::Conference { reply, .. } => {
            let _ = reply.send(Err(ConferenceRefusal::NotInConference(
                "it waits for the room to start and is not in it yet".into(),
            )));
            Waiting::Stay
        }
        Command::ListenStatus { paused, reply } => {
            aside.listens.answer(paused, reply);
            Waiting::Stay
        }
        Command::Hangup { cause, reply } => {
            let kill = crate::freeswitch::command::uuid_kill(&aside.uuid, cause);
            let done = refused(aside.commander.api(&kill).await);
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                steering.hung_up(cause);
                return Waiting::Stop;
            }
            Waiting::Stay
        }
        Command::Redirect { hook, reply } => {
            info!("redirect asked through the call's handle; no longer waiting");
            let done = refused(aside.commander.break_all(&aside.uuid).await);
            let ok = done.is_ok();
            let _ = reply.send(done);
            if ok {
                steering.redirected(hook);
                return Waiting::Stop;
            }
            Waiting::Stay
        }
    }
}

async fn replace(aside: &Aside, verbs: Vec<Instruction>, steering: &mut Steering) {
    let _ = refused(aside.commander.break_all(&aside.uuid).await);
    steering.replaced(verbs);
}
