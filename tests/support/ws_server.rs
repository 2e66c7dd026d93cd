//! A websocket server for the streaming tests: it accepts jambonz's
//! `audio.jambonz.org` subprotocol, records every connection's upgrade
//! headers and messages (with when each arrived), and can refuse
//! connections or drop one after a number of binary frames, to prove a
//! failing listener never affects the call.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

/// One message received.
#[derive(Debug, Clone)]
pub enum Got {
    Text(String),
    Binary(Vec<u8>),
}

/// One websocket connection as the server saw it.
#[derive(Debug, Clone, Default)]
pub struct Conn {
    /// The subprotocol asked for.
    pub protocol: Option<String>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// Messages with when they arrived.
    pub messages: Vec<(Instant, Got)>,
    /// True once the client closed or the server dropped it.
    pub closed: bool,
}

impl Conn {
    pub fn texts(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter_map(|(_, m)| match m {
                Got::Text(t) => Some(t.clone()),
                Got::Binary(_) => None,
            })
            .collect()
    }
    pub fn binaries(&self) -> Vec<Vec<u8>> {
        self.messages
            .iter()
            .filter_map(|(_, m)| match m {
                Got::Binary(b) => Some(b.clone()),
                Got::Text(_) => None,
            })
            .collect()
    }
    /// The first message, parsed (the metadata frame).
    pub fn first_json(&self) -> serde_json::Value {
        match self.messages.first() {
            Some((_, Got::Text(t))) => serde_json::from_str(t).unwrap_or_default(),
            _ => serde_json::Value::Null,
        }
    }
}

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Accepts and records.
    Accept,
    /// Answers the upgrade with 403.
    Refuse,
    /// Drops the first connection (TCP closed, no close frame) after `n`
    /// binary frames; accepts later ones.
    DropFirstAfter(usize),
    /// Sends `{"type": "disconnect"}` after `n` binary frames.
    DisconnectAfter(usize),
}

/// A running server.
#[derive(Clone)]
pub struct WsServer {
    pub addr: SocketAddr,
    conns: Arc<Mutex<Vec<Conn>>>,
}

impl WsServer {
    pub async fn start(behaviour: Behaviour) -> WsServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let conns: Arc<Mutex<Vec<Conn>>> = Arc::default();
        let shared = Arc::clone(&conns);
        tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((tcp, _)) = listener.accept().await {
                let conns = Arc::clone(&shared);
                let first = n == 0;
                n += 1;
                tokio::spawn(serve(tcp, conns, behaviour, first));
            }
        });
        WsServer { addr, conns }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    pub fn conns(&self) -> Vec<Conn> {
        self.conns.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Waits until `pred` holds for the connections (or the timeout).
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&[Conn]) -> bool) -> Vec<Conn> {
        let until = Instant::now() + timeout;
        loop {
            let c = self.conns();
            if pred(&c) || Instant::now() > until {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(
    tcp: tokio::net::TcpStream,
    conns: Arc<Mutex<Vec<Conn>>>,
    behaviour: Behaviour,
    first: bool,
) {
    let seen: Arc<Mutex<Conn>> = Arc::default();
    let s = Arc::clone(&seen);
    let refuse = matches!(behaviour, Behaviour::Refuse);
    // The shape tungstenite's handshake callback must have.
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        let header = |n: &str| {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if let Ok(mut c) = s.lock() {
            c.protocol = header("Sec-WebSocket-Protocol");
            c.authorization = header("Authorization");
        }
        if refuse {
            let mut r = ErrorResponse::new(Some("no".into()));
            *r.status_mut() = StatusCode::FORBIDDEN;
            return Err(r);
        }
        if let Some(p) = header("Sec-WebSocket-Protocol")
            && let Ok(v) = HeaderValue::from_str(&p)
        {
            resp.headers_mut().insert("Sec-WebSocket-Protocol", v);
        }
        Ok(resp)
    };
    let accepted = tokio_tungstenite::accept_hdr_async(tcp, callback).await;
    let index = {
        let Ok(mut all) = conns.lock() else { return };
        all.push(seen.lock().map(|c| c.clone()).unwrap_or_default());
        all.len() - 1
    };
    let Ok(mut ws) = accepted else {
        mark_closed(&conns, index);
        return;
    };
    let mut binaries = 0usize;
    while let Some(msg) = ws.next().await {
        let got = match msg {
            Ok(Message::Text(t)) => Got::Text(t.to_string()),
            Ok(Message::Binary(b)) => {
                binaries += 1;
                Got::Binary(b.to_vec())
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        if let Ok(mut all) = conns.lock() {
            all[index].messages.push((Instant::now(), got));
        }
        match behaviour {
            Behaviour::DropFirstAfter(n) if first && binaries >= n => {
                mark_closed(&conns, index);
                return; // dropped: no close frame
            }
            Behaviour::DisconnectAfter(n) if binaries == n => {
                let _ = ws.send(Message::text(r#"{"type": "disconnect"}"#)).await;
            }
            _ => {}
        }
    }
    mark_closed(&conns, index);
}

fn mark_closed(conns: &Arc<Mutex<Vec<Conn>>>, index: usize) {
    if let Ok(mut all) = conns.lock()
        && let Some(c) = all.get_mut(index)
    {
        c.closed = true;
    }
}
