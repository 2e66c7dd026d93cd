//! `transcribe` (verb and dial property): each leg's audio streamed to a
//! recognizer the user runs, `[speech.<name>]`, with jambonz's custom
//! speech protocol — `{"type": "start", "language", "format": "raw",
//! "encoding": "LINEAR16", "interimResults", "sampleRateHz": 8000}`, binary
//! 16-bit 8 kHz audio (the leg recorded and tailed as for `listen`,
//! [`super::listen`]), `{"type": "stop"}` at the end — and each
//! `transcription` message it sends back posted to `transcriptionHook`
//! with the call's fields and jambonz's `speech` object (`language_code`,
//! `channel_tag`, `is_final`, `alternatives[].transcript`/`confidence`),
//! in order, one post at a time (replies are ignored).
//!
//! The verb transcribes the caller (channel 1) until the call ends, as in
//! jambonz; a recognizer that cannot be reached ends it and the
//! application goes on. In a dial the caller is transcribed from the
//! bridge to the end of the dial, and with `separateRecognitionPerChannel`
//! the callee too (channel 2), each through its own connection.

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::Call;
use super::listen::{Ended, Results, Spec, Stream, ws};
use super::verbs::{Next, ensure_media};
use crate::app::Hook;
use crate::app::listen::MixType;
use crate::app::transcribe::{DEFAULT_LANGUAGE, Transcribe, service_of};
use crate::freeswitch::socket::SocketError;
use crate::webhook::{HookKind, Webhooks};

/// The rate of jambonz's custom speech protocol.
const RATE: u32 = 8000;

/// Transcripts one transcription may have waiting for their posts.
const QUEUE: usize = 64;

/// A running transcription: one stream per leg.
pub(crate) struct Transcription {
    streams: Vec<Stream>,
}

impl Transcription {
    /// Starts transcribing `legs` (UUID, channel tag) as `t` says.
    pub(crate) fn start(
        call: &Call,
        t: &Transcribe,
        legs: &[(&str, u8)],
    ) -> Result<Transcription, String> {
        let (name, language) = recognizer(call, t)?;
        let Some(service) = call.settings.speech.get(&name) else {
            return Err(format!("no [speech.{name}] is configured"));
        };
        let start = json!({"type": "start", "language": language, "format": "raw",
            "encoding": "LINEAR16", "interimResults": t.interim, "sampleRateHz": RATE})
        .to_string();
        let (tx, rx) = mpsc::channel(QUEUE);
        let streams = legs
            .iter()
            .map(|(leg, tag)| {
                let spec = Spec {
                    url: service.url.clone(),
                    auth: (!service.api_key.is_empty())
                        .then(|| ws::Auth::Bearer(service.api_key.clone())),
                    subprotocol: None,
                    first_frame: start.clone(),
                    mix_type: MixType::Mono,
                    sample_rate: RATE,
                    max_length_secs: None,
                    timeout_secs: None,
                    results: Some(Results {
                        tag: *tag,
                        tx: tx.clone(),
                    }),
                    paused: None,
                };
                Stream::start(
                    call.socket.commander(),
                    leg,
                    spec,
                    false,
                    &call.settings.amd,
                    &call.engine.tasks,
                )
            })
            .collect();
        info!(recognizer = %name, language = %language, legs = legs.len(), "transcribing");
        let poster = Poster {
            hooks: call.hooks.clone(),
            hook: t.transcription_hook.clone(),
            fields: call.fields(),
            language,
            interim: t.interim,
        };
        call.engine
            .tasks
            .spawn(tracing::Instrument::in_current_span(poster.run(rx)));
        Ok(Transcription { streams })
    }

    /// Resolves when the first stream ends on its own.
    async fn ended(&mut self) -> Ended {
        match self.streams.first_mut() {
            Some(s) => s.ended().await,
            None => std::future::pending().await,
        }
    }

    /// Stops every stream (each sends the recognizer `stop` and waits for
    /// its last transcripts).
    pub(crate) fn stop(&mut self) {
        for s in &mut self.streams {
            s.stop();
        }
    }
}

