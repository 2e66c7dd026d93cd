//! `hangup`: end the call, optionally with SIP headers on the BYE.

use serde::Serialize;

use super::headers::{HeaderScope, Headers, read_headers};
use crate::jambonz::fields::Fields;

/// A validated `hangup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hangup {
    /// Headers added to the BYE (or the final response when unanswered).
    pub headers: Headers,
}

/// Reads `hangup`'s properties.
pub fn read_hangup(f: &mut Fields<'_, '_>) -> Option<Hangup> {
    let headers = f.value("headers").map_or_else(Headers::default, |v| {
        let at = f.at_key("headers");
        read_headers(v, &at, HeaderScope::Shared, f.problems())
    });
    Some(Hangup { headers })
}
