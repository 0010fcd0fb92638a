//! Imports from files made the way Excel, LibreOffice and tills make them, and the
//! catalogue export (round trip). XLSX are written with rust_xlsxwriter, CSV bytes
//! by hand (cp1252 through encoding_rs), ODS/XLS are committed fixtures converted
//! by LibreOffice (scripts/import-fixtures.sh).

use std::sync::{Arc, Mutex};

use comptoir_core::catalogue::{Allergen, ProductKind, ProductStatus, StockPolicy, Unit, VariantOption};
use comptoir_core::import::{
    self, CategoryChoice, Control, Field, FileFormat, ImportMode, ImportSettings, PlanOptions, RowAction, Source,
};
use comptoir_core::vat::VatRate;
use comptoir_core::{Db, Error};
use rust_xlsxwriter::{Format, FormatAlign, Workbook};
use sqlx::{Connection, Row};

use crate::support::{fresh_db, now, product};

#[path = "../../fuzz/fuzz_targets/common.rs"]
mod fuzz_common;

fn cp1252(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

fn read(bytes: &[u8], name: &str) -> Arc<Source> {
    Arc::new(import::read_bytes(bytes, name, None, &Control::default()).expect("readable"))
}

async fn settings(db: &Db, source: &Source, mode: ImportMode) -> ImportSettings {
    let p = import::preview(db, source).await.unwrap();
    ImportSettings { mapping: p.mapping, options: PlanOptions { mode, ..PlanOptions::default() } }
}

/// What French Excel writes with "CSV (séparateur : point-virgule)": cp1252, CRLF,
/// a title line, a blank line, quoted fields with `;` and line breaks.
const TILL_CSV: &str = "Inventaire Fromagerie du Perche au 31/12/2025;;;;;;\r\n\
;;;;;;\r\n\
Réf.;Désignation;Prix TTC;TVA;Qté;Famille;Code-barres\r\n\
CAM-250;Camembert de Normandie AOP 250 g;4,95 €;5,5 %;24;Crèmerie;3760123450010\r\n\
PLE-200;\"Pont-l'Évêque; fermier\";1\u{a0}234,50;5,5%;3;Crèmerie;\r\n\
\r\n\
CID-75;\"Cidre brut\r\ndu Perche\";4,50;20;12;Boissons/Cave;\r\n\
POM-70;Pommeau de Normandie;12.5;0,2;6;Boissons/Cave;\r\n";

#[tokio::test]
async fn cp1252_semicolon_csv_from_french_excel() {
    let t = fresh_db().await;
    let source = read(&cp1252(TILL_CSV), "stock.csv");
    assert_eq!(source.format, FileFormat::Text);
    assert_eq!(source.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(source.delimiter, Some(';'));
    let p = import::preview(&t.db, &source).await.unwrap();
    assert_eq!(p.header_row, 3);
    let fields: Vec<Option<Field>> = p.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        vec![
            Some(Field::Sku),
            Some(Field::Name),
            Some(Field::PriceTtc),
            Some(Field::Vat),
            Some(Field::Stock),
            Some(Field::Category),
            Some(Field::Ean)
        ]
    );
    assert_eq!(p.columns[1].samples[1], "Pont-l'Évêque; fermier");
    assert_eq!(p.data_rows, 4);

    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (4, 0), "{:?}", sim.errors);
    // Nothing written by a simulation.
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 0);
    // Spreadsheet row numbers: blank line counted, the line break inside quotes not.
    let rows: Vec<u32> = sim.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![4, 5, 7, 8]);

    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts.create, 4);
    let cam = t.db.product_by_sku("CAM-250").await.unwrap();
    assert_eq!(cam.variants[0].price_cents, 495);
    assert_eq!(cam.vat, VatRate::Reduced);
    assert_eq!(cam.variants[0].stock, 24);
    assert_eq!(cam.variants[0].ean.as_deref(), Some("3760123450010"));
    assert_eq!(cam.category_path.as_deref(), Some("Alimentation › Crèmerie"));
    let ple = t.db.product_by_sku("PLE-200").await.unwrap();
    assert_eq!(ple.variants[0].price_cents, 123_450);
    let cid = t.db.product_by_sku("CID-75").await.unwrap();
    assert_eq!(cid.name, "Cidre brut\r\ndu Perche");
    assert_eq!(cid.vat, VatRate::Normal);
    // "Boissons/Cave" is the seeded category, not a path.
    assert_eq!(cid.category_path.as_deref(), Some("Alimentation › Boissons/Cave"));
    assert_eq!(t.db.product_by_sku("POM-70").await.unwrap().variants[0].price_cents, 1250);
    // The search index knows the imported products.
    let found = t.db.list_products(&search("eveque")).await.unwrap();
    assert_eq!(found.total, 1);
}

fn search(s: &str) -> comptoir_core::catalogue::ProductFilter {
    comptoir_core::catalogue::ProductFilter { search: Some(s.into()), category_id: None, offset: 0, limit: 100 }
}

#[tokio::test]
async fn utf16_tab_and_utf8_bom_files_read_the_same() {
    let text = "SKU\tName\tPrice\tVAT\r\nA-1\tCrème fraîche\t2.10\t5.5\r\n";
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let a = read(&utf16, "export.txt");
    let b = read(format!("\u{feff}{}", text.replace('\t', ",")).as_bytes(), "export.csv");
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.delimiter, Some('\t'));
    assert_eq!(a.encoding.as_deref(), Some("UTF-16LE"));
}

/// Rows with every kind of mistake: each error names row, column, value and reason.
#[tokio::test]
async fn row_errors_are_precise_and_come_back_as_xlsx() {
    let t = fresh_db().await;
    let csv = "Référence;Désignation;Prix TTC;TVA;EAN\r\n\
A-1;Beurre demi-sel;3,20;5,5;\r\n\
A-2;Crème crue;;5,5;\r\n\
A-3;Yaourt;1,10;7;\r\n\
A-4;Faisselle;2,00;5,5;3760123450011\r\n\
A-1;Beurre doux;3,10;5,5;\r\n\
A-5;Lait cru;1,20;5,5;3,76E+12\r\n\
A-6;;1,00;5,5;\r\n";
    let source = read(csv.as_bytes(), "erreurs.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (1, 6));
    let described: Vec<String> = sim.errors.iter().map(|e| e.describe()).collect();
    assert_eq!(
        described,
        vec![
            "Ligne 3, colonne C (Prix TTC) : Prix manquant",
            "Ligne 4, colonne D (TVA) « 7 » : Taux de TVA 7 % inconnu : 20, 10, 5,5 ou 2,1 %",
            "Ligne 5, colonne E (EAN) « 3760123450011 » : Code EAN invalide (clé de contrôle)",
            "Ligne 6, colonne A (Référence) « A-1 » : Référence en double : déjà ligne 2",
            "Ligne 7, colonne E (EAN) « 3,76E+12 » : Code EAN abîmé par le tableur (3,76E+12) : chiffres perdus, mettez la colonne au format Texte et ressaisissez les codes",
            "Ligne 8, colonne B (Désignation) : Désignation manquante",
        ]
    );
    let rejected = sim.rows.iter().filter(|r| r.action == RowAction::Rejected).count();
    assert_eq!(rejected, 6);

    // The refused rows as an XLSX with an "Erreur" column, read back.
    let bytes = import::rejected_rows_xlsx(&source, &s, &sim.errors).unwrap();
    let back = read(&bytes, "refus.xlsx");
    assert_eq!(back.rows.len(), 7);
    assert_eq!(back.rows[0].cells.last().unwrap().display(), "Erreur");
    assert_eq!(back.rows[1].cells[0].display(), "A-2");
    assert_eq!(back.rows[1].cells[5].display(), "C (Prix TTC) : Prix manquant");

    // Valid rows import; the rejected ones do not.
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts.create, 1);
    assert_eq!(t.db.catalogue_stats().await.unwrap().variants, 1);
}

/// An XLSX as a shopkeeper makes one: a "Notes" sheet first, then the stock with a
/// merged title, a blank row, the family merged down its products, EANs and
/// references stored as numbers, VAT as percentages, a date column.
pub fn shop_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("Notes").unwrap();
    notes.write_string(0, 0, "Penser à commander le cidre").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Stock").unwrap();
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, 7, "Fromagerie du Perche — stock au 31/12/2025", &title).unwrap();
    let headers = ["Code article", "Libellé", "Famille", "PV TTC", "Taux TVA", "Quantité", "EAN 13", "Date entrée"];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let pct = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let rows: [(f64, &str, f64, f64, f64, f64); 3] = [
        (1001.0, "Camembert fermier", 5.2, 0.055, 10.0, 3_760_123_450_010.0),
        (1002.0, "Livarot AOP", 8.9, 0.055, 4.0, 4_006_381_333_931.0),
        (1003.0, "Neufchâtel cœur", 4.35, 0.055, 7.0, 12_345_678_905.0),
    ];
    for (i, (sku, name, price, vat, qty, ean)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, *sku).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_number(r, 3, *price).unwrap();
        ws.write_number_with_format(r, 4, *vat, &pct).unwrap();
        ws.write_number(r, 5, *qty).unwrap();
        ws.write_number(r, 6, *ean).unwrap();
        ws.write_number_with_format(r, 7, 46_022.0, &date).unwrap();
    }
    ws.merge_range(3, 2, 5, 2, "Crèmerie", &Format::new()).unwrap();
    // A total line under the table, as people add them.
    ws.write_string(7, 0, "Total").unwrap();
    ws.write_formula(7, 5, "=SUM(F4:F6)").unwrap();
    wb.save_to_buffer().unwrap()
}

async fn check_shop_sheet(source: Arc<Source>) {
    let t = fresh_db().await;
    assert_eq!(source.sheets, vec!["Notes", "Stock"]);
    assert_eq!(source.sheet, "Stock");
    let p = import::preview(&t.db, &source).await.unwrap();
    assert_eq!(p.header_row, 3);
    assert_eq!(p.data_rows, 4);
    assert_eq!(p.columns[2].samples, vec!["Crèmerie", "Crèmerie", "Crèmerie"]);
    assert_eq!(p.columns[7].field, None);
    let s = ImportSettings { mapping: p.mapping, options: PlanOptions::default() };
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((report.result.counts.create, report.result.counts.rejected), (3, 0), "{:?}", report.result.errors);
    let neuf = t.db.product_by_sku("1003").await.unwrap();
    assert_eq!(neuf.variants[0].price_cents, 435);
    // The EAN lost its leading zeros as a number; they are back.
    assert_eq!(neuf.variants[0].ean.as_deref(), Some("0012345678905"));
    assert_eq!(neuf.vat, VatRate::Reduced);
    assert_eq!(neuf.category_path.as_deref(), Some("Alimentation › Crèmerie"));
    let liv = t.db.product_by_sku("1002").await.unwrap();
    assert_eq!(liv.variants[0].ean.as_deref(), Some("4006381333931"));
    assert_eq!(liv.variants[0].stock, 4);
}

