//! REFER both ways.
//!
//! From the far end of a bridged leg (`Callee::refers_to`; docs/freeswitch.md
//! §11, traces 11a/11b1/11b2): FreeSWITCH answers `202`, sends a NOTIFY
//! (`SIP/2.0 200 OK`) and releases the referrer (its bridge ends, it is hung
//! up NORMAL_CLEARING, send_bye). The partner (the transferee) gets
//! `sip_refer_to`, `sip_h_Referred-By` (and `sip_h_X-FS-Refer-Params` for
//! URI parameters) and is transferred to the Refer-To user
//! (transfer.rs), which honours its `force_transfer_dialplan` /
//! `force_transfer_context`. Rules from mod_sofia/sofia.c
//! `sofia_handle_sip_i_refer` where not captured: a REFER on an unbridged
//! leg (`CallHandle::refers`: the caller, answered, outside a dial) gets
//! `202`, then NOTIFY `403 Forbidden`, and the channel goes on with what it
//! runs (no transfer); the channel gets `transfer_to` and
//! `transfer_destination` (`blind:<Refer-To user>`) and
//! `endpoint_disposition=ATTENDED_TRANSFER_ERROR`, and FreeSWITCH fires
//! CUSTOM `sofia::error` with `Error-Type: blind_transfer`,
//! `Transfer-Exten: <Refer-To user>`, `Full-Refer-To: <the Refer-To
//! header>` and the channel's data (so a socket subscribed to
//! `CUSTOM sofia::error` sees it; Referred-By is not in it). No other header of
//! the REFER (its X- headers) becomes a variable; `confirm_blind_transfer`
//! is not modelled.
//!
//! To the far end (`deflect`, `uuid_deflect`; §20, traces 20a/20b): a
//! REFER with `Referred-By: <sip:127.0.0.1:5080>`; the party's answer
//! (`Callee::answers_refer`, default `202` then NOTIFY `SIP/2.0 200 OK`
//! 300 ms later) sets `sip_refer_status_code`,
//! `sip_refer_target_status_code`, `sip_refer_reply`; the leg is then hung
//! up BLIND_TRANSFER (a BYE without Reason, no `sip_hangup_disposition`)
//! unless `sip_refer_continue_after_reply` is true. `uuid_deflect` blocks
//! until then and answers `+OK:<the NOTIFY's sipfrag>`.

use std::time::Duration;

use freeswitch_esl_tokio::HangupCause;

use super::lifecycle::Disp;
use super::record::SipSent;
use super::scenario::Callee;
use super::switch::Switch;

/// A REFER the far end of a leg sends (`Callee::refers_to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Refer {
    /// The Refer-To URI (`sip:2000@127.0.0.1:5340`).
    pub to: String,
    /// The Referred-By value; default the party's own URI.
    pub referred_by: Option<String>,
    /// Other headers of the REFER (kept in the SIP log only).
    pub headers: Vec<(String, String)>,
    /// Milliseconds after the answer.
    pub at: u64,
}

/// How the far end answers a REFER FreeSWITCH sends (`deflect`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferReply {
    /// The final response to the REFER (202) and how long it takes.
    pub code: u16,
    pub after_ms: u64,
    /// The NOTIFY's sipfrag (`SIP/2.0 200 OK`) and its delay after the
    /// response; `None`: no NOTIFY.
    pub notify: Option<(String, u64)>,
}

impl Default for ReferReply {
    /// 20a: 202, then the NOTIFY 300 ms later (about 400 ms in all).
    fn default() -> Self {
        ReferReply {
            code: 202,
            after_ms: 100,
            notify: Some(("SIP/2.0 200 OK".into(), 300)),
        }
    }
}

/// `<uri>` as a header value (angle brackets added when missing).
fn bracket(uri: &str) -> String {
    if uri.starts_with('<') || uri.contains(" <") {
        uri.to_string()
    } else {
        format!("<{uri}>")
    }
}

/// The far end of `uuid` sends `refer` (11a).
pub fn far_end_refers(sw: &Switch, uuid: &str, refer: &Refer) {
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(uuid).filter(|c| c.is_up()) else {
        return;
    };
    let log = ch.log.clone();
    log.push_sip_sent(uuid, SipSent::Accepted202);
    let uri = refer.to.trim_matches(|c| c == '<' || c == '>');
    let user_host = uri.strip_prefix("sip:").unwrap_or(uri);
    let (user_host, params) = user_host.split_once(';').unwrap_or((user_host, ""));
    let exten = user_host.split('@').next().unwrap_or(user_host).to_string();
    let own = ch
        .var("sip_req_uri")
        .map(|u| format!("sip:{u}"))
        .unwrap_or_else(|| format!("sip:{}@127.0.0.1", ch.profile.destination));
    let referred_by = bracket(refer.referred_by.as_deref().unwrap_or(&own));
    let partner = ch.bridged_to.clone();
    if let (Some(ch), false) = (core.channels.get_mut(uuid), params.is_empty()) {
        ch.set_var("sip_refer_to_params", params);
    }
    let Some(a) = partner.filter(|p| core.channels.get(p).is_some_and(|c| c.is_up())) else {
        one_legged(&mut core, sw, uuid, &exten, &bracket(uri));
        log.push_sip_sent(uuid, SipSent::Notify("SIP/2.0 403 Forbidden".into()));
        return;
    };
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.set_var("transfer_to", format!("blind:{a}"));
        ch.set_var("transfer_destination", format!("blind:{exten}"));
        ch.set_var("endpoint_disposition", "BLIND_TRANSFER");
    }
    if let Some(ach) = core.channels.get_mut(&a) {
        ach.set_var("sip_h_Referred-By", referred_by);
        ach.set_var("sip_refer_to", bracket(uri));
        if !params.is_empty() {
            ach.set_var("sip_h_X-FS-Refer-Params", params);
        }
    }
    log.push_sip_sent(uuid, SipSent::Notify("SIP/2.0 200 OK".into()));
    // The transferee leaves the bridge; the bridge's end releases B (BYE).
    core.transfer(&a, &exten, None, None);
}

