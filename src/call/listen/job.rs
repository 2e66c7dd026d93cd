//! The streaming task of one `listen`: opens the websocket and sends the
//! first text frame, has FreeSWITCH record the caller's channel into a raw
//! file in the RAM directory (`uuid_record`, docs/freeswitch.md §7), tails
//! the growing file and sends each whole 20 ms frame as a binary message;
//! DTMF as text frames. A websocket that drops is reconnected a bounded
//! number of times ([`super::frames::backoff`]); whatever happens, the call
//! is never touched beyond the recording, which the task stops and deletes
//! itself.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tracing::{info, warn};

use super::frames::{Framer, RECONNECTS, backoff, silent};
use super::ws::{self, Socket};
use super::{Ended, Spec};
use crate::app::listen::MixType;
use crate::freeswitch::socket::Commander;

/// Read interval: FreeSWITCH writes 20 ms frames.
const TICK: Duration = Duration::from_millis(20);

/// The recording's own bound when the listen has no `maxLength`: one day
/// (a recording dialbridge never stops ends on its own).
const DEFAULT_LIMIT_SECS: u64 = 86_400;

/// One stream's task.
pub(super) struct Job {
    pub(super) commander: Commander,
    pub(super) leg: String,
    pub(super) spec: Spec,
    pub(super) path: PathBuf,
    pub(super) file_wait: Duration,
}

type Sink = SplitSink<Socket, Message>;
type Source = SplitStream<Socket>;

impl Job {
    /// Streams until `stop`, the end of the listen, or a failure; reports
    /// why on `done`.
    pub(super) async fn run(
        self,
        mut stop: oneshot::Receiver<()>,
        mut text: mpsc::Receiver<String>,
        done: oneshot::Sender<Ended>,
    ) {
        let ended = match self.open().await {
            Err(e) => Ended::Failed(e),
            Ok((sink, source)) => {
                let path = self.path.display().to_string();
                let ended = match self.record(&path).await {
                    Ok(()) => self.stream(sink, source, &mut stop, &mut text).await,
                    Err(e) => Ended::Failed(e),
                };
                let _ = self
                    .commander
                    .api(&format!("uuid_record {} stop {path}", self.leg))
                    .await;
                let _ = tokio::fs::remove_file(&self.path).await;
                ended
            }
        };
        info!(reason = ended.reason(), "stream ended");
        let _ = done.send(ended);
    }

    /// Connects and sends the first text frame.
    async fn open(&self) -> Result<(Sink, Source), String> {
        let spec = &self.spec;
        let socket = ws::connect(&spec.url, spec.auth.as_ref(), spec.subprotocol)
            .await
            .map_err(|e| e.to_string())?;
        let (mut sink, source) = socket.split();
        sink.send(Message::text(spec.first_frame.clone()))
            .await
            .map_err(|e| format!("the websocket closed before the first frame: {e}"))?;
        Ok((sink, source))
    }

