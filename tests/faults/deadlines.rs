//! Every wait on FreeSWITCH has a deadline (item 2): a refused `event` or
//! `filter`, a lost CHANNEL_EXECUTE_COMPLETE or CHANNEL_HANGUP_COMPLETE, a
//! socket gone silent. The call is ended, its slot freed, `exit` sent.

use serde_json::json;

use crate::dialing::caller;
use crate::fake_freeswitch::{CallerSip, Faults};
use crate::fixture::{rig, settled, wait_status};
use crate::harness::Reply;

/// The last command the daemon sent on the call's socket.
fn last_command(call: &crate::fake_freeswitch::CallHandle) -> String {
    call.commands()
        .last()
        .map(|c| c.verb.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_refused_with_err_ends_the_call_and_frees_the_slot() {
    let r = rig().await;
    r.app
        .reply("/call", Reply::json(json!([{"verb": "answer"}])));
    let call = r
        .fake
        .call(r.d.addr, caller().faults(Faults::none().refuse("event")));
    call.finished(crate::fixture::WAIT)
        .await
        .expect("the call ends");
    // Nothing of the call can be seen: it is refused as an unreachable
    // application would be (`[app] reject_status`), never left waiting.
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(!call.closed_with_caller_up());
    assert_eq!(last_command(&call), "exit");
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_refused_with_err_ends_the_call_and_frees_the_slot() {
    let r = rig().await;
    r.app
        .reply("/call", Reply::json(json!([{"verb": "answer"}])));
    let call = r
        .fake
        .call(r.d.addr, caller().faults(Faults::none().refuse("filter")));
    call.finished(crate::fixture::WAIT)
        .await
        .expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(!call.closed_with_caller_up());
    assert_eq!(last_command(&call), "exit");
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_execute_complete_ends_the_call_and_frees_the_slot() {
    let r = rig().await;
    r.app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 30}])),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().faults(Faults::none().swallow_completion_of("answer")),
    );
    call.finished(crate::fixture::WAIT)
        .await
        .expect("the call ends");
    // `answer` is due within reply_timeout_ms: past it the call is ended
    // as a temporary failure (Q.850 41), the pause never ran.
    let apps: Vec<String> = call.apps().into_iter().map(|(n, _)| n).collect();
    assert!(!apps.contains(&"sleep".to_owned()), "{apps:?}");
    assert_eq!(
        call.hangup_cause().as_deref(),
        Some("NORMAL_TEMPORARY_FAILURE")
    );
    assert!(call.caller_signals().contains(&CallerSip::Bye(41)));
    assert_eq!(last_command(&call), "exit");
    let got = wait_status(&r.app, call.uuid(), "completed").await;
    assert_eq!(got.last().map(String::as_str), Some("completed"));
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_hangup_complete_ends_the_call_and_frees_the_slot() {
    let r = rig().await;
    r.app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "hangup"}])),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().faults(Faults::none().swallow_hangup_complete()),
    );
    call.finished(crate::fixture::WAIT)
        .await
        .expect("the call ends");
    assert_eq!(call.hangup_cause().as_deref(), Some("NORMAL_CLEARING"));
    assert_eq!(last_command(&call), "exit");
    // The socket may outlive the channel by 30 s at most.
    assert!(call.commands().iter().any(|c| c.raw == "linger 30"));
    // The status hook still learns how the call ended.
    let got = wait_status(&r.app, call.uuid(), "completed").await;
    assert_eq!(got.last().map(String::as_str), Some("completed"));
    settled(&r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_socket_is_found_by_a_probe_and_the_call_ended_over_the_control_connection() {
    let r = rig().await;
    // 2 s of quiet on a healthy socket first (a 20 s pause of the fake's
    // 100 ms seconds): probed, never cut short.
    r.app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 20},
                           {"verb": "pause", "length": 600}])),
    );
    let call = r.fake.call(
        r.d.addr,
        caller().faults(Faults::none().silent_after("sleep 600000")),
    );
    call.finished(crate::fixture::WAIT)
        .await
        .expect("the call ends");
    let apps: Vec<(String, String)> = call.apps();
    assert!(
        apps.contains(&("sleep".to_owned(), "20000".to_owned())),
        "{apps:?}"
    );
    // The silence and the unanswered `uuid_exists` probe tell the socket is
    // dead (the pause's own 600 s are not waited for), and the control
    // connection ends the call.
    let probes = call
        .commands()
        .iter()
        .filter(|c| c.raw.starts_with("api uuid_exists"))
        .count();
    assert!(probes >= 2, "the quiet pause was probed, then the silence");
    assert!(
        r.fake
            .api_log()
            .iter()
            .any(|l| l == &format!("uuid_kill {} NORMAL_TEMPORARY_FAILURE", call.uuid())),
        "{:?}",
        r.fake.api_log()
    );
    assert!(call.caller_signals().contains(&CallerSip::Bye(41)));
    assert_eq!(last_command(&call), "exit");
    let got = wait_status(&r.app, call.uuid(), "completed").await;
    assert_eq!(got.last().map(String::as_str), Some("completed"));
    settled(&r).await;
}
