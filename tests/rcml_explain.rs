//! `dialbridge explain` on RCML documents, run as the real binary: the
//! seed's `<Dial>` compiled to its bridge, and an invalid document refused
//! (exit 2) with every problem at its element path.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/dialbridge.toml")
        .display()
        .to_string()
}

/// Runs `explain [--json]` on `doc` with relaxed numbers; returns (exit
/// code, stdout, stderr).
fn explain(doc: &str, json: bool) -> (i32, String, String) {
    let mut args = vec!["explain"];
    if json {
        args.push("--json");
    }
    let config = config();
    args.extend(["--config", &config, "-"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialbridge"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("DIALBRIDGE__APP__RELAXED_NUMBERS", "true")
        .env("DIALBRIDGE__REGISTRAR__DOMAIN", "sip.example.com")
        .spawn()
        .expect("run dialbridge");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(doc.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_seeds_dial_is_explained_with_its_bridge() {
    let (code, out, err) = explain(
        "<Response>\n    <Dial callerId=\"1555666777\" record=\"true\">1-444-555-666</Dial>\n</Response>",
        true,
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let dial = &v["verbs"][0];
    assert_eq!(dial["verb"], "dial");
    assert_eq!(
        dial["legs"][0]["endpoint"],
        "sofia/gateway/twilio/1444555666"
    );
    let arg = dial["argument"].as_str().unwrap_or_default();
    assert!(
        arg.contains("origination_caller_id_number=1555666777"),
        "{arg}"
    );
    assert!(arg.contains("leg_timeout=30"), "{arg}");
    // record="true" records (here without [recordings]: explain says so).
    assert!(!err.contains("/Response/Dial[1]/@record"), "{err}");
    let (code, human, _) = explain(
        "<Response><Dial record=\"true\">1-444-555-666</Dial></Response>",
        false,
    );
    assert_eq!(code, 0);
    assert!(human.contains("[recordings] is not configured"), "{human}");
    // The human form works too, on a <Client> and a <Gather>.
    let (code, out, err) = explain(
        "<Response><Gather numDigits=\"1\"><Say>press one</Say></Gather>\
         <Dial><Client>alice</Client></Dial></Response>",
        false,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("alice@sip.example.com"), "{out}");
}

#[test]
fn an_invalid_document_is_refused_with_element_paths() {
    let (code, out, _) = explain(
        "<Response><Enqueue>support</Enqueue><Dial timeLimit=\"0\"><Queue>room</Queue></Dial></Response>",
        true,
    );
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let at: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert_eq!(
        at,
        [
            "/Response/Enqueue[1]",
            "/Response/Dial[1]/@timeLimit",
            "/Response/Dial[1]/Queue[1]"
        ]
    );
    let (code, _, err) = explain("<Response><Say>unclosed</Response>", false);
    assert_eq!(code, 2);
    assert!(err.contains("not well-formed XML"), "{err}");
}
