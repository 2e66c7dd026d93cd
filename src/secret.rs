//! A string that must never reach a log line, an error message or printed
//! configuration: ESL passwords, SIP digest passwords, webhook credentials and
//! the webhook signing key; and URLs with their password masked ([`masked`],
//! [`shown`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod urls;

pub(crate) use urls::{masked, shown};

/// What every masked secret prints as.
pub const MASK: &str = "********";

/// A secret value. `Debug`, `Display` and `Serialize` all print [`MASK`], so a
/// secret inside any struct stays hidden whichever way the struct is printed;
/// the real value is only reachable through [`Secret::expose`], which is
/// called where the value is handed to FreeSWITCH or an HTTP client.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The real value, for the one place that must send it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// True when no secret was configured.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { MASK })
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "" } else { MASK })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { MASK })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printing_path_masks_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{MASK}\""));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn an_empty_secret_prints_as_empty_so_operators_see_it_is_unset() {
        let s = Secret::default();
        assert_eq!(format!("{s}"), "");
        assert!(s.is_empty());
    }
}