#[tokio::test]
async fn xlsx_with_title_rows_merged_cells_and_numbers() {
    let source = read(&shop_xlsx(), "stock.xlsx");
    assert_eq!(source.format, FileFormat::Xlsx);
    check_shop_sheet(source).await;
}

#[tokio::test]
async fn ods_and_xls_saved_by_libreoffice() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (file, format) in [("shop.ods", FileFormat::Ods), ("shop.xls", FileFormat::Xls)] {
        let source = Arc::new(import::read_file(&dir.join(file), None, &Control::default()).unwrap());
        assert_eq!(source.format, format, "{file}");
        check_shop_sheet(source).await;
    }
}

#[tokio::test]
async fn asking_for_a_sheet_by_name() {
    let bytes = shop_xlsx();
    let notes = import::read_bytes(&bytes, "stock.xlsx", Some("Notes"), &Control::default()).unwrap();
    assert_eq!(notes.sheet, "Notes");
    let err = import::read_bytes(&bytes, "stock.xlsx", Some("Ventes"), &Control::default()).unwrap_err();
    assert!(err.to_string().contains("Feuille « Ventes » introuvable ; feuilles du fichier : Notes, Stock"), "{err}");
}

#[tokio::test]
async fn updates_show_old_and_new_values_and_modes_limit_them() {
    let t = fresh_db().await;
    t.db.save_product(&product("Camembert", "CAM", 495), now()).await.unwrap();
    t.db.save_product(&product("Livarot", "LIV", 890), now()).await.unwrap();
    let csv =
        "Référence;Désignation;Prix TTC;Stock\nCAM;Camembert fermier;5,20;12\nLIV;Livarot;8,90;\nNEW;Brie;9,00;3\n";
    let source = read(csv.as_bytes(), "maj.csv");

    let full = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &full, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.update, sim.counts.unchanged), (1, 1, 1));
    let cam = &sim.rows[0];
    let changes: Vec<(Field, Option<&str>, Option<&str>)> =
        cam.changes.iter().map(|c| (c.field, c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(
        changes,
        vec![
            (Field::Name, Some("Camembert"), Some("Camembert fermier")),
            (Field::PriceTtc, Some("4,95 €"), Some("5,20 €")),
            (Field::Stock, Some("0"), Some("12")),
        ]
    );

    let stock = settings(&t.db, &source, ImportMode::Stock).await;
    let sim = import::simulate(&t.db, &source, &stock, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.update, sim.counts.unchanged, sim.counts.rejected), (1, 1, 1));
    assert_eq!(sim.rows[0].changes.len(), 2, "stock mode leaves the name");
    assert_eq!(sim.errors[0].code, "sku_unknown");

    let create = settings(&t.db, &source, ImportMode::Create).await;
    let report = import::apply(&t.db, &source, &create, now(), &Control::default()).await.unwrap();
    assert_eq!((report.result.counts.create, report.result.counts.unchanged), (1, 2));
    assert_eq!(t.db.product_by_sku("CAM").await.unwrap().variants[0].price_cents, 495);
    assert_eq!(t.db.product_by_sku("NEW").await.unwrap().variants[0].price_cents, 900);
}

#[tokio::test]
async fn price_ht_plus_vat_gives_ttc_rounded_half_up() {
    let t = fresh_db().await;
    let csv = "Réf;Nom;Prix HT;TVA\nA;Rillettes;4,69;5,5\nB;Sablés;0,10;5,5\n";
    let source = read(csv.as_bytes(), "ht.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(t.db.product_by_sku("A").await.unwrap().variants[0].price_cents, 495);
    assert_eq!(t.db.product_by_sku("B").await.unwrap().variants[0].price_cents, 11);
}

#[tokio::test]
async fn sizes_and_colours_become_variants_of_one_product() {
    let t = fresh_db().await;
    let csv = "Réf;Produit;Taille;Couleur;Prix;TVA;Rayon\n\
TS-S-B;Tee-shirt brodé;S;Bleu;25;20;Mode et vêtements\n\
TS-M-B;Tee-shirt brodé;M;Bleu;25;20;Mode et vêtements\n\
TS-M-R;Tee-shirt brodé;M;Rouge;26;20;Mode et vêtements\n\
BOL;Bol en grès;;;18;20;Maison et décoration\n";
    let source = read(csv.as_bytes(), "mode.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts.create, 4);
    let ts = t.db.product_by_sku("TS-M-R").await.unwrap();
    assert_eq!(ts.variants.len(), 3);
    assert_eq!(
        ts.variants[2].options,
        vec![
            VariantOption { name: "Taille".into(), value: "M".into() },
            VariantOption { name: "Couleur".into(), value: "Rouge".into() }
        ]
    );
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 2);
    // A new size later joins the same product.
    let more = read("Réf;Produit;Taille;Couleur;Prix\nTS-L-B;Tee-shirt brodé;L;Bleu;25\n".as_bytes(), "plus.csv");
    let s = settings(&t.db, &more, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &more, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.create, 1);
}

#[tokio::test]
async fn unknown_categories_are_created_under_their_parent_or_mapped() {
    let t = fresh_db().await;
    let csv = "Réf;Nom;Prix;Famille;Sous-famille\n\
A;Crottin;3;Crèmerie;Fromages de chèvre\n\
B;Sel de Guérande;4;Épicerie fine;Sel\n\
C;Torchon;6;Divers;\n";
    let source = read(csv.as_bytes(), "cats.csv");
    let mut s = settings(&t.db, &source, ImportMode::Full).await;
    let epicerie = t.db.find_category("Épicerie").await.unwrap().unwrap();
    s.options.category_map = vec![CategoryChoice { name: "Divers".into(), category_id: Some(epicerie.id) }];
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(
        sim.new_categories,
        vec!["Alimentation › Crèmerie › Fromages de chèvre", "Épicerie fine", "Épicerie fine › Sel"]
    );
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let a = t.db.product_by_sku("A").await.unwrap();
    assert_eq!(a.category_path.as_deref(), Some("Alimentation › Crèmerie › Fromages de chèvre"));
    assert_eq!(t.db.product_by_sku("B").await.unwrap().category_path.as_deref(), Some("Épicerie fine › Sel"));
    assert_eq!(t.db.product_by_sku("C").await.unwrap().category_path.as_deref(), Some("Alimentation › Épicerie"));
}

/// Every table of the database, as text, to compare states exactly. The search index
/// keeps no text (contentless): it is compared by what it holds, every term of every
/// product at its position.
async fn dump(db: &Db) -> Vec<String> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.path().display())).await.unwrap();
    sqlx::query("CREATE VIRTUAL TABLE temp.search_terms USING fts5vocab(main, product_search, instance)")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (table, cols) in [
        ("categories", "id, uid, parent_id, name, position, created_at, updated_at"),
        (
            "products",
            "id, uid, name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at,
             packaging, kind, stock_policy, lead_time_days, duration_min, sessions, food",
        ),
        (
            "variants",
            "id, product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at",
        ),
        ("search_terms", "doc, term, col, offset"),
    ] {
        let sql = format!("SELECT json_array({cols}) FROM {table} ORDER BY 1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut conn).await.unwrap();
        out.extend(rows.iter().map(|r| format!("{table}: {}", r.get::<String, _>(0))));
    }
    out
}

#[tokio::test]
async fn undo_returns_the_catalogue_exactly_to_its_prior_state() {
    let t = fresh_db().await;
    comptoir_core::demo::seed(&t.db, now()).await.unwrap();
    let before = dump(&t.db).await;
    let first_sku = t.db.export_rows().await.unwrap()[0].sku.clone();
    let other = t.db.export_rows().await.unwrap()[1].clone();
    let csv = format!(
        "Réf;Nom;Prix;Stock;Famille;Code EAN;Taille\n\
{first_sku};Nom changé;99,99;123;Nouvelle famille;;\n\
{};;;;;;\n\
NOUVEAU-1;Produit neuf;5;1;Nouvelle famille › Sous;3760999000012;\n",
        other.sku
    );
    let source = read(csv.as_bytes(), "undo.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let later = now() + chrono::Duration::hours(1);
    let report = import::apply(&t.db, &source, &s, later, &Control::default()).await.unwrap();
    assert_eq!((report.result.counts.create, report.result.counts.update), (1, 1), "{:?}", report.result.errors);
    assert_ne!(dump(&t.db).await, before);
    let batches = t.db.import_batches().await.unwrap();
    assert_eq!(batches[0].id, report.batch_id);
    assert_eq!((batches[0].created, batches[0].updated), (1, 1));

    let undo = import::undo(&t.db, report.batch_id, later).await.unwrap();
    assert_eq!((undo.products_deleted, undo.products_restored, undo.categories_deleted), (1, 1, 2));
    assert_eq!(dump(&t.db).await, before);
    let again = import::undo(&t.db, report.batch_id, later).await.unwrap_err();
    assert_eq!(again.code(), comptoir_core::ErrorCode::Conflict);
}

/// The batch keeps the range of ids its products got; SQLite hands out max(id) + 1, so
/// once the import's last product is deleted the editor's next product takes its id.
/// Undo must leave that product alone.
#[tokio::test]
async fn undo_spares_a_product_made_since_on_a_freed_id() {
    let t = fresh_db().await;
    let source = read("Réf;Nom;Prix\nIMP-1;Tomme;4,00\nIMP-2;Brebis;6,00\n".as_bytes(), "ids.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts.create, 2);
    let last = t.db.product_by_sku("IMP-2").await.unwrap();
    t.db.delete_product(last.id).await.unwrap();
    let made =
        t.db.save_product(&product("Faisselle", "FAI", 250), now() + chrono::Duration::minutes(5)).await.unwrap();
    assert_eq!(made.id, last.id, "SQLite gives the freed id again");

    let undo = import::undo(&t.db, report.batch_id, now()).await.unwrap();
    assert_eq!(undo.products_deleted, 1);
    assert!(t.db.product_by_sku("IMP-1").await.is_err());
    assert_eq!(t.db.product_by_sku("FAI").await.unwrap().name, "Faisselle");
    let search = comptoir_core::catalogue::ProductFilter { search: Some("faisselle".into()), ..Default::default() };
    assert_eq!(t.db.list_products(&search).await.unwrap().total, 1, "its search entry stays too");
}

#[tokio::test]
async fn undo_refuses_while_a_later_import_touched_the_same_products() {
    let t = fresh_db().await;
    t.db.save_product(&product("Camembert", "CAM", 495), now()).await.unwrap();
    let one = read("Réf;Prix\nCAM;5,00\n".as_bytes(), "1.csv");
    let two = read("Réf;Prix\nCAM;5,50\n".as_bytes(), "2.csv");
    let s = settings(&t.db, &one, ImportMode::Stock).await;
    let b1 = import::apply(&t.db, &one, &s, now(), &Control::default()).await.unwrap().batch_id;
    let b2 = import::apply(&t.db, &two, &s, now(), &Control::default()).await.unwrap().batch_id;
    let err = import::undo(&t.db, b1, now()).await.unwrap_err();
    assert!(err.to_string().contains(&format!("L'import n° {b2}")), "{err}");
    import::undo(&t.db, b2, now()).await.unwrap();
    import::undo(&t.db, b1, now()).await.unwrap();
    assert_eq!(t.db.product_by_sku("CAM").await.unwrap().variants[0].price_cents, 495);
}

#[tokio::test]
async fn mappings_are_remembered_per_layout() {
    let t = fresh_db().await;
    let csv = "Article;Libellé;Prix;Remarque\nA;Beurre;3;x\n";
    let source = read(csv.as_bytes(), "a.csv");
    let p = import::preview(&t.db, &source).await.unwrap();
    assert!(!p.remembered);
    // "Article" was read as the name; the shopkeeper says it is the reference.
    assert_eq!(p.mapping.columns[0], Some(Field::Name));
    let mut mapping = p.mapping.clone();
    mapping.columns = vec![Some(Field::Sku), Some(Field::Name), Some(Field::PriceTtc), None];
    let s = ImportSettings { mapping: mapping.clone(), options: PlanOptions::default() };
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    // Next month's file, same layout (header spelled differently).
    let next = read("ARTICLE;Libelle;prix;remarque\nB;Crème;2;\n".as_bytes(), "b.csv");
    let p = import::preview(&t.db, &next).await.unwrap();
    assert!(p.remembered);
    assert_eq!(p.mapping, mapping);
}

#[tokio::test]
async fn progress_is_reported_and_cancel_rolls_back() {
    let t = fresh_db().await;
    let mut csv = String::from("Réf;Nom;Prix\n");
    for i in 0..3000 {
        csv.push_str(&format!("R{i};Produit {i};1,{:02}\n", i % 100));
    }
    let source = read(csv.as_bytes(), "gros.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let control = Control::with_progress(move |p| sink.lock().unwrap().push(p));
    import::apply(&t.db, &source, &s, now(), &control).await.unwrap();
    // Copied out so no lock guard lives across the awaits below.
    let seen: Vec<_> = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|p| p.phase == import::Phase::Checking));
    let last = seen.last().unwrap();
    assert_eq!((last.phase, last.done, last.total), (import::Phase::Writing, 3000, 3000));

    let t = fresh_db().await;
    let control = Control::default();
    control.cancel();
    let err = import::apply(&t.db, &source, &s, now(), &control).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 0);
    assert!(t.db.import_batches().await.unwrap().is_empty());
}

