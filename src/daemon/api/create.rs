//! createCall: `POST /v1/Accounts/{account_sid}/Calls`. The request is
//! read and compiled like a one-target dial; the call's UUID is chosen
//! here and reserved in the registry with what the call starts with; the
//! answer is `201 {"sid": <uuid>}` at once, and the originate runs in a
//! task:
//!
//! `originate {…origination_uuid=<uuid>…}<endpoint> '&socket(<listener>
//! async full)'` (docs/freeswitch.md §10). The socket connects only once
//! the callee answered, and the call then runs `call_hook`'s application
//! like any call (direction `outbound`). A callee that does not answer
//! makes the originate answer `-ERR <cause>` with no connection (§15):
//! the reservation is dropped and `call_status_hook` gets the outcome
//! (`busy`, `no-answer`, `failed`); `call_hook` is never asked.
//!
//! The originate is followed on an ESL connection of its own (`bgapi`,
//! the channel's events: `super::originate`), which reports `ringing` and
//! `early-media` to `call_status_hook` before the answer, and cancels the
//! call when the API is asked to, even before FreeSWITCH made its channel.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freeswitch_esl_tokio::HangupCause;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tracing::{Instrument, info, info_span, warn};

use super::ApiState;
use super::create_body;
use super::error::ApiError;
use crate::app::Hook;
use crate::call::origination::Origination;
use crate::config::Settings;
use crate::daemon::registry::Progress;
use crate::freeswitch::dialstring::compile;
use crate::webhook::{HookKind, Webhooks};

/// `POST .../Calls`.
pub(crate) async fn create(
    State(s): State<ApiState>,
    Path(_account_sid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("", format!("the body is not JSON: {e}")))?;
    let uuid = start(&s, &body)?;
    Ok((StatusCode::CREATED, Json(json!({"sid": uuid}))).into_response())
}

/// createCall for the `rest:dial` verb: the same reader, reservation and
/// originate as `POST .../Calls`.
impl crate::call::rest_dial_verb::Originator for ApiState {
    fn create(
        &self,
        body: Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + '_>>
    {
        Box::pin(async move {
            start(self, &body).map_err(|e| {
                let mut why = e.msg;
                for p in e.errors {
                    why.push_str(&format!("; {}: {}", p.pointer, p.message));
                }
                why
            })
        })
    }
}

/// Reads `body`, reserves the call's UUID and starts its originate: the
/// call_sid.
fn start(s: &ApiState, body: &Value) -> Result<String, ApiError> {
    let settings = s.settings.borrow().clone();
    let req = create_body::read(body, &settings.app_context())?;
    // Calls being placed count with the live ones against max_calls.
    if s.slots.live() + s.calls.reserved().len() >= s.slots.max() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "[listener] max_calls calls are live or being placed; retry later",
        ));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let compiled = compile(&req.dial, &settings, &mut || uuid.clone())
        .map_err(|e| ApiError::field("/to", e.to_string()))?;
    let command = format!(
        "originate {} '&socket({} async full)'",
        compiled.argument(),
        settings.listener.address
    );
    let shown = format!(
        "originate {} '&socket({} async full)'",
        compiled.masked_argument(),
        settings.listener.address
    );
    if s.calls
        .reserve_for(&uuid, Some(req.origination.clone()))
        .is_none()
    {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the chosen call_sid is taken; retry",
        ));
    }
    let ring = Duration::from_secs(u64::from(compiled.originate_timeout));
    let span = info_span!("call", call_sid = %uuid);
    let task = originate(
        s.clone(),
        settings,
        uuid.clone(),
        command,
        req.origination,
        ring,
    );
    info!(parent: &span, command = %shown, "REST API: creating a call");
    s.tasks.spawn(task.instrument(span));
    Ok(uuid)
}

