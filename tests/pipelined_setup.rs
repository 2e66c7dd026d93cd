//! The dial's set-up is pipelined (issue 12 item 1, docs/freeswitch.md §17):
//! the caller's set-up applications and the `bridge` are queued back to
//! back, so the frame-paced fake runs all of them in one frame, the one
//! after they were queued — not one frame per awaited application. Frames
//! are the fake's logical counts (`AppRun::frame`), not wall-clock readings.
//! A set-up step that fails once pipelined is still seen: the call is
//! ended, nothing is left ringing. `/metrics` then carries the set-up
//! delay and the webhook latency.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::{Duration, Instant};

use dialing::{caller, phone, script};
use fake_freeswitch::{AppRun, Callee, FakeSwitch, Faults};
use harness::{App, Reply, Running, get, metric};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// A fake whose second is 100 ms and whose frame is 200 ms of real time:
/// long enough that a daemon on a loaded machine queues its whole set-up
/// within one frame when it does not wait between applications.
async fn paced() -> FakeSwitch {
    FakeSwitch::builder()
        .second(Duration::from_millis(100))
        .frame(Duration::from_millis(200))
        .start()
        .await
}

/// The caller's applications up to and including the first `bridge`.
fn up_to_bridge(runs: &[AppRun], caller: &str) -> Vec<AppRun> {
    let mine: Vec<AppRun> = runs
        .iter()
        .filter(|r| r.channel == caller && r.queued.is_some())
        .cloned()
        .collect();
    let end = mine
        .iter()
        .position(|r| r.name == "bridge")
        .map_or(0, |i| i + 1);
    mine[..end].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_up_and_the_bridge_run_in_one_frame() {
    let app = App::start().await;
    let fake = paced().await;
    let d = harness::start(harness::settings(&app)).await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action",
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::json(json!([{"verb": "hangup"}])),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rejects(486, 5))
            .leg(1, Callee::answers_after(5).hangs_up_after_answer(5)),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/action", 1, WAIT).await;
    let runs = up_to_bridge(&call.app_runs(), call.uuid());
    let names: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r.name.as_str(), r.arg.as_str()))
        .take(runs.len().saturating_sub(1))
        .collect();
    // The set-up applications the daemon queued before the bridge (the
    // caller's own variables went as one API command, tests/dial.rs);
    // without answerOnBridge the caller is answered.
    assert_eq!(
        names,
        [
            ("set", "transfer_ringback=%(2000,4000,440,480)"),
            ("answer", ""),
        ],
        "{runs:#?}"
    );
    let bridge = runs.last().expect("a bridge ran");
    assert_eq!(bridge.name, "bridge");
    // Every set-up application was queued before the first one started
    // (the bridge too): all share the frame their sendmsg arrived in...
    let queued: Vec<Option<u64>> = runs.iter().map(|r| r.queued_frame).collect();
    assert_eq!(queued, vec![runs[0].queued_frame; runs.len()], "{runs:#?}");
    // ...and all of them, the bridge included, ran one frame later: the
    // bridge waited one frame, not one per application.
    let frames: Vec<u64> = runs.iter().map(|r| r.frame).collect();
    assert_eq!(frames, vec![bridge.frame; runs.len()], "{runs:#?}");
    assert_eq!(runs[0].queued_frame.map(|q| q + 1), Some(bridge.frame));

    // The set-up delay and the call hook's latency are on /metrics.
    let (_, text) = get(format!("http://{}/metrics", d.daemon.http_addr)).await;
    assert_eq!(
        metric(&text, "dialbridge_dial_setup_seconds_count"),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "dialbridge_dial_setup_seconds_bucket{le=\"+Inf\"}"),
        1.0
    );
    assert!(
        metric(&text, "dialbridge_dial_setup_seconds_sum") > 0.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "dialbridge_webhook_seconds_count{kind=\"call\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "dialbridge_webhook_seconds_count{kind=\"action\"}"),
        1.0,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_up_step_never_completed_ends_the_call_and_its_legs() {
    // `answer`'s completion never comes: the daemon learns it only after the
    // bridge is queued; the call is ended (a temporary failure, as for an
    // awaited application) and the ringing leg with it.
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.freeswitch.reply_timeout_ms = 400;
    s.freeswitch.probe_after_ms = 700;
    let d = harness::start(s).await;
    let mut control = d.daemon.control.clone();
    let up = tokio::time::timeout(
        WAIT,
        control.wait_for(|c| *c == dialbridge::freeswitch::control::ControlState::Up),
    )
    .await;
    assert!(matches!(up, Ok(Ok(_))), "the control connection came up");
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rings_forever())
            .faults(Faults::none().swallow_completion_of("answer")),
    );
    if let Err(e) = call.finished(WAIT).await {
        for l in harness::log_lines_with("") {
            eprintln!("{l}");
        }
        eprintln!(
            "{:#?}",
            call.commands()
                .iter()
                .map(|c| c.raw.clone())
                .collect::<Vec<_>>()
        );
        panic!("the call ends: {e}");
    }
    assert_eq!(
        call.hangup_cause().as_deref(),
        Some("NORMAL_TEMPORARY_FAILURE")
    );
    assert!(!call.closed_with_caller_up());
    let legs = call.legs();
    assert!(legs.iter().all(|l| l.cause.is_some()), "{legs:?}");
    assert!(legs.iter().all(|l| !l.bridged), "{legs:?}");
    settled(&d, &fake).await;
}

/// Waits until `/ready` says `live_calls: 0` and the switch holds no channel.
async fn settled(d: &Running, fake: &FakeSwitch) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, body) = get(format!("http://{}/ready", d.daemon.http_addr)).await;
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let channels = fake.channel_count();
        if body["live_calls"] == 0 && channels == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: /ready {body}, {channels} channel(s) left in the switch"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
