use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Shop;

#[test]
fn demo_seeds_an_orne_shop_once() {
    let shop = Shop::new();
    shop.cli().arg("demo").assert().success().stdout(contains("Boutique de démonstration installée"));
    let list = shop.json(&["products", "list", "--json"]);
    assert!(list["total"].as_u64().unwrap() >= 15);
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for expected in ["Camembert de Normandie AOP", "Livarot AOP", "Pont-l'Évêque AOP", "Calvados Pays d'Auge 5 ans"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    shop.cli().arg("demo").assert().code(1).stderr(contains("déjà des produits"));
}

#[test]
fn search_and_category_filters_ignore_accents() {
    let shop = Shop::new();
    shop.cli().arg("demo").assert().success();
    let found = shop.json(&["products", "list", "--search", "eveque", "--json"]);
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["sku"], "PLE-220");
    let cave = shop.json(&["products", "list", "--category", "boissons/cave", "--json"]);
    assert!(cave["items"].as_array().unwrap().iter().all(|p| p["category_path"] == "Alimentation › Boissons/Cave"));
    shop.cli()
        .args(["products", "list", "--search", "introuvable"])
        .assert()
        .success()
        .stdout(contains("Aucun produit."));
    shop.cli()
        .args(["products", "list", "--category", "Bijouterie"])
        .assert()
        .code(1)
        .stderr(contains("Catégorie introuvable : Bijouterie"));
}

#[test]
fn add_edit_show_with_french_prices_and_cents_in_json() {
    let shop = Shop::new();
    shop.cli()
        .args(["products", "add", "--name", "Miel de sarrasin", "--sku", "MIEL-500", "--price", "8,90 €"])
        .args(["--vat", "5,5", "--stock", "14", "--category", "Épicerie", "--net-quantity", "500g"])
        .args(["--ean", "3760123450010", "--option", "Pot=500 g"])
        .assert()
        .success()
        .stdout(contains("Produit créé : Miel de sarrasin (MIEL-500)"));

    shop.cli()
        .args(["products", "edit", "miel-500", "--price", "1 234,50", "--stock", "3", "--vat", "20"])
        .assert()
        .success();
    let p = shop.json(&["products", "show", "MIEL-500", "--json"]);
    assert_eq!(p["name"], "Miel de sarrasin");
    assert_eq!(p["vat"], "normal");
    assert_eq!(p["category_path"], "Alimentation › Épicerie");
    let v = &p["variants"][0];
    assert_eq!(v["net_quantity"], "500 g");
    assert_eq!(v["price_cents"], 123_450);
    assert_eq!(v["stock"], 3);
    assert_eq!(v["ean"], "3760123450010");
    assert_eq!(v["options"][0], serde_json::json!({"name": "Pot", "value": "500 g"}));
    assert_eq!(v["unit_price"], serde_json::json!({"cents": 246_900, "per": "kg"}));

    shop.cli()
        .args(["products", "show", "MIEL-500"])
        .assert()
        .success()
        .stdout(contains("1\u{202f}234,50 €").and(contains("TVA : 20 %")));
}

#[test]
fn bad_input_is_refused_in_french_and_nothing_is_written() {
    let shop = Shop::new();
    shop.cli()
        .args(["products", "add", "--name", "Cidre", "--sku", "CID-1", "--price", "douze"])
        .assert()
        .code(1)
        .stderr(contains("Prix illisible (exemple attendu : 12,50) : « douze »"));
    shop.cli()
        .args(["products", "add", "--name", "Cidre", "--sku", "CID-1", "--price", "4,50", "--vat", "7"])
        .assert()
        .code(1)
        .stderr(contains("Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %"));
    shop.cli()
        .args(["products", "add", "--name", "Cidre", "--sku", "CID-1", "--price", "4,50", "--ean", "3760123450011"])
        .assert()
        .code(1)
        .stderr(contains("Code EAN invalide (clé de contrôle)"));
    let list = shop.json(&["products", "list", "--json"]);
    assert_eq!(list["total"], 0);
    shop.cli()
        .args(["products", "edit", "NOPE", "--stock", "1"])
        .assert()
        .code(1)
        .stderr(contains("Référence introuvable : NOPE"));
}

#[test]
fn the_data_dir_comes_from_the_environment_too() {
    let shop = Shop::new();
    let mut c = assert_cmd::Command::cargo_bin("comptoir-cli").unwrap();
    c.env("COMPTOIR_DATA_DIR", shop.dir.path()).arg("demo").assert().success();
    assert!(shop.dir.path().join("comptoir.db").is_file());
    let cats = shop.json(&["categories", "list", "--json"]);
    let cremerie = cats.as_array().unwrap().iter().find(|c| c["name"] == "Crèmerie").unwrap();
    assert_eq!(cremerie["path"], "Alimentation › Crèmerie");
    assert!(cremerie["product_count"].as_i64().unwrap() >= 5);
}

