//! The service's routes and its OpenAPI document.
//!
//! The document is written by hand in `docs/openapi.json` (where readers
//! and tools find it) and built into the binary from there, so the file
//! and `GET /openapi.json` cannot differ. [`ROUTES`] is the one list the
//! router is built from; a test checks that the document describes exactly
//! these routes.

/// The OpenAPI 3.1 document, as in `docs/openapi.json`.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

pub(crate) const LABEL: &str = "/v1/label";
pub(crate) const MODEL: &str = "/v1/model";
pub(crate) const RELOAD: &str = "/v1/model/reload";
pub(crate) const HEALTHZ: &str = "/healthz";
pub(crate) const READYZ: &str = "/readyz";
pub(crate) const METRICS: &str = "/metrics";
pub(crate) const DOCUMENT: &str = "/openapi.json";

/// Every route: `(method, path)`.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", LABEL),
    ("GET", MODEL),
    ("POST", RELOAD),
    ("GET", HEALTHZ),
    ("GET", READYZ),
    ("GET", METRICS),
    ("GET", DOCUMENT),
];

/// The methods a path answers, for a 405's message.
pub(crate) fn methods(path: &str) -> Vec<&'static str> {
    ROUTES
        .iter()
        .filter(|(_, p)| *p == path)
        .map(|(m, _)| *m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_describes_exactly_the_routes() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("docs/openapi.json is JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        let mut documented: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| !matches!(k.as_str(), "summary" | "description" | "parameters"))
                    .map(move |m| (m.to_uppercase(), path.clone()))
            })
            .collect();
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        documented.sort();
        routes.sort();
        assert_eq!(documented, routes);
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn every_reference_resolves() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        }
    }

    fn collect_refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(s)) => out.push(s.clone()),
                        _ => collect_refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
