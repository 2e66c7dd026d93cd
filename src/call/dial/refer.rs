//! A blind REFER from the bridged callee (docs/freeswitch.md §11): the
//! callee presses "transfer". FreeSWITCH answers the REFER `202` itself,
//! tells the callee `NOTIFY 200`, hangs it up, and would transfer the caller
//! into its own dialplan — out of dialbridge's hands — unless the caller
//! carries `force_transfer_dialplan`. dialbridge sets it to `inline:park`
//! before every bridge (with the dial's other caller variables, in
//! setup.rs's `caller_variables`): after a REFER the caller is
//! parked and the same socket still steers it (11b1).
//!
//! What happens next is the application's choice, never the REFER's:
//!
//! * with a `referHook`, the hook gets jambonz's `refer_details` and its
//!   verbs replace the application on the caller (typically a `dial` to the
//!   Refer-To target, validated like any dial: nothing from the REFER's
//!   headers is ever dialled as such). The dial's actionHook is not called,
//!   as when jambonz redirects a call after a REFER. A hook that fails or
//!   answers no verbs leaves the dial to end as usual;
//! * without one, jambonz answers the REFER `501` and nobody is
//!   transferred. FreeSWITCH has already accepted it, so dialbridge cannot
//!   refuse; it does the nearest thing: the caller is not transferred, the
//!   dial ends `completed` (the callee answered and left) and its
//!   actionHook runs as usual. A callee can never steer the caller to a
//!   destination the application did not choose.
//!
//! What jambonz also sends and stock FreeSWITCH does not carry: the REFER's
//! own X- headers and `User-Agent` become no channel variable (sofia.c), so
//! `refer_details` has `sip_refer_to` and `sip_referred_by` only from the
//! REFER's headers.
//!
//! A REFER from the **caller** outside a dial (answered, in a play, say,
//! gather, pause...) is [`CallerRefer`]: jambonz's session
//! `referHook`, set by the `config` verb (call-session.js `_handleRefer`).
//! FreeSWITCH answers it `202` and, the caller having no partner to
//! transfer, sends the caller NOTIFY `SIP/2.0 403 Forbidden` at once and
//! changes nothing ("Cannot Blind Transfer 1 Legged calls",
//! mod_sofia/sofia.c `sofia_handle_sip_i_refer`; `force_transfer_dialplan`
//! plays no part, since nobody is transferred). Its only trace on the
//! socket is CUSTOM `sofia::error` (`Error-Type: blind_transfer`,
//! `Transfer-Exten`, `Full-Refer-To`, the channel's data), which every call
//! subscribes to. With a config `referHook`, the hook gets jambonz's
//! `refer_details` and its verbs break off what runs and replace the rest
//! of the application, as jambonz's `replaceApplication`. Without one
//! nothing happens (jambonz answers 501). Differences from jambonz: the
//! caller's UA has already been told 403 (jambonz answers 202 after the
//! hook, and sends no NOTIFY), and the event carries no Referred-By,
//! User-Agent or X- headers. While a dial runs the caller is not one-legged
//! to FreeSWITCH: bridged, its partner is the callee; ringing, its
//! `originate_signal_bond` names the last leg created
//! (switch_core_session.c), which `switch_channel_get_partner_uuid` returns
//! — so a caller's REFER then moves that leg into the dialplan, FreeSWITCH's
//! own doing (source only), and is not reported.

use freeswitch_esl_tokio::EslEvent;
use serde_json::{Map, Value, json};
use tracing::{info, warn};

use crate::app::{Dial, Instruction};
use crate::call::Call;
use crate::webhook::HookKind;

/// The inline dialplan a REFER's transferee runs: `park`, so its socket
/// keeps control (docs/freeswitch.md §11, 11b1). Set before every bridge;
/// failing closed with the rest of the dial's caller variables: without it
/// a REFER would take the caller out of dialbridge's control.
pub(crate) const TRANSFER_DIALPLAN: &str = "inline:park";

/// A REFER the caller's bridge ended with, as FreeSWITCH left it on the
/// caller's channel (`sip_refer_to`, `sip_h_Referred-By`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Referred {
    /// The Refer-To header (`<sip:2000@example.com>`).
    pub(crate) refer_to: String,
    /// The Referred-By header, when the REFER had one.
    pub(crate) referred_by: Option<String>,
}

