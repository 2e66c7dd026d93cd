//! Call screening (confirmHook, FREESWITCH.md §5): when a screened leg
//! answers, FreeSWITCH opens a second connection to the listener for it.
//! The listener hands it to the dial that owns the leg through
//! [`Screenings`]; [`screen`] runs the confirmHook application on the callee
//! and says whether the leg is accepted (bridged) or declined.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tracing::{Instrument, info, info_span, warn};

use super::flow::{self, Next};
use super::info::CallInfo;
use super::status::StatusNotifier;
use super::{Call, Engine};
use crate::app::{Hook, Verb};
use crate::config::Settings;
use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::socket::CallSocket;
use crate::webhook::{HookKind, Webhooks};

/// A screening connection on its way to its dial (boxed: it is large and
/// passes through channels).
pub type Arrival = Box<(CallSocket, ChannelData)>;

/// Screening connections expected by running dials, by leg UUID.
#[derive(Default)]
pub struct Screenings {
    waiting: Mutex<HashMap<String, oneshot::Sender<Arrival>>>,
}

impl Screenings {
    /// A dial announces that leg `uuid` will be screened.
    pub fn expect(&self, uuid: &str) -> oneshot::Receiver<Arrival> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(uuid.to_owned(), tx);
        }
        rx
    }

    /// The dial no longer waits for `uuid`.
    pub fn forget(&self, uuid: &str) {
        if let Ok(mut w) = self.waiting.lock() {
            w.remove(uuid);
        }
    }

    /// Hands a screening connection to its dial; gives it back when no dial
    /// expects it.
    pub fn deliver(&self, arrival: Arrival) -> Result<(), Arrival> {
        let sender = self
            .waiting
            .lock()
            .ok()
            .and_then(|mut w| w.remove(&arrival.1.uuid));
        match sender {
            Some(tx) => tx.send(arrival),
            None => Err(arrival),
        }
    }
}

/// How screening ended for one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The leg.
    pub leg: String,
    /// True: handed back to FreeSWITCH to be bridged.
    pub accepted: bool,
    /// Not accepted because the screening app or the callee turned it
    /// down, rather than a timeout or another leg ending it.
    pub by_callee: bool,
}

impl Verdict {
    /// True when the callee or the screening app turned the leg down.
    pub fn declined(&self) -> bool {
        !self.accepted && self.by_callee
    }
}

/// Causes with which FreeSWITCH ends a leg for reasons of its own.
const NOT_THE_CALLEES: &[&str] = &[
    "ALLOTTED_TIMEOUT",
    "NO_ANSWER",
    "LOSE_RACE",
    "ORIGINATOR_CANCEL",
];

/// What the screening of one leg needs from its dial.
pub struct Screening {
    /// The screening app.
    pub hook: Hook,
    /// The caller's call_sid.
    pub parent_call_sid: String,
    /// The dial's `tag`, sent as `customerData`.
    pub tag: Option<Map<String, Value>>,
    /// Configuration snapshot of the call.
    pub settings: Arc<Settings>,
    /// Webhook client of the call.
    pub hooks: Webhooks,
}

/// Runs the screening application on an arrived leg.
pub async fn screen(arrival: Arrival, s: Screening, engine: Arc<Engine>) -> Verdict {
    let (socket, data) = *arrival;
    let leg = data.uuid.clone();
    let span = info_span!("screening", call_sid = %leg, parent_call_sid = %s.parent_call_sid);
    let (accepted, by_callee) = run(socket, data, s, engine).instrument(span).await;
    Verdict {
        leg,
        accepted,
        by_callee,
    }
}

/// (accepted, turned down by the callee or the app).
async fn run(
    socket: CallSocket,
    data: ChannelData,
    s: Screening,
    engine: Arc<Engine>,
) -> (bool, bool) {
    if let Err(e) = socket.subscribe().await {
        warn!(error = %e, "screening connection failed");
        return (false, false);
    }
    let media = engine.media_cache(&s.settings.media);
    let mut call = Call {
        socket,
        info: CallInfo {
            channel: data,
            account_sid: s.settings.app.account_sid.clone(),
            application_sid: s.settings.app.application_sid.clone(),
            customer_data: s.tag,
        },
        status: StatusNotifier::new(&s.hooks, None),
        settings: s.settings,
        hooks: s.hooks,
        media,
        engine,
        pending_refusal: None,
    };
    let payload = call.payload(json!({
        "type": "dial:confirm",
        "parent_call_sid": s.parent_call_sid,
    }));
    let verbs = match call.fetch(HookKind::Confirm, &s.hook, payload).await {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => {
            info!("confirmHook failed; the leg is declined");
            return decline(call).await;
        }
    };
    let mut queue: VecDeque<_> = verbs.into();
    while let Some(ins) = queue.pop_front() {
        if call.socket.hung_up() {
            break;
        }
        let next = match &ins.verb {
            Verb::Hangup(_) => return decline(call).await,
            Verb::Play(_)
            | Verb::Say(_)
            | Verb::Gather(_)
            | Verb::Pause(_)
            | Verb::Answer
            | Verb::Tag(_)
            | Verb::Redirect(_) => flow::run(&mut call, &ins.verb).await,
            other => {
                call.report(
                    HookKind::Confirm,
                    &s.hook.url,
                    &format!(
                        "`{}` cannot run on a screened callee; the leg is declined",
                        other.name()
                    ),
                    &[],
                );
                return decline(call).await;
            }
        };
        match next {
            Next::Continue => {}
            Next::Replace(v) => queue = v.into(),
            Next::End => break,
        }
    }
    if let Some(h) = &call.socket.state().hangup {
        let by_callee = !NOT_THE_CALLEES.contains(&h.cause.as_str());
        info!(cause = %h.cause, "the leg ended during screening");
        call.socket.close().await;
        return (false, by_callee);
    }
    info!("screening accepted");
    call.socket.close().await;
    (true, false)
}

async fn decline(mut call: Call) -> (bool, bool) {
    call.socket.end_with("hangup", "CALL_REJECTED").await;
    call.socket.close().await;
    info!("screening declined");
    (false, true)
}
