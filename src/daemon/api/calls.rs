//! The handlers of `/v1/Accounts/{account_sid}/Calls[/{call_sid}]`: list,
//! retrieve, update (one action) and hang up live calls.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tracing::info;

use super::ApiState;
use super::error::ApiError;
use super::update::{self, Update};
use crate::call::handle::{
    CallHandle, CommandError, ConferenceAction, ConferenceRefusal, HangupCause, ListenStatusError,
    Snapshot,
};

/// How long a call may take to answer a snapshot (it answers between two
/// events; longer means it is stuck or ending).
pub(crate) const SNAPSHOT_WAIT: Duration = Duration::from_secs(2);

/// The query fields of the list route.
pub(crate) const LIST_FILTERS: &[&str] = &["direction", "call_status"];

/// `GET .../Calls`: the live calls, filtered by `direction` and
/// `call_status` when given.
pub(crate) async fn list(
    State(s): State<ApiState>,
    Path(_account_sid): Path<String>,
    Query(filter): Query<HashMap<String, String>>,
) -> Response {
    let mut out = Vec::new();
    for handle in s.calls.live() {
        let Ok(Ok(snapshot)) = tokio::time::timeout(SNAPSHOT_WAIT, handle.snapshot()).await else {
            continue;
        };
        let view = view(snapshot);
        let keep = LIST_FILTERS.iter().all(|f| match filter.get(*f) {
            Some(want) => view.get(*f).and_then(Value::as_str) == Some(want.as_str()),
            None => true,
        });
        if keep {
            out.push(Value::Object(view));
        }
    }
    let settings = s.settings.borrow().clone();
    for r in s.calls.reserved() {
        let Some(o) = &r.origination else { continue };
        let p = r.progress;
        let view = super::create::payload(&settings, &r.call_sid, o, p.call_status, p.sip_status);
        let keep = LIST_FILTERS.iter().all(|f| match filter.get(*f) {
            Some(want) => view.get(*f).and_then(Value::as_str) == Some(want.as_str()),
            None => true,
        });
        if keep {
            out.push(view);
        }
    }
    out.sort_by(|a, b| a["call_sid"].as_str().cmp(&b["call_sid"].as_str()));
    Json(Value::Array(out)).into_response()
}

