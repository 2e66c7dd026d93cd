//! The character rules for values that end up in a FreeSWITCH dial string or
//! a SIP message: phone numbers, SIP URIs, user names, host names, SIP header
//! names and values, DTMF sequences.
//!
//! They are deliberately strict (FREESWITCH.md §9: validate to a strict set,
//! then escape): a value that fails gets a sentence saying which character is
//! the problem and why, instead of being mangled on its way to the switch.

/// Why a character that is refused somewhere is dangerous, for messages.
fn danger(c: char) -> &'static str {
    match c {
        ',' => "a comma would start another leg of the dial string",
        '|' => "a pipe would start a failover group in the dial string",
        '[' | ']' | '{' | '}' | '<' | '>' => {
            "brackets open or close a variable block in the dial string"
        }
        '^' => "a caret changes the dial string's separators",
        '\'' | '"' | '`' => "quotes change how FreeSWITCH splits the dial string",
        '$' => "a dollar sign can start a FreeSWITCH variable expansion",
        '\\' => "a backslash is an escape character in the dial string",
        c if c.is_whitespace() => "whitespace splits FreeSWITCH arguments",
        _ => "it is not allowed here",
    }
}

/// Names the first character of `s` that `allowed` refuses, with the reason.
fn first_refused(s: &str, allowed: impl Fn(char) -> bool, what: &str) -> Result<(), String> {
    match s.chars().find(|c| !allowed(*c)) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{what} contains {}, which is not allowed: {}",
            shown(c),
            danger(c)
        )),
    }
}

fn shown(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

/// A phone number: E.164 (`+` then 2 to 15 digits, no leading zero), or with
/// `relaxed` also national digits (1 to 20 digits, no `+`).
pub fn phone_number(s: &str, relaxed: bool, what: &str) -> Result<(), String> {
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
    } else if relaxed && (1..=20).contains(&s.len()) {
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

/// Characters allowed in the user part of a SIP URI or a user name:
/// RFC 3261 unreserved and user-unreserved characters minus those that mean
/// something to FreeSWITCH (`'`, `$`, `,`, `?`) plus `%` escapes.
fn user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*()&=+;/%".contains(c)
}

/// Characters of a host name, IPv4 address or `[IPv6]` literal with port.
fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.:[]".contains(c)
}

/// Characters of URI parameters (`;transport=tcp;lr`).
fn param_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*%+=;:".contains(c)
}

/// `host[:port]`: a DNS name, IPv4 address or bracketed IPv6 literal.
pub fn host_port(s: &str, what: &str) -> Result<(), String> {
    first_refused(s, host_char, what)?;
    let port = if let Some(rest) = s.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return Err(format!("{what} `{s}` opens '[' without closing it"));
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{what} `{s}` has an invalid IPv6 address"));
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err(format!("{what} `{s}` has text after the IPv6 address")),
            },
        }
    } else {
        let (host, port) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        hostname(host, what)?;
        port
    };
    match port.map(str::parse::<u16>) {
        None | Some(Ok(1..)) => Ok(()),
        Some(_) => Err(format!("{what} `{s}` has an invalid port")),
    }
}

/// A DNS host name or IPv4 address (no port).
pub fn hostname(s: &str, what: &str) -> Result<(), String> {
    first_refused(
        s,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '.',
        what,
    )?;
    let labels_ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'));
    if labels_ok {
        Ok(())
    } else {
        Err(format!("{what} `{s}` is not a valid host name"))
    }
}

