//! Settings: a TOML file (default `/etc/dialbridge/dialbridge.toml`)
//! overridden by `DIALBRIDGE__SECTION__KEY` environment variables.
//!
//! Loading checks everything an operator can get wrong and names the key,
//! where it was set and what to do, so `dialbridge check-config` and
//! start-up fail with one clear list instead of a failure on the first call.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::app::hook::{Hook, HookSpec, check_url};

mod api;
mod check;
pub(crate) mod cidr;
mod fd_budget;
mod media;
mod recordings;
mod sections;
mod speech;

pub use api::Api;
pub use fd_budget::{FdLimit, current_fd_limit, fd_warning, fds_needed};
pub use media::{Media, Tts};
pub use recordings::Recordings;
pub use sections::*;
pub use speech::SpeechService;

/// Where the configuration file is looked for when `--config` is not given.
pub(crate) const DEFAULT_PATH: &str = "/etc/dialbridge/dialbridge.toml";

/// FreeSWITCH's well-known default ESL password; dialbridge warns while it is in use.
pub(crate) const DEFAULT_ESL_PASSWORD: &str = "ClueCon";

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Inbound ESL control connection.
    pub freeswitch: Freeswitch,
    /// Where FreeSWITCH's `socket` application connects.
    pub listener: Listener,
    /// Health, metrics and REST API.
    pub http: Http,
    /// The REST call-control API; off unless the section is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<Api>,
    /// Call recordings (RCML `record`, `<Record>`); off unless present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recordings: Option<Recordings>,
    /// The web application.
    pub app: App,
    /// SIP settings for dialled legs.
    pub sip: Sip,
    /// Carriers that `phone` targets go out through, by name.
    pub carriers: BTreeMap<String, Carrier>,
    /// Registrar for `user` targets.
    pub registrar: Registrar,
    /// Microsoft Teams Direct Routing.
    pub(crate) teams: Teams,
    /// Dial behaviour.
    pub dial: DialSettings,
    /// Logging.
    pub(crate) log: Log,
    /// Audio fetched from URLs.
    pub media: Media,
    /// Text to speech.
    pub tts: Tts,
    /// Stopping.
    pub(crate) shutdown: Shutdown,
    /// Answering-machine detection.
    pub amd: AmdSettings,
    /// DTMF capture.
    pub dtmf: DtmfSettings,
    /// Speech recognizers, by name (`[speech.<name>]`).
    pub speech: BTreeMap<String, SpeechService>,
}

/// Where the configuration came from, for messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file, when one was read.
    pub(crate) file: Option<PathBuf>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(p) => write!(f, "{}", p.display()),
            None => f.write_str("built-in defaults"),
        }
    }
}

