//! The screened legs of a running dial, from the dial's side: starting the
//! screening of each leg whose connection arrives, and the defence against
//! FreeSWITCH bridging a screened leg on its own. When the screening socket
//! cannot connect (the listener is gone, the port refused), FreeSWITCH
//! bridges the leg anyway, ~40 ms after its answer (docs/freeswitch.md §13,
//! traces 13a/13b). The caller's socket sees the leg's events: a screened
//! leg whose screening app returns, or that is bridged, without dialbridge
//! having accepted it is hung up at once (CALL_REJECTED) and counts as
//! declined.

use std::collections::HashSet;
use std::sync::Arc;

use freeswitch_esl_tokio::{EslEvent, EslEventType, HeaderLookup};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::screening::{Arrival, Decisions, Screening, Verdict, decline, screen};
use crate::app::{Dial, Hook};
use crate::call::Call;
use crate::freeswitch::dialstring::CompiledDial;

/// The screened legs of one dial and what dialbridge decided for each.
pub(crate) struct Screened {
    legs: HashSet<String>,
    /// Legs already hung up for getting through unaccepted.
    refused: HashSet<String>,
    /// Shared with the screening tasks.
    pub(crate) decisions: Decisions,
}

impl Screened {
    /// The screened legs of `compiled`.
    pub(crate) fn new(compiled: &CompiledDial) -> Self {
        Self {
            legs: compiled
                .legs
                .iter()
                .filter(|l| l.screened)
                .map(|l| l.uuid.clone())
                .collect(),
            refused: HashSet::new(),
            decisions: Decisions::default(),
        }
    }

    /// The screened leg `event` shows FreeSWITCH letting through without
    /// dialbridge's acceptance: its screening app returned with the leg
    /// still up and undecided, or the caller was bridged to it. `a_uuid`
    /// is the caller.
    pub(crate) fn bypassed(&self, event: &EslEvent, a_uuid: &str) -> Option<String> {
        let uuid = event.unique_id()?;
        match event.event_type()? {
            EslEventType::ChannelExecuteComplete
                if self.legs.contains(uuid)
                    && event.header_str("Application") == Some("socket")
                    && event.header_str("Answer-State") != Some("hangup")
                    && !self.decisions.decided(uuid) =>
            {
                Some(uuid.to_owned())
            }
            EslEventType::ChannelBridge if uuid == a_uuid => {
                let other = event.header_str("Other-Leg-Unique-ID")?;
                (self.legs.contains(other) && !self.decisions.accepted(other))
                    .then(|| other.to_owned())
            }
            _ => None,
        }
    }
}

/// Hangs up a screened leg FreeSWITCH let through on its own (see the
/// module doc), on the caller's socket, else the control connection; once
/// per leg.
pub(crate) async fn refuse(call: &mut Call, screened: &mut Screened, leg: &str) {
    if !screened.refused.insert(leg.to_owned()) {
        return;
    }
    warn!(
        leg,
        "FreeSWITCH let a screened leg through without its screening (the screening socket \
         could not connect?); hanging it up CALL_REJECTED"
    );
    call.engine.metrics.screening_bypassed();
    screened.decisions.decline(leg);
    let command = format!("uuid_kill {leg} CALL_REJECTED");
    if call.socket.api(&command).await.is_err()
        && let Err(e) = call.socket.control().api(&command).await
    {
        warn!(leg, error = %e, "cannot hang the screened leg up");
    }
}

/// Starts screening an arrived leg; false (after declining the leg) when
/// it has no confirmHook, which cannot happen for a leg the dial screens.
pub(crate) fn start(
    call: &Call,
    dial: &Dial,
    compiled: &CompiledDial,
    screened: &Screened,
    arrival: Arrival,
    verdicts: &mpsc::Sender<Verdict>,
) -> bool {
    let Some(hook) = screening_hook(dial, &arrival.1.uuid, compiled) else {
        // Closing the socket would accept the leg unscreened.
        screened.decisions.decline(&arrival.1.uuid);
        call.engine
            .tasks
            .spawn(tracing::Instrument::in_current_span(decline(arrival.0)));
        return false;
    };
    let job = Screening {
        hook,
        parent_call_sid: call.socket.uuid().to_owned(),
        tag: dial.tag.as_ref().and_then(|t| t.as_object().cloned()),
        settings: Arc::clone(&call.settings),
        hooks: call.hooks.clone(),
        decisions: screened.decisions.clone(),
        caller: call.socket.commander(),
    };
    let engine = Arc::clone(&call.engine);
    let tx = verdicts.clone();
    call.engine.tasks.spawn(async move {
        let _ = tx.send(screen(arrival, job, engine).await).await;
    });
    true
}

/// After the dial: no screening connection may arrive for its legs any
/// more, and any that arrived unread is declined (dropping its socket
/// would accept the leg).
pub fn close(call: &Call, compiled: &CompiledDial, arrivals: &mut mpsc::Receiver<Arrival>) {
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        call.engine.screenings.forget(&leg.uuid);
    }
    arrivals.close();
    while let Ok(arrival) = arrivals.try_recv() {
        info!(leg = %arrival.1.uuid, "a screening connection came after its dial ended; declining the leg");
        call.engine
            .tasks
            .spawn(tracing::Instrument::in_current_span(decline(arrival.0)));
    }
}

/// The confirmHook of the leg `uuid`: its target's own, else the dial's.
fn screening_hook(dial: &Dial, uuid: &str, compiled: &CompiledDial) -> Option<Hook> {
    let target = compiled
        .legs
        .iter()
        .find(|l| l.uuid == uuid)
        .map(|l| l.target);
    dial.targets
        .iter()
        .find(|(i, _)| Some(*i) == target)
        .and_then(|(_, t)| t.confirm_hook.clone())
        .or_else(|| dial.confirm_hook.clone())
}
