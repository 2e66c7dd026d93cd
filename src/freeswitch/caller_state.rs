//! The caller's channel as its socket shows it: ringing, early media,
//! answer, bridge, and how it ended.

use std::time::SystemTime;

use freeswitch_esl_tokio::{EslEvent, EslEventType, HangupCause, HeaderLookup};

/// How the caller's channel ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallerHangup {
    /// Hangup-Cause (NORMAL_CLEARING when the event carried none).
    pub cause: HangupCause,
    /// `variable_sip_term_status`.
    pub sip_status: Option<u16>,
}

/// The A leg's state as seen on its socket, with when each change was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerState {
    /// Answered (200 sent).
    pub(crate) answered: Option<SystemTime>,
    /// Ringing was signalled (180).
    pub(crate) ringing: Option<SystemTime>,
    /// Early media was sent (183).
    pub(crate) early_media: Option<SystemTime>,
    /// Set once CHANNEL_HANGUP_COMPLETE for A arrived (or, when it never
    /// came, once FreeSWITCH confirmed the channel gone).
    pub(crate) hangup: Option<CallerHangup>,
    /// Bridged to a leg right now (CHANNEL_BRIDGE seen, no UNBRIDGE yet).
    pub bridged: bool,
}

impl CallerState {
    /// Records what `event`, an event of the caller's channel, changes.
    pub fn observe(&mut self, event: &EslEvent) {
        match event.event_type() {
            Some(EslEventType::ChannelAnswer) => {
                self.answered.get_or_insert_with(SystemTime::now);
            }
            Some(EslEventType::ChannelProgress) => {
                self.ringing.get_or_insert_with(SystemTime::now);
            }
            Some(EslEventType::ChannelProgressMedia) => {
                self.early_media.get_or_insert_with(SystemTime::now);
            }
            Some(EslEventType::ChannelBridge) => self.bridged = true,
            Some(EslEventType::ChannelUnbridge) => self.bridged = false,
            Some(EslEventType::ChannelHangupComplete) => {
                self.bridged = false;
                self.hangup = Some(CallerHangup {
                    cause: event
                        .hangup_cause()
                        .ok()
                        .flatten()
                        .unwrap_or(HangupCause::NormalClearing),
                    sip_status: event
                        .variable_str("sip_term_status")
                        .and_then(|s| s.parse().ok()),
                })
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, extra: &[(&str, &str)]) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", name);
        for (k, v) in extra {
            e.set_header(*k, *v);
        }
        e
    }

    #[test]
    fn the_bridge_is_followed_until_unbridge_or_hangup() {
        let mut s = CallerState::default();
        s.observe(&ev("CHANNEL_ANSWER", &[]));
        s.observe(&ev("CHANNEL_BRIDGE", &[]));
        assert!(s.answered.is_some() && s.bridged);
        s.observe(&ev("CHANNEL_UNBRIDGE", &[]));
        assert!(!s.bridged);
        s.observe(&ev("CHANNEL_BRIDGE", &[]));
        s.observe(&ev(
            "CHANNEL_HANGUP_COMPLETE",
            &[
                ("Hangup-Cause", "USER_BUSY"),
                ("variable_sip_term_status", "486"),
            ],
        ));
        assert!(!s.bridged);
        assert_eq!(
            s.hangup,
            Some(CallerHangup {
                cause: HangupCause::UserBusy,
                sip_status: Some(486)
            })
        );
    }
}
