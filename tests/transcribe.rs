//! `transcribe` against the fake switch and a fake custom-speech recognizer
//! (tests/support/recognizer.rs, jambonz's documented protocol): the
//! `start` message, 8 kHz frames with the API key as a bearer token,
//! `stop` at the end, and every transcript — interim and final, the last
//! ones sent after `stop` included — posted to `transcriptionHook` in
//! order with jambonz's `speech` object; per-channel recognition in a dial;
//! a recognizer that cannot be reached never hurts the call.

mod dialing;
mod fake_freeswitch;
mod harness;
mod support;

use std::time::Duration;

use dialbridge::config::SpeechService;
use dialbridge::secret::Secret;
use dialing::*;
use fake_freeswitch::{Callee, FakeSwitch};
use harness::{App, Reply, Running};
use serde_json::json;
use support::recognizer::{Recognizer, final_, interim};

async fn setup(url: String) -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.speech.insert(
        "acme".into(),
        SpeechService {
            url,
            api_key: Secret::new("k3y-for-tests"),
        },
    );
    let d = harness::start(s).await;
    (app, fake, d)
}

/// (channel_tag, is_final, transcript) of each transcriptionHook post.
fn posted(app: &App) -> Vec<(u64, bool, String)> {
    app.requests("/t")
        .iter()
        .map(|r| {
            let s = &r.json()["speech"];
            (
                s["channel_tag"].as_u64().unwrap_or(0),
                s["is_final"].as_bool().unwrap_or(false),
                s["alternatives"][0]["transcript"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

fn speech_audio(ms: usize) -> Vec<i16> {
    (0..ms * 8).map(|i| ((i % 50) as i16 - 25) * 300).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verb_streams_the_caller_to_the_recognizer_and_posts_interim_and_final_transcripts() {
    let rec = Recognizer::start(
        vec![interim(300, "hel"), final_(800, "hello world")],
        vec![final_(0, "goodbye")],
    )
    .await;
    let (app, fake, d) = setup(rec.url()).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "transcribe", "transcriptionHook": "/t",
            "recognizer": {"vendor": "custom:acme", "language": "en-GB", "interim": true}}])),
    );
    let call = fake.call(
        d.addr,
        caller().records(speech_audio(3_000)).hangs_up_after(2_000),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/t", 3, WAIT).await;
    assert_eq!(
        posted(&app),
        [
            (1, false, "hel".to_owned()),
            (1, true, "hello world".to_owned()),
            (1, true, "goodbye".to_owned())
        ],
        "in order, the one sent after stop included"
    );
    let first = &app.requests("/t")[0].json();
    assert_eq!(first["call_sid"], call.uuid());
    assert_eq!(first["speech"]["language_code"], "en-GB");
    assert_eq!(first["speech"]["alternatives"][0]["confidence"], 0.92);
    let s = &rec.sessions()[0];
    assert_eq!(s.authorization.as_deref(), Some("Bearer k3y-for-tests"));
    assert_eq!(
        s.start,
        json!({"type": "start", "language": "en-GB", "format": "raw", "encoding": "LINEAR16",
               "interimResults": true, "sampleRateHz": 8000})
    );
    assert!(s.audio_bytes >= 800 * 16, "{} bytes", s.audio_bytes);
    assert!(s.frame_sizes.iter().all(|n| *n == 320), "20 ms of 8 kHz");
    assert!(s.stopped, "stop is sent at the end");
    assert!(harness::log_lines_with("k3y-for-tests").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_interim_only_final_transcripts_are_posted() {
    let rec = Recognizer::start(vec![interim(200, "he"), final_(600, "hello")], vec![]).await;
    let (app, fake, d) = setup(rec.url()).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "recognizer": {"vendor": "custom:acme", "language": "fr-FR"}},
            {"verb": "transcribe", "transcriptionHook": "/t"}])),
    );
    let call = fake.call(
        d.addr,
        caller().records(speech_audio(2_000)).hangs_up_after(1_500),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/t", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(posted(&app), [(1, true, "hello".to_owned())]);
    // The config verb's default recognizer and language were used.
    assert_eq!(rec.sessions()[0].start["language"], "fr-FR");
    assert_eq!(rec.sessions()[0].start["interimResults"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_with_separate_recognition_transcribes_each_party_on_its_own_channel() {
    let rec = Recognizer::start(vec![final_(400, "words")], vec![]).await;
    let (app, fake, d) = setup(rec.url()).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "target": [phone("+15550000001")],
            "actionHook": "/action",
            "transcribe": {"transcriptionHook": "/t",
                "recognizer": {"vendor": "acme", "separateRecognitionPerChannel": true}}}])),
    );
    app.reply("/action", Reply::json(json!([])));
    let call = fake.call(
        d.addr,
        caller()
            .records(speech_audio(2_000))
            .hangs_up_after(1_500)
            .leg(0, Callee::answers_after(50).records(speech_audio(2_000))),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/t", 2, WAIT).await;
    let mut got = posted(&app);
    got.sort();
    assert_eq!(
        got,
        [(1, true, "words".to_owned()), (2, true, "words".to_owned())]
    );
    assert_eq!(rec.sessions().len(), 2);
    // Each leg's own audio: the caller's and the callee's recordings.
    let records: Vec<String> = call
        .commands()
        .iter()
        .filter(|c| {
            c.verb == "api" && c.args.starts_with("uuid_record") && c.args.contains(" start ")
        })
        .map(|c| c.args.split_whitespace().nth(1).unwrap_or("").to_owned())
        .collect();
    let mut expected = vec![call.uuid().to_owned(), leg_uuid(&call, 0)];
    expected.sort();
    let mut records = records;
    records.sort();
    assert_eq!(records, expected);
    let action = app.wait_for("/action", 1, WAIT).await;
    assert_eq!(action[0].json()["dial_status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recognizer_that_cannot_be_reached_ends_the_verb_and_the_application_goes_on() {
    let url = format!("ws://127.0.0.1:{}/stt", harness::closed_port());
    let (app, fake, d) = setup(url).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "transcribe", "transcriptionHook": "/t", "recognizer": {"vendor": "custom:acme"}},
            {"verb": "pause", "length": 1}])),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(3_000));
    call.finished(WAIT).await.expect("the call ends");
    assert!(
        app_names(&call).contains(&"sleep".to_owned()),
        "{:?}",
        app_names(&call)
    );
    assert!(app.requests("/t").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_vendor_is_refused_naming_the_configured_recognizers() {
    let rec = Recognizer::start(vec![], vec![]).await;
    let (app, fake, d) = setup(rec.url()).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "transcribe", "transcriptionHook": "/t",
            "recognizer": {"vendor": "google"}}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let lines = harness::log_lines_with("`google` is not supported");
    assert!(
        lines.iter().any(|l| l.contains("configured: custom:acme")),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_transcribe_runs_in_the_background_while_the_application_goes_on() {
    let rec = Recognizer::start(vec![final_(400, "in the background")], vec![]).await;
    let (app, fake, d) = setup(rec.url()).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "transcribe": {"enable": true, "transcriptionHook": "/t",
                "recognizer": {"vendor": "custom:acme"}}},
            {"verb": "pause", "length": 20}])),
    );
    let call = fake.call(
        d.addr,
        caller().records(speech_audio(2_000)).hangs_up_after(2_500),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/t", 1, WAIT).await;
    assert_eq!(posted(&app), [(1, true, "in the background".to_owned())]);
    assert!(app_names(&call).contains(&"sleep".to_owned()));
    assert!(
        rec.wait_for(WAIT, |s| s.iter().all(|s| s.stopped)).await[0].stopped,
        "stop is sent when the call ends"
    );
}
