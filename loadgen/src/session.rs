//! What every run stands on: the fake switch with its control port where
//! the daemon's configuration says, the web application, and the daemon
//! found by its pid and ready.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::cli::{Cli, Command, Target};
use crate::error::LoadgenError;
use crate::fake_freeswitch::FakeSwitch;
use crate::hooks::Hooks;
use crate::layout::Layout;
use crate::{esl_forward, http_get, procfs, stats};

/// How long the daemon may take to become ready (its control connection
/// retries with backoff).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A fake switch and a web application serving a ready daemon.
pub struct Session {
    pub fake: Arc<FakeSwitch>,
    pub hooks: Hooks,
    pub layout: Layout,
    pub pid: u32,
    metrics_before: String,
}

impl Session {
    pub async fn start(target: &Target, targets: u8) -> Result<Session, LoadgenError> {
        let layout = match &target.config {
            Some(p) => Layout::read(p)?,
            None => default_layout()?,
        };
        let fake = FakeSwitch::builder()
            .password(&layout.esl_password)
            .start()
            .await;
        esl_forward::start(layout.esl, fake.esl_addr()).await?;
        let hooks = Hooks::start(&layout, targets).await?;
        wait_ready(layout.http).await?;
        let pid = match target.pid {
            Some(p) => p,
            None => {
                procfs::pid_listening_on(layout.listener.port()).ok_or(LoadgenError::NoDaemon {
                    port: layout.listener.port(),
                })?
            }
        };
        procfs::sample(Some(pid)).map_err(|why| LoadgenError::Proc { pid, why })?;
        let metrics_before = metrics(layout.http).await;
        Ok(Session {
            fake: Arc::new(fake),
            hooks,
            layout,
            pid,
            metrics_before,
        })
    }

    /// The daemon's histograms that moved since the start: count, p50 and
    /// p99 in milliseconds, per series.
    pub async fn histograms(&self) -> Vec<HistogramDelta> {
        let before = stats::histograms(&self.metrics_before);
        let after = stats::histograms(&metrics(self.layout.http).await);
        after
            .iter()
            .filter_map(|(name, b)| {
                let d = stats::delta(b, before.get(name));
                let count = d.last()?.1;
                (count > 0.0).then(|| HistogramDelta {
                    series: name.clone(),
                    count: count as u64,
                    p50_ms: stats::quantile(&d, 0.5).map(|s| s * 1000.0),
                    p99_ms: stats::quantile(&d, 0.99).map(|s| s * 1000.0),
                })
            })
            .collect()
    }

    /// API commands the switch received since the `from`-th, by command.
    pub fn api_commands_since(&self, from: usize) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for line in self.fake.api_log().iter().skip(from) {
            let cmd = line.split_whitespace().next().unwrap_or("").to_owned();
            *out.entry(cmd).or_default() += 1;
        }
        out
    }
}

/// A daemon histogram over the run (interpolated within its buckets).
#[derive(Debug, Clone)]
pub struct HistogramDelta {
    pub series: String,
    pub count: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// The layout `dialbridge-loadgen config` writes without options.
fn default_layout() -> Result<Layout, LoadgenError> {
    match Cli::try_parse_from(["dialbridge-loadgen", "config"]) {
        Ok(Cli {
            command: Command::Config(args),
        }) => Ok(Layout::from_args(&args)),
        _ => Err(LoadgenError::Config {
            path: "(the defaults of `config`)".into(),
            why: "unreadable: give --config".into(),
        }),
    }
}

/// Polls the daemon's /ready until it answers 200.
async fn wait_ready(http: SocketAddr) -> Result<(), LoadgenError> {
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        let last = match http_get::get(http, "/ready").await {
            Ok((200, _)) => return Ok(()),
            Ok((s, body)) => format!("{s} {}", body.trim()),
            Err(e) => e,
        };
        if Instant::now() > deadline {
            return Err(LoadgenError::NotReady {
                http,
                secs: READY_WITHIN.as_secs(),
                last,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The daemon's /metrics text ("" when it cannot be read).
async fn metrics(http: SocketAddr) -> String {
    match http_get::get(http, "/metrics").await {
        Ok((200, body)) => body,
        _ => String::new(),
    }
}
