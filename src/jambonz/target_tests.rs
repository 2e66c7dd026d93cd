use serde_json::{Value, json};

use crate::app::{Context, Problem};
use crate::jambonz::parse_value;

/// Parses a one-target dial; the problems as (pointer, message).
fn problems(target: Value, ctx: &Context) -> Vec<Problem> {
    let reply = json!([{"verb": "dial", "target": [target]}]);
    match parse_value(&reply, ctx) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems(),
    }
}

#[test]
fn a_teams_target_without_a_tenant_reports_the_tenant_not_vmail() {
    let ctx = Context::default();
    for key in ["vmail", "voicemail"] {
        let got = problems(
            json!({"type": "teams", "number": "+15551234567", key: true}),
            &ctx,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].pointer, "/0/target/0/tenant");
        assert!(got[0].message.contains("no tenant given"), "{got:?}");
    }
}

#[test]
fn teams_vmail_is_accepted_as_voicemail() {
    let ctx = Context {
        teams_tenant: Some("contoso.example.com".into()),
        ..Context::default()
    };
    let reply = json!([{"verb": "dial", "target": [
        {"type": "teams", "number": "+15551234567", "vmail": true}]}]);
    let got = parse_value(&reply, &ctx).expect("valid");
    let crate::app::Verb::Dial(dial) = &got.instructions[0].verb else {
        panic!("a dial");
    };
    assert!(matches!(
        dial.targets[0].1.kind,
        crate::app::TargetKind::Teams {
            voicemail: true,
            tenant: None,
            ..
        }
    ));
    let got = problems(
        json!({"type": "teams", "number": "+15551234567", "vmail": true, "voicemail": false}),
        &ctx,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].pointer, "/0/target/0/vmail");
}
