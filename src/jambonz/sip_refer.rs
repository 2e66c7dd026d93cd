//! Reading jambonz's `sip:refer` verb (sent with FreeSWITCH's `deflect`).

use super::accepted::hook_without_effect;
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::rules;
use crate::app::sip_refer::SipRefer;

/// Reads `sip:refer`'s properties.
pub(crate) fn read_sip_refer(f: &mut Fields<'_, '_>) -> Option<SipRefer> {
    let before = f.problems().len();
    let refer_to = f
        .required_str("referTo", "the SIP URI the caller is sent to")
        .and_then(|u| match rules::sip_uri(u, "referTo") {
            Ok(()) => Some(u.to_owned()),
            Err(e) => {
                f.problem("referTo", e);
                None
            }
        });
    let referred_by = f.str("referredBy").map(str::to_owned);
    let referred_by_display_name = f.str("referredByDisplayName").map(str::to_owned);
    for key in ["referredBy", "referredByDisplayName"] {
        if f.has(key) {
            f.notice(
                key,
                "FreeSWITCH's deflect sends the profile's own Referred-By (docs/freeswitch.md \
                 §20); ignored",
            );
        }
    }
    if f.value("headers").is_some_and(|v| v.is_object()) {
        f.notice(
            "headers",
            "FreeSWITCH's deflect sends no header of the application's; ignored",
        );
    } else if f.has("headers") {
        f.problem("headers", "must be an object of header names to values");
    }
    let action_hook = match f.value("actionHook") {
        Some(v) => {
            let at = f.at_key("actionHook");
            read_hook(v, &at, f.problems())
        }
        None => None,
    };
    let event_hook = f.value("eventHook").is_some();
    if event_hook {
        hook_without_effect(
            f,
            "eventHook",
            "FreeSWITCH reports only the final NOTIFY of the REFER (docs/freeswitch.md §20): \
             its outcome goes to actionHook; the eventHook is not called",
        );
    }
    (f.problems().len() == before).then_some(SipRefer {
        refer_to: refer_to?,
        referred_by,
        referred_by_display_name,
        headers: Default::default(),
        action_hook,
        event_hook: None,
    })
}
