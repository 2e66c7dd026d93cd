//! `rate`: flows started at a steady rate for a while, each one inbound
//! call -> call_hook -> dial -> one target answers -> bridged -> hold ->
//! the callee hangs up -> actionHook -> hangup.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli::RateArgs;
use crate::error::LoadgenError;
use crate::flow::{self, BusyPattern, expected_status};
use crate::judge::judge;
use crate::procfs;
use crate::report::{DaemonCost, Report};
use crate::sampler::{Sampler, plateau};
use crate::session::Session;
use crate::stats::Summary;

/// Fewer live calls than this at the plateau are too few to divide memory by.
const MIN_LIVE_FOR_MEMORY: i64 = 20;

pub async fn run(args: RateArgs, nofile_limit: u64) -> Result<Report, LoadgenError> {
    let shape = args.shape.clone();
    let s = Session::start(&args.target, shape.targets).await?;
    let pid = s.pid;
    let proc_err = |why| LoadgenError::Proc { pid, why };
    let rate = args.rate.max(0.001);
    let n = (rate * args.duration.max(0.0)).round() as u64;
    let period = Duration::from_secs_f64(1.0 / rate);
    let timeout = Duration::from_secs(shape.timeout_secs);
    let live = Arc::new(AtomicI64::new(0));
    let before = procfs::sample(Some(pid)).map_err(proc_err)?;
    let me_before = procfs::sample(None).map_err(|why| LoadgenError::Proc { pid: 0, why })?;
    let sampler = Sampler::start(pid, Arc::clone(&live));
    let mut pattern = BusyPattern::new(shape.busy);
    let mut tasks = Vec::with_capacity(n as usize);
    let mut lag = Vec::with_capacity(n as usize);
    let t0 = tokio::time::Instant::now();
    let start = Instant::now();
    for i in 0..n {
        let due = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        lag.push(due.elapsed().as_secs_f64() * 1000.0);
        let busy = pattern.next_flow(shape.targets);
        let expected = expected_status(&busy);
        let caller = flow::caller(i, &busy, &shape, Some(args.hold_ms));
        let (fake, live) = (Arc::clone(&s.fake), Arc::clone(&live));
        let daemon = s.layout.listener;
        tasks.push(tokio::spawn(async move {
            live.fetch_add(1, Ordering::Relaxed);
            let r = flow::run(&fake, daemon, caller, expected, timeout).await;
            live.fetch_sub(1, Ordering::Relaxed);
            r
        }));
    }
    let sent = Instant::now();
    let mut records = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(r) = t.await {
            records.push(r);
        }
    }
    let end = Instant::now();
    let after = procfs::sample(Some(pid)).map_err(proc_err)?;
    let me_after = procfs::sample(None).map_err(|why| LoadgenError::Proc { pid: 0, why })?;
    let judged = judge(&records, &s.hooks, true, shape.timeout_secs);
    let flows = judged.tally.completed;
    Ok(Report {
        mode: "rate",
        what: format!(
            "{rate} flows/s for {} s, {} targets per dial ({}% busy), ring {} ms, answer {} ms, \
             hold {} ms, against {}",
            args.duration,
            shape.targets,
            shape.busy * 100.0,
            shape.ring_ms,
            shape.answer_ms,
            args.hold_ms,
            s.layout.listener
        ),
        params: json!({"rate": rate, "duration_s": args.duration, "targets": shape.targets,
                       "busy": shape.busy, "ring_ms": shape.ring_ms, "answer_ms": shape.answer_ms,
                       "hold_ms": args.hold_ms, "timeout_s": shape.timeout_secs,
                       "listener": s.layout.listener.to_string()}),
        started: n,
        wall_s: (end - start).as_secs_f64(),
        daemon: DaemonCost::between(pid, &before, &after, sampler.peak_rss_kib(), flows),
        generator_cpu_s: me_after.cpu_s - me_before.cpu_s,
        setup: judged.setup,
        answer: judged.answer,
        start_lag: Summary::of(lag),
        plateau: plateau(&sampler.between(start, sent), &before, MIN_LIVE_FOR_MEMORY),
        hold: None,
        histograms: s.histograms().await,
        status_posts: judged.status_posts,
        stray_requests: s.hooks.strays.load(Ordering::Relaxed),
        nofile_limit,
        tally: judged.tally,
    })
}
