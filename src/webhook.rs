//! Talking to the web application: POST JSON (or GET with query parameters),
//! HTTP basic auth, the `Jambonz-Signature` header — or, for an application
//! declared `format = "rcml"`, Twilio's form-encoded parameters signed with
//! `X-Twilio-Signature` ([`form`]) — a timeout per request,
//! retries with backoff, a 1 MiB cap on replies, relative URLs resolved
//! against `call_hook` (with its credentials), `dtmfHook` posts bounded per
//! call ([`limit`]). Secrets never reach a log line.

mod error;
pub mod form;
mod kind;
pub mod limit;
mod policy;
pub(crate) mod signature;
mod urls;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tracing::{debug, info, warn};

pub(crate) use error::WebhookError;
pub use kind::HookKind;
pub(crate) use limit::{Decision, Limiter, Limits};
pub(crate) use policy::{Failure, RetryPolicy};
pub(crate) use urls::Resolved;

use crate::app::{Format, Hook, Method};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::secret::{Secret, shown};

/// Largest reply body read from an application.
pub(crate) const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// What an application answered: the body, and the Content-Type it
/// declared, from which the dialect that reads it is chosen
/// ([`crate::dialect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplyBody {
    /// The body (never blank: a blank reply is `None`).
    pub(crate) text: String,
    /// The `Content-Type` header as sent, if any.
    pub(crate) content_type: Option<String>,
}

/// The webhook client of one call, built from a configuration snapshot.
#[derive(Clone)]
pub(crate) struct Webhooks {
    client: reqwest::Client,
    base: Hook,
    secret: Secret,
    timeout: Duration,
    retries: u32,
    metrics: Option<Arc<Metrics>>,
    /// The call's bound on `dtmfHook` posts (shared by the clones).
    dtmf: Limiter,
    /// The declared formats of the application's hooks.
    formats: form::Formats,
}

/// The shared HTTP client: rustls, `User-Agent: dialbridge/<version>`, no
/// redirects followed (a redirect to elsewhere would carry the signature).
/// Fails (rather than panicking) when the system has no CA certificates.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .user_agent(concat!("dialbridge/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ClientError {
            why: root_cause(&e),
            source: e,
        })
}

/// The HTTP client for webhooks could not be built (in practice: no CA
/// certificates to trust).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot set up the HTTP client ({why}); install the system's CA certificates \
     (apt-get install ca-certificates)"
)]
pub struct ClientError {
    /// The innermost cause, as the message shows it.
    why: String,
    /// What reqwest reported.
    #[source]
    source: reqwest::Error,
}

impl Webhooks {
    /// The client for calls handled with `settings`.
    pub(crate) fn new(client: reqwest::Client, settings: &Settings) -> Self {
        Self {
            client,
            base: settings.app.call_hook(),
            secret: settings.app.webhook_secret.clone(),
            timeout: Duration::from_millis(settings.app.webhook_timeout_ms),
            retries: settings.app.webhook_retries,
            metrics: None,
            dtmf: Limiter::new(Limits::of(&settings.dtmf)),
            formats: form::Formats::of(settings),
        }
    }

    /// The declared format of the application behind `call_hook` (every
    /// hook its replies name speaks it too).
    pub fn format(&self) -> Format {
        self.formats.of_kind(HookKind::Call)
    }

    /// Counts requests and their latency in `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The application's `call_hook`.
    pub fn call_hook(&self) -> &Hook {
        &self.base
    }

    /// `hook`'s URL made absolute against `call_hook`, its retry policy and
    /// credentials ([`urls::resolve`]).
    pub(crate) fn resolve(&self, hook: &Hook) -> Result<Resolved, WebhookError> {
        urls::resolve(&self.base, hook, self.retries)
    }

