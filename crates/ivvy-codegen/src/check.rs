//! Our own rules for the spec, on top of what OpenAPI itself requires.
//!
//! iVvy is an RPC API: every call is `POST /api/{version}/{namespace}?action={action}`
//! with a JSON body. progenitor accepts much more than that, so these checks
//! keep the spec in iVvy's shape and name the path or operation at fault.

use std::collections::BTreeMap;
use std::fmt;

use heck::ToSnakeCase;
use ivvy_iws::RpcPath;
use openapiv3::{OpenAPI, Operation, ReferenceOr, StatusCode};

/// One broken rule, with the place in the spec where it is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path key, with the method or operationId when there is one.
    pub location: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Checks the spec against our rules; returns every problem found, not just
/// the first, so one run shows everything to fix.
pub fn check(spec: &OpenAPI) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    // snake_case operationId -> the location that first used it
    let mut method_names: BTreeMap<String, String> = BTreeMap::new();

    for (path, item) in &spec.paths.paths {
        let mut report = |location: String, message: String| {
            problems.push(Problem { location, message });
        };
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                report(
                    path.clone(),
                    format!("is a $ref ({reference}); write the path out"),
                );
                continue;
            }
        };
        let shape = match RpcPath::parse_exact(path) {
            Ok(shape) => Some(shape),
            Err(why) => {
                report(path.clone(), why.to_string());
                None
            }
        };
        for (method, op) in item.iter() {
            let location = match &op.operation_id {
                Some(id) => format!("{} {path} ({id})", method.to_uppercase()),
                None => format!("{} {path}", method.to_uppercase()),
            };
            if method != "post" {
                report(location.clone(), "iVvy calls are all POST".into());
            }
            for message in operation_problems(op, shape.as_ref()) {
                report(location.clone(), message);
            }
            if let Some(id) = &op.operation_id {
                let snake = id.to_snake_case();
                if let Some(first) = method_names.get(&snake) {
                    report(
                        location.clone(),
                        format!("operationId becomes `{snake}` in Rust, as does {first}"),
                    );
                } else {
                    method_names.insert(snake, location.clone());
                }
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `batch` and `run` as one operationId: `batchRun`.
fn namespaced(namespace: &str, action: &str) -> String {
    let mut chars = action.chars();
    let head: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{namespace}{head}{}", chars.as_str())
}

fn operation_problems(op: &Operation, shape: Option<&RpcPath<'_>>) -> Vec<String> {
    let mut problems = Vec::new();
    match &op.operation_id {
        None => problems.push("has no operationId".to_string()),
        Some(id) => {
            // The action, or (where the action alone names nothing in
            // Rust, as batch's `run`) the namespace and the action.
            if let Some(shape) = shape
                && *id != shape.action
                && *id != namespaced(shape.namespace, shape.action)
            {
                problems.push(format!(
                    "operationId `{id}` differs from the action `{}` in the path (or `{}`)",
                    shape.action,
                    namespaced(shape.namespace, shape.action)
                ));
            }
        }
    }
    match (op.tags.as_slice(), shape) {
        ([], _) => problems.push("has no tag".into()),
        ([tag], Some(shape)) if tag != shape.namespace => problems.push(format!(
            "is tagged `{tag}` but its namespace is `{}`",
            shape.namespace
        )),
        ([_], _) => {}
        (tags, _) => problems.push(format!(
            "has {} tags; give it only its namespace",
            tags.len()
        )),
    }
    match &op.request_body {
        None => problems.push("has no request body (iVvy calls take a JSON object)".into()),
        Some(ReferenceOr::Reference { .. }) => {}
        Some(ReferenceOr::Item(body)) => {
            if !body.content.contains_key("application/json") {
                problems.push("its request body is not application/json".into());
            }
            if !body.required {
                problems.push("its request body must be marked required".into());
            }
        }
    }
    let ok_reply = op.responses.responses.get(&StatusCode::Code(200));
    match ok_reply {
        None => problems.push("has no 200 reply".into()),
        Some(ReferenceOr::Reference { .. }) => {}
        Some(ReferenceOr::Item(reply)) => {
            if !reply.content.contains_key("application/json") {
                problems.push("its 200 reply is not application/json".into());
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_OP: &str = r#"
      post:
        operationId: ping
        tags: [test]
        requestBody:
          required: true
          content:
            application/json:
              schema: {type: object}
        responses:
          "200":
            description: ok
            content:
              application/json:
                schema: {type: object}
"#;

    fn spec_with(paths: &str) -> OpenAPI {
        let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1.0'}}\npaths:\n{paths}");
        serde_yaml::from_str(&text).expect("test spec parses")
    }

    fn problems(paths: &str) -> Vec<String> {
        match check(&spec_with(paths)) {
            Ok(()) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn accepts_a_well_formed_call() {
        assert_eq!(
            problems(&format!("  /api/1.0/test?action=ping:{GOOD_OP}")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_real_spec_passes() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/ivvy.yaml"))
                .expect("spec readable");
        let spec = crate::load(&text).expect("spec parses");
        assert_eq!(check(&spec), Ok(()));
    }

    #[test]
    fn path_without_action_query_is_named() {
        let found = problems(&format!("  /api/1.0/test:{GOOD_OP}"));
        assert_eq!(
            found,
            vec![
                "/api/1.0/test: is not of the form /api/{version}/{namespace}?action={action}: no ?action="
            ]
        );
    }

    #[test]
    fn path_with_extra_segment_or_bad_version_is_named() {
        let found = problems(&format!("  /api/1.0/test/extra?action=ping:{GOOD_OP}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("/api/1.0/test/extra?action=ping: "),
            "{found:?}"
        );
        assert!(found[0].contains("the route must be"), "{found:?}");

        let found = problems(&format!("  /api/v1/test?action=ping:{GOOD_OP}"));
        assert!(found[0].contains("`v1` is not a version"), "{found:?}");
    }

    #[test]
    fn missing_operation_id_tag_body_and_reply_are_each_reported() {
        let found = problems(
            r#"  /api/1.0/test?action=ping:
      post:
        responses:
          "404": {description: nope}
"#,
        );
        assert_eq!(
            found,
            vec![
                "POST /api/1.0/test?action=ping: has no operationId",
                "POST /api/1.0/test?action=ping: has no tag",
                "POST /api/1.0/test?action=ping: has no request body (iVvy calls take a JSON object)",
                "POST /api/1.0/test?action=ping: has no 200 reply",
            ]
        );
    }

    #[test]
    fn tag_must_be_the_namespace_and_id_the_action() {
        let op = GOOD_OP
            .replace("tags: [test]", "tags: [event]")
            .replace("operationId: ping", "operationId: pong");
        let found = problems(&format!("  /api/1.0/test?action=ping:{op}"));
        assert_eq!(
            found,
            vec![
                "POST /api/1.0/test?action=ping (pong): operationId `pong` differs from the action `ping` in the path (or `testPing`)",
                "POST /api/1.0/test?action=ping (pong): is tagged `event` but its namespace is `test`",
            ]
        );
    }

    #[test]
    fn non_json_body_and_get_method_are_reported() {
        let op = GOOD_OP
            .replacen("application/json", "text/plain", 1)
            .replace("post:", "get:");
        let found = problems(&format!("  /api/1.0/test?action=ping:{op}"));
        assert_eq!(
            found,
            vec![
                "GET /api/1.0/test?action=ping (ping): iVvy calls are all POST",
                "GET /api/1.0/test?action=ping (ping): its request body is not application/json",
            ]
        );
    }

    #[test]
    fn operation_ids_that_collide_in_snake_case_are_reported() {
        let second = GOOD_OP
            .replace("operationId: ping", "operationId: inviteContacts")
            .replace("tags: [test]", "tags: [event]");
        let third = second.replace(
            "operationId: inviteContacts",
            "operationId: invite_contacts",
        );
        let found = problems(&format!(
            "  /api/1.0/event?action=inviteContacts:{second}  /api/1.0/event?action=invite_contacts:{third}"
        ));
        // `invite_contacts` is not a plain word, so its path is also reported
        assert!(
            found.contains(
                &"POST /api/1.0/event?action=invite_contacts (invite_contacts): operationId becomes `invite_contacts` in Rust, as does POST /api/1.0/event?action=inviteContacts (inviteContacts)".to_string()
            ),
            "{found:#?}"
        );
    }
}
