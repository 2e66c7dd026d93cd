//! Reading jambonz's `listen` (and its alias `stream`), as a verb or nested
//! in a dial, into [`crate::app::listen::Listen`].

use serde_json::Value;

use super::Pointer;
use super::fields::{Fields, kind};
use super::hook::read_hook;
use crate::app::Context;
use crate::app::listen::{Listen, MAX_LENGTH_SECS, MixType, SAMPLE_RATES, WsAuth};
use crate::app::problem::Problems;
use crate::secret::Secret;

/// Reads a `listen`/`stream` verb's properties (the `verb` key consumed),
/// its nested `transcribe` included: as in jambonz's listen.js, that
/// transcribe runs beside the stream and ends with it.
pub(crate) fn read_listen_verb(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Listen> {
    let before = f.problems().len();
    let transcribe = f.value("transcribe").and_then(|v| {
        let at = f.at_key("transcribe");
        super::transcribe::read_nested_transcribe(v, &at, ctx, f.problems()).map(Box::new)
    });
    let listen = read_listen(f)?;
    (f.problems().len() == before).then_some(Listen {
        transcribe,
        ..listen
    })
}

/// Reads the properties of a `listen`/`stream` every place shares (the
/// nested `transcribe` is the verb's: [`read_listen_verb`]).
fn read_listen(f: &mut Fields<'_, '_>) -> Option<Listen> {
    let before = f.problems().len();
    let url = f.required_str("url", "the ws:// or wss:// URL to stream to");
    if let Some(u) = url
        && let Err(e) = check_ws_url(u)
    {
        f.problem("url", e);
    }
    let action_hook = f.value("actionHook").and_then(|v| {
        let at = f.at_key("actionHook");
        read_hook(v, &at, f.problems())
    });
    let mix_type = match f.str("mixType") {
        None | Some("mono") => MixType::Mono,
        Some("stereo") => MixType::Stereo,
        Some("mixed") => MixType::Mixed,
        Some(other) => {
            f.problem(
                "mixType",
                format!("unknown mixType `{other}`; use mono, stereo or mixed"),
            );
            MixType::Mono
        }
    };
    let sample_rate = match f.integer("sampleRate", 1, 1_000_000, "samples per second") {
        None => 8000,
        Some(r) if SAMPLE_RATES.contains(&(r as u32)) => r as u32,
        Some(r) => {
            f.problem(
                "sampleRate",
                format!(
                    "dialbridge streams at 8000 or 16000 samples per second (FreeSWITCH's raw \
                     recording), not {r}"
                ),
            );
            8000
        }
    };
    let metadata = f.value("metadata").cloned();
    if let Some(m) = &metadata
        && !m.is_object()
    {
        f.problem("metadata", format!("must be an object, not {}", kind(m)));
    }
    let pass_dtmf = f.bool("passDtmf").unwrap_or(false);
    let timeout_secs = f
        .integer("timeout", 1, MAX_LENGTH_SECS, "seconds")
        .map(|n| n as u32);
    let max_length_secs = f
        .integer("maxLength", 1, MAX_LENGTH_SECS, "seconds")
        .map(|n| n as u32);
    let finish_on_key = f.str("finishOnKey").and_then(|k| {
        if !k.is_empty() && k.chars().all(|c| "0123456789*#ABCD".contains(c)) {
            Some(k.to_owned())
        } else {
            f.problem(
                "finishOnKey",
                "must be one or more of the DTMF digits 0-9, *, #, A-D",
            );
            None
        }
    });
    // `auth` is the older name jambonz's specification still accepts.
    let ws_auth = match (f.value("wsAuth"), f.value("auth")) {
        (Some(_), Some(_)) => {
            f.problem(
                "auth",
                "give either `wsAuth` or `auth` (its older name), not both",
            );
            None
        }
        (Some(v), None) => {
            let at = f.at_key("wsAuth");
            read_ws_auth(v, &at, f.problems())
        }
        (None, Some(v)) => {
            let at = f.at_key("auth");
            read_ws_auth(v, &at, f.problems())
        }
        (None, None) => None,
    };
    if f.integer("channel", 1, 2, "channels").is_some() {
        f.notice(
            "channel",
            "has no effect: the channels streamed are the ones mixType names",
        );
    }
    refuse_bidirectional(f);
    let _ = f.bool("disableBidirectionalAudio");
    if f.bool("playBeep") == Some(true) {
        f.notice("playBeep", "no beep is played at the start of the stream");
    }
    let _ = f.bool("earlyMedia");
    (f.problems().len() == before).then(|| Listen {
        url: url.unwrap_or_default().to_owned(),
        action_hook,
        mix_type,
        sample_rate,
        metadata,
        pass_dtmf,
        timeout_secs,
        max_length_secs,
        finish_on_key,
        ws_auth,
        transcribe: None,
    })
}

/// Reads `listen`/`stream` nested in a dial (or a config verb): an object
/// with a verb's properties.
pub(crate) fn read_nested_listen(
    value: &Value,
    at: &Pointer,
    problems: &mut Problems,
) -> Option<Listen> {
    let mut f = Fields::of(value, at, "listen", problems)?;
    let _ = f.str("verb");
    if f.has("transcribe") {
        f.problem(
            "transcribe",
            "a transcribe nested in a dial's or config's listen is not supported; give \
             transcribe as the dial's (or config's) own property",
        );
    }
    let listen = read_listen(&mut f);
    let clean = f.finish();
    listen.filter(|_| clean)
}

/// `bidirectionalAudio`: audio sent back over the websocket and played to
/// the caller. Stock FreeSWITCH has no way to play a stream it is handed
/// piece by piece, so an enabled one is refused.
fn refuse_bidirectional(f: &mut Fields<'_, '_>) {
    let Some(v) = f.value("bidirectionalAudio") else {
        return;
    };
    let enabled = match v {
        Value::Bool(b) => *b,
        Value::Object(o) => o.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        other => {
            f.problem(
                "bidirectionalAudio",
                format!("must be an object, not {}", kind(other)),
            );
            return;
        }
    };
    if enabled {
        f.problem(
            "bidirectionalAudio",
            "audio from the websocket cannot be played on a stock FreeSWITCH (it has no module \
             that plays a stream handed to it piece by piece); set bidirectionalAudio.enabled to \
             false, or play audio with the play verb",
        );
    }
}

/// Reads `wsAuth`: `{username, password}`.
fn read_ws_auth(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<WsAuth> {
    let mut f = Fields::of(value, at, "wsAuth", problems)?;
    let username = f.required_str("username", "the basic-auth user name");
    let password = f.required_str("password", "the basic-auth password");
    let clean = f.finish();
    match (username, password, clean) {
        (Some(u), Some(p), true) if !u.contains(':') => Some(WsAuth {
            username: u.to_owned(),
            password: Secret::new(p),
        }),
        (Some(_), Some(_), true) => {
            problems.add(
                &at.key("username"),
                "may not contain `:` (basic authentication separates the password with it)",
            );
            None
        }
        _ => None,
    }
}

/// A websocket URL: absolute, `ws` or `wss`, with a host.
pub(crate) fn check_ws_url(url: &str) -> Result<(), String> {
    let shown = crate::secret::masked(url);
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "ws" | "wss") => {
            if u.host_str().is_none_or(str::is_empty) {
                Err(format!("`{shown}` has no host"))
            } else {
                Ok(())
            }
        }
        Ok(u) => Err(format!(
            "`{shown}` uses the {} scheme; give a ws:// or wss:// URL",
            u.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "`{shown}` is relative; dialbridge needs the absolute ws:// or wss:// URL"
        )),
        Err(e) => Err(format!("`{shown}` is not a URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::problem::Problems;
    use serde_json::json;

    fn read(v: Value) -> Result<Listen, Vec<String>> {
        let mut problems = Problems::default();
        let l = read_nested_listen(&v, &Pointer::root(), &mut problems);
        let (p, _) = problems.into_parts();
        match l {
            Some(l) if p.is_empty() => Ok(l),
            _ => Err(p.into_iter().map(|p| p.to_string()).collect()),
        }
    }

    #[test]
    fn a_full_listen_is_read_with_its_defaults_and_frame_size() {
        let l = read(
            json!({"url": "wss://rec.example.com/a", "mixType": "stereo",
            "sampleRate": 16000, "metadata": {"k": 1}, "passDtmf": true, "maxLength": 30,
            "wsAuth": {"username": "u", "password": "p"}, "actionHook": "/done"}),
        )
        .unwrap();
        assert_eq!(l.mix_type, MixType::Stereo);
        assert_eq!(l.sample_rate, 16000);
        assert_eq!(l.frame_bytes(), 1280);
        assert!(l.pass_dtmf);
        assert_eq!(l.max_length_secs, Some(30));
        let auth = read(json!({"url": "ws://h", "auth": {"username": "a", "password": "p"}}));
        assert_eq!(
            auth.unwrap().ws_auth.map(|a| a.username),
            Some("a".to_owned())
        );
        assert!(!format!("{l:?}").contains("\"p\""));
        let d = read(json!({"url": "ws://h/x"})).unwrap();
        assert_eq!(
            (d.mix_type, d.sample_rate, d.frame_bytes()),
            (MixType::Mono, 8000, 320)
        );
    }

    #[test]
    fn bad_values_are_refused_at_their_pointer() {
        for (v, needle) in [
            (json!({"url": "https://h/x"}), "/url"),
            (json!({"url": "/relative"}), "/url"),
            (json!({"url": "ws://h", "mixType": "quad"}), "/mixType"),
            (json!({"url": "ws://h", "sampleRate": 24000}), "/sampleRate"),
            (
                json!({"url": "ws://h", "bidirectionalAudio": {"enabled": true}}),
                "/bidirectionalAudio",
            ),
            (
                json!({"url": "ws://h", "wsAuth": {"username": "a:b", "password": "p"}}),
                "/wsAuth/username",
            ),
            (json!({"url": "ws://h", "metadata": "x"}), "/metadata"),
            (
                json!({"url": "ws://h", "transcribe": {"transcriptionHook": "/t"}}),
                "/transcribe",
            ),
            (json!({"mixType": "mono"}), "`url` is required"),
        ] {
            let e = read(v.clone()).expect_err(&v.to_string());
            assert!(e.iter().any(|p| p.contains(needle)), "{v}: {e:?}");
        }
        assert!(read(json!({"url": "ws://h", "bidirectionalAudio": {"enabled": false}})).is_ok());
    }
}
