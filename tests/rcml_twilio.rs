//! Differential test against Twilio's own helper library (the `twilio`
//! npm package, installed into tests/twilio by .ci/run): TwiML built with
//! its `VoiceResponse` for every verb and attribute dialbridge supports is
//! accepted and explained, and its `validateRequest` accepts the
//! `X-Twilio-Signature` of dialbridge's requests (POST and GET).
//!
//! Without node and the package the tests say so and pass, except under CI
//! (`CI` set), where the package must be there.

mod fake_freeswitch;
mod harness;
mod rcml_support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/twilio")
}

/// True when node and the package are there; panics under CI when not.
fn available() -> bool {
    let installed = dir().join("node_modules/twilio/package.json").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "the twilio npm package is missing: run `npm ci --prefix tests/twilio` (.ci/run does)"
        );
        eprintln!(
            "skipped: node or tests/twilio/node_modules is missing (npm ci --prefix tests/twilio)"
        );
    }
    installed
}

/// Runs `node twiml.js mode` with `input` on stdin; its JSON output.
fn node(mode: &str, input: &str) -> Value {
    let mut child = Command::new("node")
        .arg("twiml.js")
        .arg(mode)
        .current_dir(dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("node runs");
    assert!(out.status.success(), "node twiml.js {mode} failed");
    serde_json::from_slice(&out.stdout).expect("node prints JSON")
}

#[test]
fn twiml_built_by_twilios_library_is_accepted_and_explained() {
    if !available() {
        return;
    }
    let mut settings = dialbridge::config::Settings::default();
    settings.app.relaxed_numbers = true;
    settings.registrar.domain = Some("sip.example.com".into());
    settings.carriers.insert(
        "carrier".into(),
        dialbridge::config::Carrier {
            gateway: Some("carrier".into()),
            default: true,
            ..Default::default()
        },
    );
    let docs = node("documents", "");
    let docs = docs.as_array().expect("an array of documents");
    assert!(docs.len() >= 12);
    let mut verbs_of = std::collections::BTreeMap::new();
    for d in docs {
        let (name, xml) = (d["name"].as_str().unwrap(), d["xml"].as_str().unwrap());
        let ex = dialbridge::explain::explain(xml, &settings)
            .unwrap_or_else(|p| panic!("{name} refused: {p:?}\n{xml}"));
        let names: Vec<&str> = ex.verbs.iter().map(|v| v.verb).collect();
        verbs_of.insert(name.to_owned(), (names, ex));
    }
    let verbs = |n: &str| verbs_of[n].0.clone();
    assert_eq!(verbs("dial-bare-number"), ["dial"]);
    assert_eq!(verbs("say"), ["say", "say"]);
    assert_eq!(verbs("pause"), ["pause", "pause"]);
    assert_eq!(verbs("reject"), ["sip:decline"]);
    assert_eq!(verbs("play-digits"), ["dtmf"]);
    assert_eq!(verbs("redirect"), ["redirect"]);
    // The nested prompt and the <Say> reached when nothing is entered.
    assert_eq!(verbs("gather"), ["gather", "say"]);
    let dial = &verbs_of["dial-attributes"].1.verbs[0];
    let legs = dial.legs.as_ref().expect("legs");
    assert_eq!(legs.len(), 3);
    assert_eq!(legs[0].endpoint, "sofia/gateway/carrier/+15550002222");
    assert!(
        legs[1]
            .endpoint
            .starts_with("sofia/external/alice@sip.example.com;fs_path=")
    );
    assert_eq!(legs[2].endpoint, "sofia/external/sip:bob@pbx.example.com");
    let argument = dial.argument.as_deref().unwrap_or_default();
    assert!(!argument.contains("sip_auth_password=pw"), "{argument}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilios_validate_request_accepts_dialbridges_signatures() {
    if !available() {
        return;
    }
    let app = harness::App::start().await;
    let fake = fake_freeswitch::FakeSwitch::start().await;
    let mut s = rcml_support::settings(&app);
    s.app.webhook_secret = dialbridge::secret::Secret::new(rcml_support::SECRET);
    let d = harness::start(s).await;
    app.reply(
        "/call",
        rcml_support::xml(
            "<Response><Gather action=\"/digits?step=2\" method=\"GET\" numDigits=\"2\"/></Response>",
        ),
    );
    app.reply(
        "/digits",
        rcml_support::xml("<Response><Hangup/></Response>"),
    );
    let call = fake.call(d.addr, rcml_support::caller().presses("7#", 300));
    call.finished(rcml_support::WAIT)
        .await
        .expect("the call ends");
    let post = &app.wait_for("/call", 1, rcml_support::WAIT).await[0];
    let get = &app.wait_for("/digits", 1, rcml_support::WAIT).await[0];
    assert_eq!(get.param("Digits"), Some("7"));
    let signature = |r: &harness::app::Request| {
        r.headers
            .get("x-twilio-signature")
            .and_then(|v| v.to_str().ok())
            .expect("X-Twilio-Signature")
            .to_owned()
    };
    let post_params: serde_json::Map<String, Value> = rcml_support::params(post)
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&get.query)
        .finish();
    let get_url = format!("{}?{query}", app.url("/digits"));
    let cases = json!([
        {"token": rcml_support::SECRET, "signature": signature(post),
         "url": app.url("/call"), "params": post_params},
        {"token": rcml_support::SECRET, "signature": signature(get),
         "url": get_url, "params": {}},
        // A wrong token, and a tampered parameter, are refused.
        {"token": "not-the-secret", "signature": signature(post),
         "url": app.url("/call"), "params": post_params},
        {"token": rcml_support::SECRET, "signature": signature(post),
         "url": app.url("/call"),
         "params": {"CallSid": "tampered"}},
    ]);
    let verdicts = node("validate", &cases.to_string());
    assert_eq!(verdicts, json!([true, true, false, false]));
}
