//! A `dial` target: who to ring. Four kinds, as in jambonz: a phone number
//! through a carrier, a SIP URI, a registered user, a Microsoft Teams user.

use serde::Serialize;

use super::headers::Headers;
use super::hook::Hook;
use crate::secret::Secret;

/// One destination of a dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Target {
    /// What to ring.
    pub(crate) kind: TargetKind,
    /// Screening app for this target (overrides the dial's).
    pub(crate) confirm_hook: Option<Hook>,
    /// SIP headers for this target's INVITE only.
    pub(crate) headers: Headers,
}

/// What kind of destination, with its address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum TargetKind {
    /// A phone number sent out through a carrier.
    Phone {
        /// E.164 (or national digits when relaxed).
        number: String,
        /// Carrier name from `[carriers]`; None = the default carrier.
        trunk: Option<String>,
    },
    /// A SIP URI.
    Sip {
        /// `sip:` or `sips:` URI.
        uri: String,
        /// Digest credentials answered on 401/407.
        auth: Option<SipAuth>,
        /// Outbound proxy for this INVITE.
        proxy: Option<String>,
    },
    /// A user registered with the platform's registrar (Kamailio).
    User {
        /// `user@domain`.
        name: String,
    },
    /// A Microsoft Teams user reached through Direct Routing.
    Teams {
        /// The number mapped to the Teams user.
        number: String,
        /// Tenant domain; None = `[teams] tenant`.
        tenant: Option<String>,
        /// Ring straight into voicemail.
        voicemail: bool,
    },
}

/// SIP digest credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SipAuth {
    /// Digest user name (`username`, or jambonz's `user`).
    pub(crate) username: String,
    /// Digest password.
    pub password: Secret,
}
