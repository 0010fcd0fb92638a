use std::collections::{BTreeSet, HashSet};

use comptoir_marketplace::openapi::OPENAPI_JSON;
use comptoir_marketplace::routes::{Access, route_list};
use reqwest::Method;
use serde_json::Value;

use crate::support::*;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub fn doc() -> Value {
    serde_json::from_str(OPENAPI_JSON).unwrap()
}

pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
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

/// `pattern` of the document, compiled once each.
pub fn matches(pattern: &str, s: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, regex::Regex>>> = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap();
    let re = cache.entry(pattern.to_owned()).or_insert_with(|| regex::Regex::new(pattern).unwrap());
    re.is_match(s)
}

/// JSON Schema check for the keywords the document uses. Checks responses here
/// and, in `openapi_fuzz`, which requests the document allows.
pub fn validate(d: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return validate(d, resolve(d, r).unwrap(), v, at, errs);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = alts
            .iter()
            .filter(|alt| {
                let mut e = Vec::new();
                validate(d, alt, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if ok != 1 {
            errs.push(format!("{at}: matches {ok} oneOf alternatives, not one"));
            return;
        }
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            errs.push(format!("{at}: expected {t}, got {v}"));
            return;
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errs.push(format!("{at}: expected const {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} not in enum"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64())
        && n < min
    {
        errs.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64())
        && n > max
    {
        errs.push(format!("{at}: {n} > {max}"));
    }
    if schema.get("format").and_then(Value::as_str) == Some("int64") && v.is_u64() && v.as_i64().is_none() {
        errs.push(format!("{at}: {v} is not a 64-bit integer"));
    }
    if let Some(s) = v.as_str() {
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            errs.push(format!("{at}: shorter than {min}"));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            errs.push(format!("{at}: longer than {max}"));
        }
        if let Some(p) = schema.get("pattern").and_then(Value::as_str)
            && !matches(p, s)
        {
            errs.push(format!("{at}: does not match {p}"));
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && chrono::DateTime::parse_from_rfc3339(s).is_err()
        {
            errs.push(format!("{at}: not a date-time"));
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (a.len() as u64) < min
        {
            errs.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && (a.len() as u64) > max
        {
            errs.push(format!("{at}: more than {max} items"));
        }
    }
    if let Some(obj) = v.as_object() {
        for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !obj.contains_key(req.as_str().unwrap()) {
                errs.push(format!("{at}: missing required {req}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, x) in obj {
            if let Some(names) = schema.get("propertyNames") {
                validate(d, names, &Value::String(k.clone()), &format!("{at}/{k} (name)"), errs);
            }
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(d, s, x, &format!("{at}/{k}"), errs),
                None => {
                    if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                        validate(d, extra, x, &format!("{at}/{k}"), errs);
                    } else if props.is_some() && schema.get("type").is_some() {
                        // (A `oneOf` alternative without `type` narrows some properties
                        // of its parent object: the others are the parent's business.)
                        // The server must not send what the contract does not describe.
                        errs.push(format!("{at}: undocumented property {k}"));
                    }
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(d, items, x, &format!("{at}/{i}"), errs);
        }
    }
}

/// Send, then check status and body against the documented response.
pub async fn conforms(rb: reqwest::RequestBuilder, method: &str, template: &str) -> (u16, Value) {
    let d = doc();
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    let op = &d["paths"][template][method];
    let mut r = &op["responses"][status.to_string()];
    assert!(!r.is_null(), "{method} {template}: undocumented status {status}: {body}");
    if let Some(x) = r.get("$ref") {
        r = resolve(&d, x.as_str().unwrap()).unwrap();
    }
    let schema = &r["content"][&ct]["schema"];
    assert!(!schema.is_null(), "{method} {template} {status}: undocumented content type {ct}");
    let mut errs = Vec::new();
    validate(&d, schema, &body, "", &mut errs);
    assert!(errs.is_empty(), "{method} {template} {status}: {errs:?}\n{body}");
    (status, body)
}

#[tokio::test]
async fn responses_match_their_documented_schemas() {
    use comptoir_protocol::hash::sha256_hex;
    let srv = start().await;
    let (shop, _) = srv.shop("Fromagerie").await;
    let auth = |m: Method, p: &str| srv.raw(m, p).bearer_auth(&shop.token);
    conforms(auth(Method::GET, "/v1/me"), "get", "/v1/me").await;
    conforms(srv.raw(Method::GET, "/v1/me"), "get", "/v1/me").await;

    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
    let sha = sha256_hex(&png);
    let media =
        |body: Vec<u8>| auth(Method::PUT, &format!("/v1/media/{sha}")).header("content-type", "image/png").body(body);
    assert_eq!(conforms(media(png.to_vec()), "put", "/v1/media/{sha256}").await.0, 201);
    assert_eq!(conforms(media(b"nope".to_vec()), "put", "/v1/media/{sha256}").await.0, 422);
    let check = auth(Method::POST, "/v1/media/check").json(&serde_json::json!({"sha256": [sha]}));
    conforms(check, "post", "/v1/media/check").await;

    // Resumable upload: nothing yet, a piece, a wrong offset, the rest, a bad hash.
    let photo = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 4, 5, 6, 7];
    let psha = sha256_hex(&photo);
    let up_tpl = "/v1/media/{sha256}/upload";
    let status = || auth(Method::GET, &format!("/v1/media/{psha}/upload"));
    assert_eq!(conforms(status(), "get", up_tpl).await.0, 404);
    let piece = |sha: &str, offset: usize, body: &[u8]| {
        auth(Method::PATCH, &format!("/v1/media/{sha}/upload"))
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset)
            .header("upload-length", photo.len())
            .header("upload-media-type", "image/png")
            .body(body.to_vec())
    };
    assert_eq!(conforms(piece(&psha, 0, &photo[..5]), "patch", up_tpl).await.0, 200);
    assert_eq!(conforms(status(), "get", up_tpl).await.0, 200);
    assert_eq!(conforms(piece(&psha, 2, &photo[2..]), "patch", up_tpl).await.0, 409);
    assert_eq!(conforms(piece(&psha, 5, &photo[5..]), "patch", up_tpl).await.0, 201);
    assert_eq!(conforms(piece(&psha, 0, &photo), "patch", up_tpl).await.0, 200);
    let other = sha256_hex(b"other");
    assert_eq!(conforms(piece(&other, 0, &photo), "patch", up_tpl).await.0, 422);
    assert_eq!(conforms(piece(&other, 0, &[1; 13]), "patch", up_tpl).await.0, 413);
    conforms(auth(Method::GET, "/v1/media?limit=1"), "get", "/v1/media").await;
    assert_eq!(conforms(auth(Method::GET, &format!("/v1/media/{other}")), "get", "/v1/media/{sha256}").await.0, 404);

    let mut p = serde_json::to_value(product(&[("CAM-250", 10)])).unwrap();
    p["images"] = serde_json::json!([sha]);
    let batch = serde_json::json!({"ops": [
        {"op": "upsert", "type": "category", "external_id": "c-1", "base_version": 0, "data": {"name": "Crèmerie"}},
        {"op": "upsert", "type": "product", "external_id": "p-1", "base_version": 0, "data": p},
        {"op": "upsert", "type": "product", "external_id": "p-2", "base_version": 0, "data": {"title": ""}},
        {"op": "delete", "type": "product", "external_id": "p-3", "base_version": 4},
    ]});
    let rb = auth(Method::POST, "/v1/catalog/batch").header("idempotency-key", "a").json(&batch);
    conforms(rb, "post", "/v1/catalog/batch").await;
    let rb = auth(Method::POST, "/v1/catalog/batch").header("idempotency-key", "a").json(&serde_json::json!({}));
    assert_eq!(conforms(rb, "post", "/v1/catalog/batch").await.0, 422);
    conforms(auth(Method::GET, "/v1/catalog/state?limit=1"), "get", "/v1/catalog/state").await;
    let (_, content) = conforms(auth(Method::GET, "/v1/catalog/content"), "get", "/v1/catalog/content").await;
    assert_eq!(content["items"].as_array().map(Vec::len), Some(2), "{content}");
    assert_eq!(conforms(auth(Method::GET, "/v1/catalog/content?cursor=zz"), "get", "/v1/catalog/content").await.0, 400);
    let stock = serde_json::json!({"ops": [
        {"op": "set", "sku": "CAM-250", "available": 9, "expected_available": 10},
        {"op": "adjust", "sku": "CAM-250", "delta": -100},
        {"op": "adjust", "sku": "X", "delta": 1},
    ]});
    let rb = auth(Method::POST, "/v1/stock/batch").header("idempotency-key", "s").json(&stock);
    conforms(rb, "post", "/v1/stock/batch").await;

    let storefront = format!("/storefront/v1/shops/{}", shop.shop_id);
    conforms(srv.raw(Method::GET, &format!("{storefront}/products")), "get", "/storefront/v1/shops/{shop_id}/products")
        .await;
    let order_tpl = "/storefront/v1/shops/{shop_id}/orders";
    let rb = srv.raw(Method::POST, &format!("{storefront}/orders")).json(&order_req(&[("CAM-250", 2)]));
    let (_, order) = conforms(rb, "post", order_tpl).await;
    let rb = srv.raw(Method::POST, &format!("{storefront}/orders")).json(&order_req(&[("CAM-250", 99)]));
    assert_eq!(conforms(rb, "post", order_tpl).await.0, 409);
    let id = order["id"].as_str().unwrap();

    let tr = |key: &str, body: Value| {
        auth(Method::POST, &format!("/v1/orders/{id}/transitions")).header("idempotency-key", key).json(&body)
    };
    let tpl = "/v1/orders/{id}/transitions";
    conforms(tr("t1", serde_json::json!({"to": "accepted", "base_version": 1})), "post", tpl).await;
    let ready_until = (srv.state.now() + chrono::Duration::hours(1)).to_rfc3339();
    let ready = serde_json::json!({"to": "ready_for_pickup", "base_version": 2, "ready_until": ready_until});
    let (_, o) = conforms(tr("t2", ready), "post", tpl).await;
    assert!(o["pickup"]["code"].is_string());
    let refuse = serde_json::json!({"to": "refused", "base_version": 3, "reason": "Rupture de stock"});
    let (s, p) = conforms(tr("t3", refuse), "post", tpl).await;
    assert_eq!((s, p["allowed_transitions"].as_array().unwrap().len()), (409, 2));
    conforms(auth(Method::GET, &format!("/v1/orders/{id}")), "get", "/v1/orders/{id}").await;
    conforms(auth(Method::GET, "/v1/orders?status=ready_for_pickup"), "get", "/v1/orders").await;
    conforms(auth(Method::GET, "/v1/orders?updated_since=yesterday"), "get", "/v1/orders").await;
    let (_, evs) = conforms(auth(Method::GET, "/v1/events?after=0&limit=500"), "get", "/v1/events").await;
    assert!(evs["events"].as_array().unwrap().len() >= 4);

    let admin = |m: Method, p: &str| srv.raw(m, p).bearer_auth(ADMIN_TOKEN);
    let mod_tpl = "/admin/v1/shops/{shop_id}/products/{external_id}/moderation";
    let body = serde_json::json!({"status": "rejected", "reason": "Photo floue"});
    let rb = admin(Method::POST, &format!("/admin/v1/shops/{}/products/p-1/moderation", shop.shop_id)).json(&body);
    conforms(rb, "post", mod_tpl).await;
    let rb = admin(Method::POST, &format!("/admin/v1/shops/{}/pairing-codes", shop.shop_id));
    let (_, code) = conforms(rb, "post", "/admin/v1/shops/{shop_id}/pairing-codes").await;
    let rb = srv.raw(Method::POST, "/v1/auth/pair").json(&serde_json::json!({"pairing_code": code["pairing_code"]}));
    conforms(rb, "post", "/v1/auth/pair").await;
    conforms(auth(Method::POST, "/v1/auth/rotate"), "post", "/v1/auth/rotate").await;
    let rb = admin(Method::POST, "/admin/v1/shops").json(&serde_json::json!({"name": "Cave"}));
    conforms(rb, "post", "/admin/v1/shops").await;
    let rb = admin(Method::POST, &format!("/admin/v1/shops/{}/tokens", shop.shop_id))
        .json(&serde_json::json!({"scopes": ["orders:read"]}));
    conforms(rb, "post", "/admin/v1/shops/{shop_id}/tokens").await;
    conforms(admin(Method::POST, "/admin/v1/orders/expire"), "post", "/admin/v1/orders/expire").await;
    conforms(admin(Method::POST, "/admin/v1/media/sweep"), "post", "/admin/v1/media/sweep").await;

    // MSP/1.1: a running, limited promotion on the storefront and in an order (split
    // in two lines), refused promotions, campaigns.
    let now = srv.state.now();
    let mut promo = serde_json::to_value(product(&[("PROMO-1", 10)])).unwrap();
    promo["variants"][0]["promotions"] = serde_json::json!([
        {"id": "p1", "price_ttc": 396, "reference_price_ttc": 495, "percent_off": 20, "quantity_limit": 1,
         "starts_at": now.to_rfc3339(), "ends_at": (now + chrono::Duration::days(1)).to_rfc3339(),
         "campaign": {"id": "noel-2026", "name": "Noël en Orne"}},
    ]);
    let mut refused = promo.clone();
    refused["variants"][0]["sku"] = "PROMO-2".into();
    refused["variants"][0]["promotions"][0]["price_ttc"] = 495.into();
    let batch = serde_json::json!({"ops": [
        {"op": "upsert", "type": "product", "external_id": "p-promo", "base_version": 0, "data": promo},
        {"op": "upsert", "type": "product", "external_id": "p-refused", "base_version": 0, "data": refused},
    ]});
    let rb = auth(Method::POST, "/v1/catalog/batch").header("idempotency-key", "promo").json(&batch);
    let (_, r) = conforms(rb, "post", "/v1/catalog/batch").await;
    assert_eq!((r["results"][0]["status"].as_str(), r["results"][1]["status"].as_str()), (Some("ok"), Some("invalid")));
    assert_eq!(r["results"][1]["problem"]["code"], "promotion_invalid");
    let (_, page) = conforms(
        srv.raw(Method::GET, &format!("{storefront}/products")),
        "get",
        "/storefront/v1/shops/{shop_id}/products",
    )
    .await;
    let shown = page["items"].as_array().unwrap().iter().find(|p| p["external_id"] == "p-promo").unwrap();
    assert_eq!(shown["variants"][0]["promotion"]["remaining"], 1, "{shown}");
    let rb = srv.raw(Method::POST, &format!("{storefront}/orders")).json(&order_req(&[("PROMO-1", 2)]));
    let (_, order) = conforms(rb, "post", order_tpl).await;
    assert_eq!(order["lines"].as_array().map(Vec::len), Some(2), "{order}");
    assert_eq!(order["lines"][0]["promotion_id"], "p1");

    let campaign = serde_json::json!({"id": "noel-2026", "name": "Noël en Orne", "starts_at": "2026-11-30T23:00:00Z"});
    let (s, _) =
        conforms(admin(Method::POST, "/admin/v1/campaigns").json(&campaign), "post", "/admin/v1/campaigns").await;
    assert_eq!(s, 201);
    let (s, _) =
        conforms(admin(Method::POST, "/admin/v1/campaigns").json(&campaign), "post", "/admin/v1/campaigns").await;
    assert_eq!(s, 200);
    let backwards = serde_json::json!({"id": "x", "name": "X", "starts_at": "2026-12-01T00:00:00Z",
        "ends_at": "2026-11-01T00:00:00Z"});
    let (s, p) =
        conforms(admin(Method::POST, "/admin/v1/campaigns").json(&backwards), "post", "/admin/v1/campaigns").await;
    assert_eq!((s, p["code"].as_str()), (422, Some("campaign_invalid")));
    let (_, list) = conforms(auth(Method::GET, "/v1/campaigns"), "get", "/v1/campaigns").await;
    assert_eq!(list["items"][0]["id"], "noel-2026");
    assert_eq!(conforms(auth(Method::GET, "/v1/campaigns?limit=0"), "get", "/v1/campaigns").await.0, 400);
    let (_, me) = conforms(auth(Method::GET, "/v1/me"), "get", "/v1/me").await;
    assert_eq!(me["protocol_version"], "1.1");
}

#[test]
fn the_schema_check_itself_rejects_bad_bodies() {
    let d = doc();
    let order = serde_json::json!({"$ref": "#/components/schemas/Order"});
    let mut errs = Vec::new();
    validate(&d, &order, &serde_json::json!({"id": 1, "surprise": true}), "", &mut errs);
    assert!(errs.iter().any(|e| e.contains("missing required \"shop_id\"")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("/id: expected string")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("undocumented property surprise")), "{errs:?}");
}