impl Referred {
    /// The REFER that ended a bridge, from the bridge's completion event's
    /// channel variables; None when the bridge did not end by a REFER.
    pub(crate) fn from_variables(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let refer_to = var("sip_refer_to").filter(|v| !v.trim().is_empty())?;
        Some(Referred {
            refer_to,
            referred_by: var("sip_h_Referred-By").filter(|v| !v.trim().is_empty()),
        })
    }

    /// jambonz's `refer_details`: `referring_call_sid` is the callee that
    /// sent the REFER, `referred_call_sid` the caller it transfers.
    pub(crate) fn details(&self, referring: Option<&str>, referred: &str) -> Value {
        let mut d = Map::new();
        d.insert("sip_refer_to".into(), json!(self.refer_to));
        if let Some(user) = uri_user(&self.refer_to) {
            d.insert("refer_to_user".into(), json!(user));
        }
        if let Some(by) = &self.referred_by {
            d.insert("sip_referred_by".into(), json!(by));
            if let Some(user) = uri_user(by) {
                d.insert("referred_by_user".into(), json!(user));
            }
        }
        if let Some(r) = referring {
            d.insert("referring_call_sid".into(), json!(r));
        }
        d.insert("referred_call_sid".into(), json!(referred));
        Value::Object(d)
    }
}

/// A blind REFER the caller sent outside a dial, as FreeSWITCH reports
/// it (CUSTOM `sofia::error`, `Error-Type: blind_transfer`; see the module
/// doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallerRefer {
    /// The Refer-To header (`<sip:2000@example.com>`).
    pub(crate) refer_to: String,
    /// The Refer-To user FreeSWITCH read (`Transfer-Exten`).
    exten: Option<String>,
}

impl CallerRefer {
    /// True for the event a REFER outside a dial fires (a tap's filter).
    pub(crate) fn is_one(e: &EslEvent) -> bool {
        e.header_str("Event-Subclass") == Some("sofia::error")
            && e.header_str("Error-Type") == Some("blind_transfer")
    }

    /// The REFER `e` reports, when it is one the channel `caller` received.
    pub(crate) fn from_event(e: &EslEvent, caller: &str) -> Option<Self> {
        if !Self::is_one(e) || e.header_str("Unique-ID") != Some(caller) {
            return None;
        }
        let exten = e
            .header_str("Transfer-Exten")
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned);
        let refer_to = e
            .header_str("Full-Refer-To")
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| exten.clone())?;
        Some(CallerRefer { refer_to, exten })
    }

    /// jambonz's `refer_details` for a REFER the caller sent:
    /// `referring_call_sid` is the caller, `referred_call_sid` null (no
    /// other party), as call-session.js `_handleRefer` posts.
    pub(crate) fn details(&self, caller: &str) -> Value {
        let mut d = Map::new();
        d.insert("sip_refer_to".into(), json!(self.refer_to));
        if let Some(user) = uri_user(&self.refer_to).or_else(|| self.exten.clone()) {
            d.insert("refer_to_user".into(), json!(user));
        }
        d.insert("referring_call_sid".into(), json!(caller));
        d.insert("referred_call_sid".into(), Value::Null);
        Value::Object(d)
    }
}

/// The user part of a name-addr or URI (`"Bob" <sip:2000@host;x=y>` ->
/// `2000`; `tel:+15551234` -> `+15551234`), as jambonz's `refer_to_user`.
/// None when there is none (`sip:host`). Pure text handling: the result is
/// only reported to the application, never dialled.
pub(crate) fn uri_user(value: &str) -> Option<String> {
    let inner = match (value.find('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value.trim(),
    };
    let (scheme, rest) = inner.split_once(':')?;
    let rest = rest.split(['>', ';', '?']).next().unwrap_or_default();
    let user = if scheme.eq_ignore_ascii_case("tel") {
        rest
    } else if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
        rest.split_once('@')?.0
    } else {
        return None;
    };
    let user = user.split(':').next().unwrap_or_default();
    (!user.is_empty()).then(|| user.to_owned())
}

