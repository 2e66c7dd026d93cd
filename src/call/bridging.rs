//! Following a running bridge until it and its legs are done: every leg's
//! events, screening connections, the time limit, DTMF capture and
//! answering-machine detection on the bridged leg.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::sleep_until;
use tracing::{info, warn};

use super::Call;
use super::capture::Capture;
use super::detection::{Detection, Signal, stopped_payload};
use super::legs::Legs;
use super::screening::{Arrival, Screening, Verdict, screen};
use crate::app::{Dial, Hook, Instruction, parse_reply};
use crate::freeswitch::dialstring::CompiledDial;
use crate::freeswitch::outcome::{DialEnd, DialOutcome, decide};
use crate::freeswitch::socket::completion_of;
use crate::webhook::HookKind;

/// How long to wait for legs' final events after the bridge returned.
const GRACE: Duration = Duration::from_secs(2);

/// How a dial ended.
pub struct Ending {
    /// The outcome from the legs.
    pub outcome: DialOutcome,
    /// Verbs an AMD hook returned: they replace the application.
    pub replacement: Option<Vec<Instruction>>,
    /// `machine` when disconnectOnAMD hung the callee up.
    pub amd_type: Option<&'static str>,
}

/// Follows the bridge tagged `bridge` to its end.
pub async fn follow(
    call: &mut Call,
    dial: &Dial,
    compiled: &CompiledDial,
    bridge: String,
    mut arrivals: mpsc::UnboundedReceiver<Arrival>,
) -> Ending {
    let (verdict_tx, mut verdicts) = mpsc::unbounded_channel::<Verdict>();
    let (reply_tx, mut amd_replies) = mpsc::unbounded_channel::<Vec<Instruction>>();
    let a_uuid = call.socket.uuid().to_owned();
    let mut legs = Legs::new(&compiled.legs);
    let mut capture = Capture::new(dial, Duration::from_millis(call.settings.dtmf.gap_ms));
    let mut detection: Option<Detection> = None;
    let mut ending = Ending {
        outcome: decide(&[], DialEnd::Normal),
        replacement: None,
        amd_type: None,
    };
    let mut bridge_done = false;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut limit: Option<tokio::time::Instant> = None;
    let mut screening = 0usize;
    let mut status_tick = tokio::time::interval(Duration::from_millis(100));
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
                let Ok(event) = event else { break };
                // The caller's ringing and answer reach the status hook while
                // the dial runs, not when it ends.
                call.sync_status();
                if let Some(done) = completion_of(&event, &bridge) {
                    bridge_done = true;
                    if let Some(causes) = done.event.variable_str("originate_causes") {
                        legs.fill_from_originate_causes(causes);
                    }
                }
                if let Some(winner) = legs.observe(&event, &a_uuid, Instant::now()) {
                    info!(leg = %winner, "bridged");
                    super::digest::forget_password(call, dial, compiled, &winner);
                    limit = dial.time_limit.map(|t| {
                        tokio::time::Instant::now() + Duration::from_secs(u64::from(t))
                    });
                    if let Some(amd) = &dial.amd {
                        let params = call.settings.amd.classifier.with_verb(amd);
                        detection = Some(Detection::start(
                            call.socket.commander(), &winner, params, &call.settings.amd,
                        ));
                    }
                }
                if let Some(c) = capture.as_mut()
                    && let Some(m) = c.observe(&event, &a_uuid, legs.winner(), Instant::now())
                {
                    info!(dtmf = %m.dtmf, leg = m.leg, "dtmfCapture matched");
                    call.engine.metrics.dtmf_match(m.leg);
                    let extra = json!({"dtmf": m.dtmf, "leg": m.leg, "call_sid": m.call_sid,
                                       "parent_call_sid": a_uuid});
                    notify(call, HookKind::Dtmf, &c.hook, extra, None);
                }
                if let (Some(d), Some(amd)) = (detection.as_mut(), &dial.amd)
                    && let Some(beep) = d.beep(&event)
                {
                    relay(call, dial, &amd.action_hook, &beep, &reply_tx);
                }
            }
            signal = next_signal(&mut detection) => {
                let Some(amd) = &dial.amd else { continue };
                relay(call, dial, &amd.action_hook, &signal, &reply_tx);
                let machine = matches!(signal, Signal::Event(crate::call::amd::AmdEvent::MachineDetected { .. }));
                if machine && amd.disconnect_on_amd {
                    ending.amd_type = Some("machine");
                    kill(call, legs.winner(), "disconnectOnAMD: a machine answered").await;
                }
            }
            Some(verbs) = amd_replies.recv() => {
                if !verbs.is_empty() && ending.replacement.is_none() {
                    ending.replacement = Some(verbs);
                    kill(call, legs.winner(), "the amd hook replaced the application").await;
                }
            }
            Some(arrival) = arrivals.recv() => {
                if start_screening(call, dial, compiled, arrival, &verdict_tx) {
                    screening += 1;
                }
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
            _ = status_tick.tick() => call.sync_status(),
        }
    }
    if let (Some(mut d), Some(amd)) = (detection.take(), &dial.amd) {
        d.stop();
        if !d.decided {
            notify(
                call,
                HookKind::Amd,
                &amd.action_hook,
                stopped_payload(),
                None,
            );
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
    ending.outcome = decide(&legs.reports(Instant::now()), end);
    ending
}

/// The next AMD signal, or pending forever without detection.
async fn next_signal(detection: &mut Option<Detection>) -> Signal {
    match detection {
        Some(d) => d.next().await,
        None => std::future::pending().await,
    }
}

/// Posts an AMD signal to the dial's AMD hook; a reply with verbs comes
/// back on `replies`.
fn relay(
    call: &Call,
    dial: &Dial,
    hook: &Hook,
    signal: &Signal,
    replies: &mpsc::UnboundedSender<Vec<Instruction>>,
) {
    call.engine.metrics.amd_result(signal.metric());
    let mut extra = signal.payload();
    if let Some(d) = &dial.tag {
        extra["customerData"] = d.clone();
    }
    notify(call, HookKind::Amd, hook, extra, Some(replies.clone()));
}

/// Posts `extra` plus the call's fields to `hook` from a task of its own;
/// with `replies`, a reply's verbs are sent back there.
fn notify(
    call: &Call,
    kind: HookKind,
    hook: &Hook,
    extra: Value,
    replies: Option<mpsc::UnboundedSender<Vec<Instruction>>>,
) {
    let payload = call.payload(extra);
    let hooks = call.hooks.clone();
    let hook = hook.clone();
    let ctx = call.settings.app_context();
    tokio::spawn(async move {
        let Ok(Some(body)) = hooks.send(kind, &hook, &payload).await else {
            return;
        };
        let Some(replies) = replies else { return };
        match parse_reply(&body, &ctx) {
            Ok(reply) => {
                let _ = replies.send(reply.instructions);
            }
            Err(e) => warn!(hook = kind.as_str(), error = %e, "the hook's reply is ignored"),
        }
    });
}

/// Hangs the bridged leg up.
async fn kill(call: &Call, winner: Option<&str>, why: &str) {
    if let Some(w) = winner {
        info!(leg = %w, why, "hanging up the callee");
        let _ = call
            .socket
            .api(&format!("uuid_kill {w} NORMAL_CLEARING"))
            .await;
    }
}

/// Starts screening an arrived leg; false (after hanging the leg up) when
/// it has no confirmHook, which cannot happen for a leg the dial screens.
fn start_screening(
    call: &Call,
    dial: &Dial,
    compiled: &CompiledDial,
    arrival: Arrival,
    verdicts: &mpsc::UnboundedSender<Verdict>,
) -> bool {
    let Some(hook) = screening_hook(dial, &arrival.1.uuid, compiled) else {
        // Closing the socket would accept the leg unscreened.
        let (mut socket, _) = *arrival;
        tokio::spawn(async move {
            socket.end_with("hangup", "CALL_REJECTED").await;
            socket.close().await;
        });
        return false;
    };
    let job = Screening {
        hook,
        parent_call_sid: call.socket.uuid().to_owned(),
        tag: dial.tag.as_ref().and_then(|t| t.as_object().cloned()),
        settings: Arc::clone(&call.settings),
        hooks: call.hooks.clone(),
    };
    let engine = Arc::clone(&call.engine);
    let tx = verdicts.clone();
    tokio::spawn(async move {
        let _ = tx.send(screen(arrival, job, engine).await);
    });
    true
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

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}
