//! A stand-in web application: an HTTP server on 127.0.0.1 that records
//! every request dialbridge makes and answers with scripted replies per
//! path (a body, a status, a delay), so tests can assert the exact payloads
//! and drive the call.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::Value;
use tokio::sync::Notify;

/// One request the application received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: String,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Request {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} body is not JSON ({e}): {:?}", self.path, self.body))
    }

    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    pub content_type: &'static str,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: Value) -> Self {
        Self {
            status: 200,
            body: body.to_string(),
            delay: Duration::ZERO,
            content_type: "application/json",
        }
    }

    /// 200 with this exact body text.
    pub fn text(body: &str) -> Self {
        Self {
            status: 200,
            body: body.to_owned(),
            delay: Duration::ZERO,
            content_type: "application/json",
        }
    }

    /// An HTTP status with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: String::new(),
            delay: Duration::ZERO,
            content_type: "text/plain",
        }
    }

    /// Audio bytes.
    pub fn audio(content_type: &'static str, bytes: usize) -> Self {
        Self {
            status: 200,
            body: "R".repeat(bytes),
            delay: Duration::ZERO,
            content_type,
        }
    }

    /// The same reply after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Request>>,
    once: Mutex<HashMap<String, VecDeque<Reply>>>,
    always: Mutex<HashMap<String, Reply>>,
    changed: Notify,
}

/// The application server.
#[derive(Clone)]
pub struct App {
    addr: SocketAddr,
    state: Arc<State>,
}

impl App {
    /// Starts the server; unscripted paths answer 200 with an empty body.
    pub async fn start() -> App {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        App::start_on(addr)
            .await
            .expect("bind the test application")
    }

    /// Starts the server on `addr` (the load generator serves the hooks a
    /// separately started daemon was configured with).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<App> {
        let state = Arc::new(State::default());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let s = Arc::clone(&state);
        let router = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let s = Arc::clone(&s);
                async move { handle(s, method, uri, headers, body).await }
            },
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(App { addr, state })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request to `path` answers `reply` (after the one-shot replies).
    pub fn reply(&self, path: &str, reply: Reply) {
        if let Ok(mut a) = self.state.always.lock() {
            a.insert(path.to_owned(), reply);
        }
    }

    /// The next request to `path` answers `reply`.
    pub fn reply_once(&self, path: &str, reply: Reply) {
        if let Ok(mut o) = self.state.once.lock() {
            o.entry(path.to_owned()).or_default().push_back(reply);
        }
    }

    /// Requests received on `path` so far.
    pub fn requests(&self, path: &str) -> Vec<Request> {
        self.state
            .requests
            .lock()
            .map(|r| r.iter().filter(|q| q.path == path).cloned().collect())
            .unwrap_or_default()
    }

    /// Every request received since the last call, removed from the
    /// record (a long load run would otherwise keep them all).
    pub fn take_requests(&self) -> Vec<Request> {
        self.state
            .requests
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// Waits until `path` received `n` requests; returns them.
    pub async fn wait_for(&self, path: &str, n: usize, timeout: Duration) -> Vec<Request> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.changed.notified();
            let got = self.requests(path);
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "{path}: {} request(s) within {timeout:?}, expected {n}",
                    self.requests(path).len()
                );
            }
        }
    }
}

async fn handle(
    s: Arc<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let path = uri.path().to_owned();
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    if let Ok(mut r) = s.requests.lock() {
        r.push(Request {
            method: method.to_string(),
            path: path.clone(),
            query,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: std::time::Instant::now(),
        });
    }
    s.changed.notify_waiters();
    let scripted = s
        .once
        .lock()
        .ok()
        .and_then(|mut o| o.get_mut(&path).and_then(VecDeque::pop_front))
        .or_else(|| s.always.lock().ok().and_then(|a| a.get(&path).cloned()));
    let reply = scripted.unwrap_or_else(|| Reply::status(200));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(axum::http::header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
}