    /// `uuid_record` of the caller's channel: the caller alone (`mono`),
    /// caller left and what the caller hears right (`stereo`), or both
    /// mixed; raw 16-bit at the listen's rate, written frame by frame.
    async fn record(&self, path: &str) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            let _ = tokio::fs::create_dir_all(dir).await;
        }
        let limit = self
            .spec
            .max_length_secs
            .map_or(DEFAULT_LIMIT_SECS, |s| u64::from(s) + 1);
        let command = record_command(
            &self.leg,
            path,
            limit,
            self.spec.mix_type,
            self.spec.sample_rate,
        );
        self.commander
            .api(&command)
            .await
            .map(|_| ())
            .map_err(|e| format!("uuid_record could not start: {e}"))
    }

    /// Tails the recording into the websocket.
    async fn stream(
        &self,
        mut sink: Sink,
        mut source: Source,
        stop: &mut oneshot::Receiver<()>,
        text: &mut mpsc::Receiver<String>,
    ) -> Ended {
        let mut file = match self.wait_for_file(stop).await {
            Ok(Some(f)) => f,
            Ok(None) => return Ended::Stopped,
            Err(e) => return Ended::Failed(e),
        };
        let began = tokio::time::Instant::now();
        let max = self
            .spec
            .max_length_secs
            .map(|s| began + Duration::from_secs(u64::from(s)));
        let quiet_limit = self
            .spec
            .timeout_secs
            .map(|s| Duration::from_secs(u64::from(s)));
        let mut quiet_since = began;
        let mut was_paused = false;
        let mut framer = Framer::new(self.spec.frame_bytes());
        let mut offset = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let sent: Result<(), String> = tokio::select! {
                _ = &mut *stop => {
                    // Text frames queued before the stop (the DTMF of a
                    // finishOnKey digit) still go out, in order.
                    while let Ok(t) = text.try_recv() {
                        if sink.send(Message::text(t)).await.is_err() {
                            break;
                        }
                    }
                    return self.finish(sink, source).await;
                }
                _ = sleep_until_opt(max) => return close(sink, Ended::MaxLength).await,
                incoming = source.next() => match incoming {
                    Some(Ok(Message::Close(_))) | None => return Ended::Closed,
                    Some(Ok(Message::Text(t))) if is_disconnect(t.as_str()) => {
                        return close(sink, Ended::Closed).await
                    }
                    Some(Ok(Message::Text(t))) => {
                        self.spec.heard(t.as_str());
                        Ok(())
                    }
                    Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => Err(e.to_string()),
                },
                Some(t) = text.recv() => sink.send(Message::text(t)).await.map_err(|e| e.to_string()),
                _ = tick.tick() => {
                    if self.paused() {
                        // Nothing is sent while paused, and the pause is no
                        // silence (jambonz's paused fork sends nothing).
                        quiet_since = tokio::time::Instant::now();
                        was_paused = true;
                        Ok(())
                    } else {
                        if std::mem::take(&mut was_paused) {
                            // Resumed: the live audio goes on, not what was
                            // said while paused.
                            offset = self.end_of_file(offset).await;
                            framer.clear();
                            info!("the stream resumes");
                        }
                        let n = read_more(&mut file, offset, &mut buf).await;
                        offset += n as u64;
                        self.send_frames(&mut sink, &mut framer, &buf[..n], &mut quiet_since)
                            .await
                    }
                }
            };
            if let Some(q) = quiet_limit
                && quiet_since.elapsed() >= q
            {
                return close(sink, Ended::Silence).await;
            }
            if let Err(e) = sent {
                warn!(error = %e, "the stream's websocket dropped; reconnecting");
                match self.reconnect(stop).await {
                    Reconnect::Open(s, r) => {
                        (sink, source) = (s, r);
                        // What was written meanwhile is not sent late.
                        offset = self.end_of_file(offset).await;
                        framer.clear();
                    }
                    Reconnect::Stopped => return Ended::Stopped,
                    Reconnect::GaveUp(why) => return Ended::Failed(why),
                }
            }
        }
    }

    /// Sends each whole frame of `bytes` as a binary message; a frame
    /// that is not silent moves `quiet_since` on.
    async fn send_frames(
        &self,
        sink: &mut Sink,
        framer: &mut Framer,
        bytes: &[u8],
        quiet_since: &mut tokio::time::Instant,
    ) -> Result<(), String> {
        for frame in framer.push(bytes) {
            if !silent(&frame) {
                *quiet_since = tokio::time::Instant::now();
            }
            sink.feed(Message::binary(frame))
                .await
                .map_err(|e| e.to_string())?;
        }
        sink.flush().await.map_err(|e| e.to_string())
    }

    /// True while the listen is paused (updateCall's `listen_status`).
    fn paused(&self) -> bool {
        self.spec.paused.as_ref().is_some_and(|p| *p.borrow())
    }

    /// The recording's length now, on a sample boundary (`offset` when it
    /// cannot be read): where the stream goes on after a gap.
    async fn end_of_file(&self, offset: u64) -> u64 {
        let end = tokio::fs::metadata(&self.path)
            .await
            .map_or(offset, |m| m.len());
        end - end % (2 * self.spec.mix_type.channels() as u64)
    }

    /// Waits for FreeSWITCH to create the recording.
    async fn wait_for_file(
        &self,
        stop: &mut oneshot::Receiver<()>,
    ) -> Result<Option<tokio::fs::File>, String> {
        let waited = tokio::time::Instant::now();
        loop {
            match tokio::fs::File::open(&self.path).await {
                Ok(f) => return Ok(Some(f)),
                Err(_) if waited.elapsed() < self.file_wait => {}
                Err(e) => {
                    return Err(format!(
                        "the recording {} did not appear within {} ms ({e}): FreeSWITCH must run \
                         on this host and write [amd] audio_dir",
                        self.path.display(),
                        self.file_wait.as_millis()
                    ));
                }
            }
            tokio::select! {
                _ = &mut *stop => return Ok(None),
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// Reconnects with backoff, at most [`RECONNECTS`] times.
    async fn reconnect(&self, stop: &mut oneshot::Receiver<()>) -> Reconnect {
        let mut last = String::new();
        for n in 0..RECONNECTS {
            tokio::select! {
                _ = &mut *stop => return Reconnect::Stopped,
                _ = tokio::time::sleep(backoff(n)) => {}
            }
            match self.open().await {
                Ok((s, r)) => {
                    info!(attempt = n + 1, "the stream's websocket is back");
                    return Reconnect::Open(s, r);
                }
                Err(e) => last = e,
            }
        }
        Reconnect::GaveUp(format!(
            "the websocket dropped and {RECONNECTS} reconnects failed (last: {last})"
        ))
    }
}

/// What a reconnect came to.
enum Reconnect {
    Open(Sink, Source),
    Stopped,
    GaveUp(String),
}

/// The `uuid_record` start command of a stream (every value in it is
/// dialbridge's own: the leg UUID, a path under the configured directory,
/// numbers).
pub(super) fn record_command(
    leg: &str,
    path: &str,
    limit: u64,
    mix_type: MixType,
    sample_rate: u32,
) -> String {
    let layout = match mix_type {
        MixType::Mono => "RECORD_READ_ONLY=true,",
        MixType::Stereo => "RECORD_STEREO=true,",
        MixType::Mixed => "",
    };
    format!(
        "uuid_record {leg} start {path} {limit} {{{layout}enable_file_write_buffering=false,\
         RECORD_PRE_BUFFER_FRAMES=1,record_sample_rate={sample_rate}}}"
    )
}

impl Job {
    /// The end dialbridge asked for. A listen's websocket is closed; a
    /// recognizer is sent `{"type": "stop"}` and given [`FINAL_WAIT`] to
    /// deliver its last transcripts and close (its protocol has the server
    /// close).
    async fn finish(&self, mut sink: Sink, mut source: Source) -> Ended {
        if !self.spec.recognizer() {
            return close(sink, Ended::Stopped).await;
        }
        let stop = Message::text(r#"{"type":"stop"}"#);
        if sink.send(stop).await.is_ok() {
            let _ = tokio::time::timeout(FINAL_WAIT, async {
                while let Some(Ok(m)) = source.next().await {
                    match m {
                        Message::Text(t) => self.spec.heard(t.as_str()),
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
            })
            .await;
        }
        close(sink, Ended::Stopped).await
    }
}

/// How long a recognizer may take to send its last transcripts after
/// `stop`.
const FINAL_WAIT: Duration = Duration::from_secs(2);

/// Sends a close frame (best effort) and returns `ended`.
async fn close(mut sink: Sink, ended: Ended) -> Ended {
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    ended
}

/// jambonz's `{"type": "disconnect"}` from the server.
fn is_disconnect(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("disconnect"))
}

/// Reads what the file gained past `offset` into `buf`; 0 on any error.
async fn read_more(file: &mut tokio::fs::File, offset: u64, buf: &mut [u8]) -> usize {
    if file.seek(std::io::SeekFrom::Start(offset)).await.is_err() {
        return 0;
    }
    file.read(buf).await.unwrap_or(0)
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
