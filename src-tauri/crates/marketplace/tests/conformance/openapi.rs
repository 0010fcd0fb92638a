use std::collections::{BTreeSet, HashSet};

use comptoir_marketplace::openapi::OPENAPI_JSON;
use comptoir_marketplace::routes::{Access, route_list};
use reqwest::Method;
use serde_json::Value;

use crate::support::*;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn doc() -> Value {
    serde_json::from_str(OPENAPI_JSON).unwrap()
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn operations(doc: &Value) -> Vec<(String, String, Value, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                ops.push((m.to_uppercase(), path.clone(), op.clone(), item.clone()));
            }
        }
    }
    ops
}

#[test]
fn document_is_a_valid_openapi_3_1() {
    let d = doc();
    assert!(d["openapi"].as_str().unwrap().starts_with("3.1."));
    // The typed OpenAPI 3.1 model accepts it.
    let spec = oas3::from_json(OPENAPI_JSON).expect("parses as OpenAPI 3.1");
    assert_eq!(spec.info.title, "Comptoir marketplace sync protocol");

    let mut refs = Vec::new();
    collect_refs(&d, &mut refs);
    assert!(refs.len() > 50);
    for r in &refs {
        assert!(resolve(&d, r).is_some(), "dangling $ref {r}");
    }
    let schemes: HashSet<&String> = d["components"]["securitySchemes"].as_object().unwrap().keys().collect();
    let mut op_ids = HashSet::new();
    for (method, path, op, item) in operations(&d) {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(op_ids.insert(id.to_owned()), "duplicate operationId {id}");
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{method} {path}: no responses"));
        assert!(!responses.is_empty(), "{method} {path}: no responses");
        for (code, resp) in responses {
            assert!(code.len() == 3 && code.parse::<u16>().is_ok(), "{method} {path}: bad status {code}");
            let resp = if let Some(r) = resp.get("$ref") { resolve(&d, r.as_str().unwrap()).unwrap() } else { resp };
            assert!(resp["description"].is_string(), "{method} {path} {code}: description required");
        }
        // Every `{param}` of the template is declared as a path parameter.
        let mut declared = BTreeSet::new();
        for p in op["parameters"].as_array().into_iter().chain(item["parameters"].as_array()).flatten() {
            let p = if let Some(r) = p.get("$ref") { resolve(&d, r.as_str().unwrap()).unwrap() } else { p };
            if p["in"] == "path" {
                assert_eq!(p["required"], true);
                declared.insert(p["name"].as_str().unwrap().to_owned());
            }
        }
        let in_template: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        assert_eq!(declared, in_template, "{method} {path}: path parameters");
        if let Some(sec) = op.get("security").and_then(Value::as_array) {
            for req in sec {
                for name in req.as_object().unwrap().keys() {
                    assert!(schemes.contains(name), "{method} {path}: unknown scheme {name}");
                }
            }
        }
    }
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let d = doc();
    let documented: BTreeSet<(String, String)> = operations(&d).into_iter().map(|(m, p, _, _)| (m, p)).collect();
    let served: BTreeSet<(String, String)> =
        route_list().into_iter().map(|(m, p, _)| (m.to_string(), p.to_owned())).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not served: {extra:?}");

    // Security in the document matches what the router enforces.
    for (method, path, access) in route_list() {
        let op = &d["paths"][path][method.as_str().to_lowercase()];
        let security = op.get("security").unwrap_or(&d["security"]);
        let names: Vec<&str> = security
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
            .collect();
        let expected: &[&str] = match access {
            Access::Public => &[],
            Access::Merchant => &["shopToken"],
            Access::Admin => &["adminToken"],
        };
        assert_eq!(names, expected, "{method} {path}");
    }
}

#[tokio::test]
async fn served_document_is_the_embedded_one_and_the_server_answers_each_operation() {
    let srv = start().await;
    let served: Value = srv.raw(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert_eq!(served, doc());
    for (method, path, _, _) in operations(&doc()) {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let resp = srv.raw(method.parse().unwrap(), &concrete).json(&serde_json::json!({})).send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        let code = serde_json::from_str::<Value>(&body).ok().and_then(|v| v["code"].as_str().map(str::to_owned));
        assert!(
            !matches!(code.as_deref(), Some("route_not_found" | "method_not_allowed")),
            "{method} {path}: {status} {body}"
        );
        // Documented status codes only.
        let codes = doc()["paths"][&path][method.to_lowercase()]["responses"].clone();
        assert!(codes.get(status.to_string()).is_some(), "{method} {path}: undocumented {status}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let srv = start().await;
    let (status, p) = problem_of(srv.raw(Method::GET, "/v1/nope").send().await.unwrap()).await;
    assert_eq!((status, p["code"].as_str()), (404, Some("route_not_found")));
    let (status, p) = problem_of(srv.raw(Method::DELETE, "/v1/me").send().await.unwrap()).await;
    assert_eq!((status, p["code"].as_str()), (405, Some("method_not_allowed")));
}
