//! Direct tests of the fake's scripting API, driven by a tiny in-test
//! "daemon" that speaks ESL through the `freeswitch_esl_tokio` client (the
//! crate dialbridge itself uses). Expected values are the captures' (the
//! trace named beside each), not the fake's own constants.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventStream, EventFormat};
use support::{Callee, Caller, CallerSip, DialplanNext, FakeSwitch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Generous bound for anything that should take milliseconds.
const WAIT: Duration = Duration::from_secs(5);
const N: usize = 200;

/// The events the daemon subscribes for a dial (FREESWITCH.md §1).
const EVENTS: &str = "CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_EXECUTE \
                      CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CHANNEL_PROGRESS \
                      CHANNEL_PROGRESS_MEDIA DTMF";

/// One accepted outbound session of the test daemon.
struct Session {
    client: EslClient,
    events: EslEventStream,
    uuid: String,
}

impl Session {
    /// Accepts the fake's connection, `connect`, `linger`, filters on A and
    /// `legs`, subscribes (the order of FREESWITCH.md §1).
    async fn accept(listener: &TcpListener, legs: &[&str]) -> Session {
        let (s, _) = tokio::time::timeout(WAIT, listener.accept())
            .await
            .expect("the fake connects in time")
            .expect("accept");
        let (client, events) = EslClient::accept_outbound_stream(s);
        let data = client.connect_session().await.expect("connect");
        let uuid = data.header("Unique-ID").expect("Unique-ID").to_string();
        client.linger(None).await.expect("linger");
        client.filter_raw("Unique-ID", &uuid).await.expect("filter");
        client
            .subscribe_events_raw(EventFormat::Plain, EVENTS)
            .await
            .expect("event");
        for l in legs {
            client.filter_raw("Unique-ID", l).await.expect("filter leg");
        }
        Session {
            client,
            events,
            uuid,
        }
    }

    async fn exec(&self, app: &str, arg: &str) {
        let r = self
            .client
            .execute(app, Some(arg), None)
            .await
            .expect("sendmsg");
        assert!(r.is_success(), "sendmsg {app} refused: {r:?}");
    }

    /// The next event matching `pred`, every event seen on the way kept.
    async fn until(
        &mut self,
        seen: &mut Vec<EslEvent>,
        pred: impl Fn(&EslEvent) -> bool,
    ) -> EslEvent {
        loop {
            let ev = tokio::time::timeout(WAIT, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    let names: Vec<String> = seen
                        .iter()
                        .map(|e| {
                            format!("{}:{}", name(e), e.header_str("Unique-ID").unwrap_or("-"))
                        })
                        .collect();
                    panic!("{}: no event in time after {names:?}", self.uuid)
                })
                .expect("the connection stays up")
                .expect("a well-formed event");
            seen.push(ev.clone());
            if pred(&ev) {
                return ev;
            }
        }
    }

    /// Waits for A's CHANNEL_EXECUTE_COMPLETE of `app`.
    async fn completed(&mut self, app: &str, seen: &mut Vec<EslEvent>) -> EslEvent {
        let a = self.uuid.clone();
        self.until(seen, |e| {
            name(e) == "CHANNEL_EXECUTE_COMPLETE"
                && e.header_str("Application") == Some(app)
                && e.header_str("Unique-ID") == Some(a.as_str())
        })
        .await
    }
}

fn name(e: &EslEvent) -> &str {
    e.header_str("Event-Name").unwrap_or("")
}

async fn start() -> (FakeSwitch, TcpListener) {
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    (fake, listener)
}

fn leg_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

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
    // FREESWITCH.md §4 / 08c: `respond 503` gives the caller 503.
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
    // FREESWITCH.md §8 / 08c: the socket app returns with A up and the
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

/// Runs one simple call on `listener`: A bridged to one leg that answers
/// and hangs up; returns the Unique-IDs of every event the daemon saw, and
/// whether it saw its own CHANNEL_BRIDGE.
async fn one_bridged_call(
    listener: &TcpListener,
    legs: usize,
) -> (String, Vec<String>, HashSet<String>, bool) {
    let uuids: Vec<String> = (0..legs).map(|_| leg_uuid()).collect();
    let refs: Vec<&str> = uuids.iter().map(String::as_str).collect();
    let mut s = Session::accept(listener, &refs).await;
    s.exec("set", "hangup_after_bridge=false").await;
    let dial: Vec<String> = uuids
        .iter()
        .enumerate()
        .map(|(i, u)| format!("[origination_uuid={u}]sofia/external/10{i:02}@127.0.0.1:5090"))
        .collect();
    s.exec("bridge", &dial.join(",")).await;
    let mut seen = Vec::new();
    s.completed("bridge", &mut seen).await;
    s.exec("hangup", "NORMAL_CLEARING").await;
    let a = s.uuid.clone();
    s.until(&mut seen, |e| {
        name(e) == "CHANNEL_HANGUP_COMPLETE" && e.header_str("Unique-ID") == Some(a.as_str())
    })
    .await;
    let _ = s.client.exit().await;
    let bridged = seen
        .iter()
        .any(|e| name(e) == "CHANNEL_BRIDGE" && e.header_str("Unique-ID") == Some(a.as_str()));
    let got = seen
        .iter()
        .map(|e| e.header_str("Unique-ID").unwrap_or("-").to_string())
        .collect();
    let mut own: HashSet<String> = uuids.into_iter().collect();
    own.insert(a.clone());
    (a, got, own, bridged)
}

