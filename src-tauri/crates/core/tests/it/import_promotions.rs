//! Promotions in the spreadsheet import and the catalogue export (issue 20): the columns
//! « Prix promo », « Remise », « Début promo » and « Fin promo » read, checked by the
//! rules of the promotions screen (reference price, no overlap) and saved after the
//! import's commit; the export writes each variant's promotion so that it imports back
//! unchanged.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use comptoir_core::Db;
use comptoir_core::catalogue::{ProductStatus, VariantInput, VariantOption, VariantPatch};
use comptoir_core::import::{self, Control, Field, ImportMode, ImportSettings, PlanOptions, PromotionCounts, Source};
use comptoir_core::promotions::{self, Discount, PromotionQuery, PromotionRequest, PromotionState, PromotionTarget};

use crate::support::{fresh_db, now, product};

fn read(bytes: &[u8], name: &str) -> Arc<Source> {
    Arc::new(import::read_bytes(bytes, name, None, &Control::default()).expect("readable"))
}

async fn settings(db: &Db, source: &Source) -> ImportSettings {
    let p = import::preview(db, source).await.unwrap();
    ImportSettings { mapping: p.mapping, options: PlanOptions { mode: ImportMode::Full, ..PlanOptions::default() } }
}

fn request(sku: &str, discount: Discount, starts: &str, ends: Option<&str>) -> PromotionRequest {
    PromotionRequest {
        target: PromotionTarget::Skus { skus: vec![sku.to_owned()] },
        discount,
        starts: starts.into(),
        ends: ends.map(str::to_owned),
        quantity_limit: None,
        campaign: None,
        perishable: false,
    }
}

fn counts(created: u32, updated: u32, unchanged: u32, refused: u32) -> PromotionCounts {
    PromotionCounts { created, updated, unchanged, refused }
}

/// Every promotion, as the promotions screen lists them: SKU, price, percent,
/// reference, start and end (Paris time), state.
async fn promotions_now(db: &Db, at: DateTime<Utc>) -> Vec<Summary> {
    let q = PromotionQuery { include_ended: true, ..PromotionQuery::default() };
    let mut list: Vec<Summary> = promotions::list(db, &q, at)
        .await
        .unwrap()
        .into_iter()
        .map(|p| Summary {
            id: p.id,
            sku: p.sku,
            price: p.price_cents,
            percent: p.percent,
            reference: p.reference_cents,
            starts: p.starts_text,
            ends: p.ends_text,
            state: p.state,
        })
        .collect();
    list.sort_by(|a, b| a.sku.cmp(&b.sku).then(a.id.cmp(&b.id)));
    list
}

/// SKU, price, percent, reference, start and end as written, state.
type Shown = (String, i64, Option<u8>, Option<i64>, String, Option<String>, PromotionState);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Summary {
    id: i64,
    sku: String,
    price: i64,
    percent: Option<u8>,
    reference: Option<i64>,
    starts: String,
    ends: Option<String>,
    state: PromotionState,
}

fn summary(
    sku: &str,
    price: i64,
    percent: Option<u8>,
    reference: Option<i64>,
    starts: &str,
    ends: Option<&str>,
    state: PromotionState,
) -> Shown {
    (sku.to_owned(), price, percent, reference, starts.to_owned(), ends.map(str::to_owned), state)
}

fn without_ids(list: &[Summary]) -> Vec<Shown> {
    list.iter()
        .map(|p| (p.sku.clone(), p.price, p.percent, p.reference, p.starts.clone(), p.ends.clone(), p.state))
        .collect()
}

/// The cells of the export's row of `sku`, as displayed, from « Prix promo » on.
fn promotion_cells(source: &Source, sku: &str) -> Vec<String> {
    let header = &source.rows[0];
    let from = header.cells.iter().position(|c| c.display() == "Prix promo").expect("a Prix promo column");
    let row = source.rows.iter().find(|r| r.cell(0).display() == sku).unwrap_or_else(|| panic!("row {sku}"));
    (from..from + 4).map(|c| row.cell(c).display()).collect()
}

