//! Property-based check of the document against the server, both ways: requests
//! are generated from `/openapi.json` (proptest strategies built from its schemas)
//! and sent over HTTP to the real server.
//!
//! - A request the document allows (parameters and JSON body within every stated
//!   constraint) must not be refused as malformed or invalid: no 400/422 with a
//!   schema code (`malformed_request`, `validation_failed`,
//!   `idempotency_key_required`), and no batch op `invalid` with such a code. Other
//!   refusals are business (`not_found`, `unknown_sku`, `sku_taken`, conflicts…).
//! - A request that breaks exactly one stated constraint (too short or long, out of
//!   range, not matching a pattern, wrong type, required member missing, not in an
//!   enum, malformed JSON) must be refused with the documented status and a schema
//!   code: 400 for a parameter or header, 422 for a body, and for a batch op an
//!   `invalid` result for that op.
//! - Every response: a status documented for the operation, a body matching its
//!   documented schema (`openapi::validate`).
//!
//! Mismatches are collected with the request that showed them, then reported
//! together. The seed is fixed: a run is reproducible.

use std::collections::{BTreeMap, HashMap};

use comptoir_marketplace::{Config, Hooks};
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::openapi::{doc, resolve, validate};
use crate::support::*;

/// Valid and invalid requests generated per operation.
const CASES: usize = 128;

/// Codes of a refusal for the request's form, as opposed to a business refusal.
const SCHEMA_CODES: [&str; 3] = ["malformed_request", "validation_failed", "idempotency_key_required"];

/// SKUs of the fixture's product (`shop_with_stock`).
const KNOWN_SKUS: [&str; 2] = ["CAM-250", "CAM-500"];

/// Operations whose bodies are not JSON (photos): covered by the media tests.
const BINARY_BODIES: [&str; 2] = ["putMedia", "patchMediaUpload"];

/// Operations whose 200 holds one result per op, `invalid` for an op that breaks its schema.
const BATCHES: [&str; 2] = ["catalogBatch", "stockBatch"];

fn deref(d: &Value, s: &Value) -> Value {
    let mut s = s.clone();
    while let Some(r) = s.get("$ref").and_then(Value::as_str) {
        s = resolve(d, r).unwrap_or_else(|| panic!("dangling {r}")).clone();
    }
    s
}