#[tokio::test]
async fn bulk_written_search_text_is_what_reindexing_writes() {
    let t = fresh_db().await;
    let source = read(
        "Réf;Nom;Prix;Famille;Taille;Description;EAN\nA;Pâté de campagne;3;Épicerie;;Au poivre;3760123450010\nB;Tee-shirt;20;Mode et vêtements;M;;\n"
            .as_bytes(),
        "s.csv",
    );
    let s = settings(&t.db, &source, ImportMode::Full).await;
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let bulk = dump(&t.db).await;
    for sku in ["A", "B"] {
        let p = t.db.product_by_sku(sku).await.unwrap();
        t.db.save_product(&comptoir_core::storage::product_to_input(&p), now()).await.unwrap();
    }
    let reindexed = dump(&t.db).await;
    let search = |d: &[String]| d.iter().filter(|l| l.starts_with("search_terms")).cloned().collect::<Vec<_>>();
    assert_eq!(search(&bulk), search(&reindexed));
    assert_eq!(t.db.list_products(&search_filter("pate poivre")).await.unwrap().total, 1);
}

fn search_filter(s: &str) -> comptoir_core::catalogue::ProductFilter {
    search(s)
}

/// A catalogue with everything an export must carry, including texts that look
/// like formulas.
async fn rich_catalogue(db: &Db) {
    comptoir_core::demo::seed(db, now()).await.unwrap();
    let mut p = product("=HYPERLINK(\"http://x\";\"clic\")", "-SKU-1", 1999);
    p.description = "@SUM(A1)\nsur deux lignes; avec « guillemets » \"doubles\"".into();
    p.status = ProductStatus::Published;
    p.unit = Unit::HundredGrams;
    p.variants[0].stock = -3;
    p.variants[0].net_quantity = Some("1,25 kg".into());
    p.variants[0].ean = Some("0012345678905".into());
    p.variants.push(comptoir_core::catalogue::VariantInput {
        id: None,
        sku: "+SKU-2".into(),
        options: vec![VariantOption { name: "Contenance".into(), value: "75 cl".into() }],
        price_cents: 123_456_789,
        stock: 0,
        ean: None,
        net_quantity: Some("75 cl".into()),
    });
    db.save_product(&p, now()).await.unwrap();
    // A service with dated sessions, one with its places limited.
    let mut atelier = product("Atelier couronne de Noël", "ATL-NOEL", 4500);
    atelier.offer.kind = comptoir_core::catalogue::ProductKind::Service;
    atelier.offer.duration_minutes = Some(150);
    atelier.offer.sessions = vec![
        comptoir_core::catalogue::ServiceSession { starts_at: "2026-12-12T14:00".into(), places: Some(8) },
        comptoir_core::catalogue::ServiceSession { starts_at: "2026-12-19T09:30".into(), places: None },
    ];
    db.save_product(&atelier, now()).await.unwrap();
}

/// Export rows with product identities replaced by their order of appearance.
async fn comparable(db: &Db) -> Vec<String> {
    let rows = db.export_rows().await.unwrap();
    let mut uids: Vec<String> = Vec::new();
    rows.into_iter()
        .map(|mut r| {
            let n = uids.iter().position(|u| *u == r.product_uid).unwrap_or_else(|| {
                uids.push(r.product_uid.clone());
                uids.len() - 1
            });
            r.product_uid = n.to_string();
            format!("{r:?}")
        })
        .collect()
}

#[tokio::test]
async fn an_export_reimports_to_an_identical_catalogue() {
    let t = fresh_db().await;
    rich_catalogue(&t.db).await;
    let original = comparable(&t.db).await;
    assert!(original.len() > 10);
    for (name, bytes) in [
        ("catalogue.xlsx", comptoir_core::export::catalogue_xlsx(&t.db, now()).await.unwrap()),
        ("catalogue.csv", comptoir_core::export::catalogue_csv(&t.db, now()).await.unwrap()),
    ] {
        let fresh = fresh_db().await;
        let source = read(&bytes, name);
        let s = settings(&fresh.db, &source, ImportMode::Full).await;
        let report = import::apply(&fresh.db, &source, &s, now(), &Control::default()).await.unwrap();
        assert_eq!(report.result.counts.rejected, 0, "{name}: {:?}", report.result.errors);
        assert_eq!(comparable(&fresh.db).await, original, "{name}");
        assert_constraints_hold(&fresh.db).await;
        // And importing the export over the catalogue it came from changes nothing.
        let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
        assert_eq!(
            sim.counts.unchanged as usize,
            original.len(),
            "{name}: {:?}",
            sim.rows.iter().find(|r| !r.changes.is_empty())
        );
    }
}

#[tokio::test]
async fn csv_export_is_what_french_excel_expects() {
    let t = fresh_db().await;
    rich_catalogue(&t.db).await;
    let bytes = comptoir_core::export::catalogue_csv(&t.db, now()).await.unwrap();
    assert!(bytes.starts_with("\u{feff}Référence;Désignation;Catégorie;Prix TTC;TVA;".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\r\n"));
    assert!(text.contains("'=HYPERLINK"), "formula neutralised");
    assert!(text.contains("'-SKU-1;"));
    assert!(text.contains("'+SKU-2;"));
    assert!(text.contains("\"'@SUM(A1)\n"));
    assert!(text.contains(";1234567,89;"), "no thousands separator, decimal comma");
    assert!(!text.lines().any(|l| l.starts_with('=') || l.starts_with('+') || l.starts_with('@')));
}

#[tokio::test]
async fn xlsx_export_writes_formula_lookalikes_as_strings() {
    let t = fresh_db().await;
    rich_catalogue(&t.db).await;
    let bytes = comptoir_core::export::catalogue_xlsx(&t.db, now()).await.unwrap();
    let source = read(&bytes, "c.xlsx");
    let cell = source.rows.iter().flat_map(|r| r.cells.iter()).find(|c| c.display().starts_with("=HYPERLINK"));
    assert!(matches!(cell, Some(import::Cell::Text(_))));
}

/// Writes tests/fixtures/shop.xlsx, the source of shop.ods and shop.xls
/// (scripts/import-fixtures.sh converts it with LibreOffice), and its copy in
/// comptoir-sheets, whose unit tests read it (a crate's tests read only its own files).
#[test]
#[ignore = "generates fixtures"]
fn write_fixture_source() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["core/tests/fixtures", "sheets/tests/fixtures"] {
        std::fs::write(crates.join(dir).join("shop.xlsx"), shop_xlsx()).unwrap();
    }
}

/// Writes the shop vocabulary's fixtures: tests/fixtures/till-vocabulary.csv and
/// vocabulary.xlsx.
#[test]
#[ignore = "generates fixtures"]
fn write_vocabulary_fixtures() {
    std::fs::write(fixture_path("vocabulary.xlsx"), vocabulary_xlsx()).unwrap();
    std::fs::write(fixture_path("till-vocabulary.csv"), cp1252(TILL_22_CSV)).unwrap();
}

mod no_input_panics {
    //! The fuzz targets (fuzz/, nightly) in a bounded form for every `cargo test`:
    //! random bytes, and random damage to real files, never panic the readers; and the
    //! streaming reader (`import_file`'s) gives the rows the whole-file reader gives.

    use proptest::prelude::*;

    // The fuzz targets' own body: what they check, these check.
    use super::fuzz_common::exercise;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
    }

    /// Found by the fuzzer: an XLS whose sector chain points past its end makes calamine
    /// panic (a slice out of bounds in its CFB reader). The readers catch it: a French
    /// sentence about a damaged file, whole or streamed.
    #[test]
    fn an_xls_that_makes_calamine_panic_is_called_damaged() {
        let data = fixture("damaged.xls");
        let whole =
            comptoir_core::import::read_bytes(&data, "stock.xls", None, &comptoir_core::import::Control::default());
        let err = whole.unwrap_err();
        assert_eq!(err.code(), comptoir_core::ErrorCode::Validation);
        assert!(err.to_string().contains("Fichier Excel 97-2003 (XLS) illisible (structure inattendue)"), "{err}");
        let streamed = comptoir_core::import::stream_bytes(
            &data,
            "stock.xls",
            None,
            &comptoir_core::import::Control::default(),
            &mut |_, _| Ok(()),
        );
        assert_eq!(streamed.unwrap_err().to_string(), err.to_string());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_text(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            exercise(&data, "x.csv");
        }

        #[test]
        fn csv_like_text(s in "[A-Za-zéè0-9;,\t|\"'\r\n =+€%.-]{0,600}") {
            exercise(s.as_bytes(), "x.csv");
        }

        #[test]
        fn damaged_spreadsheets(
            which in 0..3usize,
            damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
            cut in any::<prop::sample::Index>(),
        ) {
            let name = ["shop.xlsx", "shop.ods", "shop.xls"][which];
            let mut data = fixture(name);
            for (at, byte) in damage {
                let i = at.index(data.len());
                data[i] = byte;
            }
            let keep = data.len() / 2 + cut.index(data.len() / 2 + 1);
            data.truncate(keep);
            exercise(&data, name);
        }
    }
}

