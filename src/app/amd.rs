//! The `amd` property of a dial: answering-machine detection settings and
//! where its events go.

use serde::Serialize;

use super::hook::Hook;

/// Answering-machine detection on the answered target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Amd {
    /// Where AMD events go (`actionHook`, or the seeds' `hook`).
    pub(crate) action_hook: Hook,
    /// Hang the callee up as soon as a machine is detected.
    pub(crate) disconnect_on_amd: bool,
    /// Words in a greeting that mean "machine" (counted as energy bursts).
    pub(crate) threshold_word_count: Option<u32>,
    /// Timers in milliseconds; None = the `[amd]` configuration.
    pub(crate) timers: AmdTimers,
}

/// jambonz's AMD timers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmdTimers {
    /// No speech at all for this long -> `amd_no_speech_detected`.
    pub(crate) no_speech_timeout_ms: Option<u32>,
    /// No decision after this long -> `amd_decision_timeout`.
    pub(crate) decision_timeout_ms: Option<u32>,
    /// How long after answer beeps are listened for (mod_avmd is stopped
    /// then, as in jambonz).
    pub(crate) tone_timeout_ms: Option<u32>,
    /// Silence after a machine greeting that means it stopped speaking.
    pub(crate) greeting_completion_timeout_ms: Option<u32>,
}
