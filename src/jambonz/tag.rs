//! Reading jambonz's `tag` verb.

use super::fields::{Fields, kind};
use crate::app::tag::{Tag, check_size};

/// Reads `tag`'s properties.
pub(crate) fn read_tag(f: &mut Fields<'_, '_>) -> Option<Tag> {
    let Some(v) = f.value("data") else {
        let at = f.at().clone();
        f.problems()
            .add(&at, "`data` is required: an object to attach to the call");
        return None;
    };
    match v.as_object() {
        Some(data) => match check_size(v) {
            Ok(()) => Some(Tag { data: data.clone() }),
            Err(e) => {
                f.problem("data", e);
                None
            }
        },
        None => {
            f.problem("data", format!("must be an object, not {}", kind(v)));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::app::tag::MAX_CUSTOMER_DATA_BYTES;
    use serde_json::{Value, json};

    fn problems(reply: Value) -> Vec<crate::app::Problem> {
        crate::jambonz::parse_value(&reply, &crate::app::Context::default())
            .map(|_| Vec::new())
            .unwrap_or_else(|e| e.problems())
    }

    fn data_of(bytes: usize) -> Value {
        // {"k":"..."} is 8 bytes plus the string.
        json!({"k": "x".repeat(bytes - 8)})
    }

    #[test]
    fn customer_data_up_to_the_cap_is_accepted() {
        let data = data_of(MAX_CUSTOMER_DATA_BYTES);
        assert_eq!(data.to_string().len(), MAX_CUSTOMER_DATA_BYTES);
        assert!(problems(json!([{"verb": "tag", "data": data}])).is_empty());
    }

    #[test]
    fn oversized_customer_data_is_refused_at_its_pointer() {
        let data = data_of(MAX_CUSTOMER_DATA_BYTES + 1);
        let p = problems(json!([{"verb": "tag", "data": data}]));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].pointer, "/0/data");
        assert!(p[0].message.contains("8193 bytes"), "{}", p[0].message);
        let p = problems(json!([{"verb": "dial", "tag": data,
            "target": [{"type": "sip", "sipUri": "sip:a@b.example.com"}]}]));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].pointer, "/0/tag");
    }
}