/// Every product an import creates or changes is in the sync outbox once the import is
/// committed (created ones are written in bulk, changed ones by the triggers), and so is
/// every product undo deletes or restores.
#[tokio::test]
async fn imported_products_reach_the_sync_outbox() {
    let t = fresh_db().await;
    let cam = t.db.save_product(&product("Camembert", "CAM", 495), now()).await.unwrap();
    let kept = t.db.save_product(&product("Livarot", "LIV", 700), now()).await.unwrap();
    let pending = |db: Db| async move {
        let mut uids: Vec<String> = db.outbox_unbatched().await.unwrap().into_iter().map(|e| e.uid).collect();
        uids.sort();
        uids
    };
    // The editor's own changes are in the outbox already; start from an empty one.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    sqlx::query("DELETE FROM sync_outbox").execute(&mut conn).await.unwrap();
    assert!(pending(t.db.clone()).await.is_empty());

    let csv =
        "Réf;Nom;Prix;Famille\nCAM;Camembert;5,20;\nLIV;Livarot;7;\nNEUF-1;Brie;6;Fromages\nNEUF-2;Comté;9;Fromages\n";
    let source = read(csv.as_bytes(), "sync.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((report.result.counts.create, report.result.counts.update), (2, 1));
    let brie = t.db.product_by_sku("NEUF-1").await.unwrap();
    let comte = t.db.product_by_sku("NEUF-2").await.unwrap();
    assert!(brie.uid.starts_with("p-") && brie.uid.len() == 18, "{}", brie.uid);
    let mut expected = vec![cam.uid.clone(), brie.uid.clone(), comte.uid.clone()];
    expected.sort();
    let category = t.db.find_category("Fromages").await.unwrap().unwrap();
    let mut with_category = expected.clone();
    with_category.push(category.uid.clone());
    with_category.sort();
    assert_eq!(pending(t.db.clone()).await, with_category, "unchanged {} must not be sent", kept.uid);
    // Nothing of the bulk path is left behind: later edits are queued again.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_remote_apply").fetch_one(&mut conn).await.unwrap();
    assert_eq!(n, 0);

    sqlx::query("DELETE FROM sync_outbox").execute(&mut conn).await.unwrap();
    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    assert_eq!(pending(t.db.clone()).await, with_category);
}

/// Next month's file has one more title line above the same table, and a note typed
/// right of it: the mapping confirmed last month still applies, at the new header row.
#[tokio::test]
async fn a_remembered_mapping_follows_the_header_row_and_ignores_notes_beside_the_table() {
    let t = fresh_db().await;
    let first = read("Article;Libellé;Prix\nA;Beurre;3\n".as_bytes(), "a.csv");
    let p = import::preview(&t.db, &first).await.unwrap();
    let mut mapping = p.mapping.clone();
    mapping.columns = vec![Some(Field::Sku), Some(Field::Name), Some(Field::PriceTtc)];
    let s = ImportSettings { mapping, options: PlanOptions::default() };
    import::apply(&t.db, &first, &s, now(), &Control::default()).await.unwrap();

    let next = "Stock de décembre;;;\n;;;\nArticle;Libellé;Prix;\nB;Crème;2;\nC;Lait;1;à vérifier\n";
    let next = read(next.as_bytes(), "b.csv");
    let p = import::preview(&t.db, &next).await.unwrap();
    assert!(p.remembered);
    assert_eq!(p.header_row, 3);
    assert_eq!(p.mapping.columns, vec![Some(Field::Sku), Some(Field::Name), Some(Field::PriceTtc), None]);
    let sim = import::simulate(&t.db, &next, &import::default_settings(&p), now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.create, 2, "{:?}", sim.errors);
}

/// A Photo column: names found in the photo library (whatever their case or folder)
/// are attached on import and taken off by undo; missing ones are row warnings.
#[tokio::test]
async fn photo_column_is_matched_against_the_photo_library() {
    use comptoir_core::photos::fixtures::{jpeg, test_card};
    use comptoir_core::photos::{CancelFlag, Studio};
    let t = fresh_db().await;
    let livarot = t.db.save_product(&product("Livarot", "LIV", 700), now()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<std::path::PathBuf> =
        [("Camembert.jpg", 1200), ("livarot-face.jpg", 1000), ("livarot-dos.jpg", 900)]
            .into_iter()
            .map(|(name, w)| {
                let p = dir.path().join(name);
                std::fs::write(&p, jpeg(&test_card(w, 800), false)).unwrap();
                p
            })
            .collect();
    let studio = Studio::new(t.db.clone(), t.dir.path());
    studio.import(files, Arc::new(|_| {}), CancelFlag::new(), now()).await.unwrap();
    assert_eq!(t.db.photos().await.unwrap().len(), 3);

    // An XLSX the way a shopkeeper types it: names with another case, a Windows path,
    // two names in one cell, one photo never imported.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Réf.", "Désignation", "Prix TTC", "Photo"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ("CAM", "Camembert", 4.95, "camembert.JPG"),
        ("LIV", "Livarot", 7.0, "C:\\Photos\\livarot-face.jpg, livarot-dos.jpg"),
        ("BRIE", "Brie", 6.5, "brie.jpg"),
    ];
    for (r, (sku, name, price, photo)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *sku).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_number(r, 2, *price).unwrap();
        ws.write_string(r, 3, *photo).unwrap();
    }
    let source = read(&wb.save_to_buffer().unwrap(), "photos.xlsx");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    assert_eq!(s.mapping.columns[3], Some(Field::Photo));

    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let found: Vec<(u32, &str, Vec<&str>, Vec<&str>)> = sim
        .photos
        .iter()
        .map(|p| {
            (
                p.row,
                p.sku.as_str(),
                p.found.iter().map(|f| f.file.as_str()).collect(),
                p.missing.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (2, "CAM", vec!["camembert.JPG"], vec![]),
            (3, "LIV", vec!["C:\\Photos\\livarot-face.jpg", "livarot-dos.jpg"], vec![]),
            (4, "BRIE", vec![], vec!["brie.jpg"]),
        ]
    );
    let warnings: Vec<String> = sim.row_warnings.iter().map(|w| w.describe()).collect();
    assert_eq!(
        warnings,
        vec![
            "Ligne 4, colonne D (Photo) « brie.jpg » : Photo introuvable dans la photothèque \
             (importez-la dans le studio photo, puis relancez l'import)"
        ]
    );
    // A warning does not refuse the row.
    assert_eq!((sim.counts.create, sim.counts.rejected), (2, 0));
    assert!(studio.product_photos(livarot.id).await.unwrap().is_empty(), "a simulation attaches nothing");

    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let names = |id: i64| {
        let studio = &studio;
        async move {
            studio
                .product_photos(id)
                .await
                .unwrap()
                .into_iter()
                .map(|p| (p.photo.original_name, p.row.alt_text))
                .collect::<Vec<_>>()
        }
    };
    let cam = t.db.product_by_sku("CAM").await.unwrap();
    assert_eq!(names(cam.id).await, vec![("Camembert.jpg".to_owned(), "Camembert".to_owned())]);
    let liv: Vec<String> = names(livarot.id).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(liv, vec!["livarot-face.jpg", "livarot-dos.jpg"]);
    assert!(names(t.db.product_by_sku("BRIE").await.unwrap().id).await.is_empty());

    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    assert!(names(livarot.id).await.is_empty(), "undo takes off the photos the import attached");
    assert!(t.db.product_by_sku("CAM").await.is_err());
    assert_eq!(t.db.photos().await.unwrap().len(), 3, "the library itself is untouched");
}

fn ean(n: u64) -> String {
    let body = format!("376{n:09}");
    format!("{body}{}", comptoir_core::ean::check_digit(body.as_bytes()))
}

/// A file of several thousand rows is planned as it is read, a batch at a time; rows
/// whose product depends on later rows wait for the end of the file. What they do must
/// not depend on where the batches fall: variants of one product far apart, an EAN taken
/// by a new row before the row that frees it, two products swapping EANs with a thousand
/// updates between them, a row keyed by its EAN alone repeating an earlier row's EAN.
/// Only the first rows of each action are detailed; the counts are complete; undo puts
/// everything back.
#[tokio::test]
async fn rows_far_apart_in_a_large_file_are_planned_as_one_file() {
    let t = fresh_db().await;
    let mut stock = String::from("Réf;Nom;Prix;Code EAN\n");
    for (sku, name, e) in [("S1", "Savon", 1), ("T1", "Tasse", 5), ("BO1", "Bol", 6)] {
        stock.push_str(&format!("{sku};{name};3;{}\n", ean(e)));
    }
    for i in 0..1200 {
        stock.push_str(&format!("EX-{i};Ancien {i};2;\n"));
    }
    let first = read(stock.as_bytes(), "stock.csv");
    let s = settings(&t.db, &first, ImportMode::Full).await;
    import::apply(&t.db, &first, &s, now(), &Control::default()).await.unwrap();
    let before = dump(&t.db).await;

    let mut csv = String::from("Réf;Nom;Prix;Code EAN;Taille\n");
    let mut line = |l: String| csv.push_str(&(l + "\n"));
    line(format!("NEW-1;Savon neuf;4;{};", ean(1))); // row 2: S1's EAN, freed at the end
    line(format!("T1;Tasse;3;{};", ean(6))); // row 3: BO1's EAN, freed much later
    line("TS-S;Tee-shirt;20;;S".into()); // row 4
    line(format!("X-1;Lampe;9;{};", ean(50))); // row 5
    for i in 0..1200 {
        line(format!("EX-{i};Ancien {i};2,50;;")); // rows 6–1205: updates
    }
    line(format!("BO1;Bol;3;{};", ean(5))); // row 1206: takes T1's EAN
    for i in 0..5000 {
        line(format!("F-{i};Nouveau {i};1;;")); // rows 1207–6206: creations
    }
    line(format!(";Lampe bis;9;{};", ean(50))); // row 6207: X-1's EAN, without a reference
    line("TS-M;Tee-shirt;20;;M".into()); // row 6208: same product as row 4
    line(format!("S1;Savon;3;{};", ean(3))); // row 6209: frees ean(1)
    let source = read(csv.as_bytes(), "gros.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;

    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(
        (sim.counts.create, sim.counts.update, sim.counts.unchanged, sim.counts.rejected),
        (5004, 1203, 0, 1),
        "{:?}",
        sim.errors
    );
    let errors: Vec<(u32, &str)> = sim.errors.iter().map(|e| (e.row, e.code.as_str())).collect();
    assert_eq!(errors, vec![(6207, "ean_duplicate")]);
    assert_eq!(sim.errors[0].message, "Code EAN en double : déjà ligne 5");
    // The first rows of each action, in file order; the others are counted.
    assert_eq!(sim.rows.len(), import::OUTCOMES_KEPT + 1203 + 1);
    assert!(sim.rows.windows(2).all(|w| w[0].row < w[1].row));
    assert_eq!(sim.rows_omitted, 5004 - import::OUTCOMES_KEPT as u32);
    assert_eq!(sim.rows[0].row, 2);

    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts, sim.counts);
    assert_eq!(report.result.errors, sim.errors);
    let ean_of = |sku: &'static str| {
        let db = t.db.clone();
        async move { db.product_by_sku(sku).await.unwrap().variants[0].ean.clone() }
    };
    assert_eq!(ean_of("NEW-1").await, Some(ean(1)));
    assert_eq!(ean_of("S1").await, Some(ean(3)));
    assert_eq!(ean_of("T1").await, Some(ean(6)));
    assert_eq!(ean_of("BO1").await, Some(ean(5)));
    let tee = t.db.product_by_sku("TS-M").await.unwrap();
    assert_eq!(tee.variants.iter().map(|v| v.sku.as_str()).collect::<Vec<_>>(), vec!["TS-S", "TS-M"]);
    assert_eq!(t.db.product_by_sku("EX-1199").await.unwrap().variants[0].price_cents, 250);
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 1203 + 5003);
    // The search index follows the moved EANs.
    assert_eq!(t.db.list_products(&search(&ean(5))).await.unwrap().items[0].name, "Bol");
    assert_constraints_hold(&t.db).await;

    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    assert_eq!(dump(&t.db).await, before);
}

