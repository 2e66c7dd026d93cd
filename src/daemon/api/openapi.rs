//! `GET /openapi.json`: the OpenAPI 3 document of the REST API, written by
//! hand in one place. The tests hold it to the code: every route the router
//! serves and no other (tests/rest_openapi.rs asks the running API), and
//! exactly the body fields the readers accept ([`super::update::FIELDS`],
//! [`super::create_body::FIELDS`], the list's filters).

use serde_json::{Value, json};

/// The document.
pub(crate) fn document() -> Value {
    let sid = json!({"name": "account_sid", "in": "path", "required": true,
                     "description": "Any value: dialbridge serves one account.",
                     "schema": {"type": "string"}});
    let call_sid = json!({"name": "call_sid", "in": "path", "required": true,
                          "schema": {"type": "string"}});
    let error = |d: &str| {
        json!({"description": d, "content": {"application/json":
        {"schema": {"$ref": "#/components/schemas/Error"}}}})
    };
    let update = json!({
        "summary": "updateCall: one action on a live call",
        "operationId": "updateCall",
        "parameters": [sid, call_sid],
        "requestBody": {"required": true, "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/UpdateCall"}}}},
        "responses": {
            "202": {"description": "FreeSWITCH accepted the command"},
            "400": error("Invalid body, or an action dialbridge does not support (the message says why)"),
            "401": error("No or wrong bearer key"),
            "404": error("No such live call"),
            "409": error("The action does not apply to the call as it is (e.g. call is not ringing)"),
            "502": error("FreeSWITCH refused the command"),
        }
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "dialbridge REST call control",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "jambonz-compatible /v1/Accounts/{account_sid}/Calls: create outbound \
                calls and steer live ones. Every call route needs `Authorization: Bearer <key>` \
                (one of [api] keys)."
        },
        "servers": [{"url": "http://127.0.0.1:8086"}],
        "security": [{"bearer": []}],
        "paths": {
            "/v1/Accounts/{account_sid}/Calls": {
                "get": {
                    "summary": "The live calls",
                    "operationId": "listCalls",
                    "parameters": [
                        sid,
                        {"name": "direction", "in": "query", "required": false,
                         "schema": {"type": "string", "enum": ["inbound", "outbound"]}},
                        {"name": "call_status", "in": "query", "required": false,
                         "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"description": "The calls", "content": {"application/json":
                            {"schema": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Call"}}}}},
                        "401": error("No or wrong bearer key"),
                    }
                },
                "post": {
                    "summary": "createCall: place an outbound call that runs call_hook once answered",
                    "operationId": "createCall",
                    "parameters": [sid],
                    "requestBody": {"required": true, "content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/CreateCall"}}}},
                    "responses": {
                        "201": {"description": "Being placed", "content": {"application/json":
                            {"schema": {"type": "object", "required": ["sid"],
                                        "properties": {"sid": {"type": "string"}}}}}},
                        "400": error("Invalid body; `errors` lists each field by JSON pointer"),
                        "401": error("No or wrong bearer key"),
                        "503": error("The chosen call_sid was taken; retry"),
                    }
                }
            },
            "/v1/Accounts/{account_sid}/Calls/": {
                "get": {
                    "summary": "The live calls (the path @jambonz/node-client's calls.list() asks)",
                    "operationId": "listCallsSlash",
                    "parameters": [
                        sid,
                        {"name": "direction", "in": "query", "required": false,
                         "schema": {"type": "string", "enum": ["inbound", "outbound"]}},
                        {"name": "call_status", "in": "query", "required": false,
                         "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"description": "The calls", "content": {"application/json":
                            {"schema": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/Call"}}}}},
                        "401": error("No or wrong bearer key"),
                    }
                }
            },
            "/v1/Accounts/{account_sid}/Calls/{call_sid}": {
                "get": {
                    "summary": "One live call: its hook fields, and its dial's legs while a dial runs",
                    "operationId": "retrieveCall",
                    "parameters": [sid, call_sid],
                    "responses": {
                        "200": {"description": "The call", "content": {"application/json":
                            {"schema": {"$ref": "#/components/schemas/Call"}}}},
                        "401": error("No or wrong bearer key"),
                        "404": error("No such live call"),
                    }
                },
                "post": update.clone(),
                "put": update,
                "delete": {
                    "summary": "Hang the call up (NORMAL_CLEARING), or cancel it while it is being placed",
                    "operationId": "deleteCall",
                    "parameters": [sid, call_sid],
                    "responses": {
                        "204": {"description": "FreeSWITCH accepted the hangup"},
                        "401": error("No or wrong bearer key"),
                        "404": error("No such live call"),
                        "502": error("FreeSWITCH refused the command"),
                    }
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        }
    })
}

