//! A `dial` target: who to ring. Four kinds, as in jambonz: a phone number
//! through a carrier, a SIP URI, a registered user, a Microsoft Teams user.

use serde::Serialize;

use super::headers::Headers;
use super::hook::Hook;
use crate::secret::Secret;

/// One destination of a dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// What to ring.
    pub(crate) kind: TargetKind,
    /// Screening app for this target (overrides the dial's).
    pub(crate) confirm_hook: Option<Hook>,
    /// SIP headers for this target's INVITE only.
    pub headers: Headers,
    /// Where and as whom the INVITE goes, beyond the kind's own address
    /// (jambonz's `proxy` on phone and user targets, `from`, `overrideTo`).
    #[serde(skip_serializing_if = "Routing::is_empty")]
    pub routing: Routing,
    /// DTMF sent to the callee when it answers (RCML `<Number
    /// sendDigits>`; `w` a half-second pause).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) send_digits: Option<String>,
}

/// jambonz's per-target routing properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Routing {
    /// Send the INVITE through this SIP proxy (a route, `fs_path`) instead
    /// of the carrier's gateway or the registrar (phone and user targets;
    /// a sip target has its own `proxy`).
    pub proxy: Option<String>,
    /// The From user part (the caller ID number of this leg).
    pub from_user: Option<String>,
    /// The From host (`sip_invite_domain`).
    pub from_host: Option<String>,
    /// The To URI of the INVITE (`sip_invite_to_uri`).
    pub override_to: Option<String>,
}

impl Routing {
    /// True when no routing property is set.
    pub fn is_empty(&self) -> bool {
        *self == Routing::default()
    }
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
