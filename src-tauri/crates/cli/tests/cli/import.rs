//! `import`, `import undo`, `import history`, `export catalogue`.

use predicates::str::contains;

use crate::support::Shop;

fn cp1252(s: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1252.encode(s).0.into_owned()
}

const STOCK_CSV: &str = "Stock au 31/12;;;;\r\n\
Réf.;Désignation;Prix TTC;TVA;Qté\r\n\
CAM-9;Camembert fermier;5,20 €;5,5 %;12\r\n\
BEU-1;Beurre demi-sel;;5,5 %;3\r\n\
YAO-1;Yaourt nature;1,10;7;4\r\n";

#[test]
fn dry_run_then_import_then_undo() {
    let shop = Shop::new();
    let file = shop.dir.path().join("stock.csv");
    std::fs::write(&file, cp1252(STOCK_CSV)).unwrap();
    let errors = shop.dir.path().join("refus.xlsx");

    shop.cli()
        .args(["import", "--dry-run"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("Simulation (rien n'est écrit) : 1 à créer, 0 à modifier, 0 inchangé(s), 2 refusé(s)"))
        .stdout(contains("Ligne 4, colonne C (Prix TTC) : Prix manquant"))
        .stdout(contains("Ligne 5, colonne D (TVA) « 7 » : Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %"));
    assert_eq!(shop.json(&["products", "list", "--json"])["total"], 0);

    let out = shop.json(&["import", file.to_str().unwrap(), "--errors", errors.to_str().unwrap(), "--json"]);
    assert_eq!(out["counts"]["create"], 1);
    assert_eq!(out["counts"]["rejected"], 2);
    assert_eq!(out["header_row"], 2);
    assert_eq!(out["errors"][0]["row"], 4);
    assert_eq!(out["errors"][0]["column"], "C");
    assert_eq!(out["errors"][0]["code"], "price_missing");
    assert!(std::fs::metadata(&errors).unwrap().len() > 1000);
    let batch = out["batch_id"].as_i64().unwrap();
    assert_eq!(shop.json(&["products", "show", "CAM-9", "--json"])["variants"][0]["price_cents"], 520);

    // The same file in stock mode: the camembert is unchanged.
    shop.cli()
        .args(["import", "--mode", "stock"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("0 à créer, 0 à modifier, 1 inchangé(s), 2 refusé(s)"));

    shop.cli().args(["import", "history"]).assert().success().stdout(contains("stock.csv"));
    shop.cli().args(["import", "undo", "2"]).assert().success();
    shop.cli()
        .args(["import", "undo", &batch.to_string()])
        .assert()
        .success()
        .stdout(contains(format!("Import n° {batch} annulé : 1 produit(s) supprimé(s)")));
    assert_eq!(shop.json(&["products", "list", "--json"])["total"], 0);
    shop.cli().args(["import", "undo", &batch.to_string()]).assert().code(1).stderr(contains("déjà été annulé"));
}

#[test]
fn export_and_reimport_round_trip() {
    let shop = Shop::new();
    shop.cli().arg("demo").assert().success();
    let before = shop.json(&["products", "list", "--json"]);
    for name in ["catalogue.xlsx", "catalogue.csv"] {
        let out = shop.dir.path().join(name);
        shop.cli().args(["export", "catalogue"]).arg(&out).assert().success().stdout(contains("ligne(s) exportée(s)"));
        let other = Shop::new();
        let r = other.json(&["import", out.to_str().unwrap(), "--json"]);
        assert_eq!(r["counts"]["rejected"], 0, "{name}");
        let after = other.json(&["products", "list", "--json"]);
        let strip = |v: &serde_json::Value| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    p["id"] = serde_json::Value::Null;
                    p
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&after), strip(&before), "{name}");
    }
    shop.cli().args(["export", "catalogue", "x.pdf"]).assert().code(1).stderr(contains(".xlsx ou .csv"));
}

#[test]
fn unreadable_files_and_missing_key_column() {
    let shop = Shop::new();
    let bad = shop.dir.path().join("abime.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 pas vraiment un classeur").unwrap();
    shop.cli().arg("import").arg(&bad).assert().code(1).stderr(contains("illisible"));
    let missing_key = shop.dir.path().join("sans-ref.csv");
    std::fs::write(&missing_key, "Désignation;Prix\nBeurre;3\n").unwrap();
    shop.cli().arg("import").arg(&missing_key).assert().code(1).stderr(contains("colonne Référence"));
}
