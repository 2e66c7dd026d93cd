//! Reading jambonz's `config` verb into [`crate::app::config::Config`]:
//! every property of jambonz's specification is accepted; those FreeSWITCH
//! can act on are carried, the others are checked for shape and get a
//! notice saying why they have no effect (and are named in
//! `Config::without_effect`, which `explain` prints).

use serde_json::Value;

use super::accepted::{bool_without_effect, object_without_effect};
use super::amd::read_amd;
use super::fields::{Fields, kind};
use super::synthesizer::read_synthesizer;
use crate::app::Context;
use crate::app::config::{Config, Recognizer, Reset};
use crate::app::hook::check_url;

/// Object properties without effect, and why.
const OBJECTS: &[(&str, &str)] = &[
    (
        "record",
        "SIPREC/cloud recording is not supported by dialbridge yet",
    ),
    (
        "ttsStream",
        "streaming TTS is not supported by dialbridge; say uses the [tts] engine",
    ),
    (
        "fillerNoise",
        "filler noise while a hook answers is not supported by dialbridge yet",
    ),
    (
        "actionHookDelayAction",
        "actions while a hook is slow are not supported by dialbridge yet",
    ),
    (
        "vad",
        "voice activity detection settings apply to speech recognition, which dialbridge does not do yet",
    ),
    (
        "noiseIsolation",
        "noise isolation is not available in FreeSWITCH's stock modules",
    ),
    (
        "turnTaking",
        "turn-taking models apply to speech recognition, which dialbridge does not do yet",
    ),
];

/// Boolean properties without effect, and why.
const BOOLS: &[(&str, &str)] = &[
    (
        "notifyEvents",
        "it changes nothing for a webhook application, in jambonz either: jambonz sends its \
         `verb:status` events only to applications driven over its websocket API \
         (feature-server lib/session/call-session.js, _notifyTaskStatus: `notifyEvents && \
         appIsUsingWebsockets`), and dialbridge runs webhook applications only",
    ),
    (
        "notifySttLatency",
        "dialbridge has no speech recognizer yet",
    ),
    (
        "earlyMedia",
        "set earlyMedia on each say or play; the session-wide default is not supported yet",
    ),
    (
        "autoStreamTts",
        "streaming TTS is not supported by dialbridge",
    ),
    (
        "disableTtsCache",
        "dialbridge speaks through FreeSWITCH's TTS module, which has no such cache switch",
    ),
    (
        "trackTtsPlayout",
        "streaming TTS is not supported by dialbridge",
    ),
];

/// Reads `config`'s properties (the `verb` key already consumed).
pub(crate) fn read_config(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Config> {
    let before = f.problems().len();
    let mut config = Config::default();
    if let Some(v) = f.value("synthesizer") {
        let at = f.at_key("synthesizer");
        config.synthesizer = read_synthesizer(v, &at, f.problems());
    }
    if let Some(v) = f.value("recognizer") {
        config.recognizer = read_recognizer(f, v);
    }
    config.amd = f.value("amd").and_then(|v| {
        let at = f.at_key("amd");
        read_amd(v, &at, f.problems())
    });
    config.reset = read_reset(f);
    config.listen = super::background::read_listen(f);
    config.transcribe = super::background::read_transcribe(f, ctx);
    config.on_hold_music = f.str("onHoldMusic").and_then(|u| {
        check_url(u)
            .map_err(|e| f.problem("onHoldMusic", e))
            .ok()
            .map(|()| u.to_owned())
    });
    let mut none = Vec::new();
    for (key, why) in OBJECTS {
        if object_without_effect(f, key, why) {
            none.push(*key);
        }
    }
    for (key, why) in BOOLS {
        if bool_without_effect(f, key, why) {
            none.push(*key);
        }
    }
    config.barge_in = f.value("bargeIn").and_then(|v| {
        let at = f.at_key("bargeIn");
        super::barge_in::read_barge_in(v, &at, f.problems())
    });
    config.sip_request_within_dialog_hook = f.value("sipRequestWithinDialogHook").and_then(|v| {
        let at = f.at_key("sipRequestWithinDialogHook");
        super::hook::read_hook(v, &at, f.problems())
    });
    config.refer_hook = f.value("referHook").and_then(|v| {
        let at = f.at_key("referHook");
        super::hook::read_hook(v, &at, f.problems())
    });
    config.boost = super::dial::read_boost(f);
    config.without_effect = none.into_iter().map(str::to_owned).collect();
    (f.problems().len() == before).then_some(config)
}

/// A `recognizer`: its vendor and language are kept; the rest (vendor
/// options) is accepted as it is, since nothing of it reaches FreeSWITCH.
fn read_recognizer(f: &mut Fields<'_, '_>, v: &Value) -> Option<Recognizer> {
    let at = f.at_key("recognizer");
    let Some(object) = v.as_object() else {
        f.problem(
            "recognizer",
            format!("must be a JSON object, not {}", kind(v)),
        );
        return None;
    };
    let text = |key: &str| -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("must be a string, not {}", kind(other))),
        }
    };
    let mut read = |key: &str| match text(key) {
        Ok(v) => v,
        Err(e) => {
            f.problems().add(&at.key(key), e);
            None
        }
    };
    let recognizer = Recognizer {
        vendor: read("vendor"),
        language: read("language"),
    };
    f.notice(
        "recognizer",
        "kept as the default recognizer of transcribe (its vendor must then be a \
         [speech.<name>] recognizer); gathers stay digits only",
    );
    Some(recognizer)
}

fn read_reset(f: &mut Fields<'_, '_>) -> Vec<Reset> {
    let Some(v) = f.value("reset") else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some("synthesizer") => out.push(Reset::Synthesizer),
            Some("recognizer") => out.push(Reset::Recognizer),
            _ => f.problem(
                "reset",
                format!("must be \"synthesizer\", \"recognizer\" or an array of them, not {item}"),
            ),
        }
    }
    out
}
