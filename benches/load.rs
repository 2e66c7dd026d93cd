//! Load driver: many calls at once through the real daemon (in-process)
//! and the fake FreeSWITCH, each running a two-target dial (one busy, one
//! answering for a second), against a stand-in web application on
//! loopback. Prints calls per second and the spread of call durations.
//!
//! `cargo bench --bench load -- --calls 500 --concurrency 200`
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it runs a
//! 20-call smoke pass so the driver itself stays working.

#[path = "../tests/fake_freeswitch/mod.rs"]
mod fake_freeswitch;
#[path = "../tests/harness/mod.rs"]
mod harness;

use std::time::{Duration, Instant};

use fake_freeswitch::{Callee, Caller, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let calls = if benching { arg("--calls", 500) } else { 20 };
    let concurrency = arg("--concurrency", 200).max(1);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: cannot start a runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(run(calls, concurrency));
}

async fn run(calls: usize, concurrency: usize) {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(
            json!([{"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
            "target": [{"type": "phone", "number": "+15550000001"},
                       {"type": "phone", "number": "+15550000002"}]}]),
        ),
    );
    app.reply("/action", Reply::status(200));
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut settings = harness::settings(&app);
    settings.listener.max_calls = concurrency * 2;
    let d = harness::start(settings).await;
    let started = Instant::now();
    let mut durations = Vec::with_capacity(calls);
    let mut failed = 0usize;
    let mut next = 0usize;
    while next < calls {
        let batch: Vec<_> = (next..calls.min(next + concurrency))
            .map(|i| {
                let caller = Caller::new(&format!("+1555{i:07}"), "+15559870000")
                    .leg(0, Callee::rejects(486, 20))
                    .leg(1, Callee::answers_after(100).hangs_up_after_answer(1_000));
                (Instant::now(), fake.call(d.addr, caller))
            })
            .collect();
        next += batch.len();
        for (t0, call) in batch {
            match call.finished(Duration::from_secs(120)).await {
                Ok(()) => durations.push(t0.elapsed()),
                Err(_) => failed += 1,
            }
        }
    }
    let elapsed = started.elapsed();
    durations.sort();
    let pct = |p: f64| {
        durations
            .get(((durations.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    let hooks = app.requests("/action").len();
    println!(
        "load: {calls} calls, {concurrency} at once: {:.1} calls/s; call time p50 {:?} p99 {:?} max {:?}; \
         {failed} not finished, {hooks} actionHooks",
        calls as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
    );
    if failed > 0 || hooks != calls {
        eprintln!("load: some calls did not complete");
        std::process::exit(1);
    }
}
