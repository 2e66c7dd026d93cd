//! The command line: `config`, `rate`, `hold`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// dialbridge-loadgen: plays FreeSWITCH (its calls, callers and callees)
/// and the web application against a separately started `dialbridge run`,
/// and reports what the daemon cost.
#[derive(Parser)]
#[command(name = "dialbridge-loadgen", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Print a dialbridge configuration (TOML) whose FreeSWITCH control
    /// port and webhooks are where `rate` and `hold` serve them.
    Config(ConfigArgs),
    /// Start flows at a steady rate for a while: inbound call, call_hook,
    /// dial, one target answers, bridged, hold, hangup, actionHook.
    Rate(RateArgs),
    /// Ramp up to a number of concurrent bridged calls and hold them:
    /// memory per call, and what the daemon does while they last.
    Hold(HoldArgs),
}

/// The addresses of a load run, for `config`.
#[derive(Args, Clone)]
pub struct ConfigArgs {
    /// The daemon's call listener (where the `socket` application connects).
    #[arg(long, default_value = "127.0.0.1:18084")]
    pub listener: SocketAddr,
    /// FreeSWITCH's inbound event socket, served by the generator.
    #[arg(long, default_value = "127.0.0.1:18021")]
    pub esl: SocketAddr,
    /// The web application, served by the generator.
    #[arg(long, default_value = "127.0.0.1:18080")]
    pub web: SocketAddr,
    /// The daemon's /ready and /metrics.
    #[arg(long, default_value = "127.0.0.1:18085")]
    pub http: SocketAddr,
    /// `[listener] max_calls` (hold mode needs its call count plus probes).
    #[arg(long, default_value_t = 12_000)]
    pub max_calls: usize,
    /// Where the daemon keeps its media cache and AMD audio.
    #[arg(long, default_value = "/tmp/dialbridge-loadgen")]
    pub dir: PathBuf,
    /// Also configure `call_status_hook` (every status change is posted).
    #[arg(long)]
    pub status_hook: bool,
    /// `[log] level` of the daemon.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

/// Which daemon to drive and how to report, for `rate` and `hold`.
#[derive(Args, Clone)]
pub struct Target {
    /// The daemon's configuration file: its listener and /metrics, and the
    /// FreeSWITCH control port and webhooks the generator serves. Without
    /// it, the defaults `config` prints.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The daemon's process id (default: whoever listens on its listener
    /// port), for CPU and memory from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How every call behaves at the switch. Zero delays unless asked.
#[derive(Args, Clone)]
pub struct Shape {
    /// Targets per dial (1 to 10).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub targets: u8,
    /// Fraction of targets that answer 486 Busy (0 to 1), spread evenly.
    #[arg(long, default_value_t = 0.0)]
    pub busy: f64,
    /// Milliseconds from a target's INVITE to its 180 (a busy target
    /// rejects then).
    #[arg(long, default_value_t = 0)]
    pub ring_ms: u64,
    /// Milliseconds from the 180 to the answering target's 200.
    #[arg(long, default_value_t = 0)]
    pub answer_ms: u64,
    /// A flow not finished this long after its start fails.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
}

/// `rate`: flows per second for a while.
#[derive(Args, Clone)]
pub struct RateArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub shape: Shape,
    /// Flows started per second.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Seconds to keep starting flows.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Milliseconds the bridged callee stays before hanging up.
    #[arg(long, default_value_t = 0)]
    pub hold_ms: u64,
}

/// `hold`: a number of concurrent bridged calls, held.
#[derive(Args, Clone)]
pub struct HoldArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub shape: Shape,
    /// Concurrent bridged calls to reach.
    #[arg(long, default_value_t = 1_000)]
    pub calls: usize,
    /// Calls started per second while ramping up.
    #[arg(long, default_value_t = 500.0)]
    pub ramp: f64,
    /// Seconds to hold them once all are bridged.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Short flows per second while holding, for the set-up delay with
    /// every call live (0: none).
    #[arg(long, default_value_t = 5.0)]
    pub probe_rate: f64,
}
