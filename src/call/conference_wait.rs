//! Waiting for a conference room to start, outside it (jambonz's
//! `waitHook`, RCML's `waitUrl`), as jambonz does: the member is not put in
//! the FreeSWITCH room until a member that starts it is there; meanwhile
//! it hears what the hook answers — `play`, `say`, `pause` (RCML `<Play>`,
//! `<Say>`, `<Pause>`) and `redirect` (`<Redirect>`: the next round asks
//! that hook). A jambonz waitHook is asked again after each round (at most
//! every half second, as enqueue's), until it answers nothing; an RCML
//! document is not (TwiML loops with `<Redirect>`), and after its last verb
//! the member waits in silence. A room starting breaks the verb playing off
//! (`uuid_break <caller> all`) and the member joins at once. The room's
//! start is learnt from [`super::conference_rooms`].

use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tracing::{info, warn};

use super::Call;
use super::conference_steer::{Aside, Waiting, waiting};
use super::handle::Steering;
use super::verbs::Next;
use crate::app::conference::{Conference, Wait};
use crate::app::{Format, Hook, Verb};
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// The shortest round of a jambonz waitHook: a reply that plays nothing
/// cannot make dialbridge ask the application in a loop.
const MIN_ROUND: Duration = Duration::from_millis(500);

/// How a wait ended.
pub(crate) enum Waited {
    /// The room started: join it.
    Started,
    /// Do not join: the call hung up, or is to run another application.
    Stop(Next),
}

/// Waits outside the room until it starts.
pub(crate) async fn wait(
    call: &mut Call,
    c: &Conference,
    steering: &mut Steering,
) -> Result<Waited, SocketError> {
    let rooms = call.engine.rooms.clone();
    let mut started = rooms.started(&c.name);
    let out = rounds(call, c, steering, &mut started).await;
    drop(started);
    rooms.forget_if_empty(&c.name);
    out
}

async fn rounds(
    call: &mut Call,
    c: &Conference,
    steering: &mut Steering,
    started: &mut watch::Receiver<bool>,
) -> Result<Waited, SocketError> {
    let rcml = call.hooks.format() == Format::Rcml;
    let mut next_hook = match &c.wait {
        Wait::Hook(h) => Some(h.clone()),
        Wait::RoomMusic | Wait::Silence => None,
    };
    info!(room = %c.name, "waiting for the room to start");
    loop {
        if *started.borrow() {
            return Ok(Waited::Started);
        }
        let Some(hook) = next_hook.take() else {
            return idle(call, started, steering, None)
                .await
                .map(|w| w.unwrap_or(Waited::Started));
        };
        let round = Instant::now();
        let verbs = match ask(call, c, &hook, started, steering).await {
            Asked::Verbs(v) if !v.is_empty() => v,
            Asked::Verbs(_) | Asked::Failed => continue,
            Asked::Done(w) => return Ok(w),
        };
        if let Some(bad) = verbs.iter().find(|i| {
            !matches!(
                i.verb,
                Verb::Play(_) | Verb::Say(_) | Verb::Pause(_) | Verb::Redirect(_)
            )
        }) {
            call.report(
                HookKind::Wait,
                &hook.url,
                &format!(
                    "the waitHook answered `{}`; only play, say, pause and redirect run while \
                     a member waits for the room to start; it waits in silence",
                    bad.verb.name()
                ),
                &[],
            );
            continue;
        }
        for i in &verbs {
            if let Verb::Redirect(r) = &i.verb {
                next_hook = Some(r.action_hook.clone());
                break;
            }
            if let Some(w) = breakable(call, &i.verb, started, steering).await {
                return Ok(w);
            }
        }
        if next_hook.is_none() && !rcml {
            next_hook = Some(hook);
        }
        if let Some(w) = idle(call, started, steering, Some(round + MIN_ROUND)).await? {
            return Ok(w);
        }
    }
}

/// What asking the wait hook gave.
enum Asked {
    Verbs(Vec<crate::app::Instruction>),
    /// The request failed or the reply was invalid (reported).
    Failed,
    Done(Waited),
}

