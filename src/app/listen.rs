//! The `listen` verb (jambonz's `stream` is its alias) and the `listen`
//! property of a dial: the call's audio streamed to the application's
//! websocket as 16-bit linear PCM frames, with a first text frame carrying
//! the call's fields and the application's metadata.

use serde::Serialize;
use serde_json::Value;

use super::hook::Hook;
use crate::secret::Secret;

/// Sample rates dialbridge streams at (FreeSWITCH's `record_sample_rate`
/// for a raw recording; jambonz's default is 8000).
pub(crate) const SAMPLE_RATES: &[u32] = &[8000, 16000];

/// Longest `maxLength` accepted: one day.
pub(crate) const MAX_LENGTH_SECS: u64 = 86_400;

/// A validated `listen`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listen {
    /// The websocket, `ws://` or `wss://`.
    pub(crate) url: String,
    /// Posted when the stream ends (the verb waits for its reply).
    pub(crate) action_hook: Option<Hook>,
    /// Which audio, in which channels.
    pub(crate) mix_type: MixType,
    /// Samples per second of the streamed audio.
    pub(crate) sample_rate: u32,
    /// Added to the first text frame.
    pub(crate) metadata: Option<Value>,
    /// DTMF sent as JSON text frames.
    pub(crate) pass_dtmf: bool,
    /// Seconds of silence that end the listen verb.
    pub(crate) timeout_secs: Option<u32>,
    /// Longest stream, in seconds.
    pub(crate) max_length_secs: Option<u32>,
    /// Digits that end the listen verb.
    pub(crate) finish_on_key: Option<String>,
    /// HTTP basic authentication on the websocket's upgrade request.
    pub(crate) ws_auth: Option<WsAuth>,
    /// A `transcribe` nested in the verb: the caller transcribed beside
    /// the stream, until it ends (jambonz's listen.js).
    pub(crate) transcribe: Option<Box<super::transcribe::Transcribe>>,
}

/// jambonz's `mixType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MixType {
    /// One channel: the caller's audio only.
    Mono,
    /// Two interleaved channels: the caller left, the other party (what the
    /// caller hears) right.
    Stereo,
    /// One channel: both directions mixed.
    Mixed,
}

impl MixType {
    /// The name applications write.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MixType::Mono => "mono",
            MixType::Stereo => "stereo",
            MixType::Mixed => "mixed",
        }
    }

    /// Channels in a frame.
    pub(crate) fn channels(self) -> usize {
        match self {
            MixType::Stereo => 2,
            MixType::Mono | MixType::Mixed => 1,
        }
    }
}

/// `wsAuth`: basic authentication on the websocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WsAuth {
    /// User name.
    pub(crate) username: String,
    /// Password (never printed).
    pub(crate) password: Secret,
}

impl Listen {
    /// Bytes of one 20 ms frame of this stream (16-bit samples, every
    /// channel).
    pub(crate) fn frame_bytes(&self) -> usize {
        self.sample_rate as usize / 50 * 2 * self.mix_type.channels()
    }
}