    /// Sends `payload` to `hook`; returns the reply body with its
    /// Content-Type (None when the body is empty).
    pub(crate) async fn send(
        &self,
        kind: HookKind,
        hook: &Hook,
        payload: &Value,
    ) -> Result<Option<ReplyBody>, WebhookError> {
        let permit = match self.admit(kind) {
            Ok(permit) => permit,
            Err(e) => {
                if let Some(m) = &self.metrics {
                    m.webhook_dropped(kind.as_str());
                }
                return Err(e);
            }
        };
        let started = std::time::Instant::now();
        let result = self.send_with_retries(kind, hook, payload).await;
        // The post's place is free before anyone can see it counted as done.
        drop(permit);
        if let Some(m) = &self.metrics {
            let outcome = match &result {
                Ok(_) => "ok",
                Err(WebhookError::BadUrl { .. }) => "bad_url",
                Err(WebhookError::Connect { .. }) => "connect_error",
                Err(WebhookError::Timeout { .. }) => "timeout",
                Err(WebhookError::Status { .. }) => "http_error",
                Err(WebhookError::TooLarge { .. }) => "too_large",
                Err(WebhookError::Dropped { .. }) => "dropped",
            };
            m.webhook(kind.as_str(), outcome, started.elapsed());
        }
        result
    }

    /// Applies the call's bound to a post of `kind` (only `dtmfHook` posts
    /// are bounded: the caller triggers them). Logs the first drop of a
    /// burst, and how many were dropped when posts flow again.
    fn admit(&self, kind: HookKind) -> Result<Option<limit::Permit>, WebhookError> {
        if kind != HookKind::Dtmf {
            return Ok(None);
        }
        let limits = self.dtmf.limits();
        match self.dtmf.admit(std::time::Instant::now()) {
            (Decision::Send { dropped_before }, permit) => {
                if dropped_before > 0 {
                    info!(
                        hook = kind.as_str(),
                        dropped = dropped_before,
                        "dtmfHook posts flow again after a burst was dropped"
                    );
                }
                Ok(permit)
            }
            (
                Decision::Drop {
                    bound,
                    first_of_burst,
                },
                _,
            ) => {
                if first_of_burst {
                    warn!(
                        hook = kind.as_str(),
                        bound = bound.as_str(),
                        per_sec = limits.per_sec,
                        burst = limits.burst,
                        in_flight = limits.in_flight,
                        "dtmfHook posts dropped: the caller sends matches faster than [dtmf] \
                         hook_rate_per_sec/hook_burst/hook_max_in_flight allow (logged once per burst)"
                    );
                }
                Err(WebhookError::Dropped {
                    kind: kind.as_str(),
                    bound: bound.as_str(),
                })
            }
        }
    }

    async fn send_with_retries(
        &self,
        kind: HookKind,
        hook: &Hook,
        payload: &Value,
    ) -> Result<Option<ReplyBody>, WebhookError> {
        let resolved = self.resolve(hook)?;
        let policy = resolved.policy;
        let shown_url = shown(&resolved.url);
        let mut attempt = 0;
        loop {
            let started = std::time::Instant::now();
            let result = self
                .attempt(&resolved, &shown_url, hook.method, payload, kind)
                .await;
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
        resolved: &Resolved,
        shown_url: &str,
        method: Method,
        payload: &Value,
        kind: HookKind,
    ) -> Result<Option<ReplyBody>, WebhookError> {
        let url = &resolved.url;
        let rcml = self.formats.of_kind(kind) == Format::Rcml;
        let (mut request, body) = match method {
            _ if rcml => (
                form::build(&self.client, url, method, payload, &self.secret),
                String::new(),
            ),
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
        if let Some((user, password)) = &resolved.auth {
            request = request.basic_auth(user, password.as_ref().map(Secret::expose));
        }
        if !self.secret.is_empty() && !rcml {
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
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
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
        Ok((!text.trim().is_empty()).then_some(ReplyBody { text, content_type }))
    }
}

/// The innermost error message (reqwest wraps the useful one; it names no
/// URL, so no credentials).
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A payload as GET query parameters: top-level scalars as text, nested
/// values as their JSON.
pub(crate) fn query(payload: &Value) -> Vec<(String, String)> {
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
}
