//! One failover group of a `bridge`: every leg rings at once (simring),
//! the first to answer (or to pass screening) wins, the rest end LOSE_RACE;
//! `leg_timeout`, `originate_timeout` and the caller's cancel end it too.
//! Causes, timings and `originate_causes` follow traces 02a-02d and 04*.

use std::collections::HashMap;

use freeswitch_esl_tokio::HangupCause;
use std::time::Duration;
use tokio::sync::mpsc;

use tokio::time::{Instant, sleep_until};

use super::apps::After;
use super::bridge::{dialstatus, end_leg};
use super::core::Core;
use super::legs::{PlannedLeg, Stim, create_leg, leg_plan};
use super::lifecycle::Disp;
use super::park::stops;
use super::signal;
use super::switch::Switch;

/// One leg during the originate: what the ringing loop must still watch
/// (its timeouts, its screening) or how it ended.
#[derive(Debug, Clone, PartialEq)]
enum Leg {
    Ringing {
        answered: bool,
        screening: bool,
        deadline: Option<Instant>,
        cancel_timeout: bool,
    },
    Done(HangupCause),
}

/// How the originate ended when no leg won; it decides the losers' cause
/// and A's result variables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Why {
    Failed,
    Timeout,
    Cancel,
}

/// Why the group failed, the cause for A, and work for after A's
/// CHANNEL_EXECUTE_COMPLETE.
pub(super) type Failure = (Why, HangupCause, After);

