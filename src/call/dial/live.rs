//! Following a running bridge until it and its legs are done: every leg's
//! events, screening connections, the time limit, DTMF capture and
//! answering-machine detection on the bridged leg.
//!
//! The outcome is never computed from events known to be partial: when the
//! ESL library dropped events, the legs whose end was not seen are asked
//! about (`uuid_exists`); when the caller's socket fails mid-dial, the dial
//! is reported `completed` only if a leg was seen bridged, else `failed`,
//! with `dial_error` saying what happened.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::sleep_until;
use tracing::{info, warn};

use super::legs::Legs;
use super::live_hooks::{notify, relay};
use super::screened::{self, Screened};
use super::screening::Verdict;
use super::setup::Placed;
use crate::app::{Dial, Instruction};
use crate::call::Call;
use crate::call::amd::{Detection, Signal, stopped_payload};
use crate::call::dtmf::Capture;
use crate::call::handle::Steering;
use crate::freeswitch::dialstring::CompiledDial;
use crate::freeswitch::outcome::{DialEnd, DialOutcome, DialStatus, decide};
use crate::freeswitch::socket::{CallerState, SocketError, completion_of};
use crate::webhook::HookKind;

/// How long to wait for legs' final events after the bridge returned.
const GRACE: Duration = Duration::from_secs(2);

/// How a dial ended, for its actionHook and the verb loop.
pub(crate) struct DialResult {
    /// The outcome from the legs.
    pub(crate) outcome: DialOutcome,
    /// Verbs an AMD hook returned: they replace the application.
    pub(crate) replacement: Option<Vec<Instruction>>,
    /// `machine` when disconnectOnAMD hung the callee up.
    pub(crate) amd_type: Option<&'static str>,
    /// Why the outcome rests on less than every leg's end (`dial_error`).
    pub error: Option<String>,
    /// The REFER the callee ended the bridge with, if it did.
    pub referred: Option<super::refer::Referred>,
}

