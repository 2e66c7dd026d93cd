//! A dial's set-up on the caller's leg, before any target rings
//! (docs/freeswitch.md §1–§4, §12): a filter for every leg's events, the
//! A-leg variables the outcome needs, the caller's media (ringback, answer
//! or ring_ready), the screened legs announced to the listener, then the
//! `bridge` itself — started, not awaited: the live phase ([`super::live`])
//! follows it. Every step is an awaited application or API command, so
//! each one counted here costs the caller set-up time (§17).

use tokio::sync::mpsc;

use super::screening::Arrival;
use crate::app::Dial;
use crate::call::Call;
use crate::freeswitch::dialstring::CompiledDial;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// A bridge started on the caller: the Event-UUID its completion will
/// carry, and where its screening connections will arrive.
pub(crate) struct Placed {
    /// The `bridge` application's Event-UUID.
    pub(crate) bridge: String,
    /// Screening connections of its screened legs.
    pub(crate) arrivals: mpsc::UnboundedReceiver<Arrival>,
}

/// Sets the caller up for `compiled` and starts the bridge.
pub(crate) async fn place(
    call: &mut Call,
    dial: &Dial,
    compiled: &CompiledDial,
) -> Result<Placed, SocketError> {
    for leg in &compiled.legs {
        call.socket.watch_leg(&leg.uuid).await?;
    }
    forward_no_caller_headers(call).await?;
    for var in [
        "continue_on_fail=true",
        "hangup_after_bridge=false",
        "sip_ignore_remote_cause=true",
    ] {
        call.socket.execute("set", Some(var)).await?;
    }
    for var in ["originate_causes", "originated_legs"] {
        call.socket.execute("unset", Some(var)).await?;
    }
    prepare_media(call, dial).await?;
    let (arrival_tx, arrivals) = mpsc::unbounded_channel();
    for leg in compiled.legs.iter().filter(|l| l.screened) {
        call.engine.screenings.expect(&leg.uuid, arrival_tx.clone());
    }
    drop(arrival_tx);
    let bridge = match call.socket.start("bridge", Some(compiled.argument())).await {
        Ok(b) => b,
        Err(e) => {
            for leg in compiled.legs.iter().filter(|l| l.screened) {
                call.engine.screenings.forget(&leg.uuid);
            }
            return Err(e);
        }
    };
    Ok(Placed { bridge, arrivals })
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

/// Ringback, answer or ring_ready, media path — on the caller, before the bridge.
async fn prepare_media(call: &mut Call, dial: &Dial) -> Result<(), SocketError> {
    let answered = call.socket.state().answered.is_some();
    let music = match &dial.dial_music {
        Some(url) => match call.media.local_path(url).await {
            Ok(p) => Some(p.display().to_string()),
            Err(e) => {
                call.report(HookKind::Call, url, &e.to_string(), &[]);
                None
            }
        },
        None => None,
    };
    match &music {
        Some(path) => {
            call.socket
                .execute("set", Some(&format!("ringback={path}")))
                .await?;
            call.socket
                .execute("set", Some(&format!("transfer_ringback={path}")))
                .await?;
        }
        None if !call.settings.dial.ringback.is_empty() && (answered || !dial.answer_on_bridge) => {
            let tone = call.settings.dial.ringback.clone();
            call.socket
                .execute("set", Some(&format!("transfer_ringback={tone}")))
                .await?;
        }
        None => {}
    }
    if dial.exit_media_path {
        call.socket
            .execute("set", Some("bypass_media_after_bridge=true"))
            .await?;
    }
    if !answered {
        let app = match (dial.answer_on_bridge, music.is_some()) {
            (false, _) => "answer",
            (true, true) => "pre_answer",
            (true, false) => "ring_ready",
        };
        call.socket.execute(app, None).await?;
    }
    Ok(())
}
