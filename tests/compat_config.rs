//! jambonz's `config` verb against the fake switch: the default voice of
//! later `say`s (and `reset`), `onHoldMusic` as FreeSWITCH's `hold_music` (what the
//! caller hears while the callee holds),
//! and answering-machine detection on the caller in the background while
//! the application goes on.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::amd::speech;
use dialing::{WAIT, app_names, caller};
use fake_freeswitch::{Callee, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

/// The `speak` arguments the daemon sent, in order.
fn speaks(call: &fake_freeswitch::CallHandle) -> Vec<String> {
    call.apps()
        .into_iter()
        .filter(|(n, _)| n == "speak")
        .map(|(_, a)| a)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_sets_the_voice_of_later_says_until_reset() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "say", "text": "one"},
            {"verb": "config", "synthesizer": {"vendor": "google", "voice": "kal", "language": "en-US"}},
            {"verb": "say", "text": "two"},
            {"verb": "say", "text": "three", "synthesizer": {"voice": "rms"}},
            {"verb": "config", "reset": "synthesizer"},
            {"verb": "say", "text": "four"},
        ])),
    );
    let mut s = harness::settings(&app);
    s.tts.engine = "flite".into();
    s.tts.voice = "slt".into();
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        speaks(&call),
        [
            "flite|slt|one",
            "flite|kal|two",
            "flite|rms|three",
            "flite|slt|four"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_on_hold_music_is_fetched_and_set_as_hold_music() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "onHoldMusic": app.url("/hold.wav"), "notifyEvents": true},
            {"verb": "answer"},
        ])),
    );
    app.reply("/hold.wav", Reply::audio("audio/wav", 2_000));
    let s = harness::settings(&app);
    let cache = s.media.cache_dir.clone();
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    assert_eq!(apps[0].0, "export", "{apps:?}");
    let path = apps[0]
        .1
        .strip_prefix("hold_music=")
        .unwrap_or_else(|| panic!("{apps:?}"));
    assert!(path.starts_with(&cache), "{path} is in the media cache");
    assert_eq!(std::fs::metadata(path).map(|m| m.len()).ok(), Some(2_000));
    assert_eq!(app_names(&call)[1..], ["answer", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_on_hold_music_is_what_the_caller_hears_while_the_callee_holds() {
    let (app, fake, d) = dialing::setup().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "onHoldMusic": app.url("/hold.wav")},
            {"verb": "dial", "target": [dialing::phone("+15550000001")], "actionHook": "/action"},
        ])),
    );
    app.reply("/hold.wav", Reply::audio("audio/wav", 2_000));
    app.reply("/action", Reply::status(200));
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
    let exported = call.apps()[0].1.clone();
    let music = exported
        .strip_prefix("hold_music=")
        .unwrap_or_else(|| panic!("{:?}", call.apps()))
        .to_owned();
    // FreeSWITCH plays the holding leg's hold_music to its partner: the
    // callee's leg has it from the caller's export.
    let played: Vec<String> = call
        .app_runs()
        .into_iter()
        .filter(|r| r.channel == call.uuid() && r.name == "playback")
        .map(|r| r.arg)
        .collect();
    assert_eq!(played, [music]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_amd_detects_on_the_caller_while_the_application_goes_on() {
    let (app, fake, d) = dialing::amd::amd_setup(2_000).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "amd": {"actionHook": "/amd",
                "timers": {"decisionTimeoutMs": 5000}}},
            {"verb": "answer"},
            // 4 s: the switch's second lasts 100 ms here.
            {"verb": "pause", "length": 40},
        ])),
    );
    app.reply("/amd", Reply::status(200));
    // "Hello?": one short word, then silence — a human.
    let call = fake.call(d.addr, caller().records(speech(300, 1, 3_000)));
    let got = app.wait_for("/amd", 1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["call_sid"], call.uuid());
    assert_eq!(
        got[0].json()["call_status"],
        "in-progress",
        "the fields as they are when the event is posted"
    );
    assert_eq!(got[0].json()["type"], "amd_human_detected");
    let records: Vec<String> = call
        .commands()
        .into_iter()
        .filter(|c| c.verb == "api" && c.args.starts_with("uuid_record"))
        .map(|c| c.args)
        .collect();
    assert!(
        records
            .first()
            .is_some_and(|r| r.starts_with(&format!("uuid_record {} start ", call.uuid()))),
        "the caller's own audio is recorded: {records:?}"
    );
    call.finished(WAIT).await.expect("the call ends");
    let names = app_names(&call);
    assert!(names.contains(&"avmd_start".to_owned()), "{names:?}");
    let verbs: Vec<&String> = names.iter().filter(|n| !n.starts_with("avmd_")).collect();
    assert_eq!(
        verbs,
        ["answer", "sleep", "hangup"],
        "the application went on beside the detection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_amd_ends_with_the_call() {
    let (app, fake, d) = dialing::amd::amd_setup(2_000).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "amd": {"actionHook": "/amd",
                "timers": {"noSpeechTimeoutMs": 2500, "decisionTimeoutMs": 3000}}},
            {"verb": "answer"},
            {"verb": "pause", "length": 5},
            {"verb": "hangup"},
        ])),
    );
    app.reply("/amd", Reply::status(200));
    // Silence: undecided when the application hangs up at 0.5 s (the
    // switch's second lasts 100 ms here).
    let call = fake.call(d.addr, caller().records(vec![0; 8 * 6_000]));
    call.finished(WAIT).await.expect("the call ends");
    tokio::time::sleep(Duration::from_millis(4_000)).await;
    assert!(
        app.requests("/amd").is_empty(),
        "no detection result after the call ended: {:?}",
        app.requests("/amd")
            .iter()
            .map(|r| r.json())
            .collect::<Vec<_>>()
    );
}
