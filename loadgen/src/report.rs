//! The report of a run, for people (text) and for scripts (`--json`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::procfs::ProcSample;
use crate::sampler::Plateau;
use crate::session::HistogramDelta;
use crate::stats::{Summary, r3};
use crate::verdict::Tally;

/// What the daemon cost over the measured window.
#[derive(Debug, Clone)]
pub struct DaemonCost {
    pub pid: u32,
    pub cpu_s: f64,
    /// Over completed flows (rate) or calls (hold).
    pub cpu_ms_per_flow: Option<f64>,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    /// The highest RSS read during the run.
    pub rss_peak_kib: u64,
    /// VmHWM: the process's peak since it started.
    pub hwm_kib: u64,
    pub threads: u64,
}

impl DaemonCost {
    /// The cost between two readings, over `flows` flows.
    pub fn between(
        pid: u32,
        before: &ProcSample,
        after: &ProcSample,
        peak: u64,
        flows: u64,
    ) -> Self {
        let cpu_s = after.cpu_s - before.cpu_s;
        DaemonCost {
            pid,
            cpu_s,
            cpu_ms_per_flow: (flows > 0).then(|| cpu_s * 1000.0 / flows as f64),
            rss_before_kib: before.rss_kib,
            rss_after_kib: after.rss_kib,
            rss_peak_kib: peak.max(after.rss_kib),
            hwm_kib: after.hwm_kib,
            threads: after.threads,
        }
    }
}

/// What the daemon did while every call was held.
#[derive(Debug, Clone)]
pub struct HoldFacts {
    pub live: u64,
    pub held_s: f64,
    /// Daemon CPU while holding, in % of one core.
    pub cpu_pct: f64,
    pub ctxt_switches_per_s: f64,
    pub rss_start_kib: u64,
    pub rss_end_kib: u64,
    /// api commands the switch received while holding, by command.
    pub api_commands: BTreeMap<String, u64>,
    /// GET /health round trips while holding.
    pub health: Option<Summary>,
    /// Short flows started while holding.
    pub probes: Tally,
    pub probe_setup: Option<Summary>,
    pub probe_answer: Option<Summary>,
}

/// Everything a run reports.
#[derive(Debug, Clone)]
pub struct Report {
    pub mode: &'static str,
    /// One line saying what was run.
    pub what: String,
    pub params: Value,
    pub started: u64,
    pub tally: Tally,
    /// From the first start to the last end.
    pub wall_s: f64,
    pub daemon: DaemonCost,
    pub generator_cpu_s: f64,
    /// The call_hook request's arrival at the web app to `bridge` at the switch.
    pub setup: Option<Summary>,
    /// INVITE to 200 at the caller.
    pub answer: Option<Summary>,
    /// How late flows started against their schedule (the generator's own lag).
    pub start_lag: Option<Summary>,
    pub plateau: Option<Plateau>,
    pub hold: Option<HoldFacts>,
    pub histograms: Vec<HistogramDelta>,
    pub status_posts: u64,
    pub stray_requests: u64,
    pub nofile_limit: u64,
}

fn failures(t: &Tally) -> Value {
    t.failures
        .iter()
        .map(|(why, (n, sid))| json!({"reason": why, "count": n, "example_call_sid": sid}))
        .collect()
}

fn tally_json(t: &Tally) -> Value {
    json!({"completed": t.completed, "failed": t.failed, "dial_status": t.outcomes,
           "failures": failures(t)})
}

