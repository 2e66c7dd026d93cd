//! Reading jambonz's `synthesizer` object (of `say` and `config`): the
//! voice and language reach FreeSWITCH's TTS; the vendor's other settings
//! are accepted with a notice (dialbridge speaks with the engine of `[tts]`).

use serde_json::Value;

use super::Pointer;
use super::fields::Fields;
use crate::app::config::Voice;
use crate::app::problem::Problems;

/// Reads a `synthesizer`; None after recording its problems.
pub(crate) fn read_synthesizer(
    value: &Value,
    at: &Pointer,
    problems: &mut Problems,
) -> Option<Voice> {
    let before = problems.len();
    let mut s = Fields::of(value, at, "synthesizer", problems)?;
    let word = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let voice = match s.value("voice") {
        Some(Value::Object(_)) => {
            s.notice(
                "voice",
                "a vendor's voice object is not used by dialbridge; the [tts] voice is used",
            );
            None
        }
        Some(_) => s.str("voice").map(str::to_owned),
        None => None,
    };
    let language = s.str("language").map(str::to_owned);
    for (key, val) in [("voice", &voice), ("language", &language)] {
        if val.as_deref().is_some_and(|v| !v.chars().all(word)) {
            s.problem(key, "use letters, digits, - _ and . only");
        }
    }
    for key in [
        "vendor",
        "label",
        "engine",
        "gender",
        "fallbackVendor",
        "fallbackLabel",
        "fallbackLanguage",
    ] {
        if s.str(key).is_some() {
            s.notice(
                key,
                "dialbridge uses the TTS engine configured in [tts]; ignored",
            );
        }
    }
    if let Some(v) = s.value("fallbackVoice") {
        if v.is_string() || v.is_object() {
            s.notice(
                "fallbackVoice",
                "dialbridge uses the TTS engine configured in [tts]; ignored",
            );
        } else {
            s.problem("fallbackVoice", "must be a string or an object");
        }
    }
    s.ignored_object(
        "options",
        "vendor options are not used by dialbridge; ignored",
    );
    s.finish();
    (problems.len() == before).then_some(Voice { voice, language })
}
