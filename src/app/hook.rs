//! Webhooks as applications name them: a URL (absolute, or relative to the
//! call's `call_hook`) or `{url, method, username, password}`.
//!
//! A relative hook is a path (`/action`, `next`): it goes to `call_hook`'s
//! host with `call_hook`'s credentials. `//host/x` is scheme-relative — it
//! names another host — and is refused, as is any text that would resolve
//! away from `call_hook`'s host (`\\host/x`, `/\host/x`): write it absolute.
//! Messages and printed configuration show URLs with their password masked.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::secret::Secret;

/// HTTP method of a hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// JSON body (the default, as in jambonz).
    #[default]
    Post,
    /// Fields as query parameters.
    Get,
}

/// The language a configured hook's application speaks (`format` in the
/// configuration): requests and replies follow it. Exists so an operator
/// can point dialbridge at a Restcomm/Twilio application unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Not declared: JSON requests (jambonz); an XML reply is read as RCML.
    #[default]
    Auto,
    /// jambonz: JSON requests, JSON verbs; an XML reply is an error.
    Jambonz,
    /// RCML/TwiML: form-encoded requests with Twilio's parameter names and
    /// `X-Twilio-Signature`, XML replies; a JSON reply is an error.
    Rcml,
}

/// A webhook to call. `url` is kept as written; it is resolved against
/// `call_hook` when the request is made. Prints (`Serialize`, for
/// `check-config`) with the URL's password masked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, rename_all = "camelCase")]
pub enum HookSpec {
    /// Just a URL.
    Url(String),
    /// A full hook with its application's language declared (`format`
    /// present; tried before [`HookSpec::Full`], which has none).
    Declared {
        /// Absolute URL.
        url: String,
        /// GET or POST.
        #[serde(default)]
        method: Method,
        /// HTTP basic auth user.
        #[serde(default)]
        username: Option<String>,
        /// HTTP basic auth password.
        #[serde(default)]
        password: Option<Secret>,
        /// `rcml` or `jambonz` ([`HookSpec::format`]); a name kept as
        /// written so a misspelt one is refused by `check-config` instead
        /// of ignored.
        format: String,
    },
    /// URL with method and credentials.
    Full {
        /// Absolute or relative URL.
        url: String,
        /// GET or POST.
        #[serde(default)]
        method: Method,
        /// HTTP basic auth user.
        #[serde(default)]
        username: Option<String>,
        /// HTTP basic auth password.
        #[serde(default)]
        password: Option<Secret>,
    },
}

impl HookSpec {
    /// The declared [`Format`] (`Auto` unless declared; an unknown name is
    /// `Auto` too, and refused by [`HookSpec::check_format`]).
    pub fn format(&self) -> Format {
        match self {
            HookSpec::Declared { format, .. } => match format.to_ascii_lowercase().as_str() {
                "rcml" => Format::Rcml,
                "jambonz" => Format::Jambonz,
                _ => Format::Auto,
            },
            _ => Format::Auto,
        }
    }

    /// Checks the declared `format`'s name.
    pub fn check_format(&self) -> Result<(), String> {
        match self {
            HookSpec::Declared { format, .. } if self.format() == Format::Auto => Err(format!(
                "format `{format}` is not a dialect dialbridge speaks; use \"rcml\" \
                 (Restcomm/TwiML XML) or \"jambonz\" (JSON)"
            )),
            _ => Ok(()),
        }
    }
}

impl Serialize for HookSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            HookSpec::Url(url) => serializer.serialize_str(&crate::secret::masked(url)),
            HookSpec::Full {
                url,
                method,
                username,
                password,
            } => {
                let mut s = serializer.serialize_struct("HookSpec", 4)?;
                s.serialize_field("url", &crate::secret::masked(url))?;
                s.serialize_field("method", method)?;
                s.serialize_field("username", username)?;
                s.serialize_field("password", password)?;
                s.end()
            }
            HookSpec::Declared {
                url,
                method,
                username,
                password,
                format,
            } => {
                let mut s = serializer.serialize_struct("HookSpec", 5)?;
                s.serialize_field("url", &crate::secret::masked(url))?;
                s.serialize_field("method", method)?;
                s.serialize_field("username", username)?;
                s.serialize_field("password", password)?;
                s.serialize_field("format", format)?;
                s.end()
            }
        }
    }
}

