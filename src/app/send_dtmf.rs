//! jambonz's `dtmf` verb: send DTMF digits to the caller (RFC 2833, as
//! FreeSWITCH's `send_dtmf` does).

use serde::Serialize;

/// Most digits one verb sends.
pub(crate) const MAX_DIGITS: usize = 64;

/// Default tone length, as jambonz.
pub(crate) const DEFAULT_DURATION_MS: u32 = 500;

/// A validated `dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendDtmf {
    /// Digits: 0-9, *, #, A-D, and `w`/`W` (pause of 0.5 s / 1 s).
    pub(crate) digits: String,
    /// Length of each tone in milliseconds.
    pub(crate) duration_ms: u32,
}

/// Checks digits to send (RCML's `<Play digits>`): 1 to [`MAX_DIGITS`] of
/// `0-9 * # A-D`, with `w` (0.5 s) and `W` (1 s) pauses, as both Twilio and
/// FreeSWITCH write them.
pub(crate) fn check(digits: &str, what: &str) -> Result<(), String> {
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return Err(format!("{what} must be 1 to {MAX_DIGITS} DTMF digits"));
    }
    match digits
        .chars()
        .find(|c| !(c.is_ascii_digit() || "*#ABCDabcdwW".contains(*c)))
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
