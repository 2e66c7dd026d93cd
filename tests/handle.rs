//! A live call's handle (docs/architecture.md, "The call handle"): every
//! live call is in the daemon's registry by call_sid, another task ends it
//! or reads it through the handle, never through its socket, and the entry
//! goes when the call ends.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::{Duration, Instant};

use dialbridge::call::handle::{HangupCause, LegState};
use dialbridge::daemon::Daemon;
use dialing::*;
use fake_freeswitch::{CallHandle, Callee};
use harness::Reply;
use serde_json::json;

/// The call's handle, once the daemon registered it.
async fn handle_of(daemon: &Daemon, call: &CallHandle) -> dialbridge::call::handle::CallHandle {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(h) = daemon.calls().get(call.uuid()) {
            return h;
        }
        assert!(Instant::now() < deadline, "the call was never registered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the registry is empty; false if it never is.
async fn registry_empties(daemon: &Daemon) -> bool {
    let deadline = Instant::now() + WAIT;
    while !daemon.calls().is_empty() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// Waits until the caller runs `app`.
async fn runs(call: &CallHandle, app: &'static str) {
    let running = call
        .wait_for(WAIT, |log| {
            log.commands().iter().any(|c| c.app() == Some(app))
        })
        .await;
    assert!(running, "the caller never ran {app}: {:?}", call.apps());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_up_an_answered_call_through_its_handle_ends_it_with_that_cause() {
    let (app, fake, d) = setup_with_status_hook().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60},
                           {"verb": "play", "url": "/never.wav"}])),
    );
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    let handle = handle_of(&d.daemon, &call).await;
    assert_eq!(handle.call_sid(), call.uuid());
    handle
        .hangup(HangupCause::CallRejected)
        .await
        .expect("the call takes the hangup");
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.hangup_cause().as_deref(), Some("CALL_REJECTED"));
    let kill = format!("api uuid_kill {} CALL_REJECTED", call.uuid());
    assert!(
        call.commands().iter().any(|c| c.raw == kill),
        "{:?}",
        call.commands()
    );
    assert_eq!(
        app_names(&call),
        ["answer", "sleep"],
        "no verb ran after it"
    );
    assert!(!call.closed_with_caller_up());
    let posted = app.wait_for("/status", 3, WAIT).await;
    assert_eq!(statuses(&posted), ["trying", "in-progress", "completed"]);
    assert!(
        registry_empties(&d.daemon).await,
        "the entry went with the call"
    );
    assert!(
        handle.snapshot().await.is_err(),
        "a handle outliving its call says it ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_up_a_ringing_dial_cancels_its_legs_and_reports_the_outcome() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([{"verb": "play", "url": "/never.wav"}]),
        Reply::json(json!([{"verb": "play", "url": "/never.wav"}])),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rings_forever())
            .leg(1, Callee::rings_forever()),
    );
    runs(&call, "bridge").await;
    let handle = handle_of(&d.daemon, &call).await;
    // Both legs ringing before the hangup.
    let deadline = Instant::now() + WAIT;
    loop {
        let s = handle.snapshot().await.expect("a snapshot");
        let legs = s.dial.unwrap_or_default();
        if legs.len() == 2 && legs.iter().all(|l| l.state == LegState::Ringing) {
            break;
        }
        assert!(Instant::now() < deadline, "the legs never rang: {legs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle
        .hangup(HangupCause::NormalClearing)
        .await
        .expect("the call takes the hangup");
    call.finished(WAIT).await.expect("the call ends");
    // On the caller's socket, inside the running bridge (§14).
    assert!(
        call.apps()
            .iter()
            .any(|(n, a)| n == "hangup" && a == "NORMAL_CLEARING"),
        "{:?}",
        call.apps()
    );
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "no-answer");
    assert_eq!(body["dial_sip_status"], 487);
    for i in 0..2 {
        assert_eq!(body["dial_legs"][i]["hangup_cause"], "ORIGINATOR_CANCEL");
    }
    assert!(
        call.apps().iter().all(|(n, _)| n != "playback"),
        "neither the hook's verbs nor the rest of the application ran"
    );
    assert!(!call.closed_with_caller_up());
    assert!(registry_empties(&d.daemon).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_of_a_call_in_a_dial_shows_its_fields_and_its_legs() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action",
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rejects(486, 30))
            .leg(1, Callee::answers_after(300).hangs_up_after_answer(60_000)),
    );
    let handle = handle_of(&d.daemon, &call).await;
    let deadline = Instant::now() + WAIT;
    let snapshot = loop {
        let s = handle.snapshot().await.expect("a snapshot");
        let bridged = s
            .dial
            .as_ref()
            .is_some_and(|legs| legs.iter().any(|l| l.state == LegState::Bridged));
        if bridged {
            break s;
        }
        assert!(Instant::now() < deadline, "never bridged: {s:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (l0, l1) = (leg_uuid(&call, 0), leg_uuid(&call, 1));
    let legs = snapshot.dial.expect("legs");
    assert_eq!(
        legs.iter()
            .map(|l| (l.target, l.call_sid.as_str(), l.state))
            .collect::<Vec<_>>(),
        [
            (0, l0.as_str(), LegState::Ended),
            (1, l1.as_str(), LegState::Bridged)
        ]
    );
    assert_eq!(legs[0].hangup_cause.as_deref(), Some("USER_BUSY"));
    assert_eq!(legs[0].sip_status, Some(486));
    assert_eq!(snapshot.call["call_sid"], call.uuid());
    assert_eq!(snapshot.call["call_status"], "in-progress");
    assert_eq!(snapshot.call["from"], "+15551230000");
    handle
        .hangup(HangupCause::NormalClearing)
        .await
        .expect("the call takes the hangup");
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed");
    assert!(registry_empties(&d.daemon).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_entry_outlives_its_call_whatever_ended_it() {
    // A caller that leaves between the socket's `connect` and its `event`
    // subscription takes its CHANNEL_HANGUP_COMPLETE with it (FreeSWITCH
    // replays no event): the daemon then ends the call at its reply
    // deadline. A short one keeps such a call within the test's wait.
    let app = harness::App::start().await;
    let fake = fake_freeswitch::FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut settings = harness::settings(&app);
    settings.freeswitch.reply_timeout_ms = 2_000;
    let d = harness::start(settings).await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    let ended: Vec<CallHandle> = (0..20)
        .map(|i| {
            let c = caller();
            // Every other caller hangs up before the application answers.
            let c = if i % 2 == 0 { c } else { c.hangs_up_after(1) };
            fake.call(d.addr, c)
        })
        .collect();
    for c in &ended {
        c.finished(WAIT).await.expect("each call ends");
    }
    app.reply("/call", Reply::text("not json"));
    let rejected = fake.call(d.addr, caller());
    rejected
        .finished(WAIT)
        .await
        .expect("the invalid reply ends it");
    assert!(
        registry_empties(&d.daemon).await,
        "{:?}",
        d.daemon.calls().call_sids()
    );
}
