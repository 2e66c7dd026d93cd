//! `redirect`: fetch a new application from another webhook, replacing the
//! rest of the current one.

use serde::Serialize;

use super::hook::Hook;

/// A validated `redirect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    /// Where the new application comes from.
    pub(crate) action_hook: Hook,
}
