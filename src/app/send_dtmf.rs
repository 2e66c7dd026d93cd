//! jambonz's `dtmf` verb: send DTMF digits to the caller (RFC 2833, as
//! FreeSWITCH's `send_dtmf` does).

use serde::Serialize;

/// Default tone length, as jambonz.
pub const DEFAULT_DURATION_MS: u32 = 500;

/// A validated `dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendDtmf {
    /// Digits: 0-9, *, #, A-D, and `w`/`W` (pause of 0.5 s / 1 s).
    pub digits: String,
    /// Length of each tone in milliseconds.
    pub duration_ms: u32,
}
