//! Reading jambonz's `sip:request` verb. FreeSWITCH was measured sending an
//! in-dialog INFO (any `Content-Type`) and MESSAGE (`text/plain`) through its
//! API (docs/freeswitch.md §21); those commands carry one line and no other
//! header, which is what is checked here.

use serde_json::{Map, Value};

use super::fields::{Fields, kind};
use super::headers::read_headers;
use super::hook::read_hook;
use crate::app::headers::{HeaderScope, Headers};
use crate::app::sip_request::{InDialogMethod, SipRequest};

/// Reads `sip:request`'s properties.
pub(crate) fn read_sip_request(f: &mut Fields<'_, '_>) -> Option<SipRequest> {
    let before = f.problems().len();
    let method = match f.required_str("method", "INFO or MESSAGE") {
        Some(m) if m.eq_ignore_ascii_case("INFO") => Some(InDialogMethod::Info),
        Some(m) if m.eq_ignore_ascii_case("MESSAGE") => Some(InDialogMethod::Message),
        Some(m) if m.eq_ignore_ascii_case("NOTIFY") => {
            f.problem(
                "method",
                "NOTIFY inside the dialog is not supported by dialbridge yet (FreeSWITCH's way \
                 of sending one has not been measured); INFO and MESSAGE are",
            );
            None
        }
        Some(m) => {
            f.problem(
                "method",
                format!(
                    "`{m}` cannot be sent inside the dialog by dialbridge; use INFO or MESSAGE"
                ),
            );
            None
        }
        None => None,
    };
    let body = f.str("body").map(str::to_owned);
    let (content_type, headers) = match f.value("headers") {
        Some(v) => read_request_headers(f, v),
        None => (None, Headers::default()),
    };
    if !headers.is_empty() {
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
    match body.as_deref() {
        Some("") => f.problem(
            "body",
            "is empty: uuid_send_info and uuid_send_message need a body",
        ),
        None if !f.has("body") => {
            let at = f.at().clone();
            f.problems().add(
                &at,
                "`body` is required: FreeSWITCH's uuid_send_info and uuid_send_message send a body",
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
        action_hook,
    })
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
