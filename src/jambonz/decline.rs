//! Reading jambonz's `sip:decline` verb.

use super::fields::Fields;
use super::headers::read_headers;
use crate::app::decline::SipDecline;
use crate::app::headers::{HeaderScope, Headers};

/// Reads `sip:decline`'s properties.
pub(crate) fn read_decline(f: &mut Fields<'_, '_>) -> Option<SipDecline> {
    if !f.has("status") {
        let at = f.at().clone();
        f.problems().add(
            &at,
            "`status` is required: the SIP final response code, 400 to 699",
        );
        return None;
    }
    let status = f.integer("status", 400, 699, "a SIP status code")?;
    let reason = f.str("reason").and_then(|r| {
        if r.chars().any(|c| c.is_control()) || r.len() > 128 {
            f.problem("reason", "must be printable text of at most 128 characters");
            None
        } else {
            Some(r.to_owned())
        }
    });
    let headers = f.value("headers").map_or_else(Headers::default, |v| {
        let at = f.at_key("headers");
        read_headers(v, &at, HeaderScope::Shared, f.problems())
    });
    Some(SipDecline {
        status: status as u16,
        reason,
        headers,
    })
}
