//! The daemon's operational side, in-process: the FreeSWITCH control
//! connection (reconnect after a restart, dead by missing heartbeats, a
//! wrong password) and `/health`, `/ready`, `/metrics`.

mod fake_freeswitch;
mod harness;

use std::time::{Duration, Instant};

use fake_freeswitch::{Callee, Caller, DialplanNext, FakeSwitch};
use harness::{App, Reply, get, metric, wait_status};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000").then(DialplanNext::Respond(503))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_connection_comes_back_after_freeswitch_restarts() {
    let app = App::start().await;
    let mut fake = FakeSwitch::start().await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.freeswitch.reconnect_max_secs = 1;
    let d = harness::start(s).await;
    let ready = format!("http://{}/ready", d.daemon.http_addr);
    wait_status(&ready, 200).await;
    fake.stop_inbound();
    let body = wait_status(&ready, 503).await;
    assert!(body.contains("down"), "{body}");
    fake.restart_inbound().await;
    wait_status(&ready, 200).await;
    let (_, metrics) = get(format!("http://{}/metrics", d.daemon.http_addr)).await;
    let reconnects = metric(&metrics, "dialbridge_esl_reconnects_total");
    assert!(reconnects >= 1.0, "{metrics}");
    assert_eq!(metric(&metrics, "dialbridge_esl_connected"), 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_esl_password_is_reported_as_such_without_printing_it() {
    let app = App::start().await;
    let fake = FakeSwitch::builder().password("right-one").start().await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.freeswitch.password = dialbridge::secret::Secret::new("wrong-secret-xyz");
    let d = harness::start(s).await;
    let body = wait_status(&format!("http://{}/ready", d.daemon.http_addr), 503).await;
    let deadline = Instant::now() + WAIT;
    while !get(format!("http://{}/ready", d.daemon.http_addr))
        .await
        .1
        .contains("password")
    {
        assert!(Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = harness::log_lines_with("refused the ESL password");
    assert!(!lines.is_empty());
    assert!(
        harness::log_lines_with("wrong-secret-xyz").is_empty(),
        "the password never reaches a log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_calls_dials_and_webhooks() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "answerOnBridge": true,
                            "target": [{"type": "phone", "number": "+15550000001"}]}])),
    );
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    let d = harness::start(s).await;
    wait_status(&format!("http://{}/ready", d.daemon.http_addr), 200).await;
    let call = fake.call(d.addr, caller().leg(0, Callee::rejects(486, 20)));
    call.finished(WAIT).await.expect("the call ends");
    let (status, text) = get(format!("http://{}/metrics", d.daemon.http_addr)).await;
    assert_eq!(status, 200);
    for (name, value) in [
        ("dialbridge_calls_started_total", 1.0),
        ("dialbridge_calls_live", 0.0),
        ("dialbridge_calls_ended_total{status=\"busy\"}", 1.0),
        ("dialbridge_dials_total{dial_status=\"busy\"}", 1.0),
        ("dialbridge_dial_legs_total{status=\"busy\"}", 1.0),
        (
            "dialbridge_webhook_requests_total{kind=\"call\",result=\"ok\"}",
            1.0,
        ),
        (
            "dialbridge_webhook_duration_seconds_count{kind=\"call\"}",
            1.0,
        ),
        ("dialbridge_esl_connected", 1.0),
        ("dialbridge_draining", 0.0),
    ] {
        assert_eq!(metric(&text, name), value, "{name} in\n{text}");
    }
    let (status, body) = get(format!("http://{}/health", d.daemon.http_addr)).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeswitch_that_stops_sending_heartbeats_is_taken_for_dead() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A FreeSWITCH that accepts the password and the subscription, then
    // goes silent with the connection still open.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = s.write_all(b"Content-Type: auth/request\n\n").await;
                let mut buf = [0u8; 1024];
                for reply in ["+OK accepted", "+OK event listener enabled plain"] {
                    let _ = s.read(&mut buf).await;
                    let _ = s
                        .write_all(
                            format!("Content-Type: command/reply\nReply-Text: {reply}\n\n")
                                .as_bytes(),
                        )
                        .await;
                }
                tokio::time::sleep(Duration::from_secs(120)).await;
            });
        }
    });
    let app = App::start().await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = port;
    s.freeswitch.liveness_secs = 5;
    let d = harness::start(s).await;
    let ready = format!("http://{}/ready", d.daemon.http_addr);
    wait_status(&ready, 200).await;
    let started = Instant::now();
    let body = wait_status(&ready, 503).await;
    assert!(body.contains("down"), "{body}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "not before the liveness timeout"
    );
}