/// A shop on sale since September, with promotions of every kind: planned and running,
/// as a percentage and as a new price, with and without an end, one with a time of day,
/// one on a variant of a product with two, and one given as a percentage whose product
/// was dearer since (its price fixed when set no longer is « 10 % » of the new price).
async fn shop_on_promotion(db: &Db) {
    let since = now() - Duration::days(60);
    for (name, sku, price) in [
        ("Camembert de Normandie AOP", "CAM-250", 495),
        ("Pommeau de Normandie", "POM-70", 1250),
        ("Cidre brut du Perche", "CID-75", 450),
        ("Jus de pomme", "JUS-1L", 300),
        ("Sablés au beurre", "SAB-100", 320),
    ] {
        let mut p = product(name, sku, price);
        p.status = ProductStatus::Published;
        p.variants[0].stock = 12;
        db.save_product(&p, since).await.unwrap();
    }
    let mut apron = product("Tablier en lin", "TAB-S", 2500);
    apron.variants[0].options = vec![VariantOption { name: "Taille".into(), value: "S".into() }];
    apron.variants.push(VariantInput {
        id: None,
        sku: "TAB-M".into(),
        options: vec![VariantOption { name: "Taille".into(), value: "M".into() }],
        price_cents: 2700,
        stock: 3,
        ean: None,
        net_quantity: None,
    });
    db.save_product(&apron, since).await.unwrap();

    for req in [
        request("CAM-250", Discount::PercentOff { percent: 20 }, "01/12/2026", Some("24/12/2026")),
        request("POM-70", Discount::NewPrice { cents: 990 }, "05/12/2026 08:30", None),
        // Running from now (28 November, 11:00 in Paris).
        request("CID-75", Discount::PercentOff { percent: 10 }, "28/11/2026 11:00", Some("30/11/2026")),
        request("JUS-1L", Discount::PercentOff { percent: 10 }, "03/12/2026", Some("13/12/2026")),
        request("TAB-M", Discount::NewPrice { cents: 2000 }, "10/12/2026", Some("31/12/2026 18:00")),
    ] {
        promotions::add(db, &req, now()).await.unwrap();
    }
    let dearer = VariantPatch { price_cents: Some(350), ..VariantPatch::default() };
    db.patch_variant("JUS-1L", &dearer, now()).await.unwrap();
}

