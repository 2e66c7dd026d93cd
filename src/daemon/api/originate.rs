//! Following the originate of a call created through the API, on an ESL
//! connection of its own (docs/freeswitch.md §10, §15):
//!
//! `event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA
//! CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB`, `filter
//! Unique-ID <uuid>` (the channel's own events, 15c), `filter Job-Command
//! originate`, then `bgapi originate …`. The job filter names the command,
//! not the job: the Job-UUID is only known from the bgapi's reply, and a
//! job that fails at once (no route, a gateway down) could fire its
//! BACKGROUND_JOB before a `filter Job-UUID` sent after that reply; other
//! originates' results that come through are told apart by their Job-UUID.
//!
//! `bgapi` rather than `api`: FreeSWITCH runs an `api` command in the
//! connection's own thread and sends no event on it until the command
//! returns (the answer or the failure), so the ringing would never be seen.
//!
//! What the events say ([`step`]): the channel exists (CHANNEL_CREATE), the
//! callee rings (CHANNEL_PROGRESS: `ringing`) or sends early media
//! (CHANNEL_PROGRESS_MEDIA: `early-media`), answered (CHANNEL_ANSWER or the
//! job's `+OK`), failed (the job's `-ERR <cause>`, or the channel's
//! HANGUP_COMPLETE with its Hangup-Cause, whichever comes first).
//!
//! Cancelling (updateCall `call_status: "no-answer"`, DELETE) sets the
//! reservation's cancel flag: the channel is killed ORIGINATOR_CANCEL at
//! once if FreeSWITCH made it already, else as soon as its CHANNEL_CREATE
//! arrives. The originate then fails ORIGINATOR_CANCEL.

use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventType, EventFormat};
use tokio::sync::watch;
use tracing::{debug, info};

use crate::config::Settings;
use crate::daemon::registry::Progress;

/// The events the originate's connection subscribes to.
pub(crate) const EVENTS: &str = "CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA \
    CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB";

/// What one event says about the originate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// FreeSWITCH made the channel: it can be killed from now on.
    Created,
    /// The callee rings or sends early media.
    Progress(Progress),
    /// The callee answered: the call's socket connects next.
    Answered,
    /// The originate failed: `-ERR <cause>` as FreeSWITCH answers it.
    Failed(String),
}

/// `ringing`, as the status hook says it.
pub(crate) const RINGING: Progress = Progress {
    call_status: "ringing",
    sip_status: 180,
};
/// `early-media`, as the status hook says it.
pub(crate) const EARLY_MEDIA: Progress = Progress {
    call_status: "early-media",
    sip_status: 183,
};

/// What `event` says about the originate of the channel `uuid` whose
/// background job is `job`; None when it is not about them.
pub(crate) fn step(event: &EslEvent, uuid: &str, job: &str) -> Option<Step> {
    let kind = event.event_type()?;
    if kind == EslEventType::BackgroundJob {
        if event.header_str("Job-UUID") != Some(job) {
            return None;
        }
        let body = event.body().unwrap_or_default().trim();
        return Some(if body.starts_with("+OK") {
            Step::Answered
        } else {
            Step::Failed(body.to_owned())
        });
    }
    if event.header_str("Unique-ID") != Some(uuid) {
        return None;
    }
    match kind {
        EslEventType::ChannelCreate => Some(Step::Created),
        EslEventType::ChannelProgress => Some(Step::Progress(RINGING)),
        EslEventType::ChannelProgressMedia => Some(Step::Progress(EARLY_MEDIA)),
        EslEventType::ChannelAnswer => Some(Step::Answered),
        EslEventType::ChannelHangupComplete => Some(Step::Failed(format!(
            "-ERR {}",
            event
                .header_str("Hangup-Cause")
                .unwrap_or("NORMAL_UNSPECIFIED")
        ))),
        _ => None,
    }
}

