//! Reading jambonz's `hangup` verb.

use super::fields::Fields;
use super::headers::read_headers;
use crate::app::hangup::Hangup;
use crate::app::headers::{HeaderScope, Headers};

/// Reads `hangup`'s properties.
pub(crate) fn read_hangup(f: &mut Fields<'_, '_>) -> Option<Hangup> {
    let headers = f.value("headers").map_or_else(Headers::default, |v| {
        let at = f.at_key("headers");
        read_headers(v, &at, HeaderScope::Shared, f.problems())
    });
    Some(Hangup { headers })
}
