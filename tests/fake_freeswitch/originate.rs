//! `originate <dialstring> '&socket(<addr> async full)'` (trace 10): the
//! callee is rung; once it answers its channel runs the socket app toward
//! the daemon, as a call created through the API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::watch;

use super::channel::{Channel, Profile};
use super::legs::{dialed_user, plan};
use super::outbound::{SocketEnd, start_socket};
use super::record::CallLog;
use super::scenario::{Callee, DialplanNext, Outcome};
use super::signal;
use super::switch::Switch;

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
    let script = sw
        .extra()
        .originate_callee
        .clone()
        .unwrap_or_else(|| Callee::answers_after(10));
    let log = Arc::new(CallLog::default());
    let cu = sw.0.core_uuid.clone();
    let user = dialed_user(&leg.endpoint);
    {
        let profile = Profile {
            direction: "outbound",
            username: String::new(),
            caller_id_name: "Outbound Call".into(),
            caller_id_number: user.clone(),
            callee_id_name: None,
            callee_id_number: Some("0000000000".into()),
            network_addr: "127.0.0.1".into(),
            destination: user.clone(),
            source: "src/switch_ivr_originate.c".into(),
            context: "default".into(),
            created_us: 0,
        };
        let mut ch = Channel::new(&leg.uuid, leg.endpoint.clone(), profile, log.clone());
        ch.cs = "CS_CONSUME_MEDIA";
        ch.call_state = "DOWN";
        ch.script = Some(script.clone());
        for (k, v) in [
            ("direction", "outbound"),
            ("is_outbound", "true"),
            ("uuid", leg.uuid.as_str()),
        ] {
            ch.set_var(k, v);
        }
        for (k, v) in &leg.vars {
            ch.set_var(k, v.clone());
        }
        let mut ex = sw.extra();
        if let Some(legs) = ex.originated_legs.clone() {
            ex.callers.insert(leg.uuid.clone(), legs);
        }
        drop(ex);
        let mut core = sw.lock();
        core.channels.insert(leg.uuid.clone(), ch);
        core.fire(&cu, &leg.uuid, "CHANNEL_CREATE", &[], &[]);
    }
    let t0 = tokio::time::Instant::now();
    if let Some(r) = script.ring_at {
        tokio::time::sleep_until(t0 + Duration::from_millis(r)).await;
        signal::ring_ready(&mut sw.lock(), &cu, &leg.uuid);
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
            tokio::time::sleep(sw.second() * secs.saturating_sub(1) + sw.second() / 2).await;
            return fail(HangupCause::NoAnswer, None);
        }
    }
    let mut core = sw.lock();
    signal::answer(&mut core, &cu, &leg.uuid);
    tokio::spawn(super::legs::after_answer(
        sw.clone(),
        leg.uuid.clone(),
        script.clone(),
        tokio::time::Instant::now(),
    ));
    if let Some(ch) = core.channels.get_mut(&leg.uuid) {
        ch.cs = "CS_EXECUTE";
    }
    let target = app
        .strip_prefix("&socket(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|a| a.parse().ok());
    if let Some(addr) = target {
        let data = app
            .trim_start_matches("&socket(")
            .trim_end_matches(')')
            .to_string();
        // The socket app starts on the answered channel (12a/12b observers).
        let exec = [
            ("Application", "socket".to_string()),
            ("Application-Data", data.clone()),
            ("Application-UUID", uuid::Uuid::new_v4().to_string()),
        ];
        core.fire(&cu, &leg.uuid, "CHANNEL_EXECUTE", &[], &exec);
        start_socket(
            sw,
            &mut core,
            addr,
            &leg.uuid,
            data,
            SocketEnd::Dialplan(DialplanNext::Nothing),
        );
        let mut extra = sw.extra();
        extra.originated.push((leg.uuid.clone(), log));
    }
    Ok(leg.uuid.clone())
}
