//! Replays of calls created through the API: `bgapi originate ...
//! '&socket(...)'` on the inbound connection, then the created call's own
//! outbound connection (traces 10, 12a, 12b, 13a, 13b).

use std::time::Duration;

use tokio::net::TcpListener;

use crate::compare::compare;
use crate::driver::{self, play, received, steps};
use crate::fake_freeswitch::{Callee, Caller, FakeSwitch};
use crate::{fixer, load, play_inbound};

/// One captured call created through the API, and the scenario it shows.
pub struct Originated {
    pub name: &'static str,
    /// The party `originate` rings (the capture's caller or callee sipp).
    pub party: Callee,
    /// The legs the created call dials (its `bridge`): their endpoint
    /// scripts, `otherwise` for any leg.
    pub legs: Caller,
}

/// The scenario table, read off each capture.
pub fn scenarios() -> Vec<Originated> {
    let legs = || Caller::new("caller", "5551000");
    // 12a/12b: the originated caller answered ~27 ms after the bgapi (its
    // CHANNEL_ANSWER at inbound +34); the bridged callee answered ~300 ms
    // after its INVITE and sent BYE ~1 s later (B's ANSWER and HANGUP at
    // outbound +333/+1364 in 12a, +353/+1359 in 12b).
    let x_headers = |name| Originated {
        name,
        party: Callee::answers_after(27),
        legs: legs().endpoint(
            "callee",
            Callee::answers_after(300).hangs_up_after_answer(1000),
        ),
    };
    vec![
        Originated {
            name: "10-originate-to-socket",
            // The callee answered about 1 s after the bgapi (BACKGROUND_JOB
            // at +1434). It beeped about 2.1 s after answering (avmd::beep
            // at outbound +2095).
            party: Callee::answers_after(1020).beeps_at(2040),
            legs: legs(),
        },
        x_headers("12a-x-headers-copied-by-default"),
        x_headers("12b-x-headers-sip-copy-custom-headers-false"),
        Originated {
            name: "13a-screen-socket-refused",
            // The originated caller answered at once (+24 ms); the screened
            // callee it dials answered 1005 ms after its INVITE.
            party: Callee::answers_after(20),
            legs: legs().otherwise(Callee::answers_after(1005)),
        },
        Originated {
            name: "13b-screen-socket-refused-cancel-timeout",
            party: Callee::answers_after(20),
            legs: legs().otherwise(Callee::answers_after(1020).rings_at(18)),
        },
    ]
}

/// Replays `o` at scale `f`.
pub async fn replay_originate(o: Originated, f: f64) -> Vec<String> {
    let name = o.name;
    let (Some(inb), Some(out)) = (
        load(&format!("{name}.inbound.esl")),
        load(&format!("{name}.esl")),
    ) else {
        return vec![format!("{name}: captures missing")];
    };
    let fake = FakeSwitch::with_second(Duration::from_secs_f64(f)).await;
    fake.originate_callee(o.party.scaled(f));
    fake.originated_legs(o.legs.scaled(f));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    // 13a/13b: the screening socket (18099) was a port nothing listened on.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string();
    let fix = |p: &str| fixer(addr)(p).replace("127.0.0.1:18099", &refused);
    let task = play_inbound(&fake, &inb, f, addr).await;
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
    for call in fake.originated() {
        for e in call.errors() {
            problems.push(format!("the fake noticed: {e}"));
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{name}: {p}"))
        .collect()
}
