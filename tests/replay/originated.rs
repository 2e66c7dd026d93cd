//! Replays of calls created through the API: `bgapi originate ...` on the
//! inbound connection (which observes too and sends the experiment's `api`
//! commands), then the created call's own outbound connection, and for
//! 11b2 the second connection a REFER opened (traces 10-24; the scenario
//! of each is in replay/created.rs).

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::compare::compare;
use crate::driver::{self, play, received, steps};
use crate::fake_freeswitch::trace::{Trace, parse_message};
use crate::fake_freeswitch::wire::url_decode;
use crate::fake_freeswitch::{ApiHandle, Callee, Caller, FakeSwitch};
use crate::{a_uuid, fixer, load, play_inbound};

/// A dialplan extension: context, extension, its applications.
pub type Extension = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// One captured call created through the API, and the scenario it shows.
pub struct Originated {
    pub name: &'static str,
    /// The party `originate` rings when no `parties` entry names it.
    pub party: Callee,
    /// Parties by endpoint or user (19a/19b originate several).
    pub parties: Vec<(&'static str, Callee)>,
    /// The legs the created call dials (its `bridge`): their endpoint
    /// scripts, `otherwise` for any leg.
    pub legs: Caller,
    /// Dialplan extensions a transferred channel runs (context, extension,
    /// applications).
    pub extensions: Vec<Extension>,
    /// FreeSWITCH hangs the created call up (NORMAL_CLEARING) at this time
    /// of its outbound capture (11b1: cause not in the capture).
    pub switch_hangup_at: Option<u64>,
    /// Member-IDs count from here (19b: after 19a's two members).
    pub member_ids_from: Option<u32>,
    /// The next conference's Conference-Unique-ID (json_list shows it).
    pub conference_uuid: Option<(&'static str, &'static str)>,
    /// Replays this one at no less than this scale: its capture raced
    /// the recorder against the switch's own 20 ms tick (19a: `list`
    /// right after add-member, before the floor-change), and the replay
    /// keeps that order only with the capture's real slack.
    pub min_scale: f64,
    /// The conference thread's tick (real time), when the capture's race
    /// against it needs more slack than 20 switch ms (19a).
    pub conference_tick: Option<Duration>,
}

/// A scenario with only its party.
pub fn o(name: &'static str, party: Callee) -> Originated {
    Originated {
        name,
        party,
        parties: Vec::new(),
        legs: Caller::new("caller", "5551000"),
        extensions: Vec::new(),
        switch_hangup_at: None,
        member_ids_from: None,
        conference_uuid: None,
        min_scale: 0.0,
        conference_tick: None,
    }
}

/// The connect-data headers held to the capture (docs/freeswitch.md §10,
/// §11, §24): who the created call is, as the daemon reads it.
const CONNECT_FIELDS: &[&str] = &[
    "Call-Direction",
    "Answer-State",
    "Channel-Call-State",
    "Caller-Direction",
    "Caller-Logical-Direction",
    "Caller-Dialplan",
    "Caller-Caller-ID-Name",
    "Caller-Caller-ID-Number",
    "Caller-Orig-Caller-ID-Name",
    "Caller-Orig-Caller-ID-Number",
    "Caller-Callee-ID-Name",
    "Caller-Callee-ID-Number",
    "Caller-ANI",
    "Caller-Destination-Number",
    "Caller-Context",
    "Caller-Channel-Name",
    "variable_direction",
    "variable_origination_caller_id_number",
    "variable_origination_caller_id_name",
    "variable_sip_from_user",
    "variable_sip_from_display",
    "variable_sip_to_user",
    "variable_sip_req_uri",
    "variable_sip_destination_url",
    "variable_sip_h_X-Foo",
    "variable_sip_cid_type",
    "variable_channel_cid_flipped",
    "variable_pre_transfer_caller_id_name",
    "variable_pre_transfer_caller_id_number",
    "variable_sip_refer_to",
    "variable_sip_h_Referred-By",
];

/// The connect data's fields, decoded, with `fix` applied.
fn connect_fields(msgs: &[String], fix: &dyn Fn(&str) -> String) -> Vec<(String, Option<String>)> {
    let Some(first) = msgs.first() else {
        return Vec::new();
    };
    let p = parse_message(first);
    CONNECT_FIELDS
        .iter()
        .map(|f| (f.to_string(), p.outer(f).map(|v| fix(&url_decode(v)))))
        .collect()
}

/// Differences between the capture's connect data (its listener address
/// fixed) and the fake's.
fn compare_connect(
    what: &str,
    want: &[String],
    got: &[String],
    fix: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let (w, g) = (
        connect_fields(want, fix),
        connect_fields(got, &|s| s.to_string()),
    );
    w.iter()
        .zip(g.iter())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("{what}: connect {}: capture {:?}, fake {:?}", a.0, a.1, b.1))
        .collect()
}

