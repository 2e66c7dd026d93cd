//! One call's life: fetch the application, run its verbs, follow its hooks.
//!
//! [`session`] is the verb loop; [`verbs`] runs the verbs that act on the
//! caller alone; [`dial`] runs a dial; [`info`] and [`status`] build what
//! hooks carry; [`media`] fetches audio for FreeSWITCH.

pub mod amd;
pub(crate) mod background;
pub(crate) mod barge_in;
pub(crate) mod broadcast;
pub(crate) mod conference_rooms;
pub(crate) mod conference_steer;
pub mod conference_verb;
pub(crate) mod conference_wait;
pub mod config_verb;
pub mod dial;
pub mod dtmf;
pub mod handle;
pub(crate) mod info;
pub(crate) mod listen;
pub(crate) mod listen_verb;
pub mod media;
pub mod origination;
pub mod play_verb;
pub(crate) mod queue_verbs;
pub(crate) mod queues;
pub mod rcml_flow;
pub(crate) mod recording;
pub mod rest_dial_verb;
pub mod session;
pub mod session_verbs;
pub mod status;
pub(crate) mod steering;
pub mod tasks;
pub(crate) mod transcribe;
pub mod verbs;

use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tracing::error;

use crate::app::{Hook, Instruction, Problem, ReplyError};
use crate::config::Settings;
use crate::dialect::read;
use crate::freeswitch::control::Control;
use crate::freeswitch::socket::CallSocket;
use crate::metrics::Metrics;
use crate::webhook::{HookKind, WebhookError, Webhooks};
use dial::screening::Screenings;
use info::CallInfo;
use media::MediaCache;
use status::StatusNotifier;
use tasks::Tasks;

/// What every call shares: the configuration (replaced on reload; each call
/// keeps the snapshot it started with), the HTTP client, the media cache,
/// the screening connections waiting for their dial, the control
/// connection, and the count of the work calls leave running.
pub struct Engine {
    /// Current configuration.
    pub settings: watch::Receiver<Arc<Settings>>,
    /// Shared HTTP client.
    pub http: reqwest::Client,
    /// Screening legs arriving on the listener, by leg UUID.
    pub(crate) screenings: Screenings,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// What calls share about the media cache (downloads, held files).
    pub media: Arc<media::CacheState>,
    /// The inbound control connection, for calls whose socket failed.
    pub control: Control,
    /// Every task calls start (hook posts, clean-up, connections): a drain
    /// waits for them.
    pub(crate) tasks: Tasks,
    /// The queues of `enqueue` and `dequeue`.
    pub(crate) queues: Arc<queues::Queues>,
    /// The conference rooms calls are in or wait for.
    pub(crate) rooms: Arc<conference_rooms::Rooms>,
    /// createCall, for `rest:dial` (set by the daemon).
    pub(crate) originator: std::sync::OnceLock<Arc<dyn rest_dial_verb::Originator>>,
}

impl Engine {
    /// An engine over `settings`.
    pub(crate) fn new(
        settings: watch::Receiver<Arc<Settings>>,
        metrics: Arc<Metrics>,
        http: reqwest::Client,
        control: Control,
    ) -> Self {
        Self {
            settings,
            http,
            screenings: Screenings::default(),
            metrics,
            media: Arc::default(),
            control,
            tasks: Tasks::default(),
            queues: Arc::default(),
            rooms: Arc::default(),
            originator: std::sync::OnceLock::new(),
        }
    }

    /// A call's view of the media cache, with `settings`.
    pub(crate) fn media_cache(&self, settings: &crate::config::Media) -> MediaCache {
        MediaCache::new(self.http.clone(), settings.clone(), Arc::clone(&self.media))
    }

    /// The webhook client for a call running with `settings`.
    pub(crate) fn webhooks(&self, settings: &Settings) -> Webhooks {
        Webhooks::new(self.http.clone(), settings).with_metrics(Arc::clone(&self.metrics))
    }
}

/// Everything a running call needs.
pub struct Call {
    /// The caller's socket.
    pub(crate) socket: CallSocket,
    /// Hook payload fields.
    pub(crate) info: CallInfo,
    /// The configuration this call runs with.
    pub settings: Arc<Settings>,
    /// Webhook client.
    pub(crate) hooks: Webhooks,
    /// Media cache.
    pub media: MediaCache,
    /// Status hook.
    pub(crate) status: StatusNotifier,
    /// Shared engine.
    pub engine: Arc<Engine>,
    /// Set by a dial that reached nobody: how to refuse the caller if no
    /// verb follows (cleared when another verb runs).
    pub(crate) pending_refusal: Option<crate::freeswitch::outcome::Refusal>,
    /// The call's hook fields as last reported, for its handle's snapshots
    /// while a verb holds the call.
    pub view: watch::Sender<Map<String, Value>>,
    /// Defaults set by `config` verbs (voice, recognizer) for later verbs.
    pub defaults: crate::app::config::Config,
    /// What `config` verbs left running beside the verbs: streams (listen,
    /// transcribe), `bargeIn`, `sipRequestWithinDialogHook`.
    pub(crate) background: background::Background,
}

