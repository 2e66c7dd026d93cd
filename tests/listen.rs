//! `listen` (and its alias `stream`) against the fake switch and a real
//! websocket server (tests/support/ws_server.rs): the first text frame with
//! the call's fields and the metadata, 20 ms binary frames of the right
//! size for the rate and layout, the audio itself as the fake's recording
//! holds it (the caller left, the callee right in stereo, both summed in
//! mixed), DTMF as text frames, and a websocket that refuses, drops or
//! disconnects never hurting the call.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;
mod support;

use dialing::amd::amd_setup;
use dialing::*;
use fake_freeswitch::{CallHandle, Callee, FakeSwitch};
use harness::{App, Reply, Running};
use serde_json::{Value, json};
use support::ws_server::{Behaviour, Conn, WsServer};

#[path = "listen/listen_status.rs"]
mod listen_status;

/// A distinct ramp for each party, so channels can be told apart.
fn ramp(start: i16, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| start.wrapping_add((i % 1000) as i16))
        .collect()
}

fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|p| i16::from_le_bytes([p[0], p[1]]))
        .collect()
}

async fn setup() -> (App, FakeSwitch, Running) {
    amd_setup(2_000).await
}

/// Runs `verbs` for a caller whose own audio is `caller_audio`, whose leg 0
/// answers with `callee_audio`, and who hangs up after `hangup_ms`.
async fn run(
    app: &App,
    fake: &FakeSwitch,
    d: &Running,
    verbs: Value,
    caller_audio: Vec<i16>,
    callee_audio: Vec<i16>,
    hangup_ms: u64,
) -> CallHandle {
    app.reply("/call", Reply::json(verbs));
    app.reply("/action", Reply::json(json!([])));
    app.reply("/listened", Reply::json(json!([])));
    let call = fake.call(
        d.addr,
        caller()
            .records(caller_audio)
            .hangs_up_after(hangup_ms)
            .leg(0, Callee::answers_after(50).records(callee_audio)),
    );
    call.finished(WAIT).await.expect("the call ends");
    call
}

