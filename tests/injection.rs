//! Property tests: no content of any target field, header name or value,
//! callerId or callerName can add a leg, add or change a variable, or change
//! another leg. Each generated reply is either refused by validation or
//! compiles to a string that FreeSWITCH's parser (freeswitch-types' port)
//! reads back as exactly the legs and variables the reply asked for.

use std::path::Path;

use dialbridge::app::Verb;
use dialbridge::config::Settings;
use dialbridge::freeswitch::dialstring::compile;
use dialbridge::jambonz::parse_value;
use freeswitch_esl_tokio::{BlockParse, BridgeDialString, Endpoint};
use proptest::prelude::*;
use serde_json::{Value, json};

fn settings() -> Settings {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/dialbridge.toml");
    Settings::load_with_env(Some(&path), std::iter::empty())
        .expect("test configuration")
        .0
}

/// Strings rich in everything that means something to a dial string.
fn hostile() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[a-z0-9+@.:;=<>%/ ,|\[\]{}^'"`\\$_\r\n\t~*()-]{0,24}"#)
        .expect("regex")
}

/// Mostly well-formed text for a field with a strict character set, with
/// hostile text mixed in, so that many generated replies pass validation
/// and the properties are exercised (see `generators_are_not_vacuous`).
fn mostly(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::string::string_regex(valid).expect("regex"),
        1 => hostile(),
    ]
}