#[tokio::test]
async fn exported_promotions_import_back_unchanged_and_export_the_same() {
    let t = fresh_db().await;
    shop_on_promotion(&t.db).await;
    let at = now() + Duration::hours(1);
    let before = promotions_now(&t.db, at).await;
    assert_eq!(
        without_ids(&before),
        [
            summary("CAM-250", 396, Some(20), Some(495), "01/12/2026", Some("24/12/2026"), PromotionState::Planned),
            summary(
                "CID-75",
                405,
                Some(10),
                Some(450),
                "28/11/2026 11:00",
                Some("30/11/2026"),
                PromotionState::Running
            ),
            summary("JUS-1L", 270, Some(10), Some(300), "03/12/2026", Some("13/12/2026"), PromotionState::Planned),
            summary("POM-70", 990, None, Some(1250), "05/12/2026 08:30", None, PromotionState::Planned),
            summary("TAB-M", 2000, None, Some(2700), "10/12/2026", Some("31/12/2026 18:00"), PromotionState::Planned),
        ]
    );

    for (name, first) in [
        ("catalogue.xlsx", comptoir_core::export::catalogue_xlsx(&t.db, at).await.unwrap()),
        ("catalogue.csv", comptoir_core::export::catalogue_csv(&t.db, at).await.unwrap()),
    ] {
        let source = read(&first, name);
        // What the file says, cell by cell.
        let header: Vec<String> = source.rows[0].cells.iter().map(|c| c.display()).collect();
        assert_eq!(header[header.len() - 4..], ["Prix promo", "Remise", "Début promo", "Fin promo"], "{name}");
        assert_eq!(promotion_cells(&source, "CAM-250"), ["3,96", "20 %", "01/12/2026", "24/12/2026"], "{name}");
        assert_eq!(
            promotion_cells(&source, "POM-70"),
            ["9,9", "", "05/12/2026 08:30", ""].map(|c| {
                // The XLSX holds the price as a number (9,9 shown 9,90 €), the CSV as text.
                if c == "9,9" && name.ends_with(".csv") { "9,90" } else { c }
            }),
            "{name}"
        );
        assert_eq!(promotion_cells(&source, "CID-75"), ["4,05", "10 %", "28/11/2026 11:00", "30/11/2026"], "{name}");
        assert_eq!(
            promotion_cells(&source, "JUS-1L"),
            ["2,7", "10 %", "03/12/2026", "13/12/2026"]
                .map(|c| { if c == "2,7" && name.ends_with(".csv") { "2,70" } else { c } }),
            "{name}"
        );
        assert_eq!(
            promotion_cells(&source, "TAB-M"),
            ["20", "", "10/12/2026", "31/12/2026 18:00"]
                .map(|c| { if c == "20" && name.ends_with(".csv") { "20,00" } else { c } }),
            "{name}"
        );
        assert_eq!(promotion_cells(&source, "TAB-S"), ["", "", "", ""], "{name}");
        assert_eq!(promotion_cells(&source, "SAB-100"), ["", "", "", ""], "{name}");

        // Mapped to the promotion's fields by their headers.
        let s = settings(&t.db, &source).await;
        let n = s.mapping.columns.len();
        assert_eq!(
            s.mapping.columns[n - 4..],
            [Some(Field::PromoPrice), Some(Field::Discount), Some(Field::PromoStart), Some(Field::PromoEnd)],
            "{name}"
        );

        // Simulated, then imported over the catalogue it came from: nothing changes.
        let sim = import::simulate(&t.db, &source, &s, at, &Control::default()).await.unwrap();
        assert_eq!(sim.promotions, counts(0, 0, 5, 0), "{name}: {:?}", sim.row_warnings);
        assert!(sim.row_warnings.is_empty(), "{name}: {:?}", sim.row_warnings);
        assert_eq!((sim.counts.unchanged, sim.counts.rejected), (7, 0), "{name}: {:?}", sim.errors);
        let report = import::apply(&t.db, &source, &s, at, &Control::default()).await.unwrap();
        assert_eq!(report.result.promotions, counts(0, 0, 5, 0), "{name}: {:?}", report.result.row_warnings);
        assert!(report.result.row_warnings.is_empty(), "{name}: {:?}", report.result.row_warnings);
        assert_eq!(report.result.counts.unchanged, 7, "{name}");
        assert_eq!(promotions_now(&t.db, at).await, before, "{name}: the same promotions, the same ids");

        // And the export after it holds the same cells.
        let again = match name {
            "catalogue.xlsx" => comptoir_core::export::catalogue_xlsx(&t.db, at).await.unwrap(),
            _ => comptoir_core::export::catalogue_csv(&t.db, at).await.unwrap(),
        };
        assert_eq!(read(&again, name).rows, source.rows, "{name}");
        if name.ends_with(".csv") {
            assert_eq!(again, first, "{name}: byte for byte");
        }
    }
}

/// A shop of coffrets on sale since September; the cider one was raised on 20
/// November, eight days before « now »; the sablés one has a promotion over Christmas.
async fn coffrets(db: &Db) {
    let since = now() - Duration::days(88);
    for (name, sku, price, ean) in [
        ("Coffret cidre et pommeau", "COF-CID", 3000, None),
        ("Coffret fromages de l'Orne", "COF-FRO", 4200, None),
        ("Coffret sablés", "COF-SAB", 1500, None),
        ("Coffret terrines", "COF-TER", 2400, Some("3760123450027")),
        ("Coffret pommeau", "COF-POM", 2000, None),
    ] {
        let mut p = product(name, sku, price);
        p.status = ProductStatus::Published;
        p.variants[0].stock = 40;
        p.variants[0].ean = ean.map(str::to_owned);
        db.save_product(&p, since).await.unwrap();
    }
    let raise = VariantPatch { price_cents: Some(3500), ..VariantPatch::default() };
    db.patch_variant("COF-CID", &raise, now() - Duration::days(8)).await.unwrap();
    let christmas = request("COF-SAB", Discount::NewPrice { cents: 1200 }, "20/12/2026", Some("31/12/2026"));
    promotions::add(db, &christmas, now()).await.unwrap();
}

