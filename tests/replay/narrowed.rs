//! Captures recorded with `event json ALL` (12a-12c), replayed narrowed to
//! the events the fake models for a daemon: the recorder's `event json ALL`
//! becomes `event json <NARROWED>`, and the capture's other events
//! (CHANNEL_STATE, CHANNEL_CALLSTATE, CODEC, CALL_UPDATE, PRIVATE_COMMAND,
//! CHANNEL_OUTGOING, CHANNEL_ORIGINATE, CHANNEL_DESTROY ...) are dropped
//! from it before it is played and compared. What is compared of the rest
//! is unchanged (replay/view.rs), the `sip_h_*` variables included.

use crate::fake_freeswitch::trace::{Block, Dir, Trace, parse_message};

/// The events kept: every event dialbridge subscribes to on a call's socket
/// (src/freeswitch/socket.rs `EVENTS`), plus the leg's creation and hangup
/// and the bgapi result an observer sees.
pub const NARROWED: &[&str] = &[
    "BACKGROUND_JOB",
    "CHANNEL_CREATE",
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

/// Whether a capture subscribed to every event.
pub fn subscribed_to_all(t: &Trace) -> bool {
    t.blocks(Dir::Sent)
        .any(|b| b.payload.starts_with("event json ALL"))
}

/// `t` as if the recorder had subscribed to [`NARROWED`] only.
pub fn narrow(t: &Trace) -> Trace {
    let list = NARROWED.join(" ");
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
            Dir::Received => match parse_message(&b.payload).ev("Event-Name") {
                Some(name) if !NARROWED.contains(&name) => None,
                _ => Some(b.clone()),
            },
            _ => Some(b.clone()),
        })
        .collect();
    Trace {
        name: t.name.clone(),
        blocks,
    }
}
