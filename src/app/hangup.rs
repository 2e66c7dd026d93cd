//! `hangup`: end the call, optionally with SIP headers on the BYE.

use serde::Serialize;

use super::headers::Headers;

/// A validated `hangup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hangup {
    /// Headers added to the BYE (or the final response when unanswered).
    pub(crate) headers: Headers,
}
