//! The spec's schemas as JSON Schema validators, per operation.
//!
//! The spec is built into the crate from its own copy, `spec/ivvy.yaml`
//! beside `Cargo.toml` (so the packaged crate holds it), which
//! `cargo xtask codegen --check` keeps identical to the workspace's spec:
//! the fake server checks bodies against the schemas the bindings come from.
//! Only requests are checked here; routing and the handlers are elsewhere.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};

use crate::reply::Refusal;

/// The spec text, as built into this crate.
pub const SPEC_TEXT: &str = include_str!("../spec/ivvy.yaml");

/// `specificCode` for a missing parameter (iVvy's).
pub const MISSING_PARAMETER: u32 = 23017;
/// `specificCode` for a parameter that does not validate (iVvy's).
pub const INVALID_PARAMETER: u32 = 23016;

/// The spec could not be turned into validators.
#[derive(Debug, thiserror::Error)]
#[error("spec/ivvy.yaml: {0}")]
pub struct SpecError(String);

/// One operation of the spec.
#[derive(Debug)]
pub struct Operation {
    /// The namespace, e.g. `event`.
    pub namespace: String,
    /// The action, e.g. `inviteContacts`.
    pub action: String,
    /// The path key, e.g. `/api/1.0/event?action=inviteContacts`.
    pub path: String,
    /// The request example, when the spec gives one.
    pub request_example: Option<Value>,
    /// The 200 reply example, when the spec gives one.
    pub reply_example: Option<Value>,
    request: Validator,
    reply: Validator,
}

impl Operation {
    /// Checks a request body; the refusal is in iVvy's shape: 23017 for a
    /// missing field, 23016 with the validator's messages otherwise.
    pub fn check_request(&self, body: &Value) -> Result<(), Refusal> {
        let mut missing = None;
        let mut invalid: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for error in self.request.iter_errors(body) {
            if let ValidationErrorKind::Required { property } = error.kind() {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string);
                missing.get_or_insert(name);
                continue;
            }
            let path = error.instance_path().to_string();
            let field = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_string();
            invalid.entry(field).or_default().push(error.to_string());
        }
        if let Some(name) = missing {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                Some(MISSING_PARAMETER),
                format!("'{name}' is required"),
            ));
        }
        // iVvy reports the first parameter that does not validate.
        if let Some((field, messages)) = invalid.into_iter().next() {
            let mut refusal = Refusal::new(
                StatusCode::BAD_REQUEST,
                Some(INVALID_PARAMETER),
                if field.is_empty() {
                    "the request body does not validate".to_string()
                } else {
                    format!("'{field}' does not validate")
                },
            );
            refusal.additional = messages;
            return Err(refusal);
        }
        Ok(())
    }

    /// The messages of every way a 200 reply breaks the spec's schema.
    pub fn reply_errors(&self, reply: &Value) -> Vec<String> {
        self.reply
            .iter_errors(reply)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }
}

/// Every operation of the spec, by namespace and action.
#[derive(Debug)]
pub struct Operations {
    by_route: BTreeMap<(String, String), Operation>,
}

impl Operations {
    /// The operations of the spec built into this crate.
    pub fn from_spec() -> Result<Self, SpecError> {
        Self::from_text(SPEC_TEXT)
    }

