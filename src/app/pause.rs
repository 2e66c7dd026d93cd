//! `pause`: silence for a number of seconds.

use serde::Serialize;

/// A validated `pause`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// Seconds of silence.
    pub(crate) length: u32,
}
