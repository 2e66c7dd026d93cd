//! Paths and secrets: `play` reads only allowed directories; relative hooks
//! keep `call_hook`'s credentials and never leave its host; no URL password
//! reaches an error hook, a log, `check-config` or `explain`; an answered
//! leg's SIP digest password is unset on FreeSWITCH.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::io::Write;
use std::process::{Command, Stdio};

use dialbridge::app::Method;
use dialbridge::app::hook::HookSpec;
use dialbridge::secret::{MASK, Secret};
use dialing::*;
use fake_freeswitch::{Callee, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

/// An app, a fake switch and a daemon that reports to the app's `/error`,
/// with `change` applied to the settings.
async fn setup_with(
    change: impl FnOnce(&mut dialbridge::config::Settings, &App),
) -> (App, FakeSwitch, harness::Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(HookSpec::Url(app.url("/error")));
    change(&mut s, &app);
    let d = harness::start(s).await;
    (app, fake, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_of_a_path_outside_allow_paths_refuses_the_reply_with_its_pointer() {
    let (app, fake, d) = setup_with(|s, _| s.media.allow_paths = vec!["/srv/sounds".into()]).await;
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "play", "url": "/srv/sounds/hello.wav"},
            {"verb": "play", "url": "/etc/ssl/private/server.key"}
        ])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert!(
        !app_names(&call).contains(&"playback".to_owned()),
        "nothing of the reply ran: {:?}",
        call.apps()
    );
    assert_eq!(
        call.caller_final_code(),
        Some(503),
        "refused like any invalid reply"
    );
    let report = app.wait_for("/error", 1, WAIT).await[0].json();
    assert_eq!(report["problems"][0]["pointer"], "/1/url", "{report}");
    let message = report["problems"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("outside the directories"), "{message}");
    // A file in an allowed directory plays.
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "play", "url": "/srv/sounds/hello.wav"}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert!(
        call.apps()
            .contains(&("playback".into(), "/srv/sounds/hello.wav".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_hooks_carry_call_hooks_basic_auth_and_scheme_relative_ones_are_refused() {
    let (app, fake, d) = setup_with(|s, app| {
        s.app.call_hook = HookSpec::Full {
            url: app.url("/call"),
            method: Method::Post,
            username: Some("dialbridge".into()),
            password: Some(Secret::new("pw")),
        };
    })
    .await;
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "redirect", "actionHook": "/next"}])),
    );
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let next = &app.wait_for("/next", 1, WAIT).await[0];
    let auth = next
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    // base64("dialbridge:pw")
    assert_eq!(auth, Some("Basic ZGlhbGJyaWRnZTpwdw=="));
    // `//host/x` names another host: refused, never requested.
    let evil = app.url("/evil").replacen("http:", "", 1);
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "redirect", "actionHook": evil}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let report = app.wait_for("/error", 1, WAIT).await[0].json();
    let message = report["problems"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("scheme-relative"), "{report}");
    assert!(app.requests("/evil").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_hook_payloads_and_logs_carry_no_url_password() {
    let (app, fake, d) = setup_with(|_, _| {}).await;
    let port = harness::closed_port();
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "play", "url": format!("http://media:hunter2@127.0.0.1:{port}/a.wav")},
            {"verb": "hangup"}
        ])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let media_error = app.wait_for("/error", 1, WAIT).await[0].body.clone();
    assert!(media_error.contains("cannot fetch"), "{media_error}");
    assert!(
        media_error.contains(&format!("media:{MASK}@")),
        "{media_error}"
    );
    // An invalid reply whose problem quotes a URL.
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "redirect", "actionHook": "ftp://app:hunter2@x.example/y"}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let invalid = app.wait_for("/error", 2, WAIT).await[1].body.clone();
    assert!(invalid.contains("ftp scheme"), "{invalid}");
    for body in [&media_error, &invalid] {
        assert!(!body.contains("hunter2"), "{body}");
    }
    assert!(
        harness::log_lines_with("hunter2").is_empty(),
        "{:?}",
        harness::log_lines_with("hunter2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_legs_digest_password_is_unset_on_freeswitch() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "target": [
            {"type": "sip", "sipUri": "sip:1000@pbx.example.com",
             "auth": {"username": "alice", "password": "s3cret"}}]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, Callee::answers_after(50)));
    assert!(
        call.wait_for(WAIT, |log| log.legs().iter().any(|l| l.bridged))
            .await
    );
    let leg = leg_uuid(&call, 0);
    let deadline = tokio::time::Instant::now() + WAIT;
    while call.var(&leg, "sip_auth_password").is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sip_auth_password is still set on the answered leg"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        call.var(&leg, "sip_auth_username").as_deref(),
        Some("alice"),
        "only the password goes"
    );
    assert!(
        fake.api_log()
            .contains(&format!("uuid_setvar {leg} sip_auth_password"))
    );
    call.hang_up();
    call.finished(WAIT).await.expect("the call ends");
}

/// Runs the dialbridge binary with `args` and `stdin`; (code, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialbridge"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dialbridge");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A configuration file with `toml`; its path.
fn config_file(toml: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("dialbridge-secrets-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&path, toml).expect("write the configuration");
    path.display().to_string()
}

#[test]
fn check_config_masks_passwords_in_hook_urls() {
    let config = config_file(
        "[app]\ncall_hook = \"https://app:hunter2@app.example/call#rc=2\"\n\
         error_hook = { url = \"https://err:pw2@app.example/error\", method = \"GET\" }\n",
    );
    let (code, stdout, stderr) = run(&["check-config", "--config", &config], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stdout.contains("pw2"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("https://app:{MASK}@app.example/call#rc=2")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("https://err:{MASK}@app.example/error")),
        "{stdout}"
    );
}

fn fixture_config() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/dialbridge.toml")
        .display()
        .to_string()
}

#[test]
fn explain_masks_passwords_in_hook_urls() {
    let reply = json!([
        {"verb": "gather", "actionHook": "https://app:hunter2@app.example/digits"},
        {"verb": "redirect", "actionHook": "https://app:hunter2@app.example/next"}
    ])
    .to_string();
    let (code, stdout, stderr) = run(&["explain", "--config", &fixture_config(), "-"], &reply);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.contains(&format!("app:{MASK}@app.example/next")),
        "{stdout}"
    );
    let bad =
        json!([{"verb": "redirect", "actionHook": "ftp://app:hunter2@x.example/y"}]).to_string();
    let (code, stdout, stderr) = run(&["explain", "--config", &fixture_config(), "-"], &bad);
    assert_eq!(code, 2);
    assert!(stderr.contains("ftp scheme"), "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
}
