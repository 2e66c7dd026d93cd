//! The verbs jambonz applications use around a dial that act on the
//! caller's SIP dialog: `alert` (180 with Alert-Info), `dtmf` (send digits),
//! `sip:request` (INFO or MESSAGE in the dialog, docs/freeswitch.md §21),
//! `sip:refer` (REFER with FreeSWITCH's `deflect`, §20) and `leave`.
//! `config` is in [`super::config_verb`]. Like the other verbs, a failure is
//! reported and the application goes on.

use std::time::Duration;

use serde_json::{Value, json};
use tracing::info;

use super::Call;
use super::verbs::{Next, ask_hook, ensure_media};
use crate::app::alert::Alert;
use crate::app::send_dtmf::SendDtmf;
use crate::app::sip_refer::SipRefer;
use crate::app::sip_request::{InDialogMethod, SipRequest};
use crate::freeswitch::command::completes;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// How long a REFER may take: FreeSWITCH's `deflect` completes after the
/// NOTIFY that ends it (about 400 ms measured, §20); SIP's transaction
/// timer (64 × T1) bounds a far end that never answers.
const REFER_DEADLINE: Duration = Duration::from_secs(32);

/// `alert`: 180 Ringing with `Alert-Info` (the provisional-response header
/// prefix `sip_ph_`, then `ring_ready`); nothing once the caller is
/// answered (a 180 cannot follow a 200).
pub(crate) async fn alert(call: &mut Call, a: &Alert) -> Result<Next, SocketError> {
    if call.socket.state().answered.is_some() {
        call.report(
            HookKind::Call,
            "",
            "alert on an answered call: a 180 cannot follow the 200; skipped",
            &[],
        );
        return Ok(Next::Continue);
    }
    call.socket
        .execute("set", Some(&format!("sip_ph_Alert-Info={}", a.message)))
        .await?;
    call.socket.execute("ring_ready", None).await?;
    Ok(Next::Continue)
}

/// `dtmf`: `uuid_send_dtmf <uuid> <digits>@<ms>` (RFC 2833 to the caller,
/// docs/freeswitch.md §22; the `@ms` tone length is from FreeSWITCH's
/// source), answering first if needed. A refusal is reported.
pub(crate) async fn send_dtmf(call: &mut Call, d: &SendDtmf) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let uuid = call.socket.uuid().to_owned();
    let command = format!("uuid_send_dtmf {uuid} {}@{}", d.digits, d.duration_ms);
    match call.socket.api(&command).await {
        Ok(_) => {}
        Err(SocketError::Refused { reply, .. }) => {
            call.report(HookKind::Call, "", &format!("dtmf: {}", reply.trim()), &[]);
        }
        Err(e) => return Err(e),
    }
    Ok(Next::Continue)
}

/// `sip:request`: INFO and MESSAGE allow mod_sofia to send the method to a
/// far end that did not advertise it (`fs_send_unsupported_info`/`_message`,
/// §21), then send it with the API; NOTIFY is a `sendevent NOTIFY` (no
/// frame: a socket command), and so is an INFO without a body or with one
/// over several lines (`sendevent SEND_INFO`, [`info_event`]). The outcome goes to `actionHook`, whose reply
/// (if any) replaces the rest of the application.
pub(crate) async fn sip_request(call: &mut Call, r: &SipRequest) -> Result<Next, SocketError> {
    let uuid = call.socket.uuid().to_owned();
    let body = r.body.as_deref().unwrap_or_default();
    let sent = match r.method {
        InDialogMethod::Notify => {
            let event = r.event.as_deref().unwrap_or_default();
            let ct = r.content_type.as_deref().unwrap_or_default();
            call.socket.notify(event, ct, body).await
        }
        InDialogMethod::Info if r.info_as_event() => {
            info_event(call, r.content_type.as_deref(), body).await
        }
        InDialogMethod::Info => {
            let command = match r.content_type.as_deref().and_then(|c| c.split_once('/')) {
                Some((t, s)) => format!("uuid_send_info {uuid} {t} {s} {body}"),
                None => format!("uuid_send_info {uuid} {body}"),
            };
            call.socket
                .execute("set", Some("fs_send_unsupported_info=true"))
                .await?;
            call.socket.api(&command).await.map(|_| ())
        }
        InDialogMethod::Message => {
            call.socket
                .execute("set", Some("fs_send_unsupported_message=true"))
                .await?;
            call.socket
                .api(&format!("uuid_send_message {uuid} {body}"))
                .await
                .map(|_| ())
        }
    };
    let extra = match sent {
        Ok(()) => json!({"result": "success", "method": r.method.as_str()}),
        Err(SocketError::Refused { reply, .. }) => {
            json!({"result": "failed", "method": r.method.as_str(), "err": reply.trim()})
        }
        Err(e) => return Err(e),
    };
    info!(method = r.method.as_str(), result = %extra["result"], "sip:request sent");
    Ok(match &r.action_hook {
        Some(hook) => ask_hook(call, HookKind::Action, hook, extra).await,
        None => Next::Continue,
    })
}