/// A property narrowed by a `oneOf` alternative: the alternative's `$ref` replaces
/// it, its keywords override.
fn merge_prop(d: &Value, base: &Value, alt: &Value) -> Value {
    if alt.get("$ref").is_some() {
        return alt.clone();
    }
    let mut m = deref(d, base).as_object().cloned().unwrap_or_default();
    for (k, v) in alt.as_object().into_iter().flatten() {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

/// The object schema `base` (without its `oneOf`) narrowed by alternative `alt`.
fn merge(d: &Value, base: &Value, alt: &Value) -> Value {
    let alt = deref(d, alt);
    let mut m = base.as_object().cloned().unwrap_or_default();
    m.remove("oneOf");
    if m.is_empty() {
        return alt;
    }
    for (k, v) in alt.as_object().into_iter().flatten() {
        match k.as_str() {
            "properties" => {
                let props = m.entry("properties").or_insert_with(|| json!({})).as_object_mut().unwrap();
                for (pk, ps) in v.as_object().into_iter().flatten() {
                    let merged = match props.get(pk) {
                        Some(b) => merge_prop(d, b, ps),
                        None => ps.clone(),
                    };
                    props.insert(pk.clone(), merged);
                }
            }
            "required" => {
                let req = m.entry("required").or_insert_with(|| json!([])).as_array_mut().unwrap();
                for r in v.as_array().into_iter().flatten() {
                    if !req.contains(r) {
                        req.push(r.clone());
                    }
                }
            }
            "title" | "description" => {}
            _ => {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(m)
}

/// The alternatives of a schema with `oneOf`, each merged with its parent.
fn alternatives(d: &Value, s: &Value) -> Option<Vec<Value>> {
    let alts = s.get("oneOf")?.as_array()?;
    Some(alts.iter().map(|a| merge(d, s, a)).collect())
}

fn errors(d: &Value, s: &Value, v: &Value) -> Vec<String> {
    let mut e = Vec::new();
    validate(d, s, v, "", &mut e);
    e
}

fn anchored(p: &str) -> Option<&str> {
    p.strip_prefix('^')?.strip_suffix('$')
}

fn int_bound(s: &Value, k: &str) -> Option<i64> {
    s.get(k).and_then(Value::as_i64)
}

// ---------------------------------------------------------------- valid values

fn any_char() -> BoxedStrategy<char> {
    // Letters, digits, French text, spaces, JSON and URL specials.
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        2 => proptest::char::range('0', '9'),
        2 => proptest::sample::select(vec![' ', 'é', 'è', 'ç', 'É', '€', '\'', '-', '_', '/', '~', '"', '\\', '?', '#', '%', '&', '+', '.']),
    ]
    .boxed()
}

fn gen_string(s: &Value) -> BoxedStrategy<Value> {
    if s.get("format").and_then(Value::as_str) == Some("date-time") {
        // Far enough ahead of the server's clock to be "in the future" too.
        return (2100i32..2200, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, any::<bool>())
            .prop_map(|(y, mo, d, h, mi, se, utc)| {
                let tz = if utc { "Z" } else { "+02:00" };
                Value::String(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}{tz}"))
            })
            .boxed();
    }
    let pattern = s.get("pattern").and_then(Value::as_str).map(str::to_owned);
    if let Some(inner) = pattern.as_deref().and_then(anchored) {
        return proptest::string::string_regex(inner)
            .unwrap_or_else(|e| panic!("pattern {inner}: {e}"))
            .prop_map(Value::String)
            .boxed();
    }
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
    let short = proptest::collection::vec(any_char(), min..=max.unwrap_or(usize::MAX).min(min + 12));
    let strat = match max {
        // Now and then exactly at the maximum.
        Some(max) if max > min + 12 => {
            prop_oneof![4 => short, 1 => proptest::collection::vec(any_char(), max..=max)].boxed()
        }
        _ => short.boxed(),
    };
    let strat = strat.prop_map(|cs| cs.into_iter().collect::<String>());
    match pattern {
        Some(p) => strat
            .prop_filter("matches the pattern", move |x| crate::openapi::matches(&p, x))
            .prop_map(Value::String)
            .boxed(),
        None => strat.prop_map(Value::String).boxed(),
    }
}

fn gen_int(s: &Value) -> BoxedStrategy<Value> {
    let min = int_bound(s, "minimum");
    let max = int_bound(s, "maximum");
    let lo = min.unwrap_or(-1_000_000);
    let hi = max.unwrap_or(lo.max(0) + 1_000_000);
    let mut options = vec![(6u32, (lo..=hi).boxed())];
    if let Some(m) = min {
        options.push((1u32, Just(m).boxed()));
    }
    if let Some(m) = max {
        options.push((1u32, Just(m).boxed()));
    }
    proptest::strategy::Union::new_weighted(options).prop_map(|n| json!(n)).boxed()
}

fn gen_value(d: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let s = deref(d, schema);
    if let Some(alts) = alternatives(d, &s) {
        return Union::new(alts.iter().map(|a| gen_value(d, a))).boxed();
    }
    if let Some(c) = s.get("const") {
        return Just(c.clone()).boxed();
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return proptest::sample::select(e.clone()).boxed();
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => gen_string(&s),
        Some("integer") => gen_int(&s),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("array") => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = s.get("maxItems").and_then(Value::as_u64).map_or(min + 3, |m| (m as usize).min(min + 3));
            proptest::collection::vec(gen_value(d, &s["items"]), min..=max).prop_map(Value::Array).boxed()
        }
        Some("object") => gen_object(d, &s),
        other => panic!("cannot generate {other:?}: {s}"),
    }
}

fn gen_object(d: &Value, s: &Value) -> BoxedStrategy<Value> {
    let required: Vec<&str> = s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut members: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (k, ps) in s["properties"].as_object().into_iter().flatten() {
        let ps = deref(d, ps);
        if ps.get("type").is_none()
            && ps.get("oneOf").is_none()
            && ps.get("const").is_none()
            && ps.get("enum").is_none()
        {
            continue; // Untyped (`data` of a delete): nothing to say.
        }
        let mut value = gen_value(d, &ps);
        if k == "sku" {
            // Now and then a SKU of the fixture, so that orders and stock moves get through.
            let known: Vec<Value> =
                KNOWN_SKUS.iter().map(|s| json!(s)).filter(|v| errors(d, &ps, v).is_empty()).collect();
            if !known.is_empty() {
                value = prop_oneof![1 => proptest::sample::select(known), 2 => value].boxed();
            }
        }
        let k2 = k.clone();
        let member = value.prop_map(move |v| (k2.clone(), v));
        members.push(if required.contains(&k.as_str()) {
            member.prop_map(Some).boxed()
        } else {
            proptest::option::of(member).boxed()
        });
    }
    let extra = match s.get("additionalProperties").filter(|a| a.is_object()) {
        Some(a) => {
            let names = s.get("propertyNames").cloned().unwrap_or(json!({}));
            let names =
                if names.get("type").is_none() { merge_prop(d, &json!({"type": "string"}), &names) } else { names };
            proptest::collection::vec((gen_value(d, &names), gen_value(d, a)), 0..3).boxed()
        }
        None => Just(Vec::new()).boxed(),
    };
    (members, extra)
        .prop_map(|(members, extra)| {
            let mut m = Map::new();
            for (k, v) in extra {
                m.insert(k.as_str().unwrap().to_owned(), v);
            }
            for (k, v) in members.into_iter().flatten() {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// What no schema can say: the SKUs of one product differ (`sku` is its key).
fn distinct_skus(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(variants)) = m.get_mut("variants") {
                let mut seen = std::collections::HashSet::new();
                for (i, var) in variants.iter_mut().enumerate() {
                    if let Some(Value::String(sku)) = var.get_mut("sku")
                        && !seen.insert(sku.clone())
                    {
                        let tail = format!("~{i}");
                        let keep: String = sku.chars().take(64 - tail.len()).collect();
                        *sku = format!("{keep}{tail}");
                        seen.insert(sku.clone());
                    }
                }
            }
            m.values_mut().for_each(distinct_skus);
        }
        Value::Array(a) => a.iter_mut().for_each(distinct_skus),
        _ => {}
    }
}

// ---------------------------------------------------------------- one violation

/// A change to a valid value that breaks one constraint of the schema at `at`.
#[derive(Clone, Debug)]
struct Violation {
    at: String,
    what: String,
    /// `None`: remove the member at `at`.
    to: Option<Value>,
}

fn too_long(s: &Value, max: usize) -> String {
    // Characters the pattern (if any) allows.
    let c = match s.get("pattern").and_then(Value::as_str) {
        Some(p) if crate::openapi::matches(p, "a") || !p.starts_with('^') => 'a',
        _ => '7',
    };
    std::iter::repeat_n(c, max + 1).collect()
}

fn violations(d: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<Violation>) {
    let s = deref(d, schema);
    if let Some(alts) = alternatives(d, &s) {
        // Break the alternative the value is an instance of.
        if let Some(alt) = alts.iter().find(|a| errors(d, a, v).is_empty()) {
            violations(d, alt, v, at, out);
        }
        return;
    }
    let mut add = |what: String, to: Value| out.push(Violation { at: at.to_owned(), what, to: Some(to) });
    if s.get("const").is_some() || s.get("enum").is_some() {
        add("not in enum".into(), json!("zzz-unknown"));
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => {
            add("wrong type".into(), json!(12));
            if let Some(min) = s.get("minLength").and_then(Value::as_u64).filter(|m| *m > 0) {
                let keep: String = v.as_str().unwrap_or_default().chars().take(min as usize - 1).collect();
                add(format!("shorter than {min}"), json!(keep));
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                add(format!("longer than {max}"), json!(too_long(&s, max as usize)));
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = s.get("maxLength").and_then(Value::as_u64).map_or(usize::MAX, |m| m as usize);
                let bad = ["   ", "!", "a b", "é", "0", "abc", "\"\""]
                    .into_iter()
                    .find(|b| !crate::openapi::matches(p, b) && (min..=max).contains(&b.chars().count()));
                if let Some(b) = bad {
                    add(format!("not matching {p}"), json!(b));
                }
            }
            if s.get("format").and_then(Value::as_str) == Some("date-time") {
                add("not a date-time".into(), json!("2024-13-45 nope"));
                add("empty date-time".into(), json!(""));
            }
        }
        Some("integer") => {
            add("wrong type".into(), json!("7"));
            add("not an integer".into(), json!(1.5));
            if let Some(m) = int_bound(&s, "minimum").filter(|m| *m > i64::MIN) {
                add(format!("below minimum {m}"), json!(m - 1));
            }
            if let Some(m) = int_bound(&s, "maximum").filter(|m| *m < i64::MAX) {
                add(format!("above maximum {m}"), json!(m + 1));
            }
            if s.get("format").and_then(Value::as_str) == Some("int64") {
                add("beyond 64 bits".into(), json!(u64::MAX));
            }
        }
        Some("boolean") => add("wrong type".into(), json!("yes")),
        Some("array") => {
            add("wrong type".into(), json!({}));
            let a = v.as_array().cloned().unwrap_or_default();
            if let Some(min) = s.get("minItems").and_then(Value::as_u64).filter(|m| *m > 0) {
                add(
                    format!("fewer than {min} items"),
                    Value::Array(a.iter().take(min as usize - 1).cloned().collect()),
                );
            }
            if let (Some(max), Some(first)) = (s.get("maxItems").and_then(Value::as_u64), a.first()) {
                let mut long = a.clone();
                long.resize(max as usize + 1, first.clone());
                add(format!("more than {max} items"), Value::Array(long));
            }
            for (i, x) in a.iter().enumerate() {
                violations(d, &s["items"], x, &format!("{at}/{i}"), out);
            }
        }
        Some("object") => {
            add("wrong type".into(), json!([]));
            let obj = v.as_object().cloned().unwrap_or_default();
            for r in s["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                out.push(Violation { at: format!("{at}/{r}"), what: format!("missing required {r}"), to: None });
            }
            for (k, x) in &obj {
                let esc = k.replace('~', "~0").replace('/', "~1");
                match s["properties"].get(k) {
                    Some(ps) => violations(d, ps, x, &format!("{at}/{esc}"), out),
                    None => {
                        if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
                            violations(d, a, x, &format!("{at}/{esc}"), out);
                        }
                    }
                }
            }
            if let (Some(names), Some(k)) = (s.get("propertyNames"), obj.keys().next()) {
                // A member renamed to a name the document forbids.
                let mut bad = Vec::new();
                violations(d, &merge_prop(d, &json!({"type": "string"}), names), &json!(k), "", &mut bad);
                for b in bad.into_iter().filter(|b| b.to.as_ref().is_some_and(Value::is_string)) {
                    let mut renamed = obj.clone();
                    let x = renamed.remove(k).unwrap();
                    renamed.insert(b.to.unwrap().as_str().unwrap().to_owned(), x);
                    out.push(Violation {
                        at: at.to_owned(),
                        what: format!("member name {}", b.what),
                        to: Some(Value::Object(renamed)),
                    });
                }
            }
        }
        _ => {}
    }
}

fn apply(v: &mut Value, violation: &Violation) {
    if violation.at.is_empty() {
        *v = violation.to.clone().unwrap_or(Value::Null);
        return;
    }
    let (parent, last) = violation.at.rsplit_once('/').unwrap();
    let last = last.replace("~1", "/").replace("~0", "~");
    let Some(target) = v.pointer_mut(parent) else { panic!("no {parent} in the body") };
    match (target, &violation.to) {
        (Value::Object(m), Some(x)) => {
            m.insert(last, x.clone());
        }
        (Value::Object(m), None) => {
            m.remove(&last);
        }
        (Value::Array(a), Some(x)) => a[last.parse::<usize>().unwrap()] = x.clone(),
        (t, _) => panic!("cannot apply {violation:?} to {t}"),
    }
}

// ---------------------------------------------------------------- requests

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Public,
    Shop,
    Admin,
}

struct Operation {
    id: String,
    method: String,
    template: String,
    access: Access,
    /// (location, name, required, schema)
    params: Vec<(String, String, bool, Value)>,
    body: Option<(bool, Value)>,
    responses: Value,
}

fn operations(d: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (template, item) in d["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let access = match op.get("security").and_then(Value::as_array) {
                Some(s) if s.is_empty() => Access::Public,
                Some(s) if s[0].get("adminToken").is_some() => Access::Admin,
                _ => Access::Shop,
            };
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| deref(d, p))
                .map(|p| {
                    let required = p["required"] == true;
                    (
                        p["in"].as_str().unwrap().to_owned(),
                        p["name"].as_str().unwrap().to_owned(),
                        required,
                        p["schema"].clone(),
                    )
                })
                .collect();
            let body = op.get("requestBody").map(|b| deref(d, b)).and_then(|b| {
                let schema = b["content"].get("application/json")?["schema"].clone();
                Some((b["required"] == true, schema))
            });
            ops.push(Operation {
                id: op["operationId"].as_str().unwrap().to_owned(),
                method: method.to_uppercase(),
                template: template.clone(),
                access,
                params,
                body,
                responses: op["responses"].clone(),
            });
        }
    }
    ops
}

