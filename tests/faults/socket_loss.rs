//! Honest outcomes when the socket dies (item 7): a dial whose events are
//! cut off or dropped is never reported as if every leg's end had been
//! seen, and a FreeSWITCH crash leaves no call counted in progress.

use std::time::Duration;

use serde_json::json;

use crate::dialing::{caller, phone, script};
use crate::fake_freeswitch::{Callee, FakeSwitch, Faults};
use crate::fixture::{WAIT, ready, rig, rig_with, settings, settled, wait_status};
use crate::harness::{App, Reply, get, metric};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_socket_cut_while_legs_ring_reports_failed_with_the_reason_and_ends_the_call() {
    let r = rig().await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    let call = r.fake.call(
        r.d.addr,
        caller()
            .faults(Faults::none().cut_after("bridge"))
            .otherwise(Callee::rings_forever()),
    );
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "failed", "{body}");
    assert_eq!(body["dial_sip_status"], 500, "{body}");
    let why = body["dial_error"].as_str().unwrap_or_default();
    assert!(why.contains("socket failed"), "{body}");
    // Nobody controls the caller any more: it is ended over the control
    // connection rather than left ringing.
    assert!(
        call.wait_for(WAIT, |l| l.a_hangup().is_some()).await,
        "the caller is hung up"
    );
    assert!(
        r.fake
            .api_log()
            .iter()
            .any(|l| l.starts_with(&format!("uuid_kill {} ", call.uuid()))),
        "{:?}",
        r.fake.api_log()
    );
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freeswitch_crash_mid_bridge_leaves_no_call_counted_in_progress() {
    let mut r = rig().await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(60_000)),
    );
    wait_status(&r.app, call.uuid(), "in-progress").await;
    assert!(
        call.wait_for(WAIT, |l| l.legs().first().is_some_and(|l| l.bridged))
            .await,
        "bridged"
    );
    r.fake.crash();
    let got = wait_status(&r.app, call.uuid(), "completed").await;
    assert_eq!(got.last().map(String::as_str), Some("completed"), "{got:?}");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed", "{body}");
    assert!(
        body["dial_error"]
            .as_str()
            .unwrap_or_default()
            .contains("while bridged"),
        "{body}"
    );
    settled(&r).await;
    assert_eq!(ready(&r.d).await["live_calls"], 0);
    let text = get(format!("http://{}/metrics", r.d.daemon.http_addr))
        .await
        .1;
    assert_eq!(metric(&text, "dialbridge_calls_live"), 0.0);
    // Counted ended as what it was, never as `in-progress`.
    assert_eq!(
        metric_or_zero(
            &text,
            "dialbridge_calls_ended_total{status=\"in-progress\"}"
        ),
        0.0
    );
    assert_eq!(
        metric(&text, "dialbridge_calls_ended_total{status=\"completed\"}"),
        1.0
    );
}

/// The value of a series, 0 when absent.
fn metric_or_zero(text: &str, name: &str) -> f64 {
    let v = metric(text, name);
    if v.is_nan() { 0.0 } else { v }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_dropped_mid_bridge_are_reported_as_such_not_as_a_clean_outcome() {
    // The `uuid_kill` reply must be awaited past the flood (the switch
    // writes 1200 events first, which takes longer than the fixture's short
    // reply deadline on a loaded machine); with a short deadline the daemon
    // would go back to reading events before the queue overflows.
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = settings(&app, &fake);
    s.freeswitch.reply_timeout_ms = 10_000;
    let r = rig_with(app, fake, s).await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "timeLimit": 1,
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // When the time limit kills the callee, the switch writes 1200 events
    // before answering the `uuid_kill`: the daemon's event queue (1000)
    // overflows, and the callee's own hangup is among the events dropped.
    let call = r.fake.call(
        r.d.addr,
        caller()
            .faults(Faults::none().flood_before_api("uuid_kill", 1_200))
            .leg(0, Callee::answers_after(50))
            .hangs_up_after(3_000),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed", "{body}");
    assert!(
        body["dial_error"]
            .as_str()
            .unwrap_or_default()
            .contains("dropped"),
        "{body}"
    );
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_gone_silent_mid_bridge_is_found_by_the_bridged_probe_and_the_bridge_followed() {
    let r = rig().await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // Bridged at once; the socket goes silent 4 s later and the caller
    // hangs up after 9 s. A healthy bridge stays quiet for more than five
    // `probe_after_ms` (700 ms here) without a probe; the silent one is
    // probed after ten, found dead, and (as after a crash of the socket)
    // the bridge FreeSWITCH keeps up is followed over the control
    // connection until the caller is gone.
    let call = r.fake.call(
        r.d.addr,
        caller()
            .leg(0, Callee::answers_after(50).hangs_up_after_answer(120_000))
            .hangs_up_after(9_000)
            .faults(Faults::none().silent_at(4_000)),
    );
    wait_status(&r.app, call.uuid(), "in-progress").await;
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed", "{body}");
    assert!(
        body["dial_error"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer to a liveness probe after 7000 ms"),
        "{body}"
    );
    let probes: Vec<_> = call
        .commands()
        .into_iter()
        .filter(|c| c.raw.starts_with("api uuid_exists"))
        .map(|c| c.at)
        .collect();
    assert_eq!(
        probes.len(),
        1,
        "one probe on the socket, the one the silence left unanswered: {probes:?}"
    );
    let got = wait_status(&r.app, call.uuid(), "completed").await;
    assert_eq!(got.last().map(String::as_str), Some("completed"), "{got:?}");
    call.finished(WAIT).await.expect("the call ends");
    settled(&r).await;
}
