//! What works on the audio while a dial is bridged: the dial's `listen`
//! (or `stream`), its `transcribe` (crate::call::transcribe) and its
//! `boostAudioSignal`. Both start at the
//! bridge (an API command each, answered at once: nothing on the set-up
//! path, and `uuid_audio` would pre-answer a caller earlier) and stop when
//! the dial ends. A failure of either is logged and never touches the
//! bridge.
//!
//! The stream records the caller's channel (`stereo`: the caller left, the
//! callee right, as the caller hears it). A nested `actionHook` is not
//! posted (the reader says so): the dial's own actionHook reports the end.
//! The boost is `uuid_audio <caller> start read level <n>` (the caller's
//! audio as FreeSWITCH reads it, on its way to the callee;
//! crate::app::boost has the mapping).

use freeswitch_esl_tokio::EslEvent;
use tracing::{info, warn};

use crate::app::Dial;
use crate::call::Call;
use crate::call::listen::Stream;
use crate::call::listen::frames::metadata_frame;
use crate::call::transcribe::Transcription;

/// The taps of one dial.
#[derive(Default)]
pub(super) struct Taps {
    stream: Option<Stream>,
    transcription: Option<Transcription>,
    boosted: bool,
}

impl Taps {
    /// Starts the dial's stream, transcription and boost, if it has them
    /// (once); `callee` is the bridged leg.
    pub(super) async fn start(&mut self, call: &Call, dial: &Dial, callee: &str) {
        if let Some(t) = dial.transcribe.as_deref()
            && self.transcription.is_none()
        {
            let a = call.socket.uuid();
            let legs: &[(&str, u8)] = if t.separate_channels {
                &[(a, 1), (callee, 2)]
            } else {
                &[(a, 1)]
            };
            match Transcription::start(call, t, legs) {
                Ok(r) => self.transcription = Some(r),
                Err(e) => call.report(
                    crate::webhook::HookKind::Transcription,
                    "",
                    &format!("the dial's transcribe cannot run: {e}"),
                    &[],
                ),
            }
        }
        if let Some(l) = dial.listen.as_deref()
            && self.stream.is_none()
        {
            let first = metadata_frame(l, &call.fields());
            self.stream = Some(Stream::start(
                call.socket.commander(),
                call.socket.uuid(),
                crate::call::listen::Spec::listen(l, first, &call.background.listens),
                l.pass_dtmf,
                &call.settings.amd,
                &call.engine.tasks,
            ));
        }
        if let Some(b) = dial.boost
            && b.level() != 0
            && !self.boosted
        {
            let level = b.level();
            let cmd = format!("uuid_audio {} start read level {level}", call.socket.uuid());
            match call.socket.api(&cmd).await {
                Ok(_) => {
                    info!(db = b.db, level, "boostAudioSignal applied");
                    self.boosted = true;
                }
                Err(e) => warn!(error = %e, "boostAudioSignal could not be applied"),
            }
        }
    }

    /// Passes a DTMF event to the stream.
    pub(super) fn observe(&self, event: &EslEvent) {
        if let Some(s) = &self.stream {
            s.observe(event);
        }
    }

    /// Stops both (the boost only while the caller is there).
    pub(super) async fn stop(&mut self, call: &Call) {
        if let Some(mut s) = self.stream.take() {
            s.stop();
        }
        if let Some(mut t) = self.transcription.take() {
            t.stop();
        }
        if std::mem::take(&mut self.boosted) && !call.socket.hung_up() {
            let cmd = format!("uuid_audio {} stop", call.socket.uuid());
            if let Err(e) = call.socket.api(&cmd).await {
                warn!(error = %e, "could not stop boostAudioSignal");
            }
        }
    }
}