/// `GET .../Calls/{call_sid}`: the call's hook fields, and `dial_legs`
/// while a dial rings or is bridged.
pub(crate) async fn retrieve(
    State(s): State<ApiState>,
    Path((_account_sid, call_sid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if let Some(r) = s.calls.being_created(&call_sid)
        && let Some(o) = &r.origination
    {
        let settings = s.settings.borrow().clone();
        let p = r.progress;
        return Ok(Json(super::create::payload(
            &settings,
            &call_sid,
            o,
            p.call_status,
            p.sip_status,
        ))
        .into_response());
    }
    let handle = live(&s, &call_sid)?;
    match tokio::time::timeout(SNAPSHOT_WAIT, handle.snapshot()).await {
        Ok(Ok(snapshot)) => Ok(Json(Value::Object(view(snapshot))).into_response()),
        _ => Err(ApiError::unknown_call(&call_sid)),
    }
}

/// `DELETE .../Calls/{call_sid}`: hangs the call up (NORMAL_CLEARING);
/// 204 once FreeSWITCH accepted it.
pub(crate) async fn hangup(
    State(s): State<ApiState>,
    Path((_account_sid, call_sid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    end(&s, &call_sid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST` (or `PUT`) `.../Calls/{call_sid}`: one action; 202 once
/// FreeSWITCH accepted it.
pub(crate) async fn update(
    State(s): State<ApiState>,
    Path((_account_sid, call_sid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("", format!("the body is not JSON: {e}")))?;
    let action = update::parse(&body)?;
    match action {
        Update::Hangup => end(&s, &call_sid).await?,
        Update::CancelRinging if being_created(&s, &call_sid).is_some() => {
            cancel(&s, &call_sid).await?
        }
        Update::CancelRinging => {
            return Err(match s.calls.lookup(&call_sid) {
                None => ApiError::unknown_call(&call_sid),
                Some(_) => ApiError::conflict(
                    "call is not ringing: it is answered (an outbound call runs its \
                     application once answered); hang it up with call_status \"completed\"",
                ),
            });
        }
        Update::Redirect(hook) => {
            let handle = live(&s, &call_sid)?;
            info!(call_sid = %call_sid, hook = %crate::secret::masked(&hook.url), "REST API: redirect");
            handle
                .redirect(hook)
                .await
                .map_err(|e| refused(&call_sid, e))?;
        }
        Update::Mute(on) => {
            let handle = live(&s, &call_sid)?;
            let uuid = handle.call_sid();
            let cmd = if on {
                format!("uuid_audio {uuid} start read mute 1")
            } else {
                format!("uuid_audio {uuid} stop")
            };
            control(&s, &cmd).await?;
        }
        Update::ConfMute(on) => conference(&s, &call_sid, ConferenceAction::MuteOthers(on)).await?,
        Update::ConfHold(on) => conference(&s, &call_sid, ConferenceAction::Hold(on)).await?,
        Update::ListenStatus(paused) => {
            let handle = live(&s, &call_sid)?;
            info!(call_sid = %call_sid, paused, "REST API: listen_status");
            handle.listen_status(paused).await.map_err(|e| match e {
                ListenStatusError::NoListen => ApiError::conflict(e.to_string()),
                ListenStatusError::Ended => ApiError::unknown_call(&call_sid),
            })?;
        }
        Update::Whisper(verb) => {
            let settings = s.settings.borrow().clone();
            let whisper = super::whisper::read(&verb, &settings.app_context())?;
            let handle = live(&s, &call_sid)?;
            super::whisper::run(&s, &handle, whisper).await?;
        }
        Update::Dtmf {
            digits,
            duration_ms,
        } => {
            let handle = live(&s, &call_sid)?;
            // Digits checked by update::parse: 0-9 * # A-D only.
            let cmd = format!(
                "uuid_send_dtmf {} {digits}@{duration_ms}",
                handle.call_sid()
            );
            control(&s, &cmd).await?;
        }
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

/// Steers the conference `call_sid` is in (updateCall's `conf_*`): 409
/// when it is in none.
async fn conference(
    s: &ApiState,
    call_sid: &str,
    action: ConferenceAction,
) -> Result<(), ApiError> {
    let handle = live(s, call_sid)?;
    info!(call_sid = %call_sid, ?action, "REST API: conference");
    handle.conference(action).await.map_err(|e| match e {
        ConferenceRefusal::NotInConference(why) => {
            ApiError::conflict(format!("call is not in a conference: {why}"))
        }
        ConferenceRefusal::Command(e) => refused(call_sid, e),
    })
}

/// The handle of the live call `call_sid`; 404 when there is none, 409
/// while it is still being created.
fn live(s: &ApiState, call_sid: &str) -> Result<CallHandle, ApiError> {
    match s.calls.lookup(call_sid) {
        Some((handle, false)) => Ok(handle),
        Some((_, true)) => Err(ApiError::conflict(
            "call is not answered yet: it is still being placed",
        )),
        None => Err(ApiError::unknown_call(call_sid)),
    }
}

/// Whether the API is creating `call_sid` (its originate is in flight).
fn being_created(s: &ApiState, call_sid: &str) -> Option<crate::daemon::registry::Reserved> {
    s.calls
        .being_created(call_sid)
        .filter(|r| r.origination.is_some())
}

/// Cancels the originate of `call_sid` (a UUID the registry holds): the
/// originate's task kills its channel ORIGINATOR_CANCEL, at once if
/// FreeSWITCH made it already, else as soon as it does; the originate then
/// fails and the status hook says `no-answer` (487). Accepted either way:
/// a call being placed can always be cancelled.
async fn cancel(s: &ApiState, call_sid: &str) -> Result<(), ApiError> {
    info!(call_sid = %call_sid, "REST API: cancelling a call being placed");
    if !s.calls.cancel_reserved(call_sid) {
        return Err(ApiError::unknown_call(call_sid));
    }
    // Answered but its socket not connected yet, the originate's task is
    // done: the kill goes through the control connection too (refused when
    // the channel does not exist yet, which the task then handles).
    if let Err(e) = control(s, &format!("uuid_kill {call_sid} ORIGINATOR_CANCEL")).await {
        tracing::debug!(call_sid = %call_sid, error = %e.msg, "no channel to kill yet");
    }
    Ok(())
}

/// Hangs `call_sid` up through its handle, or cancels it while it is
/// being placed.
async fn end(s: &ApiState, call_sid: &str) -> Result<(), ApiError> {
    if being_created(s, call_sid).is_some() {
        return cancel(s, call_sid).await;
    }
    let handle = live(s, call_sid)?;
    info!(call_sid = %call_sid, "REST API: hangup");
    handle
        .hangup(HangupCause::NormalClearing)
        .await
        .map_err(|e| refused(call_sid, e))
}

/// Runs `cmd` on the control connection; its reply must be `+OK`.
pub(crate) async fn control(s: &ApiState, cmd: &str) -> Result<(), ApiError> {
    match s.control.api(cmd).await {
        Ok(_) => Ok(()),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("FreeSWITCH refused the command: {e}"),
        )),
    }
}

fn refused(call_sid: &str, e: CommandError) -> ApiError {
    match e {
        CommandError::Ended => ApiError::unknown_call(call_sid),
        CommandError::Refused(why) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("FreeSWITCH refused the command: {why}"),
        ),
    }
}

/// A snapshot as the API shows it: the hook fields, plus `dial_legs`.
fn view(snapshot: Snapshot) -> Map<String, Value> {
    let mut call = snapshot.call;
    if let Some(legs) = snapshot.dial {
        call.insert(
            "dial_legs".into(),
            serde_json::to_value(legs).unwrap_or(Value::Null),
        );
    }
    call
}
