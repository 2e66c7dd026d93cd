//! A redirect (updateCall `call_hook`) that arrived while the dial was being
//! set up: it was answered aside (`uuid_break`, the new hook recorded on the
//! call's steering), but the bridge was already queued or about to be. The
//! live phase then cancels the dial as if the redirect had come while its
//! targets rang: every leg is ended ORIGINATOR_CANCEL and the actionHook is
//! told `dial_status: "canceled"`.
//!
//! A leg FreeSWITCH has not created yet cannot be killed (`uuid_kill`
//! answers `-ERR No such channel!`), so the kill is tried again on every
//! turn of the live loop (each event of the dial, or its 100 ms tick) until
//! each leg was killed or ended on its own.

use std::collections::HashSet;

use tracing::{debug, info};

use super::legs::Legs;
use crate::call::Call;

/// The legs a pending redirect has ended so far.
#[derive(Debug, Default)]
pub(crate) struct EarlyCancel {
    killed: HashSet<String>,
}

impl EarlyCancel {
    /// Ends every leg not ended yet (a bridged one NORMAL_CLEARING, the
    /// others ORIGINATOR_CANCEL); a leg not created yet is tried again on
    /// the next call. True when the dial is cancelled (no leg was bridged).
    pub(crate) async fn cancel(&mut self, call: &Call, legs: &Legs) -> bool {
        let (targets, cause) = match legs.winner() {
            Some(w) => (vec![w.to_owned()], "NORMAL_CLEARING"),
            None => (legs.unended(), "ORIGINATOR_CANCEL"),
        };
        for leg in targets {
            if self.killed.contains(&leg) {
                continue;
            }
            match call.socket.api(&format!("uuid_kill {leg} {cause}")).await {
                Ok(_) => {
                    info!(leg = %leg, cause, "redirected during the dial's set-up: leg ended");
                    self.killed.insert(leg);
                }
                Err(e) => debug!(leg = %leg, error = %e, "leg not created yet; tried again"),
            }
        }
        legs.winner().is_none()
    }
}
