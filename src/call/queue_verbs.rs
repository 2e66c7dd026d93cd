//! `enqueue` and `dequeue` on a live call (the queues themselves:
//! [`super::queues`]).
//!
//! `enqueue` answers the caller, puts it in the named queue and, while it
//! waits, runs what `waitHook` answers (`play`, `say`, `pause`, `leave`,
//! `tag`, as jambonz allows), asking again each time that has run (at most
//! every half second); an empty reply or a failed request leaves the caller
//! waiting in silence. `dequeue` (on another call) takes the longest-waiting
//! caller, or the one named by `callSid`, waiting up to `timeout` seconds
//! (as long as the call lasts without one) for a caller to come.
//!
//! The two are connected in a mod_conference room of their own,
//! `dialbridge-queue-<caller's call_sid>` (docs/freeswitch.md §19): the
//! waiting caller's playback is broken (`uuid_break`), both join with
//! `endconf` and `hangup_after_conference=false`, so when either leaves the
//! room ends and the other's `conference` returns (mod_conference hangs
//! members up at the end unless that variable is false) and it goes on with
//! its `actionHook`: `queue_result` `bridged`, `leave` or `hangup` for the
//! caller; `dequeue_result` `complete` (connected, whoever left first),
//! `timeout` or `hangup` (the dequeuer hung up before a caller came) for
//! the dequeuer. Each side checks every 2 s that the other still exists while
//! alone in the room, and ends the room (`conference <room> kick all`) if
//! it does not: a party gone before joining cannot leave the other waiting.

use std::time::Duration;

use serde_json::json;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep_until};
use tracing::{info, warn};

use super::Call;
use super::queues::{Dequeued, Place};
use super::verbs::{Next, ask_hook, ensure_media};
use crate::app::Verb;
use crate::app::queue::{Dequeue, Enqueue};
use crate::freeswitch::command::completion_of;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// The shortest round of the waitHook: a reply that plays nothing cannot
/// make dialbridge ask the application in a loop.
const MIN_ROUND: Duration = Duration::from_millis(500);

/// How often a party in the room checks that the other still exists.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The tone `dequeue` with `beep` plays before connecting.
const BEEP: &str = "tone_stream://%(200,0,941.0,1477.0)";

/// How a wait in the queue ended.
enum Waited {
    Dequeued(Dequeued),
    Left,
    HungUp,
}

/// Takes the call out of its queue however the wait ends.
struct InQueue<'a> {
    queues: &'a super::queues::Queues,
    name: &'a str,
    call_sid: &'a str,
}

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.queues.leave(self.name, self.call_sid);
    }
}

/// Runs `enqueue`.
pub(crate) async fn enqueue(call: &mut Call, q: &Enqueue) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let queues = call.engine.queues.clone();
    let sid = call.socket.uuid().to_owned();
    let since = Instant::now();
    let mut rx = queues.join(&q.name, &sid);
    info!(queue = %q.name, "waiting in the queue");
    let waited = {
        let _in_queue = InQueue {
            queues: &queues,
            name: &q.name,
            call_sid: &sid,
        };
        wait(call, q, &mut rx, since).await?
    };
    let result = match waited {
        Waited::Dequeued(d) => {
            info!(queue = %q.name, by = %d.by, "dequeued; joining the dequeuing call");
            match in_room(call, &d.room, &d.by).await? {
                true => "hangup",
                false => "bridged",
            }
        }
        Waited::Left => "leave",
        Waited::HungUp => "hangup",
    };
    let extra = json!({
        "queue_sid": q.name,
        "queue_time": since.elapsed().as_secs(),
        "queue_result": result,
    });
    Ok(after(call, q.action_hook.as_ref(), extra).await)
}

