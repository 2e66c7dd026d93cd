//! jambonz's `enqueue` and `dequeue`: a caller waits in a named queue held
//! by dialbridge (hearing what `waitHook` answers) until another call
//! dequeues it; the two are then connected in a mod_conference room of
//! their own (docs/freeswitch.md §19), each going on with its `actionHook`
//! when the other leaves.

use serde::Serialize;

use super::hook::Hook;

/// A validated `enqueue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enqueue {
    /// The queue (letters, digits, `-`, `_`, `.`).
    pub(crate) name: String,
    /// Asked what the caller hears while waiting (`play`, `say`, `pause`,
    /// `leave`, `tag`), again each time that has been played.
    pub(crate) wait_hook: Option<Hook>,
    /// Told how the wait ended (`queue_result`); its reply replaces the
    /// rest of the application.
    pub(crate) action_hook: Option<Hook>,
}

/// A validated `dequeue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dequeue {
    /// The queue.
    pub(crate) name: String,
    /// Seconds to wait for a caller; None waits as long as the call lasts.
    pub(crate) timeout: Option<u32>,
    /// Play a tone to this call before connecting it.
    pub(crate) beep: bool,
    /// Take this caller (its call_sid) rather than the longest waiting.
    pub(crate) call_sid: Option<String>,
    /// Told how it ended (`dequeue_result`); its reply replaces the rest.
    pub(crate) action_hook: Option<Hook>,
}

/// Checks a queue name: it becomes part of a conference room's name
/// (`dialbridge-queue-<call_sid>` holds no queue name, but the rule is the
/// same, and keeps names safe wherever they are written).
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    super::conference::check_name(name)
}
