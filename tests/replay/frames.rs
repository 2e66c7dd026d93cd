//! The frame pacing of a capture's set-up, held to the fake (docs/
//! freeswitch.md §17; traces 02a, 03a, 06 and every later capture): the
//! applications a daemon queued back to back when the call connected ran
//! together one frame later (02a: `set`, `set`, `bridge` sent at +3..+4 ms,
//! executed at +26, +29, +30). The capture's first CHANNEL_EXECUTEs of the
//! call's channel that came within 10 ms of each other form that frame; the
//! fake must have started the same applications in one frame of its own,
//! the one after the frame their `sendmsg` arrived in.
//!
//! Frames are the fake's logical tick numbers (`AppRun::frame`), not
//! wall-clock readings, so this holds on a loaded machine too.

use crate::fake_freeswitch::AppRun;
use crate::fake_freeswitch::trace::{Dir, Trace, parse_message};

/// The applications of the capture's first frame on the call's channel.
fn first_frame(t: &Trace) -> Vec<String> {
    let Some(a) = crate::a_uuid(t) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut last: Option<u64> = None;
    for b in t.blocks(Dir::Received) {
        let p = parse_message(&b.payload);
        if p.ev("Event-Name") != Some("CHANNEL_EXECUTE") || p.ev("Unique-ID") != Some(a.as_str()) {
            continue;
        }
        if last.is_some_and(|l| b.ms > l + 10) {
            break;
        }
        last = Some(b.ms);
        out.push(p.ev("Application").unwrap_or_default().to_string());
    }
    out
}

/// Problems with the fake's pacing of the capture's first frame.
pub fn check(what: &str, t: &Trace, runs: &[AppRun]) -> Vec<String> {
    let want = first_frame(t);
    if want.is_empty() {
        return Vec::new();
    }
    let Some(a) = crate::a_uuid(t) else {
        return Vec::new();
    };
    let got: Vec<&AppRun> = runs
        .iter()
        .filter(|r| r.channel == a && r.queued.is_some())
        .take(want.len())
        .collect();
    let names: Vec<&str> = got.iter().map(|r| r.name.as_str()).collect();
    if names != want {
        return vec![format!(
            "{what}: first frame: capture ran {want:?}, fake started {names:?}"
        )];
    }
    let frames: Vec<u64> = got.iter().map(|r| r.frame).collect();
    let mut out = Vec::new();
    if frames.iter().any(|f| *f != frames[0]) {
        out.push(format!(
            "{what}: first frame: capture ran {want:?} in one frame, fake in frames {frames:?}"
        ));
    }
    if let Some(q) = got[0].queued_frame
        && frames[0] != q + 1
    {
        out.push(format!(
            "{what}: first frame: queued in frame {q}, started in frame {} (want the next)",
            frames[0]
        ));
    }
    out
}
