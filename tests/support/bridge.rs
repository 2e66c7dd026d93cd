//! The `bridge` application: FreeSWITCH's originate with simultaneous
//! ringing, then the bridged call. Event order, causes and the A-leg
//! summary variables follow traces 02a-02e, 03a-03e and 04a-04f.

use freeswitch_esl_tokio::HangupCause;
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::apps::{After, hung_up, hung_watch, local_hangup};
use super::legs::{PlannedLeg, Stim, create_leg, drive_leg, plan};
use super::signal;
use super::switch::{Core, Disp, Switch};

/// One leg during the originate.
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

/// How the originate ended when no leg won.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Why {
    Failed,
    Timeout,
    Cancel,
}

/// `DIALSTATUS` for a failed originate (switch_ivr_originate.c).
fn dialstatus(c: HangupCause) -> String {
    match c {
        HangupCause::OriginatorCancel => "CANCEL".into(),
        HangupCause::UserBusy => "BUSY".into(),
        HangupCause::NoAnswer => "NOANSWER".into(),
        HangupCause::DestinationOutOfOrder | HangupCause::InvalidProfile => "INVALIDARGS".into(),
        HangupCause::CallRejected => "DONTCALL".into(),
        other => other.as_str().into(),
    }
}

/// Whether `continue_on_fail` (true, or a list of causes) lets A go on.
fn continues(core: &Core, a: &str, cause: HangupCause) -> bool {
    let Some(ch) = core.channels.get(a) else {
        return false;
    };
    if ch.var_true("continue_on_fail") {
        return true;
    }
    let num = (cause as u16).to_string();
    ch.var("continue_on_fail").is_some_and(|v| {
        v.split(',')
            .any(|c| c.trim() == cause.as_str() || c.trim() == num)
    })
}

/// Ends a leg during the originate and updates A's "last leg" variables.
fn end_leg(
    core: &mut Core,
    cu: &str,
    a: &str,
    uuid: &str,
    cause: HangupCause,
    disp: Disp,
    complete: bool,
) {
    core.hangup(cu, uuid, cause, disp);
    if let Some(ach) = core.channels.get_mut(a) {
        if let Disp::RecvRefuse(code) = disp {
            ach.set_var("sip_invite_failure_status", code.to_string());
            ach.set_var(
                "last_bridge_proto_specific_hangup_cause",
                format!("sip:{code}"),
            );
        }
        if ach.is_up() {
            ach.set_var("last_bridge_hangup_cause", cause.as_str());
        }
    }
    if complete {
        core.complete(cu, uuid);
    }
}

/// Runs `bridge <arg>` on channel `a`.
pub async fn bridge_app(sw: &Switch, a: &str, arg: &str) -> (String, After) {
    let cu = sw.0.core_uuid.clone();
    let (dial, groups) = plan(arg);
    let Some(log) = sw.lock().channels.get(a).map(|c| c.log.clone()) else {
        return ("_none_".into(), After::new());
    };
    if let Some(e) = &dial.error {
        log.error(format!("bridge refused by the dial-string parser: {e}"));
    }
    log.push_dial(dial);
    let mut after = After::new();
    for group in groups {
        match originate(sw, a, group).await {
            Ok(w) => return bridged(sw, a, &w).await,
            Err((why, cause, mut leftovers)) => {
                after.append(&mut leftovers);
                if why == Why::Cancel || !sw.lock().channels.get(a).is_some_and(|c| c.is_up()) {
                    return ("_none_".into(), after);
                }
                if !continues(&sw.lock(), a, cause) {
                    let mut core = sw.lock();
                    local_hangup(&mut core, &cu, a, cause);
                    return ("_none_".into(), after);
                }
            }
        }
    }
    ("_none_".into(), after)
}

type Failure = (Why, HangupCause, After);