/// A SIP URI a `sip` target may dial: `sip:` or `sips:`, an optional user,
/// a host with optional port, optional `;parameters`. URI headers (`?`)
/// are refused: use the target's `headers` instead.
pub fn sip_uri(s: &str, what: &str) -> Result<(), String> {
    let lower = s.to_ascii_lowercase();
    let rest = if lower.starts_with("sip:") {
        &s[4..]
    } else if lower.starts_with("sips:") {
        &s[5..]
    } else {
        return Err(format!(
            "{what} `{s}` must start with sip: or sips: (e.g. sip:1617333456@sip.trunk1.com)"
        ));
    };
    if s.contains(":_:") {
        return Err(format!(
            "{what} contains ':_:', which FreeSWITCH reads as an enterprise dial separator"
        ));
    }
    if rest.contains('?') {
        return Err(format!(
            "{what} contains '?': URI headers are not allowed, put SIP headers in `headers`"
        ));
    }
    let (user, host_and_params) = match rest.rsplit_once('@') {
        Some((user, after)) => (Some(user), after),
        None => (None, rest),
    };
    if let Some(user) = user {
        if user.is_empty() {
            return Err(format!("{what} `{s}` has an empty user before '@'"));
        }
        first_refused(user, user_char, what)?;
        check_percent_escapes(user, what)?;
    }
    let (host, params) = match host_and_params.split_once(';') {
        Some((h, p)) => (h, Some(p)),
        None => (host_and_params, None),
    };
    host_port(host, what)?;
    if let Some(params) = params {
        first_refused(params, param_char, what)?;
        check_percent_escapes(params, what)?;
    }
    Ok(())
}

/// A proxy address: `sip:host[:port][;params]` (the `sip:` may be omitted).
pub fn proxy(s: &str, what: &str) -> Result<(), String> {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sip:")
        .or_else(|| lower.strip_prefix("sips:"))
        .map_or(s, |r| &s[s.len() - r.len()..]);
    if rest.contains('@') {
        return Err(format!(
            "{what} `{s}` must be a proxy address like sip:192.168.0.1:5060, without a user"
        ));
    }
    sip_uri(&format!("sip:{rest}"), what)
}

/// A registered user: `user@domain`.
pub fn user_name(s: &str, what: &str) -> Result<(), String> {
    if s.contains(":_:") {
        return Err(format!(
            "{what} contains ':_:', which FreeSWITCH reads as an enterprise dial separator"
        ));
    }
    let Some((user, domain)) = s.rsplit_once('@') else {
        return Err(format!(
            "{what} `{s}` must include the domain, e.g. jane@sip.example.com"
        ));
    };
    if user.is_empty() {
        return Err(format!("{what} `{s}` has an empty user before '@'"));
    }
    first_refused(user, |c| user_char(c) && c != ';' && c != '/', what)?;
    check_percent_escapes(user, what)?;
    host_port(domain, what)
}

fn check_percent_escapes(s: &str, what: &str) -> Result<(), String> {
    let b = s.as_bytes();
    for (i, _) in s.match_indices('%') {
        let ok = b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
        if !ok {
            return Err(format!(
                "{what} has a '%' that is not followed by two hex digits"
            ));
        }
    }
    Ok(())
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
pub fn header_name(s: &str) -> Result<(), String> {
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
    if lower.starts_with("x-dialbridge-") {
        return Err(format!(
            "header `{s}`: X-Dialbridge-* headers are reserved for dialbridge's routing"
        ));
    }
    Ok(())
}

/// Longest header value accepted.
pub const MAX_HEADER_VALUE: usize = 4096;

/// A SIP header value: printable text (tabs allowed), at most
/// [`MAX_HEADER_VALUE`] bytes. Commas, quotes and semicolons are fine: the
/// dial-string escaping carries them intact.
pub fn header_value(name: &str, s: &str) -> Result<(), String> {
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
pub enum VarBlock {
    /// The dial-wide `{...}` block.
    Shared,
    /// A leg's `[...]` block.
    PerLeg,
}

/// A value carried in a dial-string variable block: no `:_:` (FreeSWITCH
/// splits the whole string on it whatever the escaping), balanced brackets
/// of the block's kind, no single quote in a per-leg block, not empty.
pub fn block_value(s: &str, block: VarBlock, what: &str) -> Result<(), String> {
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
pub fn display_name(s: &str, what: &str) -> Result<(), String> {
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
pub fn dtmf_sequence(s: &str, what: &str) -> Result<(), String> {
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

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
