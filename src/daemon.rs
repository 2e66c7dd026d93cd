//! The running daemon (built in the live-calls work).

use crate::config::Settings;

/// Runs until shut down.
pub fn run(_settings: Settings) -> Result<(), String> {
    Err("the daemon is not built yet".into())
}
