//! Bounded by the caller, not by luck: what a caller (or a crash) can make
//! dialbridge do stays within configured bounds.

use std::time::Duration;

use serde_json::json;

use crate::dialing::*;
use crate::fake_freeswitch::{Callee, FakeSwitch};
use crate::harness::{self, App, Reply};

/// The value of `name` on the daemon's `/metrics`.
async fn metric(d: &harness::Running, name: &str) -> f64 {
    let (_, text) = harness::get(format!("http://{}/metrics", d.daemon.http_addr)).await;
    harness::metric(&text, name)
}

/// Polls `/metrics` until `name` reaches `value`.
async fn wait_metric(d: &harness::Running, name: &str, value: f64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = metric(d, name).await;
        if now == value {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} is {now}, waiting for {value}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const DROPPED: &str = r#"dialbridge_webhook_requests_total{kind="dtmf",result="dropped"}"#;
const TIMED_OUT: &str = r#"dialbridge_webhook_requests_total{kind="dtmf",result="timeout"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_flooding_dtmf_cannot_fan_out_dtmf_hook_posts() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.dtmf.hook_rate_per_sec = 1;
    s.dtmf.hook_burst = 2;
    s.dtmf.hook_max_in_flight = 2;
    let d = harness::start(s).await;
    script(
        &app,
        json!({"verb": "dial", "dtmfCapture": ["1"], "dtmfHook": "/dtmf",
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // A slow application: every post waits for the webhook timeout (2 s).
    app.reply("/dtmf", Reply::status(200).after(Duration::from_secs(30)));
    let call = fake.call(d.addr, caller().leg(0, Callee::answers_after(50)));
    assert!(
        call.wait_for(WAIT, |log| log.legs().iter().any(|l| l.bridged))
            .await,
        "the callee is bridged"
    );
    // 50 matches at once: 2 posts go out, the other 48 are dropped.
    for _ in 0..50 {
        call.press('1');
    }
    wait_metric(&d, DROPPED, 48.0).await;
    assert_eq!(app.requests("/dtmf").len(), 2, "the in-flight cap holds");
    assert_eq!(
        harness::log_lines_with("dtmfHook posts dropped").len(),
        1,
        "a burst is logged once"
    );
    // Once the two posts are done and a token is back, matches flow again.
    wait_metric(&d, TIMED_OUT, 2.0).await;
    call.press('1');
    app.wait_for("/dtmf", 3, WAIT).await;
    assert!(
        harness::log_lines_with("flow again")
            .iter()
            .any(|l| l.contains("dropped=48")),
        "the end of the burst says how many were dropped"
    );
    assert_eq!(metric(&d, DROPPED).await, 48.0);
    call.hang_up();
    call.finished(WAIT).await.expect("the call ends");
    assert!(!call.closed_with_caller_up());
}

/// A fresh directory under the system's temp dir.
fn temp_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dialbridge-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("make the directory");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amd_recordings_and_downloads_left_by_a_crash_are_removed_at_start() {
    let app = App::start().await;
    let mut s = harness::settings(&app);
    let audio = temp_dir("amd-leftovers");
    let cache = temp_dir("media-leftovers");
    for name in ["0a1b-dead.r8", "0a1b-dead2.r8"] {
        std::fs::write(audio.join(name), [0u8; 320]).expect("write");
    }
    std::fs::write(audio.join("operator-notes.txt"), "keep").expect("write");
    std::fs::write(cache.join("abc.1234.part"), [0u8; 100]).expect("write");
    std::fs::write(cache.join("abc.wav"), [0u8; 100]).expect("write");
    s.amd.audio_dir = audio.display().to_string();
    s.media.cache_dir = cache.display().to_string();
    let _d = harness::start(s).await;
    assert!(!audio.join("0a1b-dead.r8").exists() && !audio.join("0a1b-dead2.r8").exists());
    assert!(
        audio.join("operator-notes.txt").exists(),
        "only recordings are removed"
    );
    assert!(!cache.join("abc.1234.part").exists());
    assert!(cache.join("abc.wav").exists(), "complete downloads stay");
    let logged = harness::log_lines_with("removed AMD recordings left by a previous run");
    assert!(
        logged
            .iter()
            .any(|l| l.contains("removed=2") && l.contains(&audio.display().to_string())),
        "{logged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amd_recording_dialbridge_never_stops_is_bounded_by_freeswitch() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.amd.audio_dir = temp_dir("amd-limit").display().to_string();
    let d = harness::start(s).await;
    script(
        &app,
        json!({"verb": "dial", "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .records(vec![0; 8000])
                .hangs_up_after_answer(1_500),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let leg = leg_uuid(&call, 0);
    let starts: Vec<String> = fake
        .api_log()
        .into_iter()
        .filter(|l| l.starts_with(&format!("uuid_record {leg} start ")))
        .collect();
    assert_eq!(starts.len(), 1, "{starts:?}");
    // uuid_record <uuid> start <path> <limit> {vars}: the classifier's defaults read at
    // most 2 + 15 + 2 + 5 s, so FreeSWITCH stops the recording by then.
    let limit = starts[0].split_whitespace().nth(4);
    assert_eq!(limit, Some("24"), "{}", starts[0]);
}
