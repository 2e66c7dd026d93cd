//! A conference (jambonz's `conference`, RCML's `<Dial><Conference>`): the
//! caller (answered first) hears what `enterHook` returns, is checked
//! against `maxParticipants` (`conference <name> count`, and
//! `conference_max_members` for a room it creates), gets its enter/exit
//! tone variables, then runs mod_conference's `conference
//! <name>@default+flags{...}` (docs/freeswitch.md §19) until it leaves the
//! room — kicked, the room ended by an `endconf` member, or hung up;
//! `statusHook` hears `join` once the application is queued (the call
//! socket does not subscribe CHANNEL_EXECUTE: FreeSWITCH starts it at its
//! next frame, ~20 ms later, docs/freeswitch.md §17) and `leave` when it
//! returns or the caller is gone. Then
//! `actionHook`, if any, is told and its reply replaces the rest of the
//! application (RCML: `DialCallStatus` `completed`, or `busy` when the room
//! was full; an empty reply ends the call, as after any `<Dial action>`).

use serde_json::{Value, json};
use tracing::{info, warn};

use super::Call;
use super::verbs::{Next, ensure_media};
use crate::app::conference::{Conference, StatusEvent};
use crate::app::{Format, Hook, Verb};
use crate::freeswitch::command::completion_of;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// Runs a conference.
pub(crate) async fn conference(call: &mut Call, c: &Conference) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    if let Some(hook) = &c.enter_hook
        && let Some(next) = enter(call, hook, c).await?
    {
        return Ok(next);
    }
    if let Some(max) = c.max_participants {
        let members = members(call, &c.name).await;
        if members >= max {
            info!(room = %c.name, members, max, "the conference is full; not joined");
            return Ok(after(call, c, None, true).await);
        }
        let set = format!("conference_max_members={max}");
        call.socket.execute("set", Some(&set)).await?;
    }
    for var in c.beep.variables() {
        call.socket.execute("set", Some(&var)).await?;
    }
    let id = call.socket.start("conference", Some(&c.argument())).await?;
    status(call, c, StatusEvent::Join, None);
    let done = loop {
        let ev = match call.socket.next().await {
            Ok(ev) => ev,
            Err(e) => {
                status(call, c, StatusEvent::Leave, None);
                return Err(e);
            }
        };
        if let Some(done) = completion_of(&ev, &id) {
            break done;
        }
    };
    let member_id = done
        .event
        .variable_str("conference_member_id")
        .map(str::to_owned);
    info!(room = %c.name, member_id = ?member_id, "left the conference");
    status(call, c, StatusEvent::Leave, member_id.as_deref());
    if call.socket.hung_up() || done.event.header_str("Answer-State") == Some("hangup") {
        return Ok(Next::End);
    }
    Ok(after(call, c, member_id, false).await)
}

/// Posts `event` to `statusHook` when the application asked for it, from
/// a tracked task (nothing is read back: the room does not wait for it).
fn status(call: &Call, c: &Conference, event: StatusEvent, member_id: Option<&str>) {
    let Some(hook) = c.status_hook.clone() else {
        return;
    };
    if !c.status_events.contains(&event) {
        return;
    }
    let payload = call.payload(json!({
        "event": event.as_str(),
        "conference_name": c.name,
        "member_id": member_id,
    }));
    let hooks = call.hooks.clone();
    let post = async move {
        if let Err(e) = hooks.send(HookKind::Action, &hook, &payload).await {
            warn!(error = %e, "conference statusHook failed");
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
