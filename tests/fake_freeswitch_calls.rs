//! Direct tests of the fake's scripting API for one outbound call: the
//! caller's SIP codes, the dialplan after the socket app, cancelled legs and
//! malformed commands, driven by a tiny in-test "daemon"
//! (esl_toy_daemon/daemon.rs) that speaks ESL through the `freeswitch_esl_tokio`
//! client (the crate dialbridge itself uses). Expected values are the
//! captures' (the trace named beside each), not the fake's own constants.
//! Concurrent calls and the inbound server: fake_freeswitch_connections.rs.

#[path = "esl_toy_daemon/daemon.rs"]
mod daemon;
mod fake_freeswitch;

use std::time::Duration;

use daemon::{Session, WAIT, leg_uuid, name, start};
use fake_freeswitch::{Callee, Caller, CallerSip, DialplanNext};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every leg fails (486 first, 404 last), then the daemon hangs A up
/// USER_BUSY; returns the SIP final response the caller got.
async fn all_legs_fail_then_hangup_busy(ignore_remote_cause: bool) -> Option<u16> {
    let (fake, listener) = start().await;
    let (l1, l2) = (leg_uuid(), leg_uuid());
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200")
            .endpoint("1000", Callee::rejects(486, 20))
            .endpoint("1001", Callee::rejects(404, 60)),
    );
    let mut s = Session::accept(&listener, &[&l1, &l2]).await;
    s.exec("set", "continue_on_fail=true").await;
    s.exec("set", "hangup_after_bridge=false").await;
    if ignore_remote_cause {
        s.exec("set", "sip_ignore_remote_cause=true").await;
    }
    s.exec(
        "bridge",
        &format!(
            "{{ignore_early_media=true}}[origination_uuid={l1}]sofia/external/1000@127.0.0.1:5090,\
             [origination_uuid={l2}]sofia/external/1001@127.0.0.1:5091"
        ),
    )
    .await;
    let mut seen = Vec::new();
    s.completed("bridge", &mut seen).await;
    s.exec("hangup", "USER_BUSY").await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.hangup_cause().as_deref(), Some("USER_BUSY"));
    call.caller_final_code()
}

#[tokio::test]
async fn caller_gets_the_last_failed_legs_code_unless_ignore_remote_cause() {
    // 02b1: hangup USER_BUSY after a 486 leg then a 404 leg -> the caller got 404.
    assert_eq!(all_legs_fail_then_hangup_busy(false).await, Some(404));
    // 02b5: the same with sip_ignore_remote_cause=true -> 486.
    assert_eq!(all_legs_fail_then_hangup_busy(true).await, Some(486));
}

#[tokio::test]
async fn respond_503_reaches_the_caller() {
    // docs/freeswitch.md §4 / 08c: `respond 503` gives the caller 503.
    let (fake, listener) = start().await;
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let mut s = Session::accept(&listener, &[]).await;
    s.exec("respond", "503").await;
    let mut seen = Vec::new();
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(!call.caller_signals().contains(&CallerSip::Ok200));
}

#[tokio::test]
async fn ring_ready_gives_180_and_200_only_when_the_callee_answers() {
    // 03a: ring_ready then bridge -> 180 at once, 200 only at B's answer.
    let (fake, listener) = start().await;
    let l1 = leg_uuid();
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200").endpoint(
            "1000",
            Callee::answers_after(300)
                .rings_at(150)
                .hangs_up_after_answer(100),
        ),
    );
    let mut s = Session::accept(&listener, &[&l1]).await;
    s.exec("ring_ready", "").await;
    s.exec("set", "hangup_after_bridge=false").await;
    s.exec(
        "bridge",
        &format!("[origination_uuid={l1}]sofia/external/1000@127.0.0.1:5090"),
    )
    .await;
    let mut seen = Vec::new();
    let answer = s
        .until(&mut seen, |e| {
            name(e) == "CHANNEL_ANSWER" && e.header_str("Unique-ID") == Some(l1.as_str())
        })
        .await;
    assert_eq!(answer.header_str("Unique-ID"), Some(l1.as_str()));
    s.completed("bridge", &mut seen).await;
    s.exec("hangup", "NORMAL_CLEARING").await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    let sip = call.caller_sip();
    let codes: Vec<CallerSip> = sip.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        codes,
        vec![CallerSip::Ringing180, CallerSip::Ok200, CallerSip::Bye(16)]
    );
    let ok = sip[1].0;
    assert!(
        ok >= Duration::from_millis(300),
        "200 OK came at {ok:?}, before the callee answered at 300 ms"
    );
    assert!(
        sip[0].0 < Duration::from_millis(150),
        "180 waited for the leg"
    );
}

#[tokio::test]
async fn a_closed_socket_with_the_caller_up_runs_the_dialplans_next_action() {
    // docs/freeswitch.md §8 / 08c: the socket app returns with A up and the
    // dialplan's `respond 503` runs: the unanswered caller gets 503.
    let (fake, listener) = start().await;
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200").then(DialplanNext::Respond(503)),
    );
    let s = Session::accept(&listener, &[]).await;
    drop(s); // the daemon goes away without ending A
    call.finished(WAIT).await.expect("the call ends");
    assert!(call.closed_with_caller_up());
    assert_eq!(call.caller_final_code(), Some(503));
    assert_eq!(
        call.hangup_cause().as_deref(),
        Some("NORMAL_TEMPORARY_FAILURE")
    );

    // 08b: with no further action A is hung up NORMAL_CLEARING: 480.
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    drop(Session::accept(&listener, &[]).await);
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(480));
}

