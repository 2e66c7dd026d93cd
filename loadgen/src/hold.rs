//! `hold`: ramp up to a number of concurrent bridged calls, hold them, then
//! hang the callers up at the ramp's pace. Measures memory per live call and what the daemon
//! does while the calls last (CPU, context switches, api commands, /health
//! and short probe flows as a check on its event loop).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;

use crate::cli::{HoldArgs, Shape};
use crate::error::LoadgenError;
use crate::fake_freeswitch::{CallerSip, FakeSwitch};
use crate::flow::{self, BusyPattern, FlowRecord, expected_status};
use crate::judge::judge;
use crate::report::{DaemonCost, HoldFacts, Report};
use crate::sampler::{Sampler, plateau};
use crate::session::Session;
use crate::stats::Summary;
use crate::{http_get, procfs};

/// Counters the held calls share with the driver.
#[derive(Default)]
struct Counts {
    /// Calls bridged and not yet over.
    live: Arc<AtomicI64>,
    /// Calls bridged, or failed before.
    settled: AtomicU64,
}

pub async fn run(args: HoldArgs, nofile_limit: u64) -> Result<Report, LoadgenError> {
    let shape = args.shape.clone();
    let s = Session::start(&args.target, shape.targets).await?;
    let pid = s.pid;
    let proc_err = |why| LoadgenError::Proc { pid, why };
    let timeout = Duration::from_secs(shape.timeout_secs);
    let counts = Arc::new(Counts::default());
    let (stop, stopped) = watch::channel(false);
    let before = procfs::sample(Some(pid)).map_err(proc_err)?;
    let me_before = procfs::sample(None).map_err(|why| LoadgenError::Proc { pid: 0, why })?;
    let sampler = Sampler::start(pid, Arc::clone(&counts.live));
    let mut pattern = BusyPattern::new(shape.busy);
    let period = Duration::from_secs_f64(1.0 / args.ramp.max(0.001));
    let t0 = tokio::time::Instant::now();
    let start = Instant::now();
    let mut lag = Vec::with_capacity(args.calls);
    let mut tasks = Vec::with_capacity(args.calls);
    for i in 0..args.calls {
        let due = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        lag.push(due.elapsed().as_secs_f64() * 1000.0);
        let busy = pattern.next_flow(shape.targets);
        let expected = expected_status(&busy);
        let caller = flow::caller(i as u64, &busy, &shape, None);
        let (fake, counts, stopped) = (Arc::clone(&s.fake), Arc::clone(&counts), stopped.clone());
        let daemon = s.layout.listener;
        tasks.push(tokio::spawn(async move {
            let (started, call) = flow::place(&fake, daemon, caller);
            flow::bridged_or_gone(&call, timeout).await;
            let up =
                call.hangup_cause().is_none() && call.caller_signals().contains(&CallerSip::Ok200);
            if up {
                counts.live.fetch_add(1, Ordering::Relaxed);
            }
            counts.settled.fetch_add(1, Ordering::Relaxed);
            if up {
                let mut stopped = stopped;
                let _ = stopped.wait_for(|s| *s).await;
                // Callers leave at the pace they came, not all at once.
                tokio::time::sleep(period.mul_f64(i as f64)).await;
                call.hang_up();
            }
            let finished = call.finished(timeout).await.is_ok();
            if up {
                counts.live.fetch_sub(1, Ordering::Relaxed);
            }
            flow::observe(&call, started, expected, finished)
        }));
    }
    let ramp_deadline = Instant::now() + timeout;
    while (counts.settled.load(Ordering::Relaxed) as usize) < args.calls
        && Instant::now() < ramp_deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The plateau: every call bridged (or failed), held.
    let held_from = Instant::now();
    let p0 = procfs::sample(Some(pid)).map_err(proc_err)?;
    let api_from = s.fake.api_log().len();
    let (probe_stop, probe_stopped) = watch::channel(false);
    let probes = tokio::spawn(probe_flows(
        Arc::clone(&s.fake),
        s.layout.listener,
        shape.clone(),
        args.probe_rate,
        probe_stopped.clone(),
    ));
    let health = tokio::spawn(health_round_trips(s.layout.http, probe_stopped));
    tokio::time::sleep(Duration::from_secs_f64(args.duration.max(0.0))).await;
    let p1 = procfs::sample(Some(pid)).map_err(proc_err)?;
    let held_to = Instant::now();
    let api_commands = s.api_commands_since(api_from);
    let _ = probe_stop.send(true);
    let probe_records = probes.await.unwrap_or_default();
    let health = health.await.unwrap_or_default();
    let _ = stop.send(true);
    let mut records = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(r) = t.await {
            records.push(r);
        }
    }
    let end = Instant::now();
    let after = procfs::sample(Some(pid)).map_err(proc_err)?;
    let me_after = procfs::sample(None).map_err(|why| LoadgenError::Proc { pid: 0, why })?;
    let held = judge(&records, &s.hooks, false, shape.timeout_secs);
    let probed = judge(&probe_records, &s.hooks, true, shape.timeout_secs);
    let held_s = (held_to - held_from).as_secs_f64();
    let live = sampler
        .between(held_from, held_to)
        .iter()
        .map(|p| p.live)
        .min()
        .unwrap_or(0)
        .max(0) as u64;
    let per_s = |x: f64| if held_s > 0.0 { x / held_s } else { 0.0 };
    Ok(Report {
        mode: "hold",
        what: format!(
            "{} calls ramped at {}/s, held {} s, {} targets per dial ({}% busy), ring {} ms, \
             answer {} ms, {} probe flows/s, against {}",
            args.calls,
            args.ramp,
            args.duration,
            shape.targets,
            shape.busy * 100.0,
            shape.ring_ms,
            shape.answer_ms,
            args.probe_rate,
            s.layout.listener
        ),
        params: json!({"calls": args.calls, "ramp": args.ramp, "duration_s": args.duration,
                       "targets": shape.targets, "busy": shape.busy, "ring_ms": shape.ring_ms,
                       "answer_ms": shape.answer_ms, "probe_rate": args.probe_rate,
                       "timeout_s": shape.timeout_secs,
                       "listener": s.layout.listener.to_string()}),
        started: args.calls as u64,
        wall_s: (end - start).as_secs_f64(),
        daemon: DaemonCost::between(
            pid,
            &before,
            &after,
            sampler.peak_rss_kib(),
            held.tally.completed,
        ),
        generator_cpu_s: me_after.cpu_s - me_before.cpu_s,
        setup: held.setup,
        answer: held.answer,
        start_lag: Summary::of(lag),
        plateau: plateau(&sampler.between(held_from, held_to), &before, 1),
        hold: Some(HoldFacts {
            live,
            held_s,
            cpu_pct: per_s(p1.cpu_s - p0.cpu_s) * 100.0,
            ctxt_switches_per_s: per_s(p1.ctxt_switches.saturating_sub(p0.ctxt_switches) as f64),
            rss_start_kib: p0.rss_kib,
            rss_end_kib: p1.rss_kib,
            api_commands,
            health: Summary::of(health),
            probes: probed.tally,
            probe_setup: probed.setup,
            probe_answer: probed.answer,
        }),
        histograms: s.histograms().await,
        status_posts: held.status_posts + probed.status_posts,
        stray_requests: s.hooks.strays.load(Ordering::Relaxed),
        nofile_limit,
        tally: held.tally,
    })
}

