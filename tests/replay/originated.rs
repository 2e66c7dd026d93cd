//! Captures of calls created through the inbound connection's `bgapi
//! originate ... &socket(...)` (10, 13a, 13b): the inbound capture creates
//! the call, then the created call's own outbound connection is replayed.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::compare::compare;
use crate::driver::{self, play, received, steps};
use crate::load;
use crate::support::trace::{Dir, Trace};
use crate::support::{self, Callee, Caller, FakeSwitch};

/// A call created through the inbound connection's `bgapi originate ...
/// &socket(...)` (10, 13a, 13b): how the created call's own leg behaves
/// and how the legs its socket dials behave, read off each capture.
pub struct Originated {
    pub name: &'static str,
    /// The originated channel (the socket's caller leg).
    callee: Callee,
    /// The legs the replayed socket dials.
    dials: Caller,
}

pub fn originated() -> Vec<Originated> {
    let none = || Caller::new("caller", "5551000");
    vec![
        Originated {
            name: "10-originate-to-socket",
            // The callee answered about 1 s after the bgapi (BACKGROUND_JOB
            // at +1434) and beeped about 2.1 s after answering (avmd::beep
            // at outbound +2095).
            callee: Callee::answers_after(1020).beeps_at(2040),
            dials: none(),
        },
        Originated {
            name: "13a-screen-socket-refused",
            // The originated caller answered at once (+24 ms); the screened
            // callee it dials answered 1005 ms after its INVITE.
            callee: Callee::answers_after(20),
            dials: none().otherwise(Callee::answers_after(1005)),
        },
        Originated {
            name: "13b-screen-socket-refused-cancel-timeout",
            callee: Callee::answers_after(20),
            dials: none().otherwise(Callee::answers_after(1020).rings_at(18)),
        },
    ]
}

/// The recorded addresses of these experiments: the daemon's listener
/// (8084, or 18084 in 13a/13b) becomes ours; 13's screening socket
/// (18099, where nothing listened) becomes a port nobody listens on.
fn originate_fixer(addr: SocketAddr, refused: SocketAddr) -> impl Fn(&str) -> String {
    move |p: &str| {
        p.replace("127.0.0.1:18084", &addr.to_string())
            .replace("127.0.0.1:8084", &addr.to_string())
            .replace("127.0.0.1:18099", &refused.to_string())
    }
}

/// 13a/13b subscribed to `event json ALL`; the fake does not produce the
/// events dialbridge never asks for (CODEC, CALL_UPDATE, CHANNEL_CALLSTATE,
/// PRIVATE_COMMAND, CHANNEL_OUTGOING...). Such a capture is replayed with
/// dialbridge's own subscription (plus BACKGROUND_JOB), and only those
/// events of it are compared.
fn restricted(mut t: Trace) -> Trace {
    let list = format!("{} BACKGROUND_JOB", dialbridge::freeswitch::socket::EVENTS);
    let wanted: Vec<&str> = list.split_whitespace().collect();
    let all = t
        .blocks
        .iter()
        .any(|b| b.dir == Dir::Sent && b.payload.starts_with("event json ALL"));
    if !all {
        return t;
    }
    t.blocks.retain(|b| {
        let p = support::trace::parse_message(&b.payload);
        match p.ev("Event-Name") {
            _ if b.dir != Dir::Received => true,
            None => true,
            Some("CUSTOM") => p.ev("Event-Subclass").is_some_and(|s| wanted.contains(&s)),
            Some(n) => wanted.contains(&n),
        }
    });
    for b in &mut t.blocks {
        if b.dir == Dir::Sent && b.payload.starts_with("event json ALL") {
            b.payload = format!("event json {list}\n\n");
        }
    }
    t
}

/// Replays an [`Originated`] capture: the inbound connection's originate,
/// then the created call's own outbound connection.
pub async fn replay_originate(o: Originated, f: f64) -> Vec<String> {
    let name = o.name;
    let (Some(inb), Some(out)) = (
        load(&format!("{name}.inbound.esl")).map(restricted),
        load(&format!("{name}.esl")).map(restricted),
    ) else {
        return vec![format!("{name}: captures missing")];
    };
    let fake = FakeSwitch::with_second(Duration::from_secs_f64(f)).await;
    fake.originate_callee(o.callee.scaled(f));
    fake.originate_caller(o.dials.scaled(f));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let fix = originate_fixer(addr, refused);
    let s = TcpStream::connect(fake.esl_addr())
        .await
        .expect("the fake's inbound port");
    let (tx, mut rx) = watch::channel((0, Instant::now()));
    let task = tokio::spawn(play(s, steps(&inb, f, &fix), driver::guard(f), Some(tx)));
    let ready = driver::before_first_event(&inb);
    let _ = tokio::time::timeout(driver::guard(f), rx.wait_for(|(n, _)| *n >= ready)).await;
    let mut problems = Vec::new();
    match tokio::time::timeout(driver::guard(f), listener.accept()).await {
        Ok(Ok((s, _))) => {
            let got = play(s, steps(&out, f, &fix), driver::guard(f), None).await;
            problems.extend(compare("outbound", &received(&out), &got));
        }
        _ => problems.push("the originated call never connected".into()),
    }
    let got = task.await.expect("inbound task");
    problems.extend(compare("inbound", &received(&inb), &got));
    problems
        .into_iter()
        .map(|p| format!("{name}: {p}"))
        .collect()
}
