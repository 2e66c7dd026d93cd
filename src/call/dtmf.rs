//! `dtmfCapture` on a live dial: the caller's and the callee's DTMF events
//! go through each leg's matcher ([`crate::dtmf`]); a match is posted to
//! `dtmfHook` (fire-and-forget: the reply is ignored and a failing hook
//! never affects the call). FreeSWITCH regenerates every digit toward the
//! other party, so the digits keep flowing (docs/freeswitch.md §6).

use std::time::{Duration, Instant};

use freeswitch_esl_tokio::{EslEvent, EslEventType};

use crate::app::{Dial, Hook};
use crate::dtmf::{DtmfMatcher, leg_matchers};

/// A matched sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Match {
    /// The pattern that matched.
    pub dtmf: String,
    /// `parent` (the caller) or `child` (the callee).
    pub(crate) leg: &'static str,
    /// The UUID of the leg it was pressed on.
    pub call_sid: String,
}

/// The capture of one dial.
pub(crate) struct Capture {
    parent: Option<DtmfMatcher>,
    child: Option<DtmfMatcher>,
    /// Where matches go.
    pub(crate) hook: Hook,
}

impl Capture {
    /// The capture `dial` asks for, if any (`dtmfCapture` with a `dtmfHook`).
    pub(crate) fn new(dial: &Dial, gap: Duration) -> Option<Capture> {
        let capture = dial.dtmf_capture.as_ref()?;
        let hook = dial.dtmf_hook.clone()?;
        let legs = leg_matchers(capture, gap);
        Some(Capture {
            parent: legs.parent,
            child: legs.child,
            hook,
        })
    }

    /// Reads one event: a DTMF on the caller (`a_uuid`) or on the bridged
    /// callee (`child`); returns the match it completes, if any.
    pub(crate) fn observe(
        &mut self,
        event: &EslEvent,
        a_uuid: &str,
        child: Option<&str>,
        at: Instant,
    ) -> Option<Match> {
        if event.event_type() != Some(EslEventType::Dtmf) {
            return None;
        }
        let uuid = event.header_str("Unique-ID")?;
        let digit = event.header_str("DTMF-Digit")?.chars().next()?;
        let (matcher, leg) = if uuid == a_uuid {
            (self.parent.as_mut()?, "parent")
        } else if Some(uuid) == child {
            (self.child.as_mut()?, "child")
        } else {
            return None;
        };
        let dtmf = matcher.push(digit, at)?.to_owned();
        Some(Match {
            dtmf,
            leg,
            call_sid: uuid.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::DtmfCapture;

    fn dial(capture: DtmfCapture) -> Dial {
        let mut d: Dial = match crate::jambonz::parse_value(
            &serde_json::json!([{"verb": "dial", "target": [{"type": "sip", "sipUri": "sip:a@b.example.com"}],
                                 "dtmfHook": "/dtmf", "dtmfCapture": ["*2"]}]),
            &crate::app::Context::default(),
        )
        .map(|r| r.instructions[0].verb.clone())
        {
            Ok(crate::app::Verb::Dial(d)) => *d,
            other => panic!("{other:?}"),
        };
        d.dtmf_capture = Some(capture);
        d
    }

    fn dtmf(uuid: &str, digit: &str) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", "DTMF");
        e.set_header("Unique-ID", uuid);
        e.set_header("DTMF-Digit", digit);
        e
    }

    #[test]
    fn each_leg_matches_its_own_list() {
        let mut c = Capture::new(
            &dial(DtmfCapture::PerLeg {
                child_call: vec!["*2".into()],
                parent_call: vec!["#9".into()],
            }),
            Duration::from_secs(3),
        )
        .expect("capture");
        let t = Instant::now();
        assert_eq!(c.observe(&dtmf("B", "*"), "A", Some("B"), t), None);
        let m = c
            .observe(&dtmf("B", "2"), "A", Some("B"), t)
            .expect("child match");
        assert_eq!(
            (m.dtmf.as_str(), m.leg, m.call_sid.as_str()),
            ("*2", "child", "B")
        );
        assert_eq!(c.observe(&dtmf("A", "#"), "A", Some("B"), t), None);
        let m = c
            .observe(&dtmf("A", "9"), "A", Some("B"), t)
            .expect("parent match");
        assert_eq!((m.dtmf.as_str(), m.leg), ("#9", "parent"));
        // A leg that is not the bridged one is not watched.
        assert_eq!(c.observe(&dtmf("C", "*"), "A", Some("B"), t), None);
        assert_eq!(c.observe(&dtmf("C", "2"), "A", Some("B"), t), None);
    }
}
