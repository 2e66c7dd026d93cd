//! jambonz's `sip:request`: a SIP request sent inside the caller's dialog
//! (INFO or MESSAGE: what FreeSWITCH was measured sending, docs/freeswitch.md
//! §21; NOTIFY through mod_sofia's NOTIFY event, from its code); the
//! outcome goes to `actionHook`.

use serde::Serialize;

use super::headers::Headers;
use super::hook::Hook;

/// A validated `sip:request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SipRequest {
    /// The request's method.
    pub(crate) method: InDialogMethod,
    /// Its body (None: no body).
    pub(crate) body: Option<String>,
    /// Its `Content-Type`, from `headers` (the rest of `headers` are sent
    /// as given).
    pub(crate) content_type: Option<String>,
    /// Other headers.
    pub(crate) headers: Headers,
    /// A NOTIFY's `Event` header (the event package, e.g. `talk`).
    pub(crate) event: Option<String>,
    /// Told the outcome.
    pub(crate) action_hook: Option<Hook>,
}

impl SipRequest {
    /// An INFO that `uuid_send_info`'s one-line command cannot carry (no
    /// body, or a body over several lines): it goes as a `sendevent
    /// SEND_INFO` instead (mod_sofia's SEND_INFO event).
    pub(crate) fn info_as_event(&self) -> bool {
        self.method == InDialogMethod::Info
            && self
                .body
                .as_deref()
                .is_none_or(|b| b.is_empty() || b.contains(['\r', '\n']))
    }
}

/// The in-dialog methods dialbridge can send through FreeSWITCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum InDialogMethod {
    /// `uuid_send_info`.
    Info,
    /// `uuid_send_message`.
    Message,
    /// `sendevent NOTIFY` with the caller's `uuid`: mod_sofia sends an
    /// in-dialog NOTIFY (`Subscription-State: terminated;reason=noresource`).
    Notify,
}

impl InDialogMethod {
    /// The method as written in SIP.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            InDialogMethod::Info => "INFO",
            InDialogMethod::Message => "MESSAGE",
            InDialogMethod::Notify => "NOTIFY",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(body: Option<&str>) -> SipRequest {
        SipRequest {
            method: InDialogMethod::Info,
            body: body.map(str::to_owned),
            content_type: None,
            headers: Headers::default(),
            event: None,
            action_hook: None,
        }
    }

    #[test]
    fn only_infos_without_a_body_or_over_several_lines_go_as_an_event() {
        assert!(info(None).info_as_event());
        assert!(info(Some("")).info_as_event());
        assert!(info(Some("Signal=5\r\nDuration=160\r\n")).info_as_event());
        assert!(info(Some("a\nb")).info_as_event());
        assert!(!info(Some("mode=quiet now")).info_as_event());
        let mut message = info(Some("a\nb"));
        message.method = InDialogMethod::Message;
        assert!(!message.info_as_event());
    }
}