/// Short flows (no hold) at `rate` per second until `stop`.
async fn probe_flows(
    fake: Arc<FakeSwitch>,
    daemon: std::net::SocketAddr,
    shape: Shape,
    rate: f64,
    mut stop: watch::Receiver<bool>,
) -> Vec<FlowRecord> {
    if rate <= 0.0 {
        return Vec::new();
    }
    let timeout = Duration::from_secs(shape.timeout_secs);
    let mut pattern = BusyPattern::new(shape.busy);
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    let mut tasks = Vec::new();
    for i in 1_000_000_000u64.. {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let busy = pattern.next_flow(shape.targets);
        let expected = expected_status(&busy);
        let caller = flow::caller(i, &busy, &shape, Some(0));
        let fake = Arc::clone(&fake);
        tasks.push(tokio::spawn(async move {
            flow::run(&fake, daemon, caller, expected, timeout).await
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(r) = t.await {
            out.push(r);
        }
    }
    out
}

/// Round trips of GET /health (ms), twice a second until `stop`.
async fn health_round_trips(
    http: std::net::SocketAddr,
    mut stop: watch::Receiver<bool>,
) -> Vec<f64> {
    let mut out = Vec::new();
    let mut every = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.wait_for(|s| *s) => return out,
        }
        let t = Instant::now();
        if let Ok((200, _)) = http_get::get(http, "/health").await {
            out.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
}
