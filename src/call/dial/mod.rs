//! Running a dial on the caller's leg (docs/freeswitch.md §1–§5): filters for
//! every leg, the A-leg variables, the bridge, every leg's events, screening
//! connections, the time limit; then the outcome from the legs' own hangups
//! and the actionHook.

use std::borrow::Cow;

use serde_json::json;
use tokio::sync::mpsc;
use tracing::{info, warn};

pub mod digest;
pub mod legs;
pub mod live;
pub mod live_hooks;
pub mod screened;
pub mod screening;

use crate::app::{Dial, rules};
use crate::call::Call;
use crate::call::verbs::{Next, follow as follow_hook};
use crate::freeswitch::dialstring::{CompiledDial, compile};
use crate::freeswitch::outcome::{DialEnd, decide, refusal};
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;
use live::{Ending, follow};

/// Runs `dial`; `verb_id` is the verb's `id`.
pub async fn run(call: &mut Call, dial: &Dial, verb_id: Option<&str>) -> Next {
    let dial = with_forwarded_pai(call, dial);
    let compiled = match compile(&dial, &call.settings, &mut || {
        uuid::Uuid::new_v4().to_string()
    }) {
        Ok(c) => c,
        Err(e) => {
            call.report(HookKind::Call, "", &format!("dial not placed: {e}"), &[]);
            let ending = Ending {
                outcome: decide(&[], DialEnd::Normal),
                replacement: None,
                amd_type: None,
                error: None,
            };
            return finish(call, &dial, verb_id, ending).await;
        }
    };
    info!(
        legs = compiled.legs.len(),
        bridge = compiled.masked_argument(),
        "dialing"
    );
    let end = match ring(call, &dial, &compiled).await {
        Ok(end) => end,
        Err(e) => {
            if !matches!(e, SocketError::HungUp | SocketError::Closed) {
                call.report(HookKind::Call, "", &format!("dial failed: {e}"), &[]);
            }
            return Next::End;
        }
    };
    finish(call, &dial, verb_id, end).await
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

/// Sets the caller up and runs the bridge until it and its legs are done.
async fn ring(
    call: &mut Call,
    dial: &Dial,
    compiled: &CompiledDial,
) -> Result<Ending, SocketError> {
    for leg in &compiled.legs {
        call.socket.follow(&leg.uuid).await?;
    }
    forward_no_caller_headers(call).await?;
    for var in [
        "continue_on_fail=true",
        "hangup_after_bridge=false",
        "sip_ignore_remote_cause=true",
    ] {
        call.socket.execute("set", Some(var)).await?;
    }
    for var in ["originate_causes", "originated_legs"] {
        call.socket.execute("unset", Some(var)).await?;
    }
    prepare_media(call, dial).await?;
    let (arrival_tx, arrivals) = mpsc::unbounded_channel();
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        call.engine.screenings.expect(&leg.uuid, arrival_tx.clone());
    }
    drop(arrival_tx);
    let bridge = match call.socket.start("bridge", Some(compiled.argument())).await {
        Ok(b) => b,
        Err(e) => {
            for leg in compiled.legs.iter().filter(|l| l.screened) {
                call.engine.screenings.forget(&leg.uuid);
            }
            return Err(e);
        }
    };
    Ok(follow(call, dial, compiled, bridge, arrivals).await)
}

/// Stops FreeSWITCH copying the caller's `sip_h_*` variables (its INVITE's
/// X- headers, or a dialplan's) onto the legs: a caller's
/// `X-Dialbridge-Route: teams` would steer a leg at Kamailio (docs/freeswitch.md
/// §12). mod_sofia reads `sip_copy_custom_headers` on the originating
/// channel only; the headers the application asked for and dialbridge's own
/// travel in the dial string's `{…}`/`[…]` blocks and are unaffected. An API
/// command, answered once the variable is set: no awaited application
/// (§17). Fails closed: without it the dial is not placed.
async fn forward_no_caller_headers(call: &Call) -> Result<(), SocketError> {
    let command = format!(
        "uuid_setvar {} sip_copy_custom_headers false",
        call.socket.uuid()
    );
    call.socket.api(&command).await.map(|_| ())
}

/// Ringback, answer or ring_ready, media path — on the caller, before the bridge.
async fn prepare_media(call: &mut Call, dial: &Dial) -> Result<(), SocketError> {
    let answered = call.socket.state().answered.is_some();
    let music = match &dial.dial_music {
        Some(url) => match call.media.local_path(url).await {
            Ok(p) => Some(p.display().to_string()),
            Err(e) => {
                call.report(HookKind::Call, url, &e.to_string(), &[]);
                None
            }
        },
        None => None,
    };
    match &music {
        Some(path) => {
            call.socket
                .execute("set", Some(&format!("ringback={path}")))
                .await?;
            call.socket
                .execute("set", Some(&format!("transfer_ringback={path}")))
                .await?;
        }
        None if !call.settings.dial.ringback.is_empty() && (answered || !dial.answer_on_bridge) => {
            let tone = call.settings.dial.ringback.clone();
            call.socket
                .execute("set", Some(&format!("transfer_ringback={tone}")))
                .await?;
        }
        None => {}
    }
    if dial.exit_media_path {
        call.socket
            .execute("set", Some("bypass_media_after_bridge=true"))
            .await?;
    }
    if !answered {
        let app = match (dial.answer_on_bridge, music.is_some()) {
            (false, _) => "answer",
            (true, true) => "pre_answer",
            (true, false) => "ring_ready",
        };
        call.socket.execute(app, None).await?;
    }
    Ok(())
}

/// Reports the outcome to the actionHook and decides what comes next.
async fn finish(call: &mut Call, dial: &Dial, verb_id: Option<&str>, ending: Ending) -> Next {
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
    let next = follow_hook(call, HookKind::Action, hook, extra).await;
    if caller_gone { Next::End } else { next }
}
