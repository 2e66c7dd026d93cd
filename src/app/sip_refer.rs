//! jambonz's `sip:refer`: send the caller a REFER (blind transfer), with
//! FreeSWITCH's stock `deflect` (docs/freeswitch.md §20).

use serde::Serialize;

use super::headers::Headers;
use super::hook::Hook;

/// A validated `sip:refer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SipRefer {
    /// The `Refer-To` URI (`sip:`/`sips:`/`tel:`).
    pub(crate) refer_to: String,
    /// A `Referred-By` URI, when given.
    pub(crate) referred_by: Option<String>,
    /// Display name of `Referred-By`.
    pub(crate) referred_by_display_name: Option<String>,
    /// Other headers on the REFER.
    pub(crate) headers: Headers,
    /// Told the REFER's outcome (`referStatus`, `final_referred_call_status`).
    pub(crate) action_hook: Option<Hook>,
    /// Told NOTIFY progress (accepted; FreeSWITCH reports only the final one).
    pub(crate) event_hook: Option<Hook>,
}
