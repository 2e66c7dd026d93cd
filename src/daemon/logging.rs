//! Log output: text or JSON, level from `[log] level` unless RUST_LOG is
//! set, one span per call carrying `call_sid`.
//!
//! The ESL library logs every command it sends at debug level, and a
//! `bridge` command carries SIP digest passwords; its target is therefore
//! capped whatever the configuration asks, so no secret reaches a log. The
//! cap is warn: at info the library said three things of every call's
//! connection ("Subscribed to raw events", "Client requested disconnect",
//! "Received disconnect notice"), a third of a call's log lines and of
//! their cost at load (issue 12). dialbridge logs the control connection's
//! state itself.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::config::Log;

/// Targets whose debug output could carry secrets.
const CAPPED: &[&str] = &["freeswitch_esl_tokio"];

/// False for info, debug and trace events of the capped targets.
pub fn allowed(meta: &Metadata<'_>) -> bool {
    !(CAPPED.iter().any(|t| meta.target().starts_with(t)) && *meta.level() > Level::WARN)
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

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::callsite::Identifier;
    use tracing::field::FieldSet;
    use tracing::metadata::Kind;

    struct Site;
    impl tracing::Callsite for Site {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unreachable!()
        }
    }
    static SITE: Site = Site;

    fn meta(target: &'static str, level: Level) -> Metadata<'static> {
        Metadata::new(
            "e",
            target,
            level,
            None,
            None,
            None,
            FieldSet::new(&[], Identifier(&SITE)),
            Kind::EVENT,
        )
    }

    #[test]
    fn the_esl_library_logs_only_warnings_and_errors() {
        for level in [Level::INFO, Level::DEBUG, Level::TRACE] {
            assert!(!allowed(&meta(
                "freeswitch_esl_tokio::connection::client",
                level
            )));
        }
        for level in [Level::WARN, Level::ERROR] {
            assert!(allowed(&meta(
                "freeswitch_esl_tokio::connection::reader",
                level
            )));
        }
        assert!(allowed(&meta("dialbridge::call::dial", Level::INFO)));
        assert!(allowed(&meta("dialbridge::call::dial", Level::DEBUG)));
    }
}