/// Runs the placed bridge to its end: until it returned and every leg's
/// end was seen (or FreeSWITCH was asked about it).
pub(crate) async fn run(
    call: &mut Call,
    dial: &Dial,
    compiled: &CompiledDial,
    placed: Placed,
    steering: &mut Steering,
) -> DialResult {
    let Placed {
        bridge,
        mut arrivals,
    } = placed;
    // Bounded; the senders are counted tasks that wait for room (this loop
    // reads both on every turn and drops them when the dial ends): one
    // verdict per screened leg, an AMD hook's verbs end the dial. Made only
    // for a dial that screens or detects: each channel holds a block of 32
    // slots from the start, for the whole call.
    let screens = compiled.legs.iter().any(|l| l.screened);
    let (verdict_tx, mut verdicts) = only_if::<Verdict>(screens, compiled.legs.len().max(1));
    let (reply_tx, mut amd_replies) = only_if::<Vec<Instruction>>(dial.amd.is_some(), 2);
    let a_uuid = call.socket.uuid().to_owned();
    let limits = crate::freeswitch::deadline::Limits::of(&call.settings);
    let mut legs = Legs::new(&compiled.legs);
    let mut screened = Screened::new(compiled);
    let mut capture = Capture::new(dial, Duration::from_millis(call.settings.dtmf.gap_ms));
    let mut detection: Option<Detection> = None;
    let mut on_hold = super::hold::OnHold::new(dial.on_hold_hook.as_ref());
    let mut taps = super::taps::Taps::default();
    let mut ending = DialResult {
        outcome: decide(&[], DialEnd::Normal),
        replacement: None,
        amd_type: None,
        error: None,
        referred: None,
    };
    let mut bridge_done = false;
    let mut lost: Option<String> = None;
    let mut events_lost = false;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut limit: Option<tokio::time::Instant> = None;
    let mut heard = tokio::time::Instant::now();
    let mut screening = 0usize;
    let mut canceled = false;
    // The caller's state changes only through this loop (its events, and a
    // probe or settle finding the channel gone): it is compared after every
    // turn and the status hook told when it moved, instead of polling.
    let mut synced: Option<CallerState> = None;
    // A redirect answered while the dial was set up cancels it here.
    let mut early = steering
        .redirect_pending()
        .then(super::early_redirect::EarlyCancel::default);
    loop {
        if synced.as_ref() != Some(call.socket.state()) {
            synced = Some(call.socket.state().clone());
            call.sync_status();
        }
        if let Some(e) = early.as_mut() {
            canceled |= Box::pin(e.cancel(call, &legs)).await;
        }
        let over = bridge_done || call.socket.hung_up();
        if over && legs.all_ended() && screening == 0 {
            break;
        }
        if over && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + GRACE);
        }
        // The bridge returns once its legs are gone: its completion not
        // coming by then means it was lost; silence means legs may be gone
        // unseen. Either way FreeSWITCH is asked.
        // Not while the caller is bridged to the winner: a bridge is silent
        // by nature, and the socket's own (slower) probe asks whether the
        // caller is still there; the bridge's end comes as its events
        // (unless events were dropped: then the bridge may be over unseen).
        let quiet_bridge = !over && !events_lost && call.socket.state().bridged;
        let settle_at = if legs.all_ended() {
            Some(heard + limits.reply)
        } else if quiet_bridge && legs.winner().is_some() {
            None
        } else {
            Some(heard + limits.probe_after)
        };
        tokio::select! {
            event = call.socket.next() => {
                // A probe finding the caller gone is not news from the legs:
                // it leaves the silence (and the settle it calls for) running.
                if !matches!(event, Err(SocketError::HungUp)) {
                    heard = tokio::time::Instant::now();
                }
                let event = match event {
                    Ok(e) => e,
                    Err(SocketError::EventsLost) => {
                        events_lost = true;
                        Box::pin(settle(call, &mut legs)).await;
                        continue;
                    }
                    Err(SocketError::HungUp) => continue,
                    Err(_) if call.socket.hung_up() => break,
                    Err(e) => {
                        lost = Some(e.to_string());
                        break;
                    }
                };
                if let Some(leg) = screened.bypassed(&event, &a_uuid) {
                    legs.refuse_bridge(&leg);
                    Box::pin(screened::refuse(call, &mut screened, &leg)).await;
                }
                if let Some(done) = completion_of(&event, &bridge) {
                    bridge_done = true;
                    ending.referred = super::refer::Referred::from_variables(|k| {
                        done.event.variable_str(k).map(str::to_owned)
                    });
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
                    Box::pin(taps.start(call, dial, &winner)).await;
                    if let Some(amd) = &dial.amd {
                        let params = call.settings.amd.classifier.with_verb(amd);
                        detection = Some(Detection::start(
                            call.socket.commander(), &winner, params, &call.settings.amd,
                            &call.engine.tasks,
                        ));
                    }
                }
                taps.observe(&event);
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
                    && let Some(tx) = &reply_tx
                {
                    relay(call, dial, &amd.action_hook, &beep, tx);
                }
                if let Some(h) = on_hold.as_mut() {
                    Box::pin(h.observe(call, &event, legs.winner(), &bridge)).await;
                }
            }
            verbs = super::hold::OnHold::next_reply(&mut on_hold) => {
                if let Some(h) = on_hold.as_mut() {
                    Box::pin(h.play(call, verbs)).await;
                }
            }
            signal = next_signal(&mut detection) => {
                let (Some(amd), Some(tx)) = (&dial.amd, &reply_tx) else { continue };
                relay(call, dial, &amd.action_hook, &signal, tx);
                let machine = matches!(signal, Signal::Event(crate::amd::AmdEvent::MachineDetected { .. }));
                if machine && amd.disconnect_on_amd {
                    ending.amd_type = Some("machine");
                    Box::pin(kill(call, legs.winner(), "disconnectOnAMD: a machine answered")).await;
                }
            }
            Some(verbs) = recv(&mut amd_replies) => {
                if !verbs.is_empty() && ending.replacement.is_none() {
                    ending.replacement = Some(verbs);
                    Box::pin(kill(call, legs.winner(), "the amd hook replaced the application")).await;
                }
            }
            Some(arrival) = arrivals.recv() => {
                if let Some(tx) = &verdict_tx
                    && screened::start(call, dial, compiled, &screened, arrival, tx)
                {
                    screening += 1;
                }
            }
            Some(v) = recv(&mut verdicts) => {
                screening = screening.saturating_sub(1);
                if v.declined() {
                    legs.decline(&v.leg);
                }
            }
            _ = sleep_until(limit.unwrap_or_else(far_future)), if limit.is_some() => {
                limit = None;
                if let Some(w) = legs.winner().map(str::to_owned) {
                    info!(leg = %w, "timeLimit reached");
                    let _ = Box::pin(call.socket.api(&format!("uuid_kill {w} ALLOTTED_TIMEOUT"))).await;
                }
            }
            _ = sleep_until(settle_at.unwrap_or_else(far_future)), if !bridge_done && settle_at.is_some() => {
                heard = tokio::time::Instant::now();
                if Box::pin(settle(call, &mut legs)).await {
                    warn!("the bridge's completion never came; its legs are gone");
                    bridge_done = true;
                }
            }
            incoming = steering.next_incoming() => {
                canceled |= Box::pin(super::steer::incoming(call, &legs, incoming, steering)).await;
            }
            _ = sleep_until(deadline.unwrap_or_else(far_future)), if deadline.is_some() => break,
        }
    }
    Box::pin(taps.stop(call)).await;
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
    screened::close(call, compiled, &mut arrivals);
    let end = if legs.winner().is_none() && call.socket.hung_up() {
        DialEnd::CallerHungUp
    } else {
        DialEnd::Normal
    };
    ending.outcome = decide(&legs.reports(Instant::now()), end);
    if canceled && legs.winner().is_none() {
        // Its legs were cancelled through the call's handle (a redirect):
        // the outcome Restcomm and jambonz call `canceled`.
        ending.outcome.dial_status = DialStatus::Canceled;
        ending.outcome.dial_sip_status = 487;
    }
    ending.error = Box::pin(partial(call, &legs, lost, events_lost)).await;
    if ending.error.is_some() && legs.winner().is_none() {
        ending.outcome.dial_status = DialStatus::Failed;
        ending.outcome.dial_sip_status = 500;
    }
    ending
}

