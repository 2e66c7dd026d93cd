//! `pause`: silence for a number of seconds.

use serde::Serialize;

/// A validated `pause`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// Seconds of silence (a fractional length rounded up).
    pub length: u32,
    /// The exact length in milliseconds when the application gave a
    /// fraction (jambonz accepts `1.5`); None: `length` whole seconds.
    pub length_ms: Option<u32>,
}

impl Pause {
    /// The pause in milliseconds.
    pub fn millis(&self) -> u64 {
        self.length_ms
            .map_or(u64::from(self.length) * 1000, u64::from)
    }
}
