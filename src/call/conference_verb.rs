//! A conference (jambonz's `conference`, RCML's `<Dial><Conference>`): the
//! caller (answered first) waits outside the room for it to start when it
//! does not start it and a waitHook / waitUrl is given
//! ([`super::conference_wait`]), hears what `enterHook` returns, is checked
//! against `maxParticipants` (`conference <name> count`, and
//! `conference_max_members` for a room it creates), gets its enter/exit
//! tone variables, then runs mod_conference's `conference
//! <name>@default+flags{...}` (docs/freeswitch.md §19) until it leaves the
//! room — kicked, the room ended by an `endconf` member, or hung up. While
//! in the room the loop serves the call's handle beside its events
//! ([`super::conference_steer`]: updateCall's `conf_mute_status` and
//! `conf_hold_status`, hangup, redirect).
//!
//! `statusHook` hears, from tracked tasks: `start` when this member started
//! the room (the first start-on-enter member in it, as jambonz: before its
//! `join`), `join` once the application is queued (the call socket does not
//! subscribe CHANNEL_EXECUTE: FreeSWITCH starts it at its next frame,
//! ~20 ms later, docs/freeswitch.md §17), `start-talking` / `stop-talking`
//! from mod_conference's member events of that name (the socket subscribes
//! to `CUSTOM conference::maintenance` while in the room, only when asked
//! for: its filter on the caller's Unique-ID lets only its own member
//! events through, §19), `leave` when it returns or the caller is gone, and
//! `end` when this member's leaving ended the room (the last of
//! dialbridge's members out, or an `endConferenceOnExit` one: jambonz's
//! rule). Each member tells its own statusHook (jambonz tells the hook of
//! the member that started the room: README's differences). Then
//! `actionHook`, if any, is told and its reply replaces the rest of the
//! application (RCML: `DialCallStatus` `completed`, or `busy` when the room
//! was full; an empty reply ends the call, as after any `<Dial action>`).

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tracing::{info, warn};

use super::Call;
use super::conference_steer::{InRoom, Member, in_room};
use super::conference_wait::{Waited, wait};
use super::handle::Steering;
use super::verbs::{Next, ensure_media};
use crate::app::conference::{Conference, StatusEvent};
use crate::app::{Format, Hook, Verb};
use crate::freeswitch::command::completion_of;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;
use freeswitch_esl_tokio::EslEvent;

/// The events of mod_conference.
const MAINTENANCE: &str = "conference::maintenance";

/// Runs a conference from the verb loop; a failure is reported as any
/// verb's.
pub(crate) async fn run(call: &mut Call, c: &Conference, steering: &mut Steering) -> Next {
    match conference(call, c, steering).await {
        Ok(next) => next,
        Err(SocketError::HungUp) | Err(SocketError::Closed) => Next::End,
        Err(e) => {
            warn!(error = %e, "conference failed");
            call.report(HookKind::Call, "", &format!("conference failed: {e}"), &[]);
            Next::Continue
        }
    }
}

/// Runs a conference, serving the call's handle through `steering`.
pub(crate) async fn conference(
    call: &mut Call,
    c: &Conference,
    steering: &mut Steering,
) -> Result<Next, SocketError> {
    steering.serve(ensure_media(call, false)).await?;
    if c.waits_outside() {
        match wait(call, c, steering).await? {
            Waited::Started => info!(room = %c.name, "the room started; joining it"),
            Waited::Stop(next) => return Ok(next),
        }
    }
    if let Some(next) = steering.serve(prepare(call, c)).await? {
        return Ok(next);
    }
    let talking = c.status_events.iter().any(|e| e.is_talking()) && c.status_hook.is_some();
    if talking {
        call.socket.subscribe_custom(MAINTENANCE).await?;
    }
    let id = call.socket.start("conference", Some(&c.argument())).await?;
    let rooms = call.engine.rooms.clone();
    let joined = rooms.join(&c.name, c.start_conference_on_enter);
    let joining: &[StatusEvent] = if joined.started_it {
        &[StatusEvent::Start, StatusEvent::Join]
    } else {
        &[StatusEvent::Join]
    };
    status(call, c, joining, None, joined.members);
    let mut member = Member {
        room: &c.name,
        id: None,
    };
    let mut leaving = false;
    let done = loop {
        tokio::select! {
            ev = call.socket.next() => {
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(e) => {
                        left(call, c, None);
                        return Err(e);
                    }
                };
                if let Some(done) = completion_of(&ev, &id) {
                    break done;
                }
                if talking {
                    talked(call, c, &ev);
                }
            }
            incoming = steering.next_incoming() => {
                if in_room(call, &mut member, incoming, steering).await == InRoom::Leaving {
                    leaving = true;
                }
            }
        }
    };
    let member_id = done
        .event
        .variable_str("conference_member_id")
        .map(str::to_owned);
    info!(room = %c.name, member_id = ?member_id, "left the conference");
    left(call, c, member_id.as_deref());
    if call.socket.hung_up() || done.event.header_str("Answer-State") == Some("hangup") {
        return Ok(Next::End);
    }
    if leaving {
        // A redirect or a hangup asked through the handle: the verb loop
        // takes it; the actionHook is not asked.
        return Ok(Next::Continue);
    }
    Ok(steering.serve(after(call, c, member_id, false)).await)
}

