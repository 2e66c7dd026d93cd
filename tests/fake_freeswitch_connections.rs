//! Direct tests of the fake's connections: per-connection filters keeping
//! concurrent calls apart, 200 concurrent calls, and the inbound server
//! (auth, stop and restart, heartbeats), driven by the tiny in-test "daemon"
//! of esl_toy_daemon/daemon.rs and the `freeswitch_esl_tokio` client (the crate
//! dialbridge itself uses). One call's behaviour is tested in
//! fake_freeswitch_calls.rs.

#[path = "esl_toy_daemon/daemon.rs"]
mod daemon;
mod fake_freeswitch;

use std::collections::HashSet;
use std::time::Duration;

use daemon::{Session, WAIT, leg_uuid, name, start};
use fake_freeswitch::{Callee, Caller, FakeSwitch};
use freeswitch_esl_tokio::{EslClient, EventFormat};
use tokio::net::{TcpListener, TcpStream};

const N: usize = 200;

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
