//! A leg's audio streamed to a websocket: the application's (`listen`,
//! jambonz's `stream`) or a recognizer's (`transcribe`, jambonz's custom
//! speech protocol). Stock FreeSWITCH has no audio-fork module, so
//! FreeSWITCH records the leg into a raw file in the RAM directory (`[amd]
//! audio_dir`), growing in real time, and dialbridge tails it ([`job`]).
//! The same [`Stream`] serves the verbs (which wait for it,
//! `crate::call::listen_verb`, `crate::call::transcribe`) and a dial (which
//! runs it while bridged).

use std::path::PathBuf;
use std::time::Duration;

use freeswitch_esl_tokio::{EslEvent, EslEventType};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::warn;

use crate::app::listen::{Listen, MixType};
use crate::call::tasks::Tasks;
use crate::freeswitch::socket::Commander;

pub(crate) mod frames;
mod job;
pub(crate) mod pause;
pub(crate) mod ws;

pub(crate) use pause::Pauses;

/// What a stream sends where: the websocket and its first text frame, the
/// recording's layout, and, for a recognizer, where its transcripts go.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) url: String,
    pub(crate) auth: Option<ws::Auth>,
    pub(crate) subprotocol: Option<&'static str>,
    /// Sent on every connection before the audio.
    pub(crate) first_frame: String,
    pub(crate) mix_type: MixType,
    pub(crate) sample_rate: u32,
    pub(crate) max_length_secs: Option<u32>,
    /// Seconds of silence that end the stream.
    pub(crate) timeout_secs: Option<u32>,
    /// Some for a recognizer: its `transcription` messages, with the
    /// channel tag of the leg.
    pub(crate) results: Option<Results>,
    /// Some for a listen: its switch in the call's [`Pauses`] (true while
    /// paused through updateCall's `listen_status`).
    pub(crate) paused: Option<watch::Receiver<bool>>,
}

/// Where a recognizer's transcripts go.
#[derive(Debug, Clone)]
pub(crate) struct Results {
    /// `channel_tag` of the streamed leg (1 the caller, 2 the callee).
    pub(crate) tag: u8,
    pub(crate) tx: mpsc::Sender<(u8, serde_json::Value)>,
}

impl Spec {
    /// A listen's stream, opening with `first_frame`, registered in the
    /// call's `pauses`.
    pub(crate) fn listen(l: &Listen, first_frame: String, pauses: &Pauses) -> Spec {
        Spec {
            url: l.url.clone(),
            auth: l.ws_auth.clone().map(ws::Auth::Basic),
            subprotocol: Some(ws::SUBPROTOCOL),
            first_frame,
            mix_type: l.mix_type,
            sample_rate: l.sample_rate,
            max_length_secs: l.max_length_secs,
            timeout_secs: l.timeout_secs,
            results: None,
            paused: Some(pauses.register()),
        }
    }

    /// Bytes of one 20 ms frame.
    pub(crate) fn frame_bytes(&self) -> usize {
        self.sample_rate as usize / 50 * 2 * self.mix_type.channels()
    }

    fn recognizer(&self) -> bool {
        self.results.is_some()
    }

    /// A text message from the websocket: a recognizer's transcript is
    /// handed on (dropped with a warning when the queue is full); its
    /// errors are logged; a listen's messages are ignored.
    fn heard(&self, text: &str) {
        let Some(r) = &self.results else { return };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
            warn!("the recognizer sent text that is not JSON; ignored");
            return;
        };
        let kind = v
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        if kind == "error" {
            warn!(
                error = v.get("error").and_then(|e| e.as_str()).unwrap_or(""),
                "the recognizer reported an error"
            );
        } else if kind == "transcription" && r.tx.try_send((r.tag, v)).is_err() {
            warn!("a transcript was dropped: its hook posts are behind");
        }
    }
}

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
    /// Starts streaming `leg`'s audio as `spec` says, in a task counted
    /// in `tasks`; DTMF of the leg is passed on with `pass_dtmf`.
    pub(crate) fn start(
        commander: Commander,
        leg: &str,
        spec: Spec,
        pass_dtmf: bool,
        settings: &crate::config::AmdSettings,
        tasks: &Tasks,
    ) -> Stream {
        let (text_tx, text_rx) = mpsc::channel(TEXT_QUEUE);
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let ext = if spec.sample_rate == 16000 {
            "r16"
        } else {
            "r8"
        };
        let name = format!("{leg}-listen-{}.{ext}", uuid::Uuid::new_v4().simple());
        let job = job::Job {
            commander,
            leg: leg.to_owned(),
            spec,
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
            pass_dtmf,
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

    #[test]
    fn the_recording_is_laid_out_as_the_mix_type_says() {
        assert_eq!(
            job::record_command("A", "/d/A.r8", 31, MixType::Mono, 8000),
            "uuid_record A start /d/A.r8 31 {RECORD_READ_ONLY=true,enable_file_write_buffering=false,\
             RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=8000}"
        );
        assert!(
            job::record_command("A", "/d/A.r16", 31, MixType::Stereo, 16000).ends_with(
                "{RECORD_STEREO=true,enable_file_write_buffering=false,\
                            RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate=16000}"
            )
        );
        assert!(
            job::record_command("A", "/d/A.r16", 31, MixType::Mixed, 16000)
                .contains("{enable_file_write_buffering=false,")
        );
    }
}