/// Runs `dequeue`.
pub(crate) async fn dequeue(call: &mut Call, d: &Dequeue) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let queues = call.engine.queues.clone();
    let me = call.socket.uuid().to_owned();
    let deadline = d
        .timeout
        .map(|s| Instant::now() + Duration::from_secs(u64::from(s)));
    let result = loop {
        let joined = queues.joined();
        tokio::pin!(joined);
        joined.as_mut().enable();
        if let Some(member) = queues.take(&d.name, d.call_sid.as_deref()) {
            let caller = member.call_sid.clone();
            let room = format!("dialbridge-queue-{caller}");
            let told = member.dequeue(Dequeued {
                room: room.clone(),
                by: me.clone(),
            });
            if !told {
                continue;
            }
            info!(queue = %d.name, caller = %caller, "dequeued a caller");
            if d.beep {
                call.socket.execute("playback", Some(BEEP)).await?;
            }
            // jambonz reports `complete` once connected, whoever left first.
            in_room(call, &room, &caller).await?;
            break "complete";
        }
        tokio::select! {
            _ = &mut joined => {}
            _ = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                break "timeout";
            }
            event = call.socket.next() => match event {
                Ok(_) if !call.socket.hung_up() => {}
                Ok(_) | Err(SocketError::HungUp) | Err(SocketError::Closed) => break "hangup",
                Err(e) => return Err(e),
            },
        }
    };
    Ok(after(
        call,
        d.action_hook.as_ref(),
        json!({"dequeue_result": result}),
    )
    .await)
}

/// The actionHook after a queue verb: its verbs replace the rest; on a call
/// that is over it is still told, and nothing more runs.
async fn after(call: &mut Call, hook: Option<&crate::app::Hook>, extra: serde_json::Value) -> Next {
    let over = call.socket.hung_up();
    match hook {
        Some(h) if !over => ask_hook(call, HookKind::Action, h, extra).await,
        Some(h) => {
            super::dial::live_hooks::notify(call, HookKind::Action, h, extra, None);
            Next::End
        }
        None if over => Next::End,
        None => Next::Continue,
    }
}

/// Waits in the queue: the waitHook's rounds, or silence.
async fn wait(
    call: &mut Call,
    q: &Enqueue,
    rx: &mut oneshot::Receiver<Dequeued>,
    since: Instant,
) -> Result<Waited, SocketError> {
    let Some(hook) = q.wait_hook.clone() else {
        return Ok(idle(call, rx, None).await?.unwrap_or(Waited::HungUp));
    };
    loop {
        let round = Instant::now();
        let sid = call.socket.uuid().to_owned();
        let place = call.engine.queues.place(&q.name, &sid).unwrap_or(Place {
            position: 0,
            size: 0,
        });
        let payload = call.payload(json!({
            "queue_sid": q.name,
            "queue_time": since.elapsed().as_secs(),
            "queue_size": place.size,
            "queue_position": place.position,
        }));
        let fetched = tokio::select! {
            r = call.fetch(HookKind::Wait, &hook, payload) => r,
            d = dequeued(rx) => return Ok(Waited::Dequeued(d)),
        };
        let verbs = match fetched {
            Ok(Some(v)) if !v.is_empty() => v,
            // Nothing more to play (jambonz stops asking too), or the
            // request failed (reported): wait in silence.
            _ => return Ok(idle(call, rx, None).await?.unwrap_or(Waited::HungUp)),
        };
        if let Some(bad) = verbs.iter().find(|i| {
            !matches!(
                i.verb,
                Verb::Play(_) | Verb::Say(_) | Verb::Pause(_) | Verb::Leave | Verb::Tag(_)
            )
        }) {
            call.report(
                HookKind::Wait,
                &hook.url,
                &format!(
                    "the waitHook answered `{}`; only play, say, pause, leave and tag run while \
                     a caller waits in a queue; the caller waits in silence",
                    bad.verb.name()
                ),
                &[],
            );
            return Ok(idle(call, rx, None).await?.unwrap_or(Waited::HungUp));
        }
        for i in &verbs {
            match &i.verb {
                Verb::Leave => return Ok(Waited::Left),
                Verb::Tag(t) => call.info.customer_data = Some(t.data.clone()),
                verb => {
                    if let Some(w) = breakable(call, verb, rx).await {
                        return Ok(w);
                    }
                }
            }
        }
        if let Some(w) = idle(call, rx, Some(round + MIN_ROUND)).await? {
            return Ok(w);
        }
    }
}