/// Where the one broken constraint of an invalid request is.
#[derive(Clone, Debug)]
enum Broken {
    Param(String, Violation),
    Body(Violation),
    MalformedJson,
}

/// (location, name) of a parameter.
type ParamKey = (String, String);

#[derive(Clone, Debug)]
struct Request {
    params: BTreeMap<ParamKey, Value>,
    body: Option<Value>,
    raw_body: Option<String>,
    broken: Option<Broken>,
}

fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Values a parameter may take from the fixture (an existing shop, photo, product,
/// order), so that requests reach past the lookup.
fn known(fixture: &HashMap<&'static str, String>, name: &str) -> Option<Value> {
    fixture.get(name).map(|v| json!(v))
}

fn gen_request(d: &Value, op: &Operation, fixture: &HashMap<&'static str, String>) -> BoxedStrategy<Request> {
    let mut params: Vec<BoxedStrategy<Option<(ParamKey, Value)>>> = Vec::new();
    for (loc, name, required, schema) in &op.params {
        if name == "cursor" {
            // Opaque: only values the server issued are valid, none can be generated.
            continue;
        }
        let key = (loc.clone(), name.clone());
        let mut value = gen_value(d, schema);
        if loc == "path" {
            // `.` and `..` are no segments but moves in the path.
            value = value.prop_filter("a segment", |v| v.as_str().is_none_or(|s| s.chars().any(|c| c != '.'))).boxed();
        }
        if let Some(k) = known(fixture, name) {
            value = prop_oneof![Just(k), value].boxed();
        }
        let member = value.prop_map(move |v| (key.clone(), v));
        params.push(if *required { member.prop_map(Some).boxed() } else { proptest::option::of(member).boxed() });
    }
    let body = match &op.body {
        Some((true, s)) => gen_value(d, s).prop_map(Some).boxed(),
        Some((false, s)) => proptest::option::of(gen_value(d, s)).boxed(),
        None => Just(None).boxed(),
    };
    (params, body)
        .prop_map(|(params, mut body)| {
            if let Some(b) = &mut body {
                distinct_skus(b);
            }
            Request { params: params.into_iter().flatten().collect(), body, raw_body: None, broken: None }
        })
        .boxed()
}

/// Every single-constraint violation of a valid request.
fn request_violations(d: &Value, op: &Operation, r: &Request) -> Vec<Broken> {
    let mut out = Vec::new();
    for (loc, name, required, schema) in &op.params {
        let key = (loc.clone(), name.clone());
        let mut vs = Vec::new();
        match r.params.get(&key) {
            Some(v) => violations(d, schema, v, "", &mut vs),
            None if *required => {}
            None => continue,
        }
        if *required {
            vs.push(Violation { at: String::new(), what: "missing required".into(), to: None });
        }
        for v in vs {
            // Parameters are text: whether the text sent breaks the schema is
            // checked once applied. An empty path segment is another route, a
            // header value is visible ASCII.
            let kept = match &v.to {
                None => loc != "path",
                Some(x @ (Value::String(_) | Value::Number(_))) => {
                    let text = param_text(x);
                    match loc.as_str() {
                        "path" => !text.is_empty(),
                        "header" => text.bytes().all(|b| (b' '..=b'~').contains(&b)),
                        _ => true,
                    }
                }
                Some(_) => false,
            };
            if kept {
                out.push(Broken::Param(name.clone(), v));
            }
        }
    }
    if let (Some((required, schema)), Some(body)) = (&op.body, &r.body) {
        let mut vs = Vec::new();
        violations(d, schema, body, "", &mut vs);
        out.extend(vs.into_iter().map(Broken::Body));
        if *required {
            // No body at all: the server reads it as `{}`.
            out.push(Broken::Body(Violation { at: String::new(), what: "no body".into(), to: None }));
        }
    }
    out
}

fn break_request(d: &Value, op: &Operation, mut r: Request, broken: Broken) -> Option<Request> {
    match &broken {
        Broken::Param(name, v) => {
            let loc = op.params.iter().find(|p| &p.1 == name).unwrap().0.clone();
            let key = (loc, name.clone());
            match &v.to {
                None => {
                    r.params.remove(&key);
                }
                Some(x) => {
                    r.params.insert(key, x.clone());
                }
            }
            // The text sent must itself break the schema.
            let (loc, _, _, schema) = op.params.iter().find(|p| &p.1 == name).unwrap();
            if let Some(x) = r.params.get(&(loc.clone(), name.clone())) {
                let sent = param_text(x);
                let as_value = if schema.get("type").and_then(Value::as_str) == Some("integer") {
                    sent.parse::<i64>().map(|n| json!(n)).unwrap_or(json!(sent))
                } else {
                    json!(sent)
                };
                if errors(d, schema, &as_value).is_empty() {
                    return None;
                }
            }
        }
        Broken::Body(v) if v.at.is_empty() && v.to.is_none() => {
            if errors(d, &op.body.as_ref().unwrap().1, &json!({})).is_empty() {
                return None;
            }
            r.body = None;
        }
        Broken::Body(v) => {
            let body = r.body.as_mut()?;
            apply(body, v);
            if errors(d, &op.body.as_ref().unwrap().1, body).is_empty() {
                return None; // Still allowed (e.g. another alternative): not a violation.
            }
        }
        Broken::MalformedJson => {
            r.raw_body = Some("{\"truncated\": ".to_owned());
        }
    }
    r.broken = Some(broken);
    Some(r)
}

// ---------------------------------------------------------------- the run

struct Fuzz {
    doc: Value,
    srv: Server,
    client: reqwest::Client,
    shop_token: String,
    keys: std::sync::atomic::AtomicU64,
    mismatches: Vec<String>,
    sent: usize,
    /// (operation, allowed by the document, status) → requests
    seen: BTreeMap<(String, bool, u16), usize>,
}

fn is_schema_refusal(status: u16, body: &Value) -> bool {
    matches!(status, 400 | 422) && body["code"].as_str().is_some_and(|c| SCHEMA_CODES.contains(&c))
}

fn op_refused_for_schema(result: &Value) -> bool {
    result["status"] == "invalid" && result["problem"]["code"].as_str().is_some_and(|c| SCHEMA_CODES.contains(&c))
}

impl Fuzz {
    async fn send(&mut self, op: &Operation, r: &Request) {
        self.sent += 1;
        let mut path = String::new();
        for seg in op.template.split('/').skip(1) {
            path.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let v = r.params.get(&("path".to_owned(), name.to_owned())).map(param_text).unwrap_or_default();
                    // Percent-encode everything but unreserved characters.
                    for b in v.bytes() {
                        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                            path.push(b as char);
                        } else {
                            path.push_str(&format!("%{b:02X}"));
                        }
                    }
                }
                None => path.push_str(seg),
            }
        }
        let method: Method = op.method.parse().unwrap();
        let mut rb = self.client.request(method, format!("{}{path}", self.srv.url));
        let query: Vec<(String, String)> =
            r.params.iter().filter(|((l, _), _)| l == "query").map(|((_, n), v)| (n.clone(), param_text(v))).collect();
        rb = rb.query(&query);
        let mut headers = Vec::new();
        for ((l, n), v) in &r.params {
            if l == "header" {
                let mut text = param_text(v);
                if n.eq_ignore_ascii_case("idempotency-key")
                    && r.broken.as_ref().is_none_or(|b| !matches!(b, Broken::Param(p, _) if p == n))
                {
                    // A fresh key per request (within the pattern), so that none replays another.
                    let k = self.keys.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let keep: String = text.trim_matches('"').chars().take(200).collect();
                    text = if text.starts_with('"') { format!("\"f{k}-{keep}\"") } else { format!("f{k}-{keep}") };
                }
                rb = rb.header(n.as_str(), &text);
                headers.push(format!("{n}: {text}"));
            }
        }
        rb = match op.access {
            Access::Public => rb,
            Access::Shop => rb.bearer_auth(&self.shop_token),
            Access::Admin => rb.bearer_auth(ADMIN_TOKEN),
        };
        let body_text = match (&r.raw_body, &r.body) {
            (Some(raw), _) => Some(raw.clone()),
            (None, Some(b)) => Some(b.to_string()),
            (None, None) => None,
        };
        if let Some(b) = &body_text {
            rb = rb.header("content-type", "application/json").body(b.clone());
        }
        let shown = format!(
            "{} {path}?{} headers={headers:?} body={}",
            op.method,
            query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
            body_text.as_deref().map(|b| b.chars().take(600).collect::<String>()).unwrap_or_default()
        );
        let resp = match rb.send().await {
            Ok(resp) => resp,
            Err(e) => return self.mismatches.push(format!("{}: no response ({e})\n  {shown}", op.id)),
        };
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let ct = ct.split(';').next().unwrap_or_default().trim().to_owned();
        let json_body = ct == "application/json" || ct == "application/problem+json";
        let body: Value = if json_body { resp.json().await.unwrap_or(Value::Null) } else { Value::Null };
        *self.seen.entry((op.id.clone(), r.broken.is_none(), status)).or_default() += 1;
        let mut problems = Vec::new();

        // Documented status and body.
        match op.responses.get(status.to_string()) {
            None => problems.push(format!("undocumented status {status}")),
            Some(doc_resp) => {
                let doc_resp = deref(&self.doc, doc_resp);
                match doc_resp["content"].get(&ct) {
                    None if ct.is_empty() && doc_resp.get("content").is_none() => {}
                    None => problems.push(format!("undocumented content type {ct:?} for {status}")),
                    Some(c) if json_body => {
                        let mut e = Vec::new();
                        validate(&self.doc, &c["schema"], &body, "", &mut e);
                        if !e.is_empty() {
                            problems.push(format!("body does not match the documented schema: {e:?}"));
                        }
                    }
                    Some(_) => {}
                }
            }
        }

        // The direction.
        match &r.broken {
            None => {
                if is_schema_refusal(status, &body) {
                    problems.push("a request the document allows was refused".into());
                }
                if BATCHES.contains(&op.id.as_str()) && status == 200 {
                    for (i, res) in body["results"].as_array().into_iter().flatten().enumerate() {
                        if op_refused_for_schema(res) {
                            problems.push(format!("op {i}, allowed by the document, was refused as invalid"));
                        }
                    }
                }
            }
            Some(broken) => {
                let per_op = match broken {
                    Broken::Body(v) if BATCHES.contains(&op.id.as_str()) => {
                        v.at.strip_prefix("/ops/")
                            .and_then(|rest| rest.split('/').next())
                            .and_then(|i| i.parse::<usize>().ok())
                    }
                    _ => None,
                };
                let expected = match broken {
                    Broken::Param(..) | Broken::MalformedJson => 400,
                    Broken::Body(_) => 422,
                };
                match per_op {
                    Some(i) => {
                        if status != 200 || !op_refused_for_schema(&body["results"][i]) {
                            problems.push(format!("op {i} breaks the document ({broken:?}) but was not `invalid`"));
                        }
                    }
                    None => {
                        if status != expected || !is_schema_refusal(status, &body) {
                            problems.push(format!(
                                "a request the document forbids ({broken:?}) got {status}, not {expected}"
                            ));
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            self.mismatches.push(format!("{}: {}\n  {shown}\n  -> {status} {body}", op.id, problems.join("; ")));
        }
    }
}

fn sample<T: std::fmt::Debug>(runner: &mut TestRunner, s: &BoxedStrategy<T>) -> T {
    s.new_tree(runner).unwrap_or_else(|e| panic!("cannot generate: {e}")).current()
}

#[tokio::test]
async fn generated_requests_agree_with_the_document_both_ways() {
    let d = doc();
    // No rate limit (the pairing bucket would answer 429s) and no long-poll wait.
    let config = Config { rate_limit: None, long_poll_max_wait: std::time::Duration::ZERO, ..Config::default() };
    let srv = start_with(config, Hooks::default()).await;
    let (shop, client) = shop_with_stock(&srv).await;
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 9, 9, 9];
    let sha = comptoir_protocol::hash::sha256_hex(&png);
    srv.raw(Method::PUT, &format!("/v1/media/{sha}"))
        .bearer_auth(&shop.token)
        .header("content-type", "image/png")
        .body(png.to_vec())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    drop(client);
    let order = srv.order(&shop.shop_id, &[("CAM-250", 1)]).await;
    let fixture: HashMap<&'static str, String> = [
        ("shop_id", shop.shop_id.clone()),
        ("sha256", sha),
        ("external_id", "p-1".to_owned()),
        ("order_id", order.id.clone()),
    ]
    .into();

    let mut fuzz = Fuzz {
        doc: d.clone(),
        srv,
        client: reqwest::Client::new(),
        shop_token: shop.token.clone(),
        keys: Default::default(),
        mismatches: Vec::new(),
        sent: 0,
        seen: BTreeMap::new(),
    };
    let mut runner = TestRunner::deterministic();
    let started = std::time::Instant::now();
    let mut invalid_sent = 0;
    for op in operations(&d) {
        if BINARY_BODIES.contains(&op.id.as_str()) {
            continue;
        }
        let strategy = gen_request(&d, &op, &fixture);
        for case in 0..CASES {
            let valid = sample(&mut runner, &strategy);
            // The generator itself must stay within the document.
            if let Some((_, s)) = &op.body
                && let Some(b) = &valid.body
            {
                let e = errors(&d, s, b);
                assert!(e.is_empty(), "{}: generated body breaks the document: {e:?}\n{b}", op.id);
            }
            let broken = request_violations(&d, &op, &valid);
            fuzz.send(&op, &valid).await;
            if !broken.is_empty() {
                let pick = sample(&mut runner, &(0..broken.len()).boxed());
                if let Some(bad) = break_request(&d, &op, valid.clone(), broken[pick].clone()) {
                    fuzz.send(&op, &bad).await;
                    invalid_sent += 1;
                }
            }
            if case == 0 && op.body.is_some() {
                let bad = break_request(&d, &op, valid, Broken::MalformedJson).unwrap();
                fuzz.send(&op, &bad).await;
                invalid_sent += 1;
            }
        }
    }
    eprintln!(
        "openapi_fuzz: {} requests ({invalid_sent} breaking the document) in {:.1?}",
        fuzz.sent,
        started.elapsed()
    );
    let mut table = String::new();
    for ((op, valid, status), n) in &fuzz.seen {
        table.push_str(&format!("  {op:<28} {:<7} {status} x{n}\n", if *valid { "allowed" } else { "broken" }));
    }
    eprintln!("{table}");
    let n = fuzz.mismatches.len();
    assert!(n == 0, "{n} mismatches between the document and the server:\n{}", fuzz.mismatches.join("\n\n"));
}
