use serde_json::{Value, json};

use crate::app::{Context, Problem, Reply};
use crate::jambonz::parse_value;

fn ctx() -> Context {
    Context {
        carriers: vec!["Twilio".into()],
        has_default_carrier: true,
        ..Context::default()
    }
}

/// A dial with `props` and one phone target.
fn dial(props: Value) -> Value {
    let mut verb = json!({"verb": "dial", "target": [{"type": "phone", "number": "+15083084809"}]});
    for (k, v) in props.as_object().into_iter().flatten() {
        verb[k] = v.clone();
    }
    json!([verb])
}

fn accepted(props: Value) -> Reply {
    parse_value(&dial(props), &ctx()).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn refused(props: Value) -> Vec<Problem> {
    match parse_value(&dial(props), &ctx()) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e.problems(),
    }
}

fn pointers(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.pointer.as_str()).collect()
}

#[test]
fn dub_in_jambonz_array_form_is_accepted_with_a_notice() {
    let reply = accepted(json!({"dub": [
        {"action": "addTrack", "track": "ambient", "play": "https://x.example/a.mp3"},
        {"action": "sayOnTrack", "track": "ambient", "say": {"text": "hi"}, "gain": "-6 dB"}
    ]}));
    assert_eq!(reply.notices.len(), 1, "{:?}", reply.notices);
    assert_eq!(reply.notices[0].pointer, "/0/dub");
    assert!(reply.notices[0].message.contains("not supported"));
    // The object form is still accepted.
    let reply = accepted(json!({"dub": {"action": "addTrack", "track": "a"}}));
    assert_eq!(pointers(&reply.notices), ["/0/dub"]);
}

#[test]
fn malformed_dub_actions_are_refused_with_their_pointer() {
    let got = refused(json!({"dub": [
        {"action": "addTrak", "track": "a"},
        {"track": "a"},
        "addTrack",
        {"action": "addTrack", "track": "a", "volume": 3}
    ]}));
    assert_eq!(
        pointers(&got),
        ["/0/dub/0/action", "/0/dub/1", "/0/dub/2", "/0/dub/3/volume"]
    );
    assert!(got[0].message.contains("unknown dub action `addTrak`"));
    let got = refused(json!({"dub": "addTrack"}));
    assert_eq!(pointers(&got), ["/0/dub"]);
}

#[test]
fn exit_media_path_refuses_amd_and_dtmf_capture() {
    let got = refused(json!({"exitMediaPath": true, "amd": {"actionHook": "/amd"}}));
    assert_eq!(pointers(&got), ["/0/amd"]);
    assert!(got[0].message.contains("exitMediaPath"), "{got:?}");
    let got = refused(json!({"exitMediaPath": true, "dtmfCapture": ["*2"], "dtmfHook": "/d"}));
    assert_eq!(pointers(&got), ["/0/dtmfCapture"]);
    assert!(got[0].message.contains("RFC 2833"), "{got:?}");
    let got = refused(json!({"exitMediaPath": true, "amd": {"actionHook": "/amd"},
                             "dtmfCapture": {"childCall": ["*2"]}, "dtmfHook": "/d"}));
    assert_eq!(pointers(&got), ["/0/amd", "/0/dtmfCapture"]);
    // Each alone, or with exitMediaPath false, is fine.
    accepted(json!({"exitMediaPath": true}));
    accepted(
        json!({"exitMediaPath": false, "amd": {"actionHook": "/amd"},
                    "dtmfCapture": ["*2"], "dtmfHook": "/d"}),
    );
}
