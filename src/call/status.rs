//! `call_status_hook`: every status change of a call, with a timestamp,
//! posted in order by a task of its own so a slow application never holds
//! the call up (fire-and-forget). The task is counted in the engine's
//! [`Tasks`]: a drain waits for a call's last status (`completed`) to be
//! posted.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::info::{CallInfo, CallStatus};
use super::tasks::Tasks;
use crate::app::Hook;
use crate::freeswitch::socket::CallerState;
use crate::webhook::{HookKind, Webhooks};

/// Status posts one call can have queued. A call posts each status at most
/// once and in order (trying, ringing, early-media, in-progress, a final
/// one): five, so the queue never fills. Overflow policy all the same: a
/// post that finds it full is dropped with a warning, the call never waits.
const QUEUED: usize = 8;

/// Posts a call's status changes.
pub struct StatusNotifier {
    sender: Option<mpsc::Sender<Value>>,
    last: Option<CallStatus>,
}

impl StatusNotifier {
    /// A notifier posting to `hook` (none: nothing is posted) from a task
    /// counted in `tasks`.
    pub(crate) fn new(hooks: &Webhooks, hook: Option<Hook>, tasks: &Tasks) -> Self {
        let sender = hook.map(|hook| {
            let (tx, mut rx) = mpsc::channel::<Value>(QUEUED);
            let hooks = hooks.clone();
            let posts = async move {
                while let Some(payload) = rx.recv().await {
                    // Failures are logged by the webhook client; the call goes on.
                    // Boxed: between posts (all of a call's life) the task
                    // holds only its receiver, not an HTTP request's state.
                    let _ = Box::pin(hooks.send(HookKind::Status, &hook, &payload)).await;
                }
            };
            tasks.spawn(tracing::Instrument::in_current_span(posts));
            tx
        });
        Self { sender, last: None }
    }

    /// Counts `status` as posted already: a call the REST API created had
    /// its `trying` posted before it had a task.
    pub fn posted_before(mut self, status: CallStatus) -> Self {
        self.last = Some(status);
        self
    }

    /// Posts every status between the last one posted and what `state`
    /// shows now (ringing and early media included when they happened).
    pub(crate) fn sync(&mut self, info: &CallInfo, state: &CallerState) {
        let (now, _) = CallStatus::of(state);
        let mut steps: Vec<(CallStatus, Option<SystemTime>)> = Vec::new();
        if self.last.is_none() {
            steps.push((CallStatus::Trying, None));
        }
        steps.push((CallStatus::Ringing, state.ringing));
        steps.push((CallStatus::EarlyMedia, real_early_media(state)));
        steps.push((CallStatus::InProgress, state.answered));
        if state.hangup.is_some() {
            steps.push((now, Some(SystemTime::now())));
        }
        for (status, at) in steps {
            let happened = status == CallStatus::Trying || at.is_some();
            if happened && !self.posted(status) {
                self.post(info, state, status, at.unwrap_or_else(SystemTime::now));
            }
        }
    }

    fn posted(&self, status: CallStatus) -> bool {
        self.last.is_some_and(|l| rank(l) >= rank(status))
    }

    fn post(&mut self, info: &CallInfo, state: &CallerState, status: CallStatus, at: SystemTime) {
        self.last = Some(status);
        let Some(tx) = &self.sender else { return };
        let mut payload = info.payload(state);
        payload.insert("call_status".into(), json!(status.as_str()));
        payload.insert("timestamp".into(), json!(rfc3339(at)));
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(Value::Object(payload)) {
            tracing::warn!(
                status = status.as_str(),
                "status post dropped: its queue is full"
            );
        }
    }
}

/// The order statuses happen in.
fn rank(s: CallStatus) -> u8 {
    match s {
        CallStatus::Trying => 0,
        CallStatus::Ringing => 1,
        CallStatus::EarlyMedia => 2,
        CallStatus::InProgress => 3,
        _ => 4,
    }
}

/// When early media really reached the caller. FreeSWITCH's `answer`
/// application emits CHANNEL_PROGRESS_MEDIA immediately before
/// CHANNEL_ANSWER (trace 03c) while the caller gets only the 200, so early
/// media followed by an answer within 100 ms is not reported, and early media
/// not yet 100 ms old waits to see whether the answer follows.
fn real_early_media(state: &CallerState) -> Option<SystemTime> {
    let early = state.early_media?;
    let settle = Duration::from_millis(100);
    match state.answered {
        Some(answered) if answered.duration_since(early).unwrap_or_default() < settle => None,
        None if SystemTime::now().duration_since(early).unwrap_or_default() < settle => None,
        _ => Some(early),
    }
}

/// `at` as an RFC 3339 UTC timestamp with milliseconds.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // date -u -d @1795356805 -> 2026-11-22T14:13:25Z
        let t = UNIX_EPOCH + Duration::from_millis(1_795_356_805_123);
        assert_eq!(rfc3339(t), "2026-11-22T14:13:25.123Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z");
    }
}
