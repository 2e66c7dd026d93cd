//! A run's flows judged: the verdict of each (what the switch saw joined
//! with what the web application saw), and the set-up delays.

use crate::flow::FlowRecord;
use crate::hooks::Hooks;
use crate::stats::Summary;
use crate::verdict::{Tally, verdict};

/// Verdicts and delays of a set of flows.
#[derive(Debug, Default)]
pub struct Judged {
    pub tally: Tally,
    /// call_hook request at the web app -> `bridge` at the switch, ms.
    pub setup: Option<Summary>,
    /// INVITE -> 200 at the caller, ms.
    pub answer: Option<Summary>,
    pub status_posts: u64,
}

/// Judges `records`, taking each call's hook record out of `hooks`.
pub fn judge(
    records: &[FlowRecord],
    hooks: &Hooks,
    need_action: bool,
    timeout_secs: u64,
) -> Judged {
    hooks.drain();
    let mut j = Judged::default();
    let mut setup = Vec::with_capacity(records.len());
    let mut answer = Vec::with_capacity(records.len());
    for r in records {
        let seen = hooks.take(&r.uuid);
        if let (Some(hook), Some(bridge)) =
            (seen.as_ref().and_then(|s| s.call_hook_at), r.bridge_at)
            && let Some(d) = bridge.checked_duration_since(hook)
        {
            setup.push(d.as_secs_f64() * 1000.0);
        }
        if let Some(a) = r.answered_after {
            answer.push(a.as_secs_f64() * 1000.0);
        }
        j.status_posts += seen.as_ref().map_or(0, |s| u64::from(s.statuses));
        j.tally.add(
            &r.uuid,
            verdict(r, seen.as_ref(), need_action, timeout_secs),
        );
    }
    j.setup = Summary::of(setup);
    j.answer = Summary::of(answer);
    j
}
