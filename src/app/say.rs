//! `say`: text spoken with the TTS engine configured on FreeSWITCH.

use serde::Serialize;

use super::play::Loop;

/// A validated `say`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Say {
    /// Text to speak, in order.
    pub(crate) text: Vec<String>,
    /// Repetitions.
    pub(crate) repeat: Loop,
    /// Speak as early media (183) instead of answering.
    pub(crate) early_media: bool,
    /// Voice name for the TTS engine; None = `[tts] voice`.
    pub voice: Option<String>,
    /// Language; None = the engine's default.
    pub(crate) language: Option<String>,
}

/// Longest text accepted in one `say` element.
pub(crate) const MAX_TEXT: usize = 8192;
