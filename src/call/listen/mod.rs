//! `listen` (and jambonz's `stream`): the call's audio streamed to the
//! application's websocket. Stock FreeSWITCH has no audio-fork module, so
//! FreeSWITCH records the caller's channel into a raw file in the RAM
//! directory (`[amd] audio_dir`), growing in real time, and dialbridge
//! tails it ([`job`]). The same [`Stream`] serves the verb (which waits for
//! it, `crate::call::listen_verb`) and a dial's `listen` (which runs it
//! while bridged).

use std::path::PathBuf;
use std::time::Duration;

use freeswitch_esl_tokio::{EslEvent, EslEventType};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use crate::app::listen::Listen;
use crate::call::tasks::Tasks;
use crate::freeswitch::socket::Commander;

pub(crate) mod frames;
mod job;
mod ws;

/// Why a stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// dialbridge stopped it (the verb or the dial ended).
    Stopped,
    /// `maxLength` reached.
    MaxLength,
    /// `timeout` seconds of silence.
    Silence,
    /// The websocket closed it (a close frame, or jambonz's `disconnect`).
    Closed,
    /// It could not start, or the websocket dropped for good.
    Failed(String),
}

impl Ended {
    /// The `reason` an actionHook gets.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Ended::Stopped => "stopped",
            Ended::MaxLength => "maxLength",
            Ended::Silence => "timeout",
            Ended::Closed => "closed",
            Ended::Failed(_) => "failed",
        }
    }
}

/// Text frames (DTMF) one stream may have waiting; more are dropped.
const TEXT_QUEUE: usize = 32;

/// A running stream: the handle the verb or the dial holds.
pub(crate) struct Stream {
    text: mpsc::Sender<String>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<Ended>>,
    leg: String,
    pass_dtmf: bool,
}

impl Stream {
    /// Starts streaming `leg`'s audio as `listen` says, in a task counted
    /// in `tasks`; `first_frame` is the text frame sent on each connection.
    pub(crate) fn start(
        commander: Commander,
        leg: &str,
        listen: &Listen,
        first_frame: String,
        settings: &crate::config::AmdSettings,
        tasks: &Tasks,
    ) -> Stream {
        let (text_tx, text_rx) = mpsc::channel(TEXT_QUEUE);
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let ext = if listen.sample_rate == 16000 {
            "r16"
        } else {
            "r8"
        };
        let name = format!("{leg}-listen-{}.{ext}", uuid::Uuid::new_v4().simple());
        let job = job::Job {
            commander,
            leg: leg.to_owned(),
            listen: listen.clone(),
            first_frame,
            path: PathBuf::from(&settings.audio_dir).join(name),
            file_wait: Duration::from_millis(settings.file_wait_ms),
        };
        tasks.spawn(tracing::Instrument::in_current_span(
            job.run(stop_rx, text_rx, done_tx),
        ));
        Stream {
            text: text_tx,
            stop: Some(stop_tx),
            done: Some(done_rx),
            leg: leg.to_owned(),
            pass_dtmf: listen.pass_dtmf,
        }
    }

    /// Passes a DTMF of the streamed leg on as a text frame, when
    /// `passDtmf` is on. Returns the digit whatever `passDtmf` says.
    pub(crate) fn observe(&self, event: &EslEvent) -> Option<String> {
        if event.event_type() != Some(EslEventType::Dtmf)
            || event.header_str("Unique-ID") != Some(self.leg.as_str())
        {
            return None;
        }
        let digit = event.header_str("DTMF-Digit")?.to_owned();
        if self.pass_dtmf {
            let frame = frames::dtmf_frame(&digit, event.header_str("DTMF-Duration"));
            if self.text.try_send(frame).is_err() {
                warn!("a DTMF frame for the listen websocket was dropped");
            }
        }
        Some(digit)
    }

    /// Resolves when the stream ended on its own; pending forever after
    /// that, or once stopped.
    pub(crate) async fn ended(&mut self) -> Ended {
        let Some(done) = self.done.as_mut() else {
            return std::future::pending().await;
        };
        let ended = done.await.unwrap_or(Ended::Stopped);
        self.done = None;
        ended
    }

    /// Stops the stream (its task stops the recording and deletes it).
    pub(crate) fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::listen::MixType;

    #[test]
    fn the_recording_is_laid_out_as_the_mix_type_says() {
        let mut l = Listen {
            url: "ws://h".into(),
            action_hook: None,
            mix_type: MixType::Mono,
            sample_rate: 8000,
            metadata: None,
            pass_dtmf: false,
            timeout_secs: None,
            max_length_secs: Some(30),
            finish_on_key: None,
            ws_auth: None,
        };
        assert_eq!(
            job::record_command("A", "/d/A.r8", 31, &l),
            "uuid_record A start /d/A.r8 31 {RECORD_READ_ONLY=true,enable_file_write_buffering=false,\
             RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=8000}"
        );
        l.mix_type = MixType::Stereo;
        l.sample_rate = 16000;
        assert!(
            job::record_command("A", "/d/A.r16", 31, &l)
                .ends_with("{RECORD_STEREO=true,enable_file_write_buffering=false,\
                            RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=16000}")
        );
        l.mix_type = MixType::Mixed;
        assert!(
            job::record_command("A", "/d/A.r16", 31, &l)
                .contains("{enable_file_write_buffering=false,")
        );
    }
}
