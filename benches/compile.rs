//! How long the pure hot path of a dial takes: reading and validating a
//! 10-target webhook reply, compiling it to a `bridge` argument (including
//! the read-back through FreeSWITCH's parser), and deciding the outcome.
//!
//! `cargo bench --bench compile`

use criterion::{Criterion, criterion_group, criterion_main};
use dialbridge::app::Verb;
use dialbridge::config::Settings;
use dialbridge::freeswitch::dialstring::compile;
use dialbridge::freeswitch::outcome::{DialEnd, LegReport, decide};
use dialbridge::jambonz::parse_reply;
use freeswitch_esl_tokio::HangupCause;
use std::hint::black_box;
use std::path::Path;

fn reply() -> String {
    let targets: Vec<serde_json::Value> = (0..10)
        .map(|i| match i % 3 {
            0 => serde_json::json!({"type": "phone", "number": format!("+1508308480{i}"),
                                     "headers": {"X-Leg": format!("leg,{i}")}}),
            1 => serde_json::json!({"type": "sip", "sipUri": format!("sip:10{i}@pbx.example.com"),
                                     "auth": {"username": "u", "password": "p"}}),
            _ => serde_json::json!({"type": "user", "name": format!("user{i}@sip.example.com")}),
        })
        .collect();
    serde_json::json!([{"verb": "dial", "actionHook": "/outdial", "callerId": "+15550001111",
                        "headers": {"X-Acct": "a,b"}, "target": targets}])
    .to_string()
}

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/dialbridge.toml");
    let settings = Settings::load_with_env(Some(&path), std::iter::empty())
        .expect("config")
        .0;
    let ctx = settings.app_context();
    let text = reply();
    c.bench_function("parse_and_validate_10_targets", |b| {
        b.iter(|| parse_reply(black_box(&text), &ctx).expect("valid"))
    });
    let parsed = parse_reply(&text, &ctx).expect("valid");
    let Verb::Dial(dial) = &parsed.instructions[0].verb else {
        panic!("dial")
    };
    c.bench_function("compile_10_targets", |b| {
        b.iter(|| compile(black_box(dial), &settings, &mut || "0000".into()).expect("compiles"))
    });
    let legs: Vec<LegReport> = (0..10)
        .map(|i| LegReport {
            target: i,
            uuid: format!("leg-{i}"),
            cause: Some(HangupCause::UserBusy),
            sip_status: Some(486),
            bridged: i == 9,
            declined: false,
            connected_secs: 0,
            sip_call_id: None,
        })
        .collect();
    c.bench_function("decide_10_legs", |b| {
        b.iter(|| decide(black_box(&legs), DialEnd::Normal))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
