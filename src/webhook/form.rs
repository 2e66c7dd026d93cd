//! Requests to RCML applications, as Restcomm and Twilio send them: the
//! parameters ([`crate::rcml::params`]) form-encoded in a POST body
//! (`application/x-www-form-urlencoded`) or in the query string of a GET,
//! signed with `X-Twilio-Signature` when `[app] webhook_secret` is set:
//! base64 of HMAC-SHA1(secret, URL + every POST parameter's name and
//! value, sorted by name) — what `twilio`'s `validateRequest` checks, the
//! secret playing the Auth Token's part.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha1::Sha1;
use url::Url;

use super::HookKind;
use crate::app::{Format, Method};
use crate::config::Settings;
use crate::secret::Secret;

/// The signature header.
pub(crate) const HEADER: &str = "X-Twilio-Signature";

/// The declared format of each configured hook: the application's
/// (`call_hook`, and every hook its replies name), `call_status_hook`'s and
/// `error_hook`'s.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Formats {
    app: Format,
    status: Format,
    error: Format,
}

impl Formats {
    /// The formats `settings` declare.
    pub(crate) fn of(settings: &Settings) -> Self {
        let declared = |h: &Option<crate::app::hook::HookSpec>| {
            h.as_ref().map_or(Format::Auto, |h| h.format())
        };
        Self {
            app: settings.app.format(),
            status: declared(&settings.app.call_status_hook),
            error: declared(&settings.app.error_hook),
        }
    }

    /// The format a request of `kind` is sent in.
    pub(crate) fn of_kind(self, kind: HookKind) -> Format {
        match kind {
            HookKind::Status => self.status,
            HookKind::Error => self.error,
            _ => self.app,
        }
    }
}

/// The RCML request for `payload` to `url`: a form POST or a GET with a
/// query, with `X-Twilio-Signature` when `secret` is set.
pub(crate) fn build(
    client: &reqwest::Client,
    url: &Url,
    method: Method,
    payload: &Value,
    secret: &Secret,
) -> reqwest::RequestBuilder {
    let form = request(url, method, payload);
    let mut builder = match form.body {
        Some(body) => client
            .post(form.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body),
        None => client.get(form.url),
    };
    if !secret.is_empty() {
        builder = builder.header(
            HEADER,
            sign(secret.expose(), &form.signed_url, &form.signed_params),
        );
    }
    builder
}

/// What to send: the URL (with the parameters in its query for a GET),
/// the form body for a POST, and the text the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormRequest {
    /// Where the request goes.
    pub(crate) url: Url,
    /// The form body (POST), or None (GET).
    pub(crate) body: Option<String>,
    /// The URL as the signature covers it: without credentials.
    pub(crate) signed_url: String,
    /// The POST parameters, for the signature (empty for a GET).
    pub(crate) signed_params: Vec<(String, String)>,
}

/// Builds the request for `payload` to `url` with `method`.
pub(crate) fn request(url: &Url, method: Method, payload: &Value) -> FormRequest {
    let params = crate::rcml::params::params(payload);
    let mut url = url.clone();
    let body = match method {
        Method::Post => Some(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish(),
        ),
        Method::Get => {
            url.query_pairs_mut().extend_pairs(&params);
            None
        }
    };
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    FormRequest {
        signed_url: shown.to_string(),
        signed_params: if body.is_some() { params } else { Vec::new() },
        url,
        body,
    }
}

/// `X-Twilio-Signature` of a request to `url` with POST `params`.
pub fn sign(secret: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_owned();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else {
        // HMAC accepts keys of any length; this arm cannot be taken.
        return String::new();
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_an_independent_hmac_sha1_computation() {
        // The parameters of Twilio's "Webhooks security" page, computed
        // independently: python3 -c 'import hmac,hashlib,base64;
        // p={...}; d=url+"".join(k+p[k] for k in sorted(p));
        // print(base64.b64encode(hmac.new(b"12345",d.encode(),hashlib.sha1).digest()))'
        // (the node `twilio` package checks it too: tests/rcml_twilio.rs).
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            sign(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn posts_are_form_bodies_and_gets_carry_a_query_both_signed_without_credentials() {
        let url = Url::parse("https://u:pw@app.example/rcml?x=1").unwrap();
        let payload = json!({"call_sid": "c 1", "digits": "1#"});
        let post = request(&url, Method::Post, &payload);
        let body = post.body.clone().unwrap();
        assert!(
            body.contains("CallSid=c+1") && body.contains("Digits=1%23"),
            "{body}"
        );
        assert_eq!(post.signed_url, "https://app.example/rcml?x=1");
        assert!(!post.signed_params.is_empty());
        let get = request(&url, Method::Get, &payload);
        assert_eq!(get.body, None);
        assert!(get.url.as_str().contains("&CallSid=c+1"), "{}", get.url);
        assert!(get.signed_url.starts_with("https://app.example/rcml?x=1&"));
        assert!(get.signed_params.is_empty());
    }
}
