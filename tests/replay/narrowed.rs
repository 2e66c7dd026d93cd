//! Captures recorded with `event json ALL` (11a-24b), replayed narrowed to
//! the events the fake models for a daemon: the recorder's `event json ALL`
//! becomes `event json <NARROWED> CUSTOM <NARROWED_CUSTOM>`, and the
//! capture's other events (CHANNEL_STATE, CHANNEL_CALLSTATE, CODEC,
//! CALL_UPDATE, PRIVATE_COMMAND, CHANNEL_OUTGOING, CHANNEL_DESTROY ...) are
//! dropped from it before it is played and compared. What is compared of
//! the rest is unchanged (replay/view.rs), the `sip_h_*` variables
//! included. The call state those dropped events carry shows in every
//! compared event's `Channel-Call-State` (RING_WAIT, HELD, UNHELD).

use crate::fake_freeswitch::trace::{Block, Dir, Trace, parse_message};

/// The events kept: every event dialbridge subscribes to on a call's socket
/// (`EVENTS` in the daemon's socket module), the leg's creation, originate
/// and hangup, the bgapi result an observer sees, and what the features to
/// come (REFER, recording, conferences, INFO, hold, call control) need.
pub const NARROWED: &[&str] = &[
    "BACKGROUND_JOB",
    "CHANNEL_CREATE",
    "CHANNEL_ORIGINATE",
    "CHANNEL_PARK",
    "CHANNEL_UNPARK",
    "CHANNEL_HOLD",
    "CHANNEL_UNHOLD",
    "RECORD_START",
    "RECORD_STOP",
    "MEDIA_BUG_START",
    "MEDIA_BUG_STOP",
    "PLAYBACK_START",
    "PLAYBACK_STOP",
    "RECV_INFO",
    "CHANNEL_ANSWER",
    "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE",
    "CHANNEL_EXECUTE",
    "CHANNEL_EXECUTE_COMPLETE",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "DTMF",
];

/// The CUSTOM subclasses kept.
pub const NARROWED_CUSTOM: &[&str] = &["conference::maintenance", "sofia::reinvite"];

/// Whether a capture subscribed to every event.
pub fn subscribed_to_all(t: &Trace) -> bool {
    t.blocks(Dir::Sent)
        .any(|b| b.payload.starts_with("event json ALL"))
}

/// `t` as if the recorder had subscribed to [`NARROWED`] only.
pub fn narrow(t: &Trace) -> Trace {
    let list = format!(
        "{} CUSTOM {}",
        NARROWED.join(" "),
        NARROWED_CUSTOM.join(" ")
    );
    let blocks = t
        .blocks
        .iter()
        .filter_map(|b| match b.dir {
            Dir::Sent if b.payload.starts_with("event json ALL") => Some(Block {
                payload: b
                    .payload
                    .replacen("event json ALL", &format!("event json {list}"), 1),
                ..b.clone()
            }),
            Dir::Received => {
                let p = parse_message(&b.payload);
                match (p.ev("Event-Name"), p.ev("Event-Subclass")) {
                    (Some("CUSTOM"), Some(sub)) if !NARROWED_CUSTOM.contains(&sub) => None,
                    (Some("CUSTOM"), _) => Some(b.clone()),
                    (Some(name), _) if !NARROWED.contains(&name) => None,
                    _ => Some(b.clone()),
                }
            }
            _ => Some(b.clone()),
        })
        .collect();
    Trace {
        name: t.name.clone(),
        blocks,
    }
}
