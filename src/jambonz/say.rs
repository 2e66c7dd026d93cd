//! Reading jambonz's `say` verb.

use super::fields::Fields;
use super::play::{read_list, read_loop};
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
        if let Some(mut s) = Fields::of(v, &at, "synthesizer", f.problems()) {
            let word = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
            voice = s.str("voice").map(str::to_owned);
            language = s.str("language").map(str::to_owned);
            for (key, val) in [("voice", &voice), ("language", &language)] {
                if val.as_deref().is_some_and(|v| !v.chars().all(word)) {
                    s.problem(key, "use letters, digits, - _ and . only");
                }
            }
            for key in ["vendor", "label", "engine", "gender"] {
                if s.str(key).is_some() {
                    s.notice(
                        key,
                        "dialbridge uses the TTS engine configured in [tts]; ignored",
                    );
                }
            }
            s.ignored_object(
                "options",
                "vendor options are not used by dialbridge; ignored",
            );
            s.finish();
        }
    }
    Some(Say {
        text: text?,
        repeat,
        early_media,
        voice,
        language,
    })
}
