//! `dialbridge explain --json`, run as a real binary, as applications and
//! tests use it: the exact output for every target type, and exit code 2
//! with every problem and its JSON pointer for invalid replies.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/dialbridge.toml")
        .display()
        .to_string()
}

/// Runs `explain --json` on `reply`; returns (exit code, stdout as JSON).
fn explain(reply: &str) -> (i32, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialbridge"))
        .args(["explain", "--json", "--config", &config(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("DIALBRIDGE__APP__RELAXED_NUMBERS")
        .spawn()
        .expect("run dialbridge");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(reply.as_bytes())
        .expect("write reply");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout:?}"));
    (out.status.code().unwrap_or(-1), value)
}

fn dial(props: Value) -> String {
    let mut verb = json!({"verb": "dial"});
    for (k, v) in props.as_object().expect("object") {
        verb[k] = v.clone();
    }
    json!([verb]).to_string()
}

/// Asserts the reply is rejected with exactly these (pointer, message part)s.
fn rejected(reply: &str, expected: &[(&str, &str)]) {
    let (code, out) = explain(reply);
    assert_eq!(code, 2, "{out}");
    let keys: Vec<&String> = out.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["errors"], "{out}");
    let errors = out["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), expected.len(), "{out:#}");
    for (e, (pointer, part)) in errors.iter().zip(expected) {
        assert_eq!(e["pointer"], *pointer, "{out:#}");
        let message = e["message"].as_str().expect("message");
        assert!(
            message.contains(part),
            "{message:?} should contain {part:?}"
        );
        assert_eq!(
            e.as_object().map(|o| o.len()),
            Some(2),
            "only pointer and message"
        );
    }
}

fn phone(n: &str) -> Value {
    json!({"type": "phone", "number": n})
}

#[test]
fn every_target_type_compiles_to_its_endpoint() {
    let reply = dial(json!({
        "target": [
            phone("+15083084809"),
            {"type": "phone", "number": "+15083084810", "trunk": "SBC"},
            {"type": "sip", "sipUri": "sip:1617333456@sip.trunk1.com",
             "proxy": "sip:192.168.0.1:5060",
             "auth": {"username": "foo", "password": "bar"}},
            {"type": "user", "name": "spike@sip.example.com"},
            {"type": "teams", "number": "+15551234567", "tenant": "fabrikam.example.com",
             "voicemail": true},
        ]
    }));
    let (code, out) = explain(&reply);
    assert_eq!(code, 0, "{out}");
    let verbs = out["verbs"].as_array().expect("verbs");
    assert_eq!(verbs.len(), 1);
    let keys: Vec<&String> = verbs[0].as_object().expect("object").keys().collect();
    assert_eq!(keys, ["verb", "application", "argument", "legs"]);
    assert_eq!(verbs[0]["verb"], "dial");
    assert_eq!(verbs[0]["application"], "bridge");
    let legs = verbs[0]["legs"].as_array().expect("legs");
    let endpoints: Vec<&str> = legs
        .iter()
        .map(|l| l["endpoint"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        endpoints,
        [
            "sofia/gateway/twilio/+15083084809",
            "sofia/external/+15083084810@203.0.113.5:5060",
            "sofia/external/sip:1617333456@sip.trunk1.com;fs_path=<sip:192.168.0.1:5060;lr>",
            "sofia/external/spike@sip.example.com;fs_path=<sip:127.0.0.1:5070;lr>",
            "sofia/external/+15551234567@sip.pstnhub.microsoft.com;fs_path=<sip:127.0.0.1:5070;lr>",
        ]
    );
    let targets: Vec<u64> = legs
        .iter()
        .map(|l| l["target"].as_u64().unwrap_or(99))
        .collect();
    assert_eq!(targets, [0, 1, 2, 3, 4]);
    let arg = verbs[0]["argument"].as_str().expect("argument");
    for leg in legs {
        let uuid = leg["uuid"].as_str().expect("uuid");
        assert_eq!(uuid.len(), 36);
        assert!(
            arg.contains(&format!("[origination_uuid={uuid},leg_timeout=60")),
            "{arg}"
        );
    }
    let expected_fragments = [
        "{ignore_early_media=true,originate_timeout=62,sofia_suppress_url_encoding=true}",
        "sip_h_X-Dialbridge-Carrier=SBC]sofia/external/+15083084810@203.0.113.5:5060,",
        "sip_auth_username=foo,sip_auth_password=********]",
        "sip_h_X-Dialbridge-Route=teams,sip_h_X-Dialbridge-Tenant=fabrikam.example.com,\
         sip_h_X-Dialbridge-Voicemail=true]",
    ];
    for f in expected_fragments {
        assert!(arg.contains(f), "{f} not in {arg}");
    }
    assert!(!arg.contains("bar"), "password leaked: {arg}");
}

#[test]
fn other_verbs_are_listed_by_name() {
    let reply = json!([
        {"verb": "answer"},
        {"pause": {"length": 2}},
        {"verb": "play", "url": "https://media.example.com/a.wav"},
        {"verb": "hangup", "headers": {"X-Reason": "done"}},
    ])
    .to_string();
    let (code, out) = explain(&reply);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        json!({"verbs": [{"verb": "answer"}, {"verb": "pause"}, {"verb": "play"}, {"verb": "hangup"}]})
    );
}

#[test]
fn a_single_verb_object_is_accepted() {
    let (code, out) =
        explain(&json!({"verb": "dial", "target": [phone("+15083084809")]}).to_string());
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["verbs"][0]["legs"].as_array().map(Vec::len), Some(1));
}

#[test]
fn exact_duplicates_are_dialled_once_so_eleven_entries_can_be_ten_targets() {
    let mut targets: Vec<Value> = (0..10).map(|i| phone(&format!("+1508308480{i}"))).collect();
    targets.push(phone("+15083084803"));
    let (code, out) = explain(&dial(json!({"target": targets})));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["verbs"][0]["legs"].as_array().map(Vec::len), Some(10));
}

#[test]
fn malformed_json_names_line_and_column() {
    rejected(
        "[{\"verb\": \"dial\",\n  \"target\": []\n  \"x\": 1}]",
        &[("", "line 3, column 3")],
    );
}

#[test]
fn no_target_and_empty_target() {
    rejected(&dial(json!({})), &[("/0", "`target` is required")]);
    rejected(
        &dial(json!({"target": []})),
        &[("/0/target", "at least one")],
    );
}

#[test]
fn eleven_distinct_targets_are_refused_before_anything_rings() {
    let targets: Vec<Value> = (0..11)
        .map(|i| phone(&format!("+150830848{i:02}")))
        .collect();
    rejected(
        &dial(json!({"target": targets})),
        &[(
            "/0/target",
            "has 11 distinct destinations; a dial rings at most 10",
        )],
    );
    let mut with_dups: Vec<Value> = (0..11)
        .map(|i| phone(&format!("+150830848{i:02}")))
        .collect();
    with_dups.push(phone("+15083084800"));
    rejected(
        &dial(json!({"target": with_dups})),
        &[("/0/target", "(12 given, 1 exact duplicates removed)")],
    );
}

#[test]
fn numbers_must_be_e164() {
    rejected(
        &dial(json!({"target": [phone("5083084809")]})),
        &[("/0/target/0/number", "is not an E.164 number")],
    );
    rejected(
        &dial(json!({"target": [phone("+15083084809")], "callerId": "Alice"})),
        &[("/0/callerId", "is not an E.164 number")],
    );
}

#[test]
fn a_comma_in_a_number_cannot_add_a_leg() {
    rejected(
        &dial(json!({"target": [phone("+1508,sofia/external/evil@198.51.100.9")]})),
        &[("/0/target/0/number", "would start another leg")],
    );
}

#[test]
fn sip_uri_scheme_and_auth_password() {
    rejected(
        &dial(json!({"target": [{"type": "sip", "sipUri": "tel:+15083084809"}]})),
        &[("/0/target/0/sipUri", "must start with sip: or sips:")],
    );
    rejected(
        &dial(
            json!({"target": [{"type": "sip", "sipUri": "sip:a@b.example.com",
                                  "auth": {"username": "foo"}}]}),
        ),
        &[("/0/target/0/auth", "no `password`")],
    );
}

#[test]
fn timeouts_must_be_positive() {
    rejected(
        &dial(json!({"target": [phone("+15083084809")], "timeout": 0, "timeLimit": -5})),
        &[
            ("/0/timeLimit", "must be a whole number of seconds from 1"),
            ("/0/timeout", "must be a whole number of seconds from 1"),
        ],
    );
}

#[test]
fn hooks_must_be_http_or_relative() {
    rejected(
        &dial(json!({"target": [phone("+15083084809")], "actionHook": "ftp://x.example/a"})),
        &[("/0/actionHook", "uses the ftp scheme")],
    );
}

#[test]
fn header_names_must_be_sip_tokens_and_values_single_lines() {
    rejected(
        &dial(json!({"target": [phone("+15083084809")],
                     "headers": {"X Bad": "1", "X-A": "a\r\nVia: evil"}})),
        &[
            ("/0/headers/X Bad", "contains a space"),
            ("/0/headers/X-A", "carriage return"),
        ],
    );
}

#[test]
fn reserved_headers_cannot_be_spoofed() {
    rejected(
        &dial(json!({"target": [phone("+15083084809")],
                     "headers": {"X-Dialbridge-Route": "teams"}})),
        &[("/0/headers/X-Dialbridge-Route", "reserved")],
    );
}

#[test]
fn per_target_headers_with_a_single_quote_say_where_to_put_them() {
    rejected(
        &dial(
            json!({"target": [{"type": "phone", "number": "+15083084809",
                                  "headers": {"X-Q": "it's"}}]}),
        ),
        &[(
            "/0/target/0/headers/X-Q",
            "move the header to the dial's own `headers`",
        )],
    );
}

#[test]
fn user_names_cannot_break_out_of_the_dial_string() {
    rejected(
        &dial(json!({"target": [{"type": "user", "name": "ja'ne@sip.example.com"}]})),
        &[("/0/target/0/name", "quotes change how FreeSWITCH splits")],
    );
}

#[test]
fn variable_expansion_is_refused() {
    rejected(
        &dial(json!({"target": [phone("+15083084809")], "callerName": "${sip_auth_password}"})),
        &[("/0/callerName", "contains `${`")],
    );
}

#[test]
fn a_trunk_must_name_a_configured_carrier() {
    rejected(
        &dial(json!({"target": [{"type": "phone", "number": "+15083084809", "trunk": "Nope"}]})),
        &[(
            "/0/target/0/trunk",
            "no carrier named `Nope` in [carriers] (configured: SBC, Twilio)",
        )],
    );
}

#[test]
fn unknown_verbs_and_properties() {
    rejected(
        &json!([{"verb": "lex", "botId": "x"}]).to_string(),
        &[("/0/verb", "the `lex` verb is not supported")],
    );
    rejected(
        &json!([{"verb": "dail"}]).to_string(),
        &[("/0/verb", "unknown verb `dail`")],
    );
    rejected(
        &dial(json!({"target": [phone("+15083084809")], "timout": 30})),
        &[("/0/timout", "unknown property `timout`")],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    rejected(
        &json!([
            {"verb": "dial", "target": [phone("123"), {"type": "fax"}]},
            {"verb": "pause"},
            {"verb": "sip:decline", "status": 200},
        ])
        .to_string(),
        &[
            ("/0/target/0/number", "E.164"),
            ("/0/target/1/type", "unknown target type `fax`"),
            ("/1", "`length` is required"),
            ("/2/status", "from 400 to 699"),
        ],
    );
}

#[test]
fn properties_without_effect_are_accepted_with_a_notice_on_stderr() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialbridge"))
        .args(["explain", "--json", "--config", &config(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dialbridge");
    let reply = dial(
        json!({"target": [phone("+15083084809")], "anchorMedia": true,
                            "dub": [{"action": "addTrack", "track": "music"}]}),
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(reply.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: /0/anchorMedia: FreeSWITCH always anchors media"),
        "{stderr}"
    );
    assert!(stderr.contains("note: /0/dub:"), "{stderr}");
}
