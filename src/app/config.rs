//! jambonz's `config` verb: session-wide defaults an application sets once
//! (usually as its first verb) for the verbs that follow. What FreeSWITCH
//! can do is carried here; the properties dialbridge accepts without effect
//! are only named ([`Config::without_effect`]), each with a notice at read
//! time saying why.

use serde::Serialize;

use super::amd::Amd;

/// A validated `config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Default voice for `say` (and a gather's `say` prompt) from here on.
    pub(crate) synthesizer: Option<Voice>,
    /// Default recognizer. dialbridge gathers digits only, so it is kept
    /// for `explain` but changes nothing yet.
    pub(crate) recognizer: Option<Recognizer>,
    /// Answering-machine detection on this call, in the background; its
    /// events go to `amd.actionHook` while the application goes on.
    pub(crate) amd: Option<Amd>,
    /// Audio streamed in the background (`listen`/`stream`), or stopped.
    pub(crate) listen: Option<Toggle<Box<super::listen::Listen>>>,
    /// Transcription in the background (`transcribe`), or stopped.
    pub(crate) transcribe: Option<Toggle<Box<super::transcribe::Transcribe>>>,
    /// Music FreeSWITCH plays to the caller when the far end holds it
    /// (`hold_music`).
    pub(crate) on_hold_music: Option<String>,
    /// Gain on the caller's audio from here on (`boostAudioSignal`:
    /// `uuid_audio <caller> start read level <n>`; 0 dB stops a gain set
    /// before).
    pub(crate) boost: Option<super::boost::Boost>,
    /// Digits collected in the background of the verbs that follow
    /// (jambonz's `bargeIn`).
    pub(crate) barge_in: Option<BargeIn>,
    /// Told of each INFO received in the call's dialogs (jambonz's
    /// `sipRequestWithinDialogHook`).
    pub(crate) sip_request_within_dialog_hook: Option<super::hook::Hook>,
    /// Told of a blind REFER the caller sends outside a dial (jambonz's
    /// session `referHook`); its verbs replace the rest of the application
    /// (`crate::call::dial::refer` has what FreeSWITCH does with it).
    pub(crate) refer_hook: Option<super::hook::Hook>,
    /// Defaults to drop (`synthesizer`, `recognizer`) before applying the
    /// rest.
    pub(crate) reset: Vec<Reset>,
    /// Properties accepted without effect, in the order given.
    pub(crate) without_effect: Vec<String>,
}

/// jambonz's `bargeIn`: a gather of digits in the background. While the
/// verbs that follow run (not while a dial is bridged), the caller's
/// digits are collected; once complete, `actionHook` gets them (`digits`,
/// `reason: "dtmfDetected"`) and its verbs break off the running verb and
/// replace the rest. `sticky` keeps collecting after each completion;
/// `enable: false` stops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BargeIn {
    /// false stops a background gather started before.
    pub(crate) enable: bool,
    /// Collect again after each completion.
    pub(crate) sticky: bool,
    /// Told the digits; its verbs replace the rest.
    pub(crate) action_hook: Option<super::hook::Hook>,
    /// Fewest digits that complete the gather (default 1).
    pub(crate) min_digits: u32,
    /// Digits that complete it at once (None: no maximum).
    pub(crate) max_digits: Option<u32>,
    /// The key that completes it (not included in the digits).
    pub(crate) finish_on_key: Option<char>,
    /// Silence after a digit that completes it, once `min_digits` came.
    pub(crate) inter_digit_timeout_ms: u64,
}

/// A background feature a `config` verb turns on (`enable` true or
/// absent) or off (`enable: false`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Toggle<T> {
    /// Start it (replacing one already running).
    On(T),
    /// Stop the one running.
    Off,
}

/// A default voice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Voice {
    /// The voice name given to the TTS engine.
    pub(crate) voice: Option<String>,
    /// Its language.
    pub(crate) language: Option<String>,
}

/// A default speech recognizer (kept, not used: no speech input yet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Recognizer {
    /// jambonz's vendor name.
    pub(crate) vendor: Option<String>,
    /// Its language.
    pub(crate) language: Option<String>,
}

/// What `reset` drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Reset {
    /// The default voice.
    Synthesizer,
    /// The default recognizer.
    Recognizer,
}