/// The recognizer and language `t` uses: its own, else the `config`
/// verb's default.
fn recognizer(call: &Call, t: &Transcribe) -> Result<(String, String), String> {
    let default = call.defaults.recognizer.as_ref();
    let name = t
        .service
        .clone()
        .or_else(|| {
            default
                .and_then(|r| r.vendor.as_deref())
                .map(|v| service_of(v).to_owned())
        })
        .ok_or_else(|| {
            "no recognizer: give recognizer.vendor `custom:<name>` of a [speech.<name>] section \
             (or set one with the config verb)"
                .to_owned()
        })?;
    let name = call
        .settings
        .speech
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&name))
        .cloned()
        .ok_or_else(|| format!("the recognizer `{name}` is not a configured [speech.<name>]"))?;
    let language = t
        .language
        .clone()
        .or_else(|| default.and_then(|r| r.language.clone()))
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned());
    Ok((name, language))
}

/// Posts transcripts to the hook, one at a time, in order.
struct Poster {
    hooks: Webhooks,
    hook: Hook,
    fields: Map<String, Value>,
    language: String,
    interim: bool,
}

impl Poster {
    async fn run(self, mut rx: mpsc::Receiver<(u8, Value)>) {
        while let Some((tag, v)) = rx.recv().await {
            let Some(speech) = speech(&v, tag, &self.language) else {
                warn!("a transcription message without alternatives was ignored");
                continue;
            };
            if !self.interim && speech["is_final"] != json!(true) {
                continue;
            }
            let mut payload = self.fields.clone();
            payload.insert("speech".into(), speech);
            if let Err(e) = self
                .hooks
                .send(HookKind::Transcription, &self.hook, &Value::Object(payload))
                .await
            {
                warn!(error = %e, "transcriptionHook failed");
            }
        }
    }
}

/// jambonz's `speech` object from a custom recognizer's `transcription`
/// message: only its transcripts and confidences are carried.
pub(crate) fn speech(v: &Value, tag: u8, language: &str) -> Option<Value> {
    let alternatives: Vec<Value> = v
        .get("alternatives")?
        .as_array()?
        .iter()
        .filter_map(|a| {
            let transcript = a.get("transcript")?.as_str()?;
            let mut out = json!({"transcript": transcript});
            if let Some(c) = a.get("confidence").and_then(Value::as_f64) {
                out["confidence"] = json!(c);
            }
            Some(out)
        })
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    let language = v
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or(language);
    Some(json!({
        "language_code": language,
        "channel_tag": tag,
        "is_final": v.get("is_final").and_then(Value::as_bool).unwrap_or(false),
        "alternatives": alternatives,
    }))
}

/// Runs the `transcribe` verb.
pub(crate) async fn transcribe_verb(call: &mut Call, t: &Transcribe) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let a = call.socket.uuid().to_owned();
    let mut running = match Transcription::start(call, t, &[(&a, 1)]) {
        Ok(r) => r,
        Err(why) => {
            call.report(
                HookKind::Transcription,
                "",
                &format!("transcribe: {why}"),
                &[],
            );
            return Ok(Next::Continue);
        }
    };
    let ended = loop {
        tokio::select! {
            ended = running.ended() => break Some(ended),
            event = call.socket.next() => match event {
                Ok(_) if call.socket.hung_up() => break None,
                Ok(_) | Err(SocketError::EventsLost) => {}
                Err(SocketError::HungUp) => break None,
                Err(e) => {
                    running.stop();
                    return Err(e);
                }
            },
        }
    };
    running.stop();
    if let Some(Ended::Failed(why)) = &ended {
        call.report(
            HookKind::Transcription,
            "",
            &format!("transcribe failed: {why}"),
            &[],
        );
    }
    Ok(if call.socket.hung_up() {
        Next::End
    } else {
        Next::Continue
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transcription_becomes_jambonz_speech_object() {
        let v = json!({"type": "transcription", "is_final": true, "channel": 0,
            "alternatives": [{"transcript": "hello there", "confidence": 0.9, "words": []}]});
        assert_eq!(
            speech(&v, 2, "en-US"),
            Some(
                json!({"language_code": "en-US", "channel_tag": 2, "is_final": true,
                "alternatives": [{"transcript": "hello there", "confidence": 0.9}]})
            )
        );
        assert_eq!(speech(&json!({"type": "transcription"}), 1, "en-US"), None);
        assert_eq!(
            speech(&json!({"alternatives": [{"transcript": "hi"}]}), 1, "de-DE"),
            Some(
                json!({"language_code": "de-DE", "channel_tag": 1, "is_final": false,
                "alternatives": [{"transcript": "hi"}]})
            )
        );
    }
}
