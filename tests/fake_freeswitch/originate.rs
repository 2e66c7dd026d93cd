//! `originate <dialstring> '&<app>(<arg>)'` (docs/freeswitch.md §10, §15,
//! §24; traces 10, 15a-15c, 24a, 24b, 19a/19b for `&conference`): the
//! party is rung; if it answers, its channel runs the application — for
//! `&socket(<addr> async full)` the socket app toward the daemon, as a call
//! created through the API; any other application runs and the channel is
//! hung up NORMAL_CLEARING when it returns (19b: a kicked `&conference`
//! member). If it does not, the api answers `-ERR <cause>` (USER_BUSY,
//! NO_ANSWER, NORMAL_TEMPORARY_FAILURE) and no socket connects.
//!
//! The answered channel's caller ID is "flipped" (§24): `Caller-Caller-ID-*`
//! are `Outbound Call` and the dialled user, `origination_caller_id_*`
//! (default no name, `0000000000`) show as `Orig-Caller-ID-*`,
//! `Callee-ID-*`, `ANI`, `sip_from_*`, `pre_transfer_caller_id_*`.

use std::sync::Arc;
use std::time::Duration;

use freeswitch_esl_tokio::HangupCause;

use super::apps::{local_hangup, run_app};
use super::channel::{AppRequest, Channel, FlippedCid, Profile};
use super::legs::{PlannedLeg, dialed_user, plan};
use super::outbound::{SocketEnd, start_socket};
use super::record::CallLog;
use super::scenario::{Callee, DialplanNext, Outcome};
use super::signal;
use super::switch::Switch;

/// The party's script: by endpoint or user, else `originate_callee`, else
/// answering at 10 ms.
fn party(sw: &Switch, leg: &PlannedLeg) -> Callee {
    let ex = sw.extra();
    ex.originate_parties
        .iter()
        .rev()
        .find(|(t, _)| *t == leg.endpoint || *t == leg.user)
        .map(|(_, c)| c.clone())
        .or_else(|| ex.originate_callee.clone())
        .unwrap_or_else(|| Callee::answers_after(10))
}

/// The channel of the party, as FreeSWITCH creates it for the API (24a).
fn party_channel(leg: &PlannedLeg, script: &Callee, log: Arc<CallLog>) -> Channel {
    let user = dialed_user(&leg.endpoint);
    let flipped = FlippedCid {
        name: leg.var("origination_caller_id_name").map(str::to_string),
        number: leg
            .var("origination_caller_id_number")
            .unwrap_or("0000000000")
            .to_string(),
    };
    let profile = Profile {
        direction: "outbound",
        username: String::new(),
        caller_id_name: "Outbound Call".into(),
        caller_id_number: user.clone(),
        callee_id_name: flipped.name.clone(),
        callee_id_number: Some(flipped.number.clone()),
        network_addr: "127.0.0.1".into(),
        destination: user.clone(),
        source: "src/switch_ivr_originate.c".into(),
        context: "default".into(),
        created_us: 0,
        // An API-created channel has no dialplan of its own (no
        // Caller-Dialplan in 10's or 24a's connect data).
        dialplan: String::new(),
        logical_direction: None,
        transfer_source: None,
        flipped: Some(flipped.clone()),
    };
    let mut ch = Channel::new(&leg.uuid, leg.endpoint.clone(), profile, log);
    ch.cs = "CS_CONSUME_MEDIA";
    ch.call_state = "DOWN";
    ch.script = Some(script.clone());
    ch.fs_support = script.fs_support.clone();
    let dest = leg
        .endpoint
        .splitn(3, '/')
        .nth(2)
        .unwrap_or(&leg.endpoint)
        .to_string();
    let tag = || uuid::Uuid::new_v4().simple().to_string()[..13].to_string();
    let from = match &flipped.name {
        Some(n) => format!("\"{n}\" <sip:{}@127.0.0.1>;tag={}", flipped.number, tag()),
        None => format!("<sip:{}@127.0.0.1>;tag={}", flipped.number, tag()),
    };
    let mut vars: Vec<(String, String)> = vec![
        ("direction".into(), "outbound".into()),
        ("is_outbound".into(), "true".into()),
        ("uuid".into(), leg.uuid.clone()),
        ("sip_profile_name".into(), "external".into()),
        ("channel_name".into(), leg.endpoint.clone()),
        ("sip_destination_url".into(), format!("sip:{dest}")),
    ];
    vars.extend(leg.vars.iter().cloned());
    vars.push(("originate_endpoint".into(), "sofia".into()));
    vars.push(("sip_req_uri".into(), dest.clone()));
    if let Some(n) = &flipped.name {
        vars.push(("sip_from_display".into(), n.clone()));
    }
    for (k, v) in [
        ("sip_full_from", from),
        ("sip_full_to", format!("<sip:{dest}>;tag={}", tag())),
        ("sip_from_user", flipped.number.clone()),
        ("sip_from_uri", format!("{}@127.0.0.1", flipped.number)),
        ("sip_from_host", "127.0.0.1".into()),
        ("sip_to_user", user.clone()),
        ("sip_to_uri", dest.clone()),
        ("sip_to_host", "127.0.0.1".into()),
        ("sip_call_id", uuid::Uuid::new_v4().to_string()),
    ] {
        vars.push((k.into(), v));
    }
    for (k, v) in vars {
        ch.set_var(&k, v);
    }
    ch
}

