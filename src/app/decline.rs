//! `sip:decline`: refuse an unanswered call with a SIP final response.

use serde::Serialize;

use super::headers::Headers;

/// A validated `sip:decline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SipDecline {
    /// SIP status code, 400 to 699.
    pub(crate) status: u16,
    /// Reason phrase; None = the standard phrase.
    pub(crate) reason: Option<String>,
    /// Headers on the response.
    pub(crate) headers: Headers,
}