/// Asks FreeSWITCH about every leg whose end was not seen (events may have
/// been dropped, or a completion lost): those it no longer has are marked
/// ended unseen; one bridged to the caller unseen (its `bridge_uuid` is the
/// caller) becomes the dial's answer. Also whether the caller still
/// exists. True when every leg is now known ended.
async fn settle(call: &mut Call, legs: &mut Legs) -> bool {
    let a = call.socket.uuid().to_owned();
    for uuid in legs.unended() {
        match call.socket.exists(&uuid).await {
            Some(false) => legs.lose(&uuid),
            Some(true) if legs.winner().is_none() => {
                let to = call
                    .socket
                    .api(&format!("uuid_getvar {uuid} bridge_uuid"))
                    .await;
                if to.as_deref() == Ok(a.as_str()) {
                    warn!(leg = %uuid, "the leg was bridged unseen");
                    legs.bridged_unseen(&uuid, Instant::now());
                }
            }
            _ => {}
        }
    }
    if !call.socket.hung_up() && call.socket.exists(&a).await == Some(false) {
        call.socket.gone_unreported();
    }
    legs.all_ended()
}

/// Why the outcome rests on partial knowledge, if it does: the caller's
/// socket failed mid-dial (the bridge's real state is asked over the
/// control connection), or events of the dial were dropped (what they
/// said is unknown, even when every leg's end was seen afterwards).
async fn partial(
    call: &Call,
    legs: &Legs,
    lost: Option<String>,
    events_lost: bool,
) -> Option<String> {
    if let Some(why) = lost {
        let Some(w) = legs.winner() else {
            return Some(format!(
                "the call's socket failed before any leg was bridged ({why}); what the legs did \
                 is unknown"
            ));
        };
        let state = call.socket.control().api(&format!("uuid_exists {w}")).await;
        let now = match state.as_deref() {
            Ok("true") => "FreeSWITCH keeps the bridge up",
            Ok(_) => "the bridge is over",
            Err(_) => "FreeSWITCH cannot be reached to tell whether the bridge goes on",
        };
        return Some(format!(
            "the call's socket failed while bridged ({why}); {now}, and its duration is what was \
             seen before"
        ));
    }
    (events_lost || legs.any_lost()).then(|| {
        "events of the dial were dropped (the event queue overflowed); legs whose end was not \
         seen are reported without a cause, durations are what was seen"
            .to_owned()
    })
}

/// The next AMD signal, or pending forever without detection.
async fn next_signal(detection: &mut Option<Detection>) -> Signal {
    match detection {
        Some(d) => d.next().await,
        None => std::future::pending().await,
    }
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

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

/// A bounded channel of `cap`, made only when `needed`.
fn only_if<T>(needed: bool, cap: usize) -> (Option<mpsc::Sender<T>>, Option<mpsc::Receiver<T>>) {
    if !needed {
        return (None, None);
    }
    let (tx, rx) = mpsc::channel(cap);
    (Some(tx), Some(rx))
}

/// The next item of a channel that may not exist (then never).
async fn recv<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
