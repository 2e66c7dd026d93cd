//! Screening never fails open (item 1): a screened leg is bridged only
//! when dialbridge accepted it; every failure declines it (CALL_REJECTED).

use std::net::SocketAddr;

use freeswitch_esl_tokio::EslClient;
use serde_json::json;

use crate::dialing::{caller, leg_uuid, phone, script};
use crate::fake_freeswitch::{Callee, Faults};
use crate::fixture::{WAIT, rig, settled};
use crate::harness::{Reply, metric};

/// A dial of one screened target answering after 100 ms and staying on for
/// 600 ms once bridged.
fn screened_dial(r: &crate::fixture::Rig) {
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "confirmHook": "/screen",
               "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_socket_that_cannot_connect_does_not_bridge_the_leg_unscreened() {
    let r = rig().await;
    screened_dial(&r);
    // FreeSWITCH.md §13: with its screening socket refused, FreeSWITCH
    // bridges the leg ~40 ms after its answer. dialbridge, seeing it on
    // the caller's socket without having accepted it, hangs it up.
    let call = r.fake.call(
        r.d.addr,
        caller().leg(
            0,
            Callee::answers_after(100)
                .hangs_up_after_answer(3_000)
                .screening_faults(Faults::none().unreachable()),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_ne!(body["dial_status"], "completed", "{body}");
    assert_eq!(body["dial_legs"][0]["status"], "declined", "{body}");
    assert_eq!(body["dial_legs"][0]["hangup_cause"], "CALL_REJECTED");
    assert_eq!(call.legs()[0].cause.as_deref(), Some("CALL_REJECTED"));
    assert!(r.app.requests("/screen").is_empty());
    let metrics = crate::harness::get(format!("http://{}/metrics", r.d.daemon.http_addr))
        .await
        .1;
    assert_eq!(metric(&metrics, "dialbridge_screening_bypassed_total"), 1.0);
    assert!(!call.closed_with_caller_up());
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_subscription_refused_declines_the_leg() {
    let r = rig().await;
    screened_dial(&r);
    let call = r.fake.call(
        r.d.addr,
        caller().leg(
            0,
            Callee::answers_after(100)
                .hangs_up_after_answer(3_000)
                .screening_faults(Faults::none().refuse("event")),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_ne!(body["dial_status"], "completed", "{body}");
    assert_eq!(call.legs()[0].cause.as_deref(), Some("CALL_REJECTED"));
    assert!(!call.legs()[0].bridged);
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_socket_gone_silent_declines_the_leg_over_the_control_connection() {
    let r = rig().await;
    screened_dial(&r);
    r.app.reply(
        "/screen",
        Reply::json(json!([{"verb": "pause", "length": 600}])),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().leg(
            0,
            Callee::answers_after(100)
                .hangs_up_after_answer(3_000)
                .screening_faults(Faults::none().silent_after("sleep")),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_ne!(body["dial_status"], "completed", "{body}");
    let leg = leg_uuid(&call, 0);
    assert_eq!(call.legs()[0].cause.as_deref(), Some("CALL_REJECTED"));
    assert!(
        r.fake
            .api_log()
            .iter()
            .any(|l| l == &format!("uuid_kill {leg} CALL_REJECTED")),
        "{:?}",
        r.fake.api_log()
    );
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_connection_no_dial_expects_is_declined_even_without_events() {
    let r = rig().await;
    // A leg that looks screened (placed by FreeSWITCH for another call)
    // reaches the listener with no dial waiting for it, and its `event`
    // subscription is refused: it is hung up, never handed back.
    r.fake.originate_callee(
        Callee::answers_after(20).screening_faults(Faults::none().refuse("event")),
    );
    let (client, _events) = EslClient::connect("127.0.0.1", r.fake.esl_addr().port(), "ClueCon")
        .await
        .expect("inbound");
    let leg = uuid::Uuid::new_v4().to_string();
    let daemon: SocketAddr = r.d.addr;
    let reply = client
        .api(&format!(
            "originate {{origination_uuid={leg},originating_leg_uuid={}}}sofia/external/1000@127.0.0.1 \
             '&socket({daemon} async full)'",
            uuid::Uuid::new_v4()
        ))
        .await
        .expect("originate");
    assert!(reply.body().unwrap_or("").starts_with("+OK"), "{reply:?}");
    settled(&r).await;
    let created = r.fake.originated();
    let screened = created.first().expect("the originated leg");
    assert_eq!(
        screened.apps(),
        [("hangup".to_owned(), "CALL_REJECTED".to_owned())]
    );
}
