//! Talking to the web application: POST JSON (or GET with query parameters),
//! HTTP basic auth, the `Jambonz-Signature` header, a timeout per request,
//! retries with backoff, a 1 MiB cap on replies, relative URLs resolved
//! against `call_hook`. Secrets never reach a log line.

mod policy;
pub mod signature;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tracing::{debug, warn};
use url::Url;

pub use policy::{Failure, RetryPolicy};

use crate::app::{Hook, Method};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::secret::Secret;

/// Largest reply body read from an application.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// What a request is for, in logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookKind {
    /// `call_hook`: what to do with a new call.
    Call,
    /// `call_status_hook`.
    Status,
    /// A verb's `actionHook` (dial, gather).
    Action,
    /// `redirect`.
    Redirect,
    /// A dial's `confirmHook`.
    Confirm,
    /// A dial's `dtmfHook`.
    Dtmf,
    /// A dial's `amd` hook.
    Amd,
    /// `error_hook`.
    Error,
}

impl HookKind {
    /// Label for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::Call => "call",
            HookKind::Status => "status",
            HookKind::Action => "action",
            HookKind::Redirect => "redirect",
            HookKind::Confirm => "confirm",
            HookKind::Dtmf => "dtmf",
            HookKind::Amd => "amd",
            HookKind::Error => "error",
        }
    }
}

/// Why a webhook gave no usable reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The URL cannot be used.
    #[error("webhook URL `{url}` is not usable: {reason}")]
    BadUrl {
        /// The URL as written.
        url: String,
        /// Why.
        reason: String,
    },
    /// Could not connect (after retries).
    #[error("cannot reach {url}: {reason}; is the application running and reachable?")]
    Connect {
        /// Where (credentials removed).
        url: String,
        /// The transport error.
        reason: String,
    },
    /// No complete answer within the timeout (after retries).
    #[error(
        "{url} did not answer within {ms} ms; raise [app] webhook_timeout_ms or speed up the application"
    )]
    Timeout {
        /// Where.
        url: String,
        /// The timeout.
        ms: u64,
    },
    /// An HTTP error status (after retries when the policy retries it).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// Where.
        url: String,
        /// The status.
        status: u16,
    },
    /// The reply was larger than [`MAX_REPLY_BYTES`].
    #[error("{url} replied with more than {MAX_REPLY_BYTES} bytes; replies are capped at 1 MiB")]
    TooLarge {
        /// Where.
        url: String,
    },
}

/// The webhook client of one call, built from a configuration snapshot.
#[derive(Clone)]
pub struct Webhooks {
    client: reqwest::Client,
    base: Hook,
    secret: Secret,
    timeout: Duration,
    retries: u32,
    metrics: Option<Arc<Metrics>>,
}

/// The shared HTTP client: rustls, `User-Agent: dialbridge/<version>`, no
/// redirects followed (a redirect to elsewhere would carry the signature).
/// Fails (rather than panicking) when the system has no CA certificates.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("dialbridge/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            format!(
                "cannot set up the HTTP client ({}); install the system's CA certificates \
                 (apt-get install ca-certificates)",
                root_cause(&e)
            )
        })
}

/// A URL with any password removed, for logs and errors.
pub fn shown(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("****"));
    }
    u.set_fragment(None);
    u.to_string()
}

impl Webhooks {
    /// The client for calls handled with `settings`.
    pub fn new(client: reqwest::Client, settings: &Settings) -> Self {
        Self {
            client,
            base: settings.app.call_hook(),
            secret: settings.app.webhook_secret.clone(),
            timeout: Duration::from_millis(settings.app.webhook_timeout_ms),
            retries: settings.app.webhook_retries,
            metrics: None,
        }
    }

    /// Counts requests and their latency in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The application's `call_hook`.
    pub fn call_hook(&self) -> &Hook {
        &self.base
    }