/// Places the call, reports its progress, and, if it is never answered,
/// why. The status hook is posted by one task, in order: `trying`, then
/// `ringing` / `early-media` as the originate's events show them, then the
/// failure; `in-progress` and what follows come from the answered call's
/// own task (a progress not posted yet when the call is answered is
/// dropped; one being posted at that moment may reach the application just
/// after `in-progress`, as two requests in flight can).
async fn originate(
    s: ApiState,
    settings: Arc<Settings>,
    uuid: String,
    command: String,
    o: Origination,
    ring: Duration,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Progress>();
    let (answered_tx, answered) = watch::channel(false);
    let poster = o.call_status_hook.clone().map(Hook::from).map(|hook| {
        let hooks = Webhooks::new(s.http.clone(), &o.settings(&settings));
        let (settings, uuid, o) = (settings.clone(), uuid.clone(), o.clone());
        s.tasks.spawn(async move {
            while let Some(p) = rx.recv().await {
                // Once answered, the call's own task reports in-progress: a
                // ringing not sent yet would come after it.
                if *answered.borrow() {
                    continue;
                }
                let payload = payload(&settings, &uuid, &o, p.call_status, p.sip_status);
                if let Err(e) = hooks.send(HookKind::Status, &hook, &payload).await {
                    warn!(error = %e, call_status = p.call_status, "call_status_hook failed");
                }
            }
        })
    });
    let _ = tx.send(Progress::TRYING);
    let cancel = s
        .calls
        .cancellation(&uuid)
        .unwrap_or_else(|| watch::channel(false).1);
    let progressed = |p: Progress| {
        info!(call_status = p.call_status, "the created call progressed");
        s.calls.progressed(&uuid, p);
        let _ = tx.send(p);
    };
    let result =
        super::originate::follow(&settings, &uuid, &command, ring, cancel, progressed).await;
    match result {
        Ok(()) => {
            answered_tx.send_replace(true);
            info!("the created call was answered; its application runs on its socket");
        }
        Err(reply) => {
            s.calls.release(&uuid);
            let (call_status, sip_status) = outcome(&reply);
            info!(reply = %reply, call_status, "the created call was not answered");
            let _ = tx.send(Progress {
                call_status,
                sip_status,
            });
        }
    }
    drop(tx);
    if let Some(p) = poster {
        let _ = p.await;
    }
}

/// The call status and SIP code for an originate's `-ERR <cause>`.
pub(crate) fn outcome(reply: &str) -> (&'static str, u16) {
    let cause = reply
        .trim()
        .strip_prefix("-ERR")
        .map(str::trim)
        .and_then(|c| c.parse::<HangupCause>().ok());
    match cause {
        Some(HangupCause::UserBusy) => ("busy", 486),
        Some(HangupCause::NoAnswer) => ("no-answer", 480),
        Some(HangupCause::NoUserResponse) => ("no-answer", 408),
        Some(HangupCause::OriginatorCancel) => ("no-answer", 487),
        Some(HangupCause::CallRejected) => ("failed", 603),
        Some(HangupCause::UnallocatedNumber) => ("failed", 404),
        _ => ("failed", 503),
    }
}

/// The fields of a status hook for a call that has no task (not answered).
pub(crate) fn payload(
    settings: &Settings,
    uuid: &str,
    o: &Origination,
    call_status: &str,
    sip_status: u16,
) -> Value {
    let mut p = json!({
        "call_sid": uuid,
        "direction": "outbound",
        "from": o.from,
        "to": o.to,
        "caller_name": o.caller_name.as_deref().unwrap_or(&o.from),
        "call_status": call_status,
        "sip_status": sip_status,
        "timestamp": crate::call::status::rfc3339(std::time::SystemTime::now()),
    });
    if let Some(a) = &settings.app.account_sid {
        p["account_sid"] = json!(a);
    }
    if let Some(a) = &settings.app.application_sid {
        p["application_sid"] = json!(a);
    }
    if let Some(t) = &o.tag {
        p["customerData"] = Value::Object(t.clone());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originate_failures_become_the_call_status_applications_expect() {
        assert_eq!(outcome("-ERR USER_BUSY"), ("busy", 486));
        assert_eq!(outcome("-ERR NO_ANSWER\n"), ("no-answer", 480));
        assert_eq!(outcome("-ERR ORIGINATOR_CANCEL"), ("no-answer", 487));
        assert_eq!(outcome("-ERR NORMAL_TEMPORARY_FAILURE"), ("failed", 503));
        assert_eq!(outcome("cannot reach FreeSWITCH"), ("failed", 503));
    }
}