/// A validated webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hook {
    /// Absolute http(s) URL, or a path relative to `call_hook`.
    pub(crate) url: String,
    /// GET or POST.
    pub(crate) method: Method,
    /// HTTP basic auth user.
    pub(crate) username: Option<String>,
    /// HTTP basic auth password.
    pub password: Option<Secret>,
}

impl Hook {
    /// A POST hook to `url`.
    pub(crate) fn post(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: Method::Post,
            username: None,
            password: None,
        }
    }

    /// True when the URL is absolute (has an http or https scheme).
    pub(crate) fn is_absolute(&self) -> bool {
        url::Url::parse(&self.url).is_ok()
    }
}

impl From<HookSpec> for Hook {
    fn from(spec: HookSpec) -> Self {
        match spec {
            HookSpec::Url(url) => Hook::post(url),
            HookSpec::Full {
                url,
                method,
                username,
                password,
            }
            | HookSpec::Declared {
                url,
                method,
                username,
                password,
                ..
            } => Hook {
                url,
                method,
                username,
                password,
            },
        }
    }
}

/// Checks a hook URL: absolute http(s), or relative (a path such as
/// `/outdial` or `outdial`, resolved against `call_hook`). A relative text
/// that would name another host (`//host/x`) is refused. Messages show the
/// URL with its password masked.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("the URL is empty".to_owned());
    }
    let shown = crate::secret::masked(url);
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {
            if u.host_str().is_none_or(str::is_empty) {
                Err(format!("`{shown}` has no host"))
            } else {
                Ok(())
            }
        }
        Ok(u) => Err(format!(
            "`{shown}` uses the {} scheme; a hook must be an http(s) URL or a relative path",
            u.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            const BASE: &str = "base.invalid";
            let base = url::Url::parse(&format!("http://{BASE}/")).map_err(|e| e.to_string())?;
            match base.join(url) {
                Ok(u) if u.host_str() == Some(BASE) && u.port().is_none() => Ok(()),
                Ok(_) => Err(format!(
                    "`{shown}` is scheme-relative (it names another host, not a path on \
                     call_hook's); write the absolute https:// URL"
                )),
                Err(e) => Err(format!("`{shown}` is not a valid relative URL: {e}")),
            }
        }
        Err(e) => Err(format!("`{shown}` is not a valid URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_hook_specs_mask_url_passwords() {
        let spec = HookSpec::Url("https://u:hunter2@app.example/call#rc=2".into());
        let printed = serde_json::to_string(&spec).unwrap();
        assert!(
            !printed.contains("hunter2") && printed.contains("#rc=2"),
            "{printed}"
        );
        let full = HookSpec::Full {
            url: "https://u:hunter2@app.example/call".into(),
            method: Method::Get,
            username: Some("v".into()),
            password: Some(Secret::new("other-secret")),
        };
        let printed = serde_json::to_string(&full).unwrap();
        assert!(
            !printed.contains("hunter2") && !printed.contains("other-secret"),
            "{printed}"
        );
        assert!(printed.contains("\"method\":\"GET\""), "{printed}");
        let declared = HookSpec::Declared {
            url: "https://u:hunter2@app.example/rcml".into(),
            method: Method::Post,
            username: None,
            password: Some(Secret::new("other-secret")),
            format: "rcml".into(),
        };
        let printed = serde_json::to_string(&declared).unwrap();
        assert!(
            !printed.contains("hunter2") && !printed.contains("other-secret"),
            "{printed}"
        );
        assert!(printed.contains("\"format\":\"rcml\""), "{printed}");
    }

    #[test]
    fn a_declared_format_is_read_and_a_misspelt_one_refused() {
        let spec: HookSpec =
            serde_json::from_str(r#"{"url": "https://a.example/x", "format": "RCML"}"#).unwrap();
        assert_eq!(spec.format(), Format::Rcml);
        assert!(spec.check_format().is_ok());
        let spec: HookSpec =
            serde_json::from_str(r#"{"url": "https://a.example/x", "method": "GET"}"#).unwrap();
        assert!(matches!(
            spec,
            HookSpec::Full {
                method: Method::Get,
                ..
            }
        ));
        assert_eq!(spec.format(), Format::Auto);
        let spec: HookSpec =
            serde_json::from_str(r#"{"url": "https://a.example/x", "format": "twiml"}"#).unwrap();
        let e = spec.check_format().unwrap_err();
        assert!(e.contains("twiml") && e.contains("rcml"), "{e}");
    }
}
