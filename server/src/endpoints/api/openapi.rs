//! `GET /api/0/openapi.json`: the OpenAPI 3.1 description of this API.
//!
//! The description is hand-written in `server/openapi.json` (one file a reviewer can read and
//! tools can consume) and compiled into the binary. A test below compares it with the routes in
//! `mod.rs`, so a route added without describing it fails the build's tests.

use axum::http::header;
use axum::response::IntoResponse;

/// The description, as served.
pub const OPENAPI_JSON: &str = include_str!("../../../openapi.json");

/// Serves the description to anyone: it documents the API, it holds no data.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;

    use super::OPENAPI_JSON;

    const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

    /// Every `.route("...", ...)` of [`super::super::router`], read from the source: path (as
    /// the OpenAPI document writes it) → methods. Reading the source rather than asking axum is
    /// deliberate: axum's `Router` cannot list its routes.
    fn router_routes() -> BTreeMap<String, BTreeSet<String>> {
        let source = include_str!("mod.rs");
        let start = source.find("pub fn router").expect("mod.rs defines router()");
        let end = source[start..].find("\n}\n").map_or(source.len(), |i| start + i);
        let body = &source[start..end];
        let method = regex::Regex::new(r"\b(get|put|post|delete|patch)\(").expect("valid regex");
        let mut routes = BTreeMap::new();
        for chunk in body.split(".route(").skip(1) {
            let path = chunk
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("a .route( without a path string: {chunk}"));
            let methods: BTreeSet<String> =
                method.captures_iter(chunk).map(|c| c[1].to_owned()).collect();
            assert!(!methods.is_empty(), "no method found for route {path}");
            // A path may be routed more than once (axum merges the methods): merge them too.
            routes.entry(openapi_path(path)).or_insert_with(BTreeSet::new).extend(methods);
        }
        routes
    }

    /// The router's paths have no trailing slash (requests are normalized before routing);
    /// Sentry's, and so the description's, end with one, except file-like paths.
    fn openapi_path(route: &str) -> String {
        let last = route.rsplit('/').next().unwrap_or("");
        if last.contains('.') {
            route.to_owned()
        } else {
            format!("{route}/")
        }
    }

    fn document() -> Value {
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is valid JSON")
    }

    #[test]
    fn every_route_is_described_with_its_methods() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths is an object");
        let routes = router_routes();
        assert!(routes.len() > 20, "the route parser found only {routes:?}");
        for (path, methods) in &routes {
            let item = paths
                .get(path)
                .unwrap_or_else(|| panic!("{path} is routed but not in server/openapi.json"));
            let described: BTreeSet<String> =
                METHODS.iter().filter(|m| item.get(**m).is_some()).map(|m| m.to_string()).collect();
            assert_eq!(&described, methods, "methods of {path} in server/openapi.json");
        }
        for path in paths.keys() {
            assert!(routes.contains_key(path), "{path} is in server/openapi.json but not routed");
        }
    }

    #[test]
    fn path_parameters_and_references_are_consistent() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths is an object");
        let param = regex::Regex::new(r"\{([a-z_]+)\}").expect("valid regex");
        for (path, item) in paths {
            let in_path: BTreeSet<&str> =
                param.captures_iter(path).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect();
            for method in METHODS {
                let Some(operation) = item.get(*method) else { continue };
                let declared: BTreeSet<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                assert_eq!(declared, in_path, "path parameters of {method} {path}");
                assert!(operation["responses"].is_object(), "{method} {path} has responses");
            }
        }
        // Every `$ref` points at something defined.
        let mut stack = vec![&doc];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.strip_prefix('#').expect("local reference");
                        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
}
