//! The request parameters an RCML application reads, as Restcomm and
//! Twilio name them (`CallSid`, `From`, `DialCallStatus`, `Digits`, …),
//! built from the fields dialbridge's call engine gives every hook (the
//! jambonz names). Pure: the transport form-encodes the result.
//!
//! Exists so the call engine builds one payload per hook whatever the
//! dialect, and the RCML contract is written down in one table.

use serde_json::{Map, Value};

/// `ApiVersion` sent with every request (Twilio's current API version;
/// Restcomm applications do not check it).
pub(crate) const API_VERSION: &str = "2010-04-01";

/// Fields renamed one to one: (engine's name, RCML's name).
const RENAMED: &[(&str, &str)] = &[
    ("call_sid", "CallSid"),
    ("account_sid", "AccountSid"),
    ("application_sid", "ApplicationSid"),
    ("from", "From"),
    ("to", "To"),
    ("caller_name", "CallerName"),
    ("call_id", "SipCallId"),
    ("parent_call_sid", "ParentCallSid"),
    ("digits", "Digits"),
    ("conference_name", "ConferenceName"),
    ("dial_call_sid", "DialCallSid"),
    ("dial_sip_status", "DialSipResponseCode"),
    ("recording_url", "RecordingUrl"),
    ("recording_sid", "RecordingSid"),
    ("recording_duration", "RecordingDuration"),
    ("timestamp", "Timestamp"),
    // error_hook's fields.
    ("hook", "Hook"),
    ("url", "Url"),
    ("error", "Error"),
    ("problems", "Problems"),
];

/// Twilio's `CallStatus` for the engine's `call_status`: Twilio has no
/// `trying` or `early-media` (both are `ringing` to it).
pub(crate) fn call_status(s: &str) -> &str {
    match s {
        "trying" | "early-media" => "ringing",
        other => other,
    }
}

/// Twilio's `Direction`: `inbound`, `outbound-api` (a call dialbridge
/// originated), `outbound-dial` (a dialed leg, in its screening request).
pub(crate) fn direction(payload: &Map<String, Value>) -> &'static str {
    if payload.contains_key("parent_call_sid") {
        return "outbound-dial";
    }
    match payload.get("direction").and_then(Value::as_str) {
        Some("outbound") => "outbound-api",
        _ => "inbound",
    }
}

/// The parameters of a request carrying `payload`, in the order built
/// (the signature sorts them itself). Null values are left out; nested
/// values are sent as their JSON text.
pub(crate) fn params(payload: &Value) -> Vec<(String, String)> {
    let Some(p) = payload.as_object() else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (from, to) in RENAMED {
        if let Some(v) = p.get(*from).and_then(text) {
            out.push(((*to).to_owned(), v));
        }
    }
    if let Some(v) = p.get("from").and_then(text) {
        out.push(("Caller".into(), v));
    }
    if let Some(v) = p.get("to").and_then(text) {
        out.push(("Called".into(), v));
    }
    if let Some(s) = p.get("call_status").and_then(Value::as_str) {
        out.push(("CallStatus".into(), call_status(s).to_owned()));
    }
    if p.contains_key("call_sid") {
        out.push(("Direction".into(), direction(p).to_owned()));
        out.push(("ApiVersion".into(), API_VERSION.to_owned()));
    }
    let dial = p.get("dial_call_status").and_then(Value::as_str);
    if let Some(s) = dial {
        out.push(("DialCallStatus".into(), s.to_owned()));
    }
    if let Some(d) = p.get("duration").and_then(text) {
        let name = if dial.is_some() {
            "DialCallDuration"
        } else {
            "CallDuration"
        };
        out.push((name.into(), d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
        p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_dial_action_carries_twilios_names() {
        let p = params(&json!({
            "call_sid": "c1", "from": "+15550001", "to": "+15550002", "direction": "inbound",
            "call_status": "early-media", "account_sid": "AC1", "caller_name": null,
            "dial_call_status": "no-answer", "dial_status": "no-answer",
            "dial_call_sid": "leg-1", "duration": 0, "dial_sip_status": 487,
            "dial_legs": [{"target": 0}]
        }));
        assert_eq!(get(&p, "CallSid"), Some("c1"));
        assert_eq!(get(&p, "AccountSid"), Some("AC1"));
        assert_eq!(get(&p, "From"), Some("+15550001"));
        assert_eq!(get(&p, "Caller"), Some("+15550001"));
        assert_eq!(get(&p, "Called"), Some("+15550002"));
        assert_eq!(get(&p, "CallStatus"), Some("ringing"));
        assert_eq!(get(&p, "Direction"), Some("inbound"));
        assert_eq!(get(&p, "ApiVersion"), Some(API_VERSION));
        assert_eq!(get(&p, "DialCallStatus"), Some("no-answer"));
        assert_eq!(get(&p, "DialCallSid"), Some("leg-1"));
        assert_eq!(get(&p, "DialCallDuration"), Some("0"));
        assert_eq!(get(&p, "DialSipResponseCode"), Some("487"));
        assert_eq!(get(&p, "CallerName"), None);
        assert!(
            p.iter()
                .all(|(k, _)| k != "dial_legs" && k != "dial_status")
        );
    }

    #[test]
    fn directions_and_gathered_digits() {
        let p = params(&json!({"call_sid": "c", "direction": "outbound", "digits": "12#"}));
        assert_eq!(get(&p, "Direction"), Some("outbound-api"));
        assert_eq!(get(&p, "Digits"), Some("12#"));
        let p =
            params(&json!({"call_sid": "leg", "direction": "outbound", "parent_call_sid": "c"}));
        assert_eq!(get(&p, "Direction"), Some("outbound-dial"));
        assert_eq!(get(&p, "ParentCallSid"), Some("c"));
    }
}
