//! Whether a flow completed, and if not why, from what the switch and the
//! web application saw of it; failures grouped by reason for the report.

use std::collections::BTreeMap;

use crate::flow::FlowRecord;
use crate::hooks::HookSeen;

/// The first thing that went wrong with a flow, as one line an operator
/// can group and grep for; `Ok(dial_status)` when it went as scripted.
/// `need_action`: the flow ends with the actionHook (rate flows); a held
/// call the generator hangs up need not.
pub fn verdict(
    f: &FlowRecord,
    hooks: Option<&HookSeen>,
    need_action: bool,
    timeout_secs: u64,
) -> Result<String, String> {
    if f.refused {
        return Err("the socket app found nothing listening at the daemon's address".into());
    }
    if let Some(e) = &f.first_error {
        let e: String = e.chars().take(100).collect();
        return Err(format!("the fake switch saw a protocol error: {e}"));
    }
    let hook_seen = hooks.and_then(|h| h.call_hook_at).is_some();
    if !hook_seen && !f.connected {
        return Err(match f.final_code {
            Some(c) => format!(
                "the daemon closed the call's socket without a word (refused?); the caller got {c}"
            ),
            None => format!(
                "no `connect` from the daemon within {timeout_secs} s (its accept backlog?)"
            ),
        });
    }
    if !hook_seen {
        return Err(match f.final_code {
            Some(c) => format!("no call_hook request; the caller got {c}"),
            None if !f.finished => format!("no call_hook request within {timeout_secs} s"),
            None => "no call_hook request".into(),
        });
    }
    if f.bridge_at.is_none() && f.expected != "busy" {
        return Err(match f.final_code {
            Some(c) => format!("no bridge; the caller got {c}"),
            None => "no bridge".into(),
        });
    }
    if !f.finished {
        return Err(format!(
            "not over within {timeout_secs} s (caller still up or the daemon's socket open)"
        ));
    }
    if f.closed_with_caller_up {
        return Err("the daemon closed its socket with the caller up".into());
    }
    let status = hooks.and_then(|h| h.dial_status.clone());
    match status {
        None if need_action => Err("no actionHook after the dial".into()),
        None => Ok("(no actionHook)".into()),
        Some(s) if need_action && s != f.expected => Err(format!(
            "actionHook dial_status={s}, expected {}",
            f.expected
        )),
        Some(s) => Ok(s),
    }
}

/// Counts of outcomes and of failure reasons, with one call_sid per reason
/// to look up in the daemon's log.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    pub completed: u64,
    pub failed: u64,
    /// dial_status of completed flows.
    pub outcomes: BTreeMap<String, u64>,
    /// reason -> (count, an example call_sid).
    pub failures: BTreeMap<String, (u64, String)>,
}

impl Tally {
    pub fn add(&mut self, uuid: &str, v: Result<String, String>) {
        match v {
            Ok(status) => {
                self.completed += 1;
                *self.outcomes.entry(status).or_default() += 1;
            }
            Err(why) => {
                self.failed += 1;
                self.failures
                    .entry(why)
                    .or_insert_with(|| (0, uuid.to_owned()))
                    .0 += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn done() -> FlowRecord {
        FlowRecord {
            uuid: "u".into(),
            expected: "completed",
            finished: true,
            connected: true,
            bridge_at: Some(Instant::now()),
            answered_after: Some(Duration::from_millis(3)),
            ..FlowRecord::default()
        }
    }

    fn seen(status: Option<&str>) -> HookSeen {
        HookSeen {
            call_hook_at: Some(Instant::now()),
            dial_status: status.map(str::to_owned),
            statuses: 0,
        }
    }

    #[test]
    fn a_flow_that_went_as_scripted_completes_with_its_dial_status() {
        assert_eq!(
            verdict(&done(), Some(&seen(Some("completed"))), true, 30),
            Ok("completed".into())
        );
        let busy = FlowRecord {
            expected: "busy",
            bridge_at: None,
            ..done()
        };
        assert_eq!(
            verdict(&busy, Some(&seen(Some("busy"))), true, 30),
            Ok("busy".into())
        );
    }

    #[test]
    fn each_failure_names_the_first_thing_that_went_wrong() {
        let v = |f: &FlowRecord, h: Option<&HookSeen>| verdict(f, h, true, 30).unwrap_err();
        let refused = FlowRecord {
            refused: true,
            ..done()
        };
        assert!(v(&refused, None).contains("nothing listening"));
        let unanswered = FlowRecord {
            connected: false,
            final_code: Some(480),
            bridge_at: None,
            ..done()
        };
        assert!(v(&unanswered, None).contains("without a word"));
        let backlog = FlowRecord {
            connected: false,
            finished: false,
            bridge_at: None,
            ..done()
        };
        assert!(v(&backlog, None).starts_with("no `connect` from the daemon within 30 s"));
        let rejected = FlowRecord {
            final_code: Some(503),
            bridge_at: None,
            ..done()
        };
        assert_eq!(
            v(&rejected, None),
            "no call_hook request; the caller got 503"
        );
        assert_eq!(
            v(&rejected, Some(&seen(None))),
            "no bridge; the caller got 503"
        );
        let stuck = FlowRecord {
            finished: false,
            ..done()
        };
        assert!(v(&stuck, Some(&seen(None))).starts_with("not over within 30 s"));
        assert_eq!(
            v(&done(), Some(&seen(None))),
            "no actionHook after the dial"
        );
        assert_eq!(
            v(&done(), Some(&seen(Some("failed")))),
            "actionHook dial_status=failed, expected completed"
        );
        let broken = FlowRecord {
            first_error: Some("unknown command foo".into()),
            ..done()
        };
        assert!(v(&broken, Some(&seen(None))).contains("unknown command foo"));
    }

    #[test]
    fn a_held_call_needs_no_action_hook() {
        assert_eq!(
            verdict(&done(), Some(&seen(None)), false, 30),
            Ok("(no actionHook)".into())
        );
    }

    #[test]
    fn failures_are_grouped_with_their_first_call_sid() {
        let mut t = Tally::default();
        t.add("a", Ok("completed".into()));
        t.add("b", Err("no bridge".into()));
        t.add("c", Err("no bridge".into()));
        assert_eq!((t.completed, t.failed), (1, 2));
        assert_eq!(t.failures["no bridge"], (2, "b".into()));
        assert_eq!(t.outcomes["completed"], 1);
    }
}