#[tokio::test]
async fn per_connection_filters_keep_concurrent_calls_apart() {
    // 01: `filter Unique-ID` per connection; a concurrent call's events
    // never reach another call's socket.
    let (fake, listener) = start().await;
    let addr = listener.local_addr().expect("addr");
    let script = || {
        Caller::new("100", "200").otherwise(
            Callee::answers_after(50)
                .presses("1", 20)
                .hangs_up_after_answer(100),
        )
    };
    let c1 = fake.call(addr, script());
    let c2 = fake.call(addr, script());
    let (r1, r2) = tokio::join!(
        one_bridged_call(&listener, 2),
        one_bridged_call(&listener, 2)
    );
    for (a, got, own, bridged) in [r1, r2] {
        assert!(bridged, "{a} never saw its CHANNEL_BRIDGE");
        let foreign: Vec<&String> = got.iter().filter(|u| !own.contains(*u)).collect();
        assert!(foreign.is_empty(), "{a} saw foreign events: {foreign:?}");
        // The legs' own events (progress, answer, the winner's DTMF) do arrive.
        assert!(got.iter().any(|u| u != &a), "{a} saw no leg event");
    }
    for c in [c1, c2] {
        c.finished(WAIT).await.expect("the call ends");
        assert!(c.errors().is_empty(), "{:?}", c.errors());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_complete_without_cross_talk() {
    let (fake, listener) = start().await;
    let addr = listener.local_addr().expect("addr");
    let listener = std::sync::Arc::new(listener);
    let mut calls = Vec::new();
    let mut daemons = tokio::task::JoinSet::new();
    for _ in 0..N {
        calls.push(
            fake.call(
                addr,
                Caller::new("100", "200")
                    .otherwise(Callee::answers_after(30).hangs_up_after_answer(50)),
            ),
        );
        let l = listener.clone();
        daemons.spawn(async move { one_bridged_call(&l, 1).await });
    }
    let mut bridged = 0;
    while let Some(r) = daemons.join_next().await {
        let (a, got, own, b) = r.expect("daemon task");
        bridged += usize::from(b);
        let foreign: Vec<&String> = got.iter().filter(|u| !own.contains(*u)).collect();
        assert!(foreign.is_empty(), "{a} saw foreign events: {foreign:?}");
    }
    assert_eq!(bridged, N);
    for c in &calls {
        c.finished(WAIT).await.expect("every call ends");
        assert_eq!(c.hangup_cause().as_deref(), Some("NORMAL_CLEARING"));
        assert_eq!(c.legs().len(), 1);
        assert!(c.legs()[0].bridged);
    }
    assert_eq!(fake.channel_count(), 0, "channels leaked");
}

#[tokio::test]
async fn inbound_auth_accepts_the_password_and_refuses_another() {
    let mut fake = FakeSwitch::builder().password("s3cret").start().await;
    let port = fake.esl_addr().port();
    let (client, _ev) = EslClient::connect("127.0.0.1", port, "s3cret")
        .await
        .expect("the right password is accepted");
    let status = client.api("status").await.expect("api status");
    assert!(
        status.body().unwrap_or("").contains("is ready"),
        "status: {status:?}"
    );
    assert!(
        EslClient::connect("127.0.0.1", port, "ClueCon")
            .await
            .is_err()
    );

    // Stop: nothing listens; restart: the same port serves again.
    fake.stop_inbound();
    assert!(TcpStream::connect(fake.esl_addr()).await.is_err());
    fake.restart_inbound().await;
    assert_eq!(fake.esl_addr().port(), port);
    let (again, _ev) = EslClient::connect("127.0.0.1", port, "s3cret")
        .await
        .expect("reconnect after restart");
    assert!(again.api("status").await.expect("api").is_success());
    // The stopped server's connection was dropped.
    assert!(client.api("status").await.is_err());
}

#[tokio::test]
async fn heartbeat_events_reach_a_subscribed_inbound_connection() {
    let fake = FakeSwitch::builder()
        .heartbeat(Duration::from_millis(50))
        .start()
        .await;
    let (client, mut events) = EslClient::connect("127.0.0.1", fake.esl_addr().port(), "ClueCon")
        .await
        .expect("auth");
    client
        .subscribe_events_raw(EventFormat::Plain, "HEARTBEAT")
        .await
        .expect("event");
    let ev = tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("a heartbeat in time")
        .expect("connected")
        .expect("an event");
    assert_eq!(name(&ev), "HEARTBEAT");
    assert!(ev.header_str("Up-Time").is_some());
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