/// Asks the dial's `referHook` what to do with the parked caller: its
/// verbs, or None (no hook, a failing hook, no verbs) when the dial should
/// end as usual.
pub(crate) async fn ask(
    call: &mut Call,
    dial: &Dial,
    referred: &Referred,
    referring: Option<&str>,
) -> Option<Vec<Instruction>> {
    let a = call.socket.uuid().to_owned();
    let Some(hook) = &dial.refer_hook else {
        info!(
            refer_to = %referred.refer_to,
            "the callee transferred the call but the dial has no referHook: not followed"
        );
        return None;
    };
    info!(refer_to = %referred.refer_to, "the callee transferred the call; asking the referHook");
    let extra = json!({ "refer_details": referred.details(referring, &a) });
    let payload = call.payload(extra);
    match call.fetch(HookKind::Refer, hook, payload).await {
        Ok(Some(verbs)) if !verbs.is_empty() => Some(verbs),
        Ok(_) => {
            info!("the referHook answered no verbs; the dial ends as usual");
            None
        }
        Err(e) => {
            warn!(error = %e, "the referHook failed; the dial ends as usual");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_of_a_refer_to_is_read_from_any_of_its_forms() {
        assert_eq!(
            uri_user("<sip:2000@127.0.0.1:5340>").as_deref(),
            Some("2000")
        );
        assert_eq!(
            uri_user("\"Bob\" <sips:bob@example.com;transport=tls>").as_deref(),
            Some("bob")
        );
        assert_eq!(
            uri_user("sip:+15551234@carrier;user=phone").as_deref(),
            Some("+15551234")
        );
        assert_eq!(
            uri_user("<tel:+15551234;phone-context=x>").as_deref(),
            Some("+15551234")
        );
        assert_eq!(
            uri_user("<sip:alice:secret@example.com>").as_deref(),
            Some("alice")
        );
        assert_eq!(uri_user("<sip:example.com>"), None);
        assert_eq!(uri_user("<http://example.com/x>"), None);
        assert_eq!(uri_user(""), None);
        assert_eq!(uri_user("<sip:@example.com>"), None);
    }

    fn sofia_error(uuid: &str, refer_to: Option<&str>) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", "CUSTOM");
        e.set_header("Event-Subclass", "sofia::error");
        e.set_header("Error-Type", "blind_transfer");
        e.set_header("Transfer-Exten", "2000");
        if let Some(r) = refer_to {
            e.set_header("Full-Refer-To", r);
        }
        e.set_header("Unique-ID", uuid);
        e
    }

    #[test]
    fn a_refer_the_caller_sent_is_read_from_sofia_error_as_jambonz_reports_it() {
        let e = sofia_error("A", Some("<sip:2000@pbx.example.com;transport=tcp>"));
        let r = CallerRefer::from_event(&e, "A").expect("a REFER");
        assert_eq!(
            r.details("A"),
            json!({
                "sip_refer_to": "<sip:2000@pbx.example.com;transport=tcp>",
                "refer_to_user": "2000",
                "referring_call_sid": "A",
                "referred_call_sid": null,
            })
        );
        // Another channel's, or another error, is not the caller's REFER.
        assert_eq!(CallerRefer::from_event(&e, "B"), None);
        let mut other = e.clone();
        other.set_header("Error-Type", "something_else");
        assert_eq!(CallerRefer::from_event(&other, "A"), None);
        // Without Full-Refer-To, the user FreeSWITCH read stands in.
        let r = CallerRefer::from_event(&sofia_error("A", None), "A").expect("a REFER");
        assert_eq!(r.details("A")["sip_refer_to"], "2000");
        assert_eq!(r.details("A")["refer_to_user"], "2000");
    }

    #[test]
    fn a_bridge_ended_by_a_refer_is_recognised_from_the_callers_variables() {
        let vars = |k: &str| match k {
            "sip_refer_to" => Some("<sip:2000@127.0.0.1:5340>".to_owned()),
            "sip_h_Referred-By" => Some("<sip:1000@127.0.0.1:5090>".to_owned()),
            _ => None,
        };
        let r = Referred::from_variables(vars).expect("a REFER");
        assert_eq!(
            r.details(Some("B"), "A"),
            json!({
                "sip_refer_to": "<sip:2000@127.0.0.1:5340>",
                "refer_to_user": "2000",
                "sip_referred_by": "<sip:1000@127.0.0.1:5090>",
                "referred_by_user": "1000",
                "referring_call_sid": "B",
                "referred_call_sid": "A",
            })
        );
        assert_eq!(Referred::from_variables(|_| None), None);
        assert_eq!(
            Referred::from_variables(|k| (k == "sip_refer_to").then(|| " ".to_owned())),
            None
        );
    }
}