    /// The operations of a spec given as text.
    pub fn from_text(text: &str) -> Result<Self, SpecError> {
        let spec: Value = serde_yaml::from_str(text).map_err(|e| SpecError(e.to_string()))?;
        let components =
            openapi_to_json_schema(spec.get("components").cloned().unwrap_or(Value::Null));
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError("no paths".into()))?;
        let mut by_route = BTreeMap::new();
        for (path, item) in paths {
            let rpc = ivvy_iws::RpcPath::parse_exact(path)
                .map_err(|e| SpecError(format!("{path}: {e}")))?;
            let (namespace, action) = (rpc.namespace, rpc.action);
            let post = item
                .get("post")
                .ok_or_else(|| SpecError(format!("{path}: no post operation")))?;
            let body = &post["requestBody"]["content"]["application/json"];
            let reply = &post["responses"]["200"]["content"]["application/json"];
            let validator = |schema: &Value, what: &str| {
                let root = json!({ "allOf": [schema], "components": components });
                jsonschema::draft4::new(&root)
                    .map_err(|e| SpecError(format!("{path}: {what} schema: {e}")))
            };
            let operation = Operation {
                namespace: namespace.to_string(),
                action: action.to_string(),
                path: path.clone(),
                request_example: body.get("example").cloned(),
                reply_example: reply.get("example").cloned(),
                request: validator(&openapi_to_json_schema(body["schema"].clone()), "request")?,
                reply: validator(&openapi_to_json_schema(reply["schema"].clone()), "reply")?,
            };
            by_route.insert((namespace.to_string(), action.to_string()), operation);
        }
        Ok(Self { by_route })
    }

    /// The operation for a namespace and action.
    pub fn get(&self, namespace: &str, action: &str) -> Option<&Operation> {
        self.by_route
            .get(&(namespace.to_string(), action.to_string()))
    }

    /// Every operation.
    pub fn iter(&self) -> impl Iterator<Item = &Operation> {
        self.by_route.values()
    }
}

/// OpenAPI 3.0's `nullable: true` is not JSON Schema; spell it as a type list.
fn openapi_to_json_schema(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            if map.remove("nullable") == Some(Value::Bool(true))
                && let Some(Value::String(ty)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([ty, "null"]));
                if let Some(Value::Array(options)) = map.get_mut("enum") {
                    options.push(Value::Null);
                }
            }
            // `example` is documentation, not a constraint.
            map.remove("example");
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, openapi_to_json_schema(v)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(openapi_to_json_schema).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> Operation {
        let mut ops = Operations::from_spec().expect("spec loads");
        let key = ("event".to_string(), "inviteContacts".to_string());
        ops.by_route
            .remove(&key)
            .expect("inviteContacts is in the spec")
    }

    #[test]
    fn the_docs_example_request_is_valid() {
        assert_eq!(
            invite().check_request(&json!({"event": 4, "contacts": [1, 2, 3]})),
            Ok(())
        );
    }

    #[test]
    fn missing_field_is_23017() {
        let refusal = invite()
            .check_request(&json!({"contacts": [1]}))
            .expect_err("missing");
        assert_eq!(refusal.specific_code, Some(MISSING_PARAMETER));
        assert_eq!(refusal.message, "'event' is required");
    }

    #[test]
    fn wrong_type_is_23016_with_messages() {
        let refusal = invite()
            .check_request(&json!({"event": "four", "contacts": [1]}))
            .expect_err("wrong type");
        assert_eq!(refusal.specific_code, Some(INVALID_PARAMETER));
        assert_eq!(refusal.message, "'event' does not validate");
        assert!(!refusal.additional.is_empty());
    }

    #[test]
    fn zero_ids_do_not_validate() {
        for body in [
            json!({"event": 0, "contacts": [1]}),
            json!({"event": 4, "contacts": [0]}),
        ] {
            let refusal = invite().check_request(&body).expect_err("invalid");
            assert_eq!(refusal.specific_code, Some(INVALID_PARAMETER), "{body}");
        }
    }

    #[test]
    fn empty_lists_and_repeats_validate_as_ivvy_sets_no_bound() {
        for body in [
            json!({"event": 4, "contacts": []}),
            json!({"event": 4, "contacts": [1, 1]}),
        ] {
            assert_eq!(invite().check_request(&body), Ok(()), "{body}");
        }
    }

    #[test]
    fn every_example_in_the_spec_fits_its_schema() {
        let ops = Operations::from_spec().expect("spec loads");
        assert_eq!(ops.iter().count(), 10);
        for op in ops.iter() {
            let request = op.request_example.as_ref().expect("request example");
            assert_eq!(op.check_request(request), Ok(()), "{}", op.path);
            let reply = op.reply_example.as_ref().expect("reply example");
            assert_eq!(op.reply_errors(reply), Vec::<String>::new(), "{}", op.path);
        }
    }
}
