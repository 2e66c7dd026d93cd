//! Bearer-token checking for the REST API. Keys are compared in constant
//! time: both sides are hashed (SHA-256, so the length of a key leaks
//! nothing either) and the digests compared without an early exit, and
//! every configured key is compared whatever the first ones said.

use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// The configured keys, kept only as digests.
#[derive(Clone)]
pub(crate) struct Keys(Vec<[u8; 32]>);

impl Keys {
    /// The digests of `keys`.
    pub(crate) fn new(keys: &[Secret]) -> Self {
        Self(keys.iter().map(|k| digest(k.expose())).collect())
    }

    /// True when `token` is one of the keys.
    pub(crate) fn accepts(&self, token: &str) -> bool {
        let offered = digest(token);
        self.0
            .iter()
            .fold(false, |found, key| found | equal(key, &offered))
    }
}

/// The token of an `Authorization` header value: `Bearer <token>` (the
/// scheme in any case, as RFC 7235 says).
pub(crate) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Compares two digests touching every byte.
fn equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_configured_key_is_accepted() {
        let keys = Keys::new(&[
            Secret::new("first-key-0123456789"),
            Secret::new("second-key-0123456789"),
        ]);
        assert!(keys.accepts("first-key-0123456789"));
        assert!(keys.accepts("second-key-0123456789"));
        assert!(!keys.accepts("first-key-012345678"));
        assert!(!keys.accepts(""));
        assert!(!Keys::new(&[]).accepts("anything"));
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