/// The dequeue message, once it comes (pending forever if it never can).
async fn dequeued(rx: &mut oneshot::Receiver<Dequeued>) -> Dequeued {
    match rx.await {
        Ok(d) => d,
        Err(_) => std::future::pending().await,
    }
}

/// Waits for the dequeue, the caller's hangup, or `until`.
async fn idle(
    call: &mut Call,
    rx: &mut oneshot::Receiver<Dequeued>,
    until: Option<Instant>,
) -> Result<Option<Waited>, SocketError> {
    loop {
        tokio::select! {
            d = dequeued(rx) => return Ok(Some(Waited::Dequeued(d))),
            _ = sleep_until(until.unwrap_or_else(Instant::now)), if until.is_some() => {
                return Ok(None);
            }
            event = call.socket.next() => match event {
                Ok(_) if !call.socket.hung_up() => {}
                Ok(_) | Err(SocketError::HungUp) | Err(SocketError::Closed) => {
                    return Ok(Some(Waited::HungUp));
                }
                Err(e) => return Err(e),
            },
        }
    }
}

/// Runs a waitHook verb; a dequeue meanwhile breaks it off
/// (`uuid_break <caller> all`, sent while the verb keeps being polled: its
/// command may hold the socket until its reply is read).
async fn breakable(
    call: &mut Call,
    verb: &Verb,
    rx: &mut oneshot::Receiver<Dequeued>,
) -> Option<Waited> {
    let commander = call.socket.commander();
    let uuid = call.socket.uuid().to_owned();
    let mut run = Box::pin(super::verbs::run(call, verb));
    let d = tokio::select! {
        next = &mut run => {
            return matches!(next, Next::End).then_some(Waited::HungUp);
        }
        d = dequeued(rx) => d,
    };
    let brk = commander.break_all(&uuid);
    tokio::pin!(brk);
    let mut sent = false;
    loop {
        tokio::select! {
            _ = &mut run => break,
            r = &mut brk, if !sent => {
                sent = true;
                if let Err(e) = r {
                    warn!(error = %e, "cannot break off the waitHook's verb");
                }
            }
        }
    }
    Some(Waited::Dequeued(d))
}

/// Joins `room` (with `endconf`, staying up after it) until the room ends
/// or this call hangs up; ends the room when `partner` no longer exists.
/// True when this call hung up.
async fn in_room(call: &mut Call, room: &str, partner: &str) -> Result<bool, SocketError> {
    call.socket
        .execute("set", Some("hangup_after_conference=false"))
        .await?;
    let id = call
        .socket
        .start(
            "conference",
            Some(&format!("{room}@default+flags{{endconf}}")),
        )
        .await?;
    let mut watch = tokio::time::interval_at(Instant::now() + WATCH_EVERY, WATCH_EVERY);
    loop {
        tokio::select! {
            event = call.socket.next() => {
                let event = match event {
                    Ok(e) => e,
                    Err(SocketError::HungUp) | Err(SocketError::Closed) => return Ok(true),
                    Err(e) => return Err(e),
                };
                if completion_of(&event, &id).is_some() || call.socket.hung_up() {
                    return Ok(call.socket.hung_up());
                }
            }
            _ = watch.tick() => {
                if call.socket.exists(partner).await == Some(false) {
                    info!(partner, "the other party of the queue is gone; ending the room");
                    if let Err(e) = call.socket.api(&format!("conference {room} kick all")).await {
                        warn!(error = %e, "cannot end the queue's room");
                    }
                }
            }
        }
    }
}
