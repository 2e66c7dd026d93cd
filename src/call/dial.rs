//! Running a dial on the caller's leg (FREESWITCH.md §1–§5): filters for
//! every leg, the A-leg variables, the bridge, every leg's events, screening
//! connections, the time limit; then the outcome from the legs' own hangups
//! and the actionHook.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::sleep_until;
use tracing::{info, warn};

use super::Call;
use super::flow::{Next, follow};
use super::legs::Legs;
use super::screening::{Screening, Verdict, screen};
use crate::app::{Dial, rules};
use crate::freeswitch::dialstring::{CompiledDial, compile};
use crate::freeswitch::outcome::{DialEnd, DialOutcome, decide, refusal};
use crate::freeswitch::socket::{SocketError, completion_of};
use crate::webhook::HookKind;

/// How long to wait for legs' final events after the bridge returned.
const GRACE: Duration = Duration::from_secs(2);

/// Runs `dial`; `verb_id` is the verb's `id`.
pub async fn run(call: &mut Call, dial: &Dial, verb_id: Option<&str>) -> Next {
    let dial = with_forwarded_pai(call, dial);
    let compiled = match compile(&dial, &call.settings, &mut || {
        uuid::Uuid::new_v4().to_string()
    }) {
        Ok(c) => c,
        Err(e) => {
            call.report(HookKind::Call, "", &format!("dial not placed: {e}"), &[]);
            let outcome = decide(&[], DialEnd::Normal);
            return finish(call, &dial, verb_id, outcome).await;
        }
    };
    info!(
        legs = compiled.legs.len(),
        bridge = compiled.masked_argument(),
        "dialing"
    );
    if dial.amd.is_some() || dial.dtmf_capture.is_some() {
        info!("amd and dtmfCapture are not run by this version of dialbridge; the dial goes on");
    }
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
) -> Result<DialOutcome, SocketError> {
    for leg in &compiled.legs {
        call.socket.follow(&leg.uuid).await?;
    }
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
    let (arrival_tx, mut arrivals) = mpsc::unbounded_channel();
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        let rx = call.engine.screenings.expect(&leg.uuid);
        let tx = arrival_tx.clone();
        tokio::spawn(async move {
            if let Ok(a) = rx.await {
                let _ = tx.send(a);
            }
        });
    }
    drop(arrival_tx);
    let (verdict_tx, mut verdicts) = mpsc::unbounded_channel::<Verdict>();
    let a_uuid = call.socket.uuid().to_owned();
    let bridge = call
        .socket
        .start("bridge", Some(compiled.argument()))
        .await?;
    let mut legs = Legs::new(&compiled.legs);
    let mut bridge_done = false;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut limit: Option<tokio::time::Instant> = None;
    let mut screening = 0usize;
    loop {
        let over = bridge_done || call.socket.hung_up();
        if over && legs.all_ended() && screening == 0 {
            break;
        }
        if over && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + GRACE);
        }
        tokio::select! {
            event = call.socket.next() => {
                let event = match event {
                    Ok(e) => e,
                    Err(_) => break,
                };
                if let Some(done) = completion_of(&event, &bridge) {
                    bridge_done = true;
                    if let Some(causes) = done.event.variable_str("originate_causes") {
                        legs.fill_from_originate_causes(causes);
                    }
                }
                if legs.observe(&event, &a_uuid, Instant::now()).is_some() {
                    info!(leg = legs.winner().unwrap_or_default(), "bridged");
                    limit = dial.time_limit.map(|t| {
                        tokio::time::Instant::now() + Duration::from_secs(u64::from(t))
                    });
                }
            }
            Some(arrival) = arrivals.recv() => {
                // Only screened legs are expected, and a screened leg has a
                // confirmHook (its own or the dial's).
                let Some(hook) = screening_hook(dial, &arrival.1.uuid, compiled) else {
                    // Closing the socket would accept the leg unscreened.
                    let (mut socket, _) = *arrival;
                    tokio::spawn(async move {
                        socket.end_with("hangup", "CALL_REJECTED").await;
                        socket.close().await;
                    });
                    continue;
                };
                screening += 1;
                let job = Screening {
                    hook,
                    parent_call_sid: a_uuid.clone(),
                    tag: dial.tag.as_ref().and_then(|t| t.as_object().cloned()),
                    settings: Arc::clone(&call.settings),
                    hooks: call.hooks.clone(),
                };
                let engine = Arc::clone(&call.engine);
                let tx = verdict_tx.clone();
                tokio::spawn(async move { let _ = tx.send(screen(arrival, job, engine).await); });
            }
            Some(v) = verdicts.recv() => {
                screening = screening.saturating_sub(1);
                if v.declined() {
                    legs.decline(&v.leg);
                }
            }
            _ = sleep_until(limit.unwrap_or_else(far_future)), if limit.is_some() => {
                limit = None;
                if let Some(w) = legs.winner().map(str::to_owned) {
                    info!(leg = %w, "timeLimit reached");
                    let _ = call.socket.api(&format!("uuid_kill {w} ALLOTTED_TIMEOUT")).await;
                }
            }
            _ = sleep_until(deadline.unwrap_or_else(far_future)), if deadline.is_some() => break,
        }
    }
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        call.engine.screenings.forget(&leg.uuid);
    }
    let end = if legs.winner().is_none() && call.socket.hung_up() {
        DialEnd::CallerHungUp
    } else {
        DialEnd::Normal
    };
    Ok(decide(&legs.reports(Instant::now()), end))
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

/// The confirmHook of the leg `uuid`: its target's own, else the dial's.
fn screening_hook(dial: &Dial, uuid: &str, compiled: &CompiledDial) -> Option<crate::app::Hook> {
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
async fn finish(call: &mut Call, dial: &Dial, verb_id: Option<&str>, outcome: DialOutcome) -> Next {
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
    let next = follow(call, HookKind::Action, hook, extra).await;
    if caller_gone { Next::End } else { next }
}
