//! `tag`: attach application data (`customerData`) to later hook payloads.

use serde::Serialize;
use serde_json::{Map, Value};

use super::read::{Fields, kind};

/// A validated `tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Sent as `customerData` in every later hook of the call.
    pub data: Map<String, Value>,
}

/// Reads `tag`'s properties.
pub fn read_tag(f: &mut Fields<'_, '_>) -> Option<Tag> {
    let Some(v) = f.value("data") else {
        let at = f.at().clone();
        f.problems()
            .add(&at, "`data` is required: an object to attach to the call");
        return None;
    };
    match v.as_object() {
        Some(data) => Some(Tag { data: data.clone() }),
        None => {
            f.problem("data", format!("must be an object, not {}", kind(v)));
            None
        }
    }
}
