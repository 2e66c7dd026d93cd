//! `sendmsg [<uuid>]`: queue an application on a channel (`execute`) or
//! hang it up (`hangup`). The `+OK` only means "queued" (docs/freeswitch.md §1);
//! the work starts after the reply is on the wire.

use std::sync::Arc;

use freeswitch_esl_tokio::HangupCause;

use super::apps::{local_hangup, run_app};
use super::channel::AppRequest;
use super::record::CallLog;
use super::switch::Switch;
use super::wire::Message;

/// Work to start once the reply has been queued.
pub type Job = Box<dyn FnOnce() + Send>;

/// Handles one sendmsg: the reply text and the work it queues.
pub fn handle(
    sw: &Switch,
    target: &str,
    msg: &Message,
    log: &Arc<CallLog>,
) -> (String, Option<Job>) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let Some(ch) = core.channels.get(target) else {
        return (format!("-ERR invalid session id [{target}]"), None);
    };
    match msg
        .header("call-command")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("execute") => {
            let Some(name) = msg.header("execute-app-name") else {
                log.error("sendmsg execute without execute-app-name");
                return ("-ERR invalid command".into(), None);
            };
            let arg = msg
                .header("execute-app-arg")
                .map(str::to_string)
                .or_else(|| msg.body.clone())
                .unwrap_or_default();
            let mut req = AppRequest::new(name, &arg);
            req.event_uuid = msg.header("Event-UUID").map(str::to_string);
            req.loops = msg
                .header("loops")
                .and_then(|l| l.parse().ok())
                .unwrap_or(1);
            req.queued = Some(ch.log.elapsed());
            req.queued_tick = Some(ch.frame_no);
            req.flush_gen = ch.flushes;
            let job: Job = match ch.apps.clone() {
                Some(q) => Box::new(move || {
                    let _ = q.send(req);
                }),
                None => {
                    // No socket app: the channel's thread (a bridged leg's)
                    // takes it at its next frame (07c's avmd_start on B).
                    let (sw, t) = (sw.clone(), target.to_string());
                    Box::new(move || {
                        tokio::spawn(async move {
                            req.frame = Some(sw.next_frame(&t).await);
                            run_app(&sw, &t, req).await
                        });
                    })
                }
            };
            ("+OK".into(), Some(job))
        }
        Some("hangup") => {
            let cause = msg
                .header("hangup-cause")
                .and_then(|c| c.parse().ok())
                .unwrap_or(HangupCause::NormalClearing);
            local_hangup(&mut core, &cu, target, cause);
            ("+OK".into(), None)
        }
        Some("unicast") | Some("nomedia") | Some("xferext") => ("+OK".into(), None),
        other => {
            log.error(format!("sendmsg with call-command {other:?}"));
            ("-ERR invalid command".into(), None)
        }
    }
}
