//! What works on the caller's audio while a dial is bridged: the dial's
//! `listen` (or `stream`) and its `boostAudioSignal`. Both start at the
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

/// The taps of one dial.
#[derive(Default)]
pub(super) struct Taps {
    stream: Option<Stream>,
    boosted: bool,
}

impl Taps {
    /// Starts the dial's stream and boost, if it has them (once).
    pub(super) async fn start(&mut self, call: &Call, dial: &Dial) {
        if let Some(l) = dial.listen.as_deref()
            && self.stream.is_none()
        {
            let first = metadata_frame(l, &call.fields());
            self.stream = Some(Stream::start(
                call.socket.commander(),
                call.socket.uuid(),
                l,
                first,
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
        if std::mem::take(&mut self.boosted) && !call.socket.hung_up() {
            let cmd = format!("uuid_audio {} stop", call.socket.uuid());
            if let Err(e) = call.socket.api(&cmd).await {
                warn!(error = %e, "could not stop boostAudioSignal");
            }
        }
    }
}
