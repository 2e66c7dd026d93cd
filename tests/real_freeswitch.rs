//! The live-call scenarios against a real FreeSWITCH, run only when
//! `DIALBRIDGE_TEST_ESL=host:port` names its event socket (FreeSWITCH
//! cannot be installed from any registry here, so CI runs the same
//! scenarios against the fake switch in tests/calls.rs and tests/dial.rs).
//!
//! Settings (environment):
//! - `DIALBRIDGE_TEST_ESL` — `host:port` of FreeSWITCH's inbound ESL.
//! - `DIALBRIDGE_TEST_ESL_PASSWORD` — its password (default `ClueCon`).
//! - `DIALBRIDGE_TEST_LISTEN` — the address the daemon listens on, which
//!   FreeSWITCH must reach (default `127.0.0.1:0`: FreeSWITCH on this host).
//! - `DIALBRIDGE_TEST_ORIGINATE` — the endpoint that plays the caller
//!   (default `loopback/9196/default`, the stock echo extension); calls are
//!   created with `bgapi originate ... &socket(...)` (docs/freeswitch.md §10).
//! - `DIALBRIDGE_TEST_SIP_PROFILE` — sofia profile for the targets
//!   (default `external`). Targets are sipp callees on 127.0.0.1.

mod harness;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use harness::{App, Reply};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// The real FreeSWITCH to run against, or why the test is skipped.
fn real() -> Option<(String, u16, String)> {
    let Ok(esl) = std::env::var("DIALBRIDGE_TEST_ESL") else {
        eprintln!(
            "skipped: DIALBRIDGE_TEST_ESL is not set (host:port of a real FreeSWITCH's event \
             socket); the same scenarios ran against the fake switch (tests/calls.rs, tests/dial.rs)"
        );
        return None;
    };
    let (host, port) = esl
        .rsplit_once(':')
        .expect("DIALBRIDGE_TEST_ESL is host:port");
    let port = port.parse().expect("DIALBRIDGE_TEST_ESL port");
    let password =
        std::env::var("DIALBRIDGE_TEST_ESL_PASSWORD").unwrap_or_else(|_| "ClueCon".into());
    Some((host.to_owned(), port, password))
}

/// A sipp callee on 127.0.0.1 (killed on drop).
struct Callee {
    child: Child,
    port: u16,
}

impl Callee {
    /// `scenario`: `uas` (sipp's built-in answering callee) or a file in tests/sipp.
    fn start(scenario: &str) -> Callee {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut cmd = Command::new("sipp");
        match scenario {
            "uas" => cmd.args(["-sn", "uas"]),
            file => cmd.args([
                "-sf",
                &format!("{}/tests/sipp/{file}", env!("CARGO_MANIFEST_DIR")),
            ]),
        };
        let child = cmd
            .args([
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-m",
                "1",
                "-nostdin",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp (apt-get install -y sip-tester)");
        Callee { child, port }
    }

    fn uri(&self, user: &str) -> String {
        format!("sip:{user}@127.0.0.1:{}", self.port)
    }
}

impl Drop for Callee {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the daemon against the real FreeSWITCH and places one call whose
/// application is `verbs`; returns the app server once `path` was called.
async fn run(esl: (String, u16, String), verbs: Value, path: &str) -> (App, Value) {
    let app = App::start().await;
    app.reply("/call", Reply::json(verbs));
    let mut s = harness::settings(&app);
    let (host, port, password) = esl;
    s.freeswitch.host = host.clone();
    s.freeswitch.port = port;
    s.freeswitch.password = dialbridge::secret::Secret::new(password.clone());
    s.listener.address =
        std::env::var("DIALBRIDGE_TEST_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());
    s.sip.profile =
        std::env::var("DIALBRIDGE_TEST_SIP_PROFILE").unwrap_or_else(|_| "external".into());
    let d = harness::start(s).await;
    let (client, _events) = freeswitch_esl_tokio::EslClient::connect(&host, port, &password)
        .await
        .expect("connect to the real FreeSWITCH");
    let caller = std::env::var("DIALBRIDGE_TEST_ORIGINATE")
        .unwrap_or_else(|_| "loopback/9196/default".into());
    let a = uuid::Uuid::new_v4();
    let cmd = format!(
        "originate {{origination_uuid={a},origination_caller_id_number=+15551230000}}{caller} \
         '&socket({} async full)'",
        d.daemon.settings.borrow().listener.address
    );
    let reply = client.bgapi(&cmd).await.expect("bgapi originate");
    assert!(
        reply.is_success(),
        "FreeSWITCH refused the originate: {:?}",
        reply.reply_text()
    );
    let got = app.wait_for(path, 1, WAIT).await;
    let body = got[0].json();
    let call = app.wait_for("/call", 1, WAIT).await[0].json();
    assert_eq!(call["call_sid"], a.to_string());
    (app, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_call_hook_payload_and_hangup() {
    let Some(esl) = real() else { return };
    let (_, body) = run(esl, json!([{"verb": "hangup"}]), "/call").await;
    assert_eq!(body["direction"], "outbound");
    assert_eq!(body["from"], "+15551230000");
    assert_eq!(body["call_status"], "in-progress");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_busy_and_answer_completes_with_the_answering_leg() {
    let Some(esl) = real() else { return };
    let busy = Callee::start("uas_busy.xml");
    let answer = Callee::start("uas");
    let (_, body) = run(
        esl,
        json!([{"verb": "dial", "actionHook": "/action", "timeout": 10,
                "target": [{"type": "sip", "sipUri": busy.uri("busy")},
                           {"type": "sip", "sipUri": answer.uri("answer")}]}]),
        "/action",
    )
    .await;
    assert_eq!(body["dial_status"], "completed", "{body}");
    assert_eq!(body["dial_legs"][0]["status"], "busy");
    assert_eq!(body["dial_legs"][0]["sip_status"], 486);
    assert_eq!(body["dial_legs"][1]["status"], "completed");
    assert_eq!(body["dial_call_sid"], body["dial_legs"][1]["call_sid"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_every_leg_busy_is_busy_486() {
    let Some(esl) = real() else { return };
    let a = Callee::start("uas_busy.xml");
    let b = Callee::start("uas_busy.xml");
    let (_, body) = run(
        esl,
        json!([{"verb": "dial", "actionHook": "/action", "timeout": 10,
                "headers": {"X-Test": "a,b;c 'q'"},
                "target": [{"type": "sip", "sipUri": a.uri("one")},
                           {"type": "sip", "sipUri": b.uri("two")}]}]),
        "/action",
    )
    .await;
    assert_eq!(
        (body["dial_status"].clone(), body["dial_sip_status"].clone()),
        (json!("busy"), json!(486))
    );
}