/// An INFO `uuid_send_info` cannot carry (no body, or a body over several
/// lines: its API command is one line) as a `sendevent SEND_INFO` on the
/// caller's sofia profile and SIP Call-ID (mod_sofia.c's SEND_INFO handler;
/// not captured yet). The profile is read from the channel (an API command:
/// no frame).
async fn info_event(
    call: &Call,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), SocketError> {
    let uuid = call.socket.uuid().to_owned();
    let profile = call
        .socket
        .api(&format!("uuid_getvar {uuid} sofia_profile_name"))
        .await?;
    let call_id = match &call.info.channel.sip_call_id {
        Some(id) => id.clone(),
        None => {
            call.socket
                .api(&format!("uuid_getvar {uuid} sip_call_id"))
                .await?
        }
    };
    if [&profile, &call_id]
        .iter()
        .any(|v| v.is_empty() || *v == "_undef_")
    {
        return Err(SocketError::Refused {
            command: "sendevent SEND_INFO".into(),
            reply: "the caller's channel has no SIP dialog (no sofia profile or Call-ID)".into(),
        });
    }
    call.socket
        .send_info_event(&profile, &call_id, content_type, body)
        .await
}

/// `sip:refer`: answers the caller if needed, runs `deflect <referTo>` and
/// follows it to its completion. A REFER the far end accepts and completes
/// (NOTIFY 200) hangs the caller up `BLIND_TRANSFER` (§20): the outcome is
/// posted to `actionHook` and the call is over. A REFER that fails leaves
/// the caller up: `actionHook`'s reply, if any, replaces the rest.
pub(crate) async fn sip_refer(call: &mut Call, r: &SipRefer) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let id = call.socket.start("deflect", Some(&r.refer_to)).await?;
    let mut refer_status: Option<String> = None;
    let mut final_status: Option<String> = None;
    // The caller's CHANNEL_HANGUP (BLIND_TRANSFER) comes before deflect's
    // completion, its HANGUP_COMPLETE maybe after (§20).
    let mut ended = false;
    let deadline = tokio::time::Instant::now() + REFER_DEADLINE;
    loop {
        let event = match tokio::time::timeout_at(deadline, call.socket.next()).await {
            Ok(Ok(e)) => e,
            Ok(Err(SocketError::HungUp)) | Ok(Err(SocketError::Closed)) => break,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                call.report(
                    HookKind::Call,
                    "",
                    "sip:refer: FreeSWITCH's deflect did not complete within 32 s",
                    &[],
                );
                break;
            }
        };
        for (var, slot) in [
            ("sip_refer_status_code", &mut refer_status),
            ("sip_refer_target_status_code", &mut final_status),
        ] {
            if let Some(v) = event.variable_str(var) {
                *slot = Some(v.to_owned());
            }
        }
        ended |= event.header_str("Event-Name") == Some("CHANNEL_HANGUP")
            || event.header_str("Answer-State") == Some("hangup");
        if completes(&event, &id) {
            break;
        }
    }
    let number = |s: &Option<String>| {
        s.as_deref()
            .and_then(|v| v.parse::<u16>().ok())
            .map_or(Value::Null, |n| json!(n))
    };
    let extra = json!({
        "referStatus": number(&refer_status),
        "final_referred_call_status": number(&final_status),
    });
    info!(refer_to = %r.refer_to, refer_status = ?refer_status, final_status = ?final_status, "sip:refer done");
    if ended || call.socket.hung_up() {
        // Let the caller's HANGUP_COMPLETE arrive, so that the session
        // does not hang up a channel that is already gone.
        call.socket.wait_hangup().await;
        if let Some(hook) = &r.action_hook {
            super::dial::live_hooks::notify(call, HookKind::Action, hook, extra, None);
        }
        return Ok(Next::End);
    }
    Ok(match &r.action_hook {
        Some(hook) => ask_hook(call, HookKind::Action, hook, extra).await,
        None => Next::Continue,
    })
}
