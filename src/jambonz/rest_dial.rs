//! Reading jambonz's `rest:dial` verb: the fields of createCall (`from`,
//! `to`, `call_hook`, `call_status_hook`, `timeout`, `amd`, `tag`,
//! `headers`, `callerName`, `timeLimit`, `fromHost`), each checked by the reader a `dial` uses for
//! the same thing, so that what createCall would refuse is refused here,
//! at its pointer, before the application runs.

use serde_json::Value;

use super::amd::read_amd;
use super::fields::Fields;
use super::headers::read_headers;
use super::hook::read_hook;
use super::target::read_target;
use crate::app::dial::MAX_SECS;
use crate::app::headers::HeaderScope;
use crate::app::rest_dial::RestDial;
use crate::app::{Context, rules};

/// Reads `rest:dial`'s properties.
pub(crate) fn read_rest_dial(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<RestDial> {
    let before = f.problems().len();
    let from = f.required_str("from", "the new call's caller ID, e.g. \"+15551230000\"");
    if let Some(c) = from
        && let Err(e) = rules::phone_number(c, ctx.relaxed_numbers, "from")
    {
        f.problem("from", e);
    }
    let to = f.value("to");
    match to {
        Some(v) if v.is_object() => {
            let at = f.at_key("to");
            read_target(v, &at, ctx, f.problems());
        }
        _ => f.problem(
            "to",
            "give a dial target object, e.g. {\"type\": \"phone\", \"number\": \"+15559870000\"}",
        ),
    }
    let call_hook = match f.value("call_hook") {
        Some(v) => {
            let at = f.at_key("call_hook");
            read_hook(v, &at, f.problems())
        }
        None => {
            f.problem(
                "call_hook",
                "`call_hook` is required: the new call's application",
            );
            None
        }
    };
    let call_status_hook = f.value("call_status_hook").and_then(|v| {
        let at = f.at_key("call_status_hook");
        read_hook(v, &at, f.problems())
    });
    let timeout = f.integer("timeout", 1, 600, "ring seconds");
    let tag = match f.value("tag") {
        None => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            f.problem(
                "tag",
                "give an object; it becomes the new call's customerData",
            );
            None
        }
    };
    let headers = f.value("headers").cloned();
    if let Some(h) = &headers {
        let at = f.at_key("headers");
        read_headers(h, &at, HeaderScope::Shared, f.problems());
    }
    let amd = f.value("amd").cloned();
    if let Some(a) = &amd {
        let at = f.at_key("amd");
        read_amd(a, &at, f.problems());
    }
    let caller_name = super::dial::read_caller_name(f);
    let time_limit = f.integer("timeLimit", 1, MAX_SECS, "seconds");
    let from_host = f.str("fromHost").and_then(|h| {
        rules::hostname(h, "fromHost")
            .map_err(|e| f.problem("fromHost", e))
            .ok()
            .map(|()| h.to_owned())
    });
    without_effect(f);
    if f.problems().len() > before {
        return None;
    }
    Some(RestDial {
        from: from?.to_owned(),
        to: to?.clone(),
        call_hook: call_hook?,
        call_status_hook,
        timeout,
        tag,
        headers,
        amd,
        caller_name,
        time_limit,
        from_host,
    })
}

/// jambonz's properties that change nothing here, each noticed with why.
fn without_effect(f: &mut Fields<'_, '_>) {
    for (key, why) in [
        (
            "account_sid",
            "dialbridge serves one account: the new call's hooks carry [app] account_sid",
        ),
        (
            "dual_streams",
            "audio streaming is not supported (no listen/stream), so there is nothing to split",
        ),
        (
            "speech_synthesis_vendor",
            "the new call's say uses [tts] engine; set its voice with a config verb there",
        ),
        (
            "speech_synthesis_language",
            "the new call's say uses [tts] engine; set its voice with a config verb there",
        ),
        (
            "speech_synthesis_voice",
            "the new call's say uses [tts] engine; set its voice with a config verb there",
        ),
        (
            "speech_recognizer_vendor",
            "gathers are digits only: there is no recognizer to choose",
        ),
        (
            "speech_recognizer_language",
            "gathers are digits only: there is no recognizer to choose",
        ),
    ] {
        if f.value(key).is_some() {
            f.notice(key, why);
        }
    }
    for key in ["referHook", "sipRequestWithinDialogHook"] {
        super::accepted::hook_without_effect(
            f,
            key,
            "the new call's REFERs and in-dialog requests are FreeSWITCH's to answer; the hook is \
             not called",
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::app::{Context, Verb};

    fn read(v: serde_json::Value) -> Result<Verb, Vec<String>> {
        let ctx = Context {
            carriers: vec!["carrier".into()],
            has_default_carrier: true,
            ..Default::default()
        };
        match crate::jambonz::parse_reply(&json!([v]).to_string(), &ctx) {
            Ok(r) => Ok(r.instructions[0].verb.clone()),
            Err(e) => Err(e
                .problems()
                .into_iter()
                .map(|p| p.pointer.as_str().to_owned())
                .collect()),
        }
    }

    #[test]
    fn rest_dial_is_checked_like_create_call() {
        let good = read(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"}, "call_hook": "/out",
            "amd": {"actionHook": "/amd"}, "timeout": 30, "account_sid": "x"}));
        assert!(
            matches!(good, Ok(Verb::RestDial(r)) if r.call_hook.url == "/out" && r.timeout == Some(30))
        );
        assert_eq!(
            read(json!({"verb": "rest:dial", "from": "+1555;x",
                "to": {"type": "phone", "number": "+1555'0"}, "timeout": 0,
                "amd": {"actionHook": 3}})),
            Err(vec![
                "/0/from".to_owned(),
                "/0/to/number".to_owned(),
                "/0/call_hook".to_owned(),
                "/0/timeout".to_owned(),
                "/0/amd/actionHook".to_owned(),
            ])
        );
        let limited = read(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"}, "call_hook": "/out",
            "timeLimit": 60, "fromHost": "sip.example.com"}));
        assert!(
            matches!(&limited, Ok(Verb::RestDial(r)) if r.time_limit == Some(60)
                && r.from_host.as_deref() == Some("sip.example.com")),
            "{limited:?}"
        );
        assert_eq!(
            read(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"}, "call_hook": "/out",
            "timeLimit": 0, "fromHost": "a b"})),
            Err(vec!["/0/timeLimit".to_owned(), "/0/fromHost".to_owned()])
        );
    }
}
