//! `[speech.<name>]`: a speech recognizer the user runs, spoken to with
//! jambonz's documented "custom speech" websocket protocol (a `start`
//! message, 8 kHz 16-bit audio, `transcription` messages back, `stop`).
//! An application chooses one with `recognizer.vendor`: `custom:<name>`
//! (jambonz's spelling) or `<name>`.

use serde::{Deserialize, Serialize};

use super::SettingProblem;
use crate::secret::Secret;

/// One recognizer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeechService {
    /// Its websocket, `ws://` or `wss://`.
    pub url: String,
    /// Sent as `Authorization: Bearer <api_key>` (as jambonz does); none
    /// when empty.
    pub api_key: Secret,
}

/// Problems with the `[speech.*]` sections.
pub(crate) fn check<'a>(
    services: impl Iterator<Item = (&'a String, &'a SpeechService)>,
) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    for (name, s) in services {
        let key = format!("speech.{name}.url");
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            out.push(SettingProblem {
                key: format!("speech.{name}"),
                message: "a recognizer name uses letters, digits, - _ and . only".into(),
            });
        }
        if let Err(e) = crate::jambonz::listen::check_ws_url(&s.url) {
            out.push(SettingProblem {
                key,
                message: format!("{e} (the recognizer's websocket)"),
            });
        }
    }
    out
}