impl Report {
    pub fn flows_per_s(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.tally.completed as f64 / self.wall_s
        } else {
            0.0
        }
    }

    pub fn json(&self) -> Value {
        let d = &self.daemon;
        let mut flows = tally_json(&self.tally);
        flows["started"] = json!(self.started);
        json!({
            "mode": self.mode,
            "params": self.params,
            "flows": flows,
            "wall_s": r3(self.wall_s),
            "flows_per_s": r3(self.flows_per_s()),
            "daemon": {
                "pid": d.pid,
                "cpu_s": r3(d.cpu_s),
                "cpu_ms_per_flow": d.cpu_ms_per_flow.map(r3),
                "flows_per_s_per_core": d.cpu_ms_per_flow.filter(|c| *c > 0.0).map(|c| r3(1000.0 / c)),
                "rss_before_kib": d.rss_before_kib,
                "rss_after_kib": d.rss_after_kib,
                "rss_peak_kib": d.rss_peak_kib,
                "vm_hwm_kib": d.hwm_kib,
                "threads": d.threads,
            },
            "plateau": self.plateau.map(|p| json!({
                "live_calls": r3(p.live), "rss_kib": r3(p.rss_kib),
                "kib_per_live_call": r3(p.kib_per_call), "fds": r3(p.fds),
                "fds_per_live_call": r3(p.fds_per_call), "readings": p.readings})),
            "setup_hook_to_bridge": Summary::json(&self.setup),
            "invite_to_answer": Summary::json(&self.answer),
            "start_lag": Summary::json(&self.start_lag),
            "hold": self.hold.as_ref().map(|h| json!({
                "live_calls": h.live, "held_s": r3(h.held_s), "daemon_cpu_pct": r3(h.cpu_pct),
                "ctxt_switches_per_s": r3(h.ctxt_switches_per_s),
                "rss_start_kib": h.rss_start_kib, "rss_end_kib": h.rss_end_kib,
                "api_commands": h.api_commands, "health": Summary::json(&h.health),
                "probes": tally_json(&h.probes),
                "probe_setup_hook_to_bridge": Summary::json(&h.probe_setup),
                "probe_invite_to_answer": Summary::json(&h.probe_answer)})),
            "daemon_histograms": self.histograms.iter().map(|h| json!({
                "series": h.series, "count": h.count,
                "p50_ms": h.p50_ms.map(r3), "p99_ms": h.p99_ms.map(r3)})).collect::<Value>(),
            "status_posts": self.status_posts,
            "stray_requests": self.stray_requests,
            "generator": {"cpu_s": r3(self.generator_cpu_s), "nofile_limit": self.nofile_limit},
        })
    }

    pub fn text(&self) -> String {
        let d = &self.daemon;
        let t = &self.tally;
        let mut o = format!("dialbridge-loadgen {}: {}\n", self.mode, self.what);
        o += &format!(
            "flows: {} started, {} completed, {} failed in {:.2} s = {:.1} completed/s\n",
            self.started,
            t.completed,
            t.failed,
            self.wall_s,
            self.flows_per_s()
        );
        o += &outcome_lines(t);
        let per_flow = match d.cpu_ms_per_flow {
            Some(ms) if ms > 0.0 => {
                format!("{ms:.3} ms per flow ({:.0} flows/s per core)", 1000.0 / ms)
            }
            _ => "no flow completed".into(),
        };
        o += &format!(
            "daemon (pid {}): CPU {:.2} s, {per_flow}; RSS {} -> {} KiB, peak {} KiB \
             (VmHWM {} KiB); {} threads\n",
            d.pid, d.cpu_s, d.rss_before_kib, d.rss_after_kib, d.rss_peak_kib, d.hwm_kib, d.threads
        );
        match &self.plateau {
            Some(p) => {
                o += &format!(
                    "  plateau: {:.0} live calls, RSS {:.0} KiB = {:.1} KiB per live call, \
                     {:.0} fds = {:.2} per live call (over the reading before the run; {} readings)\n",
                    p.live, p.rss_kib, p.kib_per_call, p.fds, p.fds_per_call, p.readings
                )
            }
            None => o += "  plateau: too few live calls to divide memory by (use hold)\n",
        }
        o += &format!(
            "set-up, call_hook request -> bridge at the switch (ms): {}\n",
            Summary::text(&self.setup)
        );
        o += &format!(
            "INVITE -> 200 at the caller (ms):                      {}\n",
            Summary::text(&self.answer)
        );
        if let Some(h) = &self.hold {
            o += &hold_text(h);
        }
        for h in &self.histograms {
            let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
            o += &format!(
                "daemon metric {}: {} over the run, p50 {} ms, p99 {} ms (interpolated in its buckets)\n",
                h.series,
                h.count,
                ms(h.p50_ms),
                ms(h.p99_ms)
            );
        }
        o += &format!(
            "generator: CPU {:.2} s ({:.0}% of one core), start lag {}, RLIMIT_NOFILE {}, \
             {} status posts, {} stray requests\n",
            self.generator_cpu_s,
            if self.wall_s > 0.0 {
                100.0 * self.generator_cpu_s / self.wall_s
            } else {
                0.0
            },
            Summary::text(&self.start_lag),
            self.nofile_limit,
            self.status_posts,
            self.stray_requests,
        );
        o
    }
}

fn outcome_lines(t: &Tally) -> String {
    let mut o = String::new();
    for (status, n) in &t.outcomes {
        o += &format!("  dial_status {status}: {n}\n");
    }
    for (why, (n, sid)) in &t.failures {
        o += &format!("  FAILED {n}: {why} (e.g. call_sid {sid})\n");
    }
    o
}

fn hold_text(h: &HoldFacts) -> String {
    let api: Vec<String> = h
        .api_commands
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut o = format!(
        "holding {} calls for {:.1} s: daemon CPU {:.2}% of a core, {:.0} context switches/s, \
         RSS {} -> {} KiB, api commands: {}\n",
        h.live,
        h.held_s,
        h.cpu_pct,
        h.ctxt_switches_per_s,
        h.rss_start_kib,
        h.rss_end_kib,
        if api.is_empty() {
            "none".into()
        } else {
            api.join(", ")
        }
    );
    o += &format!(
        "  GET /health meanwhile (ms): {}\n",
        Summary::text(&h.health)
    );
    o += &format!(
        "  probe flows meanwhile: {} completed, {} failed\n",
        h.probes.completed, h.probes.failed
    );
    o += &outcome_lines(&h.probes).replace("  ", "    ");
    o += &format!(
        "    set-up (ms): {}\n    INVITE -> 200 (ms): {}\n",
        Summary::text(&h.probe_setup),
        Summary::text(&h.probe_answer)
    );
    o
}
