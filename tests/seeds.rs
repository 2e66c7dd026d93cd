//! Every JSON example of the seed documents (tests/fixtures/seeds, copied
//! byte for byte): the printed text gets a JSON syntax error naming the
//! line and column of the mistake; the same text with its syntax fixed is
//! validated, and once its placeholders are real values it compiles.

use std::path::Path;

use dialbridge::app::ReplyError;
use dialbridge::config::Settings;
use dialbridge::explain::explain;
use dialbridge::jambonz::parse_reply;

fn settings() -> Settings {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/dialbridge.toml");
    Settings::load_with_env(Some(&path), std::iter::empty())
        .expect("the test configuration loads")
        .0
}

fn seed(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn syntax_error(name: &str) -> (usize, usize, String) {
    match parse_reply(&seed(name), &settings().app_context()) {
        Err(e @ ReplyError::Syntax { line, column, .. }) => (line, column, e.to_string()),
        other => panic!("{name}: expected a syntax error, got {other:?}"),
    }
}

fn pointers(name: &str) -> Vec<String> {
    match parse_reply(&seed(name), &settings().app_context()) {
        Err(ReplyError::Invalid(problems)) => problems
            .into_iter()
            .map(|p| p.pointer.as_str().to_owned())
            .collect(),
        other => panic!("{name}: expected validation problems, got {other:?}"),
    }
}

#[test]
fn seed_000_as_printed_is_a_syntax_error_at_the_trailing_comma() {
    // Line 13 ends `"disconnectOnAMD": true,` and line 15 is the `}` that
    // follows it: the trailing comma is reported where the parser meets `}`.
    let (line, column, message) = syntax_error("000-vg-dial.literal.json");
    assert_eq!((line, column), (15, 3));
    assert!(message.contains("line 15, column 3"), "{message}");
    assert!(message.contains("trailing comma"), "{message}");
}

#[test]
fn seed_000_with_commas_fixed_still_has_its_placeholder_number() {
    assert_eq!(
        pointers("000-vg-dial.syntax-fixed.json"),
        ["/target/0/number"]
    );
}

#[test]
fn seed_000_filled_in_compiles_to_three_legs() {
    let ex = explain(&seed("000-vg-dial.fixed.json"), &settings()).expect("valid");
    let dial = &ex.verbs[0];
    let endpoints: Vec<&str> = dial
        .legs
        .as_ref()
        .expect("a dial has legs")
        .iter()
        .map(|l| l.endpoint.as_str())
        .collect();
    assert_eq!(
        endpoints,
        [
            "sofia/gateway/twilio/+4915112345678",
            "sofia/external/sip:4915112345678@sip.myTrunk.com",
            "sofia/external/jane@sip.example.com;fs_path=<sip:127.0.0.1:5070;lr>",
        ]
    );
    let arg = dial.argument.as_deref().expect("argument");
    assert!(
        arg.contains("origination_caller_id_number=+491173331212"),
        "{arg}"
    );
    assert!(
        arg.contains("sip_auth_username=John,sip_auth_password=********"),
        "{arg}"
    );
    assert!(!arg.contains("Doe"), "the password is masked: {arg}");
}

#[test]
fn seed_001_is_valid_as_printed_and_reads_auth_user() {
    let ex = explain(&seed("001-jambonz-dial.literal.json"), &settings()).expect("valid");
    let arg = ex.verbs[0].argument.as_deref().expect("argument");
    assert!(arg.contains("sip_auth_username=foo"), "{arg}");
    assert!(
        arg.contains("]sofia/gateway/twilio/+15083084809,"),
        "no trunk: the default carrier {arg}"
    );
}

#[test]
fn seed_003_as_printed_is_a_syntax_error_at_the_trailing_comma() {
    let (line, column, _) = syntax_error("003-cpaas-dial.literal.json");
    assert_eq!((line, column), (14, 5));
}

#[test]
fn seed_003_with_commas_fixed_reports_both_mangled_addresses() {
    assert_eq!(
        pointers("003-cpaas-dial.syntax-fixed.json"),
        ["/target/1/sipUri", "/target/2/name"]
    );
}

#[test]
fn seed_003_filled_in_compiles_with_the_amd_hook_spelling_and_the_sbc_trunk() {
    let ex = explain(&seed("003-cpaas-dial.fixed.json"), &settings()).expect("valid");
    let legs = ex.verbs[0].legs.as_ref().expect("legs");
    assert_eq!(
        legs[0].endpoint,
        "sofia/external/+84376120177@203.0.113.5:5060"
    );
    let arg = ex.verbs[0].argument.as_deref().expect("argument");
    assert!(
        arg.contains("sip_h_X-Dialbridge-Carrier=SBC]sofia/external/+84376120177@"),
        "{arg}"
    );
}
