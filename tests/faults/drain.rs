//! A drain (SIGTERM) keeps serving what it must and finishes what it
//! started (items 1 and 6): the listener stays open (new calls get 503,
//! screening connections are served), and hook posts started before or
//! during the drain are delivered before the daemon exits.

use std::time::Duration;

use serde_json::json;

use crate::dialing::{caller, phone, script};
use crate::fake_freeswitch::{Callee, FakeSwitch};
use crate::fixture::{self, WAIT, rig, rig_with, settled, statuses};
use crate::harness::{App, Reply, get, metric};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_call_during_drain_is_refused_with_503_by_a_listener_that_stays_open() {
    let r = rig().await;
    let _ = r.d.stop.send(true);
    let call = r.fake.call(r.d.addr, caller());
    call.finished(WAIT).await.expect("the call is refused");
    assert!(!call.socket_refused(), "the listener still accepts");
    assert_eq!(call.apps(), [("respond".to_owned(), "503".to_owned())]);
    assert_eq!(call.caller_final_code(), Some(503));
    let text = get(format!("http://{}/metrics", r.d.daemon.http_addr))
        .await
        .1;
    assert_eq!(
        metric(&text, "dialbridge_calls_refused_draining_total"),
        1.0
    );
    assert!(r.d.daemon.drain(WAIT).await, "nothing left to drain");
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_connection_arriving_during_the_drain_is_served_not_bridged_unscreened() {
    let r = rig().await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "confirmHook": "/screen",
               "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().leg(0, Callee::answers_after(800).hangs_up_after_answer(400)),
    );
    // SIGTERM while the target rings: its screening connection comes
    // during the drain.
    assert!(
        call.wait_for(WAIT, |l| !l.dials().is_empty()).await,
        "the dial started"
    );
    let _ = r.d.stop.send(true);
    assert!(r.d.daemon.drain(WAIT).await, "the drain finished");
    let screen = r.app.requests("/screen");
    assert_eq!(screen.len(), 1, "the confirmHook ran");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed", "{body}");
    assert!(!call.closed_with_caller_up());
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_ending_during_the_drain_still_posts_its_completed_status_before_exit() {
    let r = rig().await;
    r.app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 1}])),
    );
    // A slow status hook: each post takes 600 ms, so the last ones are
    // still queued when the call ends.
    r.app.reply(
        "/status",
        Reply::status(200).after(Duration::from_millis(600)),
    );
    let call = r.fake.call(r.d.addr, caller());
    r.app.wait_for("/call", 1, WAIT).await;
    let _ = r.d.stop.send(true);
    assert!(r.d.daemon.drain(WAIT).await, "the drain finished");
    // The drain returned: the daemon would exit now. The call's final
    // status was delivered already.
    let got = statuses(&r.app, call.uuid());
    assert_eq!(got.last().map(String::as_str), Some("completed"), "{got:?}");
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_hook_retry_started_before_the_drain_is_delivered_before_exit() {
    let r = rig().await;
    r.app.reply("/call", Reply::text("{not json"));
    // The error hook fails once: its retry comes 500 ms later.
    r.app.reply_once("/error", Reply::status(503));
    let call = r.fake.call(r.d.addr, caller());
    call.finished(WAIT).await.expect("the call is refused");
    let _ = r.d.stop.send(true);
    assert!(r.d.daemon.drain(WAIT).await, "the drain finished");
    assert_eq!(r.app.requests("/error").len(), 2, "the retry was delivered");
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amd_hook_retry_from_a_dial_ending_during_the_drain_is_delivered_before_exit() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    fake.record_elsewhere();
    let mut s = fixture::settings(&app, &fake);
    s.amd.audio_dir = std::env::temp_dir()
        .join(format!("dialbridge-amd-{}", uuid::Uuid::new_v4()))
        .display()
        .to_string();
    s.amd.file_wait_ms = 10_000;
    let r = rig_with(app, fake, s).await;
    script(
        &r.app,
        json!({"verb": "dial", "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // The dial ends undecided (`amd_stopped`); the amd hook fails once and
    // its retry comes 500 ms later.
    r.app.reply_once("/amd", Reply::status(503));
    let call = r.fake.call(
        r.d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(300)),
    );
    assert!(
        call.wait_for(WAIT, |l| l.legs().first().is_some_and(|l| l.bridged))
            .await,
        "bridged"
    );
    let _ = r.d.stop.send(true);
    assert!(r.d.daemon.drain(WAIT).await, "the drain finished");
    let posts = r.app.requests("/amd");
    assert_eq!(posts.len(), 2, "the retry was delivered");
    assert!(posts.iter().all(|p| p.json()["type"] == "amd_stopped"));
    settled(&r).await;
}
