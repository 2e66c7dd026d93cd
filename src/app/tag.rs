//! `tag`: attach application data (`customerData`) to later hook payloads.
//!
//! `customerData` (the `tag` verb's `data`, a dial's `tag`) is capped at
//! [`MAX_CUSTOMER_DATA_BYTES`] serialized: it is copied into every later
//! payload of the call (status, action, DTMF, AMD posts), so a reply must
//! not be able to make each of them megabytes. Keep ids and references
//! there, not documents.

use serde::Serialize;
use serde_json::{Map, Value};

/// Largest `customerData`, as compact JSON (8 KiB).
pub(crate) const MAX_CUSTOMER_DATA_BYTES: usize = 8 * 1024;

/// Checks the size of `customerData`.
pub(crate) fn check_size(data: &Value) -> Result<(), String> {
    let n = serde_json::to_string(data).map_or(usize::MAX, |s| s.len());
    if n > MAX_CUSTOMER_DATA_BYTES {
        return Err(format!(
            "is {n} bytes as JSON; customerData is capped at {MAX_CUSTOMER_DATA_BYTES} bytes \
             (it is copied into every later hook): keep ids and references there, not documents"
        ));
    }
    Ok(())
}

/// A validated `tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Sent as `customerData` in every later hook of the call.
    pub(crate) data: Map<String, Value>,
}
