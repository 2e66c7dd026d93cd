//! How a rule names the character it refuses and why that character is
//! dangerous on its way to FreeSWITCH. Shared by [`super::rules`] and
//! [`super::address_rules`], so neither needs the other's internals.

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
pub(super) fn first_refused(
    s: &str,
    allowed: impl Fn(char) -> bool,
    what: &str,
) -> Result<(), String> {
    match s.chars().find(|c| !allowed(*c)) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{what} contains {}, which is not allowed: {}",
            shown(c),
            danger(c)
        )),
    }
}

/// `c` as a message names it.
pub(super) fn shown(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}
