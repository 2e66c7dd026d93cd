//! `[api]`: the REST call-control API (issue 13). Off unless the section
//! is present; present without a key it is refused, so an API that can
//! originate calls is never served unauthenticated.

use serde::{Deserialize, Serialize};

use super::SettingProblem;
use crate::secret::Secret;

/// `[api]`: where the REST API listens and the bearer tokens it accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Api {
    /// `host:port` to serve on.
    pub address: String,
    /// Bearer tokens (`Authorization: Bearer <key>`); any one is accepted.
    /// Secrets: masked wherever the configuration is printed.
    pub keys: Vec<Secret>,
}

impl Default for Api {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8086".into(),
            keys: Vec::new(),
        }
    }
}

/// The problems of an `[api]` section.
pub(crate) fn check(api: &Api) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    if let Err(e) = api.address.parse::<std::net::SocketAddr>() {
        out.push(SettingProblem {
            key: "api.address".into(),
            message: format!(
                "`{}` is not host:port ({e}); e.g. 127.0.0.1:8086",
                api.address
            ),
        });
    }
    if api.keys.is_empty() {
        out.push(SettingProblem {
            key: "api.keys".into(),
            message: "[api] is present but has no key: the API can create and end calls, so it \
                      is not served without one; add keys = [\"<a long random token>\"] or \
                      remove [api]"
                .into(),
        });
    }
    if api.keys.iter().any(|k| k.expose().trim().len() < 16) {
        out.push(SettingProblem {
            key: "api.keys".into(),
            message: "every key must be at least 16 characters (e.g. `openssl rand -hex 32`)"
                .into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, Settings};

    fn load(toml: &str) -> Result<Settings, ConfigError> {
        let path =
            std::env::temp_dir().join(format!("dialbridge-api-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, toml).expect("write");
        let out = Settings::load_with_env(Some(&path), Vec::new()).map(|(s, _)| s);
        let _ = std::fs::remove_file(&path);
        out
    }

    #[test]
    fn api_is_off_without_the_section_and_refused_without_a_key() {
        assert!(load("").expect("valid").api.is_none());
        let Err(ConfigError::Invalid { problems, .. }) = load("[api]\n") else {
            panic!("an [api] without keys must be refused");
        };
        assert_eq!(problems[0].key, "api.keys");
        assert!(
            problems[0].message.contains("no key"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn keys_are_masked_when_printed_and_the_address_defaults() {
        let s = load("[api]\nkeys = [\"a-very-secret-key-123456\"]\n").expect("valid");
        let api = s.api.as_ref().expect("on");
        assert_eq!(api.address, "127.0.0.1:8086");
        assert_eq!(api.keys[0].expose(), "a-very-secret-key-123456");
        let printed = s.to_masked_toml();
        assert!(!printed.contains("a-very-secret"), "{printed}");
        assert!(printed.contains("[api]"), "{printed}");
        assert!(!format!("{s:?}").contains("a-very-secret"));
    }
}
