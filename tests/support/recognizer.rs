//! A fake custom-speech recognizer (jambonz's documented protocol): it
//! expects a `start` text message, then binary 16-bit audio, and sends
//! scripted `transcription` messages once it has received enough audio;
//! on `stop` it sends its closing transcripts and closes, as the protocol
//! asks a server to. It records what each connection sent.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

/// What one connection sent.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub authorization: Option<String>,
    /// The `start` message.
    pub start: Value,
    /// Bytes of audio received.
    pub audio_bytes: usize,
    /// Sizes of the binary messages.
    pub frame_sizes: Vec<usize>,
    /// True once `stop` arrived.
    pub stopped: bool,
}

/// A transcript sent after `after_ms` of audio (at 8 kHz, 16 bytes per ms).
#[derive(Debug, Clone)]
pub struct Scripted {
    pub after_ms: usize,
    pub transcript: String,
    pub is_final: bool,
}

pub fn interim(after_ms: usize, text: &str) -> Scripted {
    Scripted {
        after_ms,
        transcript: text.into(),
        is_final: false,
    }
}

pub fn final_(after_ms: usize, text: &str) -> Scripted {
    Scripted {
        after_ms,
        transcript: text.into(),
        is_final: true,
    }
}

fn message(s: &Scripted) -> Message {
    Message::text(
        json!({"type": "transcription", "is_final": s.is_final, "channel": 0,
               "alternatives": [{"transcript": s.transcript, "confidence": 0.92}]})
        .to_string(),
    )
}

#[derive(Clone)]
pub struct Recognizer {
    pub addr: SocketAddr,
    sessions: Arc<Mutex<Vec<(Instant, Session)>>>,
}

impl Recognizer {
    /// Starts a recognizer sending `script` on every connection, and
    /// `on_stop` after `stop`.
    pub async fn start(script: Vec<Scripted>, on_stop: Vec<Scripted>) -> Recognizer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let sessions: Arc<Mutex<Vec<(Instant, Session)>>> = Arc::default();
        let shared = Arc::clone(&sessions);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(
                    tcp,
                    Arc::clone(&shared),
                    script.clone(),
                    on_stop.clone(),
                ));
            }
        });
        Recognizer { addr, sessions }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/stt", self.addr)
    }

    /// Sessions in the order they connected.
    pub fn sessions(&self) -> Vec<Session> {
        let mut s = self.sessions.lock().map(|s| s.clone()).unwrap_or_default();
        s.sort_by_key(|(t, _)| *t);
        s.into_iter().map(|(_, s)| s).collect()
    }

    pub async fn wait_for(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Session]) -> bool,
    ) -> Vec<Session> {
        let until = Instant::now() + timeout;
        loop {
            let s = self.sessions();
            if pred(&s) || Instant::now() > until {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(
    tcp: tokio::net::TcpStream,
    sessions: Arc<Mutex<Vec<(Instant, Session)>>>,
    script: Vec<Scripted>,
    on_stop: Vec<Scripted>,
) {
    let auth: Arc<Mutex<Option<String>>> = Arc::default();
    let a = Arc::clone(&auth);
    // The shape tungstenite's handshake callback must have.
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        if let Ok(mut a) = a.lock() {
            *a = req
                .headers()
                .get("Authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
        }
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let index = {
        let Ok(mut all) = sessions.lock() else { return };
        all.push((
            Instant::now(),
            Session {
                authorization: auth.lock().ok().and_then(|a| a.clone()),
                ..Session::default()
            },
        ));
        all.len() - 1
    };
    let update = |f: &dyn Fn(&mut Session)| {
        if let Ok(mut all) = sessions.lock() {
            f(&mut all[index].1);
        }
    };
    let mut pending: std::collections::VecDeque<Scripted> = script.into();
    let mut bytes = 0usize;
    while let Some(Ok(msg)) = ws.next().await {
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                match v["type"].as_str() {
                    Some("start") => update(&|s| s.start = v.clone()),
                    Some("stop") => {
                        update(&|s| s.stopped = true);
                        for s in &on_stop {
                            let _ = ws.send(message(s)).await;
                        }
                        let _ = ws.close(None).await;
                        return;
                    }
                    _ => {}
                }
            }
            Message::Binary(b) => {
                bytes += b.len();
                let n = b.len();
                update(&|s| {
                    s.audio_bytes += n;
                    s.frame_sizes.push(n);
                });
                while pending.front().is_some_and(|s| bytes >= s.after_ms * 16) {
                    if let Some(s) = pending.pop_front() {
                        let _ = ws.send(message(&s)).await;
                    }
                }
            }
            Message::Close(_) => return,
            _ => {}
        }
    }
}
