//! jambonz's `config` verb on a live call: it changes the call's defaults
//! ([`Call::defaults`]) for the verbs that follow — the voice of `say`
//! (and of a gather's `say` prompt), the recognizer (kept; digits only
//! today) — sets FreeSWITCH's `hold_music` with `export`, and starts
//! answering-machine
//! detection on the caller in the background, its events posted to the
//! `amd` hook while the application goes on; starts or stops a background
//! `listen`/`stream` or `transcribe` on the caller, and the background
//! `bargeIn`, `sipRequestWithinDialogHook` and `referHook`
//! (crate::call::background).
//! The properties accepted without effect were noticed when the reply was
//! read.
//!
//! `onHoldMusic` is what the caller hears while the dialed party holds the
//! call. FreeSWITCH plays the *held* leg's own `hold_music` to its partner
//! (switch_core_media.c reads the variable of the leg that sent the hold
//! re-INVITE), so the variable must be on the callee's leg: `export` sets
//! it on the caller and on every leg a later `bridge` originates (its
//! `export_vars`); the callee, holding, then hears it too when the caller
//! holds.

use std::time::Duration;

use serde_json::Value;
use tracing::{Instrument, info, warn};

use super::Call;
use super::amd::{Detection, Signal};
use super::verbs::Next;
use crate::amd::AmdEvent;
use crate::app::amd::Amd;
use crate::app::config::{Config, Reset};
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// After the decision, how long a background detection stays to report a
/// reversal (`amd_machine_detected` after `amd_human_detected`) and
/// `amd_machine_stopped_speaking` (the end of a machine's greeting).
const AFTER_DECISION: Duration = Duration::from_secs(30);

/// Runs `config`.
pub(crate) async fn config(call: &mut Call, c: &Config) -> Result<Next, SocketError> {
    for r in &c.reset {
        match r {
            Reset::Synthesizer => call.defaults.synthesizer = None,
            Reset::Recognizer => call.defaults.recognizer = None,
        }
    }
    if let Some(s) = &c.synthesizer {
        let current = call
            .defaults
            .synthesizer
            .get_or_insert_with(Default::default);
        if s.voice.is_some() {
            current.voice.clone_from(&s.voice);
        }
        if s.language.is_some() {
            current.language.clone_from(&s.language);
        }
    }
    if let Some(r) = &c.recognizer {
        call.defaults.recognizer = Some(r.clone());
    }
    if let Some(url) = &c.on_hold_music {
        match call.media.local_path(url).await {
            Ok(path) => {
                call.socket
                    .execute("export", Some(&format!("hold_music={}", path.display())))
                    .await?;
            }
            Err(e) => call.report(HookKind::Call, url, &e.to_string(), &[]),
        }
    }
    if let Some(amd) = &c.amd {
        start_background_amd(call, amd);
    }
    if let Some(b) = &c.boost {
        boost(call, b).await;
    }
    if let Some(b) = &c.barge_in {
        super::background::barge_in(call, b);
    }
    if let Some(hook) = &c.sip_request_within_dialog_hook {
        super::background::in_dialog_hook(call, hook);
    }
    if let Some(hook) = &c.refer_hook {
        super::background::refer_hook(call, hook);
    }
    if c.listen.is_some() || c.transcribe.is_some() {
        super::verbs::ensure_media(call, false).await?;
    }
    if let Some(l) = &c.listen {
        super::background::Background::listen(call, l);
    }
    if let Some(t) = &c.transcribe {
        super::background::Background::transcribe(call, t);
    }
    Ok(Next::Continue)
}

/// `boostAudioSignal`: the caller's audio at the level nearest the gain
/// (crate::app::boost), or back to unchanged for 0 dB. A dial's own
/// `boostAudioSignal` replaces it and stops it when the dial ends.
async fn boost(call: &mut Call, b: &crate::app::boost::Boost) {
    let uuid = call.socket.uuid().to_owned();
    let level = b.level();
    let cmd = if level == 0 {
        format!("uuid_audio {uuid} stop")
    } else {
        format!("uuid_audio {uuid} start read level {level}")
    };
    match call.socket.api(&cmd).await {
        Ok(_) => info!(db = b.db, level, "config boostAudioSignal applied"),
        Err(e) => warn!(error = %e, "config boostAudioSignal could not be applied"),
    }
}

/// Starts detection on the caller's own channel, in a counted task that
/// posts each signal to the hook (its reply is not run: the application
/// is elsewhere by then) and ends after the decision (plus
/// [`AFTER_DECISION`]), an error, the decision timeout, or the call's end.
/// Also createCall's `amd`, on the answered outbound call.
pub(crate) fn start_background_amd(call: &Call, amd: &Amd) {
    let params = call.settings.amd.classifier.with_verb(amd);
    let limit = Duration::from_millis(
        u64::from(params.decision_timeout_ms.max(params.tone_timeout_ms)) + 5_000,
    );
    let mut detection = Detection::start(
        call.socket.commander(),
        call.socket.uuid(),
        params,
        &call.settings.amd,
        &call.engine.tasks,
    );
    let fields = call.fields();
    let hooks = call.hooks.clone();
    let hook = amd.action_hook.clone();
    let metrics = std::sync::Arc::clone(&call.engine.metrics);
    // The call's view is dropped when the call ends: the detection goes
    // with it rather than hold a drain for its whole window.
    let mut view = call.view.subscribe();
    // Each post carries the call's fields as they are then (answered by
    // now, typically), not as they were when the detection started.
    let latest = call.view.subscribe();
    info!("answering-machine detection started in the background (config)");
    let task = async move {
        let until = tokio::time::Instant::now() + limit;
        let mut stop_at = until;
        let call_over = async move { while view.changed().await.is_ok() {} };
        tokio::pin!(call_over);
        loop {
            let signal = tokio::select! {
                s = detection.next() => s,
                _ = tokio::time::sleep_until(stop_at) => break,
                _ = &mut call_over => break,
            };
            metrics.amd_result(signal.metric());
            let now = latest.borrow().clone();
            let mut payload = if now.is_empty() { fields.clone() } else { now };
            if let Value::Object(extra) = signal.payload() {
                payload.extend(extra);
            }
            let _ = hooks
                .send(HookKind::Amd, &hook, &Value::Object(payload))
                .await;
            match signal {
                Signal::Error(_) | Signal::Event(AmdEvent::MachineStoppedSpeaking { .. }) => break,
                // A human may still turn out a machine (the greeting goes
                // on): stay for the reversal and the end of the greeting.
                _ if detection.decided => {
                    stop_at = stop_at.min(tokio::time::Instant::now() + AFTER_DECISION);
                }
                _ => {}
            }
        }
        detection.stop();
    };
    call.engine.tasks.spawn(task.in_current_span());
}