/// Places the call with `command` (an `originate …` line) and follows it
/// until answered (Ok) or failed (Err: FreeSWITCH's `-ERR <cause>`, or why
/// it could not be sent). `progress` hears each ringing / early media once;
/// `cancel` turning true kills the channel.
pub(crate) async fn follow(
    settings: &Settings,
    uuid: &str,
    command: &str,
    ring: Duration,
    mut cancel: watch::Receiver<bool>,
    mut progress: impl FnMut(Progress),
) -> Result<(), String> {
    let f = &settings.freeswitch;
    let (client, mut events) = EslClient::connect(&f.host, f.port, f.password.expose())
        .await
        .map_err(|e| format!("cannot reach FreeSWITCH: {e}"))?;
    client.set_command_timeout(Duration::from_millis(f.reply_timeout_ms));
    let job = start(&client, uuid, command).await;
    let outcome = match job {
        Ok(job) => {
            let deadline =
                tokio::time::Instant::now() + ring + Duration::from_millis(f.reply_timeout_ms);
            watch(
                &client,
                &mut events,
                uuid,
                &job,
                deadline,
                &mut cancel,
                &mut progress,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let _ = client.disconnect().await;
    outcome
}

/// Subscribes and sends the bgapi: its Job-UUID.
async fn start(client: &EslClient, uuid: &str, command: &str) -> Result<String, String> {
    let refused = |e: freeswitch_esl_tokio::EslError| format!("FreeSWITCH refused: {e}");
    client
        .subscribe_events_raw(EventFormat::Plain, EVENTS)
        .await
        .map_err(refused)?;
    client
        .filter_raw("Unique-ID", uuid)
        .await
        .map_err(refused)?;
    client
        .filter_raw("Job-Command", "originate")
        .await
        .map_err(refused)?;
    let reply = client.bgapi(command).await.map_err(refused)?;
    match reply.job_uuid() {
        Some(job) if reply.is_success() => Ok(job.to_owned()),
        _ => Err(reply.reply_text().unwrap_or("-ERR").to_owned()),
    }
}

/// Reads the originate's events until it is answered or failed.
async fn watch(
    client: &EslClient,
    events: &mut freeswitch_esl_tokio::EslEventStream,
    uuid: &str,
    job: &str,
    deadline: tokio::time::Instant,
    cancel: &mut watch::Receiver<bool>,
    progress: &mut impl FnMut(Progress),
) -> Result<(), String> {
    let mut created = false;
    let mut killed = false;
    let mut cancel_open = true;
    let mut told: Vec<Progress> = Vec::new();
    loop {
        let asked = *cancel.borrow();
        if asked && created && !killed {
            killed = true;
            info!("cancelling the created call's originate");
            let kill = format!("uuid_kill {uuid} ORIGINATOR_CANCEL");
            if let Err(e) = crate::freeswitch::command::api(client, &kill).await {
                debug!(error = %e, "the originate's channel is gone already");
            }
        }
        tokio::select! {
            event = events.recv() => {
                let event = match event {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => return Err(format!("the originate's connection failed: {e}")),
                    None => return Err("FreeSWITCH closed the originate's connection".into()),
                };
                match step(&event, uuid, job) {
                    Some(Step::Created) => created = true,
                    Some(Step::Progress(p)) if !told.contains(&p) => {
                        created = true;
                        told.push(p);
                        progress(p);
                    }
                    Some(Step::Answered) => return Ok(()),
                    Some(Step::Failed(reply)) => return Err(reply),
                    _ => {}
                }
            }
            changed = cancel.changed(), if cancel_open => cancel_open = changed.is_ok(),
            _ = tokio::time::sleep_until(deadline) => {
                return Err("FreeSWITCH did not answer the originate in time".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, headers: &[(&str, &str)], body: Option<&str>) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", name);
        for (k, v) in headers {
            e.set_header(*k, *v);
        }
        if let Some(b) = body {
            e.set_body(b);
        }
        e
    }

    #[test]
    fn the_channel_s_events_and_its_own_job_are_read_and_others_ignored() {
        let me = [("Unique-ID", "U")];
        assert_eq!(
            step(&event("CHANNEL_CREATE", &me, None), "U", "J"),
            Some(Step::Created)
        );
        assert_eq!(
            step(&event("CHANNEL_PROGRESS", &me, None), "U", "J"),
            Some(Step::Progress(RINGING))
        );
        assert_eq!(
            step(&event("CHANNEL_PROGRESS_MEDIA", &me, None), "U", "J"),
            Some(Step::Progress(EARLY_MEDIA))
        );
        assert_eq!(
            step(&event("CHANNEL_ANSWER", &me, None), "U", "J"),
            Some(Step::Answered)
        );
        let hangup = event(
            "CHANNEL_HANGUP_COMPLETE",
            &[("Unique-ID", "U"), ("Hangup-Cause", "USER_BUSY")],
            None,
        );
        assert_eq!(
            step(&hangup, "U", "J"),
            Some(Step::Failed("-ERR USER_BUSY".into()))
        );
        let mine = event(
            "BACKGROUND_JOB",
            &[("Job-UUID", "J")],
            Some("-ERR NO_ANSWER\n"),
        );
        assert_eq!(
            step(&mine, "U", "J"),
            Some(Step::Failed("-ERR NO_ANSWER".into()))
        );
        let ok = event("BACKGROUND_JOB", &[("Job-UUID", "J")], Some("+OK U\n"));
        assert_eq!(step(&ok, "U", "J"), Some(Step::Answered));
        let other = event("BACKGROUND_JOB", &[("Job-UUID", "K")], Some("+OK V\n"));
        assert_eq!(step(&other, "U", "J"), None, "another originate's result");
        let elsewhere = event("CHANNEL_ANSWER", &[("Unique-ID", "V")], None);
        assert_eq!(step(&elsewhere, "U", "J"), None);
    }
}
