use comptoir_core::Error;
use comptoir_core::catalogue::{CategoryInput, ProductFilter, ProductStatus, VariantInput, VariantPatch};
use comptoir_core::vat::VatRate;

use crate::support::{fresh_db, now, product};

fn search(text: &str) -> ProductFilter {
    ProductFilter { search: Some(text.into()), category_id: None, offset: 0, limit: 100 }
}

async fn names(db: &comptoir_core::Db, f: ProductFilter) -> Vec<String> {
    db.list_products(&f).await.unwrap().items.into_iter().map(|p| p.name).collect()
}

#[tokio::test]
async fn migrations_seed_the_default_category_tree() {
    let t = fresh_db().await;
    let cats = t.db.categories().await.unwrap();
    let paths: Vec<&str> = cats.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(cats.len(), 13);
    assert!(paths.contains(&"Alimentation › Crèmerie"));
    assert!(paths.contains(&"Alimentation › Boissons/Cave"));
    assert!(paths.contains(&"Services"));
    // Depth-first: children right after their parent.
    assert_eq!(paths[0], "Alimentation");
    assert_eq!(paths[1], "Alimentation › Crèmerie");
}

#[tokio::test]
async fn the_database_is_a_real_file_in_wal_mode_that_survives_reopening() {
    let t = fresh_db().await;
    t.db.save_product(&product("Pâté en croûte", "PAT-1", 1290), now()).await.unwrap();
    let path = t.db.path().to_path_buf();
    t.db.clone().close().await;
    assert!(path.exists());
    let reopened = comptoir_core::Db::open_in(t.dir.path()).await.unwrap();
    let p = reopened.product_by_sku("pat-1").await.unwrap();
    assert_eq!(p.name, "Pâté en croûte");
    assert_eq!(p.variants[0].price_cents, 1290);
    assert_eq!(reopened.setting("journal").await.unwrap(), None);
}

#[tokio::test]
async fn search_ignores_accents_case_and_matches_prefixes() {
    let t = fresh_db().await;
    for (name, sku) in [
        ("Pâté de campagne", "PAT-1"),
        ("Pont-l'Évêque AOP", "PLE-1"),
        ("Œufs frais", "OEU-1"),
        ("Cidre brut", "CID-1"),
    ] {
        t.db.save_product(&product(name, sku, 500), now()).await.unwrap();
    }
    assert_eq!(names(&t.db, search("pate")).await, vec!["Pâté de campagne"]);
    assert_eq!(names(&t.db, search("PATE")).await, vec!["Pâté de campagne"]);
    assert_eq!(names(&t.db, search("eveque")).await, vec!["Pont-l'Évêque AOP"]);
    assert_eq!(names(&t.db, search("pont l'eveque")).await, vec!["Pont-l'Évêque AOP"]);
    assert_eq!(names(&t.db, search("oeufs")).await, vec!["Œufs frais"]);
    assert_eq!(names(&t.db, search("cid")).await, vec!["Cidre brut"]);
    assert_eq!(names(&t.db, search("cid-1")).await, vec!["Cidre brut"], "SKUs are searchable");
    assert!(names(&t.db, search("camembert")).await.is_empty());
    // FTS syntax typed by a user is taken literally, not as an operator.
    assert!(names(&t.db, search("\"pate OR *")).await.len() <= 1);
}

/// A search's page carries the count of all its matches (counted in the same query as
/// the page): the same total on every page, in name order across pages, and a page past
/// the end still says how many there are.
#[tokio::test]
async fn a_search_counts_every_match_whichever_page_is_asked() {
    let t = fresh_db().await;
    for i in (1..=25).rev() {
        t.db.save_product(&product(&format!("Pâté n° {i}"), &format!("PAT-{i}"), 500 + i), now()).await.unwrap();
    }
    t.db.save_product(&product("Cidre brut", "CID-1", 450), now()).await.unwrap();
    let page = |offset: u32| ProductFilter { search: Some("pate".into()), category_id: None, offset, limit: 10 };
    let mut seen = Vec::new();
    for offset in [0, 10, 20] {
        let p = t.db.list_products(&page(offset)).await.unwrap();
        assert_eq!(p.total, 25, "offset {offset}");
        seen.extend(p.items.into_iter().map(|r| r.name));
    }
    let expected: Vec<String> = (1..=25).map(|i| format!("Pâté n° {i}")).collect();
    assert_eq!(seen, expected, "numeric name order across pages");
    let past = t.db.list_products(&page(40)).await.unwrap();
    assert_eq!((past.total, past.items.len()), (25, 0));
    let none = t.db.list_products(&search("introuvable")).await.unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
    // Without a search, the whole catalogue is counted apart from its page.
    let all =
        t.db.list_products(&ProductFilter { search: None, category_id: None, offset: 0, limit: 5 }).await.unwrap();
    assert_eq!((all.total, all.items.len()), (26, 5));
}

