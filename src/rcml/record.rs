//! Reading RCML's `<Record>` with TwiML's defaults: `action` the
//! document's own URL, `method` POST, `timeout` 5 s of silence (0: none),
//! `finishOnKey` any key (`1234567890*#`; empty: none), `maxLength` 3600 s,
//! `playBeep` true. Transcription and status callbacks are accepted
//! without effect; `trim` too (the recording is kept as written).

use super::Source;
use super::attrs::Attrs;
use super::no_children;
use super::xml::Element;
use crate::app::problem::Problems;
use crate::app::record::{DEFAULT_MAX_LENGTH_SECS, MAX_LENGTH_SECS, Record};

/// TwiML's `finishOnKey` default: any key.
const ANY_KEY: &str = "1234567890*#";

/// Reads `<Record>`.
pub(crate) fn read_record(
    el: &Element,
    source: Source<'_>,
    problems: &mut Problems,
) -> Option<Record> {
    let before = problems.len();
    let mut a = Attrs::of(el, problems);
    let method = a.method();
    // TwiML: without action, the result goes to the document's own URL.
    let action_hook = a.action_or_document(method, source.url);
    let timeout = a.integer("timeout", 0, 3600, "seconds").unwrap_or(5) as u32;
    let max_length = a
        .integer("maxLength", 1, u64::from(MAX_LENGTH_SECS), "seconds")
        .map_or(DEFAULT_MAX_LENGTH_SECS, |n| n as u32);
    let finish_on_key = match a.str("finishOnKey") {
        None => ANY_KEY.to_owned(),
        Some(k) if k.chars().all(|c| ANY_KEY.contains(c)) => {
            let mut keys: Vec<char> = Vec::new();
            for c in k.chars() {
                if !keys.contains(&c) {
                    keys.push(c);
                }
            }
            keys.into_iter().collect()
        }
        Some(_) => {
            a.problem(
                "finishOnKey",
                "must be DTMF keys (0-9, * and #), or empty for none",
            );
            String::new()
        }
    };
    let play_beep = a.bool("playBeep").unwrap_or(true);
    a.without_effect(
        &[
            "transcribe",
            "transcribeCallback",
            "recordingStatusCallback",
            "recordingStatusCallbackMethod",
            "recordingStatusCallbackEvent",
            "storageUrl",
            "storageUrlMethod",
        ],
        "dialbridge neither transcribes nor sends recording status callbacks",
    );
    a.without_effect(&["trim"], "the recording is kept as FreeSWITCH wrote it");
    a.finish();
    no_children(el, problems);
    if !el.text().is_empty() {
        problems.add(
            crate::app::Location::XmlPath(el.path.clone()),
            "<Record> takes no text",
        );
    }
    let action_hook = action_hook?;
    (problems.len() == before).then_some(Record {
        action_hook,
        timeout,
        finish_on_key,
        max_length,
        play_beep,
    })
}

#[cfg(test)]
mod tests {
    use crate::app::{Method, Verb};
    use crate::rcml::tests::{DOC, problems, read};

    #[test]
    fn record_reads_twilios_defaults_and_refuses_bad_keys() {
        let r = read("<Response><Record/></Response>").expect("valid");
        let Verb::Record(rec) = &r.instructions[0].verb else {
            panic!("not a record: {r:?}");
        };
        assert_eq!(rec.action_hook.url, DOC);
        assert_eq!(rec.action_hook.method, Method::Post);
        assert_eq!(rec.timeout, 5);
        assert_eq!(rec.max_length, 3600);
        assert_eq!(rec.finish_on_key, "1234567890*#");
        assert!(rec.play_beep);
        let r = read(
            r###"<Response><Record action="/done" method="GET" timeout="0" maxLength="20"
                 finishOnKey="##*" playBeep="false" transcribe="true"/></Response>"###,
        )
        .expect("valid");
        let Verb::Record(rec) = &r.instructions[0].verb else {
            panic!("not a record: {r:?}");
        };
        assert_eq!(rec.action_hook.url, "/done");
        assert_eq!(rec.action_hook.method, Method::Get);
        assert_eq!((rec.timeout, rec.max_length), (0, 20));
        assert_eq!(rec.finish_on_key, "#*");
        assert!(!rec.play_beep);
        assert!(
            r.notices
                .iter()
                .any(|n| n.pointer.as_str() == "/Response/Record[1]/@transcribe")
        );
        let p = problems(r#"<Response><Record finishOnKey="x" maxLength="0"/></Response>"#);
        let at: Vec<&str> = p.iter().map(|(at, _)| at.as_str()).collect();
        assert!(at.contains(&"/Response/Record[1]/@finishOnKey"), "{p:?}");
        assert!(at.contains(&"/Response/Record[1]/@maxLength"), "{p:?}");
    }
}
