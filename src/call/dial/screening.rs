//! Call screening (confirmHook, docs/freeswitch.md §5): when a screened leg
//! answers, FreeSWITCH opens a second connection to the listener for it.
//! The listener hands it to the dial that owns the leg through
//! [`Screenings`]; [`screen`] runs the confirmHook application on the callee
//! and says whether the leg is accepted (bridged) or declined.
//!
//! Screening fails closed: closing a screening socket with the leg up
//! accepts the leg, so every path that is not an explicit acceptance
//! declines it ([`decline`]: hung up CALL_REJECTED by every way left, its
//! socket closed only once the leg is gone). The acceptance is written to
//! [`Decisions`] before the socket is closed, so the dial can tell a leg
//! dialbridge accepted from one FreeSWITCH bridged on its own (§13).

use std::collections::HashMap;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tracing::{Instrument, info, info_span, warn};

use crate::app::{Hook, Verb};
use crate::call::info::CallInfo;
use crate::call::status::StatusNotifier;
use crate::call::verbs::{self, Next};
use crate::call::{Call, Engine};
use crate::config::Settings;
use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::ending::Finish;
use crate::freeswitch::socket::{CallSocket, Commander};
use crate::webhook::{HookKind, Webhooks};
use freeswitch_esl_tokio::HangupCause;

/// A screening connection on its way to its dial (boxed: it is large and
/// passes through channels).
pub(crate) type Arrival = Box<(CallSocket, ChannelData)>;

/// Screening connections expected by running dials, by leg UUID.
#[derive(Default)]
pub struct Screenings {
    waiting: Mutex<HashMap<String, mpsc::Sender<Arrival>>>,
}

impl Screenings {
    /// A dial announces that leg `uuid` will be screened; its connection
    /// will come through `to`.
    pub fn expect(&self, uuid: &str, to: mpsc::Sender<Arrival>) {
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(uuid.to_owned(), to);
        }
    }

    /// The dial no longer waits for `uuid`.
    pub(crate) fn forget(&self, uuid: &str) {
        if let Ok(mut w) = self.waiting.lock() {
            w.remove(uuid);
        }
    }

    /// Hands a screening connection to its dial; gives it back when no dial
    /// expects it (or the dial is gone, or its queue is full: it holds one
    /// place per screened leg and each leg is delivered once, so it is not).
    pub fn deliver(&self, arrival: Arrival) -> Result<(), Arrival> {
        let sender = self
            .waiting
            .lock()
            .ok()
            .and_then(|mut w| w.remove(&arrival.1.uuid));
        match sender {
            Some(tx) => tx.try_send(arrival).map_err(|e| e.into_inner()),
            None => Err(arrival),
        }
    }
}

/// What dialbridge decided for each screened leg of one dial, written
/// before the leg's socket is closed (accepted) or as its hangup is asked
/// for (declined). Shared by the dial and its screening tasks.
#[derive(Clone, Default)]
pub(crate) struct Decisions(Arc<Mutex<HashMap<String, bool>>>);

impl Decisions {
    fn set(&self, leg: &str, accepted: bool) {
        if let Ok(mut d) = self.0.lock() {
            d.insert(leg.to_owned(), accepted);
        }
    }

    /// True once dialbridge accepted `leg`.
    pub(crate) fn accepted(&self, leg: &str) -> bool {
        self.0
            .lock()
            .ok()
            .and_then(|d| d.get(leg).copied())
            .unwrap_or(false)
    }

    /// True once dialbridge decided about `leg` either way.
    pub(crate) fn decided(&self, leg: &str) -> bool {
        self.0.lock().ok().is_some_and(|d| d.contains_key(leg))
    }

    /// Records that `leg` is being declined.
    pub(crate) fn decline(&self, leg: &str) {
        self.set(leg, false);
    }
}

/// How screening ended for one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The leg.
    pub(crate) leg: String,
    /// True: handed back to FreeSWITCH to be bridged.
    pub(crate) accepted: bool,
    /// Not accepted because the screening app or the callee turned it
    /// down, rather than a timeout or another leg ending it.
    pub(crate) by_callee: bool,
}

impl Verdict {
    /// True when the callee or the screening app turned the leg down.
    pub fn declined(&self) -> bool {
        !self.accepted && self.by_callee
    }
}

/// Causes with which FreeSWITCH ends a leg for reasons of its own.
const NOT_THE_CALLEES: &[HangupCause] = &[
    HangupCause::AllottedTimeout,
    HangupCause::NoAnswer,
    HangupCause::LoseRace,
    HangupCause::OriginatorCancel,
];

