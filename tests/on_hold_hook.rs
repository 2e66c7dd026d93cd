//! jambonz's dial `onHoldHook` against the fake switch: the legs carry
//! `hold_music=silence`; while the bridged callee holds, the hook's play /
//! say / pause reach the caller through `uuid_broadcast`, the hook is asked
//! again when they end, and the callee's resume stops them.

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::*;
use fake_freeswitch::{CallHandle, Callee, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

/// A dial with an onHoldHook whose callee answers, holds 1 s after the
/// answer, resumes at 3 s and hangs up at 4 s.
async fn held_call(hold_reply: Reply) -> (App, FakeSwitch, CallHandle) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.tts.engine = "flite".into();
    s.tts.voice = "kal".into();
    let d = harness::start(s).await;
    script(
        &app,
        json!({"verb": "dial", "target": [phone("+15550000001")], "actionHook": "/action",
               "onHoldHook": "/hold"}),
        json!([]),
        Reply::status(200),
    );
    app.reply("/hold", hold_reply);
    fake.file_duration("/sounds/long.wav", 60_000);
    fake.file_duration("/sounds/short.wav", 1_000);
    let call = fake.call(
        d.addr,
        caller().otherwise(
            Callee::answers_after(100)
                .holds_at(1_000)
                .resumes_at(3_000)
                .hangs_up_after_answer(4_000),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    (app, fake, call)
}

/// What the caller's channel played (its own apps and broadcasts).
fn played_on_caller(call: &CallHandle) -> Vec<(String, String)> {
    call.app_runs()
        .into_iter()
        .filter(|r| r.channel == call.uuid() && (r.name == "playback" || r.name == "speak"))
        .map(|r| (r.name, r.arg))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hooks_media_replaces_the_hold_music_and_stops_when_the_callee_resumes() {
    let (app, fake, call) = held_call(Reply::json(json!([
        {"verb": "play", "url": "/sounds/long.wav"},
    ])))
    .await;
    let globals = &call.dials()[0].global_vars;
    assert!(
        globals.contains(&("hold_music".into(), "silence".into())),
        "{globals:?}"
    );
    let asked = app.requests("/hold");
    assert_eq!(asked.len(), 1, "the media outlasted the hold: asked once");
    let body = asked[0].json();
    assert_eq!(body["call_sid"], call.uuid());
    // The callee's re-INVITE: From the callee, To the caller.
    let detail = &body["hold_detail"];
    assert!(
        detail["from"]
            .as_str()
            .unwrap_or("")
            .contains("+15550000001"),
        "{detail}"
    );
    assert!(
        detail["to"].as_str().unwrap_or("").contains("+15551230000"),
        "{detail}"
    );
    assert_eq!(
        played_on_caller(&call),
        [("playback".to_owned(), "/sounds/long.wav".to_owned())],
        "the hook's media and no FreeSWITCH hold music"
    );
    let apis = fake.api_log();
    let a = call.uuid();
    let broadcast = apis
        .iter()
        .position(|c| c == &format!("uuid_broadcast {a} /sounds/long.wav aleg"));
    let stop = apis
        .iter()
        .position(|c| c == &format!("uuid_break {a} all"));
    assert!(
        matches!((broadcast, stop), (Some(b), Some(s)) if b < s),
        "{apis:?}"
    );
    let action = app.requests("/action");
    assert_eq!(action[0].json()["dial_status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hook_is_asked_again_while_the_hold_lasts() {
    let (app, _fake, call) = held_call(Reply::json(json!([
        {"verb": "pause", "length": 0.5},
        {"verb": "play", "url": "/sounds/short.wav"},
    ])))
    .await;
    let asked = app.requests("/hold");
    assert!(asked.len() >= 2, "asked {} times", asked.len());
    assert!(asked[0].json().get("hold_detail").is_some());
    assert!(asked[1].json().get("hold_detail").is_none());
    let played = played_on_caller(&call);
    assert_eq!(
        played[..2],
        [
            ("playback".to_owned(), "silence_stream://500".to_owned()),
            ("playback".to_owned(), "/sounds/short.wav".to_owned())
        ],
        "{played:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_say_is_spoken_to_the_caller_and_other_verbs_are_refused() {
    let (_app, fake, call) = held_call(Reply::json(json!([
        {"verb": "say", "text": "please hold, it's busy"},
    ])))
    .await;
    let spoken: Vec<String> = played_on_caller(&call)
        .into_iter()
        .filter(|(n, _)| n == "speak")
        .map(|(_, a)| a)
        .collect();
    assert!(
        spoken
            .first()
            .is_some_and(|s| s.ends_with("|please hold, it\u{2019}s busy")),
        "{spoken:?}"
    );
    drop(fake);

    let (_app, fake, call) = held_call(Reply::json(json!([
        {"verb": "dial", "target": [phone("+15550000002")]},
    ])))
    .await;
    assert!(
        !fake
            .api_log()
            .iter()
            .any(|c| c.starts_with("uuid_broadcast")),
        "{:?}",
        fake.api_log()
    );
    assert_eq!(played_on_caller(&call), Vec::<(String, String)>::new());
}
