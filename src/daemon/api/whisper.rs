//! updateCall `whisper`: a `say` or `play` verb played to the caller's leg
//! of a bridged call, the callee not hearing it and the bridge going on:
//! `uuid_broadcast <call> <path> aleg` on the control connection
//! (docs/freeswitch.md §22: `+OK Message sent`, the leg runs `playback`
//! about 200 ms later beside the bridge, which is not ended).
//!
//! The verb is read by the jambonz reader, with every check a verb in an
//! application gets; a `play` URL is fetched into the media cache first
//! (FreeSWITCH plays the local file); a `say` is FreeSWITCH's `speak`
//! through `[tts]`, as `app::args` of `uuid_broadcast` (`speak::<engine>|
//! <voice>|<text>`), the whole path single-quoted so that FreeSWITCH's
//! argument splitter keeps the text's spaces, and the text passed through
//! the one function that makes text safe for that splitter.
//!
//! Only while the call is bridged (its dial's snapshot shows a bridged
//! leg): anything else is 400 saying why. Only the first round of a
//! `loop` is played.

use serde_json::Value;
use tracing::info;

use super::ApiState;
use super::error::ApiError;
use crate::app::play::Audio;
use crate::app::{Context, Verb};
use crate::call::handle::{CallHandle, LegState};
use crate::call::media::MediaCache;

/// What to play, read from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Whisper {
    /// Files or URLs, in order.
    Play(Vec<Audio>),
    /// Text to speak, with the verb's voice if it named one.
    Say {
        /// The texts, in order.
        text: Vec<String>,
        /// `voice`, else `[tts] voice`.
        voice: Option<String>,
    },
}

/// Reads the verb at `/whisper`.
pub(crate) fn read(value: &Value, ctx: &Context) -> Result<Whisper, ApiError> {
    let verb = value.get("verb").and_then(Value::as_str);
    if !matches!(verb, Some("say" | "play")) {
        return Err(ApiError::field(
            "/whisper/verb",
            "give a say or play verb, e.g. {\"verb\": \"say\", \"text\": \"one moment\"}",
        ));
    }
    let reply = crate::jambonz::parse_reply(&Value::Array(vec![value.clone()]).to_string(), ctx)
        .map_err(|e| {
            ApiError::invalid(
                e.problems()
                    .into_iter()
                    .map(|p| super::error::FieldProblem {
                        pointer: format!(
                            "/whisper{}",
                            p.pointer.as_str().strip_prefix("/0").unwrap_or("")
                        ),
                        message: p.message,
                    })
                    .collect(),
            )
        })?;
    match reply.instructions.into_iter().next().map(|i| i.verb) {
        Some(Verb::Play(p)) => Ok(Whisper::Play(p.audio)),
        Some(Verb::Say(s)) => Ok(Whisper::Say {
            text: s.text,
            voice: s.voice,
        }),
        _ => Err(ApiError::field("/whisper", "give a say or play verb")),
    }
}

/// Plays `w` to the caller's leg of the bridged call `handle`.
pub(crate) async fn run(s: &ApiState, handle: &CallHandle, w: Whisper) -> Result<(), ApiError> {
    let snapshot = tokio::time::timeout(super::calls::SNAPSHOT_WAIT, handle.snapshot())
        .await
        .map_err(|_| ApiError::unknown_call(handle.call_sid()))?
        .map_err(|_| ApiError::unknown_call(handle.call_sid()))?;
    let bridged = snapshot
        .dial
        .is_some_and(|legs| legs.iter().any(|l| l.state == LegState::Bridged));
    if !bridged {
        return Err(ApiError::field(
            "/whisper",
            "the call is not bridged: whisper plays to the caller while the callee does not \
             hear it; to play to a call that is not bridged, redirect it (call_hook) to an \
             application with a play or say verb",
        ));
    }
    let settings = s.settings.borrow().clone();
    let path = match w {
        Whisper::Play(audio) => {
            let media = MediaCache::new(s.http.clone(), settings.media.clone(), s.media.clone());
            let mut files = Vec::new();
            for a in audio {
                match a {
                    Audio::File(p) => files.push(p),
                    Audio::Url(u) => match media.local_path(&u).await {
                        Ok(p) => files.push(p.display().to_string()),
                        Err(e) => {
                            return Err(ApiError::field(
                                "/whisper/url",
                                format!("the audio could not be fetched: {e}"),
                            ));
                        }
                    },
                }
            }
            match files.len() {
                1 => files.remove(0),
                _ => format!("file_string://{}", files.join("!")),
            }
        }
        Whisper::Say { text, voice } => {
            let engine = &settings.tts.engine;
            if engine.is_empty() {
                return Err(ApiError::field(
                    "/whisper",
                    "say needs a text-to-speech engine: set [tts] engine (e.g. flite) and load \
                     that module in FreeSWITCH",
                ));
            }
            let voice = voice.unwrap_or_else(|| settings.tts.voice.clone());
            crate::call::broadcast::speech(engine, &voice, &text.join(" "))
        }
    };
    info!(call_sid = %handle.call_sid(), "REST API: whisper to the caller");
    super::calls::control(s, &crate::call::broadcast::to_leg(handle.call_sid(), &path)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_say_or_play_verb_is_read_and_anything_else_named() {
        let ctx = Context::default();
        assert_eq!(
            read(&json!({"verb": "say", "text": "one moment"}), &ctx),
            Ok(Whisper::Say {
                text: vec!["one moment".into()],
                voice: None
            })
        );
        assert_eq!(
            read(
                &json!({"verb": "play", "url": "https://a.example/b.wav"}),
                &ctx
            ),
            Ok(Whisper::Play(vec![Audio::Url(
                "https://a.example/b.wav".into()
            )]))
        );
        let e = read(&json!({"verb": "hangup"}), &ctx).unwrap_err();
        assert_eq!(e.errors[0].pointer, "/whisper/verb");
        let e = read(&json!({"verb": "play", "url": 5}), &ctx).unwrap_err();
        assert!(
            e.errors
                .iter()
                .any(|p| p.pointer.starts_with("/whisper/url")),
            "{:?}",
            e.errors
        );
    }
}