/// A sheet of a few thousand rows the way a till exports it, with what makes streaming
/// delicate: a title merged over the table, a "Famille" merged down across the point
/// where the reader hands out its first rows, sizes of one product far apart, a
/// repeated reference, and a product already in the catalogue. `rows`: past 5,000.
fn large_xlsx(rows: u32) -> Vec<u8> {
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "Inventaire du 7/12").unwrap();
    let ws = wb.add_worksheet().set_name("Stock").unwrap();
    ws.merge_range(0, 0, 0, 5, "Épicerie du Perche — stock", &Format::new()).unwrap();
    for (c, h) in ["Réf.", "Désignation", "Prix TTC", "Qté", "Famille", "Taille"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for r in 3..3 + rows {
        let (sku, name, size) = match r {
            10 => ("TS-S".to_owned(), "Tee-shirt".to_owned(), "S"),
            4000 => ("TS-M".to_owned(), "Tee-shirt".to_owned(), "M"),
            3000 => ("REF-5".to_owned(), "Doublon".to_owned(), ""),
            _ => (format!("REF-{r}"), format!("Article {r}"), ""),
        };
        ws.write_string(r, 0, &sku).unwrap();
        ws.write_string(r, 1, &name).unwrap();
        ws.write_number(r, 2, 1.0 + f64::from(r % 97) / 4.0).unwrap();
        ws.write_number(r, 3, f64::from(r % 13)).unwrap();
        if !(2040..=2070).contains(&r) {
            ws.write_string(r, 4, if r % 2 == 0 { "Épicerie" } else { "Boissons" }).unwrap();
        }
        if !size.is_empty() {
            ws.write_string(r, 5, size).unwrap();
        }
    }
    ws.merge_range(2040, 4, 2070, 4, "Crèmerie", &Format::new()).unwrap();
    wb.save_to_buffer().unwrap()
}

/// `import_file` plans and writes while the file is still being read; it must give what
/// reading the whole file first, then `apply` (the app's way), gives.
#[tokio::test]
async fn import_file_streams_to_what_reading_first_then_applying_gives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stock.xlsx");
    std::fs::write(&path, large_xlsx(5000)).unwrap();
    let seeded = || async {
        let t = fresh_db().await;
        t.db.save_product(&product("Ancien article", "REF-7", 100), now()).await.unwrap();
        t
    };
    let rows = |db: Db| async move {
        let mut rows: Vec<String> = db
            .export_rows()
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                format!("{} {} {:?} {} {} {:?}", r.sku, r.name, r.category_path, r.price_cents, r.stock, r.options)
            })
            .collect();
        rows.sort();
        rows
    };

    let streamed = seeded().await;
    let control = Control::default();
    let done =
        import::import_file(&streamed.db, &path, None, PlanOptions::default(), true, now(), &control).await.unwrap();
    assert_eq!(done.source.sheet, "Stock");
    assert_eq!((done.preview.header_row, done.preview.data_rows), (3, 5000));

    let whole = seeded().await;
    let source = Arc::new(import::read_file(&path, None, &Control::default()).unwrap());
    let preview = import::preview(&whole.db, &source).await.unwrap();
    let settings = import::default_settings(&preview);
    let applied = import::apply(&whole.db, &source, &settings, now(), &Control::default()).await.unwrap();

    assert_eq!(done.result.counts, applied.result.counts);
    assert_eq!((done.result.counts.create, done.result.counts.update, done.result.counts.rejected), (4998, 1, 1));
    assert_eq!(done.result.errors, applied.result.errors);
    assert_eq!(done.result.errors[0].row, 3001);
    let (a, b) = (rows(streamed.db.clone()).await, rows(whole.db.clone()).await);
    assert_eq!(a, b);
    // The merged "Famille" reached every row it covers, on both sides of the first batch.
    assert!(a.iter().any(|r| r.starts_with("REF-2041 ") && r.contains("Crèmerie")), "{:?}", &a[..3]);
    assert!(a.iter().any(|r| r.starts_with("REF-2070 ") && r.contains("Crèmerie")));
    assert_eq!(streamed.db.product_by_sku("TS-M").await.unwrap().variants.len(), 2);

    // A dry run streams too, and writes nothing.
    let dry = seeded().await;
    let sim = import::import_file(&dry.db, &path, None, PlanOptions::default(), false, now(), &control).await.unwrap();
    assert_eq!(sim.batch_id, None);
    assert_eq!(sim.result.counts, applied.result.counts);
    assert_eq!(dry.db.catalogue_stats().await.unwrap().products, 1);
}

/// A write that fails while the file is still being read (a trigger stands in for a
/// full disk, on the first batch of a sheet longer than the rows in flight): the
/// database's own error is reported, not « cancelled » (the reader only stopped because
/// the import gave up), and nothing of the import stays.
#[tokio::test]
async fn a_write_failing_mid_stream_is_the_error_told_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stock.xlsx");
    std::fs::write(&path, large_xlsx(40_000)).unwrap();
    let t = fresh_db().await;
    t.db.save_product(&product("Ancien article", "REF-7", 100), now()).await.unwrap();
    let before = dump(&t.db).await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    sqlx::query(
        "CREATE TRIGGER disk_full BEFORE INSERT ON variants WHEN NEW.sku = 'REF-100'
         BEGIN SELECT RAISE(ABORT, 'disque plein (simulé)'); END",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let err = import::import_file(&t.db, &path, None, PlanOptions::default(), true, now(), &Control::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), comptoir_core::ErrorCode::Database, "{err}");
    assert!(err.to_string().contains("disque plein (simulé)"), "{err}");
    sqlx::query("DROP TRIGGER disk_full").execute(&mut conn).await.unwrap();
    assert_eq!(dump(&t.db).await, before);
    assert!(t.db.import_batches().await.unwrap().is_empty());
}