/// Issue 14 from the terminal: the shop's words are understood (« bouteille » is the
/// packaging, sold by the piece; « séance » a service), the food information is given
/// with flags, publishing food without allergens is refused in French, and
/// `products check` lists what cannot be published and why.
#[test]
fn shop_words_services_food_and_the_publish_check() {
    let shop = Shop::new();
    shop.cli()
        .args(["products", "add", "--name", "Cidre brut", "--sku", "CID-75", "--price", "6,50", "--unit", "Bouteille"])
        .args(["--net-quantity", "75cl", "--food", "--ingredients", "Pommes, sulfites", "--abv", "5,5"])
        .args(["--storage", "Au frais", "--label", "IGP"])
        .assert()
        .success();
    let p = shop.json(&["products", "show", "CID-75", "--json"]);
    assert_eq!(p["unit"], "piece");
    assert_eq!(p["offer"]["packaging"], "bouteille");
    assert_eq!(p["offer"]["food"]["abv_tenths"], 55);
    assert_eq!(p["offer"]["food"]["allergens"], serde_json::Value::Null);
    assert_eq!(p["variants"][0]["unit_price"], serde_json::json!({"cents": 867, "per": "l"}));
    shop.cli()
        .args(["products", "show", "CID-75"])
        .assert()
        .success()
        .stdout(contains("8,67 € / l").and(contains("conditionnement : bouteille")).and(contains("(non renseignés)")));

    // Published without allergens: refused, saying what is missing; nothing changes.
    shop.cli()
        .args(["products", "edit", "CID-75", "--status", "published"])
        .assert()
        .code(1)
        .stderr(contains("Allergènes non renseignés"));
    assert_eq!(shop.json(&["products", "show", "CID-75", "--json"])["status"], "draft");
    let check = shop.json(&["products", "check", "--json"]);
    assert_eq!(check.as_array().unwrap().len(), 1);
    assert_eq!(check[0]["sku"], "CID-75");
    assert_eq!(check[0]["problems"][0]["field"], "offer.food.allergens");
    shop.cli()
        .args(["products", "check"])
        .assert()
        .success()
        .stdout(contains("CID-75 — Cidre brut (brouillon)").and(contains("Allergènes non renseignés")));
    shop.cli()
        .args(["products", "edit", "CID-75", "--allergens", "kryptonite"])
        .assert()
        .code(1)
        .stderr(contains("Allergène(s) inconnu(s) : kryptonite"));
    shop.cli()
        .args(["products", "edit", "CID-75", "--allergens", "sulfites", "--status", "published"])
        .assert()
        .success();
    shop.cli()
        .args(["products", "check"])
        .assert()
        .success()
        .stdout(contains("Tous les produits peuvent être publiés."));

    // A service by its unit word, and a made-to-order product with its lead time.
    shop.cli()
        .args(["products", "add", "--name", "Atelier poterie", "--sku", "ATL-1", "--price", "35", "--unit", "séance"])
        .args(["--duration", "2 h 30"])
        .assert()
        .success();
    let a = shop.json(&["products", "show", "ATL-1", "--json"]);
    assert_eq!(a["offer"]["kind"], "service");
    assert_eq!(a["offer"]["stock_policy"], "unlimited");
    assert_eq!(a["offer"]["duration_minutes"], 150);
    shop.cli()
        .args(["products", "add", "--name", "Table en chêne", "--sku", "TAB-1", "--price", "890"])
        .args(["--stock-policy", "sur commande, 6 semaines"])
        .assert()
        .success();
    let t = shop.json(&["products", "show", "TAB-1", "--json"]);
    assert_eq!(
        (t["offer"]["stock_policy"].as_str(), t["offer"]["lead_time_days"].as_u64()),
        (Some("made_to_order"), Some(42))
    );
    shop.cli()
        .args(["products", "edit", "TAB-1", "--stock-policy", "beaucoup"])
        .assert()
        .code(1)
        .stderr(contains("Gestion du stock « beaucoup » inconnue"));
}

#[test]
fn the_quick_start_is_written_for_printing() {
    let shop = Shop::new();
    let out = shop.dir.path().join("guide.html");
    shop.cli().arg("quickstart").arg(&out).assert().success().stdout(contains("Guide de démarrage écrit dans"));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Comptoir — démarrage rapide") && html.contains("4. Publier"), "{html}");
}