/// Asks `hook` for the round's verbs; the room starting or a command
/// meanwhile ends the wait.
async fn ask(
    call: &mut Call,
    c: &Conference,
    hook: &Hook,
    started: &mut watch::Receiver<bool>,
    steering: &mut Steering,
) -> Asked {
    let aside = aside(call);
    let payload = call.payload(json!({"conference_name": c.name}));
    let fetch = call.fetch(HookKind::Wait, hook, payload);
    tokio::pin!(fetch);
    loop {
        tokio::select! {
            r = &mut fetch => {
                return match r {
                    Ok(v) => Asked::Verbs(v.unwrap_or_default()),
                    Err(_) => Asked::Failed,
                };
            }
            _ = room_started(started) => return Asked::Done(Waited::Started),
            incoming = steering.next_incoming() => {
                if let Waiting::Stop = waiting(&aside, incoming, steering).await {
                    return Asked::Done(Waited::Stop(Next::Continue));
                }
            }
        }
    }
}

fn aside(call: &Call) -> Aside {
    Aside {
        commander: call.socket.commander(),
        uuid: call.socket.uuid().to_owned(),
        view: call.view.subscribe(),
        listens: call.background.listens.clone(),
    }
}

/// Resolves once the room has started (pending forever if it cannot).
async fn room_started(started: &mut watch::Receiver<bool>) {
    if started.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits for the room to start, the caller's hangup, a command that ends
/// the wait, or `until` (then None).
async fn idle(
    call: &mut Call,
    started: &mut watch::Receiver<bool>,
    steering: &mut Steering,
    until: Option<Instant>,
) -> Result<Option<Waited>, SocketError> {
    let aside = aside(call);
    loop {
        tokio::select! {
            _ = room_started(started) => return Ok(Some(Waited::Started)),
            _ = sleep_until(until.unwrap_or_else(Instant::now)), if until.is_some() => {
                return Ok(None);
            }
            event = call.socket.next() => match event {
                Ok(_) if !call.socket.hung_up() => {}
                Ok(_) | Err(SocketError::HungUp) | Err(SocketError::Closed) => {
                    return Ok(Some(Waited::Stop(Next::End)));
                }
                Err(e) => return Err(e),
            },
            incoming = steering.next_incoming() => {
                if let Waiting::Stop = waiting(&aside, incoming, steering).await {
                    return Ok(Some(Waited::Stop(Next::Continue)));
                }
            }
        }
    }
}

/// Runs one of the hook's verbs; the room starting breaks it off
/// (`uuid_break <caller> all`, sent while the verb keeps being polled: its
/// command may hold the socket until its reply is read), as does a command
/// that ends the wait.
async fn breakable(
    call: &mut Call,
    verb: &Verb,
    started: &mut watch::Receiver<bool>,
    steering: &mut Steering,
) -> Option<Waited> {
    let aside = aside(call);
    let mut run = Box::pin(super::verbs::run(call, verb));
    let waited = loop {
        tokio::select! {
            next = &mut run => {
                return matches!(next, Next::End).then_some(Waited::Stop(Next::End));
            }
            _ = room_started(started) => break Waited::Started,
            incoming = steering.next_incoming() => {
                let answering = waiting(&aside, incoming, steering);
                tokio::pin!(answering);
                let (answer, ended) = tokio::select! {
                    a = &mut answering => (a, None),
                    next = &mut run => (answering.await, Some(next)),
                };
                match (answer, ended) {
                    (Waiting::Stop, Some(_)) => return Some(Waited::Stop(Next::Continue)),
                    (Waiting::Stop, None) => {
                        let _ = (&mut run).await;
                        return Some(Waited::Stop(Next::Continue));
                    }
                    (Waiting::Stay, Some(Next::End)) => return Some(Waited::Stop(Next::End)),
                    (Waiting::Stay, Some(_)) => return None,
                    (Waiting::Stay, None) => {}
                }
            }
        }
    };
    info!("the room started; breaking off the waitHook's verb");
    let brk = aside.commander.break_all(&aside.uuid);
    tokio::pin!(brk);
    let mut sent = false;
    let next = loop {
        tokio::select! {
            next = &mut run => break next,
            r = &mut brk, if !sent => {
                sent = true;
                if let Err(e) = r {
                    warn!(error = %e, "cannot break off the waitHook's verb");
                }
            }
        }
    };
    match next {
        Next::End => Some(Waited::Stop(Next::End)),
        _ => Some(waited),
    }
}
