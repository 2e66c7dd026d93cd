//! Recordings against the fake switch: `<Dial record="true">` records the
//! bridged call (`RECORD_BRIDGE_REQ`, `record_session` queued before the
//! bridge, `stop_record_session` after it), the action request carries
//! `RecordingUrl`/`RecordingSid`/`RecordingDuration`, the URL downloads the
//! WAV FreeSWITCH wrote, a tampered or expired URL is refused, and
//! `[recordings] retention` deletes the file.

mod fake_freeswitch;
mod harness;
mod rcml_support;

use std::time::{Duration, Instant};

use dialbridge::config::Recordings;
use dialbridge::secret::Secret;
use fake_freeswitch::{Callee, FakeSwitch};
use harness::App;
use hmac::{Hmac, KeyInit, Mac};
use rcml_support::*;
use sha2::Sha256;

const URL_SECRET: &str = "recording-url-secret-0123";

struct Rig {
    app: App,
    fake: FakeSwitch,
    d: harness::Running,
    dir: std::path::PathBuf,
}

async fn rig(retention: &str) -> Rig {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let dir = std::env::temp_dir().join(format!("dialbridge-rec-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("recordings dir");
    let mut s = settings(&app);
    let port = harness::closed_port();
    s.http.address = format!("127.0.0.1:{port}");
    s.recordings = Some(Recordings {
        dir: dir.display().to_string(),
        public_base_url: format!("http://127.0.0.1:{port}/"),
        retention: retention.into(),
        url_secret: Secret::new(URL_SECRET),
    });
    let d = harness::start(s).await;
    Rig { app, fake, d, dir }
}

fn sign(sid: &str, expires: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(URL_SECRET.as_bytes()).expect("key");
    mac.update(format!("{sid}\n{expires}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn download(url: &str) -> (u16, Vec<u8>) {
    let r = reqwest::get(url).await.expect("the recording URL answers");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("body").to_vec())
}

/// Runs a recorded dial whose callee answers and talks for `talk_ms`;
/// returns the action request and the call.
async fn recorded_call(r: &Rig) -> (harness::app::Request, fake_freeswitch::CallHandle) {
    r.app.reply(
        "/call",
        xml(r#"<Response><Dial record="true" action="/after">+15550001111</Dial></Response>"#),
    );
    r.app.reply("/after", xml("<Response><Hangup/></Response>"));
    let call = r.fake.call(
        r.d.addr,
        caller().otherwise(Callee::answers_after(200).hangs_up_after_answer(400)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let after = r.app.wait_for("/after", 1, WAIT).await.remove(0);
    (after, call)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_true_gives_a_recording_url_that_downloads_the_wav() {
    let r = rig("1h").await;
    let (after, call) = recorded_call(&r).await;
    assert_eq!(
        param(&after, "DialCallStatus").as_deref(),
        Some("completed")
    );
    let sid = param(&after, "RecordingSid").expect("RecordingSid");
    let url = param(&after, "RecordingUrl").expect("RecordingUrl");
    let secs: u64 = param(&after, "RecordingDuration")
        .expect("RecordingDuration")
        .parse()
        .expect("whole seconds");
    let file = r.dir.join(format!("{sid}.wav"));
    // The caller recorded only once bridged, into [recordings] dir, and
    // stopped after the bridge so the file was complete.
    let apps = call.apps();
    let at = |name: &str, arg: &str| apps.iter().position(|(n, a)| n == name && a == arg);
    let path = file.display().to_string();
    let req = at("set", "RECORD_BRIDGE_REQ=true").expect("RECORD_BRIDGE_REQ set");
    let start = at("record_session", &path).expect("record_session queued");
    let bridge = apps
        .iter()
        .position(|(n, _)| n == "bridge")
        .expect("bridge");
    let stop = at("stop_record_session", &path).expect("stopped after the dial");
    assert!(req < start && start < bridge && bridge < stop, "{apps:?}");
    let on_disk = std::fs::read(&file).expect("the file FreeSWITCH wrote");
    assert!(on_disk.len() > 44, "more than a header: {}", on_disk.len());
    // RecordingDuration is what the file holds (16,000 bytes a second),
    // rounded up.
    assert_eq!(secs, (on_disk.len() as u64 - 44).div_ceil(16_000));
    assert!(
        url.starts_with("http://127.0.0.1:")
            && url.contains(&format!("/recordings/{sid}.wav?Expires=")),
        "{url}"
    );
    let (status, body) = download(&url).await;
    assert_eq!(status, 200);
    assert_eq!(&body[..4], b"RIFF");
    assert_eq!(&body[8..12], b"WAVE");
    assert_eq!(body, on_disk);
    // A long recording is streamed in pieces, whole and in order.
    let long: Vec<u8> = on_disk
        .iter()
        .copied()
        .chain((0..300_000u32).map(|i| (i % 251) as u8))
        .collect();
    std::fs::write(&file, &long).expect("a longer recording");
    let (status, body) = download(&url).await;
    assert_eq!(status, 200);
    assert_eq!(body.len(), long.len());
    assert!(
        body == long,
        "the streamed file differs from the one on disk"
    );

    // Tampered: another signature, another recording, a later expiry.
    let (base, query) = url.split_once('?').expect("a query");
    let expires: u64 = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("Expires="))
        .and_then(|v| v.parse().ok())
        .expect("Expires");
    let mut bad_sig = sign(&sid, expires);
    bad_sig.replace_range(0..1, if bad_sig.starts_with('0') { "1" } else { "0" });
    for bad in [
        format!("{base}?Expires={expires}&Signature={bad_sig}"),
        format!(
            "{base}?Expires={}&Signature={}",
            expires + 3600,
            sign(&sid, expires)
        ),
        format!("{base}?Expires={expires}"),
        base.to_string(),
    ] {
        assert_eq!(download(&bad).await.0, 403, "{bad}");
    }
    // Signed with the key but expired: gone.
    let past = expires - 7200;
    assert_eq!(
        download(&format!(
            "{base}?Expires={past}&Signature={}",
            sign(&sid, past)
        ))
        .await
        .0,
        404
    );
    // Nothing but a RecordingSid names a file.
    let port = url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .expect("port");
    let (status, _) = download(&format!(
        "http://127.0.0.1:{port}/recordings/..%2F..%2Fetc%2Fpasswd?Expires={expires}&Signature={}",
        sign(&sid, expires)
    ))
    .await;
    assert_eq!(status, 404);
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_that_reaches_nobody_leaves_no_recording() {
    let r = rig("1h").await;
    r.app.reply(
        "/call",
        xml(r#"<Response><Dial record="true" action="/after" timeout="1">+15550001111</Dial></Response>"#),
    );
    r.app.reply("/after", xml("<Response><Hangup/></Response>"));
    let call = r
        .fake
        .call(r.d.addr, caller().otherwise(Callee::rejects(486, 100)));
    call.finished(WAIT).await.expect("the call ends");
    let after = r.app.wait_for("/after", 1, WAIT).await.remove(0);
    assert_eq!(param(&after, "DialCallStatus").as_deref(), Some("busy"));
    assert_eq!(param(&after, "RecordingUrl"), None);
    assert_eq!(param(&after, "RecordingSid"), None);
    assert!(call.apps().iter().any(|(n, _)| n == "record_session"));
    let left: Vec<_> = std::fs::read_dir(&r.dir).expect("dir").collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_the_recording_and_its_url_goes_with_it() {
    let r = rig("2s").await;
    let (after, _call) = recorded_call(&r).await;
    let sid = param(&after, "RecordingSid").expect("RecordingSid");
    let url = param(&after, "RecordingUrl").expect("RecordingUrl");
    let file = r.dir.join(format!("{sid}.wav"));
    let deadline = Instant::now() + WAIT;
    while file.exists() {
        assert!(
            Instant::now() < deadline,
            "{} was never deleted",
            file.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(download(&url).await.0, 404);
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_recordings_configured_the_dial_goes_on_unrecorded() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(r#"<Response><Dial record="true" action="/after">+15550001111</Dial></Response>"#),
    );
    app.reply("/after", xml("<Response><Hangup/></Response>"));
    let call = fake.call(
        d.addr,
        caller().otherwise(Callee::answers_after(200).hangs_up_after_answer(200)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let after = app.wait_for("/after", 1, WAIT).await.remove(0);
    assert_eq!(
        param(&after, "DialCallStatus").as_deref(),
        Some("completed")
    );
    assert_eq!(param(&after, "RecordingUrl"), None);
    assert!(!call.apps().iter().any(|(n, _)| n == "record_session"));
    assert!(
        !harness::log_lines_with("[recordings] is not configured").is_empty(),
        "the operator is told"
    );
}

/// A `<Record>` whose caller presses `#` a second in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_posts_the_recording_and_the_key_that_ended_it() {
    let r = rig("1h").await;
    r.app.reply(
        "/call",
        xml(r##"<Response><Record action="/recorded" timeout="30" maxLength="20" finishOnKey="#"/><Say>not reached</Say></Response>"##),
    );
    r.app
        .reply("/recorded", xml("<Response><Hangup/></Response>"));
    let call = r.fake.call(r.d.addr, caller().presses("#", 1000));
    call.finished(WAIT).await.expect("the call ends");
    let got = r.app.wait_for("/recorded", 1, WAIT).await.remove(0);
    assert_eq!(param(&got, "Digits").as_deref(), Some("#"));
    let sid = param(&got, "RecordingSid").expect("RecordingSid");
    let url = param(&got, "RecordingUrl").expect("RecordingUrl");
    let secs: u64 = param(&got, "RecordingDuration")
        .expect("RecordingDuration")
        .parse()
        .expect("seconds");
    assert!(secs >= 1, "{secs}");
    let path = r.dir.join(format!("{sid}.wav")).display().to_string();
    let apps = call.apps();
    let at = |name: &str, arg: &str| apps.iter().position(|(n, a)| n == name && a == arg);
    let set = at("set", "playback_terminators=#").expect("the finish key");
    let beep = at("playback", "tone_stream://%(500,0,1000)").expect("a beep");
    let rec = at("record", &format!("{path} 20 200 30")).expect("record");
    assert!(set < beep && beep < rec, "{apps:?}");
    assert!(
        !apps.iter().any(|(n, _)| n == "speak"),
        "the action's reply replaced the document: {apps:?}"
    );
    let (status, body) = download(&url).await;
    assert_eq!(status, 200);
    assert_eq!(&body[..4], b"RIFF");
    assert!(body.len() > 44);
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_ends_on_silence_and_posts_to_the_documents_url() {
    let r = rig("1h").await;
    r.app.reply_once(
        "/call",
        xml(r#"<Response><Record timeout="2" playBeep="false"/></Response>"#),
    );
    r.app.reply("/call", xml("<Response><Hangup/></Response>"));
    let call = r.fake.call(r.d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let got = r.app.wait_for("/call", 2, WAIT).await.remove(1);
    assert!(param(&got, "RecordingUrl").is_some(), "{:?}", params(&got));
    assert_eq!(param(&got, "Digits"), None, "silence ended it, not a key");
    let apps = call.apps();
    assert!(!apps.iter().any(|(n, _)| n == "playback"), "{apps:?}");
    assert!(
        apps.iter()
            .any(|(n, a)| n == "set" && a == "playback_terminators=1234567890*#"),
        "{apps:?}"
    );
    let _ = std::fs::remove_dir_all(&r.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_hangs_up_while_recording_still_has_it_posted() {
    let r = rig("1h").await;
    r.app.reply(
        "/call",
        xml(r#"<Response><Record action="/recorded" timeout="0" playBeep="false"/></Response>"#),
    );
    r.app
        .reply("/recorded", xml("<Response><Hangup/></Response>"));
    let call = r.fake.call(r.d.addr, caller().hangs_up_after(1500));
    call.finished(WAIT).await.expect("the call ends");
    let got = r.app.wait_for("/recorded", 1, WAIT).await.remove(0);
    assert_eq!(param(&got, "Digits").as_deref(), Some("hangup"));
    let sid = param(&got, "RecordingSid").expect("RecordingSid");
    assert!(r.dir.join(format!("{sid}.wav")).exists());
    let _ = std::fs::remove_dir_all(&r.dir);
}
