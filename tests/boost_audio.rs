//! `boostAudioSignal` on a dial against the fake switch: `uuid_audio
//! <caller> start read level <n>` once a target is bridged (never on the
//! set-up path, where it would pre-answer the caller), the level nearest
//! the gain in dB (crate::app::boost), and `uuid_audio <caller> stop` when
//! the dial ends with the caller still there; and the `config` verb's
//! `boostAudioSignal` on the caller at once (0 dB stops it).

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::amd::amd_setup;
use dialing::*;
use fake_freeswitch::Callee;
use harness::Reply;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boost_audio_signal_sets_the_callers_read_level_while_bridged() {
    let (app, fake, d) = amd_setup(2_000).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "target": [phone("+15550000001")],
            "actionHook": "/action", "boostAudioSignal": "-6 dB"}])),
    );
    app.reply("/action", Reply::json(json!([])));
    let call = fake.call(
        d.addr,
        caller()
            .hangs_up_after(1_500)
            .leg(0, Callee::answers_after(50)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let action = app.wait_for("/action", 1, WAIT).await;
    assert_eq!(action[0].json()["dial_status"], "completed");
    let api: Vec<(std::time::Duration, String)> = call
        .commands()
        .iter()
        .filter(|c| c.verb == "api")
        .map(|c| (c.at, c.args.clone()))
        .collect();
    let a = call.uuid();
    let start = api
        .iter()
        .find(|(_, c)| *c == format!("uuid_audio {a} start read level -2"))
        .unwrap_or_else(|| panic!("-6 dB is level -2: {api:?}"));
    // After the bridge: the caller is not pre-answered by the media bug.
    let bridge_sent = call
        .commands()
        .iter()
        .find(|c| c.app() == Some("bridge"))
        .map(|c| c.at)
        .expect("a bridge");
    assert!(start.0 > bridge_sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_boost_is_stopped_when_the_dial_ends_with_the_caller_still_there() {
    let (app, fake, d) = amd_setup(2_000).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "target": [phone("+15550000001")],
                            "boostAudioSignal": 7},
                           {"verb": "pause", "length": 1}])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(500)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let api: Vec<String> = call
        .commands()
        .iter()
        .filter(|c| c.verb == "api" && c.args.starts_with("uuid_audio"))
        .map(|c| c.args.clone())
        .collect();
    let a = call.uuid();
    assert_eq!(
        api,
        [
            format!("uuid_audio {a} start read level 2"),
            format!("uuid_audio {a} stop")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_boost_sets_the_callers_level_and_zero_db_stops_it() {
    let (app, fake, d) = amd_setup(2_000).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "answer"},
            {"verb": "config", "boostAudioSignal": 7},
            {"verb": "pause", "length": 1},
            {"verb": "config", "boostAudioSignal": "0 dB"},
        ])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let a = call.uuid();
    let api: Vec<String> = call
        .commands()
        .iter()
        .filter(|c| c.verb == "api" && c.args.starts_with("uuid_audio"))
        .map(|c| c.args.clone())
        .collect();
    assert_eq!(
        api,
        [
            format!("uuid_audio {a} start read level 2"),
            format!("uuid_audio {a} stop")
        ]
    );
}