/// Before joining: the enterHook, the room's limit, the tones. `Some` when
/// the call does not join.
async fn prepare(call: &mut Call, c: &Conference) -> Result<Option<Next>, SocketError> {
    if let Some(hook) = &c.enter_hook
        && let Some(next) = enter(call, hook, c).await?
    {
        return Ok(Some(next));
    }
    if let Some(max) = c.max_participants {
        let members = members(call, &c.name).await;
        if members >= max {
            info!(room = %c.name, members, max, "the conference is full; not joined");
            return Ok(Some(after(call, c, None, true).await));
        }
        let set = format!("conference_max_members={max}");
        call.socket.execute("set", Some(&set)).await?;
    }
    for var in c.beep.variables() {
        call.socket.execute("set", Some(&var)).await?;
    }
    Ok(None)
}

/// The member left the room: `leave`, and `end` when that ended it.
fn left(call: &Call, c: &Conference, member_id: Option<&str>) {
    let ran = call.engine.rooms.running_for(&c.name);
    let gone = call.engine.rooms.leave(&c.name, c.end_conference_on_exit);
    let leaving: &[StatusEvent] = if gone.ended {
        &[StatusEvent::Leave, StatusEvent::End]
    } else {
        &[StatusEvent::Leave]
    };
    status_after(call, c, leaving, member_id, gone.members, ran);
}

/// A member event of this call's: `start-talking` / `stop-talking` to the
/// statusHook when asked for.
fn talked(call: &Call, c: &Conference, ev: &EslEvent) {
    if ev.header_str("Event-Subclass") != Some(MAINTENANCE) {
        return;
    }
    let events: &[StatusEvent] = match ev.header_str("Action") {
        Some("start-talking") => &[StatusEvent::StartTalking],
        Some("stop-talking") => &[StatusEvent::StopTalking, StatusEvent::EndTalking],
        _ => return,
    };
    let members = ev
        .header_str("Conference-Size")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let member_id = ev.header_str("Member-ID");
    status(call, c, events, member_id, members);
}

/// Posts `events`, in order, to `statusHook` (those the application asked
/// for), from one tracked task (nothing is read back: the room does not
/// wait for it). Each request carries jambonz's fields: `event`,
/// `conference_name` (and jambonz's `friendly_name`), `member_id`,
/// `members` (dialbridge's members in the room; for talking events the
/// room's size as mod_conference reports it), `duration` (seconds since the
/// room started) and `time` (RFC 3339).
fn status(
    call: &Call,
    c: &Conference,
    events: &[StatusEvent],
    member_id: Option<&str>,
    members: usize,
) {
    let ran = call.engine.rooms.running_for(&c.name);
    status_after(call, c, events, member_id, members, ran);
}

/// [`status`] for a room that ran `ran`.
fn status_after(
    call: &Call,
    c: &Conference,
    events: &[StatusEvent],
    member_id: Option<&str>,
    members: usize,
    ran: Duration,
) {
    let Some(hook) = c.status_hook.clone() else {
        return;
    };
    let duration = (ran.as_secs_f64() * 1000.0).round() / 1000.0;
    let payloads: Vec<Value> = events
        .iter()
        .filter(|&&e| c.reports(e))
        .map(|e| {
            call.payload(json!({
                "event": e.as_str(),
                "conference_name": c.name,
                "friendly_name": c.name,
                "member_id": member_id,
                "members": members,
                "duration": duration,
                "time": super::status::rfc3339(SystemTime::now()),
            }))
        })
        .collect();
    if payloads.is_empty() {
        return;
    }
    let hooks = call.hooks.clone();
    let post = async move {
        for payload in payloads {
            if let Err(e) = hooks.send(HookKind::Action, &hook, &payload).await {
                warn!(error = %e, "conference statusHook failed");
            }
        }
    };
    call.engine
        .tasks
        .spawn(tracing::Instrument::in_current_span(post));
}

/// Members in room `name` now (0 when it does not exist).
async fn members(call: &Call, name: &str) -> u32 {
    match call.socket.api(&format!("conference {name} count")).await {
        Ok(reply) => reply.trim().parse().unwrap_or(0),
        Err(e) => {
            warn!(error = %e, room = name, "could not count the conference's members");
            0
        }
    }
}

/// `enterHook`: its play, say and pause verbs run on the caller before it
/// joins; other verbs are reported and skipped. `Some` when the call ended.
async fn enter(call: &mut Call, hook: &Hook, c: &Conference) -> Result<Option<Next>, SocketError> {
    let payload = call.payload(json!({"conference_name": c.name}));
    let Ok(Some(verbs)) = call.fetch(HookKind::Action, hook, payload).await else {
        return Ok(None);
    };
    for ins in verbs {
        match &ins.verb {
            Verb::Play(_) | Verb::Say(_) | Verb::Pause(_) => {
                if let Next::End = Box::pin(super::verbs::run(call, &ins.verb)).await {
                    return Ok(Some(Next::End));
                }
            }
            other => call.report(
                HookKind::Action,
                &hook.url,
                &format!(
                    "enterHook returned `{}`: only play, say and pause run before joining; \
                     skipped",
                    other.name()
                ),
                &[],
            ),
        }
    }
    Ok(None)
}

/// After the room: `actionHook`, or the next verb.
async fn after(call: &mut Call, c: &Conference, member_id: Option<String>, full: bool) -> Next {
    let Some(hook) = &c.action_hook else {
        return Next::Continue;
    };
    let mut extra = json!({"conference_name": c.name, "member_id": member_id});
    if full {
        extra["conference_status"] = json!("full");
    }
    let rcml = call.hooks.format() == Format::Rcml;
    if rcml {
        let status = if full { "busy" } else { "completed" };
        extra["dial_call_status"] = Value::from(status);
    }
    let payload = call.payload(extra);
    match call.fetch(HookKind::Action, hook, payload).await {
        Ok(Some(verbs)) if !verbs.is_empty() => Next::Replace(verbs),
        // RCML: the action's document replaces this one, even empty.
        _ if rcml => Next::End,
        _ => Next::Continue,
    }
}