#[tokio::test]
async fn category_filter_includes_sub_categories_and_search_follows_renames() {
    let t = fresh_db().await;
    let cremerie = t.db.find_category("crèmerie").await.unwrap().unwrap();
    let alimentation = t.db.find_category("Alimentation").await.unwrap().unwrap();
    let mut p = product("Livarot", "LIV-1", 690);
    p.category_id = Some(cremerie.id);
    t.db.save_product(&p, now()).await.unwrap();
    t.db.save_product(&product("Bol en grès", "BOL-1", 2500), now()).await.unwrap();

    let by_cat = |id| ProductFilter { search: None, category_id: Some(id), offset: 0, limit: 50 };
    assert_eq!(names(&t.db, by_cat(alimentation.id)).await, vec!["Livarot"]);
    assert_eq!(names(&t.db, by_cat(cremerie.id)).await, vec!["Livarot"]);

    // Category names are part of the search text, and a rename reindexes.
    assert_eq!(names(&t.db, search("cremerie")).await, vec!["Livarot"]);
    t.db.save_category(
        &CategoryInput { id: Some(cremerie.id), name: "Fromages".into(), parent_id: Some(alimentation.id) },
        now(),
    )
    .await
    .unwrap();
    assert_eq!(names(&t.db, search("fromages")).await, vec!["Livarot"]);
    assert!(names(&t.db, search("cremerie")).await.is_empty());
}

#[tokio::test]
async fn sku_and_ean_are_unique_and_the_refusal_names_the_owner() {
    let t = fresh_db().await;
    let mut cam = product("Camembert", "CAM-250", 495);
    cam.variants[0].ean = Some("3760123450010".into());
    t.db.save_product(&cam, now()).await.unwrap();

    let err = t.db.save_product(&product("Autre", "cam-250", 100), now()).await.unwrap_err();
    let Error::Validation(fields) = err else { panic!("expected a validation error") };
    assert_eq!(fields[0].code, "sku_taken");
    assert!(fields[0].message.contains("Camembert"), "{}", fields[0].message);

    let mut other = product("Autre", "AUT-1", 100);
    other.variants[0].ean = Some("3760123450010".into());
    let Error::Validation(fields) = t.db.save_product(&other, now()).await.unwrap_err() else { panic!() };
    assert_eq!(fields[0].code, "ean_taken");
    // Nothing of the refused product was written.
    assert_eq!(t.db.catalogue_stats().await.unwrap().products, 1);
}

#[tokio::test]
async fn invalid_ean_is_refused_with_the_french_message() {
    let t = fresh_db().await;
    let mut p = product("Miel", "MIEL-1", 850);
    p.variants[0].ean = Some("3760123450011".into());
    let Error::Validation(fields) = t.db.save_product(&p, now()).await.unwrap_err() else { panic!() };
    assert_eq!(fields[0].message, "Code EAN invalide (clé de contrôle)");
    assert_eq!(fields[0].field, "variants.0.ean");
}

#[tokio::test]
async fn editing_replaces_variants_and_allows_swapping_skus() {
    let t = fresh_db().await;
    let mut p = product("Livarot", "LIV-A", 690);
    p.variants.push(VariantInput { sku: "LIV-B".into(), price_cents: 1150, ..p.variants[0].clone() });
    let saved = t.db.save_product(&p, now()).await.unwrap();
    let (a, b) = (saved.variants[0].id, saved.variants[1].id);

    let mut edit = comptoir_core::storage::product_to_input(&saved);
    edit.variants[0].sku = "LIV-B".into();
    edit.variants[1].sku = "LIV-A".into();
    let swapped = t.db.save_product(&edit, now()).await.unwrap();
    assert_eq!((swapped.variants[0].id, swapped.variants[0].sku.as_str()), (a, "LIV-B"));
    assert_eq!((swapped.variants[1].id, swapped.variants[1].sku.as_str()), (b, "LIV-A"));

    let mut drop_one = comptoir_core::storage::product_to_input(&swapped);
    drop_one.variants.remove(0);
    let one = t.db.save_product(&drop_one, now()).await.unwrap();
    assert_eq!(one.variants.len(), 1);
    assert_eq!(t.db.catalogue_stats().await.unwrap().variants, 1);
}