fn schemas() -> Value {
    let hook = json!({"oneOf": [
        {"type": "string", "description": "An http(s) URL"},
        {"type": "object", "required": ["url"], "properties": {
            "url": {"type": "string"},
            "method": {"type": "string", "enum": ["POST", "GET"]},
            "username": {"type": "string"},
            "password": {"type": "string"}}}
    ]});
    let call_hook = json!({"oneOf": [
        {"type": "string", "description": "An http(s) URL"},
        {"type": "object", "required": ["url"], "properties": {
            "url": {"type": "string"},
            "method": {"type": "string", "enum": ["POST", "GET"]},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "format": {"type": "string", "enum": ["jambonz", "rcml"],
                       "description": "The application's language: rcml makes the created call an RCML/TwiML one (form-encoded requests, XML replies)"}}}
    ]});
    json!({
        "Hook": hook,
        "CallHook": call_hook,
        "Target": {
            "type": "object", "required": ["type"],
            "description": "A dial target: the same fields and checks as the dial verb's.",
            "properties": {
                "type": {"type": "string", "enum": ["phone", "sip", "user", "teams"]},
                "number": {"type": "string"},
                "sipUri": {"type": "string"},
                "name": {"type": "string"},
                "trunk": {"type": "string"},
                "tenant": {"type": "string"},
                "vmail": {"type": "boolean"},
                "proxy": {"type": "string"},
                "auth": {"type": "object"},
                "confirmHook": {"description": "Not supported on createCall (400)"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        },
        "CreateCall": {
            "type": "object",
            "required": ["from", "to", "call_hook"],
            "additionalProperties": false,
            "properties": {
                "from": {"type": "string", "description": "Caller ID number"},
                "to": {"$ref": "#/components/schemas/Target"},
                "call_hook": {"$ref": "#/components/schemas/CallHook"},
                "call_status_hook": {"$ref": "#/components/schemas/Hook"},
                "timeout": {"type": "integer", "minimum": 1, "maximum": 600,
                            "description": "Ring seconds (default 60)"},
                "tag": {"type": "object", "description": "The call's customerData"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "callerName": {"type": "string"},
                "amd": {"type": "object", "description": "Answering-machine detection on the answered call, as a dial's amd: {actionHook, disconnectOnAMD, thresholdWordCount, timers}; events go to actionHook while call_hook's application runs"},
                "timeLimit": {"type": "integer", "minimum": 1, "maximum": 86400,
                              "description": "Most seconds the answered call lasts (FreeSWITCH's sched_hangup, ALLOTTED_TIMEOUT)"},
                "fromHost": {"type": "string", "description": "The From host of the INVITE (the leg's sip_invite_domain; on a carrier gateway only with caller-id-in-from=true)"},
                "application_sid": {"type": "string", "description": "Not supported (400): give call_hook"}
            }
        },
        "UpdateCall": {
            "type": "object",
            "description": "Exactly one field per request.",
            "minProperties": 1, "maxProperties": 1,
            "additionalProperties": false,
            "properties": {
                "call_hook": {"$ref": "#/components/schemas/Hook"},
                "call_status": {"type": "string", "enum": ["completed", "no-answer"]},
                "mute_status": {"type": "string", "enum": ["mute", "unmute"]},
                "dtmf": {"type": "object", "required": ["digit"], "properties": {
                    "digit": {"type": "string", "pattern": "^[0-9A-Da-d*#]{1,64}$"},
                    "duration": {"type": "integer", "minimum": 40, "maximum": 5000}}},
                "child_call_hook": {"description": "Not supported (400)"},
                "whisper": {"type": "object", "description": "A say or play verb played to the caller of a bridged call (uuid_broadcast <call> <path> aleg); 400 when the call is not bridged"},
                "listen_status": {"type": "string", "enum": ["pause", "resume"], "description": "Pause or resume every listen stream of the call (a listen/stream verb, a dial's listen, a config listen): while paused no audio frame is sent, the websocket stays open (DTMF text frames still go, as in jambonz); a resume goes on with the live audio. 409 when the call has no running listen"},
                "stream_status": {"type": "string", "enum": ["pause", "resume"], "description": "jambonz's alias of listen_status"},
                "conf_mute_status": {"type": "string", "enum": ["mute", "unmute"], "description": "Mute or unmute every member of the call's conference room that did not start it (conference <room> mute|unmute non_moderator); 409 when the call is in no room"},
                "conf_hold_status": {"type": "string", "enum": ["hold", "unhold"], "description": "Hold or unhold the call's own member of its conference room (conference <room> hold|unhold <member_id>: it hears and is heard by nobody); 409 when the call is in no room"},
                "sip_request": {"description": "Not supported (400)"},
                "record": {"description": "Not supported (400)"},
                "dub": {"description": "Not supported (400)"},
                "media_path": {"description": "Not supported (400)"}
            }
        },
        "Call": {
            "type": "object",
            "description": "The fields the call's hooks carry, plus dial_legs while a dial runs.",
            "properties": {
                "call_sid": {"type": "string"},
                "direction": {"type": "string", "enum": ["inbound", "outbound"]},
                "from": {"type": "string"},
                "to": {"type": "string"},
                "caller_name": {"type": "string"},
                "call_id": {"type": "string"},
                "sip_status": {"type": "integer"},
                "call_status": {"type": "string"},
                "account_sid": {"type": "string"},
                "application_sid": {"type": "string"},
                "customerData": {"type": "object"},
                "dial_legs": {"type": "array", "items": {"type": "object", "properties": {
                    "target": {"type": "integer"},
                    "call_sid": {"type": "string"},
                    "state": {"type": "string",
                              "enum": ["trying", "ringing", "answered", "bridged", "ended"]},
                    "hangup_cause": {"type": "string", "nullable": true},
                    "sip_status": {"type": "integer", "nullable": true}}}}
            }
        },
        "Error": {
            "type": "object", "required": ["msg"],
            "properties": {
                "msg": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "pointer": {"type": "string"}, "message": {"type": "string"}}}}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
        doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_body_field_the_readers_accept_is_documented_and_no_other() {
        let doc = document();
        let set = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            properties(&doc, "UpdateCall"),
            set(super::super::update::FIELDS)
        );
        assert_eq!(
            properties(&doc, "CreateCall"),
            set(super::super::create_body::FIELDS)
        );
        let filters: BTreeSet<String> =
            doc["paths"]["/v1/Accounts/{account_sid}/Calls"]["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
        assert_eq!(filters, set(super::super::calls::LIST_FILTERS));
    }

    #[test]
    fn every_route_the_router_declares_is_documented() {
        let doc = document();
        for (method, path) in super::super::ROUTES {
            assert!(
                doc["paths"][path][method.to_ascii_lowercase()].is_object(),
                "{method} {path} is not in the document"
            );
        }
        let documented: usize = doc["paths"]
            .as_object()
            .map(|p| {
                p.values()
                    .filter_map(Value::as_object)
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(
            documented,
            super::super::ROUTES.len(),
            "an undocumented extra or a stale one"
        );
    }
}
