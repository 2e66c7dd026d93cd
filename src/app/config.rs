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
    /// Defaults to drop (`synthesizer`, `recognizer`) before applying the
    /// rest.
    pub(crate) reset: Vec<Reset>,
    /// Properties accepted without effect, in the order given.
    pub(crate) without_effect: Vec<String>,
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