/// Replays `o` at scale `f`.
pub async fn replay_originate(o: Originated, f: f64) -> Vec<String> {
    let name = o.name;
    let f = f.max(o.min_scale);
    let Some(inb) = load(&format!("{name}.inbound.esl")) else {
        return vec![format!("{name}: inbound capture missing")];
    };
    let out = load(&format!("{name}.esl"));
    let conn2 = load(&format!("{name}.conn2.esl"));
    let fake = FakeSwitch::with_second(Duration::from_secs_f64(f)).await;
    fake.originate_callee(o.party.scaled(f));
    for (target, c) in &o.parties {
        fake.originate_party(target, c.clone().scaled(f));
    }
    fake.originated_legs(o.legs.scaled(f));
    for (ctx, exten, apps) in &o.extensions {
        fake.extension(ctx, exten, apps);
    }
    if let Some(n) = o.member_ids_from {
        fake.conference_member_ids_from(n);
    }
    if let Some((room, uuid)) = o.conference_uuid {
        fake.conference_uuid(room, uuid);
    }
    if let Some(t) = o.conference_tick {
        fake.conference_tick(t);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    // 13a/13b: the screening socket (18099) was a port nothing listened on.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string();
    let fix = move |p: &str| fixer(addr)(p).replace("127.0.0.1:18099", &refused);
    let task = play_inbound(&fake, &inb, f, addr).await;
    let mut problems = Vec::new();
    let mut tasks: Vec<(&str, &Trace, tokio::task::JoinHandle<driver::Played>)> = Vec::new();
    if let Some(out) = &out {
        match tokio::time::timeout(driver::guard(f), listener.accept()).await {
            Ok(Ok((s, _))) => {
                let (tx, rx) = watch::channel((0, Instant::now()));
                let st = steps(out, f, &fix);
                tasks.push((
                    "outbound",
                    out,
                    tokio::spawn(play(s, st, driver::guard(f), Some(tx))),
                ));
                if let (Some(at), Some(a)) = (o.switch_hangup_at, a_uuid(out)) {
                    tokio::spawn(switch_hangup(fake.api_handle(), rx, out.clone(), at, a, f));
                }
            }
            _ => problems.push("the originated call never connected".into()),
        }
    }
    if let Some(t) = &conn2 {
        match tokio::time::timeout(driver::guard(f), listener.accept()).await {
            Ok(Ok((s, _))) => {
                let st = steps(t, f, &fix);
                tasks.push((
                    "conn2",
                    t,
                    tokio::spawn(play(s, st, driver::guard(f), None)),
                ));
            }
            _ => problems.push("the second connection never came".into()),
        }
    }
    for (what, t, task) in tasks {
        let got = task.await.expect("outbound task");
        problems.extend(compare_connect(what, &received(t), &got.got, &fix));
        problems.extend(compare(what, &received(t), &got));
    }
    let got = task.await.expect("inbound task");
    problems.extend(compare("inbound", &received(&inb), &got));
    for call in fake.originated() {
        for e in call.errors() {
            problems.push(format!("the fake noticed: {e}"));
        }
    }
    if let (Some(out), Some(call)) = (&out, fake.originated().first()) {
        problems.extend(crate::frames::check("outbound", out, &call.app_runs()));
    }
    problems
        .into_iter()
        .map(|p| format!("{name}: {p}"))
        .collect()
}

/// FreeSWITCH hangs the created call up at `at` of its outbound capture,
/// anchored to the messages that connection received (11b1).
async fn switch_hangup(
    fake: ApiHandle,
    mut rx: watch::Receiver<driver::Progress>,
    t: Trace,
    at: u64,
    uuid: String,
    f: f64,
) {
    let (k, after) = driver::anchor(&t, at);
    let Ok(p) = rx.wait_for(|(n, _)| *n >= k).await.map(|p| *p) else {
        return;
    };
    tokio::time::sleep_until(p.1 + Duration::from_secs_f64(after as f64 * f / 1000.0)).await;
    fake.api(&format!("uuid_kill {uuid}")).await;
}
