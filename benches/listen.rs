//! `listen` lag and CPU: many calls streaming at once through the real
//! daemon (in-process, on a runtime of its own so its threads' CPU can be
//! read apart), the fake FreeSWITCH and a websocket server.
//!
//! Lag: the bench writes each call's recording itself (the fake switch is
//! told to write nothing), one 320-byte frame every 20 ms whose first
//! sample is the frame's number, and notes when it wrote it; the websocket
//! server notes when each binary frame arrived. Lag = arrival - write, per
//! frame: what dialbridge adds between FreeSWITCH writing audio and the
//! application receiving it (FreeSWITCH's own 10-40 ms from the wire to
//! the file, docs/freeswitch.md §7, comes before it).
//!
//! CPU: the daemon's threads' user+system time (/proc/self/task) over the
//! streaming window, for calls that stream and, as the baseline, the same
//! calls running a `pause` instead; the difference per call is what
//! streaming costs dialbridge.
//!
//! `cargo bench --bench listen -- --calls 50 --secs 10`
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it runs a
//! 2-call, 1-second smoke pass so the bench itself stays working.

#[path = "../tests/fake_freeswitch/mod.rs"]
mod fake_freeswitch;
#[path = "../tests/harness/mod.rs"]
mod harness;
#[path = "../tests/support/ws_server.rs"]
mod ws_server;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_freeswitch::{CallHandle, Caller, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;
use ws_server::{Behaviour, Got, WsServer};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Frame write times: (call UUID, frame number) -> when it was written.
type Writes = Arc<Mutex<HashMap<(String, i16), Instant>>>;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let (calls, secs) = if benching {
        (arg("--calls", 50), arg("--secs", 10))
    } else {
        (2, 1)
    };
    let rt = |name: &str, threads: usize| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
    };
    let (Ok(daemon_rt), Ok(test_rt)) = (rt("dbdaemon", 2), rt("dbbench", 2)) else {
        eprintln!("listen bench: cannot start the runtimes");
        std::process::exit(1);
    };
    test_rt.block_on(run(&daemon_rt, calls, secs));
}

/// The daemon runtime's threads' CPU time so far.
fn daemon_cpu() -> Duration {
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let mut total = 0u64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    for t in tasks.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("dbdaemon") {
            continue;
        }
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // Fields after the ")" that closes the name: utime and stime are
        // the 12th and 13th.
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        total += get(11) + get(12);
    }
    Duration::from_secs_f64(total as f64 / ticks)
}

