//! `dialbridge calls ...`: the REST API from the command line, for
//! operators. It reads `[api]` from the configuration file (address, first
//! key) and prints the API's JSON answer; a refusal prints the API's
//! message and fails.

use serde_json::{Value, json};

use crate::config::Settings;

/// What `dialbridge calls` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `list`: the live calls.
    List,
    /// `get SID`.
    Get(String),
    /// `hangup SID`.
    Hangup(String),
    /// `redirect SID URL`.
    Redirect(String, String),
    /// `create --from N --to T [--call-hook URL] [--timeout S]`.
    Create {
        /// Caller ID.
        from: String,
        /// A number, `sip:<uri>` or `user:<name>`.
        to: String,
        /// The application's URL ([app] call_hook when not given).
        call_hook: Option<String>,
        /// Ring seconds.
        timeout: Option<u64>,
    },
}

/// Why the command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No `[api]` section.
    #[error("[api] is not configured in the configuration file; add it with a key")]
    NoApi,
    /// The API could not be reached.
    #[error("cannot reach the API at {0}: {1}; is dialbridge running with [api]?")]
    Unreachable(String, String),
    /// The API refused.
    #[error("the API answered {0}: {1}")]
    Refused(u16, String),
}

/// The dial target `to` names: `sip:...`, `user:<name>`, else a number.
pub fn target(to: &str) -> Value {
    if to.to_ascii_lowercase().starts_with("sip:") {
        json!({"type": "sip", "sipUri": to})
    } else if let Some(name) = to.strip_prefix("user:") {
        json!({"type": "user", "name": name})
    } else {
        json!({"type": "phone", "number": to})
    }
}

/// Runs `action` against the API `settings` configure; the answer's body.
pub async fn run(settings: &Settings, action: Action) -> Result<Value, CliError> {
    let api = settings.api.as_ref().ok_or(CliError::NoApi)?;
    let key = api.keys.first().ok_or(CliError::NoApi)?;
    let addr = api
        .address
        .parse()
        .map(crate::daemon::reachable)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| api.address.clone());
    let base = format!("http://{addr}/v1/Accounts/dialbridge/Calls");
    let client = reqwest::Client::new();
    let req = match action {
        Action::List => client.get(&base),
        Action::Get(sid) => client.get(format!("{base}/{sid}")),
        Action::Hangup(sid) => client.delete(format!("{base}/{sid}")),
        Action::Redirect(sid, url) => client
            .post(format!("{base}/{sid}"))
            .json(&json!({"call_hook": url})),
        Action::Create {
            from,
            to,
            call_hook,
            timeout,
        } => {
            let hook = call_hook.unwrap_or_else(|| settings.app.call_hook().url);
            let mut body = json!({"from": from, "to": target(&to), "call_hook": hook});
            if let Some(t) = timeout {
                body["timeout"] = json!(t);
            }
            client.post(&base).json(&body)
        }
    };
    let answer = req
        .bearer_auth(key.expose())
        .send()
        .await
        .map_err(|e| CliError::Unreachable(addr.clone(), e.to_string()))?;
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let msg = body["msg"].as_str().map(str::to_owned).unwrap_or(text);
    let detail = body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|p| {
                    format!(
                        "\n  {}: {}",
                        p["pointer"].as_str().unwrap_or(""),
                        p["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<String>()
        })
        .unwrap_or_default();
    Err(CliError::Refused(status, format!("{msg}{detail}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_names_a_number_a_sip_uri_or_a_user() {
        assert_eq!(
            target("+15551230000"),
            json!({"type": "phone", "number": "+15551230000"})
        );
        assert_eq!(
            target("sip:bob@example.com"),
            json!({"type": "sip", "sipUri": "sip:bob@example.com"})
        );
        assert_eq!(
            target("user:alice"),
            json!({"type": "user", "name": "alice"})
        );
    }
}
