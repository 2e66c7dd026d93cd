//! The character rules for values that end up in a FreeSWITCH dial string or
//! a SIP message: phone numbers, SIP URIs, user names, host names, SIP header
//! names and values, DTMF sequences.
//!
//! They are deliberately strict (docs/freeswitch.md §9: validate to a strict set,
//! then escape): a value that fails gets a sentence saying which character is
//! the problem and why, instead of being mangled on its way to the switch.

/// The SIP address rules live in their own file; callers check every
/// value against `rules::`.
pub use super::address_rules::{host_port, hostname, proxy, sip_uri, user_name, user_part};

use super::refusal::{first_refused, shown};

/// A phone number: E.164 (`+` then 2 to 15 digits, no leading zero), or with
/// `relaxed` also national digits (1 to 20 digits, no `+`). Digits only in
/// both: a carrier routes on the digits of the Request-URI, and letters or
/// formatting (`508-308-4809`, `(508)`) would reach it verbatim and be
/// refused there, or worse, routed on a prefix.
pub(crate) fn phone_number(s: &str, relaxed: bool, what: &str) -> Result<(), String> {
    if s.contains(":_:") {
        return Err(format!(
            "{what} contains ':_:', which FreeSWITCH reads as an enterprise dial separator"
        ));
    }
    // Characters that could break out of the dial string get their reason;
    // anything else gets the format explanation below.
    first_refused(
        s,
        |c| c.is_ascii_alphanumeric() || "+-.()/#*".contains(c),
        what,
    )?;
    if let Some(digits) = s.strip_prefix('+') {
        let ok = (2..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.chars().all(|c| c.is_ascii_digit());
        if ok {
            return Ok(());
        }
    } else if relaxed && (1..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    Err(if relaxed {
        format!(
            "{what} `{s}` is not a phone number: use E.164 (+ then country code and number, \
             e.g. +15083084809) or national digits only"
        )
    } else {
        format!(
            "{what} `{s}` is not an E.164 number: use + then the country code and number, \
             e.g. +15083084809 (set [app] relaxed_numbers = true to allow national digits)"
        )
    })
}

/// Headers dialbridge or FreeSWITCH own: an application may not set them.
const RESERVED_HEADERS: &[&str] = &[
    "via",
    "v",
    "from",
    "f",
    "to",
    "t",
    "call-id",
    "i",
    "cseq",
    "contact",
    "m",
    "max-forwards",
    "content-length",
    "l",
    "content-type",
    "c",
    "route",
    "record-route",
    "authorization",
    "proxy-authorization",
];

/// A SIP header name an application may set: a SIP token (RFC 3261) without
/// quote characters, not one the SIP stack owns, not `X-Dialbridge-*`.
pub(crate) fn header_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a header name may not be empty".to_owned());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-.!%*_+~".contains(*c)))
    {
        return Err(format!(
            "header name `{s}` contains {}; a SIP header name is letters, digits and - . ! % * _ + ~",
            shown(c)
        ));
    }
    let lower = s.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) {
        return Err(format!(
            "header `{s}` is managed by the SIP stack and cannot be set by an application"
        ));
    }
    if lower.starts_with(&super::headers::RESERVED_PREFIX.to_ascii_lowercase()) {
        return Err(format!(
            "header `{s}`: names starting with `{}` (any letter case) are reserved for the \
             routing headers dialbridge itself puts on legs for Kamailio; choose another name",
            super::headers::RESERVED_PREFIX
        ));
    }
    Ok(())
}

/// Longest header value accepted.
pub(crate) const MAX_HEADER_VALUE: usize = 4096;

/// A SIP header value: printable text (tabs allowed), at most
/// [`MAX_HEADER_VALUE`] bytes. Commas, quotes and semicolons are fine: the
/// dial-string escaping carries them intact.
pub(crate) fn header_value(name: &str, s: &str) -> Result<(), String> {
    if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(format!(
            "header `{name}` value contains {}; header values must be printable text",
            shown(c)
        ));
    }
    if s.len() > MAX_HEADER_VALUE {
        return Err(format!(
            "header `{name}` value is {} bytes; the limit is {MAX_HEADER_VALUE}",
            s.len()
        ));
    }
    if s.trim().is_empty() {
        return Err(format!(
            "header `{name}` value is empty; FreeSWITCH would drop it silently"
        ));
    }
    Ok(())
}