#[tokio::test]
async fn patch_by_sku_changes_price_stock_and_vat() {
    let t = fresh_db().await;
    t.db.save_product(&product("Cidre", "CID-75", 450), now()).await.unwrap();
    let patch = VariantPatch {
        price_cents: Some(480),
        stock: Some(12),
        vat: Some(VatRate::Normal),
        status: Some(ProductStatus::Published),
        ..Default::default()
    };
    let p = t.db.patch_variant("cid-75", &patch, now()).await.unwrap();
    assert_eq!(p.variants[0].price_cents, 480);
    assert_eq!(p.variants[0].stock, 12);
    assert_eq!(p.vat, VatRate::Normal);
    assert_eq!(p.status, ProductStatus::Published);
    assert!(matches!(t.db.patch_variant("NOPE", &patch, now()).await, Err(Error::NotFound { .. })));
}

#[tokio::test]
async fn categories_refuse_cycles_duplicates_and_deleting_non_empty() {
    let t = fresh_db().await;
    let alim = t.db.find_category("Alimentation").await.unwrap().unwrap();
    let cremerie = t.db.find_category("Crèmerie").await.unwrap().unwrap();
    let cycle =
        t.db.save_category(
            &CategoryInput { id: Some(alim.id), name: "Alimentation".into(), parent_id: Some(cremerie.id) },
            now(),
        )
        .await;
    assert!(matches!(cycle, Err(Error::Validation(ref f)) if f[0].code == "cycle"));
    let dup =
        t.db.save_category(&CategoryInput { id: None, name: "crèmerie".into(), parent_id: Some(alim.id) }, now()).await;
    assert!(matches!(dup, Err(Error::Validation(ref f)) if f[0].code == "taken"), "case is ignored: {dup:?}");
    let same =
        t.db.save_category(&CategoryInput { id: None, name: "Crèmerie".into(), parent_id: Some(alim.id) }, now()).await;
    assert!(matches!(same, Err(Error::Validation(ref f)) if f[0].code == "taken"), "{same:?}");

    let mut p = product("Livarot", "LIV-1", 690);
    p.category_id = Some(cremerie.id);
    t.db.save_product(&p, now()).await.unwrap();
    assert!(matches!(t.db.delete_category(cremerie.id).await, Err(Error::Conflict(_))));
    assert!(matches!(t.db.delete_category(alim.id).await, Err(Error::Conflict(_))));
    let services = t.db.find_category("Services").await.unwrap().unwrap();
    t.db.delete_category(services.id).await.unwrap();
    assert!(t.db.find_category("Services").await.unwrap().is_none());
}

#[tokio::test]
async fn list_pages_through_a_large_catalogue_in_name_order() {
    let t = fresh_db().await;
    comptoir_core::demo::generate(&t.db, 2_000, now()).await.unwrap();
    let f = |offset| ProductFilter { search: None, category_id: None, offset, limit: 500 };
    let first = t.db.list_products(&f(0)).await.unwrap();
    assert_eq!(first.total, 2_000);
    assert_eq!(first.items.len(), 500);
    let last = t.db.list_products(&f(1_900)).await.unwrap();
    assert_eq!(last.items.len(), 100);
    let keys: Vec<String> = first.items.iter().map(|p| comptoir_core::text::sort_key(&p.name)).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted by name, numbers in numeric order");
    let found = t.db.list_products(&ProductFilter { search: Some("eveque perche".into()), ..f(0) }).await.unwrap();
    assert!(found.total > 0 && found.items.iter().all(|p| p.name.starts_with("Pont-l'Évêque du Perche")));
}

