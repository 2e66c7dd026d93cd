//! In-dialog INFO and MESSAGE (docs/freeswitch.md §21; traces 21a, 21b).
//!
//! Sending: the `send_info` application and `uuid_send_info` /
//! `uuid_send_message` answer as captured (`+OK Success` whether or not
//! anything is sent), but mod_sofia sends only when the far end advertised
//! `X-FS-Support: ...send_info` (`send_message`) or the channel has
//! `fs_send_unsupported_info=true` (`_message`) (mod_sofia.c,
//! SWITCH_MESSAGE_INDICATE_INFO / _MESSAGE). What is sent is logged as
//! `SipSent::Info` / `SipSent::Message` on the channel.
//!
//! NOTIFY (from mod_sofia's code, not captured): `sendevent NOTIFY` with
//! headers `uuid`, `event-string`, `content-type` and a body is answered
//! `+OK <event uuid>` at once (mod_event_socket fires the event); mod_sofia's
//! NOTIFY handler then sends the channel's party an in-dialog NOTIFY with
//! `Subscription-State: terminated;reason=noresource`, whatever the far end
//! advertised. Without one of the three, or for a channel that is gone,
//! nothing is sent. Logged as `SipSent::EventNotify`.
//!
//! SEND_INFO (from mod_sofia's code, not captured): `sendevent SEND_INFO`
//! with headers `profile` and `call-id` (and optionally `content-type`, a
//! body) is answered `+OK <event uuid>`; mod_sofia finds the dialog by its
//! Call-ID on that profile and sends an INFO in it — no Content-Type when
//! the event has none, no body when it has none — whatever the far end
//! advertised. A profile or Call-ID that matches no live channel sends
//! nothing. Logged as `SipSent::EventInfo`.
//!
//! Receiving (`Callee::sends_info`): FreeSWITCH answers 200 and fires
//! RECV_INFO on the leg (`SIP-Content-Type`, `SIP-From-*`, `SIP-To-*`,
//! `SIP-Contact-*`, the body as the event body); `application/dtmf-relay`
//! also gives a DTMF event (`DTMF-Duration` = Duration × 8,
//! `DTMF-Source: ENDPOINT`) and relays the digit to the partner as RFC 2833.

use super::channel::Channel;
use super::record::SipSent;
use super::switch::Switch;

/// Whether mod_sofia sends `what` (`info` / `message`) to this channel's
/// party.
fn may_send(ch: &Channel, what: &str) -> bool {
    ch.fs_support.contains(&format!("send_{what}"))
        || ch.var_true(&format!("fs_send_unsupported_{what}"))
}

/// SWITCH_MESSAGE_INDICATE_INFO on `uuid`: `content_type` defaults to
/// `freeswitch/data`.
pub fn send_info(sw: &Switch, uuid: &str, content_type: Option<String>, body: &str) {
    let core = sw.lock();
    if let Some(ch) = core.channels.get(uuid).filter(|c| c.is_up())
        && may_send(ch, "info")
    {
        let content_type = content_type.unwrap_or_else(|| "freeswitch/data".into());
        ch.log.push_sip_sent(
            uuid,
            SipSent::Info {
                content_type,
                body: body.to_string(),
            },
        );
    }
}

/// `sendevent NOTIFY` / `sendevent SEND_INFO`: the command's reply text.
pub fn sendevent(sw: &Switch, msg: &super::wire::Message) -> String {
    let event_uuid = uuid::Uuid::new_v4().to_string();
    let name = msg.first.split_whitespace().nth(1).unwrap_or_default();
    if name.eq_ignore_ascii_case("SEND_INFO") {
        send_info_event(sw, msg);
        return format!("+OK {event_uuid}");
    }
    let (Some(uuid), Some(event), Some(content_type)) = (
        msg.header("uuid"),
        msg.header("event-string"),
        msg.header("content-type"),
    ) else {
        return format!("+OK {event_uuid}");
    };
    if !name.eq_ignore_ascii_case("NOTIFY") {
        return format!("+OK {event_uuid}");
    }
    let core = sw.lock();
    if let Some(ch) = core.channels.get(uuid).filter(|c| c.is_up()) {
        ch.log.push_sip_sent(
            uuid,
            SipSent::EventNotify {
                event: event.to_string(),
                content_type: content_type.to_string(),
                body: msg.body.clone().unwrap_or_default(),
            },
        );
    }
    format!("+OK {event_uuid}")
}