/// Rings one group; the winner's UUID, or why it failed.
async fn originate(sw: &Switch, a: &str, group: Vec<PlannedLeg>) -> Result<String, Failure> {
    let cu = sw.0.core_uuid.clone();
    let second = sw.second();
    let t0 = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut legs: HashMap<usize, Leg> = HashMap::new();
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
            tokio::spawn(drive_leg(
                sw.clone(),
                leg.index,
                leg.uuid.clone(),
                script,
                tx.clone(),
            ));
        }
        drop(caller);
    }
    let by_index: HashMap<usize, PlannedLeg> = group.iter().map(|l| (l.index, l.clone())).collect();
    let Some(mut a_hung) = hung_watch(sw, a) else {
        return Err((Why::Cancel, HangupCause::OriginatorCancel, After::new()));
    };
    let alive =
        |legs: &HashMap<usize, Leg>| legs.values().any(|l| matches!(l, Leg::Ringing { .. }));
    let mut why = Why::Failed;
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
        let wake = next_leg_deadline
            .map(|(d, _)| d)
            .unwrap_or(o_deadline)
            .min(o_deadline);
        tokio::select! {
            biased;
            _ = hung_up(&mut a_hung) => { why = Why::Cancel; break; }
            _ = sleep_until(wake) => {
                if Instant::now() >= o_deadline { why = Why::Timeout; break; }
                if let Some((_, i)) = next_leg_deadline {
                    let mut core = sw.lock();
                    let disp = if matches!(legs.get(&i), Some(Leg::Ringing { answered: true, .. })) { Disp::SendBye } else { Disp::SendCancel };
                    end_leg(&mut core, &cu, a, &by_index[&i].uuid, HangupCause::AllottedTimeout, disp, true);
                    legs.insert(i, Leg::Done(HangupCause::AllottedTimeout));
                }
            }
            Some((i, stim)) = rx.recv() => {
                let Some(Leg::Ringing { screening, .. }) = legs.get(&i).cloned() else { continue };
                let uuid = by_index[&i].uuid.clone();
                let mut core = sw.lock();
                match stim {
                    Stim::Ring => {
                        signal::ring_ready(&mut core, &cu, &uuid);
                        let ringback = core.channels.get(a).is_some_and(|c| c.var("ringback").is_some());
                        if ringback { signal::pre_answer(&mut core, &cu, a, true) } else { signal::ring_ready(&mut core, &cu, a) }
                    }
                    Stim::Early => {
                        signal::pre_answer(&mut core, &cu, &uuid, false);
                        if by_index[&i].var("ignore_early_media") != Some("true") {
                            signal::pre_answer(&mut core, &cu, a, true);
                        }
                    }
                    Stim::Reject(code) => {
                        let cause = HangupCause::from_sip_response(code).unwrap_or(HangupCause::NormalUnspecified);
                        end_leg(&mut core, &cu, a, &uuid, cause, Disp::RecvRefuse(code), true);
                        legs.insert(i, Leg::Done(cause));
                    }
                    Stim::Answer => {
                        signal::answer(&mut core, &cu, &uuid);
                        super::screening::on_answer(sw, &mut core, &uuid, &by_index[&i], i, tx.clone());
                        let screens = super::screening::screens(&by_index[&i]);
                        if let Some(Leg::Ringing { answered, screening, .. }) = legs.get_mut(&i) {
                            *answered = true;
                            *screening = screens;
                        }
                        if !screens { winner = Some(i); }
                    }
                    Stim::Screened(up) if screening => {
                        if up { winner = Some(i); } else {
                            let cause = core.channels.get(&uuid).and_then(|c| c.cause).unwrap_or(HangupCause::CallRejected);
                            if let Some(ach) = core.channels.get_mut(a) { ach.set_var("last_bridge_hangup_cause", cause.as_str()); }
                            legs.insert(i, Leg::Done(cause));
                        }
                    }
                    Stim::Screened(_) => {}
                }
            }
        }
    }
    let mut core = sw.lock();
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
            end_leg(&mut core, &cu, a, &uuid, disp_cause, disp, complete_now);
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
        ach.set_var("originate_disposition", cause.as_str());
        ach.set_var("originate_failed_cause", cause.as_str());
        ach.set_var("DIALSTATUS", dialstatus(cause));
    }
    Err((why, cause, after))
}

