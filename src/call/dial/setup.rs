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
//!
//! What needs no application is not one (§17): the A-leg variables whose
//! values are dialbridge's own go out as one `api uuid_setvar_multi`, and
//! `ring_ready` as `api uuid_ring_ready`, both acted on before the reply
//! comes, so before the `bridge` is even sent. Each application costs
//! FreeSWITCH a CHANNEL_EXECUTE_COMPLETE carrying every channel variable
//! (5–7 KiB) to build, send and parse, and the socket a round trip: the
//! set-up of a dial with `answerOnBridge` was six applications and two API
//! commands, and is now two API commands and the `bridge`. Values that come
//! from the configuration or the application (`ringback` paths, tone
//! strings holding `;`) stay `set` applications.

use std::time::Instant;

use tokio::sync::mpsc;

use super::refer::TRANSFER_DIALPLAN;
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
    // What needs no application goes out at once, in one write: the legs'
    // filters, the caller's variables, and the 180 of a dial that answers
    // on bridge without music (a dial with music rings once its file is
    // ready, below).
    let legs: Vec<&str> = compiled.legs.iter().map(|l| l.uuid.as_str()).collect();
    let mut apis = vec![caller_variables(call.socket.uuid(), dial)];
    let ring_now = ring_ready_at_once(call, dial);
    if ring_now {
        apis.push(ring_ready(call));
    }
    call.socket.set_up(&legs, &apis).await?;
    let music = dial_music(call, dial).await;
    let mut batch = Batch::new();
    prepare_media(call, dial, music.as_deref(), ring_now, &mut batch).await?;
    if let Some(r) = recording {
        r.queue(call, &mut batch).await?;
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

/// Whether the caller's 180 needs nothing but `uuid_ring_ready`, sent
/// with the set-up's other API commands: an unanswered caller, a dial that
/// answers on bridge and plays no music.
fn ring_ready_at_once(call: &Call, dial: &Dial) -> bool {
    call.socket.state().answered.is_none() && dial.answer_on_bridge && dial.dial_music.is_none()
}

/// `uuid_ring_ready` for the caller: a 180, signalling only (no media to
/// negotiate on the channel's own thread, so no application, §17).
fn ring_ready(call: &Call) -> String {
    format!("uuid_ring_ready {}", call.socket.uuid())
}

/// The caller's variables a dial needs whose values are dialbridge's own,
/// as one `uuid_setvar_multi` (an empty value unsets, as `uuid_setvar`
/// without one), sent with the set-up's other API commands
/// ([`crate::freeswitch::socket::CallSocket::set_up`]): FreeSWITCH sets
/// them before it replies, so before the `bridge` is sent. Fails closed:
/// without them the dial is not placed.
///
/// - `sip_copy_custom_headers=false`: FreeSWITCH copies the caller's
///   `sip_h_*` variables (its INVITE's X- headers, or a dialplan's) onto
///   the legs unless told not to, and a caller's `X-Dialbridge-Route:
///   teams` would steer a leg at Kamailio (docs/freeswitch.md §12). mod_sofia
///   reads it on the originating channel only; the headers the application
///   asked for and dialbridge's own travel in the dial string's `{…}`/`[…]`
///   blocks and are unaffected.
/// - `continue_on_fail`, `hangup_after_bridge`, `sip_ignore_remote_cause`:
///   the caller outlives a failed or ended bridge, and a leg's SIP status
///   is not sent to the caller (§1–§4).
/// - `originate_causes=`, `originated_legs=`: a previous dial's results
///   are unset, so this dial's are its own.
/// - `force_transfer_dialplan=inline:park`: a callee's REFER parks the
///   caller on this socket instead of transferring it into FreeSWITCH's
///   dialplan (`super::refer`, §11).
/// - `bypass_media_after_bridge=true` (`exitMediaPath`) and
///   `bridge_terminate_key=*` (`hangupOnStar`: switch_ivr_bridge.c ends
///   the bridge on the caller's `*`, hangs the callee up and the caller
///   goes on; unset after the dial, `super::forget_terminate_key`).
fn caller_variables(uuid: &str, dial: &Dial) -> String {
    let mut vars = vec![
        "sip_copy_custom_headers=false",
        "continue_on_fail=true",
        "hangup_after_bridge=false",
        "sip_ignore_remote_cause=true",
        "originate_causes=",
        "originated_legs=",
    ];
    if dial.exit_media_path {
        vars.push("bypass_media_after_bridge=true");
    }
    if dial.hangup_on_star {
        vars.push("bridge_terminate_key=*");
    }
    format!(
        "uuid_setvar_multi {uuid} {};force_transfer_dialplan={TRANSFER_DIALPLAN}",
        vars.join(";")
    )
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

/// Ringback variables, then answer, pre_answer or ring_ready — on the caller,
/// before the bridge: applications queued in `batch`, `ring_ready` an API
/// command (unless `rung`: sent with the set-up already).
async fn prepare_media(
    call: &mut Call,
    dial: &Dial,
    music: Option<&str>,
    rung: bool,
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
    for var in &vars {
        call.socket.queue(batch, "set", Some(var)).await?;
    }
    if !answered && !rung {
        match (dial.answer_on_bridge, music.is_some()) {
            (false, _) => call.socket.queue(batch, "answer", None).await?,
            (true, true) => call.socket.queue(batch, "pre_answer", None).await?,
            // A dial whose music could not be had rings as one without.
            (true, false) => {
                call.socket.api(&ring_ready(call)).await?;
            }
        }
    }
    Ok(())
}
