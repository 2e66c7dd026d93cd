//! Reading jambonz's `transcribe` (a verb, or nested in a dial) into
//! [`crate::app::transcribe::Transcribe`]. The recognizer must be one of
//! the `[speech.<name>]` services: cloud vendors that need their own SDK
//! are refused, naming what is supported.

use serde_json::Value;

use super::Pointer;
use super::fields::{Fields, kind};
use super::hook::read_hook;
use crate::app::Context;
use crate::app::problem::Problems;
use crate::app::transcribe::{Transcribe, service_of};

/// Reads a `transcribe` verb's properties (the `verb` key consumed).
pub(crate) fn read_transcribe(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Transcribe> {
    let before = f.problems().len();
    let hook = match f.value("transcriptionHook") {
        Some(v) => {
            let at = f.at_key("transcriptionHook");
            read_hook(v, &at, f.problems())
        }
        None => {
            let at = f.at().clone();
            f.problems().add(
                &at,
                "`transcriptionHook` is required: where each transcript is posted",
            );
            None
        }
    };
    super::accepted::hook_without_effect(
        f,
        "translationHook",
        "dialbridge does not translate transcripts; ignored",
    );
    let _ = f.bool("earlyMedia");
    if f.integer("channel", 1, 2, "channels").is_some() {
        f.notice(
            "channel",
            "has no effect: the caller is channel 1, the callee (in a dial, with \
             separateRecognitionPerChannel) channel 2",
        );
    }
    let recognizer = match f.value("recognizer") {
        Some(v) => {
            let at = f.at_key("recognizer");
            read_recognizer(v, &at, ctx, f.problems())
        }
        None => Some(Recognizer::default()),
    };
    let (hook, r) = (hook?, recognizer?);
    (f.problems().len() == before).then_some(Transcribe {
        transcription_hook: hook,
        service: r.service,
        language: r.language,
        interim: r.interim,
        separate_channels: r.separate,
    })
}

/// Reads `transcribe` nested in a dial.
pub(crate) fn read_nested_transcribe(
    value: &Value,
    at: &Pointer,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Transcribe> {
    let mut f = Fields::of(value, at, "transcribe", problems)?;
    let _ = f.str("verb");
    let t = read_transcribe(&mut f, ctx);
    let clean = f.finish();
    t.filter(|_| clean)
}

#[derive(Default)]
struct Recognizer {
    service: Option<String>,
    language: Option<String>,
    interim: bool,
    separate: bool,
}

/// The properties of a recognizer dialbridge uses; the rest (vendor
/// options, hints, ...) are named in one notice.
const USED: &[&str] = &[
    "vendor",
    "language",
    "interim",
    "separateRecognitionPerChannel",
];

fn read_recognizer(
    value: &Value,
    at: &Pointer,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Recognizer> {
    let Some(o) = value.as_object() else {
        problems.add(at, format!("must be an object, not {}", kind(value)));
        return None;
    };
    let before = problems.len();
    let text = |k: &str, problems: &mut Problems| -> Option<String> {
        match o.get(k) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if super::fields::check_text(s, &at.key(k), problems) => {
                Some(s.clone())
            }
            Some(Value::String(_)) => None,
            Some(other) => {
                problems.add(&at.key(k), format!("must be a string, not {}", kind(other)));
                None
            }
        }
    };
    let flag = |k: &str, problems: &mut Problems| match o.get(k) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.add(
                &at.key(k),
                format!("must be true or false, not {}", kind(other)),
            );
            false
        }
    };
    let vendor = text("vendor", problems);
    let language = text("language", problems);
    if let Some(l) = &language
        && (l.is_empty()
            || !l
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        problems.add(
            &at.key("language"),
            format!("`{l}` is not a language code such as en-US"),
        );
    }
    let interim = flag("interim", problems);
    let separate = flag("separateRecognitionPerChannel", problems);
    let service = match vendor.as_deref() {
        None | Some("default") => None,
        Some(v) => {
            let name = service_of(v);
            match ctx.speech.iter().find(|s| s.eq_ignore_ascii_case(name)) {
                Some(s) => Some(s.clone()),
                None => {
                    problems.add(&at.key("vendor"), unsupported(v, &ctx.speech));
                    None
                }
            }
        }
    };
    let ignored: Vec<&str> = o
        .keys()
        .map(String::as_str)
        .filter(|k| !USED.contains(k))
        .collect();
    if !ignored.is_empty() {
        problems.notice(
            at,
            format!(
                "{} ha{} no effect: the custom speech protocol carries only the language and \
                 interim results",
                ignored.join(", "),
                if ignored.len() == 1 { "s" } else { "ve" }
            ),
        );
    }
    (problems.len() == before).then_some(Recognizer {
        service,
        language,
        interim,
        separate,
    })
}

/// Why `vendor` is refused, naming what is supported.
fn unsupported(vendor: &str, configured: &[String]) -> String {
    let have = if configured.is_empty() {
        "none is configured".to_owned()
    } else {
        format!(
            "configured: {}",
            configured
                .iter()
                .map(|s| format!("custom:{s}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "vendor `{vendor}` is not supported: dialbridge transcribes only through a recognizer \
         that speaks jambonz's custom speech websocket protocol, configured as \
         [speech.<name>] and chosen as `custom:<name>` ({have}); cloud vendors that need their \
         own SDK are not supported"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value, speech: &[&str]) -> Result<Transcribe, Vec<String>> {
        let ctx = Context {
            speech: speech.iter().map(|s| s.to_string()).collect(),
            ..Context::default()
        };
        let mut problems = Problems::default();
        let t = read_nested_transcribe(&v, &Pointer::root(), &ctx, &mut problems);
        let (p, _) = problems.into_parts();
        match t {
            Some(t) if p.is_empty() => Ok(t),
            _ => Err(p.into_iter().map(|p| p.to_string()).collect()),
        }
    }

    #[test]
    fn a_configured_custom_vendor_is_chosen_in_both_spellings() {
        for vendor in ["custom:acme", "acme", "ACME"] {
            let t = read(
                json!({"transcriptionHook": "/t", "recognizer": {"vendor": vendor,
                    "language": "de-DE", "interim": true, "separateRecognitionPerChannel": true,
                    "hints": ["a"]}}),
                &["acme"],
            )
            .unwrap();
            assert_eq!(t.service.as_deref(), Some("acme"));
            assert_eq!(t.language.as_deref(), Some("de-DE"));
            assert!(t.interim && t.separate_channels);
        }
        let t = read(json!({"transcriptionHook": "/t"}), &[]).unwrap();
        assert_eq!((t.service, t.interim), (None, false));
    }

    #[test]
    fn other_vendors_are_refused_naming_what_is_supported() {
        let e = read(
            json!({"transcriptionHook": "/t", "recognizer": {"vendor": "google"}}),
            &["acme"],
        )
        .unwrap_err();
        assert!(
            e[0].contains("/recognizer/vendor")
                && e[0].contains("`google` is not supported")
                && e[0].contains("configured: custom:acme"),
            "{e:?}"
        );
        let e = read(json!({"recognizer": {"vendor": "custom:acme"}}), &["acme"]).unwrap_err();
        assert!(e[0].contains("transcriptionHook"), "{e:?}");
        let e = read(
            json!({"transcriptionHook": "/t", "recognizer": {"vendor": "custom:x"}}),
            &[],
        )
        .unwrap_err();
        assert!(e[0].contains("none is configured"), "{e:?}");
    }
}