#[tokio::test]
async fn nothing_listening_fails_the_socket_app_at_once() {
    // 08b: no daemon -> the caller gets 480 at once, no connection made.
    let (fake, listener) = start().await;
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let call = fake.call(addr, Caller::new("100", "200"));
    call.finished(WAIT).await.expect("the call ends");
    assert!(call.socket_refused());
    assert_eq!(call.caller_final_code(), Some(480));
}

#[tokio::test]
async fn malformed_commands_are_recorded_not_panicked_on() {
    let (fake, listener) = start().await;
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let (mut s, _) = listener.accept().await.expect("accept");
    // A command before `connect`, then a sendmsg without an app name, then
    // a Content-Length that is not a number.
    s.write_all(b"linger\n\nconnect\n\nsendmsg\ncall-command: execute\n\n")
        .await
        .expect("write");
    s.write_all(b"sendmsg\ncall-command: execute\nexecute-app-name: set\nContent-Length: x\n\n")
        .await
        .expect("write");
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(500), s.read_to_end(&mut sink)).await;
    drop(s);
    call.finished(WAIT).await.expect("the call ends");
    let errors = call.errors().join("\n");
    assert!(errors.contains("before connect"), "{errors}");
    assert!(errors.contains("without execute-app-name"), "{errors}");
    assert!(errors.contains("Content-Length"), "{errors}");
}

#[tokio::test]
async fn a_caller_cancel_ends_every_ringing_leg_originator_cancel() {
    // 02d: the caller CANCELs while both legs ring: the bridge completes at
    // once and every leg ends ORIGINATOR_CANCEL (send_cancel).
    let (fake, listener) = start().await;
    let (l1, l2) = (leg_uuid(), leg_uuid());
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200").hangs_up_after(300),
    );
    let mut s = Session::accept(&listener, &[&l1, &l2]).await;
    s.exec("set", "continue_on_fail=true").await;
    s.exec(
        "bridge",
        &format!(
            "[origination_uuid={l1}]sofia/external/1000@127.0.0.1:5090,\
             [origination_uuid={l2}]sofia/external/1001@127.0.0.1:5091"
        ),
    )
    .await;
    let mut seen = Vec::new();
    s.completed("bridge", &mut seen).await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(487));
    assert_eq!(call.hangup_cause().as_deref(), Some("ORIGINATOR_CANCEL"));
    let legs = call.legs();
    assert_eq!(legs.len(), 2);
    for l in legs {
        assert_eq!(l.cause.as_deref(), Some("ORIGINATOR_CANCEL"), "{}", l.uuid);
        assert_eq!(l.disposition.as_deref(), Some("send_cancel"), "{}", l.uuid);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_hanging_up_as_it_answers_still_ends_the_bridge() {
    // The callee's BYE may land between its answer and the bridge taking
    // hold of the leg (a load generator's zero-delay callee under load does
    // this): the bridge must still see the hangup and return. The race
    // needs contention, so many calls run at once.
    const CALLS: usize = 100;
    let (fake, listener) = start().await;
    let mut legs = std::collections::HashMap::new();
    let mut calls = Vec::new();
    for _ in 0..CALLS {
        let (a, l1) = (leg_uuid(), leg_uuid());
        calls.push(
            fake.call(
                listener.local_addr().expect("addr"),
                Caller::new("100", "200").uuid(&a).endpoint(
                    "1000",
                    Callee::answers_after(0)
                        .no_ringing()
                        .hangs_up_after_answer(0),
                ),
            ),
        );
        legs.insert(a, l1);
    }
    let mut sessions = Vec::new();
    for _ in 0..CALLS {
        let mut s = Session::accept(&listener, &[]).await;
        let l1 = legs[&s.uuid].clone();
        sessions.push(tokio::spawn(async move {
            s.client
                .filter_raw("Unique-ID", &l1)
                .await
                .expect("filter leg");
            s.exec("set", "hangup_after_bridge=false").await;
            s.exec(
                "bridge",
                &format!("[origination_uuid={l1}]sofia/external/1000@127.0.0.1:5090"),
            )
            .await;
            let mut seen = Vec::new();
            s.completed("bridge", &mut seen).await;
            s.exec("hangup", "NORMAL_CLEARING").await;
            s.completed("socket", &mut seen).await;
            let _ = s.client.exit().await;
        }));
    }
    for s in sessions {
        s.await
            .expect("every bridge returns after its callee's BYE");
    }
    for call in calls {
        call.finished(WAIT).await.expect("the call ends");
        let legs = call.legs();
        assert_eq!(
            legs[0].cause.as_deref(),
            Some("NORMAL_CLEARING"),
            "{}",
            call.uuid()
        );
    }
}
