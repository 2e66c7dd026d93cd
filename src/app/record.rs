//! RCML's `<Record>`: record the caller (after an optional beep) until a
//! finish key, a silence timeout, the length limit or a hang-up, then post
//! `RecordingUrl`, `RecordingDuration`, `Digits` to `action`. Needs
//! `[recordings]`.

use serde::Serialize;

use super::hook::Hook;

/// Longest `maxLength` accepted: four hours (RCML's call time limit).
pub(crate) const MAX_LENGTH_SECS: u32 = 14_400;

/// `maxLength` when none is given (TwiML's: one hour).
pub(crate) const DEFAULT_MAX_LENGTH_SECS: u32 = 3600;

/// A validated `<Record>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Where the recording is posted; its reply replaces the document.
    pub(crate) action_hook: Hook,
    /// Seconds of silence that end the recording; 0: silence never does.
    pub(crate) timeout: u32,
    /// Keys that end the recording (not recorded); empty: none.
    pub(crate) finish_on_key: String,
    /// Longest recording, in seconds.
    pub(crate) max_length: u32,
    /// A beep before recording.
    pub(crate) play_beep: bool,
}