const PROMOTIONS_CSV: &str = "Référence;Désignation;Prix TTC;Stock;Code EAN;Prix promo;Remise;Début promo;Fin promo\r\n\
COF-FRO;Coffret fromages de l'Orne;42,00;;;33,60 €;20 %;01/12/2026;24/12/2026\r\n\
COF-CID;Coffret cidre et pommeau;35,00;;;;-10 %;01/12/2026;24/12/2026\r\n\
COF-SAB;Coffret sablés;15,00;12;;;25%;15/12/2026;24/12/2026\r\n\
COF-TER;Coffret terrines;;;;19,90;;05/12/2026 08:00;\r\n\
;;;;3760123450027;;30 %;10/12/2026;15/12/2026\r\n\
COF-POM;Coffret pommeau;20,00;;;15,00;20 %;01/12/2026;\r\n\
NEW-1;Terrine de campagne;6,50;8;;;\u{2212}15 %;02/12/2026;06/12/2026 18:00\r\n\
BAD-1;Coffret fêtes;10,00;;;8,00;;31/02/2026;\r\n\
BAD-2;Coffret apéritif;12,00;;;;douze %;01/12/2026;\r\n\
BAD-3;Coffret gourmand;14,00;;;9,00;;;\r\n";

#[tokio::test]
async fn a_file_sets_promotions_by_the_rules_and_undo_withdraws_them() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    let before = promotions_now(&t.db, now()).await;
    assert_eq!(before.len(), 1);
    let source = read(PROMOTIONS_CSV.as_bytes(), "promotions.csv");
    let s = settings(&t.db, &source).await;
    assert_eq!(
        s.mapping.columns,
        [
            Some(Field::Sku),
            Some(Field::Name),
            Some(Field::PriceTtc),
            Some(Field::Stock),
            Some(Field::Ean),
            Some(Field::PromoPrice),
            Some(Field::Discount),
            Some(Field::PromoStart),
            Some(Field::PromoEnd),
        ]
    );

    let expected_warnings = [
        (
            3,
            "G",
            "Remise",
            "10 %",
            "COF-CID : 31,50 € n'est pas une réduction. Le prix de référence est 30,00 €, le prix le plus bas pratiqué dans les 30 jours avant le début ; une promotion annoncée doit être en dessous (Code de la consommation, art. L112-1-1).",
        ),
        (
            4,
            "G",
            "Remise",
            "25 %",
            "COF-SAB : chevauche la promotion n° 1 (du 20/12/2026 au 31/12/2026) ; une déclinaison n'a qu'une promotion à la fois.",
        ),
        (
            6,
            "G",
            "Remise",
            "30 %",
            "COF-TER : chevauche celle de la ligne 5 (du 05/12/2026 08:00) ; une déclinaison n'a qu'une promotion à la fois.",
        ),
        (
            7,
            "G",
            "Remise",
            "20 %",
            "Prix promo 15,00 € et remise 20 % ne s'accordent pas : 20 % de moins sur 20,00 € font 16,00 €. Laissez l'une des deux cases vide.",
        ),
    ];
    let expected_errors = [
        "Ligne 9, colonne H (Début promo) « 31/02/2026 » : Date illisible : JJ/MM/AAAA est attendu, avec ou sans l'heure (exemples : 01/12/2026, 01/12/2026 08:00)",
        "Ligne 10, colonne G (Remise) « douze % » : Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)",
        "Ligne 11, colonne H (Début promo) : Promotion sans date de début : indiquez le « Début promo » (exemple : 01/12/2026)",
    ];
    let warnings = |w: &[import::RowError]| -> Vec<(u32, String, String, String, String)> {
        w.iter()
            .map(|e| {
                assert_eq!(e.code, "promotion_refused");
                assert_eq!(e.field, Some(Field::Discount));
                (
                    e.row,
                    e.column.clone().unwrap_or_default(),
                    e.header.clone().unwrap_or_default(),
                    e.value.clone(),
                    e.message.clone(),
                )
            })
            .collect()
    };
    let expected: Vec<(u32, String, String, String, String)> = expected_warnings
        .iter()
        .map(|(r, c, h, v, m)| (*r, (*c).to_owned(), (*h).to_owned(), (*v).to_owned(), (*m).to_owned()))
        .collect();

    // The simulation says it all, and writes nothing.
    let sim = import::simulate(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    assert_eq!(sim.promotions, counts(3, 0, 0, 4));
    assert_eq!(warnings(&sim.row_warnings), expected);
    assert_eq!(
        sim.row_warnings[0].describe(),
        format!("Ligne 3, colonne G (Remise) « 10 % » : {}", expected_warnings[0].4)
    );
    let errors: Vec<String> = sim.errors.iter().map(import::RowError::describe).collect();
    assert_eq!(errors, expected_errors);
    assert_eq!((sim.counts.create, sim.counts.rejected), (1, 3));
    let notes = |row: u32| sim.rows.iter().find(|r| r.row == row).map(|r| r.notes.clone()).unwrap_or_default();
    assert_eq!(notes(2), ["Promotion −20 % (33,60 €) du 01/12/2026 au 24/12/2026"]);
    assert_eq!(notes(5), ["Promotion 19,90 € à partir du 05/12/2026 08:00, jusqu'à épuisement du stock"]);
    assert_eq!(notes(8), ["Promotion −15 % (5,53 €) du 02/12/2026 au 06/12/2026 18:00"]);
    assert_eq!(notes(7), [format!("Promotion refusée : {}", expected_warnings[3].4)]);
    assert_eq!(promotions_now(&t.db, now()).await, before);
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 5);

    // The import: the products are imported, refused promotions or not.
    let report = import::apply(&t.db, &source, &s, now(), &Control::default()).await.unwrap();
    let r = &report.result;
    assert_eq!(r.promotions, counts(3, 0, 0, 4));
    assert_eq!(warnings(&r.row_warnings), expected);
    let errors: Vec<String> = r.errors.iter().map(import::RowError::describe).collect();
    assert_eq!(errors, expected_errors);
    assert_eq!((r.counts.create, r.counts.update, r.counts.rejected), (1, 1, 3), "{:?}", r.rows);
    assert_eq!(t.db.product_by_sku("COF-SAB").await.unwrap().variants[0].stock, 12, "imported all the same");
    let after = promotions_now(&t.db, now()).await;
    assert_eq!(
        without_ids(&after),
        [
            summary("COF-FRO", 3360, Some(20), Some(4200), "01/12/2026", Some("24/12/2026"), PromotionState::Planned),
            summary("COF-SAB", 1200, None, Some(1500), "20/12/2026", Some("31/12/2026"), PromotionState::Planned),
            summary("COF-TER", 1990, None, Some(2400), "05/12/2026 08:00", None, PromotionState::Planned),
            summary("NEW-1", 553, Some(15), Some(650), "02/12/2026", Some("06/12/2026 18:00"), PromotionState::Planned),
        ]
    );
    // The instants, exactly: Paris is UTC+1 in December; a date alone as an end is the
    // next midnight.
    let q = PromotionQuery::default();
    let list = promotions::list(&t.db, &q, now()).await.unwrap();
    let instants: Vec<(&str, &str, Option<&str>)> =
        list.iter().map(|p| (p.sku.as_str(), p.starts_at.as_str(), p.ends_at.as_deref())).collect();
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    for (sku, starts, ends) in instants {
        let (s, e) = match sku {
            "COF-FRO" => ("2026-11-30T23:00:00Z", Some("2026-12-24T23:00:00Z")),
            "COF-SAB" => ("2026-12-19T23:00:00Z", Some("2026-12-31T23:00:00Z")),
            "COF-TER" => ("2026-12-05T07:00:00Z", None),
            "NEW-1" => ("2026-12-01T23:00:00Z", Some("2026-12-06T17:00:00Z")),
            other => panic!("{other}"),
        };
        assert_eq!(parse(starts), parse(s), "{sku}");
        assert_eq!(ends.map(parse), e.map(parse), "{sku}");
    }

    // Undo withdraws what the import set, and only that.
    import::undo(&t.db, report.batch_id, now()).await.unwrap();
    assert_eq!(promotions_now(&t.db, now()).await, before);
    assert!(t.db.product_by_sku("NEW-1").await.is_err());
    assert_eq!(t.db.product_by_sku("COF-SAB").await.unwrap().variants[0].stock, 40);
}

