//! Stored values that cannot be read back (a damaged file, a hand edit) are an error
//! whose French message names the table, the row and the column, never a silent
//! default: a photo's crop, its quality flags, a remembered column mapping, a stored
//! instant, a photo's format, the kind of an outbox entry, a product's values an import
//! plans over (issue 19).

use std::sync::Arc;

use comptoir_core::import::{self, Control, ImportMode, ImportSettings, PlanOptions};
use comptoir_core::orders::OrderFilter;
use comptoir_core::photos::{Format, NewPhoto};
use comptoir_core::storage::sync::Entity;
use comptoir_core::{Error, ErrorCode};
use comptoir_protocol::orders::{Customer, OrderStatus};

use crate::support::{TestDb, camembert_order, fresh_db, now, product};

/// The message of a `Corrupt` error, as the user reads it.
fn corrupt(err: Error) -> String {
    assert_eq!(err.code(), ErrorCode::Database, "{err:?}");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    err.to_string()
}

/// Runs `sql` on the shop's file straight, beside the open pool (WAL). The tables' CHECK
/// constraints are switched off on this connection: a damaged file or a hand edit does
/// not go through them either.
fn damage(t: &TestDb, sql: &str) {
    let conn = rusqlite::Connection::open(t.db.path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    let changed = conn.execute(sql, []).unwrap();
    assert!(changed > 0, "nothing damaged by {sql}");
}

fn jpeg(sha: &str) -> NewPhoto {
    NewPhoto {
        sha256: sha.repeat(32),
        original_name: "camembert.jpg".into(),
        format: Format::Jpeg,
        width: 1600,
        height: 1200,
        byte_size: 180_000,
        quality_flags: vec![],
        sharpness: 120.0,
        preset_fp: "fp".into(),
    }
}

#[tokio::test]
async fn corrupt_stored_json_is_an_error_naming_its_table_row_and_column() {
    let t = fresh_db().await;
    let cam = t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    let photo = jpeg("ab");
    t.db.upsert_photo(&photo, now()).await.unwrap();
    let shown = t.db.attach_photo(cam.id, &photo.sha256, now()).await.unwrap();
    {
        // Straight into the SQLite file, beside the open pool (WAL). Valid JSON, which
        // the tables check, but not the shape Comptoir writes.
        let conn = rusqlite::Connection::open(t.db.path()).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        conn.execute("UPDATE product_photos SET crop = '\"carré\"' WHERE id = ?1", [shown.id]).unwrap();
        conn.execute("UPDATE photos SET quality_flags = '{\"floue\": true}' WHERE sha256 = ?1", [&photo.sha256])
            .unwrap();
        conn.execute(
            "INSERT INTO import_mappings (layout_hash, mapping, updated_at) VALUES ('f00d', '[1, 2]', '2026-11-28T10:00:00Z')",
            [],
        )
        .unwrap();
    }

    let crop = corrupt(t.db.product_photo_row(shown.id).await.unwrap_err());
    assert!(crop.starts_with("Donnée enregistrée illisible : "), "{crop}");
    let at = format!("colonne « crop » de la table « product_photos », ligne {}", shown.id);
    assert!(crop.contains(&at), "{crop}");
    // Every read of the product's photos says so, not only the one by id.
    let all = corrupt(t.db.product_photo_rows(cam.id).await.unwrap_err());
    assert!(all.contains(&at), "{all}");

    let flags = corrupt(t.db.photo(&photo.sha256).await.unwrap_err());
    let at = format!("colonne « quality_flags » de la table « photos », ligne {}", photo.sha256);
    assert!(flags.contains(&at), "{flags}");
    let library = corrupt(t.db.photos().await.unwrap_err());
    assert!(library.contains(&at), "{library}");

    // A remembered mapping was silently forgotten before: now the import says why.
    let mapping = corrupt(t.db.import_mapping("f00d").await.unwrap_err());
    assert!(mapping.contains("colonne « mapping » de la table « import_mappings », ligne f00d"), "{mapping}");
    // A layout never remembered is no error.
    assert_eq!(t.db.import_mapping("beef").await.unwrap(), None);
}

#[tokio::test]
async fn a_damaged_order_instant_is_an_error_not_the_epoch() {
    let t = fresh_db().await;
    let customer = Customer { name: "Madeleine Quatrebarbes".into(), email: None, phone: None };
    t.db.store_order(&camembert_order("ord_1", customer, OrderStatus::PendingAcceptance, "CAM-250", 1), now())
        .await
        .unwrap();
    let id = t.db.order("ord_1").await.unwrap().id;
    damage(&t, "UPDATE orders SET accept_before = 'demain midi' WHERE server_id = 'ord_1'");

    let at = format!("colonne « accept_before » de la table « orders », ligne {id} (« demain midi »");
    let one = corrupt(t.db.order("1001").await.unwrap_err());
    assert!(one.starts_with("Donnée enregistrée illisible : "), "{one}");
    assert!(one.contains(&at), "{one}");
    let list = corrupt(t.db.orders(&OrderFilter::default()).await.unwrap_err());
    assert!(list.contains(&at), "{list}");
    // The notification of a damaged order is not claimed either (nor marked shown).
    let claim = corrupt(t.db.claim_unnotified_orders(now()).await.unwrap_err());
    assert!(claim.contains(&at), "{claim}");

    t.db.set_orders_reconciled_until(now()).await.unwrap();
    damage(&t, "UPDATE order_feed SET reconciled_until = '2026-13-45' WHERE id = 1");
    let feed = corrupt(t.db.orders_reconciled_until().await.unwrap_err());
    assert!(feed.contains("colonne « reconciled_until » de la table « order_feed », ligne 1"), "{feed}");
}

#[tokio::test]
async fn a_damaged_sync_instant_is_an_error_not_never() {
    let t = fresh_db().await;
    t.db.record_sync_failure(now(), true, false, "Serveur injoignable", now()).await.unwrap();
    assert_eq!(t.db.sync_state().await.unwrap().retry_at, Some(now()));
    damage(&t, "UPDATE sync_state SET retry_at = 'bientôt' WHERE id = 1");
    let state = corrupt(t.db.sync_state().await.unwrap_err());
    assert!(state.contains("colonne « retry_at » de la table « sync_state », ligne 1 (« bientôt »"), "{state}");
}

#[tokio::test]
async fn an_unknown_photo_format_is_an_error_not_jpeg() {
    let t = fresh_db().await;
    let cam = t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    let photo = jpeg("cd");
    t.db.upsert_photo(&photo, now()).await.unwrap();
    t.db.attach_photo(cam.id, &photo.sha256, now()).await.unwrap();
    damage(&t, &format!("UPDATE photos SET format = 'heic' WHERE sha256 = '{}'", photo.sha256));

    let at = format!("colonne « format » de la table « photos », ligne {} (format inconnu « heic »)", photo.sha256);
    let one = corrupt(t.db.photo(&photo.sha256).await.unwrap_err());
    assert!(one.contains(&at), "{one}");
    // What the sync renders and sends of it says so too.
    let sync = corrupt(t.db.sync_product_photos(None).await.unwrap_err());
    assert!(sync.contains(&at), "{sync}");
}

#[tokio::test]
async fn an_unknown_outbox_entity_is_an_error_not_skipped() {
    let t = fresh_db().await;
    t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    let entry = t.db.outbox_unbatched().await.unwrap().remove(0);
    damage(&t, &format!("UPDATE sync_outbox SET entity = 'variante' WHERE id = {}", entry.id));
    let outbox = corrupt(t.db.outbox_unbatched().await.unwrap_err());
    let at = format!("colonne « entity » de la table « sync_outbox », ligne {} (type inconnu « variante »)", entry.id);
    assert!(outbox.contains(&at), "{outbox}");
    // A sync pass reads the outbox a page of one kind at a time: the damaged row is no
    // kind, and is still named, whichever kind is asked for.
    for kind in Entity::ALL {
        let page = corrupt(t.db.outbox_unbatched_page(kind, 0, 1000).await.unwrap_err());
        assert!(page.contains(&at), "{page}");
    }

    damage(&t, &format!("INSERT INTO sync_objects (entity, uid, version) VALUES ('variante', '{}', 3)", entry.uid));
    let known = corrupt(t.db.known_objects().await.unwrap_err());
    let at =
        format!("colonne « entity » de la table « sync_objects », ligne {} (type inconnu « variante »)", entry.uid);
    assert!(known.contains(&at), "{known}");
}

/// Every stored value of product `id` and its variants, how many products, the outbox and
/// the import history, read straight from the file: what an import that failed leaves.
fn stored_state(t: &TestDb, id: i64) -> Vec<String> {
    let conn = rusqlite::Connection::open(t.db.path()).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT * FROM products WHERE id = ?1",
        "SELECT * FROM variants WHERE product_id = ?1 ORDER BY id",
        "SELECT count(*), ?1 FROM products",
        "SELECT count(*), ?1 FROM sync_outbox",
        "SELECT count(*), ?1 FROM import_batches",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([id], |r| {
                (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        out.extend(rows.map(|r| format!("{:?}", r.unwrap())));
    }
    out
}

#[tokio::test]
async fn an_import_over_a_damaged_product_fails_naming_the_cell_and_writes_nothing() {
    let t = fresh_db().await;
    let cam = t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    let variant = cam.variants[0].id;
    // A new product first, planned and sent to the import's transaction before the update:
    // it goes with the rest when the import fails.
    let csv = "Réf;Désignation;Prix TTC;Qté\nPLE-200;Pont-l'Évêque fermier;6,50;3\n\
CAM-250;Camembert fermier au lait cru;5,90;12\n";
    let source = Arc::new(import::read_bytes(csv.as_bytes(), "stock.csv", None, &Control::default()).unwrap());
    let mapping = import::preview(&t.db, &source).await.unwrap().mapping;
    let settings =
        ImportSettings { mapping, options: PlanOptions { mode: ImportMode::Full, ..PlanOptions::default() } };
    let import = async || {
        let sim = import::simulate(&t.db, &source, &settings, now(), &Control::default()).await;
        let err = import::apply(&t.db, &source, &settings, now(), &Control::default()).await.unwrap_err();
        (corrupt(sim.unwrap_err()), corrupt(err))
    };

    // Valid JSON, which the table checks, but not a list of options: read before as no
    // options, and written back so.
    damage(&t, &format!("UPDATE variants SET options = '{{\"Taille\": \"M\"}}' WHERE id = {variant}"));
    let before = stored_state(&t, cam.id);
    let (sim, apply) = import().await;
    let at = format!("colonne « options » de la table « variants », ligne {variant} (");
    assert!(sim.starts_with("Donnée enregistrée illisible : "), "{sim}");
    assert!(sim.contains(&at), "{sim}");
    assert!(apply.contains(&at), "{apply}");
    assert_eq!(stored_state(&t, cam.id), before, "an import that failed wrote nothing");

    // A stock policy this version does not know: read before as « counted ».
    damage(&t, &format!("UPDATE variants SET options = '[]' WHERE id = {variant}"));
    damage(&t, &format!("UPDATE products SET stock_policy = 'à la demande' WHERE id = {}", cam.id));
    let before = stored_state(&t, cam.id);
    let (sim, apply) = import().await;
    let at = format!("colonne « stock_policy » de la table « products », ligne {} (", cam.id);
    assert!(sim.contains(&at) && sim.contains("« à la demande »"), "{sim}");
    assert!(apply.contains(&at), "{apply}");
    assert_eq!(stored_state(&t, cam.id), before, "an import that failed wrote nothing");

    // A VAT rate that is none of France's: read before as 20 %.
    damage(&t, &format!("UPDATE products SET stock_policy = 'counted', vat_bp = 1960 WHERE id = {}", cam.id));
    let before = stored_state(&t, cam.id);
    let (_, apply) = import().await;
    assert!(apply.contains(&format!("colonne « vat_bp » de la table « products », ligne {} (", cam.id)), "{apply}");
    assert_eq!(stored_state(&t, cam.id), before, "an import that failed wrote nothing");

    // Repaired, the same file imports.
    damage(&t, &format!("UPDATE products SET vat_bp = 550 WHERE id = {}", cam.id));
    import::apply(&t.db, &source, &settings, now(), &Control::default()).await.unwrap();
    let cam = t.db.product_by_sku("CAM-250").await.unwrap();
    assert_eq!((cam.name.as_str(), cam.variants[0].price_cents), ("Camembert fermier au lait cru", 590));
    assert_eq!(t.db.product_by_sku("PLE-200").await.unwrap().variants[0].price_cents, 650);
}
