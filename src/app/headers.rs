//! SIP headers an application adds to an outgoing INVITE or a BYE.

use serde::Serialize;

/// The prefix of the headers dialbridge puts on legs for Kamailio's routing
/// (`X-Dialbridge-Carrier`, `X-Dialbridge-Route`, ...). An application may
/// not set them, in any letter case, and no caller header reaches a leg at
/// all (call::dial), so only dialbridge's dial-string compiler writes them.
pub(crate) const RESERVED_PREFIX: &str = "X-Dialbridge-";

/// Where a set of headers is carried: the dial's own headers (and those of
/// other verbs) in the shared `{...}` block, a target's in its `[...]` block.
pub(crate) use super::rules::VarBlock as HeaderScope;

/// Header name/value pairs in the order the application gave them; names
/// are unique ignoring case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes the header `name` (any letter case); its value.
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        let i = self
            .0
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(name))?;
        Some(self.0.remove(i).1)
    }

    /// The pairs.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