/// How long a screening socket whose leg could not be confirmed declined
/// is kept open (closing it would accept the leg); FreeSWITCH's
/// `originate_timeout` ends the leg long before.
const HOLD_UNDECLINED: Duration = Duration::from_secs(3600);

/// What the screening of one leg needs from its dial.
pub(crate) struct Screening {
    /// The screening app.
    pub(crate) hook: Hook,
    /// The caller's call_sid.
    pub(crate) parent_call_sid: String,
    /// The dial's `tag`, sent as `customerData`.
    pub(crate) tag: Option<Map<String, Value>>,
    /// Configuration snapshot of the call.
    pub settings: Arc<Settings>,
    /// Webhook client of the call.
    pub(crate) hooks: Webhooks,
    /// The dial's decisions.
    pub(crate) decisions: Decisions,
    /// The caller's socket, a last way to hang the leg up.
    pub(crate) caller: Commander,
}

/// Runs the screening application on an arrived leg.
pub(crate) async fn screen(arrival: Arrival, s: Screening, engine: Arc<Engine>) -> Verdict {
    let (mut socket, data) = *arrival;
    socket.reachable_through(s.caller.clone());
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
    mut socket: CallSocket,
    data: ChannelData,
    s: Screening,
    engine: Arc<Engine>,
) -> (bool, bool) {
    let decisions = s.decisions.clone();
    if let Err(e) = socket.subscribe().await {
        warn!(error = %e, "screening connection failed; the leg is declined");
        decisions.decline(&data.uuid);
        decline(socket).await;
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
        status: StatusNotifier::new(&s.hooks, None, &engine.tasks),
        settings: s.settings,
        hooks: s.hooks,
        media,
        engine,
        pending_refusal: None,
        defaults: Default::default(),
        background: Default::default(),
        view: tokio::sync::watch::channel(Map::new()).0,
    };
    let leg = call.info.channel.uuid.clone();
    let payload = call.payload(json!({
        "type": "dial:confirm",
        "parent_call_sid": s.parent_call_sid,
    }));
    let verbs = match call.fetch(HookKind::Confirm, &s.hook, payload).await {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => {
            info!("confirmHook failed; the leg is declined");
            decisions.decline(&leg);
            return (false, declined(call).await);
        }
    };
    let mut queue: VecDeque<_> = verbs.into();
    while let Some(ins) = queue.pop_front() {
        if call.socket.over() {
            break;
        }
        let next = match &ins.verb {
            Verb::Hangup(_) => {
                decisions.decline(&leg);
                return (false, declined(call).await);
            }
            Verb::Play(_)
            | Verb::Say(_)
            | Verb::Gather(_)
            | Verb::Pause(_)
            | Verb::Answer
            | Verb::Tag(_)
            | Verb::Redirect(_) => verbs::run(&mut call, &ins.verb).await,
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
                decisions.decline(&leg);
                return (false, declined(call).await);
            }
        };
        match next {
            Next::Continue => {}
            Next::Replace(v) => queue = v.into(),
            Next::End => break,
        }
    }
    if let Some(h) = &call.socket.state().hangup {
        let by_callee = !NOT_THE_CALLEES.contains(&h.cause);
        info!(cause = %h.cause, "the leg ended during screening");
        decisions.decline(&leg);
        call.socket.close().await;
        return (false, by_callee);
    }
    if let Some(why) = call.socket.broken() {
        // Not an acceptance: what ran on the callee cannot be known.
        warn!(reason = %why, "the screening socket failed; the leg is declined");
        decisions.decline(&leg);
        return (false, declined(call).await);
    }
    info!("screening accepted");
    decisions.set(&leg, true);
    call.socket.close().await;
    (true, false)
}

/// Declines the leg of a screening that ran; true (turned down by the app).
async fn declined(call: Call) -> bool {
    decline(call.socket).await;
    info!("screening declined");
    true
}

/// Declines a screened leg: hangs it up CALL_REJECTED by every way left
/// (its own socket, `uuid_kill` there, on the control connection, through
/// the caller's socket), and closes its socket only once the leg is gone;
/// when that cannot be confirmed the socket is held open instead, since
/// closing it would accept the leg.
pub(crate) async fn decline(mut socket: CallSocket) {
    if socket
        .end_with(&Finish::Hangup(HangupCause::CallRejected))
        .await
    {
        socket.close().await;
        return;
    }
    warn!(
        "the declined leg could not be confirmed gone; its screening socket stays open so \
         FreeSWITCH cannot bridge it"
    );
    socket.hold_until_closed(HOLD_UNDECLINED).await;
    socket.close().await;
}
