//! A first look at a header's name, before it is compared with the names a
//! call keeps ([`super::event_headers`]).
//!
//! A call's event has 100–300 headers and keeps about ten, and the ESL
//! library asks about every one of them: nearly every name must be refused
//! without being compared with any listed one. [`FirstLook`] refuses a name
//! by its length and last byte (ASCII case folded, so it serves names
//! compared in any case): on the events of a real dial (trace 02a), 8.4% of
//! the names not listed pass it and are compared with the listed names of
//! their length.

/// For each name length below 64, one bit per listed name of that length:
/// bit [`mark`] of the name is set. A name passes when its own bit is set
/// for its length (every listed name does; another name only when its bit
/// collides with a listed name's).
pub struct FirstLook([u64; 64]);

impl FirstLook {
    /// The look of `names` (each 1 to 63 bytes; checked when the constant
    /// is built).
    pub const fn new(names: &[&str]) -> Self {
        let mut look = [0u64; 64];
        let mut i = 0;
        while i < names.len() {
            let name = names[i].as_bytes();
            assert!(
                !name.is_empty() && name.len() < 64,
                "a listed name is 1 to 63 bytes"
            );
            look[name.len()] |= mark(name);
            i += 1;
        }
        FirstLook(look)
    }

    /// Whether a listed name could be `name`: false means it is none of them.
    pub fn may_be(&self, name: &str) -> bool {
        let b = name.as_bytes();
        match self.0.get(b.len()) {
            Some(marks) if !b.is_empty() => marks & mark(b) != 0,
            _ => false,
        }
    }
}

/// The bit of a name (not empty): its last byte, ASCII case folded. A hash
/// of the first, middle and last bytes let fewer names through (0.6% of
/// those not listed on the events of trace 02a, against 8.4%) but cost more
/// instructions than the comparisons it saved (callgrind, issue 12).
const fn mark(name: &[u8]) -> u64 {
    1 << ((name[name.len() - 1] | 0x20) & 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["event-name", "unique-id", "x"];
    const LOOK: FirstLook = FirstLook::new(NAMES);

    #[test]
    fn a_listed_name_passes_in_any_case() {
        for n in NAMES {
            assert!(LOOK.may_be(n), "{n}");
            assert!(LOOK.may_be(&n.to_ascii_uppercase()), "{n}");
        }
        assert!(LOOK.may_be("Event-Name"));
    }

    #[test]
    fn a_name_of_no_listed_length_is_refused() {
        for len in [0, 2, 8, 11, 63, 64, 200] {
            assert!(!LOOK.may_be(&"e".repeat(len)), "{len} bytes");
        }
    }

    /// The names of the events of a real dial (the capture of trace 02a): of
    /// those not listed, few pass a look for three names.
    #[test]
    fn nearly_every_name_of_a_real_event_is_refused() {
        let trace = include_str!("../../tests/fixtures/traces/02a-simring-busy-ring-answer.esl");
        let names: std::collections::BTreeSet<&str> = trace
            .split(['"', '\n'])
            .filter_map(|s| {
                s.strip_suffix(':')
                    .or_else(|| s.split_once(": ").map(|p| p.0))
            })
            .filter(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            })
            .collect();
        assert!(
            names.len() > 200,
            "{} names read from the trace",
            names.len()
        );
        let look = FirstLook::new(&["Unique-ID", "Event-Name", "variable_sip_term_status"]);
        let passed: Vec<&&str> = names
            .iter()
            .filter(|n| look.may_be(n))
            .filter(|n| {
                !["unique-id", "event-name", "variable_sip_term_status"]
                    .contains(&n.to_ascii_lowercase().as_str())
            })
            .collect();
        assert!(
            passed.len() * 50 < names.len(),
            "{} of {} names pass: {passed:?}",
            passed.len(),
            names.len()
        );
    }
}
