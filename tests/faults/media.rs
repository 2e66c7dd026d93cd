//! The media cache against misbehaving media servers and busy calls: a
//! download streams to a `.part` file and a stalled one leaves nothing; one
//! download per URL however many calls ask; files live calls play are never
//! evicted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::dialing::*;
use crate::fake_freeswitch::FakeSwitch;
use crate::harness::{self, App, Reply};

/// A media server that answers `200 audio/wav` with a Content-Length of
/// `total` bytes, sends the first `sent`, then holds the connection open
/// without sending more. Returns its address and its request count.
async fn stalling_server(total: usize, sent: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the media server");
    let addr = listener.local_addr().expect("its address");
    let requests = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {total}\r\n\r\n"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.write_all(&vec![b'R'; sent]).await;
                let _ = socket.flush().await;
                // Stalled: wait for the client to give up.
                let _ = socket.read(&mut buf).await;
            });
        }
    });
    (addr, requests)
}

/// The files of `dir` with their sizes.
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| Some((e.path(), e.metadata().ok()?.len())))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls until `pred` holds on the files of `dir`.
async fn wait_files(dir: &Path, what: &str, pred: impl Fn(&[(PathBuf, u64)]) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !pred(&files(dir)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: {:?}",
            files(dir)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_part(p: &Path) -> bool {
    p.to_string_lossy().ends_with(".part")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_media_server_stalling_mid_file_leaves_no_file_and_the_call_goes_on() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let (media, requests) = stalling_server(20_000, 8_000).await;
    let mut s = harness::settings(&app);
    s.media.fetch_timeout_ms = 1_500;
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let cache = PathBuf::from(&s.media.cache_dir);
    let d = harness::start(s).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "play", "url": format!("http://{media}/stall.wav")},
            {"verb": "pause", "length": 1}
        ])),
    );
    let call = fake.call(d.addr, caller());
    // The bytes received so far are on disk, not in memory.
    wait_files(&cache, "a .part holding the 8000 bytes sent", |f| {
        f.iter().any(|(p, n)| is_part(p) && *n == 8_000)
    })
    .await;
    call.finished(WAIT).await.expect("the call ends");
    let errors = app.wait_for("/error", 1, WAIT).await;
    let error = errors[0].json()["error"].as_str().unwrap_or("").to_owned();
    assert!(error.contains("cannot fetch"), "{error}");
    assert!(
        files(&cache).is_empty(),
        "nothing left behind: {:?}",
        files(&cache)
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    // The failed play was skipped and the application went on.
    assert!(
        app_names(&call).contains(&"sleep".to_owned()),
        "{:?}",
        call.apps()
    );
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_asking_for_one_file_at_once_fetch_it_once() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/audio/one.wav",
        Reply::audio("audio/wav", 4_000).after(Duration::from_millis(800)),
    );
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "play", "url": app.url("/audio/one.wav")}])),
    );
    let calls: Vec<_> = (0..4).map(|_| fake.call(d.addr, caller())).collect();
    for call in &calls {
        call.finished(WAIT).await.expect("the call ends");
    }
    assert_eq!(app.requests("/audio/one.wav").len(), 1);
    let played: Vec<String> = calls
        .iter()
        .map(|c| {
            c.apps()
                .into_iter()
                .find(|(name, _)| name == "playback")
                .map(|(_, arg)| arg)
                .unwrap_or_default()
        })
        .collect();
    assert!(
        !played[0].is_empty() && played.iter().all(|p| p == &played[0]),
        "every call played the one download: {played:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_cache_never_evicts_a_file_a_live_call_plays() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.media.max_file_bytes = 1_000;
    s.media.max_cache_bytes = 1_500;
    let cache = PathBuf::from(&s.media.cache_dir);
    let d = harness::start(s).await;
    for (path, bytes) in [
        ("/audio/a.wav", 800),
        ("/audio/b.wav", 750),
        ("/audio/c.wav", 700),
    ] {
        app.reply(path, Reply::audio("audio/wav", bytes));
    }
    let play = |path: &str, then: serde_json::Value| {
        let mut verbs = vec![json!({"verb": "play", "url": app.url(path)})];
        verbs.extend(then.as_array().cloned().unwrap_or_default());
        Reply::json(serde_json::Value::Array(verbs))
    };
    let has = |bytes: u64| {
        files(&cache)
            .iter()
            .any(|(p, n)| *n == bytes && !is_part(p))
    };
    // Call 1 plays A, then stays up.
    app.reply_once(
        "/call",
        play("/audio/a.wav", json!([{"verb": "pause", "length": 100}])),
    );
    let first = fake.call(d.addr, caller());
    assert!(
        first
            .wait_for(WAIT, |log| log
                .commands()
                .iter()
                .any(|c| c.app() == Some("sleep")))
            .await,
        "call 1 played A and waits"
    );
    // Call 2's B puts the cache over its cap while A is in use.
    app.reply_once("/call", play("/audio/b.wav", json!([])));
    let second = fake.call(d.addr, caller());
    second.finished(WAIT).await.expect("call 2 ends");
    assert!(has(800), "A is still there for call 1: {:?}", files(&cache));
    assert!(has(750));
    // Once call 1 ended, A is fair game.
    first.hang_up();
    first.finished(WAIT).await.expect("call 1 ends");
    app.reply_once("/call", play("/audio/c.wav", json!([])));
    let third = fake.call(d.addr, caller());
    third.finished(WAIT).await.expect("call 3 ends");
    assert!(
        !has(800),
        "the oldest file no call holds goes: {:?}",
        files(&cache)
    );
    assert!(has(750) && has(700));
}