/// Rings one group; the winner's UUID, or why it failed.
pub(super) async fn originate(
    sw: &Switch,
    a: &str,
    group: Vec<PlannedLeg>,
) -> Result<String, Failure> {
    let cu = sw.0.core_uuid.clone();
    let second = sw.second();
    let t0 = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut legs: HashMap<usize, Leg> = HashMap::new();
    let mut schedule: Vec<(Instant, usize, Stim)> = Vec::new();
    let mut scripts: HashMap<usize, super::scenario::Callee> = HashMap::new();
    let mut errors: Vec<(usize, HangupCause)> = Vec::new();
    let originate_timeout = group
        .first()
        .and_then(|l| l.var("originate_timeout"))
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(60);
    let o_deadline = t0 + second * originate_timeout.saturating_sub(1) + second / 2;
    {
        let mut core = sw.lock();
        if let Some(ach) = core.channels.get_mut(a) {
            ach.set_var("originate_disposition", "failure");
            ach.set_var("DIALSTATUS", "INVALIDARGS");
            // An answered originator waits in RING_WAIT (switch_channel.c,
            // CF_ORIGINATOR; 14a) until the originate ends.
            if ach.answered && ach.is_up() {
                ach.call_state = "RING_WAIT";
            }
        }
        let caller = core.channels.get(a).map(|c| c.log.clone());
        for leg in &group {
            if let Some(e) = &leg.error {
                errors.push((
                    leg.index,
                    e.parse().unwrap_or(HangupCause::DestinationOutOfOrder),
                ));
                continue;
            }
            let script = sw.script_for(a, &leg.endpoint, &leg.user, leg.index);
            if create_leg(&mut core, &cu, a, leg, script.clone()).is_none() {
                continue;
            }
            if let Some(ach) = core.channels.get_mut(a) {
                ach.push_var(
                    "originated_legs",
                    &format!("{};Outbound Call;{}", leg.uuid, leg.user),
                );
            }
            let deadline = leg
                .var("leg_timeout")
                .and_then(|v| v.parse::<u32>().ok())
                .map(|n| t0 + second * n + second / 2);
            let cancel_timeout = leg.var("group_confirm_cancel_timeout") == Some("true");
            legs.insert(
                leg.index,
                Leg::Ringing {
                    answered: false,
                    screening: false,
                    deadline,
                    cancel_timeout,
                },
            );
            // The leg's far end, on one timeline with the others: each
            // signal at its time from the INVITE, whatever the runtime's
            // load (a task per leg could run late and reorder them).
            let now = Instant::now();
            for (t, stim) in leg_plan(&script) {
                schedule.push((now + Duration::from_millis(t), leg.index, stim));
            }
            scripts.insert(leg.index, script);
            // A leg hung up from outside (`uuid_kill <leg>`, 14b) leaves the
            // group at once; the others ring on.
            if let Some(mut hung) = core.channels.get(&leg.uuid).map(|c| c.hung.subscribe()) {
                let (tx, i) = (tx.clone(), leg.index);
                tokio::spawn(async move {
                    if hung.wait_for(|h| *h).await.is_ok() {
                        let _ = tx.send((i, Stim::HungUp));
                    }
                });
            }
        }
        drop(caller);
    }
    schedule.sort_by_key(|(t, i, _)| (*t, *i));
    let mut schedule: std::collections::VecDeque<(Instant, usize, Stim)> = schedule.into();
    let by_index: HashMap<usize, PlannedLeg> = group.iter().map(|l| (l.index, l.clone())).collect();
    let Some(mut a_stops) = stops(sw, a) else {
        return Err((Why::Cancel, HangupCause::OriginatorCancel, After::new()));
    };
    let alive =
        |legs: &HashMap<usize, Leg>| legs.values().any(|l| matches!(l, Leg::Ringing { .. }));
    let mut why = Why::Failed;
    // The final response of the leg refused last, copied to A only when
    // the group fails (02b4: the later 486; 02a: none on a success).
    let mut last_refuse: Option<u16> = None;
    let mut winner: Option<usize> = None;
    while alive(&legs) && winner.is_none() {
        let next_leg_deadline = legs
            .iter()
            .filter_map(|(i, l)| match l {
                Leg::Ringing {
                    deadline: Some(d),
                    answered,
                    screening,
                    cancel_timeout,
                } if !*answered || (*screening && !*cancel_timeout) => Some((*d, *i)),
                _ => None,
            })
            .min();
        let next_sched = schedule.front().map(|s| s.0);
        let wake = next_leg_deadline
            .map(|(d, _)| d)
            .unwrap_or(o_deadline)
            .min(o_deadline)
            .min(next_sched.unwrap_or(o_deadline));
        let due: Option<(usize, Stim)> = tokio::select! {
            biased;
            // The caller hung up, or was transferred away (14c): cancel.
            _ = a_stops.stopped() => { why = Why::Cancel; break; }
            _ = sleep_until(wake) => {
                // Whatever is due first: a far end's signal, a leg's
                // timeout, the originate's.
                let sched = next_sched.filter(|t| *t <= wake);
                let leg_due = next_leg_deadline.filter(|(d, _)| *d <= wake);
                if sched.is_some_and(|t| leg_due.is_none_or(|(d, _)| t <= d) && t <= o_deadline) {
                    schedule.pop_front().map(|(_, i, s)| (i, s))
                } else if let Some((d, i)) = leg_due.filter(|(d, _)| *d < o_deadline) {
                    let _ = d;
                    let mut core = sw.lock();
                    let disp = if matches!(legs.get(&i), Some(Leg::Ringing { answered: true, .. })) { Disp::SendBye } else { Disp::SendCancel };
                    end_leg(&mut core, &cu, &by_index[&i].uuid, HangupCause::AllottedTimeout, disp, true);
                    legs.insert(i, Leg::Done(HangupCause::AllottedTimeout));
                    None
                } else if Instant::now() >= o_deadline {
                    why = Why::Timeout;
                    break;
                } else {
                    None
                }
            }
            Some((i, stim)) = rx.recv() => Some((i, stim)),
        };
        if let Some((i, stim)) = due {
            let Some(Leg::Ringing { screening, .. }) = legs.get(&i).cloned() else {
                continue;
            };
            let uuid = by_index[&i].uuid.clone();
            let mut core = sw.lock();
            match stim {
                Stim::Ring => {
                    signal::ring_ready(&mut core, &cu, &uuid);
                    let ringback = core
                        .channels
                        .get(a)
                        .is_some_and(|c| c.var("ringback").is_some());
                    if ringback {
                        signal::pre_answer(&mut core, &cu, a, true)
                    } else {
                        signal::ring_ready(&mut core, &cu, a)
                    }
                }
                Stim::Early => {
                    signal::pre_answer(&mut core, &cu, &uuid, false);
                    if by_index[&i].var("ignore_early_media") != Some("true") {
                        signal::pre_answer(&mut core, &cu, a, true);
                    }
                }
                Stim::Reject(code) => {
                    let cause = HangupCause::from_sip_response(code)
                        .unwrap_or(HangupCause::NormalUnspecified);
                    end_leg(&mut core, &cu, &uuid, cause, Disp::RecvRefuse(code), true);
                    last_refuse = Some(code);
                    legs.insert(i, Leg::Done(cause));
                }
                Stim::Answer => {
                    signal::answer(&mut core, &cu, &uuid);
                    if let Some(script) = scripts.get(&i).cloned() {
                        tokio::spawn(super::far_end::after_answer(
                            sw.clone(),
                            uuid.clone(),
                            script,
                            Instant::now(),
                        ));
                    }
                    super::screening::on_answer(sw, &mut core, &uuid, &by_index[&i], i, tx.clone());
                    let screens = super::screening::screens(&by_index[&i]);
                    if let Some(Leg::Ringing {
                        answered,
                        screening,
                        ..
                    }) = legs.get_mut(&i)
                    {
                        *answered = true;
                        *screening = screens;
                    }
                    if !screens {
                        winner = Some(i);
                    }
                }
                Stim::Screened(up) if screening => {
                    // Hung up in the frame before the bridge (a uuid_kill).
                    let up = up && core.channels.get(&uuid).is_some_and(|c| c.is_up());
                    if !up
                        && core
                            .channels
                            .get(&uuid)
                            .is_some_and(|c| c.cs != "CS_REPORTING")
                    {
                        core.complete(&cu, &uuid);
                    }
                    if up {
                        winner = Some(i);
                    } else {
                        let cause = core
                            .channels
                            .get(&uuid)
                            .and_then(|c| c.cause)
                            .unwrap_or(HangupCause::CallRejected);
                        legs.insert(i, Leg::Done(cause));
                    }
                }
                Stim::Screened(_) => {}
                Stim::HungUp => {
                    let answered =
                        matches!(legs.get(&i), Some(Leg::Ringing { answered: true, .. }));
                    if !answered {
                        let cause = core
                            .channels
                            .get(&uuid)
                            .and_then(|c| c.cause)
                            .unwrap_or(HangupCause::NormalClearing);
                        core.complete(&cu, &uuid);
                        legs.insert(i, Leg::Done(cause));
                    }
                }
            }
        }
    }
    let mut core = sw.lock();
    if let Some(ach) = core.channels.get_mut(a)
        && ach.call_state == "RING_WAIT"
        && ach.is_up()
    {
        ach.call_state = "ACTIVE";
    }
    let mut after = After::new();
    // Every leg still ringing ends now: loser, timeout or cancel.
    let (cause, disp_cause) = match (winner, why) {
        (Some(_), _) => (HangupCause::LoseRace, HangupCause::LoseRace),
        (None, Why::Timeout) => (HangupCause::NoAnswer, HangupCause::NoAnswer),
        (None, Why::Cancel) => (HangupCause::OriginatorCancel, HangupCause::OriginatorCancel),
        (None, Why::Failed) => (HangupCause::NormalClearing, HangupCause::NormalClearing),
    };
    let mut order: Vec<usize> = by_index.keys().copied().collect();
    order.sort();
    for i in &order {
        if Some(*i) == winner {
            continue;
        }
        if let Some(Leg::Ringing {
            answered,
            screening,
            ..
        }) = legs.get(i).cloned()
        {
            let uuid = by_index[i].uuid.clone();
            let disp = if answered {
                Disp::SendBye
            } else {
                Disp::SendCancel
            };
            let complete_now = winner.is_some() || screening;
            end_leg(&mut core, &cu, &uuid, disp_cause, disp, complete_now);
            if !complete_now {
                after.push(Box::new(move |core: &mut Core, cu: &str| {
                    core.complete(cu, &uuid)
                }));
            }
            legs.insert(*i, Leg::Done(cause));
        }
    }
    // originate_causes: every leg with a channel, in dial-string order.
    let mut first_cause = None;
    for i in &order {
        let c = match legs.get(i) {
            Some(Leg::Done(c)) => c.as_str(),
            Some(_) => "NONE",
            None => continue,
        };
        if first_cause.is_none()
            && let Some(Leg::Done(c)) = legs.get(i)
        {
            first_cause = Some(*c);
        }
        if let Some(ach) = core.channels.get_mut(a) {
            ach.push_var("originate_causes", &format!("{};{c}", by_index[i].uuid));
        }
    }
    if let Some(w) = winner {
        return Ok(by_index[&w].uuid.clone());
    }
    let cause = match why {
        Why::Timeout => HangupCause::NoAnswer,
        Why::Cancel => HangupCause::OriginatorCancel,
        Why::Failed => first_cause
            .or(errors.first().map(|e| e.1))
            .unwrap_or(HangupCause::DestinationOutOfOrder),
    };
    if let Some(ach) = core.channels.get_mut(a) {
        if let Some(code) = last_refuse {
            ach.set_var("sip_invite_failure_status", code.to_string());
        }
        ach.set_var("originate_disposition", cause.as_str());
        ach.set_var("originate_failed_cause", cause.as_str());
        ach.set_var("DIALSTATUS", dialstatus(cause));
    }
    Err((why, cause, after))
}