/// SEND_INFO: an INFO in the dialog of the live channel whose
/// `sofia_profile_name` and `sip_call_id` the event names.
fn send_info_event(sw: &Switch, msg: &super::wire::Message) {
    let (Some(profile), Some(call_id)) = (msg.header("profile"), msg.header("call-id")) else {
        return;
    };
    let core = sw.lock();
    let found = core.channels.values().find(|c| {
        c.is_up()
            && c.var("sip_call_id") == Some(call_id)
            && c.var("sofia_profile_name") == Some(profile)
    });
    if let Some(ch) = found {
        ch.log.push_sip_sent(
            &ch.uuid,
            SipSent::EventInfo {
                content_type: msg.header("content-type").map(str::to_string),
                body: msg.body.clone().unwrap_or_default(),
            },
        );
    }
}

/// `uuid_send_info <uuid> [<type> <subtype>] <message>` (split into at
/// most 4 words, the last taking the rest, as switch_separate_string does).
pub fn uuid_send_info(sw: &Switch, rest: &str) -> String {
    let args: Vec<&str> = rest.trim().splitn(4, ' ').collect();
    let (uuid, ct, body) = match args.as_slice() {
        [u, body] => (*u, None, *body),
        [u, t, st, body] => (*u, Some(format!("{t}/{st}")), *body),
        _ => return "-USAGE: <uuid> [<mime_type> <mime_subtype>] <message>\n".into(),
    };
    let exists = sw
        .lock()
        .channels
        .get(uuid)
        .is_some_and(|c| c.cs != "CS_REPORTING");
    if !exists {
        return "-ERR Operation Failed\n".into();
    }
    send_info(sw, uuid, ct, body);
    "+OK Success\n".into()
}

/// `uuid_send_message <uuid> <message>`: a MESSAGE, `text/plain`.
pub fn uuid_send_message(sw: &Switch, rest: &str) -> String {
    let Some((uuid, msg)) = rest.trim().split_once(' ') else {
        return "-USAGE: <uuid> <message>\n".into();
    };
    let core = sw.lock();
    let Some(ch) = core.channels.get(uuid).filter(|c| c.cs != "CS_REPORTING") else {
        return "-ERR Unable to find session for UUID\n".into();
    };
    if ch.is_up() && may_send(ch, "message") {
        ch.log.push_sip_sent(
            uuid,
            SipSent::Message {
                content_type: "text/plain".into(),
                body: msg.trim().to_string(),
            },
        );
    }
    "+OK Success\n".into()
}

/// The leg's far end sends an in-dialog INFO (21a, 21b).
pub fn far_end_info(sw: &Switch, uuid: &str, content_type: &str, body: &str) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let Some(ch) = core.channels.get(uuid).filter(|c| c.is_up()) else {
        return;
    };
    ch.log.push_sip_sent(uuid, SipSent::Ok("INFO".into()));
    let from_user = ch.profile.destination.clone();
    let to_user = ch.profile.caller_id_number.clone();
    let partner = ch.bridged_to.clone();
    let pre = [
        ("SIP-Content-Type", content_type.to_string()),
        ("SIP-From-User", from_user.clone()),
        ("SIP-From-Host", "127.0.0.1".to_string()),
        ("SIP-To-User", to_user),
        ("SIP-To-Host", "127.0.0.1".to_string()),
        ("SIP-Contact-User", from_user),
        ("SIP-Contact-Host", "127.0.0.1".to_string()),
    ];
    if let Some(mut ev) = core.chan_event(&cu, uuid, "RECV_INFO", &pre, &[]) {
        ev.body = Some(body.to_string());
        core.emit(&ev);
    }
    if !content_type.eq_ignore_ascii_case("application/dtmf-relay") {
        return;
    }
    let field = |name: &str| {
        body.lines()
            .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix('='))
            .map(|v| v.trim().to_string())
    };
    let Some(digit) = field("Signal").and_then(|d| d.chars().next()) else {
        return;
    };
    let duration: u64 = field("Duration")
        .and_then(|d| d.parse().ok())
        .unwrap_or(160);
    let post = [
        ("DTMF-Digit", digit.to_string()),
        ("DTMF-Duration", (duration * 8).to_string()),
        ("DTMF-Source", "ENDPOINT".to_string()),
    ];
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.dtmf_buf.push(digit);
    }
    core.fire(&cu, uuid, "DTMF", &[], &post);
    // Relayed to the partner as RFC 2833 (21b: A's packet count 10).
    if let Some(p) = partner.and_then(|p| core.channels.get_mut(&p)) {
        super::control_api::add_dtmf_packets(p, 10);
        p.log
            .push_sip_sent(&p.uuid.clone(), SipSent::Dtmf(digit.to_string()));
    }
}
