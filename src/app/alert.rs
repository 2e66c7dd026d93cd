//! jambonz's `alert` verb: a 180 Ringing with an `Alert-Info` header, sent
//! to an unanswered caller (distinctive ringing on the caller's phone).

use serde::Serialize;

/// A validated `alert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The `Alert-Info` value, e.g. `info=alert-internal`.
    pub(crate) message: String,
}
