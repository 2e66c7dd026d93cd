//! `dialbridge calls ...` (issue 13 item 7): the operator's CLI over the
//! REST API, run as a process against the daemon under test, reading
//! `[api]` from a configuration file.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use dialing::*;
use harness::Reply;
use rest::*;
use serde_json::{Value, json};

/// Runs `dialbridge calls <args>` with a configuration for `d`'s API:
/// (success, stdout, stderr).
async fn cli(d: &harness::Running, app: &harness::App, args: &[&str]) -> (bool, String, String) {
    let config = std::env::temp_dir().join(format!("dialbridge-cli-{}.toml", uuid::Uuid::new_v4()));
    let text = format!(
        "[app]\ncall_hook = \"{}\"\n[api]\naddress = \"{}\"\nkeys = [\"{KEY}\"]\n",
        app.url("/outbound"),
        d.daemon.api_addr.expect("the API is on")
    );
    std::fs::write(&config, text).expect("write the configuration");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_dialbridge"))
        .arg("calls")
        .arg("--config")
        .arg(&config)
        .args(args)
        .output()
        .await
        .expect("the CLI runs");
    let _ = std::fs::remove_file(&config);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_gets_redirects_hangs_up_and_creates_calls() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let first = fake.call(d.addr, caller());
    let second = fake.call(d.addr, caller());
    runs(&first, "sleep").await;
    runs(&second, "sleep").await;
    call_until(&d, first.uuid(), |_| true).await;
    call_until(&d, second.uuid(), |_| true).await;

    let (ok, out, err) = cli(&d, &app, &["list"]).await;
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&out).expect("JSON");
    let mut sids: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["call_sid"].as_str())
        .collect();
    sids.sort();
    let mut want = vec![first.uuid(), second.uuid()];
    want.sort();
    assert_eq!(sids, want);

    let (ok, out, err) = cli(&d, &app, &["get", first.uuid()]).await;
    assert!(ok, "{err}");
    let one: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(one["call_status"], "in-progress");

    let (ok, _, err) = cli(&d, &app, &["hangup", first.uuid()]).await;
    assert!(ok, "{err}");
    first.finished(WAIT).await.expect("hung up");

    let next = app.url("/next");
    let (ok, _, err) = cli(&d, &app, &["redirect", second.uuid(), &next]).await;
    assert!(ok, "{err}");
    assert_eq!(
        app.wait_for("/next", 1, WAIT).await[0].json()["call_sid"],
        second.uuid()
    );
    second
        .finished(WAIT)
        .await
        .expect("the new application hangs up");

    let (ok, _, err) = cli(&d, &app, &["get", first.uuid()]).await;
    assert!(!ok);
    assert!(err.contains("404") && err.contains("no live call"), "{err}");

    let (ok, out, err) = cli(
        &d,
        &app,
        &["create", "--from", "+15551230000", "--to", "+15559870000"],
    )
    .await;
    assert!(ok, "{err}");
    let sid = serde_json::from_str::<Value>(&out).expect("JSON")["sid"]
        .as_str()
        .expect("a sid")
        .to_owned();
    let asked = app.wait_for("/outbound", 1, WAIT).await[0].json();
    assert_eq!(asked["call_sid"], sid.as_str());
    assert_eq!(asked["direction"], "outbound");

    let (ok, _, err) = cli(
        &d,
        &app,
        &["create", "--from", "+15551230000", "--to", "+1555'1"],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("/to/number"), "{err}");
}
