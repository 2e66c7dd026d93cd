use super::*;
use crate::app::Verb;
use crate::jambonz::parse_value;
use serde_json::{Value, json};

fn settings(extra: &str) -> Settings {
    let dir = std::env::temp_dir().join(format!("dialbridge-ds-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("c.toml");
    let base = "[carriers.gw]\ngateway = \"gw1\"\ndefault = true\n\
                [carriers.edge]\nproxy = \"sip:198.51.100.20:5080;transport=tcp\"\nstrip_plus = true\n";
    std::fs::write(&path, format!("{base}{extra}")).expect("write");
    let s = Settings::load_with_env(Some(&path), std::iter::empty())
        .expect("valid")
        .0;
    let _ = std::fs::remove_dir_all(&dir);
    s
}

fn compiled(dial: Value, s: &Settings) -> CompiledDial {
    let mut verb = json!({"verb": "dial"});
    for (k, v) in dial.as_object().expect("object") {
        verb[k] = v.clone();
    }
    let reply = parse_value(&json!([verb]), &s.app_context()).expect("valid reply");
    let Verb::Dial(d) = &reply.instructions[0].verb else {
        panic!("dial")
    };
    let mut n = 0;
    compile(d, s, &mut || {
        n += 1;
        format!("uuid-{n}")
    })
    .expect("compiles")
}

fn phone(n: &str) -> Value {
    json!({"type": "phone", "number": n})
}

#[test]
fn one_target_lets_early_media_through_and_times_out_per_leg_first() {
    let s = settings("");
    let c = compiled(
        json!({"target": [phone("+15083084809")], "timeout": 20}),
        &s,
    );
    assert_eq!(
        c.argument(),
        "{ignore_early_media=false,originate_timeout=22,sofia_suppress_url_encoding=true}\
         [origination_uuid=uuid-1,leg_timeout=20]sofia/gateway/gw1/+15083084809"
    );
    assert_eq!(c.originate_timeout, 22);
}

#[test]
fn several_targets_or_dial_music_ignore_early_media() {
    let s = settings("");
    let c = compiled(
        json!({"target": [phone("+15083084809"), phone("+15083084810")]}),
        &s,
    );
    assert!(
        c.argument().starts_with("{ignore_early_media=true,"),
        "{}",
        c.argument()
    );
    let c = compiled(
        json!({"target": [phone("+15083084809")], "dialMusic": "https://m.example/ring.mp3"}),
        &s,
    );
    assert!(
        c.argument().starts_with("{ignore_early_media=true,"),
        "{}",
        c.argument()
    );
}

#[test]
fn screening_extends_the_global_timeout_and_marks_the_leg() {
    let s = settings("[dial]\nscreening_timeout = 45\n[listener]\naddress = \"127.0.0.1:9999\"\n");
    let c = compiled(
        json!({"timeout": 30, "target": [
            {"type": "phone", "number": "+15083084809", "confirmHook": "/screen"},
            phone("+15083084810")]}),
        &s,
    );
    assert_eq!(c.originate_timeout, 75);
    assert!(c.legs[0].screened && !c.legs[1].screened);
    assert!(
        c.argument().contains(
            "[origination_uuid=uuid-1,leg_timeout=30,group_confirm_key=exec,\
             group_confirm_file='socket 127.0.0.1:9999 async full',\
             group_confirm_cancel_timeout=true]"
        ),
        "{}",
        c.argument()
    );
    assert!(
        c.argument()
            .contains(",[origination_uuid=uuid-2,leg_timeout=30]")
    );
    // The dial's own confirmHook screens every target.
    let c = compiled(
        json!({"confirmHook": "/screen", "target": [phone("+15083084809"), phone("+15083084810")]}),
        &s,
    );
    assert!(c.legs.iter().all(|l| l.screened));
}

#[test]
fn a_carrier_by_address_strips_plus_and_marks_the_leg() {
    let s = settings("");
    let c = compiled(
        json!({"target": [{"type": "phone", "number": "+15083084809", "trunk": "EDGE"}]}),
        &s,
    );
    assert_eq!(
        c.legs[0].endpoint,
        "sofia/external/15083084809@198.51.100.20:5080;transport=tcp"
    );
    assert!(
        c.argument().contains("sip_h_X-Dialbridge-Carrier=edge]"),
        "{}",
        c.argument()
    );
}

#[test]
fn proxies_get_loose_routing_once() {
    assert_eq!(route_uri("sip:10.0.0.1:5060"), "sip:10.0.0.1:5060;lr");
    assert_eq!(route_uri("10.0.0.1"), "sip:10.0.0.1;lr");
    assert_eq!(route_uri("sip:10.0.0.1;lr"), "sip:10.0.0.1;lr");
    assert_eq!(
        route_uri("sips:p.example.com;transport=tls"),
        "sips:p.example.com;transport=tls;lr"
    );
}

#[test]
fn passwords_are_masked_everywhere_but_the_real_argument() {
    let s = settings("");
    let c = compiled(
        json!({"target": [{"type": "sip", "sipUri": "sip:1000@pbx.example.com",
                           "auth": {"username": "alice", "password": "pa55,word"}}]}),
        &s,
    );
    assert!(
        c.argument().contains("sip_auth_password=pa55\\,word]"),
        "{}",
        c.argument()
    );
    assert!(c.masked_argument().contains("sip_auth_password=********]"));
    assert!(!c.masked_argument().contains("pa55"));
    assert!(!format!("{c:?}").contains("pa55"));
}

#[test]
fn teams_legs_use_the_configured_tenant_and_domain() {
    let s = settings("[teams]\ntenant = \"contoso.example.com\"\ndomain = \"sip.example.net\"\n");
    let c = compiled(
        json!({"target": [{"type": "teams", "number": "+15551234567"}]}),
        &s,
    );
    assert_eq!(
        c.legs[0].endpoint,
        "sofia/external/+15551234567@sip.example.net;fs_path=<sip:127.0.0.1:5070;lr>"
    );
    assert!(
        c.argument().contains(
            "sip_h_X-Dialbridge-Route=teams,sip_h_X-Dialbridge-Tenant=contoso.example.com]"
        )
    );
    assert!(!c.argument().contains("Voicemail"));
}

#[test]
fn caller_id_and_dial_headers_are_shared_target_headers_per_leg() {
    let s = settings("");
    let c = compiled(
        json!({"callerId": "+15550001111", "callerName": "Front Desk",
               "headers": {"X-Acct": "42"},
               "target": [{"type": "phone", "number": "+15083084809", "headers": {"X-Leg": "a"}}]}),
        &s,
    );
    assert_eq!(
        c.argument(),
        "{ignore_early_media=false,originate_timeout=62,sofia_suppress_url_encoding=true,\
         origination_caller_id_number=+15550001111,origination_caller_id_name='Front Desk',\
         sip_h_X-Acct=42}[origination_uuid=uuid-1,leg_timeout=60,sip_h_X-Leg=a]\
         sofia/gateway/gw1/+15083084809"
    );
}

#[test]
fn a_carrier_removed_by_a_reload_is_a_compile_error() {
    let s = settings("");
    let reply = parse_value(
        &json!([{"verb": "dial", "target": [{"type": "phone", "number": "+1508", "trunk": "gw"}]}]),
        &s.app_context(),
    )
    .expect("valid");
    let Verb::Dial(d) = &reply.instructions[0].verb else {
        panic!("dial")
    };
    let mut reloaded = s.clone();
    reloaded.carriers.clear();
    let e = compile(d, &reloaded, &mut || "u".into()).expect_err("no carrier");
    assert_eq!(
        e,
        CompileError::UnknownCarrier {
            target: 0,
            name: "gw".into()
        }
    );
}