/// One wrong setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// Dotted key, e.g. `app.call_hook`.
    pub(crate) key: String,
    /// What is wrong and what to do.
    pub(crate) message: String,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` named a file that cannot be read.
    #[error("cannot read configuration file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is not TOML, or a value has the wrong type.
    #[error("configuration error in {origin}: {reason}")]
    Parse {
        /// File or defaults.
        origin: String,
        /// The `config` crate's message (names the key).
        reason: String,
    },
    /// Values that parse but cannot work.
    #[error("{} configuration problem(s) in {origin}:\n{}", problems.len(), list(problems))]
    Invalid {
        /// File or defaults.
        origin: String,
        /// Every problem.
        problems: Vec<SettingProblem>,
    },
}

fn list(problems: &[SettingProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {}: {}", p.key, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Settings {
    /// Loads the file at `path` (required) or, without a path, the default
    /// file when it exists; then the environment; then checks the result.
    pub fn load(path: Option<&Path>) -> Result<(Settings, Origin), ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    /// [`Settings::load`] with an explicit environment (for tests).
    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Settings, Origin), ConfigError> {
        let file = match path {
            Some(p) => {
                if let Err(e) = std::fs::metadata(p) {
                    return Err(ConfigError::Unreadable {
                        path: p.to_owned(),
                        reason: e.to_string(),
                    });
                }
                Some(p.to_owned())
            }
            None => Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.exists()),
        };
        let origin = Origin { file };
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("DIALBRIDGE__"))
            .collect();
        let env_keys: Vec<String> = env.keys().cloned().collect();
        let parse_error = |e: config::ConfigError| ConfigError::Parse {
            origin: origin.to_string(),
            reason: e.to_string(),
        };
        let file_source = origin.file.as_ref().map(|f| {
            config::File::from(f.as_path())
                .format(config::FileFormat::Toml)
                .required(true)
        });
        // Environment keys arrive lowercased; a carrier variable applies to
        // the file's carrier of the same name in any case.
        let file_carriers: Vec<String> = match &file_source {
            Some(src) => config::Config::builder()
                .add_source(src.clone())
                .build()
                .map_err(parse_error)?
                .get_table("carriers")
                .map(|t| t.into_keys().collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let mut builder = config::Config::builder();
        if let Some(src) = file_source {
            builder = builder.add_source(src);
        }
        let (carrier_env, other_env): (Vec<_>, Vec<_>) = env
            .into_iter()
            .partition(|(k, _)| k.to_ascii_uppercase().starts_with("DIALBRIDGE__CARRIERS__"));
        builder = builder.add_source(
            config::Environment::with_prefix("DIALBRIDGE")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("media.allow_paths")
                .source(Some(other_env.into_iter().collect())),
        );
        for (key, value) in carrier_env {
            let parts: Vec<&str> = key.splitn(4, "__").collect();
            let [_, _, name, field] = parts[..] else {
                return Err(ConfigError::Parse {
                    origin: origin.to_string(),
                    reason: format!("{key}: use DIALBRIDGE__CARRIERS__<NAME>__<FIELD>"),
                });
            };
            let name = file_carriers
                .iter()
                .find(|n| n.eq_ignore_ascii_case(name))
                .cloned()
                .unwrap_or_else(|| name.to_lowercase());
            let path = format!("carriers.{name}.{}", field.to_lowercase());
            builder = builder.set_override(path, value).map_err(parse_error)?;
        }
        let settings: Settings = builder
            .build()
            .map_err(parse_error)?
            .try_deserialize()
            .map_err(parse_error)?;
        let mut problems = check::check(&settings);
        for p in &mut problems {
            let var = format!("DIALBRIDGE__{}", p.key.replace('.', "__").to_uppercase());
            if env_keys.iter().any(|k| k.eq_ignore_ascii_case(&var)) {
                p.message = format!("{} (set by the environment variable {var})", p.message);
            }
        }
        if problems.is_empty() {
            Ok((settings, origin))
        } else {
            Err(ConfigError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// The configuration as TOML with every secret masked.
    pub fn to_masked_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot print configuration: {e}\n"))
    }

    /// True while the ESL password is FreeSWITCH's well-known default.
    pub fn uses_default_esl_password(&self) -> bool {
        self.freeswitch.password.expose() == DEFAULT_ESL_PASSWORD
    }

    /// What validating a reply needs to know about this installation.
    pub fn app_context(&self) -> crate::app::Context {
        crate::app::Context {
            relaxed_numbers: self.app.relaxed_numbers,
            carriers: self.carriers.keys().cloned().collect(),
            has_default_carrier: self.carriers.values().any(|c| c.default),
            teams_tenant: self.teams.tenant.clone(),
            media_dirs: self.media.allowed_dirs(),
            registrar_domain: self.registrar.domain.clone(),
            speech: self.speech.keys().cloned().collect(),
        }
    }

    /// The carrier `name` (ignoring case), or the default one for `None`.
    pub(crate) fn carrier(&self, name: Option<&str>) -> Option<(&str, &Carrier)> {
        self.carriers
            .iter()
            .find(|(n, c)| match name {
                Some(name) => n.eq_ignore_ascii_case(name),
                None => c.default,
            })
            .map(|(n, c)| (n.as_str(), c))
    }
}

/// Checks a configured hook: it must be absolute.
fn check_config_hook(spec: &HookSpec) -> Result<(), String> {
    spec.check_format()?;
    let hook: Hook = spec.clone().into();
    check_url(&hook.url)?;
    if !hook.is_absolute() {
        return Err(format!(
            "`{}` must be an absolute http(s) URL (relative URLs are only for hooks in replies)",
            crate::secret::masked(&hook.url)
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
