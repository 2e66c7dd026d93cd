//! What FreeSWITCH says about a call when its socket connects: the `connect`
//! reply's channel data, reduced to what dialbridge uses.

use freeswitch_esl_tokio::{HangupCause, HeaderLookup};

/// The caller's channel as it was when handed to dialbridge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelData {
    /// The channel's UUID: the call's `call_sid`.
    pub uuid: String,
    /// `inbound` for a call FreeSWITCH received, `outbound` for a leg it
    /// placed (a screening connection, or a call created through the API).
    pub(crate) direction: String,
    /// Caller ID number.
    pub(crate) from: String,
    /// Dialled number.
    pub(crate) to: String,
    /// Caller ID name.
    pub(crate) caller_name: String,
    /// SIP Call-ID of the caller's INVITE.
    pub sip_call_id: Option<String>,
    /// The INVITE's From URI (`user@host`).
    pub(crate) sip_from_uri: Option<String>,
    /// The INVITE's To URI (`user@host`).
    pub(crate) sip_to_uri: Option<String>,
    /// Address the INVITE came from.
    pub(crate) source_ip: Option<String>,
    /// Already answered when handed over.
    pub answered: bool,
    /// Already hung up when handed over (`Answer-State: hangup`: the caller
    /// left while the socket connected, so its CHANNEL_HANGUP_COMPLETE went
    /// out before this socket could subscribe to it): the cause and SIP
    /// status the channel carries.
    pub ended: Option<(HangupCause, Option<u16>)>,
    /// For a leg FreeSWITCH placed: the call that placed it.
    pub(crate) originating_leg: Option<String>,
    /// The caller's P-Asserted-Identity, for `forwardPAI`.
    pub(crate) p_asserted_identity: Option<String>,
    /// The caller's Privacy header, for `forwardPAI`.
    pub(crate) privacy: Option<String>,
}

impl ChannelData {
    /// Reads the connect reply (or any event of the channel). None when it
    /// carries no Unique-ID.
    pub(crate) fn from_headers(h: &impl HeaderLookup) -> Option<Self> {
        let get = |name: &str| h.header_str(name).map(str::to_owned);
        let var = |name: &str| h.variable_str(name).map(str::to_owned);
        let uuid = get("Unique-ID").or_else(|| get("Channel-Unique-ID"))?;
        Some(Self {
            uuid,
            direction: get("Call-Direction")
                .or_else(|| var("direction"))
                .unwrap_or_else(|| "inbound".into()),
            from: get("Caller-Caller-ID-Number").unwrap_or_default(),
            to: get("Caller-Destination-Number").unwrap_or_default(),
            caller_name: get("Caller-Caller-ID-Name").unwrap_or_default(),
            sip_call_id: var("sip_call_id"),
            sip_from_uri: var("sip_from_uri"),
            sip_to_uri: var("sip_to_uri"),
            source_ip: var("sip_network_ip")
                .or_else(|| var("sip_received_ip"))
                .or_else(|| get("Caller-Network-Addr")),
            answered: get("Answer-State").is_some_and(|s| s == "answered"),
            ended: get("Answer-State").filter(|s| s == "hangup").map(|_| {
                let cause = get("Hangup-Cause")
                    .or_else(|| var("hangup_cause"))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(HangupCause::NormalClearing);
                (cause, var("sip_term_status").and_then(|s| s.parse().ok()))
            }),
            originating_leg: var("originating_leg_uuid"),
            p_asserted_identity: var("sip_P-Asserted-Identity"),
            privacy: var("sip_Privacy"),
        })
    }

    /// True for a leg FreeSWITCH placed for one of our dials (a screening
    /// connection opened by `group_confirm_key=exec`).
    pub(crate) fn is_screening_leg(&self) -> bool {
        self.direction == "outbound" && self.originating_leg.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use freeswitch_esl_tokio::EslEvent;

    fn data(extra: &[(&str, &str)]) -> ChannelData {
        let mut e = EslEvent::new();
        e.set_header("Unique-ID", "A");
        for (k, v) in extra {
            e.set_header(*k, *v);
        }
        ChannelData::from_headers(&e).expect("a Unique-ID")
    }

    #[test]
    fn a_caller_that_left_while_its_socket_connected_is_seen_as_ended() {
        let gone = data(&[
            ("Answer-State", "hangup"),
            ("variable_hangup_cause", "ORIGINATOR_CANCEL"),
            ("variable_sip_term_status", "487"),
        ]);
        assert_eq!(gone.ended, Some((HangupCause::OriginatorCancel, Some(487))));
        assert!(!gone.answered);
        assert_eq!(
            data(&[("Answer-State", "hangup")]).ended,
            Some((HangupCause::NormalClearing, None))
        );
        for live in ["ringing", "early", "answered"] {
            assert_eq!(data(&[("Answer-State", live)]).ended, None, "{live}");
        }
    }
}
