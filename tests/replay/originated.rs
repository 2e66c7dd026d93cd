//! Replays of calls created through the API: `bgapi originate ...
//! '&socket(...)'` on the inbound connection, then the created call's own
//! outbound connection.

use std::time::Duration;

use tokio::net::TcpListener;

use crate::compare::compare;
use crate::driver::{self, play, received, steps};
use crate::support::{Callee, FakeSwitch};
use crate::{fixer, load, play_inbound};

/// Trace 10: `bgapi originate ... &socket(...)` on the inbound connection,
/// then the created call's own outbound connection.
pub async fn replay_originate(f: f64) -> Vec<String> {
    let name = "10-originate-to-socket";
    let (Some(inb), Some(out)) = (
        load(&format!("{name}.inbound.esl")),
        load(&format!("{name}.esl")),
    ) else {
        return vec![format!("{name}: captures missing")];
    };
    let fake = FakeSwitch::with_second(Duration::from_secs_f64(f)).await;
    // The callee answered about 1 s after the bgapi (BACKGROUND_JOB at +1434).
    // It beeped about 2.1 s after answering (avmd::beep at outbound +2095).
    fake.originate_callee(Callee::answers_after(1020).beeps_at(2040).scaled(f));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = play_inbound(&fake, &inb, f, addr).await;
    let mut problems = Vec::new();
    match tokio::time::timeout(driver::guard(f), listener.accept()).await {
        Ok(Ok((s, _))) => {
            let got = play(s, steps(&out, f, &fixer(addr)), driver::guard(f), None).await;
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