#[tokio::test]
async fn the_streamed_import_and_the_cli_path_set_promotions_too() {
    let t = fresh_db().await;
    coffrets(&t.db).await;
    let path = t.dir.path().join("promotions.csv");
    std::fs::write(&path, PROMOTIONS_CSV).unwrap();
    let dry = import::import_file(&t.db, &path, None, PlanOptions::default(), false, now(), &Control::default())
        .await
        .unwrap();
    assert_eq!(dry.result.promotions, counts(3, 0, 0, 4));
    assert_eq!(promotions_now(&t.db, now()).await.len(), 1, "a simulation writes nothing");
    let done = import::import_file(&t.db, &path, None, PlanOptions::default(), true, now(), &Control::default())
        .await
        .unwrap();
    assert_eq!(done.result.promotions, counts(3, 0, 0, 4));
    assert_eq!(done.result.row_warnings.len(), 4);
    assert_eq!(promotions_now(&t.db, now()).await.len(), 4);
    // The same file again: the promotions it set are there already.
    let again = import::import_file(&t.db, &path, None, PlanOptions::default(), true, now(), &Control::default())
        .await
        .unwrap();
    assert_eq!(again.result.promotions, counts(0, 0, 3, 4));
    import::undo(&t.db, again.batch_id.unwrap(), now()).await.unwrap();
    import::undo(&t.db, done.batch_id.unwrap(), now()).await.unwrap();
    assert_eq!(promotions_now(&t.db, now()).await.len(), 1);
}

