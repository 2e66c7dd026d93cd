//! `/openapi.json` against the running API (issue 13): served without a
//! key, and it documents exactly the methods the router answers on each
//! path — a method the document lacks is 405, one it has is not.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use reqwest::Method;
use rest::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_matches_what_the_router_serves() {
    let (_app, _fake, d) = setup_api().await;
    let base = format!("http://{}", d.daemon.api_addr.expect("the API is on"));
    let doc: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .expect("served without a key")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), 3);
    for (path, methods) in paths {
        let url = format!(
            "{base}{}",
            path.replace("{account_sid}", "acct-1")
                .replace("{call_sid}", "no-such-call")
        );
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let documented = methods.get(method.to_ascii_lowercase()).is_some();
            let m = Method::from_bytes(method.as_bytes()).expect("a method");
            let (status, body) = send(
                api(m, &url)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
            if documented {
                assert_ne!(status, 405, "{method} {path} is documented but not served");
                let listed = methods[method.to_ascii_lowercase()]["responses"]
                    .get(status.to_string())
                    .is_some();
                assert!(
                    listed,
                    "{method} {path} answered {status} {body}, not in its responses"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
            }
        }
    }
}
