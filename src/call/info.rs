//! The fields every hook of a call carries (jambonz-compatible): who called
//! whom, the call's status, and the application's `customerData`.

use freeswitch_esl_tokio::HangupCause;
use serde_json::{Map, Value};

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
        let mut p = Map::new();
        self.each_field(state, |k, v| {
            p.insert(k.to_owned(), v.to_value());
        });
        p
    }

    /// Brings `shown` to the fields [`Self::payload`] gives for `state`,
    /// replacing only the values that differ; false when nothing did. A
    /// call publishes its fields for its handle after every event it reads,
    /// and between two of them usually nothing, or only the status, changed
    /// (issue 12: building them whole was ~120 allocations per dial flow).
    pub(crate) fn refresh(&self, shown: &mut Map<String, Value>, state: &CallerState) -> bool {
        let mut changed = false;
        let mut count = 0;
        self.each_field(state, |k, v| {
            count += 1;
            match shown.get_mut(k) {
                Some(s) if v.is(s) => {}
                Some(s) => {
                    *s = v.to_value();
                    changed = true;
                }
                None => {
                    shown.insert(k.to_owned(), v.to_value());
                    changed = true;
                }
            }
        });
        if count != shown.len() {
            // A field no payload has now (customerData cleared): start over.
            *shown = self.payload(state);
            changed = true;
        }
        changed
    }

    /// Every field of a payload, in order: the one list both
    /// [`Self::payload`] and [`Self::refresh`] read.
    fn each_field<'a>(&'a self, state: &CallerState, mut put: impl FnMut(&'static str, Field<'a>)) {
        let (status, sip_status) = CallStatus::of(state);
        let c = &self.channel;
        put("call_sid", Field::Text(Some(&c.uuid)));
        put("direction", Field::Text(Some(&c.direction)));
        put("from", Field::Text(Some(&c.from)));
        put("to", Field::Text(Some(&c.to)));
        put("caller_name", Field::Text(Some(&c.caller_name)));
        put("call_id", Field::Text(c.sip_call_id.as_deref()));
        put("sip_status", Field::Code(sip_status));
        put("call_status", Field::Text(Some(status.as_str())));
        put("originating_sip_ip", Field::Text(c.source_ip.as_deref()));
        if let Some(a) = &self.account_sid {
            put("account_sid", Field::Text(Some(a)));
        }
        if let Some(a) = &self.application_sid {
            put("application_sid", Field::Text(Some(a)));
        }
        if let Some(d) = &self.customer_data {
            put("customerData", Field::Object(d));
        }
    }
}

/// One payload field's value, borrowed from the call.
enum Field<'a> {
    /// A string, or null.
    Text(Option<&'a str>),
    /// A SIP status code.
    Code(u16),
    /// The application's `customerData`.
    Object(&'a Map<String, Value>),
}

impl Field<'_> {
    fn to_value(&self) -> Value {
        match self {
            Field::Text(t) => t.map_or(Value::Null, |t| Value::String(t.to_owned())),
            Field::Code(c) => Value::from(*c),
            Field::Object(o) => Value::Object((*o).clone()),
        }
    }

    fn is(&self, shown: &Value) -> bool {
        match (self, shown) {
            (Field::Text(None), Value::Null) => true,
            (Field::Text(Some(t)), Value::String(s)) => t == s,
            (Field::Code(c), Value::Number(n)) => n.as_u64() == Some(u64::from(*c)),
            (Field::Object(o), Value::Object(s)) => *o == s,
            _ => false,
        }
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

    fn info() -> CallInfo {
        CallInfo {
            channel: ChannelData {
                uuid: "a-uuid".into(),
                direction: "inbound".into(),
                from: "+15551230000".into(),
                to: "1000".into(),
                sip_call_id: Some("c@h".into()),
                ..ChannelData::default()
            },
            account_sid: Some("acct".into()),
            application_sid: None,
            customer_data: None,
        }
    }

    /// Refreshing the published fields changes exactly what differs from a
    /// payload built anew: nothing when nothing changed, the status and SIP
    /// code when they did, customerData added, changed or cleared.
    #[test]
    fn refreshing_the_shown_fields_gives_the_payload() {
        let mut info = info();
        let trying = CallerState::default();
        let mut shown = Map::new();
        assert!(info.refresh(&mut shown, &trying), "nothing shown yet");
        assert_eq!(shown, info.payload(&trying));
        assert_eq!(shown["call_status"], "trying");
        assert_eq!(shown["sip_status"], 100);
        assert_eq!(shown["call_id"], "c@h");
        assert_eq!(shown["originating_sip_ip"], Value::Null);
        assert!(!info.refresh(&mut shown, &trying), "nothing changed");

        let ringing = CallerState {
            ringing: Some(SystemTime::now()),
            ..CallerState::default()
        };
        assert!(info.refresh(&mut shown, &ringing));
        assert_eq!(shown, info.payload(&ringing));
        assert_eq!(shown["sip_status"], 180);
        let busy = ended(false, "USER_BUSY", Some(486));
        let no_answer = ended(false, "USER_BUSY", Some(480));
        assert!(info.refresh(&mut shown, &busy));
        assert!(
            info.refresh(&mut shown, &no_answer),
            "only the SIP code changed"
        );
        assert_eq!(shown, info.payload(&no_answer));

        let mut data = Map::new();
        data.insert("k".into(), Value::from(1));
        info.customer_data = Some(data.clone());
        assert!(info.refresh(&mut shown, &no_answer), "customerData added");
        assert_eq!(shown["customerData"]["k"], 1);
        data.insert("k".into(), Value::from(2));
        info.customer_data = Some(data);
        assert!(info.refresh(&mut shown, &no_answer), "customerData changed");
        assert_eq!(shown, info.payload(&no_answer));
        info.customer_data = None;
        assert!(info.refresh(&mut shown, &no_answer), "customerData cleared");
        assert_eq!(shown, info.payload(&no_answer));
        assert!(!shown.contains_key("customerData"));
    }
}
