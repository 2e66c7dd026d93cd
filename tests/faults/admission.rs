//! Who may connect, and for how long: the call listener's allow-list,
//! pending-connect cap and `connect` timeout, and the HTTP server's header
//! and idle timeouts and connection cap — the real daemon in-process, raw
//! TCP clients and the fake switch.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dialbridge::config::Settings;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fake_freeswitch::{Caller, DialplanNext, FakeSwitch};
use crate::harness::{self, App, Reply, Running};

const WAIT: Duration = Duration::from_secs(15);

fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000").then(DialplanNext::Respond(503))
}

/// An application whose every call hangs up at once.
async fn hangup_app() -> App {
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    app
}

/// The value of a series in the daemon's metrics (0 when absent).
fn value(d: &Running, series: &str) -> f64 {
    let v = harness::metric(&d.daemon.metrics.render(), series);
    if v.is_nan() { 0.0 } else { v }
}

/// Waits until `series` reads `wanted`.
async fn wait_value(d: &Running, series: &str, wanted: f64) {
    let deadline = Instant::now() + WAIT;
    while value(d, series) != wanted {
        assert!(
            Instant::now() < deadline,
            "{series} is {}, waiting for {wanted}",
            value(d, series)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything the daemon sends until it closes `s` (a reset counts as
/// closed); panics if it stays open past [`WAIT`].
async fn read_to_close(s: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(WAIT, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "still open after {WAIT:?}, having sent {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// Reads the daemon's first command (what an admitted connection gets).
async fn first_command(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.windows(2).any(|w| w == b"\n\n") {
        match tokio::time::timeout(WAIT, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            other => panic!("no command from the daemon: {other:?}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// True while the daemon keeps `s` open with nothing more to read.
fn still_open(s: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

async fn daemon(app: &App, change: impl FnOnce(&mut Settings)) -> Running {
    let mut s = harness::settings(app);
    change(&mut s);
    harness::start(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_outside_listener_allow_is_closed_at_once_without_a_command() {
    let app = hangup_app().await;
    let fake = FakeSwitch::start().await;
    let d = daemon(&app, |s| s.listener.allow = vec!["10.0.0.0/8".into()]).await;
    let mut raw = TcpStream::connect(d.addr).await.expect("connect");
    let me = raw.local_addr().expect("local address");
    assert_eq!(
        read_to_close(&mut raw).await,
        "",
        "closed without even `connect`"
    );
    // A FreeSWITCH outside the list: its socket application returns, the
    // dialplan's `respond 503` runs, and no webhook is asked.
    let call = fake.call(d.addr, caller());
    call.finished(WAIT)
        .await
        .expect("the dialplan ends the call");
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(app.requests("/call").is_empty());
    assert_eq!(
        value(
            &d,
            "dialbridge_listener_refused_total{reason=\"peer_not_allowed\"}"
        ),
        2.0
    );
    let lines = harness::log_lines_with(&format!("peer={me}"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("not in [listener] allow") && l.contains("peer_not_allowed")),
        "the refusal is logged with the peer: {lines:?}"
    );
    // A reload that lists loopback applies to the next connection.
    d.daemon.reload(harness::settings(&app));
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/call").len(), 1, "served after the reload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_inside_listener_allow_is_served_also_as_an_ipv4_mapped_address() {
    let app = hangup_app().await;
    let fake = FakeSwitch::start().await;
    // Bound to every IPv6 address: 127.0.0.1 arrives as ::ffff:127.0.0.1.
    let d = daemon(&app, |s| {
        s.listener.address = "[::]:0".into();
        s.listener.allow = vec!["192.0.2.0/24".into(), "127.0.0.1".into()];
    })
    .await;
    let to = SocketAddr::from(([127, 0, 0, 1], d.addr.port()));
    let call = fake.call(to, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/call").len(), 1, "the call was served");
    let apps: Vec<String> = call.apps().into_iter().map(|(n, _)| n).collect();
    assert_eq!(apps, ["hangup"]);
    assert_eq!(
        value(
            &d,
            "dialbridge_listener_refused_total{reason=\"peer_not_allowed\"}"
        ),
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_answers_connect_is_closed_and_its_descriptor_freed() {
    let app = hangup_app().await;
    let d = daemon(&app, |s| s.listener.connect_timeout_ms = 300).await;
    // One peer stays silent; the other trickles bytes that never end a
    // reply, which must not keep it open.
    let mut silent = TcpStream::connect(d.addr).await.expect("connect");
    let silent_peer = silent.local_addr().expect("local address");
    assert_eq!(first_command(&mut silent).await, "connect\n\n");
    let mut trickler = TcpStream::connect(d.addr).await.expect("connect");
    assert_eq!(first_command(&mut trickler).await, "connect\n\n");
    let (mut rd, mut wr) = trickler.into_split();
    let writer = tokio::spawn(async move {
        // Until the daemon's side is gone, a write fails (RST, then EPIPE);
        // while it is open, writes are absorbed.
        for _ in 0..500 {
            if wr.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    });
    assert_eq!(
        read_to_close(&mut silent).await,
        "",
        "closed after the timeout"
    );
    assert_eq!(
        read_to_close(&mut rd).await,
        "",
        "closed despite the trickle"
    );
    assert!(
        writer.await.expect("the writer"),
        "the daemon closed its socket (descriptor freed), not only its sending side"
    );
    assert_eq!(
        value(
            &d,
            "dialbridge_listener_refused_total{reason=\"connect_timeout\"}"
        ),
        2.0
    );
    wait_value(&d, "dialbridge_listener_pending_connects", 0.0).await;
    let lines = harness::log_lines_with(&format!("peer={silent_peer}"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("no reply to `connect` within [listener] connect_timeout_ms")),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_pending_connects_new_connections_are_closed_until_one_frees() {
    let app = hangup_app().await;
    let fake = FakeSwitch::start().await;
    let d = daemon(&app, |s| {
        s.listener.max_pending_connects = 2;
        s.listener.connect_timeout_ms = 60_000;
    })
    .await;
    let mut first = TcpStream::connect(d.addr).await.expect("connect");
    first_command(&mut first).await;
    let mut second = TcpStream::connect(d.addr).await.expect("connect");
    first_command(&mut second).await;
    wait_value(&d, "dialbridge_listener_pending_connects", 2.0).await;
    let mut third = TcpStream::connect(d.addr).await.expect("connect");
    assert_eq!(read_to_close(&mut third).await, "", "closed at once");
    let refused = fake.call(d.addr, caller());
    refused.finished(WAIT).await.expect("the dialplan ends it");
    assert_eq!(
        refused.caller_final_code(),
        Some(503),
        "FreeSWITCH fails over"
    );
    assert!(app.requests("/call").is_empty());
    assert!(
        still_open(&first) && still_open(&second),
        "the held ones wait for their timeout"
    );
    assert_eq!(
        value(
            &d,
            "dialbridge_listener_refused_total{reason=\"too_many_pending\"}"
        ),
        2.0
    );
    drop(first);
    wait_value(&d, "dialbridge_listener_pending_connects", 1.0).await;
    let served = fake.call(d.addr, caller());
    served.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        app.requests("/call").len(),
        1,
        "a real call is served again"
    );
    assert!(still_open(&second));
}

/// A raw connection to the daemon's HTTP port.
async fn http_conn(d: &Running) -> TcpStream {
    TcpStream::connect(d.daemon.http_addr)
        .await
        .expect("connect to HTTP")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_client_sending_half_a_header_is_cut_off_after_header_read_timeout() {
    let app = hangup_app().await;
    let d = daemon(&app, |s| s.http.header_read_timeout_ms = 300).await;
    let mut half = http_conn(&d).await;
    half.write_all(b"GET /health HTTP/1.1\r\nHost: dialbridge\r\n")
        .await
        .expect("write");
    // A trickling client does not extend the header timeout either.
    let (mut rd, mut wr) = http_conn(&d).await.into_split();
    tokio::spawn(async move {
        let header = format!("GET /metrics HTTP/1.1\r\nX-Slow: {}", "a".repeat(1000));
        for b in header.bytes() {
            if wr.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert_eq!(read_to_close(&mut half).await, "", "no response, closed");
    assert_eq!(read_to_close(&mut rd).await, "", "no response, closed");
    assert_eq!(
        value(&d, "dialbridge_http_timeouts_total{kind=\"header\"}"),
        2.0
    );
    let (status, body) = harness::get(format!("http://{}/health", d.daemon.http_addr)).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ok\n"),
        "whole requests are served"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_http_connection_is_closed_after_idle_timeout() {
    let app = hangup_app().await;
    let d = daemon(&app, |s| {
        s.http.idle_timeout_secs = 1;
        s.http.header_read_timeout_ms = 60_000;
    })
    .await;
    let mut conn = http_conn(&d).await;
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: dialbridge\r\n\r\n")
        .await
        .expect("write");
    let got = read_to_close(&mut conn).await;
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("ok\n"),
        "answered, then closed: {got:?}"
    );
    assert_eq!(
        value(&d, "dialbridge_http_timeouts_total{kind=\"idle\"}"),
        1.0
    );
    assert_eq!(
        value(&d, "dialbridge_http_timeouts_total{kind=\"header\"}"),
        0.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_http_max_connections_a_new_connection_is_closed_at_once() {
    let app = hangup_app().await;
    let d = daemon(&app, |s| {
        s.http.max_connections = 2;
        s.http.header_read_timeout_ms = 60_000;
    })
    .await;
    let first = http_conn(&d).await;
    let second = http_conn(&d).await;
    wait_value(&d, "dialbridge_http_connections", 2.0).await;
    let mut third = http_conn(&d).await;
    assert_eq!(read_to_close(&mut third).await, "", "refused, not queued");
    assert_eq!(value(&d, "dialbridge_http_refused_total"), 1.0);
    assert!(still_open(&first) && still_open(&second));
    drop(first);
    wait_value(&d, "dialbridge_http_connections", 1.0).await;
    let (status, _) = harness::get(format!("http://{}/health", d.daemon.http_addr)).await;
    assert_eq!(status, 200, "served once a connection closed");
    assert!(
        !harness::log_lines_with("[http] max_connections are open").is_empty(),
        "the refusal is logged"
    );
}
