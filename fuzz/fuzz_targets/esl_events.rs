//! The ESL event → call state path: a run of events as FreeSWITCH sends
//! them with `event json` (one JSON object per line, read into an
//! `EslEvent` the way freeswitch-esl-tokio does), fed to the caller's
//! state, a two-leg dial's leg tracker, the completion matcher and the
//! dial's outcome. Seeds are the captures' real events, mutated.
#![no_main]

use std::time::Instant;

use dialbridge::call::dial::legs::Legs;
use dialbridge::freeswitch::dialstring::PlannedLeg;
use dialbridge::freeswitch::outcome::{DialEnd, decide};
use dialbridge::freeswitch::socket::{CallerState, completion_of};
use freeswitch_esl_tokio::EslEvent;
use libfuzzer_sys::fuzz_target;

const A: &str = "a0000000-0000-4000-8000-000000000001";
const L1: &str = "b0000000-0000-4000-8000-000000000001";
const L2: &str = "b0000000-0000-4000-8000-000000000002";

/// An event the way freeswitch-esl-tokio reads a JSON one.
fn event(line: &str) -> Option<EslEvent> {
    let serde_json::Value::Object(map) = serde_json::from_str(line).ok()? else {
        return None;
    };
    let mut e = EslEvent::new();
    for (k, v) in map {
        let v = match v {
            serde_json::Value::String(s) => s,
            v => v.to_string(),
        };
        if k == "_body" {
            e.set_body(v);
        } else {
            e.set_header(k, v);
        }
    }
    Some(e)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let planned = [L1, L2]
        .iter()
        .enumerate()
        .map(|(i, u)| PlannedLeg {
            target: i,
            uuid: (*u).to_owned(),
            endpoint: format!("sofia/gateway/carrier/+1555000000{i}"),
            screened: i == 1,
        })
        .collect::<Vec<_>>();
    let mut legs = Legs::new(&planned);
    let mut caller = CallerState::default();
    let now = Instant::now();
    for e in text.lines().filter_map(event) {
        caller.observe(&e);
        let _ = legs.observe(&e, A, now);
        let _ = completion_of(&e, "bridge-1");
        if let Some(v) = e.header_str("variable_originate_causes") {
            legs.fill_from_originate_causes(v);
        }
    }
    let _ = legs.snapshot();
    let _ = decide(&legs.reports(now), DialEnd::Normal);
});