/// An import puts off the search index's merging (its automerge setting is 0 while it
/// writes, put back in its own transaction) and `settle` merges afterwards: the setting
/// the shop had is kept, and every product is found before and after the merge.
#[tokio::test]
async fn search_index_merging_is_put_off_then_done_and_its_setting_kept() {
    let t = fresh_db().await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    sqlx::query("INSERT INTO product_search (product_search, rank) VALUES ('automerge', 8)")
        .execute(&mut conn)
        .await
        .unwrap();
    let automerge = || {
        let path = t.db.path().to_owned();
        async move {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            sqlx::query_scalar::<_, i64>("SELECT v FROM product_search_config WHERE k = 'automerge'")
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
    };
    let mut csv = String::from("Réf;Nom;Prix\n");
    for i in 0..20_000 {
        csv.push_str(&format!("TOM-{i};Tomme numéro {i};4,50\n"));
    }
    let source = read(csv.as_bytes(), "tommes.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(automerge().await, 8);
    let found = |q: &str| {
        let filter = comptoir_core::catalogue::ProductFilter { search: Some(q.into()), ..Default::default() };
        let db = t.db.clone();
        async move { db.list_products(&filter).await.unwrap().total }
    };
    assert_eq!((found("tomme").await, found("numero 19999").await), (20_000, 1));
    import::settle(&t.db).await.unwrap();
    assert_eq!((found("tomme").await, found("numero 19999").await, found("tom-19999").await), (20_000, 1, 1));
    // The merge left nothing to do.
    let total = "SELECT total_changes()";
    let before: i64 = sqlx::query_scalar(total).fetch_one(&mut conn).await.unwrap();
    sqlx::query("INSERT INTO product_search (product_search, rank) VALUES ('merge', 256)")
        .execute(&mut conn)
        .await
        .unwrap();
    let after: i64 = sqlx::query_scalar(total).fetch_one(&mut conn).await.unwrap();
    assert!(after - before < 2, "{before} → {after}");
}

/// The 22 articles of the issue's till export (cp1252, `;`, a title line and a blank line
/// above the header): 8 sold by units the till calls « bouteille », « pot », « sachet »,
/// « boîte », « séance », refused before the shop vocabulary; names that end with their
/// net quantity and no quantity column; « sur commande 10 jours » and « illimité » in the
/// stock column. Written to tests/fixtures/till-vocabulary.csv by `write_vocabulary_fixtures`.
const TILL_22_CSV: &str = "Caisse Épicerie du Perche — export articles du 07/12/2026;;;;;;\r\n\
;;;;;;\r\n\
Réf.;Désignation;Prix TTC;TVA;Qté;Unité;Rayon\r\n\
CID-75;Cidre brut fermier 75 cl;4,50;20;36;bouteille;Boissons\r\n\
POI-75;Poiré du Domfrontais 75 cl;6,50;20;12;Bouteille;Boissons\r\n\
MIE-500;Miel de fleurs 500 g;8,90;5,5;20;pot;Épicerie\r\n\
CON-370;Confiture de fraises 370 g;4,20;5,5;15;pot;Épicerie\r\n\
THE-100;Thé vert 100 g;5,95;5,5;10;sachet;Épicerie\r\n\
SAB-6;Sablés au beurre 6 x 125 g;3,99;5,5;8;boîte;Épicerie\r\n\
CAR-400;Caramels au beurre salé 400 g;4,95;5,5;5;Boîte;Confiserie\r\n\
ATL-CUI;Atelier cuisine normande;35,00;20;;séance;Ateliers\r\n\
POM-KG;Pommes Reinette;3,20;5,5;60;kg;Fruits et légumes\r\n\
AND-100;Andouille de Vire;3,90;5,5;40;100 g;Charcuterie\r\n\
LAI-L;Lait cru;1,20;5,5;30;litre;Crèmerie\r\n\
OEU-12;Œufs fermiers;4,80;5,5;25;douzaine;Crèmerie\r\n\
PAN-NOE;Panier garni de Noël;49,00;20;sur commande 10 jours;lot;Épicerie\r\n\
CAM-250;Camembert de Normandie 250 g;4,95;5,5;24;pièce;Crèmerie\r\n\
BEU-250;Beurre demi-sel 250 g;3,90;5,5;20;P;Crèmerie\r\n\
TIS-M;Tissu lin naturel;18,00;20;50;au mètre;Mercerie\r\n\
TOI-M2;Toile cirée;12,50;20;20;m²;Mercerie\r\n\
CAD-20;Carte cadeau 20 €;20,00;20;illimité;U;Divers\r\n\
CAF-250;Café moulu 250 g;4,60;5,5;12;;Épicerie\r\n\
SAV-100;Savon au lait d'ânesse 100 g;5,50;20;30;pce;Beauté\r\n\
JUS-1L;Jus de pomme 1 L;3,10;5,5;24;Unité;Boissons\r\n\
COF-1;Coffret dégustation;29,00;20;6;Lot;Épicerie\r\n";

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// `PRAGMA integrity_check`, which also checks every CHECK constraint: a bulk import
/// writes without them (its values are validated before), so its tests run it.
async fn assert_constraints_hold(db: &Db) {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.path().display())).await.unwrap();
    let result: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.unwrap();
    assert_eq!(result, ["ok"]);
}

/// What [`assert_constraints_hold`] relies on: this SQLite's integrity check sees a row a
/// CHECK constraint refuses (written here as the bulk import writes, checks off).
#[tokio::test]
async fn the_integrity_check_sees_what_a_check_constraint_refuses() {
    let t = fresh_db().await;
    t.db.save_product(&product("Camembert", "CAM", 495), now()).await.unwrap();
    assert_constraints_hold(&t.db).await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON").execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE products SET stock_policy = 'parfois'").execute(&mut conn).await.unwrap();
    // On another connection: with the checks off, the integrity check leaves them too.
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    let result: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut other).await.unwrap();
    assert_eq!(result, ["CHECK constraint failed in products"]);
}

fn notes_of(sim: &import::Simulation, row: u32) -> Vec<&str> {
    sim.rows.iter().find(|r| r.row == row).map(|r| r.notes.iter().map(String::as_str).collect()).unwrap_or_default()
}

fn unit_price(p: &comptoir_core::catalogue::Product) -> Option<String> {
    p.variants[0].unit_price.map(|u| u.text())
}

#[tokio::test]
async fn the_issue_s_22_till_rows_all_import_with_what_their_words_mean() {
    let bytes = std::fs::read(fixture_path("till-vocabulary.csv")).unwrap();
    assert_eq!(bytes, cp1252(TILL_22_CSV), "the fixture is TILL_22_CSV (write_vocabulary_fixtures writes it)");
    let t = fresh_db().await;
    let source = read(&bytes, "caisse.csv");
    assert_eq!((source.encoding.as_deref(), source.delimiter), (Some("windows-1252"), Some(';')));
    let p = import::preview(&t.db, &source).await.unwrap();
    assert_eq!((p.header_row, p.data_rows), (3, 22));
    assert_eq!(p.columns[5].field, Some(Field::Unit));
    let s = ImportSettings { mapping: p.mapping, options: PlanOptions::default() };

    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (22, 0), "{:?}", sim.errors);
    assert!(sim.row_warnings.is_empty(), "{:?}", sim.row_warnings);
    // What the simulation says it understood.
    assert_eq!(notes_of(&sim, 4)[0], "« bouteille » : vendu à la pièce, conditionnement bouteille");
    assert_eq!(notes_of(&sim, 5)[0], "« Bouteille » : vendu à la pièce, conditionnement bouteille");
    assert_eq!(notes_of(&sim, 8)[0], "« sachet » : vendu à la pièce, conditionnement sachet");
    assert_eq!(notes_of(&sim, 9)[0], "« boîte » : vendu à la pièce, conditionnement boîte");
    assert_eq!(
        notes_of(&sim, 11),
        ["« séance » : vendu à la pièce, conditionnement séance, prestation de service"],
        "a service has no net quantity to propose"
    );
    assert_eq!(notes_of(&sim, 16)[0], "« sur commande 10 jours » : fabriqué sur commande, délai 10 jours");
    assert_eq!(notes_of(&sim, 21)[0], "« illimité » : stock non compté, toujours disponible");
    assert!(notes_of(&sim, 12).is_empty(), "« kg » is a plain unit: {:?}", notes_of(&sim, 12));
    // No quantity column: the quantities the names end with are proposed, not stored.
    assert_eq!(
        notes_of(&sim, 4)[1],
        "Quantité nette proposée d'après le nom : 75 cl, soit 6,00 € / l (enregistrée seulement si vous l'acceptez)"
    );
    let proposed: Vec<(u32, &str, bool)> =
        sim.quantity_proposals.iter().map(|q| (q.row, q.quantity.as_str(), q.applied)).collect();
    assert_eq!(
        proposed,
        [
            (4, "75 cl", false),
            (5, "75 cl", false),
            (6, "500 g", false),
            (7, "370 g", false),
            (8, "100 g", false),
            (9, "6 × 125 g", false),
            (10, "400 g", false),
            (17, "250 g", false),
            (18, "250 g", false),
            (22, "250 g", false),
            (23, "100 g", false),
            (24, "1 l", false),
        ]
    );
    assert_eq!(sim.quantity_proposals_omitted, 0);

    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((report.result.counts.create, report.result.counts.rejected), (22, 0));
    let cid = t.db.product_by_sku("CID-75").await.unwrap();
    assert_eq!((cid.unit, cid.offer.packaging.as_deref()), (Unit::Piece, Some("bouteille")));
    assert_eq!(cid.variants[0].net_quantity, None, "a proposal is never stored unasked");
    // A unit cell's word is lower-cased the French way; a packaging column keeps its text.
    assert_eq!(t.db.product_by_sku("POI-75").await.unwrap().offer.packaging.as_deref(), Some("bouteille"));
    let atelier = t.db.product_by_sku("ATL-CUI").await.unwrap();
    assert_eq!((atelier.offer.kind, atelier.offer.stock_policy), (ProductKind::Service, StockPolicy::Unlimited));
    let panier = t.db.product_by_sku("PAN-NOE").await.unwrap();
    assert_eq!(
        (panier.unit, panier.offer.stock_policy, panier.offer.lead_time_days),
        (Unit::Lot, StockPolicy::MadeToOrder, Some(10))
    );
    assert_eq!(t.db.product_by_sku("CAD-20").await.unwrap().offer.stock_policy, StockPolicy::Unlimited);
    assert_eq!(t.db.product_by_sku("TIS-M").await.unwrap().unit, Unit::Metre);
    assert_eq!(t.db.product_by_sku("TOI-M2").await.unwrap().unit, Unit::SquareMetre);
    assert_eq!(t.db.product_by_sku("COF-1").await.unwrap().unit, Unit::Lot);
    // Sold by measure: the price is the unit price.
    assert_eq!(unit_price(&t.db.product_by_sku("AND-100").await.unwrap()).as_deref(), Some("39,00 € / kg"));

    // Accepted: the same file stores them, and the unit prices follow, half-up to the cent.
    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    let s = ImportSettings { options: PlanOptions { quantities_from_names: true, ..s.options }, ..s };
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert!(sim.quantity_proposals.iter().all(|q| q.applied));
    assert_eq!(notes_of(&sim, 5)[1], "Quantité nette lue dans le nom : 75 cl, soit 8,67 € / l");
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    for (sku, quantity, price) in [
        ("CID-75", "75 cl", "6,00 € / l"),
        // 6,50 € / 0,75 l = 8,666… → 8,67.
        ("POI-75", "75 cl", "8,67 € / l"),
        ("MIE-500", "500 g", "17,80 € / kg"),
        // 4,20 € / 0,37 kg = 11,351… → 11,35.
        ("CON-370", "370 g", "11,35 € / kg"),
        ("THE-100", "100 g", "59,50 € / kg"),
        // 3,99 € / 0,75 kg = 5,32.
        ("SAB-6", "6 × 125 g", "5,32 € / kg"),
        // 4,95 € / 0,4 kg = 12,375 → 12,38: half a cent goes up.
        ("CAR-400", "400 g", "12,38 € / kg"),
        ("JUS-1L", "1 l", "3,10 € / l"),
    ] {
        let p = t.db.product_by_sku(sku).await.unwrap();
        assert_eq!(p.variants[0].net_quantity.as_deref(), Some(quantity), "{sku}");
        assert_eq!(unit_price(&p).as_deref(), Some(price), "{sku}");
    }
    assert_eq!(t.db.product_by_sku("ATL-CUI").await.unwrap().variants[0].net_quantity, None);
    assert_constraints_hold(&t.db).await;
}

