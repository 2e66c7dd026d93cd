//! Reading jambonz's `headers` objects (of a dial, a target, a hangup, a
//! sip:decline).

use serde_json::Value;

use super::Pointer;
use super::fields::{check_text, kind};
use crate::app::headers::{HeaderScope, Headers};
use crate::app::problem::Problems;
use crate::app::rules;

/// Reads a `headers` object. Values may be strings, numbers or booleans
/// (written as JSON writes them).
pub(crate) fn read_headers(
    value: &Value,
    at: &Pointer,
    scope: HeaderScope,
    problems: &mut Problems,
) -> Headers {
    let Some(object) = value.as_object() else {
        problems.add(
            at,
            format!(
                "headers must be an object of name/value pairs, not {}",
                kind(value)
            ),
        );
        return Headers::default();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, raw) in object {
        let here = at.key(name);
        let text = match raw {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                problems.add(
                    &here,
                    format!("a header value must be a string, not {}", kind(other)),
                );
                continue;
            }
        };
        if let Err(e) = rules::header_name(name) {
            problems.add(&here, e);
            continue;
        }
        if !check_text(&text, &here, problems) {
            continue;
        }
        if let Err(e) = rules::header_value(name, &text) {
            problems.add(&here, e);
            continue;
        }
        if let Err(e) = rules::block_value(&text, scope, &format!("header `{name}` value")) {
            let hint = if scope == HeaderScope::PerLeg && text.contains('\'') {
                "; move the header to the dial's own `headers` (shared by all targets)"
            } else {
                ""
            };
            problems.add(&here, format!("{e}{hint}"));
            continue;
        }
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            problems.add(
                &here,
                format!("header `{name}` is given twice (header names ignore case)"),
            );
            continue;
        }
        out.push((name.clone(), text));
    }
    Headers(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value, scope: HeaderScope) -> (Headers, Vec<String>) {
        let mut p = Problems::default();
        let h = read_headers(&v, &Pointer::root().key("headers"), scope, &mut p);
        let (problems, _) = p.into_parts();
        (h, problems.into_iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn values_keep_commas_quotes_and_order() {
        let (h, p) = read(
            json!({"X-B": "a,b;c \"q\"", "X-A": 7, "X-Q": "it's"}),
            HeaderScope::Shared,
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            h.0,
            vec![
                ("X-B".to_owned(), "a,b;c \"q\"".to_owned()),
                ("X-A".to_owned(), "7".to_owned()),
                ("X-Q".to_owned(), "it's".to_owned()),
            ]
        );
    }

    #[test]
    fn per_leg_headers_refuse_single_quotes_with_a_way_out() {
        let (h, p) = read(json!({"X-Q": "it's"}), HeaderScope::PerLeg);
        assert!(h.is_empty());
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("move the header to the dial's own `headers`"),
            "{p:?}"
        );
    }

    #[test]
    fn reserved_routing_headers_are_refused_in_any_case() {
        for scope in [HeaderScope::Shared, HeaderScope::PerLeg] {
            let (h, p) = read(
                json!({"X-Dialbridge-Route": "teams", "x-DIALBRIDGE-carrier": "c",
                       "X-Dialbridgeish": "ok"}),
                scope,
            );
            assert_eq!(h.0, vec![("X-Dialbridgeish".to_owned(), "ok".to_owned())]);
            assert_eq!(p.len(), 2, "{p:?}");
            for problem in &p {
                assert!(
                    problem.contains("reserved") && problem.contains("choose another name"),
                    "{problem}"
                );
            }
            assert!(p[0].starts_with("/headers/X-Dialbridge-Route: "), "{p:?}");
        }
    }

    #[test]
    fn bad_names_values_and_case_duplicates() {
        let (_, p) = read(
            json!({"Via": "x", "X-A": "1", "x-a": "2", "X-N": null, "X-C": "a\r\nInjected: 1"}),
            HeaderScope::Shared,
        );
        assert_eq!(p.len(), 4, "{p:?}");
    }
}
