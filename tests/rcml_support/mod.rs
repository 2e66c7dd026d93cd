//! What the RCML tests share: a daemon whose `call_hook` is declared
//! `format = "rcml"`, XML replies, and the form parameters of a request.
#![allow(dead_code)]

use std::time::Duration;

use dialbridge::app::Method;
use dialbridge::app::hook::HookSpec;

use crate::fake_freeswitch::{Caller, DialplanNext, FakeSwitch};
use crate::harness::{self, App, Reply, Running};

pub const WAIT: Duration = Duration::from_secs(15);

/// The secret the signed tests use.
pub const SECRET: &str = "rcml-auth-token";

pub fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000")
        .call_id("rcml-call@127.0.0.1")
        .then(DialplanNext::Respond(503))
}

/// A reply with an RCML document, served as `text/xml`.
pub fn xml(doc: &str) -> Reply {
    Reply {
        content_type: "text/xml",
        ..Reply::text(doc)
    }
}

/// Settings for an RCML application at `app`'s `/call`: national digits
/// allowed (the seed's numbers have no country code), clients at
/// `sip.example.com`, an account SID.
pub fn settings(app: &App) -> dialbridge::config::Settings {
    let mut s = harness::settings(app);
    s.app.call_hook = HookSpec::Declared {
        url: app.url("/call"),
        method: Method::Post,
        username: None,
        password: None,
        format: "rcml".into(),
    };
    s.app.relaxed_numbers = true;
    s.app.account_sid = Some("AC0123456789".into());
    s.registrar.domain = Some("sip.example.com".into());
    s
}

pub async fn setup() -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let d = harness::start(settings(&app)).await;
    (app, fake, d)
}

/// The form parameters of a request: its POST body, or its query.
pub fn params(r: &harness::app::Request) -> Vec<(String, String)> {
    if r.method == "GET" {
        return r.query.clone();
    }
    url::form_urlencoded::parse(r.body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// One form parameter of a request.
pub fn param(r: &harness::app::Request, name: &str) -> Option<String> {
    params(r)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