/// Which variable block of the dial string a value is carried in.
/// FreeSWITCH finds a block's end by counting its brackets, so a value must
/// balance them; and it pairs single quotes before parsing a per-leg `[...]`
/// block, so no escaping can carry a `'` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarBlock {
    /// The dial-wide `{...}` block.
    Shared,
    /// A leg's `[...]` block.
    PerLeg,
}

/// A value carried in a dial-string variable block: no `:_:` (FreeSWITCH
/// splits the whole string on it whatever the escaping), balanced brackets
/// of the block's kind, no single quote in a per-leg block, not empty.
pub(crate) fn block_value(s: &str, block: VarBlock, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!(
            "{what} is empty; FreeSWITCH would drop it silently"
        ));
    }
    if s.contains(":_:") {
        return Err(format!(
            "{what} contains ':_:', which FreeSWITCH reads as an enterprise dial separator \
             whatever the escaping; remove it"
        ));
    }
    let (open, close) = match block {
        VarBlock::Shared => ('{', '}'),
        VarBlock::PerLeg => ('[', ']'),
    };
    let mut depth = 0i32;
    for c in s.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth < 0 {
                break;
            }
        }
    }
    if depth != 0 {
        return Err(format!(
            "{what} has an unbalanced '{open}' or '{close}'; FreeSWITCH counts them to find the \
             end of the variable block, so balance them or remove them"
        ));
    }
    if block == VarBlock::PerLeg && s.contains('\'') {
        return Err(format!(
            "{what} contains a single quote, which FreeSWITCH cannot carry in a per-target \
             variable"
        ));
    }
    Ok(())
}

/// A caller name (SIP display name): printable, no double quote or
/// backslash (they would break the quoted display name in From).
pub(crate) fn display_name(s: &str, what: &str) -> Result<(), String> {
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() || *c == '"' || *c == '\\')
    {
        return Err(format!(
            "{what} contains {}, which cannot appear in a SIP display name",
            shown(c)
        ));
    }
    if s.chars().count() > 128 {
        return Err(format!("{what} is longer than 128 characters"));
    }
    Ok(())
}

/// A DTMF sequence: 0-9, *, #, A-D.
pub(crate) fn dtmf_sequence(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_digit() || "*#ABCDabcd".contains(*c)))
    {
        None => Ok(()),
        Some(c) => Err(format!(
            "{what} `{s}` contains {}; DTMF digits are 0-9, *, #, A-D",
            shown(c)
        )),
    }
}

/// What in any text from an application FreeSWITCH would act on instead
/// of passing on, as a phrase for "contains …; remove it": `${` (variable
/// or API expansion), NUL, a line break unless `line_breaks` allows it (it
/// would end a protocol line), and any other ASCII control character but
/// TAB (FreeSWITCH's variable and dial-string parsers do not carry them:
/// the fuzzer found a password with U+0001 that validated and then could
/// not be put in a dial string). Both readers (jambonz JSON, RCML XML)
/// apply it to every string they read.
pub(crate) fn text_hazard(s: &str, line_breaks: bool) -> Option<String> {
    if s.contains("${") {
        return Some("`${`, which FreeSWITCH would expand as a variable or an API call".into());
    }
    let c = s.chars().find(|&c| {
        c.is_ascii_control() && c != '\t' && (!line_breaks || !matches!(c, '\r' | '\n'))
    })?;
    Some(match c {
        '\r' => "a carriage return (CR), which would end a protocol line".into(),
        '\n' => "a line feed (LF), which would end a protocol line".into(),
        '\0' => "a NUL character".into(),
        c => format!(
            "the control character U+{:04X}, which FreeSWITCH cannot carry",
            c as u32
        ),
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
