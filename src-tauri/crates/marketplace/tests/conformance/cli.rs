use std::sync::Arc;

use assert_cmd::Command;
use comptoir_marketplace::{AppState, Config, Db, Hooks, SystemClock};
use comptoir_protocol::client::Client;

#[tokio::test]
async fn shop_create_json_gives_a_working_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.sqlite3");
    let out = Command::cargo_bin("comptoir-marketplace")
        .unwrap()
        .args(["--db", db.to_str().unwrap(), "shop", "create", "Fromagerie du Perche", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 3);
    let (shop_id, token) = (v["shop_id"].as_str().unwrap(), v["token"].as_str().unwrap());
    assert!(v["pairing_code"].as_str().unwrap().len() >= 8);

    let out = Command::cargo_bin("comptoir-marketplace")
        .unwrap()
        .args(["--db", db.to_str().unwrap(), "shop", "pair", shop_id, "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let code: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(code["pairing_code"].is_string() && code["expires_at"].is_string());

    // The same database served over HTTP accepts the printed token.
    let st = AppState::new(Db::open(&db).await.unwrap(), Arc::new(SystemClock), Config::default(), Hooks::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let me = Client::new(&url, token).me().await.unwrap();
    assert_eq!((me.shop.id.as_str(), me.shop.name.as_str()), (shop_id, "Fromagerie du Perche"));
    task.abort();
}

#[test]
fn unknown_shop_pairing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.sqlite3");
    Command::cargo_bin("comptoir-marketplace")
        .unwrap()
        .args(["--db", db.to_str().unwrap(), "shop", "pair", "shop_nope"])
        .assert()
        .failure();
}
