//! Stored JSON that cannot be read back (a damaged file, a hand edit) is an error whose
//! French message names the table, the row and the column, never a silent default: a
//! photo's crop, its quality flags, a remembered column mapping (issue 19).

use comptoir_core::photos::{Format, NewPhoto};
use comptoir_core::{Error, ErrorCode};

use crate::support::{fresh_db, now, product};

/// The message of a `Corrupt` error, as the user reads it.
fn corrupt(err: Error) -> String {
    assert_eq!(err.code(), ErrorCode::Database, "{err:?}");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    err.to_string()
}

#[tokio::test]
async fn corrupt_stored_json_is_an_error_naming_its_table_row_and_column() {
    let t = fresh_db().await;
    let cam = t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    let photo = NewPhoto {
        sha256: "ab".repeat(32),
        original_name: "camembert.jpg".into(),
        format: Format::Jpeg,
        width: 1600,
        height: 1200,
        byte_size: 180_000,
        quality_flags: vec![],
        sharpness: 120.0,
        preset_fp: "fp".into(),
    };
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
