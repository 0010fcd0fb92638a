//! Every command through Tauri's mock runtime: real IPC serialisation, real command
//! handlers, a real SQLite file — only the window system is absent.

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    // The pool must live on Tauri's async runtime, where the commands run.
    let state = tauri::async_runtime::block_on(comptoir_app::AppState::open(Some(dir.path()))).unwrap();
    let builder = comptoir_app::specta_builder::<MockRuntime>();
    let app = mock_builder()
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Harness { _app: app, webview, _dir: dir }
}

impl Harness {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

fn camembert() -> Value {
    json!({"input": {
        "id": null, "name": "Pâté de campagne normand", "description": "Au calvados",
        "category_id": 3, "status": "published", "vat": "reduced", "unit": "piece",
        "variants": [{"id": null, "sku": "PAT-180", "options": [{"name": "Bocal", "value": "180 g"}],
                      "price_cents": 590, "stock": 11, "ean": "3760123450010", "weight_g": 180, "volume_ml": null}]
    }})
}

#[test]
fn a_new_shop_is_offered_the_demo_or_a_clean_start() {
    let h = harness();
    let status = h.ok("app_status", json!({}));
    assert_eq!(status["onboarded"], false);
    assert_eq!(status["stats"]["products"], 0);
    assert_eq!(status["stats"]["categories"], 13);

    let n = h.ok("start_demo", json!({}));
    assert!(n.as_u64().unwrap() >= 15);
    let status = h.ok("app_status", json!({}));
    assert_eq!(status["onboarded"], true);
    let page =
        h.ok("list_products", json!({"filter": {"search": "eveque", "category_id": null, "offset": 0, "limit": 50}}));
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["name"], "Pont-l'Évêque AOP");

    // The demo never lands on top of real products.
    let err = h.invoke("start_demo", json!({})).unwrap_err();
    assert_eq!(err["code"], "conflict");
}

#[test]
fn products_round_trip_through_ipc_with_money_in_cents() {
    let h = harness();
    h.ok("start_clean", json!({}));
    let saved = h.ok("save_product", camembert());
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["variants"][0]["price_cents"], 590);
    assert_eq!(saved["variants"][0]["unit_price"], json!({"cents": 3278, "per": "kg"}));
    assert_eq!(saved["category_path"], "Alimentation › Boucherie-Charcuterie");

    let page = h
        .ok("list_products", json!({"filter": {"search": "PATE normand", "category_id": 1, "offset": 0, "limit": 50}}));
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["min_price_cents"], 590);

    let got = h.ok("get_product", json!({"id": id}));
    assert_eq!(got["name"], "Pâté de campagne normand");

    h.ok("delete_product", json!({"id": id}));
    let err = h.invoke("get_product", json!({"id": id})).unwrap_err();
    assert_eq!(err["code"], "not_found");
}

#[test]
fn refused_input_comes_back_as_code_message_and_fields() {
    let h = harness();
    let mut bad = camembert();
    bad["input"]["name"] = json!("  ");
    bad["input"]["variants"][0]["ean"] = json!("3760123450011");
    let err = h.invoke("save_product", bad).unwrap_err();
    assert_eq!(err["code"], "validation");
    assert!(err["message"].as_str().unwrap().contains("Code EAN invalide (clé de contrôle)"));
    let fields: Vec<&str> = err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["name", "variants.0.ean"]);
    // Nothing was written.
    assert_eq!(h.ok("app_status", json!({}))["stats"]["products"], 0);
}

#[test]
fn categories_are_managed_and_non_empty_ones_are_protected() {
    let h = harness();
    let created = h.ok("save_category", json!({"input": {"id": null, "name": "Fromages de chèvre", "parent_id": 2}}));
    assert_eq!(created["path"], "Alimentation › Crèmerie › Fromages de chèvre");
    let cats = h.ok("list_categories", json!({}));
    assert_eq!(cats.as_array().unwrap().len(), 14);

    h.ok("save_product", camembert());
    let err = h.invoke("delete_category", json!({"id": 3})).unwrap_err();
    assert_eq!(err["code"], "conflict");
    assert!(err["message"].as_str().unwrap().contains("Boucherie-Charcuterie"));
    h.ok("delete_category", json!({"id": created["id"]}));
}
