//! Every command through Tauri's mock runtime: real IPC serialisation, real command
//! handlers, a real SQLite file — only the window system is absent.

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    // The pool must live on Tauri's async runtime, where the commands run.
    let state = tauri::async_runtime::block_on(comptoir_app::AppState::open(
        Some(dir.path()),
        std::sync::Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
        std::sync::Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
    ))
    .unwrap();
    let builder = comptoir_app::specta_builder::<MockRuntime>();
    let app = mock_builder()
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    builder.mount_events(&app);
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Harness { _app: app, webview, _dir: dir }
}

/// One command through the mock runtime's IPC, as the window sends it.
pub(crate) fn invoke_on(webview: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|b| b.deserialize::<Value>().unwrap())
}

impl Harness {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        invoke_on(&self.webview, cmd, body)
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

fn camembert() -> Value {
    json!({"input": {
        "id": null, "name": "Pâté de campagne normand", "description": "Au calvados",
        "category_id": 3, "status": "published", "vat": "reduced", "unit": "piece",
        "offer": {"packaging": "bocal", "kind": "goods", "stock_policy": "counted", "lead_time_days": null,
                  "duration_minutes": null, "sessions": [], "food": null},
        "variants": [{"id": null, "sku": "PAT-180", "options": [{"name": "Bocal", "value": "180 g"}],
                      "price_cents": 590, "stock": 11, "ean": "3760123450010", "net_quantity": "180 g"}]
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

/// Issue 14 through IPC: the editor's live preview (unit prices, what publishing needs)
/// and the refusal of a published food product without allergens, on its field.
#[test]
fn food_information_is_previewed_and_required_to_publish() {
    let h = harness();
    h.ok("start_clean", json!({}));
    let mut input = camembert();
    input["input"]["offer"]["food"] = json!({"ingredients": "Porc, calvados", "allergens": null, "storage": "",
        "origin": "Orne", "producer": "", "labels": [], "abv_tenths": null});
    let preview = h.ok("preview_product", input.clone());
    assert_eq!(preview["unit_prices"][0], json!({"cents": 3278, "per": "kg"}));
    let fields: Vec<&str> =
        preview["publish_problems"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["offer.food.allergens", "offer.food.storage"]);

    let err = h.invoke("save_product", input.clone()).unwrap_err();
    assert_eq!(err["code"], "validation");
    assert_eq!(err["fields"][0]["field"], "offer.food.allergens");
    assert!(err["fields"][0]["message"].as_str().unwrap().starts_with("Allergènes non renseignés"));
    assert_eq!(h.ok("app_status", json!({}))["stats"]["products"], 0);

    input["input"]["offer"]["food"]["allergens"] = json!([]);
    input["input"]["offer"]["food"]["storage"] = json!("Au frais");
    let saved = h.ok("save_product", input);
    assert_eq!(saved["offer"]["food"]["allergens"], json!([]));
    assert_eq!(saved["offer"]["packaging"], "bocal");
    let row = &h.ok("list_products", json!({"filter": {"search": null, "category_id": null, "offset": 0, "limit": 5}}))
        ["items"][0];
    assert_eq!(row["packaging"], "bocal");
    assert_eq!(row["unit_price"], json!({"cents": 3278, "per": "kg"}));
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

/// A date `days` from today, as the shop types it (the commands read the real clock).
fn day_from_today(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).format("%d/%m/%Y").to_string()
}

#[test]
fn promotions_are_previewed_set_listed_badged_and_withdrawn_through_ipc() {
    let h = harness();
    let product = h.ok("save_product", camembert());
    let id = product["id"].as_i64().unwrap();
    let (from, to) = (day_from_today(2), day_from_today(9));
    let request = |discount: Value| {
        json!({"request": {
            "target": {"by": "products", "ids": [id]}, "discount": discount,
            "starts": from, "ends": to, "quantity_limit": null,
            "campaign": {"kind": "named", "name": "Semaine du pâté"}, "perishable": false
        }})
    };
    // 5,90 € on sale since now: the reference price is 5,90 €, a « reduction » to it is none.
    let plan = h.ok("promotion_preview", request(json!({"kind": "new_price", "cents": 590})));
    assert_eq!((plan["count"].as_u64(), plan["refused"].as_u64()), (Some(1), Some(1)));
    assert_eq!(plan["variants"][0]["reference"]["cents"], 590);
    assert_eq!(plan["variants"][0]["reference"]["rule"], "lowest_since_on_sale");
    let err = h.invoke("promotion_add", request(json!({"kind": "new_price", "cents": 590}))).unwrap_err();
    assert_eq!(err["code"], "validation");
    assert_eq!(err["fields"][0]["field"], "variants.PAT-180");
    assert!(err["fields"][0]["message"].as_str().unwrap().contains("n'est pas moins cher que le prix actuel"), "{err}");

    let added = h.ok("promotion_add", request(json!({"kind": "percent_off", "percent": 15})));
    assert_eq!(added["created"], 1);
    let list =
        h.ok("promotions_list", json!({"query": {"product_id": id, "campaign_id": null, "include_ended": false}}));
    let p = &list[0];
    // 5,90 € − 15 % = 5,015 € → 5,02 € (half-up).
    assert_eq!((p["price_cents"].as_i64(), p["reference_cents"].as_i64()), (Some(502), Some(590)));
    assert_eq!((p["starts_text"].as_str(), p["ends_text"].as_str()), (Some(from.as_str()), Some(to.as_str())));
    assert_eq!((p["state"].as_str(), p["on_market"].as_bool()), (Some("planned"), Some(false)));
    assert_eq!(p["campaign_name"], "Semaine du pâté");
    let page =
        h.ok("list_products", json!({"filter": {"search": null, "category_id": null, "offset": 0, "limit": 50}}));
    assert_eq!(page["items"][0]["promotion"]["state"], "planned");
    assert_eq!(page["items"][0]["promotion"]["when_text"], from.as_str());
    let campaigns = h.ok("campaigns_list", json!({}));
    assert_eq!(campaigns["own"][0]["promotion_count"], 1);

    let pid = p["id"].clone();
    assert_eq!(h.ok("promotion_end", json!({"id": pid})), "withdrawn");
    assert!(
        h.ok("promotions_list", json!({"query": {"product_id": id, "campaign_id": null, "include_ended": true}}))
            .as_array()
            .unwrap()
            .is_empty()
    );
    let err = h.invoke("promotion_end", json!({"id": pid})).unwrap_err();
    assert_eq!(err["code"], "not_found");
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

/// A progress channel as the webview passes it (the mock runtime drops the messages).
const CHANNEL: &str = "__CHANNEL__:7";

/// A CSV the way French Excel saves it: Windows-1252, `;`, prices "12,50 €", a title
/// line above the header, and one bad row.
fn french_excel_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let text = "Stock de la fromagerie;;;;\r\n\
Référence;Désignation;Prix TTC;TVA;Qté;Famille\r\n\
CAM-250;Camembert de Normandie AOP;6,90 €;5,5 %;24;Crèmerie\r\n\
LIV-500;Livarot AOP;12,50 €;5,5 %;8;Crèmerie\r\n\
CID-75;Cidre brut fermier;4,20 €;20 %;36;Cave à cidre\r\n\
MIE-500;Miel de fleurs;douze;5,5 %;3;Épicerie\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let path = dir.join("stock fromagerie.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_spreadsheet_is_previewed_simulated_imported_and_undone_through_ipc() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let csv = french_excel_csv(dir.path());
    h.ok("start_clean", json!({}));

    let preview = h.ok("import_open", json!({"path": csv, "sheet": null, "onProgress": CHANNEL}));
    assert_eq!(preview["encoding"], "windows-1252");
    assert_eq!(preview["delimiter"], ";");
    assert_eq!(preview["header_row"], 2);
    assert_eq!(preview["data_rows"], 4);
    let fields: Vec<&str> =
        preview["columns"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["sku", "name", "price_ttc", "vat", "stock", "category"]);
    assert_eq!(preview["columns"][1]["samples"][0], "Camembert de Normandie AOP");

    let settings =
        json!({"mapping": preview["mapping"], "options": {"mode": "full", "default_vat": null, "category_map": []}});
    let sim = h.ok("import_simulate", json!({"settings": settings, "onProgress": CHANNEL}));
    assert_eq!(sim["counts"], json!({"create": 3, "update": 0, "unchanged": 0, "rejected": 1}));
    let err = &sim["errors"][0];
    assert_eq!(
        (err["row"].as_u64(), err["column"].as_str(), err["value"].as_str()),
        (Some(6), Some("C"), Some("douze"))
    );
    assert!(err["message"].as_str().unwrap().contains("Prix"), "{err}");
    assert_eq!(sim["unknown_categories"], json!(["Cave à cidre"]));
    // Nothing written by the simulation.
    let page = h.ok("list_products", json!({"filter": {"search": "", "category_id": null, "offset": 0, "limit": 50}}));
    assert_eq!(page["total"], 0);

    // The rejected rows come back as an XLSX with an "Erreur" column.
    let rejected = dir.path().join("rejetées.xlsx");
    assert_eq!(h.ok("import_save_rejected", json!({"settings": settings, "dest": rejected})), 1);
    assert!(std::fs::metadata(&rejected).unwrap().len() > 0);

    // "Cave à cidre" filed under the existing "Boissons/Cave" category instead of created.
    let cats = h.ok("list_categories", json!({}));
    let boissons = cats.as_array().unwrap().iter().find(|c| c["name"] == "Boissons/Cave").unwrap()["id"].clone();
    let settings = json!({"mapping": preview["mapping"], "options": {"mode": "full", "default_vat": null,
        "category_map": [{"name": "Cave à cidre", "category_id": boissons}]}});
    let report = h.ok("import_apply", json!({"settings": settings, "onProgress": CHANNEL}));
    assert_eq!(report["result"]["counts"]["create"], 3);
    assert_eq!(report["result"]["new_categories"], json!([]));
    let batch = report["batch_id"].as_i64().unwrap();
    let page =
        h.ok("list_products", json!({"filter": {"search": "cidre", "category_id": null, "offset": 0, "limit": 50}}));
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["category_path"], "Alimentation › Boissons/Cave");
    assert_eq!(page["items"][0]["min_price_cents"], 420);

    let history = h.ok("import_history", json!({}));
    assert_eq!(history[0]["file_name"], "stock fromagerie.csv");
    assert_eq!(history[0]["created"], 3);

    // The catalogue export re-imports as "unchanged".
    let out = dir.path().join("catalogue.xlsx");
    assert_eq!(h.ok("export_catalogue", json!({"dest": out})), 3);
    let again = h.ok("import_open", json!({"path": out, "sheet": null, "onProgress": CHANNEL}));
    let settings =
        json!({"mapping": again["mapping"], "options": {"mode": "full", "default_vat": null, "category_map": []}});
    let sim = h.ok("import_simulate", json!({"settings": settings, "onProgress": CHANNEL}));
    assert_eq!(sim["counts"], json!({"create": 0, "update": 0, "unchanged": 3, "rejected": 0}));

    let undo = h.ok("import_undo", json!({"batchId": batch}));
    assert_eq!(undo["products_deleted"], 3);
    let page = h.ok("list_products", json!({"filter": {"search": "", "category_id": null, "offset": 0, "limit": 50}}));
    assert_eq!(page["total"], 0);
}

#[test]
fn an_unreadable_file_is_named_in_french_and_nothing_is_kept() {
    let h = harness();
    let missing = std::env::temp_dir().join("comptoir-absent-stock.xlsx");
    let err = h.invoke("import_open", json!({"path": missing, "sheet": null, "onProgress": CHANNEL})).unwrap_err();
    assert_eq!(err["code"], "validation");
    let msg = err["fields"][0]["message"].as_str().unwrap();
    assert!(msg.contains("comptoir-absent-stock.xlsx") && msg.contains("n'existe plus"), "{msg}");
    // No file open: simulating says so instead of using a stale file.
    let settings = json!({"mapping": {"header_row": 1, "columns": ["sku"]}, "options": {"mode": "full", "default_vat": null, "category_map": []}});
    let err = h.invoke("import_simulate", json!({"settings": settings, "onProgress": CHANNEL})).unwrap_err();
    assert_eq!(err["fields"][0]["code"], "no_file");
}

#[test]
fn the_marketplace_status_and_its_refusals_cross_ipc() {
    let h = harness();
    let st = h.ok("market_status", json!({}));
    assert_eq!(st["sync"]["state"], "not_connected");
    assert_eq!(st["sync"]["label"], "Non connecté à la place de marché");
    // Plain HTTP is for the loopback only: a token never travels in clear.
    let err = h
        .invoke("market_connect", json!({"url": "http://marche.orne.fr", "pairingCode": "ABCDE-12345", "token": null}))
        .unwrap_err();
    assert_eq!(err["code"], "sync_bad_url");
    assert!(err["message"].as_str().unwrap().starts_with("Adresse de la place de marché invalide"), "{err}");
    assert_eq!(h.ok("orders_list", json!({"filter": {}})), json!([]));
    assert_eq!(h.ok("order_settings", json!({})), json!({"remind_after_min": 10, "sound": false}));
    h.ok("save_order_settings", json!({"settings": {"remind_after_min": 0, "sound": true}}));
    assert_eq!(h.ok("order_settings", json!({})), json!({"remind_after_min": 0, "sound": true}));
    let err = h.invoke("export_picklist", json!({"dest": "/tmp/x.xlsx", "date": "24/12/2026"})).unwrap_err();
    assert_eq!(err["fields"][0]["message"], "Date illisible : « 24/12/2026 » (attendu : AAAA-MM-JJ)");
}

#[test]
fn the_photo_studio_imports_reviews_attaches_and_edits_through_ipc() {
    use comptoir_core::photos::fixtures::{jpeg, test_card};
    let h = harness();
    let product = h.ok("save_product", camembert());
    let pid = product["id"].as_i64().unwrap();

    // A folder as a phone leaves it: a photo named after the SKU, a second one of the
    // same product, one named after nothing, and a file that is not a photo.
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("pat-180.jpg"), jpeg(&test_card(1600, 1200), false)).unwrap();
    std::fs::write(src.path().join("PAT-180_2.jpg"), jpeg(&test_card(1200, 1200), false)).unwrap();
    std::fs::write(src.path().join("IMG_0042.jpg"), jpeg(&test_card(900, 700), false)).unwrap();
    std::fs::write(src.path().join("devis.jpg"), b"%PDF-1.4 pas une photo").unwrap();
    let report = h.ok("photos_import", json!({"paths": [src.path().display().to_string()], "onProgress": CHANNEL}));
    assert_eq!((report["imported"].as_u64(), report["failed"].as_u64()), (Some(3), Some(1)));
    let failed = report["files"].as_array().unwrap().iter().find(|f| f["status"] == "failed").unwrap();
    assert_eq!(failed["name"], "devis.jpg");
    assert!(failed["problem"]["message"].as_str().unwrap().len() > 10, "{failed}");
    // The small one carries its French badge.
    let small = report["files"].as_array().unwrap().iter().find(|f| f["name"] == "IMG_0042.jpg").unwrap();
    assert!(small["quality"].as_array().unwrap().iter().any(|q| q["code"] == "too_small"), "{small}");
    let proposals = report["proposals"].as_array().unwrap().clone();
    assert_eq!(proposals.len(), 2);
    assert!(proposals.iter().all(|p| p["product_id"] == pid));

    // Nothing is attached before the review is applied.
    assert_eq!(h.ok("product_photos", json!({"productId": pid})).as_array().unwrap().len(), 0);
    assert_eq!(h.ok("photos_library", json!({"unattachedOnly": true})).as_array().unwrap().len(), 3);
    assert_eq!(h.ok("photos_apply_matches", json!({"proposals": proposals})), 2);
    let photos = h.ok("product_photos", json!({"productId": pid}));
    let photos = photos.as_array().unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[0]["is_main"], true);
    assert_eq!(photos[0]["alt_text"], "Pâté de campagne normand");
    assert_eq!(photos[0]["photo"]["original_name"], "pat-180.jpg");

    // The waiting photo goes on by hand; then order, main, rotation, crop, alt text.
    let waiting = h.ok("photos_library", json!({"unattachedOnly": true}));
    let sha = waiting[0]["photo"]["sha256"].as_str().unwrap();
    let photos = h.ok("photos_attach", json!({"productId": pid, "shas": [sha]}));
    let ids: Vec<i64> = photos.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    let photos = h.ok("photos_set_main", json!({"id": ids[2]}));
    assert_eq!(photos[0]["id"], ids[2]);
    let photos = h.ok("photos_reorder", json!({"productId": pid, "ids": [ids[0], ids[1], ids[2]]}));
    assert_eq!(photos[0]["id"], ids[0]);
    let turned = h.ok("photos_rotate", json!({"id": ids[0], "clockwise": true}));
    assert_eq!(turned["edits"]["rotation"], 90);
    let squared = h.ok("photos_crop", json!({"id": ids[0], "crop": null, "square": true}));
    assert!(squared["edits"]["crop"].is_object());
    let source = h.ok("photos_crop_source", json!({"id": ids[0]}));
    assert!(std::path::Path::new(source.as_str().unwrap()).is_file());
    let free =
        h.ok("photos_crop", json!({"id": ids[0], "crop": {"x": 0.1, "y": 0.1, "w": 0.5, "h": 0.6}, "square": false}));
    assert!((free["edits"]["crop"]["w"].as_f64().unwrap() - 0.5).abs() < 1e-6);
    h.ok("photos_set_alt", json!({"id": ids[0], "alt": "Bocal de pâté, étiquette face"}));
    let photos = h.ok("product_photos", json!({"productId": pid}));
    assert_eq!(photos[0]["alt_text"], "Bocal de pâté, étiquette face");
    h.ok("photos_detach", json!({"id": ids[1]}));
    assert_eq!(h.ok("product_photos", json!({"productId": pid})).as_array().unwrap().len(), 2);

    // Every file the window is shown is served by the photo protocol; nothing else is.
    let state = h.webview.state::<comptoir_app::AppState>();
    let thumb = std::path::Path::new(photos[0]["thumb_path"].as_str().unwrap()).file_name().unwrap();
    let ok = comptoir_app::commands::photos::serve(&state.studio().store, &format!("/{}", thumb.to_str().unwrap()));
    assert_eq!(ok.status(), 200);
    assert_eq!(&ok.body()[..2], &[0xFF, 0xD8], "a JPEG");
    let nope = comptoir_app::commands::photos::serve(&state.studio().store, "/../../comptoir.sqlite3");
    assert_eq!(nope.status(), 404);

    // A webcam frame goes through the same pipeline; an empty one is refused in French.
    let captured = h.ok("photos_capture", json!({"jpeg": jpeg(&test_card(1280, 720), false)}));
    assert_eq!(captured["imported"], 1);
    let err = h.invoke("photos_capture", json!({"jpeg": []})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("aucune image"), "{err}");

    // The watched folder: a new photo dropped there comes in by itself.
    let settings = h.ok("photos_watch", json!({"folder": src.path().display().to_string()}));
    assert_eq!(settings["watch_folder"], src.path().display().to_string());
    std::fs::write(src.path().join("PAT-180_3.jpg"), jpeg(&test_card(1500, 1000), false)).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let lib = h.ok("photos_library", json!({"unattachedOnly": true}));
        if lib.as_array().unwrap().iter().any(|p| p["photo"]["original_name"] == "PAT-180_3.jpg") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the watched folder's new photo never came in");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let err = h.invoke("photos_watch", json!({"folder": "/nulle/part/DCIM"})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("/nulle/part/DCIM"), "{err}");
    let off = h.ok("photos_watch", json!({"folder": null}));
    assert_eq!(off["watch_folder"], Value::Null);

    // A marketplace wanting 2048 px squares: every photo is re-rendered once from its
    // original, and the product's photos come out square.
    assert_eq!(off["preset"]["main_max"], 1600);
    // This build has no libheif (feature off): the studio says so in French.
    assert!(off["heic_note"].as_str().unwrap().contains("HEIC"), "{off}");
    let n = h.ok(
        "photos_set_preset",
        json!({"preset": {"main_max": 2048, "thumb_max": 400, "quality": 85, "square": true}, "onProgress": CHANNEL}),
    );
    assert!(n.as_u64().unwrap() >= 4, "{n}");
    assert_eq!(h.ok("photos_settings", json!({}))["preset"]["main_max"], 2048);
    let again = h.ok(
        "photos_set_preset",
        json!({"preset": {"main_max": 2048, "thumb_max": 400, "quality": 85, "square": true}, "onProgress": CHANNEL}),
    );
    assert_eq!(again, 0, "nothing is rebuilt twice");
}

/// Backups through the commands: taken, listed, the status follows; a destination and
/// its encryption are checked field by field; a restore is checked at once and carried
/// out when Comptoir starts again, giving back the shop as it was.
#[test]
fn backups_are_taken_and_listed_and_a_restore_happens_at_the_next_start() {
    let h = harness();
    h.ok("start_demo", json!({}));
    let status = h.ok("backup_status", json!({}));
    assert_eq!(status["last_backup_at"], Value::Null);
    assert_eq!(status["overdue"], true, "never backed up: say so");

    let report = h.ok("backup_now", json!({}));
    let products = report["counts"]["products"].as_u64().unwrap();
    assert!(products >= 15, "{report}");
    assert_eq!(report["reason"], "manual");
    let list = h.ok("backup_list", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let first = list[0]["path"].as_str().unwrap().to_owned();
    assert_eq!(h.ok("backup_status", json!({}))["overdue"], false);
    assert_eq!(h.ok("backup_describe", json!({"path": first}))["counts"]["products"], products);

    let err = h
        .invoke("backup_configure", json!({"destination": "/nulle/part/cle", "encrypt": false, "passphrase": null}))
        .unwrap_err();
    assert_eq!(err["fields"][0]["field"], "destination", "{err}");
    let key = tempfile::tempdir().unwrap();
    let dest = key.path().display().to_string();
    let err =
        h.invoke("backup_configure", json!({"destination": dest, "encrypt": true, "passphrase": null})).unwrap_err();
    assert_eq!(err["fields"][0]["field"], "passphrase", "{err}");
    let cfg =
        h.ok("backup_configure", json!({"destination": dest, "encrypt": true, "passphrase": "coffre du fromager"}));
    assert_eq!(cfg["encrypt_destination"], true);
    let report = h.ok("backup_now", json!({}));
    assert_eq!(report["destination"]["state"], "written", "{report}");
    let status = h.ok("backup_status", json!({}));
    assert_eq!(status["destination"]["present"], true);
    assert_eq!(status["destination"]["encrypted"], true);

    // A product deleted after the first backup, then that backup restored.
    let page =
        h.ok("list_products", json!({"filter": {"search": "eveque", "category_id": null, "offset": 0, "limit": 50}}));
    h.ok("delete_product", json!({"id": page["items"][0]["id"]}));
    let err = h.invoke("backup_restore", json!({"path": "/nulle/part", "passphrase": null})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("/nulle/part"), "{err}");
    let entry = h.ok("backup_restore", json!({"path": first, "passphrase": null}));
    assert_eq!(entry["counts"]["products"], products);
    // No window here to restart: Comptoir opened again on the same folder restores it.
    let Harness { _app: app, webview, _dir: dir } = h;
    drop(webview);
    drop(app);
    let state = tauri::async_runtime::block_on(comptoir_app::AppState::open(
        Some(dir.path()),
        std::sync::Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
        std::sync::Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
    ))
    .unwrap();
    let restored = state.restored.lock().unwrap().take().expect("the restore ran at start").unwrap();
    assert_eq!(restored.counts.products, products);
    assert!(restored.reconnect_needed);
    let stats = tauri::async_runtime::block_on(state.db.catalogue_stats()).unwrap();
    assert_eq!(stats.products as u64, products, "the deleted product is back");
}
