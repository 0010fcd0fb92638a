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

/// A workbook whose sheet stores its rows out of order (row 3 before row 2): no
/// spreadsheet program writes one, some generators do. The streaming reader refuses it
/// and the import reads it whole instead: every row arrives.
#[test]
fn a_workbook_with_rows_out_of_order_is_read_whole() {
    use std::io::Write;
    let shop = Shop::new();
    let path = shop.dir.path().join("generateur.xlsx");
    let cell = |r: &str, s: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{s}</t></is></c>"#);
    let num = |r: &str, v: &str| format!(r#"<c r="{r}"><v>{v}</v></c>"#);
    let row = |n: u32, cells: Vec<String>| format!(r#"<row r="{n}">{}</row>"#, cells.concat());
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}{}{}</sheetData></worksheet>"#,
        row(1, vec![cell("A1", "Référence"), cell("B1", "Nom"), cell("C1", "Prix TTC"), cell("D1", "TVA")]),
        row(3, vec![cell("A3", "POM-2"), cell("B3", "Pommes golden"), num("C3", "2.9"), num("D3", "5.5")]),
        row(2, vec![cell("A2", "CID-1"), cell("B2", "Cidre brut"), num("C2", "6.5"), num("D2", "20")]),
    );
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                .to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                .to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Produits" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                .to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                .to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();

    let out = shop.json(&["import", path.to_str().unwrap(), "--json"]);
    assert_eq!(out["counts"]["create"], 2, "{out}");
    assert_eq!(out["counts"]["rejected"], 0, "{out}");
    assert_eq!(shop.json(&["products", "show", "CID-1", "--json"])["variants"][0]["price_cents"], 650);
    assert_eq!(shop.json(&["products", "show", "POM-2", "--json"])["variants"][0]["price_cents"], 290);
}

/// Issue 14 from the terminal: a till's words imported whole (« bouteille », « séance »,
/// « sur commande »), net quantities read in names proposed, then stored on request.
#[test]
fn a_tills_words_and_the_quantities_in_names() {
    let shop = Shop::new();
    let file = shop.dir.path().join("caisse.csv");
    let csv = "Export caisse du 07/12/2026;;;;\r\n\
Code;Libellé;PV TTC;Unité;Stock\r\n\
CID-75;Cidre brut 75 cl;6,50;Bouteille;24\r\n\
MIEL;Miel de fleurs 500 g;8,90;Pot;10\r\n\
ATL;Atelier poterie;35;Séance;\r\n\
TAB;Table en chêne;890;pièce;sur commande 6 semaines\r\n";
    std::fs::write(&file, cp1252(csv)).unwrap();
    shop.cli()
        .args(["import", "--dry-run"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("4 à créer, 0 à modifier, 0 inchangé(s), 0 refusé(s)"))
        .stdout(contains("Quantités nettes lues dans les noms (enregistrées avec --quantities-from-names)"))
        .stdout(contains("ligne 3 CID-75 « Cidre brut 75 cl » → 75 cl (8,67 € / l)"));
    shop.cli().arg("import").arg(&file).arg("--quantities-from-names").assert().success();
    let cid = shop.json(&["products", "show", "CID-75", "--json"]);
    assert_eq!(cid["offer"]["packaging"], "bouteille");
    assert_eq!(cid["variants"][0]["net_quantity"], "75 cl");
    assert_eq!(cid["variants"][0]["unit_price"], serde_json::json!({"cents": 867, "per": "l"}));
    let atl = shop.json(&["products", "show", "ATL", "--json"]);
    assert_eq!(atl["offer"]["kind"], "service");
    let tab = shop.json(&["products", "show", "TAB", "--json"]);
    assert_eq!(
        (tab["offer"]["stock_policy"].as_str(), tab["offer"]["lead_time_days"].as_u64()),
        (Some("made_to_order"), Some(42))
    );
}
