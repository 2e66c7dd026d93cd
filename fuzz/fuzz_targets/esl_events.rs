//! The ESL event → call state path: a run of events as FreeSWITCH sends
//! them with `event json` (one JSON object per line), read by the patched
//! freeswitch-esl-tokio's reader with a call socket's header filter
//! (`event_headers::kept_in`), fed to the caller's state, a two-leg dial's leg
//! tracker, the completion matcher and the dial's outcome. Each line is
//! also read without a filter and checked against the library's serde_json
//! reader: its byte scanner must read what serde_json reads (with a filter
//! it may accept a skipped value serde_json refuses, never read one
//! differently). Seeds are the captures' real events, mutated.
#![no_main]

use std::time::Instant;

use dialbridge::call::dial::legs::Legs;
use dialbridge::freeswitch::dialstring::PlannedLeg;
use dialbridge::freeswitch::outcome::{DialEnd, decide};
use dialbridge::freeswitch::socket::{CallerState, completion_of};
use dialbridge::freeswitch::event_headers::kept_in;
use freeswitch_esl_tokio::{EslEvent, decode_json_event, decode_json_event_with_serde};
use libfuzzer_sys::fuzz_target;

const A: &str = "a0000000-0000-4000-8000-000000000001";
const L1: &str = "b0000000-0000-4000-8000-000000000001";
const L2: &str = "b0000000-0000-4000-8000-000000000002";

/// An event the way a call's socket reads a JSON one, after checking the
/// reader against serde_json.
fn event(line: &str) -> Option<EslEvent> {
    let scanned = decode_json_event(line, None);
    let reference = decode_json_event_with_serde(line, None);
    assert_eq!(scanned.as_ref().ok(), reference.as_ref().ok(), "{line}");
    let filtered = decode_json_event(line, Some(kept_in));
    if let Ok(reference) = decode_json_event_with_serde(line, Some(kept_in)) {
        assert_eq!(filtered.as_ref().ok(), Some(&reference), "{line}");
    }
    filtered.ok()
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
