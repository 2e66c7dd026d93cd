//! A dial's set-up on the caller's leg, before any target rings
//! (docs/freeswitch.md §1–§4, §12): a filter for every leg's events, the
//! A-leg variables the outcome needs, the caller's media (ringback, answer
//! or ring_ready), the screened legs announced to the listener, then the
//! `bridge` itself — started, not awaited: the live phase ([`super::live`])
//! follows it.
//!
//! The set-up applications are pipelined (§17): all of them and the
//! `bridge` are queued back to back, and FreeSWITCH runs them together one
//! frame (~20 ms) later, instead of one frame per awaited application.
//! Their completions are confirmed once the `bridge` is on the wire; a step
//! that fails there (the caller hung up, FreeSWITCH lost track of the
//! channel) fails the dial as an awaited one did, and the call is ended
//! around the bridge it queued; a socket that died meanwhile is left to the
//! live phase, which reports such a dial as it does when the socket dies
//! later. `filter` and `api` commands are answered at
//! once and stay awaited.

use std::time::Instant;

use tokio::sync::mpsc;

use super::screening::Arrival;
use crate::app::Dial;
use crate::call::Call;
use crate::call::recording::dial::DialRecording;
use crate::freeswitch::dialstring::CompiledDial;
use crate::freeswitch::pipeline::Batch;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// A bridge started on the caller: the Event-UUID its completion will
/// carry, and where its screening connections will arrive.
pub struct Placed {
    /// The `bridge` application's Event-UUID.
    pub(crate) bridge: String,
    /// Screening connections of its screened legs.
    pub arrivals: mpsc::Receiver<Arrival>,
}

/// Sets the caller up for `compiled` and starts the bridge; `asked` is when
/// the dial verb started (right after the hook's reply was read, when the
/// dial is its first verb): the time to the `bridge` on the wire is
/// `dialbridge_dial_setup_seconds`.
pub async fn place(
    call: &mut Call,
    dial: &Dial,
    compiled: &CompiledDial,
    asked: Instant,
    recording: Option<&DialRecording>,
) -> Result<Placed, SocketError> {
    for leg in &compiled.legs {
        call.socket.watch_leg(&leg.uuid).await?;
    }
    forward_no_caller_headers(call).await?;
    let music = dial_music(call, dial).await;
    let mut batch = Batch::new();
    for var in [
        "continue_on_fail=true",
        "hangup_after_bridge=false",
        "sip_ignore_remote_cause=true",
    ] {
        call.socket.queue(&mut batch, "set", Some(var)).await?;
    }
    for var in ["originate_causes", "originated_legs"] {
        call.socket.queue(&mut batch, "unset", Some(var)).await?;
    }
    prepare_media(call, dial, music.as_deref(), &mut batch).await?;
    if let Some(r) = recording {
        r.queue(call, &mut batch).await?;
    }
    if dial.hangup_on_star {
        // switch_ivr_bridge.c: the caller's `bridge_terminate_key` ends the
        // bridge; the callee is hung up and the caller goes on. Unset after
        // the dial (`super::forget_terminate_key`).
        call.socket
            .queue(&mut batch, "set", Some("bridge_terminate_key=*"))
            .await?;
    }
    // One place per screened leg: each connects once (overflow policy in
    // `Screenings::deliver`: a connection that finds no room is declined).
    let screened = compiled.legs.iter().filter(|l| l.screened).count();
    let (arrival_tx, arrivals) = mpsc::channel(screened.max(1));
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        call.engine.screenings.expect(&leg.uuid, arrival_tx.clone());
    }
    drop(arrival_tx);
    let confirmed = match call.socket.start("bridge", Some(compiled.argument())).await {
        Ok(bridge) => {
            call.engine.metrics.dial_setup(asked.elapsed());
            match call.socket.confirm(batch).await {
                Ok(_) => Ok(bridge),
                // The socket died with the bridge on the wire: the live
                // phase reports that dial honestly (`dial_error`) and ends
                // the caller around the socket, as when it dies later.
                Err(_) if call.socket.dead() => Ok(bridge),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match confirmed {
        Ok(bridge) => Ok(Placed { bridge, arrivals }),
        Err(e) => {
            for leg in compiled.legs.iter().filter(|l| l.screened) {
                call.engine.screenings.forget(&leg.uuid);
            }
            Err(e)
        }
    }
}

/// Stops FreeSWITCH copying the caller's `sip_h_*` variables (its INVITE's
/// X- headers, or a dialplan's) onto the legs: a caller's
/// `X-Dialbridge-Route: teams` would steer a leg at Kamailio (docs/freeswitch.md
/// §12). mod_sofia reads `sip_copy_custom_headers` on the originating
/// channel only; the headers the application asked for and dialbridge's own
/// travel in the dial string's `{…}`/`[…]` blocks and are unaffected. An API
/// command, answered once the variable is set: no awaited application
/// (§17). Fails closed: without it the dial is not placed.
async fn forward_no_caller_headers(call: &Call) -> Result<(), SocketError> {
    let command = format!(
        "uuid_setvar {} sip_copy_custom_headers false",
        call.socket.uuid()
    );
    call.socket.api(&command).await.map(|_| ())
}

/// The local file of the dial's `dialMusic`, fetched before anything is
/// queued (a failed fetch is reported; the dial goes on without it).
async fn dial_music(call: &mut Call, dial: &Dial) -> Option<String> {
    let url = dial.dial_music.as_ref()?;
    match call.media.local_path(url).await {
        Ok(p) => Some(p.display().to_string()),
        Err(e) => {
            call.report(HookKind::Call, url, &e.to_string(), &[]);
            None
        }
    }
}

/// Ringback, answer or ring_ready, media path — on the caller, before the
/// bridge, queued in `batch`.
async fn prepare_media(
    call: &mut Call,
    dial: &Dial,
    music: Option<&str>,
    batch: &mut Batch,
) -> Result<(), SocketError> {
    let answered = call.socket.state().answered.is_some();
    let mut vars = Vec::new();
    match music {
        Some(path) => {
            vars.push(format!("ringback={path}"));
            vars.push(format!("transfer_ringback={path}"));
        }
        None if !call.settings.dial.ringback.is_empty() && (answered || !dial.answer_on_bridge) => {
            vars.push(format!("transfer_ringback={}", call.settings.dial.ringback));
        }
        None => {}
    }
    if dial.exit_media_path {
        vars.push("bypass_media_after_bridge=true".to_owned());
    }
    for var in &vars {
        call.socket.queue(batch, "set", Some(var)).await?;
    }
    if !answered {
        let app = match (dial.answer_on_bridge, music.is_some()) {
            (false, _) => "answer",
            (true, true) => "pre_answer",
            (true, false) => "ring_ready",
        };
        call.socket.queue(batch, app, None).await?;
    }
    Ok(())
}
