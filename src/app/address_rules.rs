//! The rules for SIP addresses that end up in a dial string: SIP URIs,
//! proxy addresses, registered user names, host names and `host[:port]`.
//! Split from [`super::rules`], which re-exports them beside the other
//! character rules; both name a refused character with [`super::refusal`].

use super::refusal::first_refused;

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
    if !s.starts_with('[') {
        // Brackets only enclose an IPv6 literal: anywhere else they are the
        // character to name, before whatever follows them.
        first_refused(s, |c| host_char(c) && c != '[' && c != ']', what)?;
    }
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

/// The user part of a SIP URI on its own (a From user): the characters
/// [`user_name`] allows before its `@`.
pub fn user_part(s: &str, what: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if s.contains(":_:") {
        return Err(format!(
            "{what} contains ':_:', which FreeSWITCH reads as an enterprise dial separator"
        ));
    }
    first_refused(
        s,
        |c| user_char(c) && c != ';' && c != '/' && c != '@',
        what,
    )?;
    check_percent_escapes(s, what)
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