#[tokio::test]
async fn a_planned_promotion_changes_with_its_row_and_a_running_one_only_its_end() {
    let t = fresh_db().await;
    shop_on_promotion(&t.db).await;
    let at = now() + Duration::hours(1);
    let csv = "Référence;Prix promo;Remise;Début promo;Fin promo\r\n\
CAM-250;;25 %;01/12/2026;24/12/2026\r\n\
CID-75;;10 %;28/11/2026 11:00;01/12/2026\r\n\
POM-70;;20 %;05/12/2026 08:30;\r\n";
    let source = read(csv.as_bytes(), "changes.csv");
    let s = settings(&t.db, &source).await;
    let report = import::apply(&t.db, &source, &s, at, &Control::default()).await.unwrap();
    let r = &report.result;
    // Planned ones take the row's discount (CAM-250 −25 %, POM-70 from 9,90 € to
    // −20 %); the running one only its later end (CID-75).
    assert_eq!(r.promotions, counts(0, 3, 0, 0), "{:?}", r.row_warnings);
    let list = promotions_now(&t.db, at).await;
    let got: Vec<_> =
        without_ids(&list).into_iter().filter(|p| ["CAM-250", "CID-75", "POM-70"].contains(&p.0.as_str())).collect();
    assert_eq!(
        got,
        [
            summary("CAM-250", 371, Some(25), Some(495), "01/12/2026", Some("24/12/2026"), PromotionState::Planned),
            summary(
                "CID-75",
                405,
                Some(10),
                Some(450),
                "28/11/2026 11:00",
                Some("01/12/2026"),
                PromotionState::Running
            ),
            summary("POM-70", 1000, Some(20), Some(1250), "05/12/2026 08:30", None, PromotionState::Planned),
        ]
    );

    // A running promotion's price cannot change: refused, on its row.
    let csv = "Référence;Remise;Début promo;Fin promo\r\nCID-75;30 %;28/11/2026 11:00;01/12/2026\r\n";
    let source = read(csv.as_bytes(), "running.csv");
    let s = settings(&t.db, &source).await;
    let sim = import::simulate(&t.db, &source, &s, at, &Control::default()).await.unwrap();
    assert_eq!(sim.promotions, counts(0, 0, 0, 1));
    let w: Vec<String> = sim.row_warnings.iter().map(import::RowError::describe).collect();
    assert_eq!(w.len(), 1);
    assert!(w[0].starts_with("Ligne 2, colonne B (Remise) « 30 % » : CID-75 : la promotion n° "), "{w:?}");
    assert!(w[0].ends_with(" a commencé, seule sa fin peut changer."), "{w:?}");
}
