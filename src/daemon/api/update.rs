//! Reading an updateCall body (`POST /v1/Accounts/{sid}/Calls/{call_sid}`):
//! one action per request, each field checked, problems named by JSON
//! pointer. No I/O: tested directly.

use serde_json::{Map, Value};

use super::error::{ApiError, FieldProblem};
use crate::app::hook::{Hook, HookSpec, check_url};
use crate::app::rules;

/// The fields an updateCall body may carry (the OpenAPI test holds the
/// document to this list).
pub(crate) const FIELDS: &[&str] = &[
    "call_hook",
    "child_call_hook",
    "call_status",
    "mute_status",
    "dtmf",
    "whisper",
    "listen_status",
    "stream_status",
    "conf_mute_status",
    "conf_hold_status",
    "sip_request",
    "record",
    "dub",
    "media_path",
];

/// What an updateCall asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Update {
    /// `call_hook`: run this hook's application instead.
    Redirect(Hook),
    /// `call_status: "completed"`: hang up.
    Hangup,
    /// `call_status: "no-answer"`: cancel an outbound call still ringing.
    CancelRinging,
    /// `mute_status`: true to mute the caller's audio toward the callee.
    Mute(bool),
    /// `whisper`: a say or play verb for the caller's leg of a bridge (read
    /// against the installation by `super::whisper::read`).
    Whisper(Value),
    /// `conf_mute_status`: true mutes every non-moderator member of the
    /// call's conference room.
    ConfMute(bool),
    /// `conf_hold_status`: true holds the call's member of its room.
    ConfHold(bool),
    /// `listen_status` (or jambonz's alias `stream_status`): true to pause
    /// the call's listen streams, false to resume them.
    ListenStatus(bool),
    /// `dtmf`: send these digits into the call, each this long.
    Dtmf {
        /// 0-9, *, #, A-D.
        digits: String,
        /// Milliseconds per digit.
        duration_ms: u64,
    },
}

/// The default length of a digit sent by `dtmf` (FreeSWITCH's own default
/// for `uuid_send_dtmf` is 2000 ms / 8 = 250 ms).
pub(crate) const DTMF_MS: u64 = 250;

/// Reads `body`.
pub(crate) fn parse(body: &Value) -> Result<Update, ApiError> {
    let Some(fields) = body.as_object() else {
        return Err(ApiError::field("", "the body must be a JSON object"));
    };
    let unknown: Vec<FieldProblem> = fields
        .keys()
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .map(|k| FieldProblem {
            pointer: format!("/{k}"),
            message: format!(
                "`{k}` is not an updateCall field; use one of {}",
                FIELDS.join(", ")
            ),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid(unknown));
    }
    match fields.len() {
        0 => {
            return Err(ApiError::field(
                "",
                "the body is empty; give one action, e.g. {\"call_status\": \"completed\"}",
            ));
        }
        1 => {}
        _ => {
            return Err(ApiError::field(
                "",
                "give one action per request (got several fields)",
            ));
        }
    }
    let Some((name, value)) = fields.iter().next() else {
        return Err(ApiError::field("", "the body is empty"));
    };
    let pointer = format!("/{name}");
    match name.as_str() {
        "call_hook" => hook(value, &pointer).map(Update::Redirect),
        "call_status" => match value.as_str() {
            Some("completed") => Ok(Update::Hangup),
            Some("no-answer") => Ok(Update::CancelRinging),
            _ => Err(ApiError::field(
                &pointer,
                "use \"completed\" (hang up) or \"no-answer\" (cancel a ringing outbound call)",
            )),
        },
        "mute_status" => match value.as_str() {
            Some("mute") => Ok(Update::Mute(true)),
            Some("unmute") => Ok(Update::Mute(false)),
            _ => Err(ApiError::field(&pointer, "use \"mute\" or \"unmute\"")),
        },
        "conf_mute_status" => match value.as_str() {
            Some("mute") => Ok(Update::ConfMute(true)),
            Some("unmute") => Ok(Update::ConfMute(false)),
            _ => Err(ApiError::field(&pointer, "use \"mute\" or \"unmute\"")),
        },
        "conf_hold_status" => match value.as_str() {
            Some("hold") => Ok(Update::ConfHold(true)),
            Some("unhold") => Ok(Update::ConfHold(false)),
            _ => Err(ApiError::field(&pointer, "use \"hold\" or \"unhold\"")),
        },
        "listen_status" | "stream_status" => match value.as_str() {
            Some("pause") => Ok(Update::ListenStatus(true)),
            Some("resume") => Ok(Update::ListenStatus(false)),
            _ => Err(ApiError::field(
                &pointer,
                "use \"pause\" (stop sending the call's audio to the listen websocket, which \
                 stays open) or \"resume\"",
            )),
        },
        "dtmf" => dtmf(value, &pointer),
        "whisper" if value.is_object() => Ok(Update::Whisper(value.clone())),
        "whisper" => Err(ApiError::field(
            &pointer,
            "give a say or play verb, e.g. {\"verb\": \"say\", \"text\": \"one moment\"}",
        )),
        other => Err(ApiError::field(&pointer, not_supported(other))),
    }
}