/// The cause of the party `uuid` once something ended it.
fn killed(sw: &Switch, uuid: &str) -> Option<HangupCause> {
    let core = sw.lock();
    match core.channels.get(uuid) {
        Some(ch) if ch.is_up() => None,
        Some(ch) => Some(ch.cause.unwrap_or(HangupCause::NormalClearing)),
        None => Some(HangupCause::NormalClearing),
    }
}

/// Runs an originate; the new channel's UUID once answered, or the cause.
pub async fn originate(sw: &Switch, args: &str) -> Result<String, HangupCause> {
    let args = args.trim();
    let (dial, app) = match args.find(" '&").or_else(|| args.find(" &")) {
        Some(i) => (&args[..i], args[i..].trim().trim_matches('\'')),
        None => (args, "&park()"),
    };
    let (_, groups) = plan(dial);
    let Some(leg) = groups.first().and_then(|g| g.first()).cloned() else {
        return Err(HangupCause::DestinationOutOfOrder);
    };
    let script = party(sw, &leg);
    let delay = sw.extra().originate_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let log = Arc::new(CallLog::default());
    let cu = sw.0.core_uuid.clone();
    {
        let ch = party_channel(&leg, &script, log.clone());
        let mut ex = sw.extra();
        if let Some(legs) = ex.originated_legs.clone() {
            ex.callers.insert(leg.uuid.clone(), legs);
        }
        drop(ex);
        let mut core = sw.lock();
        core.channels.insert(leg.uuid.clone(), ch);
        core.fire(&cu, &leg.uuid, "CHANNEL_CREATE", &[], &[]);
        core.fire(&cu, &leg.uuid, "CHANNEL_ORIGINATE", &[], &[]);
    }
    let t0 = tokio::time::Instant::now();
    if let Some(r) = script.ring_at {
        tokio::time::sleep_until(t0 + Duration::from_millis(r)).await;
        signal::ring_ready(&mut sw.lock(), &cu, &leg.uuid);
    }
    if let Some(m) = script.early_media_at {
        tokio::time::sleep_until(t0 + Duration::from_millis(m)).await;
        signal::pre_answer(&mut sw.lock(), &cu, &leg.uuid, true);
    }
    let fail = |cause: HangupCause, code: Option<u16>| {
        let mut core = sw.lock();
        let disp = match code {
            Some(c) => super::lifecycle::Disp::RecvRefuse(c),
            None => super::lifecycle::Disp::SendCancel,
        };
        core.hangup(&cu, &leg.uuid, cause, disp);
        core.complete(&cu, &leg.uuid);
        Err(cause)
    };
    match script.outcome {
        Outcome::Answer(t) => tokio::time::sleep_until(t0 + Duration::from_millis(t)).await,
        Outcome::Reject(code, t) => {
            tokio::time::sleep_until(t0 + Duration::from_millis(t)).await;
            return fail(
                HangupCause::from_sip_response(code).unwrap_or(HangupCause::NormalUnspecified),
                Some(code),
            );
        }
        Outcome::NoListener => return fail(HangupCause::NormalTemporaryFailure, Some(503)),
        Outcome::RingForever => {
            let secs = leg
                .var("originate_timeout")
                .and_then(|v| v.parse().ok())
                .unwrap_or(60u32);
            let until = tokio::time::Instant::now()
                + sw.second() * secs.saturating_sub(1)
                + sw.second() / 2;
            // Guess (not captured): a `uuid_kill` of the ringing party ends
            // the originate at once with the kill's cause, as a killed leg
            // of a bridge ends at once (14b).
            while tokio::time::Instant::now() < until {
                if let Some(cause) = killed(sw, &leg.uuid) {
                    return Err(cause);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            return fail(HangupCause::NoAnswer, None);
        }
    }
    let mut core = sw.lock();
    signal::answer(&mut core, &cu, &leg.uuid);
    tokio::spawn(super::far_end::after_answer(
        sw.clone(),
        leg.uuid.clone(),
        script.clone(),
        tokio::time::Instant::now(),
    ));
    if let Some(ch) = core.channels.get_mut(&leg.uuid) {
        ch.cs = "CS_EXECUTE";
        ch.set_var("endpoint_disposition", "ANSWER");
        if let Some(f) = ch.profile.flipped.clone() {
            if let Some(n) = f.name {
                ch.set_var("pre_transfer_caller_id_name", n);
            }
            ch.set_var("pre_transfer_caller_id_number", f.number);
        }
        ch.set_var("channel_cid_flipped", "yes");
    }
    let (name, arg) = app
        .trim_start_matches('&')
        .split_once('(')
        .map(|(n, a)| (n.to_string(), a.trim_end_matches(')').to_string()))
        .unwrap_or_else(|| (app.trim_start_matches('&').to_string(), String::new()));
    let target = (name == "socket")
        .then(|| arg.split_whitespace().next().and_then(|a| a.parse().ok()))
        .flatten();
    if let Some(addr) = target {
        // The socket app starts on the answered channel (12a/12b observers).
        if let Some(ch) = core.channels.get_mut(&leg.uuid) {
            ch.set_var("current_application", "socket");
            ch.set_var("current_application_data", arg.clone());
        }
        let exec = [
            ("Application", "socket".to_string()),
            ("Application-Data", arg.clone()),
            ("Application-UUID", uuid::Uuid::new_v4().to_string()),
        ];
        core.fire(&cu, &leg.uuid, "CHANNEL_EXECUTE", &[], &exec);
        start_socket(
            sw,
            &mut core,
            addr,
            &leg.uuid,
            arg,
            SocketEnd::Dialplan(DialplanNext::Nothing),
        );
        let mut extra = sw.extra();
        extra.originated.push((leg.uuid.clone(), log));
    } else {
        drop(core);
        // Any other application: the channel's thread runs it at its next
        // frame, after the api's answer; the channel ends with it.
        let (sw, u) = (sw.clone(), leg.uuid.clone());
        tokio::spawn(async move {
            let mut req = AppRequest::new(&name, &arg);
            req.frame = Some(sw.next_frame(&u).await);
            run_app(&sw, &u, req).await;
            let cu = sw.0.core_uuid.clone();
            let mut core = sw.lock();
            if core.channels.get(&u).is_some_and(|c| c.is_up()) {
                local_hangup(&mut core, &cu, &u, HangupCause::NormalClearing);
            }
            core.complete(&cu, &u);
        });
    }
    Ok(leg.uuid.clone())
}