/// Why a hook gave the call nothing to run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HookFailure {
    /// The request failed.
    #[error(transparent)]
    Request(#[from] WebhookError),
    /// The reply is not a valid application.
    #[error(transparent)]
    Reply(#[from] ReplyError),
}

impl Call {
    /// The call's fields for a payload, plus `extra`.
    pub(crate) fn payload(&self, extra: Value) -> Value {
        let mut p = self.info.payload(self.socket.state());
        if let Value::Object(extra) = extra {
            p.extend(extra);
        }
        Value::Object(p)
    }

    /// The call's fields as every hook payload carries them.
    pub(crate) fn fields(&self) -> Map<String, Value> {
        self.info.payload(self.socket.state())
    }

    /// Posts the status changes seen so far, and publishes the call's
    /// fields for its handle.
    pub(crate) fn sync_status(&mut self) {
        let state = self.socket.state();
        self.status.sync(&self.info, state);
        let info = &self.info;
        self.view
            .send_if_modified(|shown| info.refresh(shown, state));
    }

    /// Calls `hook` with `payload` and reads its reply as verbs (None for an
    /// empty reply). An invalid reply is logged with every problem and
    /// reported to the error hook.
    pub(crate) async fn fetch(
        &mut self,
        kind: HookKind,
        hook: &Hook,
        payload: Value,
    ) -> Result<Option<Vec<Instruction>>, HookFailure> {
        let body = match self.hooks.send(kind, hook, &payload).await {
            Ok(body) => body,
            Err(e) => {
                self.report(kind, &hook.url, &e.to_string(), &[]);
                return Err(e.into());
            }
        };
        let Some(body) = body else {
            return Ok(None);
        };
        let ctx = self.settings.app_context();
        let declared = self.hooks.format();
        match read(
            &body.text,
            body.content_type.as_deref(),
            declared,
            &hook.url,
            &ctx,
        ) {
            Ok(reply) => {
                for n in &reply.notices {
                    tracing::info!(hook = kind.as_str(), notice = %n, "reply notice");
                }
                Ok(Some(reply.instructions))
            }
            Err(e) => {
                let problems = e.problems();
                self.report(
                    kind,
                    &hook.url,
                    "the reply is not a valid application",
                    &problems,
                );
                Err(e.into())
            }
        }
    }

    /// Logs a failure with every problem and tells `[app] error_hook`
    /// (fire-and-forget).
    pub(crate) fn report(&self, kind: HookKind, url: &str, what: &str, problems: &[Problem]) {
        self.reporter().report(kind, url, what, problems);
    }

    /// What [`Call::report`] needs, for tasks the call leaves running.
    pub(crate) fn reporter(&self) -> Reporter {
        Reporter {
            hooks: self.hooks.clone(),
            error_hook: self.settings.app.error_hook.clone().map(Into::into),
            call_sid: self.info.channel.uuid.clone(),
            tasks: self.engine.tasks.clone(),
        }
    }
}

/// Reports a failed hook: logs it with every problem and posts it to
/// `[app] error_hook` from a counted task. Clonable, so tasks a call leaves
/// running (AMD and DTMF posts) report like the call itself.
#[derive(Clone)]
pub(crate) struct Reporter {
    hooks: Webhooks,
    error_hook: Option<Hook>,
    call_sid: String,
    tasks: Tasks,
}

impl Reporter {
    /// See [`Reporter`].
    pub(crate) fn report(&self, kind: HookKind, url: &str, what: &str, problems: &[Problem]) {
        // A URL may carry credentials (`https://user:pass@...`): never log them.
        let shown = url::Url::parse(url).map(|u| crate::secret::shown(&u));
        let url = shown.as_deref().unwrap_or(url);
        error!(
            hook = kind.as_str(),
            url,
            error = what,
            problems = problems.len(),
            "hook failed"
        );
        for p in problems {
            error!(pointer = %p.pointer, message = %p.message, "reply problem");
        }
        let Some(spec) = self.error_hook.clone() else {
            return;
        };
        let mut payload = Map::new();
        payload.insert("call_sid".into(), json!(self.call_sid));
        payload.insert("hook".into(), json!(kind.as_str()));
        payload.insert("url".into(), json!(url));
        payload.insert("error".into(), json!(what));
        payload.insert("problems".into(), json!(problems));
        let hooks = self.hooks.clone();
        let post = async move {
            let _ = hooks
                .send(HookKind::Error, &spec, &Value::Object(payload))
                .await;
        };
        self.tasks.spawn(tracing::Instrument::in_current_span(post));
    }
}
