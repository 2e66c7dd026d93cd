//! createCall throughput: requests/s the REST API sustains against the fake
//! FreeSWITCH, and each call's set-up latency — from the POST to its
//! `call_hook` request arriving at the application (the originate on its
//! own ESL connection, the callee answering after 10 ms, the socket
//! connecting, the call's first webhook) — p50/p99.
//!
//! `cargo bench --bench rest_create -- --calls 500 --concurrency 50`
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it runs a
//! 10-call smoke pass so the driver itself stays working.

#[path = "../tests/fake_freeswitch/mod.rs"]
mod fake_freeswitch;
#[path = "../tests/harness/mod.rs"]
mod harness;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fake_freeswitch::FakeSwitch;
use harness::{App, Reply};
use serde_json::{Value, json};

const KEY: &str = "bench-key-0123456789abcdef";

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
    let calls = if benching { arg("--calls", 500) } else { 10 };
    let concurrency = arg("--concurrency", 50).max(1);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rest_create: cannot start a runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(run(calls, concurrency));
}

async fn run(calls: usize, concurrency: usize) {
    let app = App::start().await;
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut settings = harness::settings(&app);
    settings.freeswitch.port = fake.esl_addr().port();
    // Created calls pile up faster than they end: no refusal by max_calls here.
    settings.listener.max_calls = 100_000;
    settings.api = Some(dialbridge::config::Api {
        address: "127.0.0.1:0".into(),
        keys: vec![dialbridge::secret::Secret::new(KEY)],
    });
    let d = harness::start(settings).await;
    let url = format!(
        "http://{}/v1/Accounts/bench/Calls",
        d.daemon.api_addr.unwrap_or_else(unreachable_api)
    );
    let client = reqwest::Client::new();
    let body = json!({"from": "+15551230000", "to": {"type": "phone", "number": "+15559870000"},
                      "call_hook": app.url("/outbound")});
    let started = Instant::now();
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let mut refused = 0usize;
    let mut next = 0usize;
    while next < calls {
        let n = concurrency.min(calls - next);
        let batch: Vec<_> = (0..n)
            .map(|_| {
                let req = client.post(&url).bearer_auth(KEY).json(&body);
                async move {
                    let t0 = Instant::now();
                    let r = req.send().await.ok()?;
                    if r.status().as_u16() != 201 {
                        return None;
                    }
                    let v: Value = r.json().await.ok()?;
                    Some((v["sid"].as_str()?.to_owned(), t0))
                }
            })
            .collect();
        let batch: Vec<_> = batch.into_iter().map(Box::pin).collect();
        for r in futures_all(batch).await {
            match r {
                Some((sid, t0)) => {
                    sent.insert(sid, t0);
                }
                None => refused += 1,
            }
        }
        next += n;
    }
    let accepted = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(120);
    while app.requests("/outbound").len() < sent.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let asked = app.requests("/outbound");
    if asked.len() < sent.len() {
        for why in ["not answered", "WARN", "ERROR"] {
            for l in harness::log_lines_with(why).iter().take(5) {
                eprintln!("rest_create: {l}");
            }
        }
    }
    let mut setup: Vec<Duration> = asked
        .iter()
        .filter_map(|r| {
            let sid = r.json()["call_sid"].as_str()?.to_owned();
            Some(r.at.saturating_duration_since(*sent.get(&sid)?))
        })
        .collect();
    setup.sort();
    let pct = |p: f64| {
        setup
            .get(((setup.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "rest_create: {calls} createCall, {concurrency} at once: {:.0} requests/s accepted \
         (201); set-up to call_hook p50 {:?} p99 {:?} max {:?}; {refused} refused, {} answered",
        sent.len() as f64 / accepted.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        setup.len(),
    );
    if refused > 0 || setup.len() != calls {
        eprintln!("rest_create: some calls were refused or never asked call_hook");
        std::process::exit(1);
    }
}

/// Runs the futures concurrently; their outputs in order.
async fn futures_all<F: std::future::Future + Unpin>(mut futs: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut done: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if done[i].is_none() {
                match std::pin::Pin::new(f).poll(cx) {
                    Poll::Ready(v) => done[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

fn unreachable_api() -> std::net::SocketAddr {
    eprintln!("rest_create: the API did not start");
    std::process::exit(1);
}