/// The bridged call: A answered (with early media first when needed),
/// CHANNEL_BRIDGE, then whichever side hangs up first (02e, 02a).
async fn bridged(sw: &Switch, a: &str, w: &str) -> (String, After) {
    let cu = sw.0.core_uuid.clone();
    {
        let mut core = sw.lock();
        signal::answer(&mut core, &cu, a);
        let wname = core
            .channels
            .get(w)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if let Some(ach) = core.channels.get_mut(a) {
            for k in ["originate_disposition", "DIALSTATUS"] {
                ach.set_var(k, "SUCCESS");
            }
            for k in ["last_bridge_to", "bridge_uuid", "signal_bond"] {
                ach.set_var(k, w);
            }
            ach.set_var("bridge_channel", wname);
            ach.other = Some((w.to_string(), "originatee"));
            ach.bridged_to = Some(w.to_string());
            ach.log.update_leg(w, |l| {
                l.answered = true;
                l.bridged = true;
            });
        }
        if let Some(wch) = core.channels.get_mut(w) {
            wch.cs = "CS_EXCHANGE_MEDIA";
            wch.bridged_to = Some(a.to_string());
        }
        let pre = [
            ("Bridge-A-Unique-ID", a.to_string()),
            ("Bridge-B-Unique-ID", w.to_string()),
        ];
        core.fire(&cu, a, "CHANNEL_BRIDGE", &pre, &[]);
    }
    let (Some(mut ah), Some(mut wh)) = (hung_watch(sw, a), hung_watch(sw, w)) else {
        return ("_none_".into(), After::new());
    };
    let a_first = tokio::select! {
        _ = hung_up(&mut ah) => true,
        _ = hung_up(&mut wh) => false,
    };
    let mut core = sw.lock();
    let pre = [
        ("Bridge-A-Unique-ID", a.to_string()),
        ("Bridge-B-Unique-ID", w.to_string()),
    ];
    let mut after = After::new();
    if a_first {
        let acause = core
            .channels
            .get(a)
            .and_then(|c| c.cause)
            .unwrap_or(HangupCause::NormalClearing);
        if let Some(ach) = core.channels.get_mut(a) {
            ach.set_var("bridge_hangup_cause", acause.as_str());
        }
        core.fire(&cu, a, "CHANNEL_UNBRIDGE", &pre, &[]);
        let w = w.to_string();
        after.push(Box::new(move |core: &mut Core, cu: &str| {
            if let Some(wch) = core.channels.get_mut(&w) {
                wch.set_var("last_bridge_hangup_cause", acause.as_str());
            }
            local_hangup(core, cu, &w, HangupCause::NormalClearing);
            core.complete(cu, &w);
        }));
    } else {
        let wcause = core
            .channels
            .get(w)
            .and_then(|c| c.cause)
            .unwrap_or(HangupCause::NormalClearing);
        core.complete(&cu, w);
        if let Some(ach) = core.channels.get_mut(a) {
            ach.set_var("last_bridge_hangup_cause", wcause.as_str());
            ach.set_var("bridge_hangup_cause", wcause.as_str());
        }
        core.fire(&cu, a, "CHANNEL_UNBRIDGE", &pre, &[]);
        let hab = core
            .channels
            .get(a)
            .map(|c| c.var("hangup_after_bridge").map(str::to_string));
        let stay = matches!(hab, Some(Some(v)) if v == "false");
        if !stay {
            local_hangup(&mut core, &cu, a, HangupCause::NormalClearing);
        }
    }
    ("_none_".into(), after)
}
