//! The verb loop of one call: ask `call_hook` what to do, run the verbs in
//! order, let hooks replace what is left (jambonz semantics), and end the
//! call cleanly — FreeSWITCH's channel is always hung up by dialbridge with
//! the cause it chose before the socket closes (docs/freeswitch.md §8).

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::json;
use tracing::{Instrument, info, info_span, warn};

use super::info::CallInfo;
use super::status::StatusNotifier;
use super::verbs::{self, Next};
use super::{Call, Engine, dial};
use crate::app::{Instruction, Verb};
use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::socket::CallSocket;
use crate::webhook::HookKind;

/// Runs a new call to its end.
pub async fn run(socket: CallSocket, data: ChannelData, engine: Arc<Engine>) {
    let span = info_span!("call", call_sid = %data.uuid);
    run_call(socket, data, engine).instrument(span).await
}

async fn run_call(socket: CallSocket, data: ChannelData, engine: Arc<Engine>) {
    let settings = engine.settings.borrow().clone();
    let hooks = engine.webhooks(&settings);
    engine.metrics.call_started();
    info!(from = %data.from, to = %data.to, direction = %data.direction, "new call");
    let mut call = Call {
        socket,
        info: CallInfo {
            channel: data,
            account_sid: settings.app.account_sid.clone(),
            application_sid: settings.app.application_sid.clone(),
            customer_data: None,
        },
        status: StatusNotifier::new(
            &hooks,
            settings.app.call_status_hook.clone().map(Into::into),
            &engine.tasks,
        ),
        media: engine.media_cache(&settings.media),
        hooks,
        settings,
        engine,
        pending_refusal: None,
    };
    if let Err(e) = call.socket.subscribe().await {
        warn!(error = %e, "cannot set up the call's socket");
        end(&mut call, Ending::Reject).await;
        return;
    }
    call.sync_status();
    let hook = call.hooks.call_hook().clone();
    let payload = call.payload(json!({}));
    let ending = match call.fetch(HookKind::Call, &hook, payload).await {
        Ok(verbs) => {
            run_verbs(&mut call, verbs.unwrap_or_default()).await;
            Ending::Normal
        }
        Err(_) => Ending::Reject,
    };
    end(&mut call, ending).await;
}

/// Runs verbs until they run out, one ends the call, or the caller leaves.
pub async fn run_verbs(call: &mut Call, verbs: Vec<Instruction>) {
    let mut queue: VecDeque<Instruction> = verbs.into();
    while let Some(ins) = queue.pop_front() {
        if call.socket.over() {
            break;
        }
        call.pending_refusal = None;
        info!(
            verb = ins.verb.name(),
            id = ins.id.as_deref().unwrap_or(""),
            "verb"
        );
        let next = match &ins.verb {
            Verb::Dial(d) => dial::run(call, d, ins.id.as_deref()).await,
            other => verbs::run(call, other).await,
        };
        call.sync_status();
        match next {
            Next::Continue => {}
            Next::Replace(verbs) => queue = verbs.into(),
            Next::End => break,
        }
    }
}

/// How the application ended.
enum Ending {
    /// The verbs ran out or ended the call.
    Normal,
    /// The application could not be fetched or was invalid.
    Reject,
}

/// Hangs the caller up with the cause chosen, waits for the channel to be
/// gone, reports the final status and closes the socket — all within
/// bounded time ([`CallSocket::end_with`]). A caller still bridged when its
/// socket died is left to FreeSWITCH, which keeps the bridge up, and
/// followed over the control connection until it ends.
async fn end(call: &mut Call, ending: Ending) {
    if let Some(why) = call.socket.broken() {
        warn!(reason = %why, "the call's socket failed; ending the call around it");
    }
    if call.socket.dead() && call.socket.state().bridged && !call.socket.hung_up() {
        call.socket.follow_bridge_over_control().await;
    }
    if !call.socket.hung_up() {
        let unanswered = call.socket.state().answered.is_none();
        let (app, arg) = match (ending, call.pending_refusal.take()) {
            (Ending::Reject, _) if unanswered => {
                ("respond", call.settings.app.reject_status.to_string())
            }
            (Ending::Reject, _) => ("hangup", "NORMAL_TEMPORARY_FAILURE".to_owned()),
            (Ending::Normal, Some(r)) if unanswered => match r.cause {
                Some(cause) => ("hangup", cause.to_string()),
                None => ("respond", r.sip_status.to_string()),
            },
            // The socket failed under a call that was not over: FreeSWITCH
            // is told it was a temporary failure (503 / Q.850 41).
            (Ending::Normal, _) if call.socket.broken().is_some() => {
                ("hangup", "NORMAL_TEMPORARY_FAILURE".to_owned())
            }
            (Ending::Normal, _) => ("hangup", "NORMAL_CLEARING".to_owned()),
        };
        info!(app, arg = %arg, "ending the call");
        call.socket.end_with(app, &arg).await;
    }
    call.socket.wait_hangup().await;
    call.sync_status();
    if let Some(h) = &call.socket.state().hangup {
        info!(cause = %h.cause, sip_status = h.sip_status.unwrap_or_default(), "call ended");
    }
    let (status, _) = super::info::CallStatus::of(call.socket.state());
    call.engine.metrics.call_ended(status.as_str());
    call.socket.close().await;
}
