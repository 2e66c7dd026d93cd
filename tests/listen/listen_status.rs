//! updateCall's `listen_status` (and jambonz's alias `stream_status`)
//! through the REST API: a paused listen sends no audio frame while its
//! websocket stays open, and a resumed one goes on with the live audio,
//! never what was said meanwhile; a call without a running listen is 409.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::rest::{api, calls_url, send, setup_api_with};
use super::support::ws_server::{Behaviour, Conn, WsServer};
use super::{caller, samples};
use crate::dialing::WAIT;
use crate::fake_freeswitch::{Callee, FakeSwitch};
use crate::harness::{App, Reply, Running};

/// 8 s of caller audio at 8 kHz whose every sample is distinct (the
/// sample counts up from -32768), so a gap in what is received shows.
fn counting() -> Vec<i16> {
    (i16::MIN..=i16::MAX).collect()
}

async fn setup() -> (App, FakeSwitch, Running) {
    setup_api_with(|s| {
        s.amd.audio_dir = std::env::temp_dir()
            .join(format!("dialbridge-listen-status-{}", uuid::Uuid::new_v4()))
            .display()
            .to_string();
        s.amd.file_wait_ms = 2_000;
    })
    .await
}

/// POSTs `body` to the call's updateCall.
async fn update(d: &Running, sid: &str, body: Value) -> (u16, Value) {
    send(api(Method::POST, &format!("{}/{sid}", calls_url(d))).json(&body)).await
}

/// Waits until the one connection has at least `n` binary frames.
async fn frames_at_least(ws: &WsServer, n: usize) -> Conn {
    let c = ws
        .wait_for(WAIT, |c| c.len() == 1 && c[0].binaries().len() >= n)
        .await;
    assert!(c[0].binaries().len() >= n, "never {n} frames: {c:?}");
    c[0].clone()
}

/// Where a run of consecutive samples breaks: (index, jump).
fn breaks(got: &[i16]) -> Vec<(usize, i32)> {
    got.windows(2)
        .enumerate()
        .filter(|(_, w)| i32::from(w[1]) != i32::from(w[0]) + 1)
        .map(|(i, w)| (i + 1, i32::from(w[1]) - i32::from(w[0])))
        .collect()
}

/// Pauses `sid`'s listen, checks nothing streams meanwhile, resumes it.
async fn pause_and_resume(d: &Running, sid: &str, ws: &WsServer, field: &str) {
    frames_at_least(ws, 10).await;
    assert_eq!(update(d, sid, json!({field: "pause"})).await.0, 202);
    // A frame already on its way may still land: let it, then count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let paused_at = ws.conns()[0].binaries().len();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let c = ws.conns();
    assert_eq!(
        c[0].binaries().len(),
        paused_at,
        "no audio frame is sent while paused"
    );
    assert!(!c[0].closed, "the websocket stays open while paused");
    assert_eq!(update(d, sid, json!({field: "resume"})).await.0, 202);
    frames_at_least(ws, paused_at + 10).await;
}

/// The received audio: the caller's own, in order, with one gap of at
/// least the pause (800 ms = 6400 samples) where it was paused.
fn assert_one_gap(c: &Conn) {
    let got = samples(&c.binaries().concat());
    assert_eq!(got[0], i16::MIN, "from the start of the caller's audio");
    let gaps = breaks(&got);
    assert_eq!(gaps.len(), 1, "one gap: {gaps:?}");
    assert!(
        gaps[0].1 > 6_400,
        "what was said while paused is never sent late: {gaps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_listen_verb_sends_nothing_keeps_its_websocket_and_resumes_with_the_live_audio() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    app.reply(
        "/call",
        Reply::json(
            json!([{"verb": "listen", "url": ws.url("/audio"), "timeout": 1,
                            "actionHook": "/listened"}]),
        ),
    );
    app.reply("/listened", Reply::json(json!([])));
    let call = fake.call(d.addr, caller().records(counting()));
    pause_and_resume(&d, call.uuid(), &ws, "listen_status").await;
    assert_eq!(
        send(api(
            Method::DELETE,
            &format!("{}/{}", calls_url(&d), call.uuid())
        ))
        .await
        .0,
        204
    );
    call.finished(WAIT).await.expect("the call ends");
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    assert_eq!(c.len(), 1, "one websocket, open through the pause");
    assert_eq!(c[0].texts().len(), 1, "the metadata frame, once");
    assert_one_gap(&c[0]);
    // A pause longer than `timeout` (1 s of silence) did not end the verb.
    let done = app.wait_for("/listened", 1, WAIT).await;
    assert_eq!(done[0].json()["reason"], "hangup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dials_listen_is_paused_and_resumed_while_bridged_with_jambonzs_stream_status() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "actionHook": "/action",
            "target": [{"type": "phone", "number": "+15550001111"}],
            "listen": {"url": ws.url("/dial"), "mixType": "mono"}}])),
    );
    app.reply("/action", Reply::json(json!([])));
    let call = fake.call(
        d.addr,
        caller()
            .records(counting())
            .leg(0, Callee::answers_after(50)),
    );
    pause_and_resume(&d, call.uuid(), &ws, "stream_status").await;
    assert_eq!(
        send(api(
            Method::DELETE,
            &format!("{}/{}", calls_url(&d), call.uuid())
        ))
        .await
        .0,
        204
    );
    call.finished(WAIT).await.expect("the call ends");
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    assert_eq!(c.len(), 1);
    assert_one_gap(&c[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_background_listen_is_paused_beside_the_verbs_and_a_call_without_one_is_409() {
    let (app, fake, d) = setup().await;
    let ws = WsServer::start(Behaviour::Accept).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "pause", "length": 600}])),
    );
    app.reply(
        "/next",
        Reply::json(json!([
            {"verb": "config", "listen": {"enable": true, "url": ws.url("/bg")}},
            {"verb": "pause", "length": 600}])),
    );
    let call = fake.call(d.addr, caller().records(counting()));
    // Nothing streams yet (once the API knows the call: 404 before).
    let deadline = Instant::now() + WAIT;
    let (status, body) = loop {
        let (status, body) = update(&d, call.uuid(), json!({"listen_status": "pause"})).await;
        if status != 404 || Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status, 409, "{body}");
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("no running listen")),
        "{body}"
    );
    let (status, _) = update(&d, call.uuid(), json!({"call_hook": app.url("/next")})).await;
    assert_eq!(status, 202);
    pause_and_resume(&d, call.uuid(), &ws, "listen_status").await;
    assert_eq!(
        send(api(
            Method::DELETE,
            &format!("{}/{}", calls_url(&d), call.uuid())
        ))
        .await
        .0,
        204
    );
    call.finished(WAIT).await.expect("the call ends");
    let c = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    assert_one_gap(&c[0]);
    let (status, body) = update(&d, call.uuid(), json!({"listen_status": "resume"})).await;
    assert_eq!(status, 404, "an ended call: {body}");
    let (status, body) = update(&d, call.uuid(), json!({"listen_status": "silence"})).await;
    assert_eq!(
        (status, &body["errors"][0]["pointer"]),
        (400, &json!("/listen_status"))
    );
}