    /// `hook`'s URL made absolute against `call_hook`, and the retry policy
    /// its fragment asks for.
    pub fn resolve(&self, hook: &Hook) -> Result<(Url, RetryPolicy), WebhookError> {
        let bad = |reason: String| WebhookError::BadUrl {
            url: hook.url.clone(),
            reason,
        };
        let base = Url::parse(&self.base.url).map_err(|e| bad(format!("call_hook: {e}")))?;
        let mut url = base.join(&hook.url).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("only http and https are supported".into()));
        }
        let policy =
            RetryPolicy::new(self.retries).with_fragment(url.fragment().unwrap_or_default());
        url.set_fragment(None);
        Ok((url, policy))
    }

    /// Sends `payload` to `hook`; returns the reply body (None when empty).
    pub async fn send(
        &self,
        kind: HookKind,
        hook: &Hook,
        payload: &Value,
    ) -> Result<Option<String>, WebhookError> {
        let started = std::time::Instant::now();
        let result = self.send_with_retries(kind, hook, payload).await;
        if let Some(m) = &self.metrics {
            let outcome = match &result {
                Ok(_) => "ok",
                Err(WebhookError::BadUrl { .. }) => "bad_url",
                Err(WebhookError::Connect { .. }) => "connect_error",
                Err(WebhookError::Timeout { .. }) => "timeout",
                Err(WebhookError::Status { .. }) => "http_error",
                Err(WebhookError::TooLarge { .. }) => "too_large",
            };
            m.webhook(kind.as_str(), outcome, started.elapsed());
        }
        result
    }

    async fn send_with_retries(
        &self,
        kind: HookKind,
        hook: &Hook,
        payload: &Value,
    ) -> Result<Option<String>, WebhookError> {
        let (url, policy) = self.resolve(hook)?;
        let shown_url = shown(&url);
        let mut attempt = 0;
        loop {
            let started = std::time::Instant::now();
            let result = self.attempt(&url, &shown_url, hook, payload).await;
            let ms = started.elapsed().as_millis();
            let failure = match &result {
                Ok(_) => None,
                Err(WebhookError::Connect { .. }) => Some(Failure::Connect),
                Err(WebhookError::Timeout { .. }) => Some(Failure::Timeout),
                Err(WebhookError::Status { status, .. }) => Some(Failure::Status(*status)),
                Err(_) => None,
            };
            match failure {
                Some(f) if attempt < policy.retries && policy.retries_on(f) => {
                    attempt += 1;
                    let backoff = Duration::from_millis(250 << attempt.min(3));
                    warn!(hook = kind.as_str(), url = %shown_url, attempt, ?backoff,
                          error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
                          "webhook failed; retrying");
                    tokio::time::sleep(backoff).await;
                }
                _ => {
                    match &result {
                        Ok(_) => {
                            debug!(hook = kind.as_str(), url = %shown_url, ms, "webhook answered")
                        }
                        Err(e) => warn!(hook = kind.as_str(), ms, error = %e, "webhook failed"),
                    }
                    return result;
                }
            }
        }
    }

    async fn attempt(
        &self,
        url: &Url,
        shown_url: &str,
        hook: &Hook,
        payload: &Value,
    ) -> Result<Option<String>, WebhookError> {
        let (mut request, body) = match hook.method {
            Method::Post => {
                let body = payload.to_string();
                (
                    self.client
                        .post(url.clone())
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone()),
                    body,
                )
            }
            Method::Get => (
                self.client.get(url.clone()).query(&query(payload)),
                String::new(),
            ),
        };
        request = request.timeout(self.timeout);
        if let Some(user) = &hook.username {
            request = request.basic_auth(user, hook.password.as_ref().map(Secret::expose));
        }
        if !self.secret.is_empty() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            request = request.header(
                signature::HEADER,
                signature::sign(self.secret.expose(), now, &body),
            );
        }
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                WebhookError::Timeout {
                    url: shown_url.to_owned(),
                    ms: self.timeout.as_millis() as u64,
                }
            } else {
                WebhookError::Connect {
                    url: shown_url.to_owned(),
                    reason: root_cause(&e),
                }
            }
        };
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(WebhookError::Status {
                url: shown_url.to_owned(),
                status,
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(WebhookError::TooLarge {
                    url: shown_url.to_owned(),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok((!text.trim().is_empty()).then_some(text))
    }
}

/// The innermost error message (reqwest wraps the useful one).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A payload as GET query parameters: top-level scalars as text, nested
/// values as their JSON.
pub fn query(payload: &Value) -> Vec<(String, String)> {
    let Some(object) = payload.as_object() else {
        return Vec::new();
    };
    object
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_flattens_scalars_and_keeps_nested_values_as_json() {
        let q = query(&json!({"a": "x y", "n": 3, "b": true, "o": {"k": 1}, "z": null}));
        assert_eq!(
            q,
            vec![
                ("a".into(), "x y".into()),
                ("n".into(), "3".into()),
                ("b".into(), "true".into()),
                ("o".into(), "{\"k\":1}".into()),
            ]
        );
    }

    #[test]
    fn urls_lose_their_password_in_logs() {
        let u = Url::parse("https://user:pw@app.example/x#rc=2").unwrap();
        assert_eq!(shown(&u), "https://user:****@app.example/x");
    }

    #[test]
    fn relative_hooks_resolve_against_call_hook_and_fragments_set_retries() {
        let mut s = Settings::default();
        s.app.call_hook = crate::app::hook::HookSpec::Url("http://app.example/v1/call".into());
        let w = Webhooks::new(reqwest::Client::new(), &s);
        let (u, p) = w.resolve(&Hook::post("/outdial#rc=4")).unwrap();
        assert_eq!(u.as_str(), "http://app.example/outdial");
        assert_eq!(p.retries, 4);
        let (u, _) = w.resolve(&Hook::post("next")).unwrap();
        assert_eq!(u.as_str(), "http://app.example/v1/next");
        let (u, _) = w.resolve(&Hook::post("https://other.example/a")).unwrap();
        assert_eq!(u.as_str(), "https://other.example/a");
    }
}
