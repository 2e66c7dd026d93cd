//! Reading a createCall body (`POST /v1/Accounts/{sid}/Calls`). `to` is a
//! dial target and goes through the same reader and checks as a `dial`
//! verb's target (the jambonz reader, on a one-target dial built from the
//! request), so what a dial refuses createCall refuses too; problems are
//! named by the request's own JSON pointers. No I/O: tested directly.

use serde_json::{Map, Value, json};

use super::error::{ApiError, FieldProblem};
use super::update::hook;
use crate::app::dial::MAX_SECS;
use crate::app::hook::HookSpec;
use crate::app::{Context, Dial, TargetKind, Verb, rules};
use crate::call::origination::Origination;

/// The fields a createCall body may carry (the OpenAPI test holds the
/// document to this list).
pub(crate) const FIELDS: &[&str] = &[
    "from",
    "to",
    "call_hook",
    "call_status_hook",
    "timeout",
    "tag",
    "headers",
    "callerName",
    "amd",
    "timeLimit",
    "fromHost",
    "application_sid",
];

/// Ring time when `timeout` is not given, as jambonz's createCall.
pub(crate) const TIMEOUT: u64 = 60;

/// A createCall request, read.
#[derive(Debug, Clone)]
pub(crate) struct CreateCall {
    /// The one-target dial the originate is compiled from.
    pub(crate) dial: Dial,
    /// What the call's task starts with once answered.
    pub(crate) origination: Origination,
}

/// Reads `body` against the installation's `ctx`.
pub(crate) fn read(body: &Value, ctx: &Context) -> Result<CreateCall, ApiError> {
    let Some(f) = body.as_object() else {
        return Err(ApiError::field("", "the body must be a JSON object"));
    };
    let mut problems = Vec::new();
    let mut bad = |pointer: &str, message: String| {
        problems.push(FieldProblem {
            pointer: pointer.to_owned(),
            message,
        })
    };
    for k in f.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        bad(
            &format!("/{k}"),
            format!("`{k}` is not a createCall field; use {}", FIELDS.join(", ")),
        );
    }
    if f.contains_key("application_sid") {
        bad(
            "/application_sid",
            "dialbridge has no stored applications; give call_hook".into(),
        );
    }
    let from = match f.get("from") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            bad(
                "/from",
                "give the caller ID as a string, e.g. \"+15551230000\"".into(),
            );
            String::new()
        }
    };
    if !f.get("to").is_some_and(Value::is_object) {
        bad(
            "/to",
            "give a dial target object, e.g. {\"type\": \"phone\", \"number\": \"+15559870000\"}"
                .into(),
        );
    }
    let call_hook = absolute_hook(f, "call_hook", true, &mut bad);
    let call_status_hook = absolute_hook(f, "call_status_hook", false, &mut bad);
    let timeout = match f.get("timeout") {
        None => TIMEOUT,
        Some(t) => match t.as_u64() {
            Some(t) if (1..=600).contains(&t) => t,
            _ => {
                bad("/timeout", "ring seconds, 1 to 600".into());
                TIMEOUT
            }
        },
    };
    let tag = match f.get("tag") {
        None => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            bad(
                "/tag",
                "give an object; it becomes the call's customerData".into(),
            );
            None
        }
    };
    let caller_name = match f.get("callerName") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            bad("/callerName", "give a string".into());
            None
        }
    };
    let time_limit = match f.get("timeLimit") {
        None => None,
        Some(t) => match t.as_u64() {
            Some(t @ 1..=MAX_SECS) => Some(t as u32),
            _ => {
                bad("/timeLimit", format!("seconds, 1 to {MAX_SECS}"));
                None
            }
        },
    };
    let from_host = match f.get("fromHost") {
        None => None,
        Some(Value::String(h)) => match rules::hostname(h, "fromHost") {
            Ok(()) => Some(h.clone()),
            Err(e) => {
                bad("/fromHost", e);
                None
            }
        },
        Some(_) => {
            bad(
                "/fromHost",
                "give a host name, e.g. \"sip.example.com\"".into(),
            );
            None
        }
    };
    let mut dial = None;
    if f.get("to").is_some_and(Value::is_object) && !from.is_empty() {
        let mut to = f["to"].clone();
        if let Some(host) = &from_host {
            with_from_host(&mut to, host);
        }
        let mut verb = json!({"verb": "dial", "target": [to], "callerId": from,
                              "timeout": timeout});
        // `amd` is read as a dial's (same fields, same checks) and runs on
        // the created call itself once answered.
        for key in ["callerName", "headers", "amd"] {
            if let Some(v) = f.get(key) {
                verb[key] = v.clone();
            }
        }
        match crate::jambonz::parse_reply(&Value::Array(vec![verb]).to_string(), ctx) {
            Ok(reply) => match reply.instructions.into_iter().next().map(|i| i.verb) {
                Some(Verb::Dial(d)) => dial = Some(*d),
                _ => bad("/to", "the target could not be read".into()),
            },
            Err(e) => {
                for p in e.problems() {
                    bad(&request_pointer(p.pointer.as_str()), p.message);
                }
            }
        }
    }
    if let Some(d) = &dial
        && d.targets.iter().any(|(_, t)| t.confirm_hook.is_some())
    {
        bad(
            "/to/confirmHook",
            "screening is not supported on createCall: the answered callee runs call_hook".into(),
        );
    }
    let (Some(mut dial), Some(call_hook), true) = (dial, call_hook, problems.is_empty()) else {
        return Err(ApiError::invalid(problems));
    };
    let amd = dial.amd.take();
    let to = dial
        .targets
        .first()
        .map(|(_, t)| party(&t.kind))
        .unwrap_or_default();
    Ok(CreateCall {
        dial,
        origination: Origination {
            call_hook,
            call_status_hook,
            from,
            to,
            caller_name,
            tag,
            amd,
            time_limit,
        },
    })
}

