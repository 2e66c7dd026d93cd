//! jambonz's `enqueue` and `dequeue` against the fake switch: a caller
//! waits in a named queue hearing its waitHook, another call dequeues it,
//! the two meet in a mod_conference room of their own (§19), and each goes
//! on with its actionHook when the other leaves.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::WAIT;
use fake_freeswitch::{CallHandle, Caller, DialplanNext, FakeSwitch};
use harness::{App, Reply, Running};
use serde_json::{Value, json};

/// An app, a fake switch (100 ms seconds) with `/sounds/long.wav` of a
/// minute, and a daemon.
async fn setup() -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    fake.file_duration("/sounds/long.wav", 60_000);
    let d = harness::start(harness::settings(&app)).await;
    (app, fake, d)
}

fn caller(from: &str) -> Caller {
    Caller::new(from, "+15559870000").then(DialplanNext::Respond(503))
}

/// The caller's own applications, `(name, arg)`.
fn apps(call: &CallHandle) -> Vec<(String, String)> {
    call.apps()
}

fn conference_arg(call: &CallHandle) -> Option<String> {
    apps(call)
        .into_iter()
        .find(|(n, _)| n == "conference")
        .map(|(_, a)| a)
}

/// A caller waits in `support` (its first /call reply is `first`), then an
/// agent call runs `agent` (the second /call reply).
async fn waiting_then(
    app: &App,
    fake: &FakeSwitch,
    d: &Running,
    agent: Value,
    agent_call: Caller,
) -> (CallHandle, CallHandle) {
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "enqueue", "name": "support", "waitHook": "/wait", "actionHook": "/queued"},
            {"verb": "hangup"},
        ])),
    );
    app.reply(
        "/wait",
        Reply::json(json!([{"verb": "play", "url": "/sounds/long.wav"}])),
    );
    app.reply("/queued", Reply::status(200));
    app.reply("/dequeued", Reply::status(200));
    let waiting = fake.call(d.addr, caller("+15551110000"));
    app.wait_for("/wait", 1, WAIT).await;
    app.reply_once("/call", Reply::json(agent));
    let agent = fake.call(d.addr, agent_call);
    (waiting, agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dequeue_connects_the_longest_waiting_caller_and_both_go_on_when_one_leaves() {
    let (app, fake, d) = setup().await;
    let (waiting, agent) = waiting_then(
        &app,
        &fake,
        &d,
        json!([{"verb": "dequeue", "name": "support", "beep": true, "actionHook": "/dequeued"}]),
        caller("+15552220000").hangs_up_after(1_500),
    )
    .await;
    agent.finished(WAIT).await.expect("the agent's call ends");
    waiting
        .finished(WAIT)
        .await
        .expect("the caller's call ends");

    let wait = app.requests("/wait")[0].json();
    assert_eq!(wait["queue_sid"], "support");
    assert_eq!(wait["queue_position"], 1);
    assert_eq!(wait["queue_size"], 1);
    assert_eq!(wait["call_sid"], waiting.uuid());

    let room = format!(
        "dialbridge-queue-{}@default+flags{{endconf}}",
        waiting.uuid()
    );
    assert_eq!(conference_arg(&waiting).as_deref(), Some(room.as_str()));
    assert_eq!(conference_arg(&agent).as_deref(), Some(room.as_str()));
    for call in [&waiting, &agent] {
        assert!(
            apps(call).contains(&("set".into(), "hangup_after_conference=false".into())),
            "{:?}",
            apps(call)
        );
    }
    assert!(
        apps(&agent).contains(&(
            "playback".into(),
            "tone_stream://%(200,0,941.0,1477.0)".into()
        )),
        "beep"
    );
    let a = waiting.uuid();
    assert!(
        fake.api_log().contains(&format!("uuid_break {a} all")),
        "the waiting caller's music was broken off: {:?}",
        fake.api_log()
    );
    // The agent hung up: the room ended, the caller stayed up and went on
    // with its actionHook, then its next verb.
    let queued = app.requests("/queued");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].json()["queue_result"], "bridged");
    assert_eq!(
        apps(&waiting).last().map(|(n, _)| n.as_str()),
        Some("hangup")
    );
    // As jambonz: `complete` once connected, whoever left first.
    let dequeued = app.requests("/dequeued");
    assert_eq!(dequeued[0].json()["dequeue_result"], "complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dequeue_with_nobody_waiting_times_out() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "dequeue", "name": "empty", "timeout": 1, "actionHook": "/dequeued"},
            {"verb": "hangup"},
        ])),
    );
    app.reply("/dequeued", Reply::status(200));
    let call = fake.call(d.addr, caller("+15552220000"));
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        app.requests("/dequeued")[0].json()["dequeue_result"],
        "timeout"
    );
    assert!(conference_arg(&call).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_in_the_wait_hook_goes_on_with_the_application_and_a_caller_who_hangs_up_leaves_the_queue()
 {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "enqueue", "name": "support", "waitHook": "/wait", "actionHook": "/queued"},
            {"verb": "pause", "length": 1},
        ])),
    );
    app.reply("/wait", Reply::json(json!([{"verb": "leave"}])));
    app.reply("/queued", Reply::status(200));
    let call = fake.call(d.addr, caller("+15551110000"));
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/queued")[0].json()["queue_result"], "leave");
    assert!(
        apps(&call).iter().any(|(n, _)| n == "sleep"),
        "{:?}",
        apps(&call)
    );

    // A caller who hangs up while waiting is gone from the queue: a
    // dequeue afterwards finds nobody.
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "enqueue", "name": "sales", "actionHook": "/gone"}])),
    );
    app.reply("/gone", Reply::status(200));
    let gone = fake.call(d.addr, caller("+15553330000").hangs_up_after(300));
    gone.finished(WAIT).await.expect("the call ends");
    app.wait_for("/gone", 1, WAIT).await;
    assert_eq!(app.requests("/gone")[0].json()["queue_result"], "hangup");
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "dequeue", "name": "sales", "timeout": 1,
                            "actionHook": "/dequeued"}])),
    );
    app.reply("/dequeued", Reply::status(200));
    let agent = fake.call(d.addr, caller("+15552220000"));
    agent.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        app.requests("/dequeued")[0].json()["dequeue_result"],
        "timeout"
    );
}
