//! Reading jambonz's `dtmf` verb.

use super::fields::Fields;
use crate::app::send_dtmf::{DEFAULT_DURATION_MS, SendDtmf};

/// Most digits one `dtmf` sends.
const MAX_DIGITS: usize = 64;

/// Reads `dtmf`'s properties.
pub(crate) fn read_send_dtmf(f: &mut Fields<'_, '_>) -> Option<SendDtmf> {
    let digits = f.required_str("dtmf", "the digits to send, e.g. \"1234#\"");
    let duration_ms = f
        .integer("duration", 40, 5000, "milliseconds")
        .map_or(DEFAULT_DURATION_MS, |n| n as u32);
    let digits = digits?;
    if let Some(c) = digits
        .chars()
        .find(|c| !(c.is_ascii_digit() || "*#ABCDabcdwW".contains(*c)))
    {
        f.problem(
            "dtmf",
            format!(
                "contains `{c}`; DTMF digits are 0-9, *, #, A-D, with w (0.5 s) and W (1 s) pauses"
            ),
        );
        return None;
    }
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        f.problem("dtmf", format!("must hold 1 to {MAX_DIGITS} digits"));
        return None;
    }
    Some(SendDtmf {
        digits: digits.to_owned(),
        duration_ms,
    })
}
