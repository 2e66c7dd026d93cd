//! Reading jambonz's hook properties: a URL string, or `{url, method,
//! username, password}`.

use serde_json::Value;

use super::Pointer;
use super::fields::{Fields, check_text, kind};
use crate::app::hook::{Hook, Method, check_url};
use crate::app::problem::Problems;
use crate::secret::Secret;

/// Reads a hook property: a string, or an object {url, method, username,
/// password}.
pub(crate) fn read_hook(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<Hook> {
    match value {
        Value::String(url) => {
            if !check_text(url, at, problems) {
                return None;
            }
            match check_url(url) {
                Ok(()) => Some(Hook::post(url.clone())),
                Err(e) => {
                    problems.add(at, e);
                    None
                }
            }
        }
        Value::Object(_) => {
            let mut f = Fields::of(value, at, "a hook", problems)?;
            let url = f.required_str("url", "the webhook's URL");
            let url = url.and_then(|u| match check_url(u) {
                Ok(()) => Some(u.to_owned()),
                Err(e) => {
                    f.problem("url", e);
                    None
                }
            });
            let method = match f.str("method") {
                None => Some(Method::Post),
                Some(m) if m.eq_ignore_ascii_case("POST") => Some(Method::Post),
                Some(m) if m.eq_ignore_ascii_case("GET") => Some(Method::Get),
                Some(m) => {
                    f.problem("method", format!("must be GET or POST, not `{m}`"));
                    None
                }
            };
            let username = f.str("username").map(str::to_owned);
            let password = f.str("password").map(Secret::new);
            if password.is_some() && username.is_none() {
                let at = f.at().clone();
                f.problems().add(
                    &at,
                    "`password` is set without `username`; add the username",
                );
            }
            f.finish();
            Some(Hook {
                url: url?,
                method: method?,
                username,
                password,
            })
        }
        other => {
            problems.add(
                at,
                format!(
                    "a hook must be a URL string or an object {{url, method}}, not {}",
                    kind(other)
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hook(v: Value) -> Result<Hook, Vec<String>> {
        let mut p = Problems::default();
        let h = read_hook(&v, &Pointer::root().key("actionHook"), &mut p);
        let (problems, _) = p.into_parts();
        match h {
            Some(h) if problems.is_empty() => Ok(h),
            _ => Err(problems.into_iter().map(|p| p.to_string()).collect()),
        }
    }

    #[test]
    fn relative_and_absolute_urls() {
        assert_eq!(hook(json!("/outdial")).unwrap().url, "/outdial");
        assert_eq!(hook(json!("outdial")).unwrap().url, "outdial");
        assert!(
            hook(json!("https://app.example.com/x"))
                .unwrap()
                .is_absolute()
        );
        assert!(!hook(json!("/x")).unwrap().is_absolute());
    }

    #[test]
    fn bad_urls_are_explained() {
        let e = hook(json!("ftp://x/y")).unwrap_err();
        assert_eq!(
            e,
            vec![
                "/actionHook: `ftp://x/y` uses the ftp scheme; a hook must be an http(s) URL or a relative path"
            ]
        );
        assert!(hook(json!("")).is_err());
        assert!(hook(json!(42)).is_err());
    }

    #[test]
    fn scheme_relative_urls_are_not_relative_paths() {
        for sneaky in [
            "//evil.example/x",
            "\\\\evil.example/x",
            "/\\evil.example/x",
        ] {
            let e = hook(json!(sneaky)).unwrap_err();
            assert!(e[0].contains("scheme-relative"), "{sneaky}: {e:?}");
        }
        assert!(hook(json!("/ok/path?x=1")).is_ok());
    }

    #[test]
    fn problems_never_show_a_urls_password() {
        for bad in ["ftp://u:hunter2@x.example/y", "//u:hunter2@evil.example/x"] {
            let e = hook(json!(bad)).unwrap_err();
            assert!(!e[0].contains("hunter2"), "{e:?}");
            assert!(e[0].contains(crate::secret::MASK), "{e:?}");
        }
    }

    #[test]
    fn object_form_with_method_and_credentials() {
        let h = hook(json!({"url": "/dtmf", "method": "get", "username": "u", "password": "p"}))
            .unwrap();
        assert_eq!(h.method, Method::Get);
        assert_eq!(h.password.as_ref().map(Secret::expose), Some("p"));
        let e = hook(json!({"url": "/dtmf", "method": "PUT", "x": 1})).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
    }
}
