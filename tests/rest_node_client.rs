//! jambonz's own Node.js client (`@jambonz/node-client`, pinned in
//! tests/jambonz_client/package.json) drives the REST API by its `baseUrl`
//! option: create, list, retrieve, update. `.ci/run` installs it
//! (`npm ci`-style into tests/jambonz_client/node_modules) and sets
//! DIALBRIDGE_REQUIRE_NODE_CLIENT=1, so there a missing client fails; on a
//! machine without it the test says so and passes without running.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use std::path::Path;

use dialing::*;
use harness::Reply;
use rest::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jambonz_s_node_client_creates_lists_retrieves_and_updates_calls() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jambonz_client");
    if !dir.join("node_modules/@jambonz/node-client").exists() {
        assert!(
            std::env::var_os("DIALBRIDGE_REQUIRE_NODE_CLIENT").is_none(),
            "@jambonz/node-client is not installed: npm install --prefix tests/jambonz_client"
        );
        eprintln!(
            "skipped: @jambonz/node-client is not installed (npm install --prefix tests/jambonz_client)"
        );
        return;
    }
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let live = fake.call(d.addr, caller());
    runs(&live, "sleep").await;
    call_until(&d, live.uuid(), |_| true).await;
    let base = format!("http://{}", d.daemon.api_addr.expect("the API is on"));
    let out = tokio::process::Command::new("node")
        .current_dir(&dir)
        .arg("run.js")
        .arg(&base)
        .arg(KEY)
        .arg(app.url(""))
        .arg(live.uuid())
        .output()
        .await
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let created = got["created"]
        .as_str()
        .expect("calls.create returned the sid");
    let asked = app.wait_for("/outbound", 1, WAIT).await[0].json();
    assert_eq!(asked["call_sid"], created);
    assert_eq!(asked["customerData"], json!({"client": "node"}));
    assert!(
        got["list"]
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["call_sid"] == live.uuid())),
        "{got}"
    );
    assert_eq!(got["retrieved"]["call_sid"], live.uuid());
    assert_eq!(got["retrieved"]["direction"], "inbound");
    assert_eq!(got["updated"], true);
    assert_eq!(
        app.wait_for("/next", 1, WAIT).await[0].json()["call_sid"],
        live.uuid()
    );
    live.finished(WAIT)
        .await
        .expect("the redirected call hangs up");
    assert!(
        got["unknown"]
            .as_str()
            .is_some_and(|m| m.contains("not found")),
        "{got}"
    );
}
