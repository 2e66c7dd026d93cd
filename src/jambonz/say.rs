//! Reading jambonz's `say` verb.

use super::fields::Fields;
use super::play::{read_list, read_loop};
use super::synthesizer::read_synthesizer;
use crate::app::say::{MAX_TEXT, Say};

/// Reads `say`'s properties.
pub(crate) fn read_say(f: &mut Fields<'_, '_>) -> Option<Say> {
    if !f.has("text") {
        let at = f.at().clone();
        f.problems().add(&at, "`text` is required: what to say");
        return None;
    }
    let text = read_list(f, "text", |s| {
        if s.trim().is_empty() {
            Err("is empty".to_owned())
        } else if s.len() > MAX_TEXT {
            Err(format!("is longer than {MAX_TEXT} bytes"))
        } else {
            Ok(s.to_owned())
        }
    });
    let repeat = read_loop(f);
    let early_media = f.bool("earlyMedia").unwrap_or(false);
    let (mut voice, mut language) = (None, None);
    if let Some(v) = f.value("synthesizer") {
        let at = f.at_key("synthesizer");
        if let Some(s) = read_synthesizer(v, &at, f.problems()) {
            (voice, language) = (s.voice, s.language);
        }
    }
    for key in ["disableTtsCache", "stream", "closeStreamOnEmpty"] {
        if f.bool(key).is_some() {
            f.notice(
                key,
                "dialbridge speaks through FreeSWITCH's TTS module, which has no such setting; \
                 ignored",
            );
        }
    }
    if f.str("instructions").is_some() {
        f.notice(
            "instructions",
            "speaking instructions are for LLM voices, which dialbridge does not drive; ignored",
        );
    }
    Some(Say {
        text: text?,
        repeat,
        early_media,
        voice,
        language,
    })
}