/// Why an accepted-but-unsupported field is refused.
fn not_supported(field: &str) -> String {
    let why = match field {
        "child_call_hook" => {
            "the bridged callee has no socket of its own in dialbridge (it is a leg of the \
             caller's bridge), so it cannot run an application; redirect the caller with \
             call_hook instead"
        }
        "dub" => "mixing extra audio tracks into a call is not implemented",
        "media_path" => {
            "dialbridge always keeps the media on FreeSWITCH (it needs it for DTMF, AMD and \
             recording)"
        }
        _ => "dialbridge does not implement it",
    };
    format!("not supported: {why}")
}

/// A hook given as a URL or `{url, method, username, password}`.
pub(crate) fn hook(value: &Value, pointer: &str) -> Result<Hook, ApiError> {
    let spec: HookSpec = serde_json::from_value(value.clone()).map_err(|_| {
        ApiError::field(
            pointer,
            "give a URL or {\"url\": ..., \"method\": \"POST\"|\"GET\", \"username\", \"password\"}",
        )
    })?;
    let hook: Hook = spec.into();
    let at = if value.is_object() {
        format!("{pointer}/url")
    } else {
        pointer.to_owned()
    };
    check_url(&hook.url).map_err(|e| ApiError::field(&at, e))?;
    Ok(hook)
}

fn dtmf(value: &Value, pointer: &str) -> Result<Update, ApiError> {
    let empty = Map::new();
    let obj = value.as_object().unwrap_or(&empty);
    let Some(digits) = obj.get("digit").and_then(Value::as_str) else {
        return Err(ApiError::field(
            &format!("{pointer}/digit"),
            "give the digits to send, e.g. {\"digit\": \"1234\", \"duration\": 250}",
        ));
    };
    rules::dtmf_sequence(digits, "digit")
        .map_err(|e| ApiError::field(&format!("{pointer}/digit"), e))?;
    if digits.len() > 64 {
        return Err(ApiError::field(
            &format!("{pointer}/digit"),
            "send at most 64 digits at once",
        ));
    }
    let duration_ms = match obj.get("duration") {
        None => DTMF_MS,
        Some(d) => match d.as_u64() {
            Some(ms) if (40..=5000).contains(&ms) => ms,
            _ => {
                return Err(ApiError::field(
                    &format!("{pointer}/duration"),
                    "milliseconds per digit, 40 to 5000",
                ));
            }
        },
    };
    Ok(Update::Dtmf {
        digits: digits.to_owned(),
        duration_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(e: ApiError) -> Vec<String> {
        e.errors.into_iter().map(|p| p.pointer).collect()
    }

    #[test]
    fn each_action_is_read() {
        assert_eq!(
            parse(&json!({"call_hook": "https://app.example/next"})),
            Ok(Update::Redirect(Hook::post("https://app.example/next")))
        );
        assert_eq!(
            parse(&json!({"call_hook": {"url": "https://app.example/n", "method": "GET"}})).map(
                |u| matches!(u, Update::Redirect(h) if h.method == crate::app::hook::Method::Get)
            ),
            Ok(true)
        );
        assert_eq!(
            parse(&json!({"call_status": "completed"})),
            Ok(Update::Hangup)
        );
        assert_eq!(
            parse(&json!({"call_status": "no-answer"})),
            Ok(Update::CancelRinging)
        );
        assert_eq!(
            parse(&json!({"mute_status": "mute"})),
            Ok(Update::Mute(true))
        );
        assert_eq!(
            parse(&json!({"conf_mute_status": "unmute"})),
            Ok(Update::ConfMute(false))
        );
        assert_eq!(
            parse(&json!({"conf_hold_status": "hold"})),
            Ok(Update::ConfHold(true))
        );
        assert_eq!(
            parse(&json!({"listen_status": "pause"})),
            Ok(Update::ListenStatus(true))
        );
        assert_eq!(
            parse(&json!({"stream_status": "resume"})),
            Ok(Update::ListenStatus(false))
        );
        assert_eq!(
            parse(&json!({"dtmf": {"digit": "12#", "duration": 100}})),
            Ok(Update::Dtmf {
                digits: "12#".into(),
                duration_ms: 100
            })
        );
    }

    #[test]
    fn bad_bodies_name_the_field() {
        let e = parse(&json!({"call_status": "ringing"})).unwrap_err();
        assert_eq!(pointers(e), ["/call_status"]);
        let e = parse(&json!({"dtmf": {"digit": "1;x"}})).unwrap_err();
        assert_eq!(pointers(e), ["/dtmf/digit"]);
        let e = parse(&json!({"bogus": 1, "other": 2})).unwrap_err();
        assert_eq!(pointers(e), ["/bogus", "/other"]);
        let e = parse(&json!({"call_hook": "//evil/x"})).unwrap_err();
        assert_eq!(pointers(e), ["/call_hook"]);
        let e = parse(&json!({"call_hook": {"url": ""}})).unwrap_err();
        assert_eq!(pointers(e), ["/call_hook/url"]);
        let e = parse(&json!({"call_status": "completed", "mute_status": "mute"})).unwrap_err();
        assert!(e.msg.contains("one action"), "{}", e.msg);
        let e = parse(&json!({"conf_hold_status": "mute"})).unwrap_err();
        assert_eq!(pointers(e), ["/conf_hold_status"]);
        let e = parse(&json!({"media_path": "no-media"})).unwrap_err();
        assert!(e.msg.contains("not supported"), "{}", e.msg);
        let e = parse(&json!({"listen_status": "silence"})).unwrap_err();
        assert_eq!(pointers(e), ["/listen_status"]);
    }
}
