//! Running a dial on the caller's leg (docs/freeswitch.md §1–§5): filters for
//! every leg, the A-leg variables, the bridge, every leg's events, screening
//! connections, the time limit; then the outcome from the legs' own hangups
//! and the actionHook.

use std::borrow::Cow;

use serde_json::json;
use tracing::{info, warn};

pub(crate) mod digest;
pub(crate) mod early_redirect;
pub(crate) mod hold;
pub mod legs;
pub mod live;
pub mod live_hooks;
pub mod refer;
pub mod screened;
pub mod screening;
pub mod setup;
pub(crate) mod steer;
mod taps;

use crate::app::{Dial, rules};
use crate::call::Call;
use crate::call::handle::Steering;
use crate::call::recording::dial::DialRecording;
use crate::call::verbs::{Next, ask_hook};
use crate::freeswitch::dialstring::compile;
use crate::freeswitch::outcome::{DialEnd, DialStatus, decide, refusal};
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;
use live::DialResult;

/// Runs `dial`; `verb_id` is the verb's `id`. The call's handle is served
/// throughout: aside while the dial is set up and its actionHook fetched,
/// in the live phase's own loop while targets ring or are bridged.
pub(crate) async fn run(
    call: &mut Call,
    dial: &Dial,
    verb_id: Option<&str>,
    steering: &mut Steering,
) -> Next {
    let asked = std::time::Instant::now();
    let dial = with_forwarded_pai(call, dial);
    let compiled = match compile(&dial, &call.settings, &mut || {
        uuid::Uuid::new_v4().to_string()
    }) {
        Ok(c) => c,
        Err(e) => {
            call.report(HookKind::Call, "", &format!("dial not placed: {e}"), &[]);
            let ending = DialResult {
                outcome: decide(&[], DialEnd::Normal),
                replacement: None,
                amd_type: None,
                error: None,
                referred: None,
            };
            return Box::pin(steering.serve(finish(call, &dial, verb_id, ending, None))).await;
        }
    };
    info!(
        legs = compiled.legs.len(),
        bridge = compiled.masked_argument(),
        "dialing"
    );
    let recording = DialRecording::plan(call, &dial);
    let set_up = setup::place(call, &dial, &compiled, asked, recording.as_ref());
    // The set-up and the actionHook are boxed: the live phase (below), which
    // a bridged call sits in, then does not carry their state.
    let placed = match Box::pin(steering.serve(set_up)).await {
        Ok(placed) => placed,
        Err(e) => {
            if !matches!(e, SocketError::HungUp | SocketError::Closed) {
                call.report(HookKind::Call, "", &format!("dial failed: {e}"), &[]);
            }
            return Next::End;
        }
    };
    let result = live::run(call, &dial, &compiled, placed, steering).await;
    if dial.hangup_on_star {
        Box::pin(forget_terminate_key(call)).await;
    }
    let recorded = match recording {
        Some(r) => {
            let o = &result.outcome;
            let bridged = o.dial_status == DialStatus::Completed;
            Box::pin(steering.serve(r.finish(call, bridged, o.duration))).await
        }
        None => None,
    };
    Box::pin(steering.serve(finish(call, &dial, verb_id, result, recorded))).await
}

/// Unsets `bridge_terminate_key` after a `hangupOnStar` dial, so a later
/// dial's bridge does not end on `*` (an API command: no frame).
async fn forget_terminate_key(call: &Call) {
    if call.socket.hung_up() {
        return;
    }
    let unset = format!("uuid_setvar {} bridge_terminate_key", call.socket.uuid());
    if let Err(e) = call.socket.api(&unset).await {
        warn!(error = %e, "could not unset the caller's bridge_terminate_key");
    }
}

/// The dial with the caller's P-Asserted-Identity and Privacy added to its
/// headers when `forwardPAI` is on (values FreeSWITCH cannot carry are left
/// out with a warning).
fn with_forwarded_pai<'a>(call: &Call, dial: &'a Dial) -> Cow<'a, Dial> {
    let c = &call.info.channel;
    let inherited = [
        ("P-Asserted-Identity", c.p_asserted_identity.as_deref()),
        ("Privacy", c.privacy.as_deref()),
    ];
    if !dial.forward_pai || inherited.iter().all(|(_, v)| v.is_none()) {
        return Cow::Borrowed(dial);
    }
    let mut d = dial.clone();
    for (name, value) in inherited {
        let Some(value) = value else { continue };
        if d.headers
            .0
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let ok = rules::header_value(name, value)
            .and_then(|()| rules::block_value(value, rules::VarBlock::Shared, name));
        match ok {
            Ok(()) if !value.contains("${") => {
                d.headers.0.push((name.to_owned(), value.to_owned()))
            }
            _ => warn!(
                header = name,
                "the caller's header cannot be forwarded; left out"
            ),
        }
    }
    Cow::Owned(d)
}

/// Reports the outcome to the actionHook and decides what comes next.
async fn finish(
    call: &mut Call,
    dial: &Dial,
    verb_id: Option<&str>,
    ending: DialResult,
    recorded: Option<serde_json::Value>,
) -> Next {
    let outcome = ending.outcome;
    info!(
        dial_status = outcome.dial_status.as_str(),
        dial_sip_status = outcome.dial_sip_status,
        dial_call_sid = outcome.dial_call_sid.as_deref().unwrap_or(""),
        "dial ended"
    );
    let legs: Vec<&str> = outcome
        .dial_legs
        .iter()
        .map(|l| l.status.as_str())
        .collect();
    call.engine
        .metrics
        .dial_ended(outcome.dial_status.as_str(), &legs);
    let unanswered = call.socket.state().answered.is_none();
    call.pending_refusal = if unanswered { refusal(&outcome) } else { None };
    let caller_gone = call.socket.hung_up();
    if let Some(referred) = ending.referred.as_ref().filter(|_| !caller_gone) {
        // The next dial's bridge must not read this REFER again.
        let forget = format!("uuid_setvar {} sip_refer_to", call.socket.uuid());
        if let Err(e) = call.socket.api(&forget).await {
            warn!(error = %e, "could not clear the caller's sip_refer_to");
        }
        let referring = outcome.dial_call_sid.clone();
        if let Some(verbs) = refer::ask(call, dial, referred, referring.as_deref()).await {
            return Next::Replace(verbs);
        }
    }
    if let Some(verbs) = ending.replacement {
        // An AMD hook's verbs replace the application (as in jambonz): the
        // callee was hung up and the dial's actionHook is not called.
        return if caller_gone {
            Next::End
        } else {
            Next::Replace(verbs)
        };
    }
    let Some(hook) = &dial.action_hook else {
        return if caller_gone {
            Next::End
        } else {
            Next::Continue
        };
    };
    let mut extra = json!({
        "dial_call_sid": outcome.dial_call_sid,
        "dial_status": outcome.dial_status,
        "dial_call_status": outcome.dial_status,
        "dial_sip_status": outcome.dial_sip_status,
        "dial_sbc_callid": outcome.dial_sbc_callid,
        "duration": outcome.duration,
        "dial_legs": outcome.dial_legs,
    });
    if let Some(id) = verb_id {
        extra["verb_id"] = json!(id);
    }
    if let Some(t) = ending.amd_type {
        extra["amd_type"] = json!(t);
    }
    if let Some(e) = &ending.error {
        extra["dial_error"] = json!(e);
    }
    if let Some(serde_json::Value::Object(rec)) = recorded {
        for (k, v) in rec {
            extra[k] = v;
        }
    }
    let next = ask_hook(call, HookKind::Action, hook, extra).await;
    if caller_gone { Next::End } else { next }
}
