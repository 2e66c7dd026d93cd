//! The streams a `config` verb runs in the background on the caller: a
//! `listen` (or `stream`) and a `transcribe`. Each runs until a later
//! `config` turns it off or replaces it, or the call ends (they are
//! dropped with the call, which stops them: the recording is stopped, the
//! websocket closed, a recognizer sent `stop`).

use tracing::info;

use super::Call;
use super::listen::frames::metadata_frame;
use super::listen::{Spec, Stream};
use super::transcribe::Transcription;
use crate::app::config::Toggle;
use crate::app::listen::Listen;
use crate::app::transcribe::Transcribe;
use crate::webhook::HookKind;

/// A call's background streams.
#[derive(Default)]
pub(crate) struct Background {
    listen: Option<Stream>,
    transcription: Option<Transcription>,
}

impl Background {
    /// Applies a `config` verb's `listen`.
    pub(crate) fn listen(call: &mut Call, t: &Toggle<Box<Listen>>) {
        call.background.listen = match t {
            Toggle::Off => {
                info!("background stream stopped (config)");
                None
            }
            Toggle::On(l) => {
                info!("background stream started (config)");
                // DTMF is not passed: the verbs that follow read the events.
                let first = metadata_frame(l, &call.fields());
                Some(Stream::start(
                    call.socket.commander(),
                    call.socket.uuid(),
                    Spec::listen(l, first),
                    false,
                    &call.settings.amd,
                    &call.engine.tasks,
                ))
            }
        };
    }

    /// Applies a `config` verb's `transcribe`.
    pub(crate) fn transcribe(call: &mut Call, t: &Toggle<Box<Transcribe>>) {
        call.background.transcription = None;
        let Toggle::On(t) = t else {
            info!("background transcription stopped (config)");
            return;
        };
        let a = call.socket.uuid().to_owned();
        match Transcription::start(call, t, &[(&a, 1)]) {
            Ok(r) => call.background.transcription = Some(r),
            Err(why) => call.report(
                HookKind::Transcription,
                "",
                &format!("config transcribe: {why}"),
                &[],
            ),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(t) = self.transcription.as_mut() {
            t.stop();
        }
    }
}