#[tokio::test]
async fn demo_shop_is_plausible_and_refuses_a_filled_catalogue() {
    let t = fresh_db().await;
    let n = comptoir_core::demo::seed(&t.db, now()).await.unwrap();
    assert!(n >= 15);
    let calva = t.db.product_by_sku("CALVA-5-70").await.unwrap();
    assert_eq!(calva.vat, VatRate::Normal, "spirits are at 20 %");
    let cam = t.db.product_by_sku("CAM-250").await.unwrap();
    assert_eq!(cam.vat, VatRate::Reduced);
    assert_eq!(cam.variants[0].unit_price.map(|u| u.cents), Some(1980));
    assert!(matches!(comptoir_core::demo::seed(&t.db, now()).await, Err(Error::Conflict(_))));
}

/// A shop filled without the welcome screen (the CLI, an import, a restored backup, a
/// marketplace connection) has started: the app shows its navigation, not the welcome.
#[tokio::test]
async fn a_shop_has_started_when_it_holds_a_shop_not_only_when_the_welcome_screen_said_so() {
    use comptoir_core::shop::{StartChoice, has_started, start};
    let t = fresh_db().await;
    assert!(!has_started(&t.db).await.unwrap(), "a fresh database, only its default categories");
    t.db.save_product(&product("Camembert", "CAM-1", 520), now()).await.unwrap();
    assert!(has_started(&t.db).await.unwrap(), "products made elsewhere");

    let connected = fresh_db().await;
    connected.db.set_sync_connection("http://127.0.0.1:1", "shop-1", "Fromagerie", "{}").await.unwrap();
    assert!(has_started(&connected.db).await.unwrap(), "a marketplace connection");

    let clean = fresh_db().await;
    assert_eq!(start(&clean.db, StartChoice::Clean, now()).await.unwrap(), 0);
    assert!(has_started(&clean.db).await.unwrap(), "an empty shop chosen on the welcome screen");

    let demo = fresh_db().await;
    assert!(start(&demo.db, StartChoice::Demo, now()).await.unwrap() > 0);
    assert!(has_started(&demo.db).await.unwrap());
}

