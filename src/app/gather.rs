//! `gather` (digits only): collect DTMF, optionally while a prompt plays,
//! and post `{digits, reason}` to `actionHook`. Without `actionHook` the
//! digits are dropped and the next verb runs, as jambonz does (its
//! `performAction` does nothing when a task has no hook).

use serde::Serialize;

use super::hook::Hook;
use super::play::Play;
use super::say::Say;

/// The prompt played while collecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Prompt {
    /// Nested `play`.
    Play(Play),
    /// Nested `say`.
    Say(Say),
}

/// A validated `gather`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gather {
    /// Where `{digits, reason}` is posted; `None`: the digits are dropped
    /// and the next verb runs (jambonz's gather without `actionHook`).
    pub(crate) action_hook: Option<Hook>,
    /// Fewest digits accepted.
    pub(crate) min_digits: u32,
    /// Most digits collected.
    pub(crate) max_digits: u32,
    /// Key that ends input early (not included in the digits).
    pub(crate) finish_on_key: Option<char>,
    /// Seconds to wait for the first digit after the prompt.
    pub(crate) timeout: u32,
    /// Seconds allowed between digits.
    pub(crate) inter_digit_timeout: u32,
    /// Optional prompt.
    pub(crate) prompt: Option<Prompt>,
}