/// "Cannot Blind Transfer 1 Legged calls" (sofia.c): the variables, and
/// CUSTOM `sofia::error` with the channel's data.
fn one_legged(
    core: &mut super::core::Core,
    sw: &Switch,
    uuid: &str,
    exten: &str,
    full_refer_to: &str,
) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    ch.set_var("transfer_to", format!("blind:{exten}"));
    ch.set_var("transfer_destination", format!("blind:{exten}"));
    ch.set_var("endpoint_disposition", "ATTENDED_TRANSFER_ERROR");
    let cu = sw.0.core_uuid.clone();
    let mut ev = core.base(
        &cu,
        "CUSTOM",
        Some("sofia::error"),
        "sofia_handle_sip_i_refer",
    );
    ev.push("Error-Type", "blind_transfer");
    ev.push("Transfer-Exten", exten);
    ev.push("Full-Refer-To", full_refer_to);
    if let Some(ch) = core.channels.get(uuid) {
        ch.state_headers(&mut ev, true);
        ch.profile_headers(&mut ev, "Caller");
        ch.var_headers(&mut ev);
    }
    core.emit(&ev);
}

/// Sends a REFER to `target` on `uuid`'s party and plays its answer; the
/// `sip_refer_reply` the NOTIFY brought (or `no reply`).
async fn deflect(sw: &Switch, uuid: &str, target: &str) -> Option<String> {
    let (reply, log) = {
        let core = sw.lock();
        let ch = core.channels.get(uuid).filter(|c| c.is_up())?;
        let reply = ch
            .script
            .as_ref()
            .map(|s: &Callee| s.refer_reply.clone())
            .unwrap_or_default();
        (reply, ch.log.clone())
    };
    let refer_to = if target.starts_with("sip:") {
        target.to_string()
    } else {
        format!("sip:{target}@127.0.0.1")
    };
    log.push_sip_sent(
        uuid,
        SipSent::Refer {
            refer_to: bracket(&refer_to),
            referred_by: "<sip:127.0.0.1:5080>".into(),
        },
    );
    tokio::time::sleep(Duration::from_millis(reply.after_ms)).await;
    if let Some(ch) = sw.lock().channels.get_mut(uuid) {
        ch.set_var("sip_refer_status_code", reply.code.to_string());
    }
    let mut text = None;
    if let Some((frag, after)) = reply.notify.filter(|_| reply.code < 300) {
        tokio::time::sleep(Duration::from_millis(after)).await;
        let status = frag.split_whitespace().nth(1).unwrap_or("0").to_string();
        if let Some(ch) = sw.lock().channels.get_mut(uuid) {
            ch.set_var("sip_refer_target_status_code", status);
            ch.set_var("sip_refer_reply", format!("{frag}\r\n"));
        }
        log.push_sip_sent(uuid, SipSent::Ok("NOTIFY".into()));
        text = Some(format!("{frag}\r\n"));
    }
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let keep = core
        .channels
        .get(uuid)
        .is_some_and(|c| c.var_true("sip_refer_continue_after_reply"));
    if !keep {
        core.hangup(&cu, uuid, HangupCause::BlindTransfer, Disp::Unreported);
        log.push_sip_sent(uuid, SipSent::Bye);
    }
    Some(text.unwrap_or_else(|| "no reply".into()))
}

/// The `deflect <uri>` application (20b).
pub async fn deflect_app(sw: &Switch, uuid: &str, arg: &str) {
    deflect(sw, uuid, arg.trim()).await;
}

/// `uuid_deflect <uuid> <uri>` (20a): blocks until the party's NOTIFY.
pub async fn uuid_deflect(sw: &Switch, args: &[&str]) -> String {
    let (Some(u), Some(target)) = (args.first(), args.get(1)) else {
        return "-USAGE: <uuid> <uri>\n".into();
    };
    match deflect(sw, u, target).await {
        Some(reply) => format!("+OK:{reply}\n"),
        None => format!("-ERR No such channel {u}!\n"),
    }
}