/// An XLSX the way French Excel keeps a shop's Christmas catalogue: a merged title,
/// prices as numbers in €, VAT and a strength as percentages, a duration typed as a
/// time ([h]:mm), a délai as a number, « Prix au kg/l » (which the import leaves),
/// packaging words, net quantities in their column, food lines with their allergens,
/// a service, a made-to-order basket. Written to tests/fixtures/vocabulary.xlsx by
/// `write_vocabulary_fixtures`.
pub fn vocabulary_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Catalogue de Noël").unwrap();
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, 18, "Épicerie du Perche — catalogue de Noël 2026", &title).unwrap();
    let headers = [
        "Réf.",
        "Désignation",
        "Prix TTC",
        "TVA",
        "Stock",
        "Unité",
        "Conditionnement",
        "Contenance",
        "Prix au kg/l",
        "Type",
        "Durée",
        "Délai de fabrication",
        "Ingrédients",
        "Allergènes",
        "Conservation",
        "Origine",
        "Label",
        "Degré (% vol)",
        "Statut",
    ];
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold).unwrap();
    }
    let euro = Format::new().set_num_format("#,##0.00\\ \"€\"");
    let pct = Format::new().set_num_format("0.0%");
    let time = Format::new().set_num_format("[h]:mm");
    enum V {
        T(&'static str),
        N(f64),
        E,
    }
    use V::{E, N, T};
    let rows: [[V; 19]; 10] = [
        [
            T("CID-75"),
            T("Cidre brut fermier"),
            N(6.5),
            N(0.2),
            N(36.0),
            T("pièce"),
            T("bouteille"),
            T("75 cl"),
            T("8,67 € / l"),
            T("produit alimentaire"),
            E,
            E,
            T("Pommes à cidre ; contient des sulfites"),
            T("sulfites"),
            T("À conserver debout, à l'abri de la lumière"),
            T("Pays d'Auge"),
            T("IGP"),
            N(0.05),
            T("Publié"),
        ],
        [
            T("CAM-250"),
            T("Camembert de Normandie"),
            N(4.95),
            N(0.055),
            N(24.0),
            T("pièce"),
            T("boîte"),
            T("250 g"),
            E,
            T("alimentaire"),
            E,
            E,
            T("Lait cru de vache, sel, ferments lactiques, présure"),
            T("lait"),
            T("Entre 2 et 6 °C"),
            T("Normandie"),
            T("AOP"),
            E,
            T("Publié"),
        ],
        [
            T("MIE-500"),
            T("Miel de fleurs"),
            N(8.9),
            N(0.055),
            N(20.0),
            E,
            T("pot"),
            T("500 g"),
            E,
            E,
            E,
            E,
            T("Miel de fleurs de l'Orne"),
            E,
            T("À l'abri de l'humidité"),
            T("Orne"),
            E,
            E,
            T("Publié"),
        ],
        [
            T("RIL-220"),
            T("Rillettes du Mans"),
            N(5.6),
            N(0.055),
            N(12.0),
            E,
            T("barquette"),
            T("220 g"),
            E,
            E,
            E,
            E,
            T("Porc, sel, poivre"),
            T("aucun"),
            T("Entre 0 et 4 °C"),
            T("Sarthe"),
            T("Label Rouge"),
            E,
            T("Publié"),
        ],
        [
            T("THE-100"),
            T("Thé noir de Noël"),
            N(5.95),
            N(0.055),
            N(10.0),
            T("sachet"),
            E,
            T("100 g"),
            E,
            E,
            E,
            E,
            T("Thé noir, écorces d'orange, cannelle"),
            T("aucun"),
            T("Au sec"),
            E,
            T("bio"),
            E,
            T("Brouillon"),
        ],
        [
            T("CAL-70"),
            T("Calvados Pays d'Auge"),
            N(34.5),
            N(0.2),
            N(6.0),
            T("pièce"),
            T("bouteille"),
            T("70 cl"),
            E,
            E,
            E,
            E,
            T("Eau-de-vie de cidre"),
            T("aucun"),
            T("À température ambiante"),
            T("Pays d'Auge"),
            T("AOC"),
            T("40 % vol"),
            T("Publié"),
        ],
        [
            T("ATL-POT"),
            T("Atelier poterie"),
            N(45.0),
            N(0.2),
            E,
            E,
            T("séance"),
            E,
            E,
            T("prestation"),
            T("2 h"),
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            T("Publié"),
        ],
        [
            T("CUI-90"),
            T("Cours de cuisine"),
            N(30.0),
            N(0.2),
            E,
            E,
            T("séance"),
            E,
            E,
            T("service"),
            N(0.0625),
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            T("Publié"),
        ],
        [
            T("PAN-NOE"),
            T("Panier garni de Noël"),
            N(49.0),
            N(0.2),
            T("sur commande"),
            T("lot"),
            T("panier"),
            E,
            E,
            T("produit"),
            E,
            N(10.0),
            E,
            E,
            E,
            E,
            E,
            E,
            T("Publié"),
        ],
        [
            T("BOU-1"),
            T("Bougie parfumée"),
            N(14.0),
            N(0.2),
            N(8.0),
            E,
            E,
            E,
            E,
            T("produit"),
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            E,
            T("Publié"),
        ],
    ];
    for (i, cells) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        for (c, v) in cells.iter().enumerate() {
            let col = c as u16;
            match (v, headers[c]) {
                (T(t), _) => ws.write_string(r, col, *t).map(|_| ()),
                (N(n), "Prix TTC") => ws.write_number_with_format(r, col, *n, &euro).map(|_| ()),
                (N(n), "TVA" | "Degré (% vol)") => ws.write_number_with_format(r, col, *n, &pct).map(|_| ()),
                (N(n), "Durée") => ws.write_number_with_format(r, col, *n, &time).map(|_| ()),
                (N(n), _) => ws.write_number(r, col, *n).map(|_| ()),
                (E, _) => Ok(()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_french_excel_catalogue_with_food_services_and_made_to_order_imports_every_valid_row() {
    let committed = read(&std::fs::read(fixture_path("vocabulary.xlsx")).unwrap(), "noel.xlsx");
    let source = read(&vocabulary_xlsx(), "noel.xlsx");
    assert_eq!(committed.rows, source.rows, "the fixture is vocabulary_xlsx() (write_vocabulary_fixtures writes it)");
    let t = fresh_db().await;
    let p = import::preview(&t.db, &committed).await.unwrap();
    assert_eq!((p.header_row, p.data_rows), (3, 10));
    let fields: Vec<Option<Field>> = p.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some(Field::Sku),
            Some(Field::Name),
            Some(Field::PriceTtc),
            Some(Field::Vat),
            Some(Field::Stock),
            Some(Field::Unit),
            Some(Field::Packaging),
            Some(Field::Volume),
            None,
            Some(Field::Kind),
            Some(Field::Duration),
            Some(Field::LeadTime),
            Some(Field::Ingredients),
            Some(Field::Allergens),
            Some(Field::Storage),
            Some(Field::Origin),
            Some(Field::Labels),
            Some(Field::Abv),
            Some(Field::Status),
        ]
    );
    let s = ImportSettings { mapping: p.mapping, options: PlanOptions::default() };
    let sim = import::simulate(&t.db, &committed, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (10, 0), "{:?}", sim.errors);
    assert!(sim.quantity_proposals.is_empty(), "a quantity column: nothing to propose");
    assert_eq!(notes_of(&sim, 5), ["« boîte » : conditionnement boîte"]);
    assert_eq!(
        notes_of(&sim, 10),
        ["« séance » : conditionnement séance, prestation de service", "« 2 h » : durée 2 h"]
    );
    assert_eq!(notes_of(&sim, 11)[1], "« 1:30 » : durée 1 h 30");
    assert_eq!(
        notes_of(&sim, 12),
        [
            "« panier » : conditionnement panier",
            "« 10 » : délai de fabrication 10 jours",
            "« sur commande » : fabriqué sur commande"
        ]
    );
    // The honey is to be published but its allergens are not said: a draft, and why.
    let warnings: Vec<String> = sim.row_warnings.iter().map(|w| w.describe()).collect();
    assert_eq!(
        warnings,
        [
            "Ligne 6, colonne N (Allergènes) : Allergènes non renseignés : cochez ceux que contient le produit, ou « aucun » ; produit importé en brouillon"
        ]
    );
    assert_eq!(notes_of(&sim, 6), ["« pot » : conditionnement pot"]);
    assert_eq!(
        sim.rows.iter().find(|r| r.row == 6).unwrap().note.as_deref(),
        Some("Importé en brouillon, pas en ligne : à compléter pour vendre ce produit alimentaire (allergènes)")
    );

    import::apply(&t.db, &committed, &s, now(), &Control::default()).await.unwrap();
    let get = |sku: &'static str| {
        let db = t.db.clone();
        async move { db.product_by_sku(sku).await.unwrap() }
    };
    let cidre = get("CID-75").await;
    assert_eq!(cidre.status, ProductStatus::Published);
    assert_eq!(
        (cidre.offer.packaging.as_deref(), cidre.variants[0].net_quantity.as_deref()),
        (Some("bouteille"), Some("75 cl"))
    );
    let food = cidre.offer.food.clone().unwrap();
    assert_eq!(
        (food.allergens, food.abv_tenths, food.labels),
        (Some(vec![Allergen::Sulphites]), Some(50), vec!["IGP".to_owned()])
    );
    assert_eq!(food.origin, "Pays d'Auge");
    // 6,50 € for 75 cl: 8,67 € / l, whatever the file's own « Prix au kg/l » said.
    assert_eq!(unit_price(&cidre).as_deref(), Some("8,67 € / l"));
    assert_eq!(unit_price(&get("CAM-250").await).as_deref(), Some("19,80 € / kg"));
    // 5,60 € / 0,22 kg = 25,4545… → 25,45; 34,50 € / 0,7 l = 49,2857… → 49,29.
    assert_eq!(unit_price(&get("RIL-220").await).as_deref(), Some("25,45 € / kg"));
    let calva = get("CAL-70").await;
    assert_eq!(unit_price(&calva).as_deref(), Some("49,29 € / l"));
    assert_eq!(calva.offer.food.unwrap().abv_tenths, Some(400));
    let miel = get("MIE-500").await;
    assert_eq!((miel.status, miel.offer.food.unwrap().allergens), (ProductStatus::Draft, None));
    let rillettes = get("RIL-220").await;
    assert_eq!((rillettes.status, rillettes.offer.food.unwrap().allergens), (ProductStatus::Published, Some(vec![])));
    assert_eq!(get("THE-100").await.offer.food.unwrap().labels, ["Agriculture Biologique"]);
    let atelier = get("ATL-POT").await;
    assert_eq!(
        (atelier.offer.kind, atelier.offer.duration_minutes, atelier.offer.stock_policy),
        (ProductKind::Service, Some(120), StockPolicy::Unlimited)
    );
    assert_eq!(atelier.status, ProductStatus::Published);
    assert_eq!(get("CUI-90").await.offer.duration_minutes, Some(90));
    let panier = get("PAN-NOE").await;
    assert_eq!(
        (panier.offer.stock_policy, panier.offer.lead_time_days, panier.variants[0].stock),
        (StockPolicy::MadeToOrder, Some(10), 0)
    );
    let bougie = get("BOU-1").await;
    assert_eq!((bougie.offer.food, bougie.status), (None, ProductStatus::Published));
    assert_constraints_hold(&t.db).await;
}

/// Only real errors refuse a row: food information missing from a row to publish makes
/// it a draft, with a warning on the cell saying what is missing; completing it later
/// publishes it, the changes shown old → new.
#[tokio::test]
async fn a_published_food_row_missing_its_information_becomes_a_draft_with_a_warning() {
    let t = fresh_db().await;
    let csv = "Réf;Désignation;Prix;Statut;Contenance;Ingrédients;Allergènes;Conservation\n\
MIE;Miel de fleurs;8,90;Publié;500 g;Miel;;Au sec\n\
CON;Confiture de fraises;4,20;Publié;;Fraises, sucre;aucun;Au frais après ouverture\n\
BOU;Bougie;14;Publié;;;;\n\
TER;Terrine;douze;Publié;180 g;Porc;;Au frais\n";
    let source = read(csv.as_bytes(), "epicerie.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (3, 1));
    let errors: Vec<String> = sim.errors.iter().map(|e| e.describe()).collect();
    assert_eq!(errors, ["Ligne 5, colonne C (Prix) « douze » : Prix illisible (exemple attendu : 12,50)"]);
    let warnings: Vec<String> = sim.row_warnings.iter().map(|w| w.describe()).collect();
    assert_eq!(
        warnings,
        [
            "Ligne 2, colonne G (Allergènes) : Allergènes non renseignés : cochez ceux que contient le produit, ou « aucun » ; produit importé en brouillon",
            "Ligne 3, colonne E (Contenance) : Quantité nette manquante pour CON (ex. 75 cl, 250 g) ; produit importé en brouillon",
        ]
    );
    assert_eq!(
        sim.rows.iter().map(|r| r.note.as_deref()).collect::<Vec<_>>(),
        [
            Some("Importé en brouillon, pas en ligne : à compléter pour vendre ce produit alimentaire (allergènes)"),
            Some(
                "Importé en brouillon, pas en ligne : à compléter pour vendre ce produit alimentaire (quantité nette)"
            ),
            None,
            None,
        ]
    );
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(t.db.product_by_sku("MIE").await.unwrap().status, ProductStatus::Draft);
    assert_eq!(t.db.product_by_sku("CON").await.unwrap().status, ProductStatus::Draft);
    assert_eq!(t.db.product_by_sku("BOU").await.unwrap().status, ProductStatus::Published);

    let more = read("Réf;Statut;Allergènes;Origine\nMIE;Publié;aucun;Orne\n".as_bytes(), "complement.csv");
    let s = settings(&t.db, &more, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &more, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.update, 1);
    assert!(sim.row_warnings.is_empty(), "{:?}", sim.row_warnings);
    let changes: Vec<(Field, Option<&str>, Option<&str>)> =
        sim.rows[0].changes.iter().map(|c| (c.field, c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(
        changes,
        [
            (Field::Status, Some("Brouillon"), Some("Publié")),
            (Field::Allergens, None, Some("aucun")),
            (Field::Origin, None, Some("Orne")),
        ]
    );
    import::apply(&t.db, &more, &s, now(), &Control::default()).await.unwrap();
    let miel = t.db.product_by_sku("MIE").await.unwrap();
    assert_eq!(miel.status, ProductStatus::Published);
    let food = miel.offer.food.unwrap();
    assert_eq!((food.ingredients.as_str(), food.allergens, food.origin.as_str()), ("Miel", Some(vec![]), "Orne"));
}

/// The « stock et prix » mode reads what a stock cell says instead of a count, and
/// nothing of the columns it does not read: no error, warning or note from them.
#[tokio::test]
async fn stock_words_apply_in_the_stock_mode_and_unread_columns_stay_silent() {
    let t = fresh_db().await;
    t.db.save_product(&product("Carte cadeau", "CAD", 2000), now()).await.unwrap();
    t.db.save_product(&product("Panier garni", "PAN", 4900), now()).await.unwrap();
    let csv =
        "Réf;Stock;Allergènes;Type;Unité\nCAD;illimité;kryptonite;Fromage;bouteille\nPAN;sur commande 5 jours;;;\n";
    let source = read(csv.as_bytes(), "stock.csv");
    let s = settings(&t.db, &source, ImportMode::Stock).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.update, sim.counts.rejected), (2, 0), "{:?}", sim.errors);
    assert!(sim.errors.is_empty() && sim.row_warnings.is_empty(), "{:?} {:?}", sim.errors, sim.row_warnings);
    assert_eq!(notes_of(&sim, 2), ["« illimité » : stock non compté, toujours disponible"]);
    let changes: Vec<(Field, Option<&str>, Option<&str>)> =
        sim.rows[1].changes.iter().map(|c| (c.field, c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(
        changes,
        [(Field::StockPolicy, Some("compté"), Some("sur commande")), (Field::LeadTime, None, Some("5 jours")),]
    );
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let cad = t.db.product_by_sku("CAD").await.unwrap();
    assert_eq!((cad.offer.stock_policy, cad.offer.food, cad.offer.packaging), (StockPolicy::Unlimited, None, None));
    let pan = t.db.product_by_sku("PAN").await.unwrap();
    assert_eq!((pan.offer.stock_policy, pan.offer.lead_time_days), (StockPolicy::MadeToOrder, Some(5)));

    // The full mode reads them all: the unknown allergen refuses its row.
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.rejected, 1);
    assert_eq!(sim.errors[0].code, "allergens_invalid");
    assert_eq!(sim.errors[0].column.as_deref(), Some("C"));
}

/// Undo snapshots taken before the shop vocabulary have no offer columns and hold
/// grams and millilitres: undo still puts the product back, with the offer's defaults.
#[tokio::test]
async fn an_undo_snapshot_taken_before_the_shop_vocabulary_still_undoes() {
    let t = fresh_db().await;
    let mut p = product("Cidre", "CID", 450);
    p.variants[0].net_quantity = Some("75 cl".into());
    t.db.save_product(&p, now()).await.unwrap();
    let source = read("Réf;Prix;Conditionnement;Contenance\nCID;5,00;bouteille;1 l\n".as_bytes(), "maj.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(report.result.counts.update, 1);
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", t.db.path().display())).await.unwrap();
    let n = sqlx::query(
        "UPDATE import_batch_products SET before = json_set(json_remove(before, '$.packaging', '$.kind',
           '$.stock_policy', '$.lead_time_days', '$.duration_min', '$.sessions', '$.food',
           '$.variants[0].net_quantity'), '$.variants[0].volume_ml', 750, '$.variants[0].weight_g', NULL)
         WHERE batch_id = ?",
    )
    .bind(report.batch_id)
    .execute(&mut conn)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(n, 1);
    let before: String = sqlx::query_scalar("SELECT before FROM import_batch_products WHERE batch_id = ?")
        .bind(report.batch_id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(!before.contains("\"kind\"") && before.contains("\"volume_ml\":750"), "{before}");

    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    let cid = t.db.product_by_sku("CID").await.unwrap();
    assert_eq!(cid.variants[0].price_cents, 450);
    assert_eq!(cid.variants[0].net_quantity.as_deref(), Some("75 cl"));
    assert_eq!(cid.offer, comptoir_core::catalogue::Offer::default());
}

/// A craft shop's « Origine » column does not make its pots food: they stay published,
/// with no food information, and the row says why its origin was not kept.
#[tokio::test]
async fn an_origin_column_alone_does_not_turn_crafts_into_food() {
    let t = fresh_db().await;
    let csv = "Réf;Désignation;Prix;Statut;Origine;Label\nBOL;Bol en grès;18;Publié;Orne;Fait main\n\
CAF;Café moulu;7,50;Publié;Éthiopie;\n";
    let source = read(csv.as_bytes(), "poterie.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.create, 2);
    assert!(sim.row_warnings.is_empty(), "{:?}", sim.row_warnings);
    assert!(sim.rows[0].notes.iter().any(|n| n.starts_with("Origine, producteur et labels non enregistrés")));
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let bol = t.db.product_by_sku("BOL").await.unwrap();
    assert_eq!((bol.status, bol.offer.food), (ProductStatus::Published, None));
}

/// A « Séances » column gives a service its dated sessions, shown old → new on an
/// update; on goods they are not stored, and the row says why.
#[tokio::test]
async fn sessions_are_a_services_and_show_old_and_new() {
    let t = fresh_db().await;
    let csv = "Réf;Désignation;Prix;Type;Séances\n\
ATL;Atelier couronne;45;service;\"19/12/2026 9h30 ; 12/12/2026 14 h (8 places)\"\n\
POT;Pot en grès;12;produit;12/12/2026 14:00\n";
    let source = read(csv.as_bytes(), "ateliers.csv");
    let s = settings(&t.db, &source, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!((sim.counts.create, sim.counts.rejected), (2, 0), "{:?}", sim.errors);
    assert!(notes_of(&sim, 2).is_empty(), "{:?}", notes_of(&sim, 2));
    assert_eq!(
        notes_of(&sim, 3),
        ["Séances non enregistrées : des séances datées ne concernent qu'une prestation (Type « service »)"]
    );
    import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let session = |d: &str, p: Option<u32>| comptoir_core::catalogue::ServiceSession { starts_at: d.into(), places: p };
    let atl = t.db.product_by_sku("ATL").await.unwrap();
    assert_eq!(atl.offer.sessions, [session("2026-12-12T14:00", Some(8)), session("2026-12-19T09:30", None)]);
    assert!(t.db.product_by_sku("POT").await.unwrap().offer.sessions.is_empty());

    let more = read("Réf;Séances\nATL;12/12/2026 14:00 (6 pl.)\n".as_bytes(), "dates.csv");
    let s = settings(&t.db, &more, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &more, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.update, 1, "{:?}", sim.errors);
    let changes: Vec<(Field, Option<&str>, Option<&str>)> =
        sim.rows[0].changes.iter().map(|c| (c.field, c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(
        changes,
        [(
            Field::Sessions,
            Some("12/12/2026 14:00 (8 places) ; 19/12/2026 09:30"),
            Some("12/12/2026 14:00 (6 places)")
        )]
    );

    // An unreadable session refuses its row, naming the cell.
    let bad = read("Réf;Séances\nATL;\"12/12/2026 ; 19/12/2026 9h30\"\n".as_bytes(), "bad.csv");
    let s = settings(&t.db, &bad, ImportMode::Full).await;
    let sim = import::simulate(&t.db, &bad, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.counts.rejected, 1);
    assert_eq!(
        sim.errors[0].describe(),
        "Ligne 2, colonne B (Séances) « 12/12/2026 ; 19/12/2026 9h30 » : Séance illisible : « 12/12/2026 » (exemple : 12/12/2026 14:00 (8 places) ; 19/12/2026 9h30, séparées par des points-virgules)"
    );
}