/// Header-like text: every character that means something to a dial string
/// except those a per-leg block can never carry (`'`, unbalanced `[ ]`),
/// with fully hostile text mixed in.
fn header_text() -> impl Strategy<Value = String> {
    mostly(r#"[a-zA-Z0-9 ,;=:<>@%/|\^"`$_~*(){}.+-]{1,24}"#)
}

/// What FreeSWITCH installs: per leg (vars, endpoint text), and the globals.
type Installed = (Vec<(Vec<(String, String)>, String)>, Vec<(String, String)>);

fn installed(argument: &str) -> Installed {
    let parsed = BridgeDialString::parse_with(argument, BlockParse::default())
        .unwrap_or_else(|e| panic!("FreeSWITCH cannot parse {argument:?}: {e}"));
    assert_eq!(parsed.groups().len(), 1, "one simring group: {argument}");
    let legs = parsed.groups()[0]
        .iter()
        .map(|ep| match ep {
            Endpoint::Sofia(e) => (
                vars(e.variables.as_ref()),
                format!("sofia/{}/{}", e.profile, e.destination),
            ),
            Endpoint::SofiaGateway(e) => (
                vars(e.variables.as_ref()),
                format!("sofia/gateway/{}/{}", e.gateway, e.destination),
            ),
            other => panic!("unexpected endpoint kind {other:?}"),
        })
        .collect();
    (legs, vars(parsed.variables()))
}

fn vars(v: Option<&freeswitch_esl_tokio::Variables>) -> Vec<(String, String)> {
    v.map(|v| {
        v.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Runs one reply: None when validation refused it, else what FreeSWITCH
/// would install plus the planned leg UUIDs.
fn run(reply: Value) -> Option<(Installed, Vec<String>)> {
    let s = settings();
    let parsed = parse_value(&reply, &s.app_context()).ok()?;
    let Verb::Dial(dial) = &parsed.instructions[0].verb else {
        panic!("a dial")
    };
    let compiled = compile(dial, &s, &mut || uuid::Uuid::new_v4().to_string())
        .expect("a validated dial compiles");
    let uuids = compiled.legs.iter().map(|l| l.uuid.clone()).collect();
    Some((installed(compiled.argument()), uuids))
}

fn get<'a>(vars: &'a [(String, String)], key: &str) -> Option<&'a str> {
    vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn keys(vars: &[(String, String)]) -> Vec<&str> {
    vars.iter().map(|(k, _)| k.as_str()).collect()
}

proptest! {
    #[test]
    fn header_values_arrive_exactly_and_add_nothing(
        shared in hostile(), per_leg in header_text(), name in "[A-Za-z][A-Za-z0-9-]{0,10}"
    ) {
        let reply = json!([{"verb": "dial",
            "headers": {format!("X-S{name}"): shared},
            "target": [
                {"type": "phone", "number": "+15083084809", "headers": {format!("X-L{name}"): per_leg}},
                {"type": "user", "name": "jane@sip.example.com"}
            ]}]);
        if let Some(((legs, global), uuids)) = run(reply) {
            let (shared_var, leg_var) = (format!("sip_h_X-S{name}"), format!("sip_h_X-L{name}"));
            prop_assert_eq!(legs.len(), 2);
            prop_assert_eq!(get(&global, &shared_var), Some(shared.as_str()));
            prop_assert_eq!(
                keys(&global),
                vec!["ignore_early_media", "originate_timeout", "sofia_suppress_url_encoding",
                     shared_var.as_str()]
            );
            prop_assert_eq!(get(&legs[0].0, &leg_var), Some(per_leg.as_str()));
            prop_assert_eq!(
                keys(&legs[0].0),
                vec!["origination_uuid", "leg_timeout", leg_var.as_str()]
            );
            prop_assert_eq!(keys(&legs[1].0), vec!["origination_uuid", "leg_timeout"]);
            prop_assert_eq!(get(&legs[0].0, "origination_uuid"), Some(uuids[0].as_str()));
            prop_assert_eq!(get(&legs[1].0, "origination_uuid"), Some(uuids[1].as_str()));
            prop_assert_eq!(&legs[0].1, "sofia/gateway/twilio/+15083084809");
            prop_assert_eq!(&legs[1].1, "sofia/external/jane@sip.example.com;fs_path=<sip:127.0.0.1:5070;lr>");
        }
    }

    #[test]
    fn header_names_cannot_smuggle_variables(name in mostly("X-[A-Za-z0-9.!%*_+~-]{1,12}"), value in "[a-z]{1,5}") {
        let reply = json!([{"verb": "dial", "headers": {name.clone(): value},
            "target": [{"type": "phone", "number": "+15083084809"}]}]);
        if let Some(((legs, global), _)) = run(reply) {
            prop_assert_eq!(legs.len(), 1);
            prop_assert_eq!(keys(&legs[0].0), vec!["origination_uuid", "leg_timeout"]);
            prop_assert_eq!(global.len(), 4);
            prop_assert_eq!(&global[3].0, &format!("sip_h_{name}"));
        }
    }

    #[test]
    fn numbers_user_names_and_uris_cannot_add_legs(
        a in mostly("[0-9]{1,12}"), b in mostly("[a-z0-9._+-]{1,12}"), c in mostly("[a-z0-9._+-]{1,12}")
    ) {
        let reply = json!([{"verb": "dial", "target": [
            {"type": "phone", "number": format!("+1{a}")},
            {"type": "user", "name": format!("{b}@sip.example.com")},
            {"type": "sip", "sipUri": format!("sip:{c}@198.51.100.7")},
        ]}]);
        if let Some(((legs, global), uuids)) = run(reply) {
            prop_assert_eq!(legs.len(), 3);
            prop_assert_eq!(global.len(), 3);
            prop_assert_eq!(&legs[0].1, &format!("sofia/gateway/twilio/+1{a}"));
            prop_assert_eq!(&legs[1].1, &format!("sofia/external/{b}@sip.example.com;fs_path=<sip:127.0.0.1:5070;lr>"));
            prop_assert_eq!(&legs[2].1, &format!("sofia/external/sip:{c}@198.51.100.7"));
            for (i, leg) in legs.iter().enumerate() {
                prop_assert_eq!(keys(&leg.0), vec!["origination_uuid", "leg_timeout"]);
                prop_assert_eq!(get(&leg.0, "origination_uuid"), Some(uuids[i].as_str()));
            }
        }
    }

    #[test]
    fn caller_id_and_name_change_only_themselves(id in mostly("[0-9]{1,12}"), name in header_text()) {
        let reply = json!([{"verb": "dial", "callerId": format!("+1{id}"), "callerName": name,
            "target": [{"type": "phone", "number": "+15083084809"},
                       {"type": "phone", "number": "+15083084810"}]}]);
        if let Some(((legs, global), _)) = run(reply) {
            prop_assert_eq!(legs.len(), 2);
            let expected_id = format!("+1{id}");
            prop_assert_eq!(get(&global, "origination_caller_id_number"), Some(expected_id.as_str()));
            if !name.is_empty() {
                prop_assert_eq!(get(&global, "origination_caller_id_name"), Some(name.as_str()));
            }
            for leg in &legs {
                prop_assert_eq!(keys(&leg.0), vec!["origination_uuid", "leg_timeout"]);
            }
        }
    }

    #[test]
    fn auth_credentials_stay_in_their_leg(user in mostly("[a-zA-Z0-9._@-]{1,12}"), pass in header_text()) {
        let reply = json!([{"verb": "dial", "target": [
            {"type": "sip", "sipUri": "sip:1000@198.51.100.7", "auth": {"username": user, "password": pass}},
            {"type": "phone", "number": "+15083084809"},
        ]}]);
        if let Some(((legs, _), _)) = run(reply) {
            prop_assert_eq!(legs.len(), 2);
            prop_assert_eq!(get(&legs[0].0, "sip_auth_username"), Some(user.as_str()));
            prop_assert_eq!(get(&legs[0].0, "sip_auth_password"), Some(pass.as_str()));
            prop_assert_eq!(keys(&legs[1].0), vec!["origination_uuid", "leg_timeout"]);
        }
    }
}

/// The strictness the properties rely on: these must be refused, not
/// escaped into something else.
#[test]
fn breakout_attempts_are_refused() {
    let s = settings();
    for number in [
        "+1555,user/evil",
        "+1555|x",
        "+1555:_:x",
        "+1555[x]",
        "+1555${x}",
    ] {
        let reply = json!([{"verb": "dial", "target": [{"type": "phone", "number": number}]}]);
        assert!(parse_value(&reply, &s.app_context()).is_err(), "{number}");
    }
}

/// The escaping measured on a real FreeSWITCH (docs/freeswitch.md §9): a comma in
/// a header value is written `\,`, which delivered `a,b;c` intact.
#[test]
fn header_commas_are_escaped_as_measured() {
    let reply = json!([{"verb": "dial", "target": [
        {"type": "phone", "number": "+15083084809", "headers": {"X-Test": "a,b;c"}}]}]);
    let s = settings();
    let parsed = parse_value(&reply, &s.app_context()).expect("valid");
    let Verb::Dial(dial) = &parsed.instructions[0].verb else {
        panic!("a dial")
    };
    let c = compile(dial, &s, &mut || "u1".to_owned()).expect("compiles");
    assert!(
        c.argument().contains(",sip_h_X-Test=a\\,b;c]"),
        "{}",
        c.argument()
    );
}

/// The properties above only test replies that pass validation; this makes
/// sure enough generated values do (for each field, at least a fifth).
#[test]
fn generators_are_not_vacuous() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let s = settings();
    let ctx = s.app_context();
    let mut runner = TestRunner::deterministic();
    let mut rate = |strategy: BoxedStrategy<String>, make: &dyn Fn(&str) -> Value| {
        let n = 500;
        let ok = (0..n)
            .filter(|_| {
                let v = strategy.new_tree(&mut runner).expect("value").current();
                parse_value(&make(&v), &ctx).is_ok()
            })
            .count();
        ok * 5 >= n
    };
    let one = |t: Value| json!([{"verb": "dial", "target": [t]}]);
    assert!(
        rate(
            hostile().boxed(),
            &|v| json!([{"verb": "dial", "headers": {"X-A": v},
        "target": [{"type": "phone", "number": "+15083084809"}]}])
        ),
        "header values"
    );
    assert!(
        rate(header_text().boxed(), &|v| one(
            json!({"type": "phone", "number": "+15083084809",
        "headers": {"X-A": v}})
        )),
        "per-target header values"
    );
    assert!(
        rate(mostly("[0-9]{1,12}").boxed(), &|v| one(
            json!({"type": "phone",
        "number": format!("+1{v}")})
        )),
        "numbers"
    );
    assert!(
        rate(mostly("[a-z0-9._+-]{1,12}").boxed(), &|v| one(
            json!({"type": "user",
        "name": format!("{v}@sip.example.com")})
        )),
        "user names"
    );
    assert!(
        rate(mostly("[a-z0-9._+-]{1,12}").boxed(), &|v| one(
            json!({"type": "sip",
        "sipUri": format!("sip:{v}@198.51.100.7")})
        )),
        "SIP URIs"
    );
    assert!(
        rate(
            header_text().boxed(),
            &|v| json!([{"verb": "dial", "callerName": v,
        "target": [{"type": "phone", "number": "+15083084809"}]}])
        ),
        "caller names"
    );
    assert!(
        rate(header_text().boxed(), &|v| one(
            json!({"type": "sip", "sipUri": "sip:1@h.example.com",
        "auth": {"username": "u", "password": v}})
        )),
        "passwords"
    );
}