fn one_conn(server: &WsServer) -> Conn {
    let conns = server.conns();
    assert_eq!(conns.len(), 1, "{conns:?}");
    conns[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listen_verb_sends_the_metadata_frame_then_the_callers_audio_in_20_ms_frames() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    let caller_audio = ramp(1000, 8_000);
    let call = run(
        &app,
        &fake,
        &d,
        json!([{"verb": "listen", "url": ws.url("/audio"), "metadata": {"tenant": "t1"},
                "actionHook": "/listened", "wsAuth": {"username": "u", "password": "s3cret"}}]),
        caller_audio.clone(),
        vec![],
        1_500,
    )
    .await;
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    let c = &c[0];
    assert_eq!(c.protocol.as_deref(), Some("audio.jambonz.org"));
    assert_eq!(c.authorization.as_deref(), Some("Basic dTpzM2NyZXQ="));
    let meta = c.first_json();
    assert_eq!(meta["callSid"], call.uuid());
    assert_eq!(meta["from"], "+15551230000");
    assert_eq!(
        (&meta["sampleRate"], &meta["mixType"], &meta["tenant"]),
        (&json!(8000), &json!("mono"), &json!("t1"))
    );
    let frames = c.binaries();
    assert!(frames.len() >= 20, "{} frames", frames.len());
    assert!(frames.iter().all(|f| f.len() == 320), "8 kHz mono: 320 B");
    let got = samples(&frames.concat());
    assert_eq!(
        got[..],
        caller_audio[..got.len()],
        "the caller's audio, in order"
    );
    assert_eq!(c.texts().len(), 1, "only the metadata frame is text");
    // The caller hung up: the actionHook says so and how long it streamed.
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(done[0].json()["reason"], "hangup");
    assert!(done[0].json()["duration"].is_u64());
    assert!(
        harness::log_lines_with("s3cret").is_empty(),
        "the wsAuth password is never logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dials_stereo_stream_has_the_caller_left_and_the_callee_right_at_16_khz() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    let (caller_audio, callee_audio) = (ramp(1000, 8_000), ramp(-3000, 8_000));
    run(
        &app,
        &fake,
        &d,
        json!([{"verb": "dial", "target": [phone("+15550000001")], "actionHook": "/action",
                "stream": {"url": ws.url("/"), "mixType": "stereo", "sampleRate": 16000}}]),
        caller_audio.clone(),
        callee_audio.clone(),
        1_500,
    )
    .await;
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    let c = &c[0];
    assert_eq!(
        (&c.first_json()["mixType"], &c.first_json()["sampleRate"]),
        (&json!("stereo"), &json!(16000))
    );
    let frames = c.binaries();
    assert!(frames.len() >= 10, "{} frames", frames.len());
    assert!(
        frames.iter().all(|f| f.len() == 1280),
        "16 kHz stereo: 1280 B"
    );
    let got = samples(&frames.concat());
    let left: Vec<i16> = got.iter().step_by(2).copied().collect();
    let right: Vec<i16> = got.iter().skip(1).step_by(2).copied().collect();
    // 16 kHz: every 8 kHz sample twice (the fake's resampling).
    let twice =
        |a: &[i16], n: usize| -> Vec<i16> { a.iter().flat_map(|s| [*s, *s]).take(n).collect() };
    assert_eq!(left, twice(&caller_audio, left.len()), "caller left");
    assert_eq!(right, twice(&callee_audio, right.len()), "callee right");
    let action = app.wait_for("/action", 1, WAIT).await;
    assert_eq!(action[0].json()["dial_status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_stream_sums_both_parties_into_one_channel() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    let (caller_audio, callee_audio) = (ramp(1000, 8_000), ramp(200, 8_000));
    run(
        &app,
        &fake,
        &d,
        json!([{"verb": "dial", "target": [phone("+15550000001")],
                "listen": {"url": ws.url("/"), "mixType": "mixed"}}]),
        caller_audio.clone(),
        callee_audio.clone(),
        1_500,
    )
    .await;
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    let frames = c[0].binaries();
    assert!(!frames.is_empty() && frames.iter().all(|f| f.len() == 320));
    let got = samples(&frames.concat());
    let mixed: Vec<i16> = caller_audio
        .iter()
        .zip(&callee_audio)
        .map(|(a, b)| a.saturating_add(*b))
        .take(got.len())
        .collect();
    assert_eq!(got, mixed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_dtmf_sends_the_callers_digits_as_text_frames_and_finish_on_key_ends_the_verb() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "listen", "url": ws.url("/"), "passDtmf": true, "finishOnKey": "#",
             "actionHook": "/listened"},
            {"verb": "pause", "length": 1}])),
    );
    app.reply("/listened", Reply::json(json!([])));
    let call = fake.call(
        d.addr,
        caller()
            .records(ramp(0, 16_000))
            .presses("4", 400)
            .presses("#", 900)
            .hangs_up_after(4_000),
    );
    call.finished(WAIT).await.expect("the call ends");
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    let texts: Vec<Value> = c[0].texts()[1..]
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(
        (&texts[0]["event"], &texts[0]["dtmf"]),
        (&json!("dtmf"), &json!("4"))
    );
    assert_eq!(texts[1]["dtmf"], "#");
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(
        (&done[0].json()["reason"], &done[0].json()["digits"]),
        (&json!("finishOnKey"), &json!("#"))
    );
    // The application went on: the pause ran after the listen.
    assert!(
        app_names(&call).contains(&"sleep".to_owned()),
        "{:?}",
        app_names(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_websocket_ends_the_verb_and_the_application_goes_on() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Refuse).await;
    let call = run(
        &app,
        &fake,
        &d,
        json!([{"verb": "listen", "url": ws.url("/"), "actionHook": "/listened"},
               {"verb": "pause", "length": 1}]),
        ramp(0, 8_000),
        vec![],
        3_000,
    )
    .await;
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(done[0].json()["reason"], "failed");
    assert!(app_names(&call).contains(&"sleep".to_owned()));
    // Nothing was recorded for a stream that never opened.
    assert!(
        !call
            .commands()
            .iter()
            .any(|c| c.raw.contains("uuid_record")),
        "no recording without a websocket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_whose_websocket_refuses_or_drops_is_bridged_and_ends_as_usual() {
    for behaviour in [Behaviour::Refuse, Behaviour::DropFirstAfter(5)] {
        let (app, fake, d) = setup().await;
        let ws = WsServer::start(behaviour).await;
        let call = run(
            &app,
            &fake,
            &d,
            json!([{"verb": "dial", "target": [phone("+15550000001")], "actionHook": "/action",
                    "listen": {"url": ws.url("/")}}]),
            ramp(0, 16_000),
            ramp(0, 16_000),
            2_000,
        )
        .await;
        let action = app.wait_for("/action", 1, WAIT).await;
        assert_eq!(
            action[0].json()["dial_status"],
            "completed",
            "{behaviour:?}"
        );
        assert_eq!(call.legs()[0].cause.as_deref(), Some("NORMAL_CLEARING"));
        if let Behaviour::DropFirstAfter(_) = behaviour {
            // Reconnected: a second connection with its own metadata frame
            // and audio after it.
            let conns = ws.conns();
            assert!(conns.len() >= 2, "{conns:?}");
            assert_eq!(conns[1].first_json()["mixType"], "mono");
            assert!(!conns[1].binaries().is_empty());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_that_disconnects_ends_the_listen_verb() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::DisconnectAfter(10)).await;
    let call = run(
        &app,
        &fake,
        &d,
        json!([{"verb": "listen", "url": ws.url("/"), "actionHook": "/listened"},
               {"verb": "pause", "length": 1}]),
        ramp(0, 40_000),
        vec![],
        4_000,
    )
    .await;
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(done[0].json()["reason"], "closed");
    assert!(app_names(&call).contains(&"sleep".to_owned()));
    let stops = call
        .commands()
        .iter()
        .filter(|c| c.raw.contains("uuid_record") && c.raw.contains(" stop "))
        .count();
    assert_eq!(stops, 1, "the recording is stopped when the stream ends");
    let _ = one_conn(&ws);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_stream_runs_in_the_background_until_a_config_turns_it_off() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "stream": {"enable": true, "url": ws.url("/bg"),
                                          "metadata": {"bg": true}}},
            {"verb": "pause", "length": 10},
            {"verb": "config", "listen": {"enable": false}},
            {"verb": "pause", "length": 3}])),
    );
    let caller_audio = ramp(500, 16_000);
    let call = fake.call(
        d.addr,
        caller().records(caller_audio.clone()).hangs_up_after(3_000),
    );
    call.finished(WAIT).await.expect("the call ends");
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].first_json()["bg"], true);
    // The application went on while the stream ran (the pause).
    assert!(app_names(&call).contains(&"sleep".to_owned()));
    let got = samples(&c[0].binaries().concat());
    assert!(got.len() >= 4_000, "{} samples", got.len());
    assert_eq!(got[..], caller_audio[..got.len()]);
    // Stopped by the second config (10 switch-seconds = 1 s in): before
    // the caller's 2 s of audio had all been sent (the caller hangs up at 3 s).
    let stops: Vec<String> = call
        .commands()
        .iter()
        .filter(|c| c.args.starts_with("uuid_record") && c.args.contains(" stop "))
        .map(|c| c.args.clone())
        .collect();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert!(got.len() < 16_000, "{} samples", got.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wss_url_is_opened_with_tls_and_a_failed_handshake_only_ends_the_verb() {
    let (app, fake, d) = setup().await;
    // A plain websocket server: the TLS handshake fails.
    let ws = WsServer::start(Behaviour::Accept).await;
    let url = ws.url("/").replacen("ws://", "wss://", 1);
    let call = run(
        &app,
        &fake,
        &d,
        json!([{"verb": "listen", "url": url, "actionHook": "/listened"},
               {"verb": "pause", "length": 1}]),
        ramp(0, 8_000),
        vec![],
        3_000,
    )
    .await;
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(done[0].json()["reason"], "failed");
    assert!(app_names(&call).contains(&"sleep".to_owned()));
    assert!(
        ws.conns().iter().all(|c| c.messages.is_empty()),
        "nothing reached a server that does not speak TLS"
    );
}