async fn run(daemon_rt: &tokio::runtime::Runtime, calls: usize, secs: usize) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    fake.record_elsewhere();
    let ws = WsServer::start(Behaviour::Accept).await;
    let mut settings = harness::settings(&app);
    settings.listener.max_calls = calls * 2 + 10;
    let audio_dir = settings.amd.audio_dir.clone();
    let d = match daemon_rt.spawn(harness::start(settings)).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("listen bench: the daemon did not start: {e}");
            std::process::exit(1);
        }
    };
    let _ = std::fs::create_dir_all(&audio_dir);
    let window = Duration::from_secs(secs as u64);

    // Baseline: the same calls, running a pause.
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "pause", "length": 100_000}])),
    );
    let cpu_idle = measure(&fake, d.addr, calls, window, None).await;

    // Streaming.
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "listen", "url": ws.url("/bench")}])),
    );
    let writes: Writes = Arc::default();
    let cpu_listen = measure(&fake, d.addr, calls, window, Some(&writes)).await;

    let conns = ws
        .wait_for(Duration::from_secs(10), |c| {
            c.len() >= calls && c.iter().all(|c| c.closed)
        })
        .await;
    let writes = writes.lock().map(|w| w.clone()).unwrap_or_default();
    let mut lags: Vec<Duration> = Vec::new();
    for c in &conns {
        let sid = c.first_json()["callSid"].as_str().unwrap_or("").to_owned();
        for (at, m) in &c.messages {
            if let Got::Binary(b) = m
                && b.len() >= 2
            {
                let n = i16::from_le_bytes([b[0], b[1]]);
                if let Some(w) = writes.get(&(sid.clone(), n)) {
                    lags.push(at.saturating_duration_since(*w));
                }
            }
        }
    }
    lags.sort();
    let pct = |p: f64| {
        lags.get(((lags.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    let per_call = |cpu: Duration| cpu.as_secs_f64() / window.as_secs_f64() / calls as f64 * 100.0;
    println!(
        "listen: {calls} calls streaming 8 kHz mono for {secs} s: {} frames; lag (written -> received) \
         p50 {:?} p95 {:?} p99 {:?} max {:?}",
        lags.len(),
        pct(0.5),
        pct(0.95),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "listen: daemon CPU per call: streaming {:.3}% of a core, pausing (baseline) {:.3}%, \
         streaming costs {:.3}% of a core per call",
        per_call(cpu_listen),
        per_call(cpu_idle),
        per_call(cpu_listen.saturating_sub(cpu_idle)),
    );
    if lags.is_empty() {
        eprintln!("listen bench: no frame arrived");
        std::process::exit(1);
    }
}

/// Runs `calls` calls for `window` and returns the daemon's CPU over the
/// middle of it (from when every call is up). With `writes`, writes each
/// call's recording and notes when each frame was written.
async fn measure(
    fake: &FakeSwitch,
    daemon: std::net::SocketAddr,
    calls: usize,
    window: Duration,
    writes: Option<&Writes>,
) -> Duration {
    let handles: Vec<CallHandle> = (0..calls)
        .map(|i| {
            let c = Caller::new(&format!("+1555{i:07}"), "+15559870000")
                .hangs_up_after(window.as_millis() as u64 + 1_500);
            fake.call(daemon, c)
        })
        .collect();
    if let Some(w) = writes {
        for h in &handles {
            tokio::spawn(write_recording(h.clone(), Arc::clone(w), window));
        }
    }
    // Every call set up and streaming by then.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let before = daemon_cpu();
    let t0 = Instant::now();
    tokio::time::sleep(window.saturating_sub(Duration::from_millis(500))).await;
    let used = daemon_cpu().saturating_sub(before);
    let measured = t0.elapsed();
    for h in handles {
        let _ = h.finished(Duration::from_secs(30)).await;
    }
    // Scaled to the whole window.
    Duration::from_secs_f64(used.as_secs_f64() * window.as_secs_f64() / measured.as_secs_f64())
}

/// Waits for the call's `uuid_record ... start <path>`, then writes the
/// recording as FreeSWITCH would: a 20 ms frame every 20 ms, the first
/// sample of each its number.
async fn write_recording(call: CallHandle, writes: Writes, window: Duration) {
    use tokio::io::AsyncWriteExt;
    let until = Instant::now() + window + Duration::from_secs(3);
    let path = loop {
        let found = call.commands().iter().find_map(|c| {
            let mut w = c.args.split_whitespace();
            (w.next() == Some("uuid_record") && w.nth(1) == Some("start"))
                .then(|| w.next().map(str::to_owned))
                .flatten()
        });
        if let Some(p) = found {
            break p;
        }
        if Instant::now() > until {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let Ok(mut f) = tokio::fs::File::create(&path).await else {
        return;
    };
    let uuid = call.uuid().to_owned();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut n: i16 = 0;
    while Instant::now() < until {
        tick.tick().await;
        let mut frame = vec![0u8; 320];
        frame[..2].copy_from_slice(&n.to_le_bytes());
        if f.write_all(&frame).await.is_err() || f.flush().await.is_err() {
            return;
        }
        if let Ok(mut w) = writes.lock() {
            w.insert((uuid.clone(), n), Instant::now());
        }
        n = n.wrapping_add(1);
    }
}