/// The list sorts names as people read them: case and accents ignored, numbers in
/// numeric order. A shop made before this formula gets its keys rebuilt when it opens.
#[tokio::test]
async fn the_list_sorts_numbers_in_numeric_order_even_in_a_shop_made_before() {
    let t = fresh_db().await;
    for (i, name) in
        ["Bol n° 10", "n° 10806", "bol n° 2", "n° 1086", "Écuelle", "n° 10926", "Bol n° 1"].iter().enumerate()
    {
        t.db.save_product(&product(name, &format!("S-{i}"), 500), now()).await.unwrap();
    }
    let all = || ProductFilter { search: None, category_id: None, offset: 0, limit: 100 };
    let want = ["Bol n° 1", "bol n° 2", "Bol n° 10", "Écuelle", "n° 1086", "n° 10806", "n° 10926"];
    assert_eq!(names(&t.db, all()).await, want);

    // As an older Comptoir stored them (the folded name), then reopened.
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(t.db.path()).connect().await.unwrap();
        for sql in [
            "UPDATE products SET sort_key = lower(name)",
            "DELETE FROM settings WHERE key = 'catalogue.sort_key_version'",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
    let reopened = comptoir_core::Db::open_file(t.db.path()).await.unwrap();
    assert_eq!(names(&reopened, all()).await, want);
}

/// Stored JSON that cannot be read back (a damaged file, a hand edit) is an error that
/// names what is damaged, never an empty default quietly saved back over it.
#[tokio::test]
async fn corrupt_stored_options_are_an_error_naming_the_variant_not_an_empty_default() {
    let t = fresh_db().await;
    let saved = t.db.save_product(&product("Cidre brut", "CID-75", 650), now()).await.unwrap();
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(t.db.path()).connect().await.unwrap();
        // Valid JSON (the table checks that much), not the shape Comptoir writes.
        sqlx::query("UPDATE variants SET options = '{\"Contenance\": 75}' WHERE sku = 'CID-75'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let err = t.db.product(saved.id).await.unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert_eq!(err.code(), comptoir_core::ErrorCode::Database);
    assert!(err.to_string().contains("CID-75"), "{err}");
    let err = t.db.export_rows().await.unwrap_err();
    assert!(err.to_string().contains("CID-75"), "{err}");
}

/// Issue 14: a shop's database as the previous Comptoir left it (schema 0010, made by
/// that version's own migrations) opens in this one with nothing lost: every unit kept,
/// grams and millilitres become net quantities in the unit a label would use, a weight
/// beside a volume kept as an option, prices, stock, EANs and search unchanged.
#[tokio::test]
async fn a_shop_of_the_previous_schema_migrates_forward_with_nothing_lost() {
    use comptoir_core::catalogue::{ProductKind, StockPolicy, Unit, UnitPricePer};
    use sqlx::ConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("comptoir.db");
    let mut conn =
        sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await.unwrap();
    sqlx::migrate!("./migrations").run_to(10, &mut conn).await.unwrap();
    let t = "2026-11-01T10:00:00Z";
    for (id, name, unit) in [
        (1, "Camembert", "piece"),
        (2, "Comté", "kg"),
        (3, "Jambon", "hundred_grams"),
        (4, "Cidre vrac", "litre"),
        (5, "Coffret", "lot"),
        (6, "Œufs", "dozen"),
    ] {
        sqlx::query(
            "INSERT INTO products (id, name, sort_key, description, status, vat_bp, unit, created_at, updated_at)
             VALUES (?, ?, ?, 'ancien', 'published', 550, ?, ?, ?)",
        )
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(unit)
        .bind(t)
        .bind(t)
        .execute(&mut conn)
        .await
        .unwrap();
        // The previous version wrote the search text itself, as this one does.
        sqlx::query("INSERT INTO product_search (rowid, body) VALUES (?, ?)")
            .bind(id)
            .bind(comptoir_core::text::fold(&format!("{name} ancien")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for (product, sku, price, stock, ean, weight, volume) in [
        (1, "CAM-250", 495, 24, Some("3760123450010"), Some(250), None),
        (2, "COMTE", 2450, 5, None, None, None),
        (3, "JAMB", 289, 40, None, None, None),
        (4, "CID-VRAC", 450, 12, None, None, Some(1000)),
        (5, "COF-1", 3900, 3, None, Some(1200), Some(750)),
        (5, "COF-2", 2900, 2, None, Some(1500), None),
        (6, "OEUFS", 390, 30, None, None, Some(333)),
    ] {
        sqlx::query(
            "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, weight_g, volume_ml, created_at, updated_at)
             VALUES (?, ?, '[{\"name\":\"Format\",\"value\":\"Normal\"}]', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(product)
        .bind(sku)
        .bind(price)
        .bind(stock)
        .bind(ean)
        .bind(weight)
        .bind(volume)
        .bind(t)
        .bind(t)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    drop(conn);

    let db = comptoir_core::Db::open_file(&path).await.unwrap();
    let units: Vec<Unit> = {
        let mut v = Vec::new();
        for id in 1..=6 {
            v.push(db.product(id).await.unwrap().unit);
        }
        v
    };
    assert_eq!(units, [Unit::Piece, Unit::Kg, Unit::HundredGrams, Unit::Litre, Unit::Lot, Unit::Dozen]);
    let v = |sku: &'static str| {
        let db = db.clone();
        async move {
            let p = db.product_by_sku(sku).await.unwrap();
            p.variants.into_iter().find(|v| v.sku == sku).unwrap()
        }
    };
    let cam = v("CAM-250").await;
    assert_eq!(cam.net_quantity.as_deref(), Some("250 g"));
    assert_eq!((cam.price_cents, cam.stock, cam.ean.as_deref()), (495, 24, Some("3760123450010")));
    assert_eq!(cam.unit_price.map(|u| (u.cents, u.per)), Some((1980, UnitPricePer::Kg)));
    assert_eq!(v("CID-VRAC").await.net_quantity.as_deref(), Some("1 l"));
    assert_eq!(v("COMTE").await.net_quantity, None);
    assert_eq!(v("OEUFS").await.net_quantity.as_deref(), Some("333 ml"));
    assert_eq!(v("COF-2").await.net_quantity.as_deref(), Some("1500 g"));
    assert_eq!(v("COF-2").await.unit_price.map(|u| u.cents), Some(1933));
    // Both a weight and a volume: the volume is the net quantity, the weight stays, as
    // an option the shop sees.
    let cof = v("COF-1").await;
    assert_eq!(cof.net_quantity.as_deref(), Some("75 cl"));
    let options: Vec<(&str, &str)> = cof.options.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
    assert_eq!(options, [("Format", "Normal"), ("Poids", "1200 g")]);
    // The offer of an existing product is today's behaviour: goods, counted stock.
    let p = db.product(1).await.unwrap();
    assert_eq!(
        (p.offer.kind, p.offer.stock_policy, p.offer.food.clone()),
        (ProductKind::Goods, StockPolicy::Counted, None)
    );
    assert_eq!(p.status, ProductStatus::Published);
    // Search still finds them, and saving through today's editor path works.
    assert_eq!(names(&db, search("comte")).await, ["Comté"]);
    let mut input = comptoir_core::storage::product_to_input(&p);
    input.offer.packaging = Some("boîte".into());
    db.save_product(&input, now()).await.unwrap();
    assert_eq!(db.product(1).await.unwrap().offer.packaging.as_deref(), Some("boîte"));
}

/// Issue 18 (part): the guided start's steps tick from what the shop holds.
#[tokio::test]
async fn the_first_steps_tick_from_what_the_shop_holds() {
    let t = fresh_db().await;
    let s = comptoir_core::shop::first_steps(&t.db).await.unwrap();
    assert_eq!((s.products, s.without_photo, s.market_done, s.published, s.done), (0, 0, false, 0, false));
    assert!(!s.products_done && !s.photos_done && !s.publish_done, "an empty shop has done nothing");
    let mut p = product("Camembert", "CAM", 495);
    p.status = ProductStatus::Published;
    t.db.save_product(&p, now()).await.unwrap();
    t.db.save_product(&product("Livarot", "LIV", 690), now()).await.unwrap();
    let s = comptoir_core::shop::first_steps(&t.db).await.unwrap();
    assert_eq!((s.products, s.without_photo, s.published, s.on_marketplace), (2, 2, 1, 0));
    assert!(s.products_done && !s.photos_done && !s.publish_done, "{s:?}");
    assert!(!s.done, "no photo, not connected, nothing on the marketplace yet");
}

/// What the search index holds of one product: every term at its position. The index is
/// contentless (it keeps no text), so this is how its text is compared.
fn indexed_terms(db: &comptoir_core::Db, product_id: i64) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute_batch("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, product_search, instance)").unwrap();
    let mut st = conn.prepare("SELECT term, offset FROM temp.terms WHERE doc = ? ORDER BY offset").unwrap();
    st.query_map([product_id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[tokio::test]
async fn an_imported_product_and_the_same_product_edited_get_the_same_search_text() {
    use comptoir_core::import::{self, Control, ImportMode, ImportSettings, PlanOptions};

    let t = fresh_db().await;
    // Two variants with their options and EANs, a description, a category the import
    // creates under two the shop has: every part of the search text.
    let csv = "Réf;Nom;Prix;Famille;Sous-famille;Taille;Description;EAN\n\
CRO-1;Crottin de Chavignol;3,20;Crèmerie;Fromages de chèvre;Pièce;Lait cru, affiné 3 semaines;3760123450010\n\
CRO-6;Crottin de Chavignol;18;Crèmerie;Fromages de chèvre;Plateau de 6;Lait cru, affiné 3 semaines;3760123450027\n";
    let source =
        std::sync::Arc::new(import::read_bytes(csv.as_bytes(), "crottins.csv", None, &Control::default()).unwrap());
    let preview = import::preview(&t.db, &source).await.unwrap();
    let settings = ImportSettings {
        mapping: preview.mapping,
        options: PlanOptions { mode: ImportMode::Full, ..PlanOptions::default() },
    };
    import::apply(&t.db, &source, &settings, now(), &Control::default()).await.unwrap();
    let p = t.db.product_by_sku("CRO-6").await.unwrap();
    assert_eq!(p.variants.len(), 2);
    let imported = indexed_terms(&t.db, p.id);
    let terms: Vec<&str> = imported.iter().map(|(term, _)| term.as_str()).collect();
    for term in ["crottin", "affine", "chevre", "cremerie", "alimentation", "cro", "3760123450027", "plateau"] {
        assert!(terms.contains(&term), "{term} not in {terms:?}");
    }

    // The editor saves it (a price changed), which reindexes it from its rows.
    let mut input = comptoir_core::storage::product_to_input(&p);
    input.variants[0].price_cents += 10;
    t.db.save_product(&input, now()).await.unwrap();
    assert_eq!(indexed_terms(&t.db, p.id), imported);
    assert_eq!(names(&t.db, search("chevre plateau")).await, ["Crottin de Chavignol"]);
}
