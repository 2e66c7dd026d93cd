//! Log output: text or JSON, level from `[log] level` unless RUST_LOG is
//! set, one span per call carrying `call_sid`.
//!
//! The ESL library logs every command it sends at debug level, and a
//! `bridge` command carries SIP digest passwords; its target is therefore
//! capped at info whatever the configuration asks, so no secret reaches a
//! log.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::config::Log;

/// Targets whose debug output could carry secrets.
const CAPPED: &[&str] = &["freeswitch_esl_tokio"];

/// False for debug/trace events of the capped targets.
pub fn allowed(meta: &Metadata<'_>) -> bool {
    !(CAPPED.iter().any(|t| meta.target().starts_with(t)) && *meta.level() > Level::INFO)
}

/// Installs the global subscriber (once; later calls are ignored).
pub(crate) fn init(log: &Log) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_new(&log.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let filter = filter.and(filter_fn(allowed));
    let registry = tracing_subscriber::registry();
    let result = if log.format == "json" {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_filter(filter),
            )
            .try_init()
    } else {
        // Colours only on a terminal: journald and log files get plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        registry
            .with(fmt::layer().with_ansi(ansi).with_filter(filter))
            .try_init()
    };
    let _ = result;
}
