//! Reading jambonz's `sip:request` verb. FreeSWITCH was measured sending an
//! in-dialog INFO (any `Content-Type`) and MESSAGE (`text/plain`) through its
//! API (docs/freeswitch.md §21); those commands carry one line and no other
//! header, which is what is checked here. A NOTIFY goes as a `sendevent`
//! whose body is length-delimited, so its body may span lines; it needs
//! `Event` and `Content-Type` and takes no other header (mod_sofia's NOTIFY
//! event sends only those). An INFO without a body, or whose body spans
//! lines (`application/dtmf-relay`), goes as a `sendevent SEND_INFO`
//! (mod_sofia's SEND_INFO event), length-delimited too.

use serde_json::{Map, Value};

use super::fields::{Fields, kind};
use super::headers::read_headers;
use super::hook::read_hook;
use crate::app::headers::{HeaderScope, Headers};
use crate::app::sip_request::{InDialogMethod, SipRequest};

/// Reads `sip:request`'s properties.
pub(crate) fn read_sip_request(f: &mut Fields<'_, '_>) -> Option<SipRequest> {
    let before = f.problems().len();
    let method = match f.required_str("method", "INFO, MESSAGE or NOTIFY") {
        Some(m) if m.eq_ignore_ascii_case("INFO") => Some(InDialogMethod::Info),
        Some(m) if m.eq_ignore_ascii_case("MESSAGE") => Some(InDialogMethod::Message),
        Some(m) if m.eq_ignore_ascii_case("NOTIFY") => Some(InDialogMethod::Notify),
        Some(m) => {
            f.problem(
                "method",
                format!(
                    "`{m}` cannot be sent inside the dialog by dialbridge; use INFO, MESSAGE or \
                     NOTIFY"
                ),
            );
            None
        }
        None => None,
    };
    let notify = method == Some(InDialogMethod::Notify);
    let body = if notify || method == Some(InDialogMethod::Info) {
        read_long_body(f)
    } else {
        f.str("body").map(str::to_owned)
    };
    let (content_type, mut headers) = match f.value("headers") {
        Some(v) => read_request_headers(f, v),
        None => (None, Headers::default()),
    };
    let event = if notify {
        let event = headers.take("Event");
        match &event {
            None => f.problem(
                "headers",
                "a NOTIFY needs an `Event` header (the event package, e.g. `talk`)",
            ),
            Some(e) if !is_event_token(e) => f.problem(
                "headers",
                format!("Event `{e}` must be an event package name (letters, digits, - . _ !)"),
            ),
            Some(_) => {}
        }
        if content_type.is_none() {
            f.problem("headers", "a NOTIFY needs a `Content-Type` header");
        }
        event
    } else {
        None
    };
    if notify && !headers.is_empty() {
        f.problem(
            "headers",
            "mod_sofia's NOTIFY sends no header of the application's besides Event and \
             Content-Type (Subscription-State is `terminated;reason=noresource`); remove the \
             others",
        );
    } else if !headers.is_empty() {
        f.problem(
            "headers",
            "FreeSWITCH's uuid_send_info and uuid_send_message send no header of the \
             application's besides Content-Type; remove the others",
        );
    }
    if let Some(ct) = &content_type {
        let valid = ct.split_once('/').is_some_and(|(t, s)| {
            let token = |x: &str| {
                !x.is_empty()
                    && x.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
            };
            token(t) && token(s)
        });
        if !valid {
            f.problem(
                "headers",
                format!("Content-Type `{ct}` must be type/subtype (no parameters)"),
            );
        } else if method == Some(InDialogMethod::Message) && !ct.eq_ignore_ascii_case("text/plain")
        {
            f.problem(
                "headers",
                "FreeSWITCH sends MESSAGE as text/plain only (docs/freeswitch.md §21)",
            );
        }
    }
    let info = method == Some(InDialogMethod::Info);
    match body.as_deref() {
        _ if info => {}
        Some("") => f.problem(
            "body",
            "is empty: uuid_send_message and mod_sofia's NOTIFY need a body",
        ),
        None if !f.has("body") => {
            let at = f.at().clone();
            f.problems().add(
                &at,
                "`body` is required: FreeSWITCH's uuid_send_message and mod_sofia's NOTIFY send \
                 a body",
            );
        }
        _ => {}
    }
    let action_hook = match f.value("actionHook") {
        Some(v) => {
            let at = f.at_key("actionHook");
            read_hook(v, &at, f.problems())
        }
        None => None,
    };
    (f.problems().len() == before).then_some(SipRequest {
        method: method?,
        body,
        content_type,
        headers,
        event,
        action_hook,
    })
}

/// The largest NOTIFY or INFO body sent (a SIP message must fit a UDP
/// datagram comfortably).
const MAX_BODY: usize = 8 * 1024;

/// A NOTIFY's or INFO's body: one that spans lines travels length-delimited
/// in a `sendevent`, so line breaks are kept; NUL is not.
fn read_long_body(f: &mut Fields<'_, '_>) -> Option<String> {
    let v = f.value("body")?;
    let Some(s) = v.as_str() else {
        f.problem("body", format!("must be a string, not {}", kind(v)));
        return None;
    };
    if s.contains('\0') {
        f.problem("body", "contains a NUL character; remove it");
        return None;
    }
    if s.len() > MAX_BODY {
        f.problem(
            "body",
            format!("is {} bytes; a body may be at most {MAX_BODY}", s.len()),
        );
        return None;
    }
    Some(s.to_owned())
}

/// An event package name (RFC 6665 `token`, as packages are named).
fn is_event_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._!%*+`'~".contains(c))
}

/// `Content-Type` (any letter case) apart from the other headers.
fn read_request_headers(f: &mut Fields<'_, '_>, v: &Value) -> (Option<String>, Headers) {
    let Some(object) = v.as_object() else {
        f.problem(
            "headers",
            format!(
                "must be an object of header names to values, not {}",
                kind(v)
            ),
        );
        return (None, Headers::default());
    };
    let mut rest = Map::new();
    let mut content_type = None;
    for (name, value) in object {
        if name.eq_ignore_ascii_case("Content-Type") {
            match value.as_str() {
                Some(s) => {
                    let at = f.at_key("headers").key(name);
                    if super::fields::check_text(s, &at, f.problems()) {
                        content_type = Some(s.trim().to_owned());
                    }
                }
                None => f.problem("headers", "Content-Type must be a string"),
            }
        } else {
            rest.insert(name.clone(), value.clone());
        }
    }
    let at = f.at_key("headers");
    let headers = read_headers(&Value::Object(rest), &at, HeaderScope::Shared, f.problems());
    (content_type, headers)
}