/// `fromHost` as the target's `from.host` (the leg's `sip_invite_domain`,
/// the From host: README), unless the target names its own.
fn with_from_host(to: &mut Value, host: &str) {
    let Some(target) = to.as_object_mut() else {
        return;
    };
    let from = target
        .entry("from")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(from) = from.as_object_mut() {
        from.entry("host").or_insert_with(|| json!(host));
    }
}

/// Where a problem of the built dial verb is in the request.
fn request_pointer(dial: &str) -> String {
    let map = [
        ("/0/target/0", "/to"),
        ("/0/callerId", "/from"),
        ("/0/callerName", "/callerName"),
        ("/0/headers", "/headers"),
        ("/0/timeout", "/timeout"),
        ("/0/amd", "/amd"),
    ];
    for (from, to) in map {
        if let Some(rest) = dial.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    dial.strip_prefix("/0").unwrap_or(dial).to_owned()
}

/// The `to` of the call's hooks: the number, URI or user dialled.
fn party(kind: &TargetKind) -> String {
    match kind {
        TargetKind::Phone { number, .. } | TargetKind::Teams { number, .. } => number.clone(),
        TargetKind::Sip { uri, .. } => uri.clone(),
        TargetKind::User { name } => name.clone(),
    }
}

/// The absolute hook at `key` (required or not).
fn absolute_hook(
    f: &Map<String, Value>,
    key: &str,
    required: bool,
    bad: &mut impl FnMut(&str, String),
) -> Option<HookSpec> {
    let pointer = format!("/{key}");
    let Some(v) = f.get(key) else {
        if required {
            bad(
                &pointer,
                "give the URL the call's application comes from".into(),
            );
        }
        return None;
    };
    // `format` ("rcml" or "jambonz") declares the application's language,
    // as `[app] call_hook` can: the created call then speaks it.
    let declared = match serde_json::from_value::<HookSpec>(v.clone()) {
        Ok(spec @ HookSpec::Declared { .. }) => match spec.check_format() {
            Ok(()) => Some(spec),
            Err(e) => {
                bad(&format!("{pointer}/format"), e);
                return None;
            }
        },
        _ => None,
    };
    match hook(v, &pointer) {
        Ok(h) if h.is_absolute() => Some(match declared {
            Some(HookSpec::Declared { format, .. }) => HookSpec::Declared {
                url: h.url,
                method: h.method,
                username: h.username,
                password: h.password,
                format,
            },
            _ => HookSpec::Full {
                url: h.url,
                method: h.method,
                username: h.username,
                password: h.password,
            },
        }),
        Ok(_) => {
            bad(&pointer, "must be an absolute http(s) URL".into());
            None
        }
        Err(e) => {
            for p in e.errors {
                bad(&p.pointer, p.message);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            carriers: vec!["carrier".into()],
            has_default_carrier: true,
            ..Default::default()
        }
    }

    fn pointers(body: Value) -> Vec<String> {
        match read(&body, &ctx()) {
            Ok(_) => vec![],
            Err(e) => e.errors.into_iter().map(|p| p.pointer).collect(),
        }
    }

    #[test]
    fn a_good_request_becomes_a_one_target_dial_and_the_call_s_start() {
        let c = read(
            &json!({"from": "+15551230000", "to": {"type": "phone", "number": "+15559870000"},
                    "call_hook": "https://app.example/call", "timeout": 20,
                    "tag": {"campaign": 7}, "callerName": "Alice",
                    "headers": {"X-Campaign": "7"}}),
            &ctx(),
        )
        .expect("valid");
        assert_eq!(c.dial.targets.len(), 1);
        assert_eq!(c.dial.timeout, 20);
        assert_eq!(c.dial.caller_id.as_deref(), Some("+15551230000"));
        assert_eq!(c.origination.to, "+15559870000");
        assert_eq!(c.origination.caller_name.as_deref(), Some("Alice"));
        assert_eq!(
            c.origination.tag,
            Some(
                json!({"campaign": 7})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            )
        );
        assert_eq!(
            c.origination.call_hook,
            HookSpec::Full {
                url: "https://app.example/call".into(),
                method: crate::app::hook::Method::Post,
                username: None,
                password: None
            }
        );
    }

    #[test]
    fn every_problem_is_named_by_the_request_s_pointer() {
        assert_eq!(
            pointers(
                json!({"to": {"type": "phone", "number": "+1555;x"}, "call_hook": "/rel",
                            "bogus": 1})
            ),
            ["/bogus", "/from", "/call_hook"]
        );
        assert_eq!(
            pointers(
                json!({"from": "+15551230000", "to": {"type": "phone", "number": "12;x"},
                            "call_hook": "https://a.example/c"})
            ),
            ["/to/number"]
        );
        assert_eq!(
            pointers(json!({"from": "+15551230000", "to": {"type": "pager"},
                            "call_hook": "https://a.example/c", "timeout": 0})),
            ["/timeout", "/to/type"]
        );
        assert_eq!(
            pointers(
                json!({"from": "+15551230000", "to": {"type": "phone", "number": "+15559870000"},
                            "call_hook": "https://a.example/c", "amd": {"actionHook": 5}})
            ),
            ["/amd/actionHook"]
        );
    }

    #[test]
    fn time_limit_goes_to_the_call_and_from_host_to_the_target_s_from() {
        let base = json!({"from": "+15551230000",
            "to": {"type": "phone", "number": "+15559870000"},
            "call_hook": "https://app.example/call", "timeLimit": 90, "fromHost": "sip.example.com"});
        let c = read(&base, &ctx()).expect("valid");
        assert_eq!(c.origination.time_limit, Some(90));
        assert_eq!(
            c.dial.targets[0].1.routing.from_host.as_deref(),
            Some("sip.example.com")
        );
        let mut own = base.clone();
        own["to"]["from"] = json!({"host": "own.example.com"});
        let c = read(&own, &ctx()).expect("valid");
        assert_eq!(
            c.dial.targets[0].1.routing.from_host.as_deref(),
            Some("own.example.com"),
            "the target's own from.host wins"
        );
        let mut bad = base.clone();
        bad["timeLimit"] = json!(0);
        bad["fromHost"] = json!("a b;c");
        assert_eq!(pointers(bad), ["/timeLimit", "/fromHost"]);
    }

    #[test]
    fn call_hook_may_declare_the_application_s_language() {
        let body = |format: &str| {
            json!({"from": "+15551230000", "to": {"type": "phone", "number": "+15559870000"},
                   "call_hook": {"url": "https://app.example/call.xml", "format": format}})
        };
        let c = read(&body("rcml"), &ctx()).expect("valid");
        assert_eq!(c.origination.call_hook.format(), crate::app::Format::Rcml);
        assert_eq!(pointers(body("twiml2")), ["/call_hook/format"]);
    }

    #[test]
    fn amd_is_read_as_a_dial_s_and_goes_to_the_call_not_the_originate() {
        let c = read(
            &json!({"from": "+15551230000", "to": {"type": "phone", "number": "+15559870000"},
                    "call_hook": "https://app.example/call",
                    "amd": {"actionHook": "/amd", "thresholdWordCount": 5}}),
            &ctx(),
        )
        .expect("valid");
        let amd = c.origination.amd.expect("amd kept for the call");
        assert_eq!(amd.action_hook.url, "/amd");
        assert!(
            c.dial.amd.is_none(),
            "the originate itself runs no detector"
        );
    }
}
