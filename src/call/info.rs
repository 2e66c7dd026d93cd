//! The fields every hook of a call carries (jambonz-compatible): who called
//! whom, the call's status, and the application's `customerData`.

use freeswitch_esl_tokio::HangupCause;
use serde_json::{Map, Value, json};

use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::socket::CallerState;

/// A call's status as applications know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    /// Arrived, not yet ringing.
    Trying,
    /// 180 sent.
    Ringing,
    /// 183 sent.
    EarlyMedia,
    /// Answered.
    InProgress,
    /// Ended after being answered.
    Completed,
    /// Ended unanswered with an error.
    Failed,
    /// Ended unanswered, busy.
    Busy,
    /// Ended unanswered: nobody answered, or the caller gave up.
    NoAnswer,
}

impl CallStatus {
    /// The name in payloads.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CallStatus::Trying => "trying",
            CallStatus::Ringing => "ringing",
            CallStatus::EarlyMedia => "early-media",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Failed => "failed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
        }
    }

    /// The status and SIP code `state` shows.
    pub(crate) fn of(state: &CallerState) -> (CallStatus, u16) {
        if let Some(h) = &state.hangup {
            if state.answered.is_some() {
                return (CallStatus::Completed, h.sip_status.unwrap_or(200));
            }
            let code = h.sip_status.unwrap_or(match h.cause {
                HangupCause::OriginatorCancel => 487,
                HangupCause::UserBusy => 486,
                _ => 480,
            });
            let status = match code {
                486 | 600 => CallStatus::Busy,
                408 | 480 | 487 => CallStatus::NoAnswer,
                _ => CallStatus::Failed,
            };
            return (status, code);
        }
        if state.answered.is_some() {
            (CallStatus::InProgress, 200)
        } else if state.early_media.is_some() {
            (CallStatus::EarlyMedia, 183)
        } else if state.ringing.is_some() {
            (CallStatus::Ringing, 180)
        } else {
            (CallStatus::Trying, 100)
        }
    }
}

/// What every hook payload of a call is built from.
#[derive(Debug, Clone)]
pub struct CallInfo {
    /// The caller's channel.
    pub(crate) channel: ChannelData,
    /// `[app] account_sid`.
    pub account_sid: Option<String>,
    /// `[app] application_sid`.
    pub application_sid: Option<String>,
    /// Set by the `tag` verb.
    pub(crate) customer_data: Option<Map<String, Value>>,
}

impl CallInfo {
    /// The call's fields for a hook payload.
    pub(crate) fn payload(&self, state: &CallerState) -> Map<String, Value> {
        let (status, sip_status) = CallStatus::of(state);
        let c = &self.channel;
        let mut p = Map::new();
        let mut put = |k: &str, v: Value| {
            p.insert(k.to_owned(), v);
        };
        put("call_sid", json!(c.uuid));
        put("direction", json!(c.direction));
        put("from", json!(c.from));
        put("to", json!(c.to));
        put("caller_name", json!(c.caller_name));
        put("call_id", json!(c.sip_call_id));
        put("sip_status", json!(sip_status));
        put("call_status", json!(status.as_str()));
        put("originating_sip_ip", json!(c.source_ip));
        if let Some(a) = &self.account_sid {
            put("account_sid", json!(a));
        }
        if let Some(a) = &self.application_sid {
            put("application_sid", json!(a));
        }
        if let Some(d) = &self.customer_data {
            put("customerData", Value::Object(d.clone()));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freeswitch::socket::CallerHangup;
    use std::time::SystemTime;

    fn ended(answered: bool, cause: &str, sip: Option<u16>) -> CallerState {
        CallerState {
            answered: answered.then(SystemTime::now),
            hangup: Some(CallerHangup {
                cause: cause.parse().unwrap_or(HangupCause::None),
                sip_status: sip,
            }),
            ..CallerState::default()
        }
    }

    #[test]
    fn statuses_follow_the_callers_channel() {
        assert_eq!(
            CallStatus::of(&CallerState::default()),
            (CallStatus::Trying, 100)
        );
        let ringing = CallerState {
            ringing: Some(SystemTime::now()),
            ..CallerState::default()
        };
        assert_eq!(CallStatus::of(&ringing), (CallStatus::Ringing, 180));
        assert_eq!(
            CallStatus::of(&ended(true, "NORMAL_CLEARING", None)),
            (CallStatus::Completed, 200)
        );
        assert_eq!(
            CallStatus::of(&ended(false, "USER_BUSY", Some(486))),
            (CallStatus::Busy, 486)
        );
        assert_eq!(
            CallStatus::of(&ended(false, "ORIGINATOR_CANCEL", None)),
            (CallStatus::NoAnswer, 487)
        );
        assert_eq!(
            CallStatus::of(&ended(false, "NORMAL_TEMPORARY_FAILURE", Some(503))),
            (CallStatus::Failed, 503)
        );
    }
}
