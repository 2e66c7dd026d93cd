//! Where a problem is in a JSON reply: a JSON pointer (RFC 6901), built
//! member by member and element by element as the reader descends, e.g.
//! `/0/target/2/number`.

use std::fmt;

use crate::app::problem::Location;

/// A location inside a JSON reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// The whole document.
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// The member `key` of the object here.
    pub(crate) fn key(&self, key: &str) -> Self {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{escaped}", self.0))
    }

    /// The element `index` of the array here.
    pub(crate) fn index(&self, index: usize) -> Self {
        Self(format!("{}/{index}", self.0))
    }

    /// The pointer text.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(the whole reply)")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl From<&Pointer> for Location {
    fn from(p: &Pointer) -> Self {
        Location::JsonPointer(p.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_slash_and_tilde_as_rfc6901_says() {
        let p = Pointer::root().index(0).key("headers").key("a/b~c");
        assert_eq!(p.as_str(), "/0/headers/a~1b~0c");
    }
}
