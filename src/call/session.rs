//! The verb loop of one call: ask `call_hook` what to do, run the verbs in
//! order, let hooks replace what is left (jambonz semantics), and end the
//! call cleanly — FreeSWITCH's channel is always hung up by dialbridge with
//! the cause it chose before the socket closes (docs/freeswitch.md §8).

use std::collections::VecDeque;
use std::sync::Arc;

use freeswitch_esl_tokio::HangupCause;
use serde_json::{Map, json};
use tokio::sync::watch;
use tracing::{Instrument, info, info_span, warn};

use super::handle::{Commands, Steering};
use super::info::CallInfo;
use super::origination::Origination;
use super::status::StatusNotifier;
use super::verbs::{self, Next};
use super::{Call, Engine, dial};
use crate::app::{Instruction, Verb};
use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::ending::Finish;
use crate::freeswitch::socket::CallSocket;
use crate::webhook::HookKind;

/// Runs a new call to its end, serving the commands of its handle
/// (`commands`: the receiving end the daemon's registry gave it).
pub(crate) async fn run(
    socket: CallSocket,
    data: ChannelData,
    engine: Arc<Engine>,
    commands: Option<Commands>,
    origination: Option<Origination>,
) {
    let span = info_span!("call", call_sid = %data.uuid);
    run_call(socket, data, engine, commands, origination)
        .instrument(span)
        .await
}

async fn run_call(
    socket: CallSocket,
    data: ChannelData,
    engine: Arc<Engine>,
    commands: Option<Commands>,
    origination: Option<Origination>,
) {
    let settings = engine.settings.borrow().clone();
    // A call the REST API created runs with the request's hooks.
    let settings = match &origination {
        Some(o) => Arc::new(o.settings(&settings)),
        None => settings,
    };
    let hooks = engine.webhooks(&settings);
    engine.metrics.call_started();
    info!(from = %data.from, to = %data.to, direction = %data.direction, "new call");
    let (view, view_rx) = watch::channel(Map::new());
    let mut steering = match commands {
        Some(rx) => Steering::new(rx, view_rx),
        None => Steering::unreachable(view_rx),
    };
    steering.reach(socket.commander(), socket.uuid());
    let mut call = Call {
        socket,
        info: CallInfo {
            channel: data,
            account_sid: settings.app.account_sid.clone(),
            application_sid: settings.app.application_sid.clone(),
            customer_data: None,
        },
        status: match (
            StatusNotifier::new(
                &hooks,
                settings.app.call_status_hook.clone().map(Into::into),
                &engine.tasks,
            ),
            &origination,
        ) {
            (n, Some(_)) => n.posted_before(super::info::CallStatus::Trying),
            (n, None) => n,
        },
        media: engine.media_cache(&settings.media),
        hooks,
        settings,
        engine,
        pending_refusal: None,
        defaults: Default::default(),
        background: Default::default(),
        view,
    };
    call.background.interrupts = Some(steering.interrupter());
    call.background.listens = steering.listens();
    if let Some(o) = &origination {
        o.apply(&mut call.info);
    }
    if let Err(e) = Box::pin(call.socket.subscribe()).await {
        warn!(error = %e, "cannot set up the call's socket");
        Box::pin(end(&mut call, Ending::Reject, &steering)).await;
        return;
    }
    call.sync_status();
    if let Some(secs) = origination.as_ref().and_then(|o| o.time_limit) {
        limit_duration(&call, secs).await;
    }
    // createCall's `amd`: detection on the answered call itself.
    if let Some(amd) = origination.as_ref().and_then(|o| o.amd.as_ref()) {
        super::config_verb::start_background_amd(&call, amd);
    }
    let hook = call.hooks.call_hook().clone();
    let payload = call.payload(json!({}));
    // Boxed, like every branch a bridged call is not in: the call's task
    // then holds only what its live phase needs (README "Sizing a node").
    let fetched = Box::pin(steering.serve(call.fetch(HookKind::Call, &hook, payload))).await;
    let ending = match fetched {
        Ok(verbs) => {
            run_verbs(&mut call, verbs.unwrap_or_default(), &mut steering).await;
            Ending::Normal
        }
        Err(_) => Ending::Reject,
    };
    Box::pin(end(&mut call, ending, &steering)).await;
}

