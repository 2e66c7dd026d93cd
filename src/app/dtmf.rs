//! `dtmf`: send DTMF digits to the caller (RCML's `<Play digits>`), as
//! RFC 2833 events.

use serde::Serialize;

/// Most digits one verb sends.
pub const MAX_DIGITS: usize = 64;

/// A validated `dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dtmf {
    /// Digits `0-9 * # A-D`, with `w` for a half-second pause (as both
    /// Twilio and FreeSWITCH write it).
    pub digits: String,
}

/// Checks digits to send: 1 to [`MAX_DIGITS`] of `0-9 * # A-D w`.
pub fn check(digits: &str, what: &str) -> Result<(), String> {
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return Err(format!("{what} must be 1 to {MAX_DIGITS} DTMF digits"));
    }
    match digits
        .chars()
        .find(|c| !(c.is_ascii_digit() || "*#ABCDw".contains(*c)))
    {
        Some(c) => Err(format!(
            "{what} contains '{c}'; use 0-9, *, #, A-D and w (a half-second pause)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_pauses_and_nothing_else() {
        assert!(check("ww1234#", "digits").is_ok());
        assert!(check("*9D", "digits").is_ok());
        assert!(check("", "digits").is_err());
        assert!(check("12 3", "digits").is_err());
        assert!(check("1;2", "digits").is_err());
        assert!(check("1@500", "digits").is_err());
        assert!(check(&"1".repeat(MAX_DIGITS + 1), "digits").is_err());
    }
}
