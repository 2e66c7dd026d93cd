//! The `transcribe` verb and dial property: the call's speech sent to a
//! recognizer the user runs (`[speech.<name>]`, jambonz's custom speech
//! protocol), each transcript posted to `transcriptionHook` as jambonz
//! posts it.

use serde::Serialize;

use super::hook::Hook;

/// A validated `transcribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcribe {
    /// Where each transcript is posted.
    pub(crate) transcription_hook: Hook,
    /// The `[speech.<name>]` recognizer; None: the `config` verb's
    /// default recognizer.
    pub(crate) service: Option<String>,
    /// Its language; None: the default's, else `en-US`.
    pub(crate) language: Option<String>,
    /// Interim transcripts too (jambonz's `recognizer.interim`).
    pub(crate) interim: bool,
    /// In a dial: the callee too, through its own recognizer connection
    /// (`channel_tag` 2); the caller is `channel_tag` 1.
    pub(crate) separate_channels: bool,
}

/// The language a recognizer is started with when nothing names one.
pub(crate) const DEFAULT_LANGUAGE: &str = "en-US";

/// `[speech.<name>]` named by a jambonz vendor: `custom:<name>` (jambonz's
/// spelling for a custom speech vendor) or `<name>`.
pub(crate) fn service_of(vendor: &str) -> &str {
    vendor.strip_prefix("custom:").unwrap_or(vendor)
}