/// createCall's `timeLimit`: FreeSWITCH hangs the call up `secs` after now
/// (mod_commands' `sched_hangup`; an API command, no frame). A refusal is
/// logged: the call goes on without a limit rather than not at all.
async fn limit_duration(call: &Call, secs: u32) {
    let cmd = format!(
        "sched_hangup +{secs} {} ALLOTTED_TIMEOUT",
        call.socket.uuid()
    );
    match call.socket.api(&cmd).await {
        Ok(_) => info!(secs, "the call's time limit is set"),
        Err(e) => warn!(error = %e, "could not set the call's time limit"),
    }
}

/// Runs verbs until they run out, one ends the call, the caller leaves, or
/// the call's handle hangs it up.
pub(crate) async fn run_verbs(call: &mut Call, verbs: Vec<Instruction>, steering: &mut Steering) {
    let mut queue: VecDeque<Instruction> = verbs.into();
    loop {
        if call.socket.over() || steering.hangup().is_some() {
            break;
        }
        // A redirect through the handle (the REST API's updateCall
        // `call_hook`): what was left of the application is dropped and the
        // new hook's application runs, asked for like `call_hook`.
        if let Some(hook) = steering.take_redirect() {
            info!(hook = %crate::secret::masked(&hook.url), "redirected through the call's handle");
            let payload = call.payload(json!({}));
            match Box::pin(steering.serve(call.fetch(HookKind::Redirect, &hook, payload))).await {
                Ok(verbs) => queue = verbs.unwrap_or_default().into(),
                Err(_) => break,
            }
            continue;
        }
        // An application a background feature fetched (config's bargeIn,
        // sipRequestWithinDialogHook) replaces what was left.
        if let Some(verbs) = steering.take_replacement() {
            info!(
                verbs = verbs.len(),
                "a background feature's application replaces the rest"
            );
            queue = verbs.into();
            continue;
        }
        let Some(ins) = queue.pop_front() else { break };
        call.pending_refusal = None;
        info!(
            verb = ins.verb.name(),
            id = ins.id.as_deref().unwrap_or(""),
            "verb"
        );
        let next = match &ins.verb {
            Verb::Dial(d) => dial::run(call, d, ins.id.as_deref(), steering).await,
            Verb::Conference(c) => Box::pin(super::conference_verb::run(call, c, steering)).await,
            // Boxed: a dial's live phase does not carry the other verbs' state.
            other => Box::pin(steering.serve(verbs::run(call, other))).await,
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
/// tracked over the control connection until it ends. A caller the handle
/// hung up is only waited for.
async fn end(call: &mut Call, ending: Ending, steering: &Steering) {
    if let Some(why) = call.socket.broken() {
        warn!(reason = %why, "the call's socket failed; ending the call around it");
    }
    if call.socket.dead() && call.socket.state().bridged && !call.socket.hung_up() {
        call.socket.track_bridge_over_control().await;
    }
    if !call.socket.hung_up() && steering.hangup().is_none() {
        let unanswered = call.socket.state().answered.is_none();
        let finish = match (ending, call.pending_refusal.take()) {
            (Ending::Reject, _) if unanswered => Finish::respond(call.settings.app.reject_status),
            (Ending::Reject, _) => Finish::Hangup(HangupCause::NormalTemporaryFailure),
            (Ending::Normal, Some(r)) if unanswered => match r.cause {
                Some(cause) => Finish::Hangup(cause),
                None => Finish::respond(r.sip_status),
            },
            // The socket failed under a call that was not over: FreeSWITCH
            // is told it was a temporary failure (503 / Q.850 41).
            (Ending::Normal, _) if call.socket.broken().is_some() => {
                Finish::Hangup(HangupCause::NormalTemporaryFailure)
            }
            (Ending::Normal, _) => Finish::Hangup(HangupCause::NormalClearing),
        };
        info!(app = finish.app(), arg = %finish.arg(), "ending the call");
        call.socket.end_with(&finish).await;
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
