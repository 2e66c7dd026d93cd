//! Where a hook's request goes: resolution against `call_hook` (with its
//! credentials for relative hooks, never leaving its host). URLs as people
//! may see them (passwords masked) are [`crate::secret`]'s.

use url::Url;

use super::{RetryPolicy, WebhookError};
use crate::app::Hook;
use crate::secret::{Secret, masked};

/// Where a hook's request goes and how: the absolute URL, the retry policy
/// of its fragment, and the basic-auth credentials to send.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Absolute http(s) URL, fragment removed.
    pub(crate) url: Url,
    /// Retries.
    pub(crate) policy: RetryPolicy,
    /// Basic-auth user and password: the hook's own, or for a relative
    /// hook without its own, `call_hook`'s.
    pub(crate) auth: Option<(String, Option<Secret>)>,
}

/// `hook`'s URL made absolute against `call_hook` (`base_hook`), the retry policy its
/// fragment asks for, and its credentials.
///
/// A relative hook (`/action`, `next`) goes to `call_hook`'s scheme,
/// host and port, and without credentials of its own it is sent with
/// `call_hook`'s (URL-embedded or `username`/`password`). A relative
/// text that would leave that origin (`//host/x`, `\\host/x`) is
/// refused: it is not relative, and must not carry `call_hook`'s
/// credentials elsewhere. An absolute hook gets only its own.
pub(crate) fn resolve(
    base_hook: &Hook,
    hook: &Hook,
    retries: u32,
) -> Result<Resolved, WebhookError> {
    let bad = |reason: String| WebhookError::BadUrl {
        url: masked(&hook.url).into_owned(),
        reason,
    };
    let base = Url::parse(&base_hook.url).map_err(|e| bad(format!("call_hook: {e}")))?;
    let relative = matches!(
        Url::parse(&hook.url),
        Err(url::ParseError::RelativeUrlWithoutBase)
    );
    let mut url = base.join(&hook.url).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https are supported".into()));
    }
    if relative && url.origin() != base.origin() {
        return Err(bad(
            "a relative hook must stay on call_hook's host; write an absolute https:// URL".into(),
        ));
    }
    let policy = RetryPolicy::new(retries).with_fragment(url.fragment().unwrap_or_default());
    url.set_fragment(None);
    let auth = match (&hook.username, &base_hook.username) {
        (Some(user), _) => Some((user.clone(), hook.password.clone())),
        (None, Some(user)) if relative => Some((user.clone(), base_hook.password.clone())),
        _ => None,
    };
    Ok(Resolved { url, policy, auth })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Method;

    /// A `call_hook` to resolve against (one retry by default).
    struct Base(Hook);

    impl Base {
        fn resolve(&self, hook: &Hook) -> Result<Resolved, WebhookError> {
            resolve(&self.0, hook, 1)
        }
    }

    fn webhooks(call_hook: crate::app::hook::HookSpec) -> Base {
        Base(call_hook.into())
    }

    #[test]
    fn relative_hooks_resolve_against_call_hook_and_fragments_set_retries() {
        let w = webhooks(crate::app::hook::HookSpec::Url(
            "http://app.example/v1/call".into(),
        ));
        let r = w.resolve(&Hook::post("/outdial#rc=4")).unwrap();
        assert_eq!(r.url.as_str(), "http://app.example/outdial");
        assert_eq!(r.policy.retries, 4);
        let r = w.resolve(&Hook::post("next")).unwrap();
        assert_eq!(r.url.as_str(), "http://app.example/v1/next");
        let r = w.resolve(&Hook::post("https://other.example/a")).unwrap();
        assert_eq!(r.url.as_str(), "https://other.example/a");
    }

    #[test]
    fn relative_hooks_keep_call_hooks_credentials_and_absolute_ones_do_not() {
        let w = webhooks(crate::app::hook::HookSpec::Full {
            url: "https://app.example/call".into(),
            method: Method::Post,
            username: Some("dialbridge".into()),
            password: Some(Secret::new("pw")),
        });
        let auth = |hook: Hook| {
            w.resolve(&hook)
                .unwrap()
                .auth
                .map(|(u, p)| (u, p.map(|p| p.expose().to_owned())))
        };
        assert_eq!(
            auth(Hook::post("/action")),
            Some(("dialbridge".into(), Some("pw".into())))
        );
        assert_eq!(auth(Hook::post("https://app.example/action")), None);
        let own = Hook {
            username: Some("other".into()),
            password: Some(Secret::new("x")),
            ..Hook::post("/action")
        };
        assert_eq!(auth(own), Some(("other".into(), Some("x".into()))));
        // URL-embedded credentials travel with the URL of a relative hook.
        let w = webhooks(crate::app::hook::HookSpec::Url(
            "https://u:p@app.example/call".into(),
        ));
        let r = w.resolve(&Hook::post("/action")).unwrap();
        assert_eq!((r.url.username(), r.url.password()), ("u", Some("p")));
    }

    #[test]
    fn scheme_relative_hooks_never_reach_another_host() {
        let w = webhooks(crate::app::hook::HookSpec::Full {
            url: "https://app.example/call".into(),
            method: Method::Post,
            username: Some("dialbridge".into()),
            password: Some(Secret::new("pw")),
        });
        for sneaky in [
            "//evil.example/x",
            "\\\\evil.example/x",
            "/\\evil.example/x",
        ] {
            let e = w.resolve(&Hook::post(sneaky)).unwrap_err();
            assert!(
                matches!(&e, WebhookError::BadUrl { reason, .. } if reason.contains("call_hook's host")),
                "{sneaky}: {e}"
            );
        }
    }
}
