//! A pass reads the outbox, and a reconciliation the catalogue, a page at a time
//! (`SyncOptions::page`, issue 17: a first sync of 50,000 products held them all at
//! once). What goes on the wire must not depend on the page: the same batches, in the
//! same order, the same requests, whether a page holds 3 entries or the whole outbox;
//! and a batch lost between two pages is resumed as any other.

use std::collections::HashMap;

use comptoir_core::catalogue::CategoryInput;
use comptoir_core::sync::{Rng, SyncError, SyncOptions, SyncReport};
use comptoir_marketplace::{Config, Hooks};
use serde_json::Value;

use crate::fault_proxy::{Fault, FaultProxy};
use crate::market::{ADMIN_TOKEN, Market};
use crate::support::{now, product};
use crate::sync::{Setup, add_photo, assert_same_catalogue, setup_on, sync_until_done_with, sync_with};

const BATCH: &str = "POST /v1/catalog/batch";

/// A shop behind a [`FaultProxy`] (which records every request) on a server that takes
/// 4 ops per batch, so that a few dozen products make many batches across pages.
async fn small_batches() -> (Setup, FaultProxy) {
    let config =
        Config { admin_token: Some(ADMIN_TOKEN.to_owned()), rate_limit: None, max_batch_ops: 4, ..Config::default() };
    let market_dir = tempfile::tempdir().unwrap();
    let server = Market::start_config(&market_dir.path().join("market.sqlite3"), 0, config, Hooks::default());
    let proxy = FaultProxy::start(server.port).await;
    let url = proxy.url.clone();
    (setup_on(market_dir, server, &url).await, proxy)
}

fn paged(page: usize) -> SyncOptions {
    SyncOptions { page, ..SyncOptions::default() }
}

/// The ops of the batches sent, batch by batch, with each uid (random per shop)
/// replaced by its rank of first appearance, so that two shops built alike compare.
fn batches(bodies: &[String], uids: &mut HashMap<String, usize>) -> Vec<Vec<Value>> {
    fn uid(s: &mut Value, uids: &mut HashMap<String, usize>) {
        if let Value::String(u) = s {
            let n = uids.len();
            *u = format!("#{}", uids.entry(u.clone()).or_insert(n));
        }
    }
    fn rename(v: &mut Value, uids: &mut HashMap<String, usize>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    match k.as_str() {
                        "external_id" | "parent_external_id" => uid(v, uids),
                        "category_external_ids" => v.as_array_mut().into_iter().flatten().for_each(|c| uid(c, uids)),
                        _ => rename(v, uids),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| rename(v, uids)),
            _ => {}
        }
    }
    bodies
        .iter()
        .map(|b| {
            let mut v: Value = serde_json::from_str(b).unwrap();
            rename(&mut v, uids);
            v["ops"].as_array().unwrap().clone()
        })
        .collect()
}

/// What a pass sent that must not depend on the page.
fn wire(r: &SyncReport) -> (u32, u64, u32, u32) {
    (r.requests, r.bytes_sent, r.operations, r.photos_uploaded)
}

/// One pass that leaves nothing behind, and the batches it sent. Each pass its own
/// seed: the same one would give the same Idempotency-Keys, answered with the
/// replayed answers of the earlier pass's batches.
async fn pass(s: &Setup, proxy: &FaultProxy, opts: &SyncOptions, seed: u64) -> (SyncReport, Vec<String>) {
    let before = proxy.bodies(BATCH).len();
    let r = sync_with(s, &mut Rng::seeded(seed), opts).await.unwrap();
    assert_eq!(r.pending_after, 0, "{r:?}");
    (r, proxy.bodies(BATCH).split_off(before))
}

/// A sync of new categories (parents first) and products, a sync of edits, deletions
/// (products, then their emptied category) and new products, one of them with its photo
/// already on the server, then a full reconciliation finding nothing to send.
async fn scenario(page: usize) -> (Vec<(u32, u64, u32, u32)>, Vec<Vec<Vec<Value>>>) {
    let (s, proxy) = small_batches().await;
    let opts = paged(page);
    let db = &s.t.db;
    // The first sync sends the categories a new shop starts with, queued by its
    // reconciliation in the order of their uids, which are random: not compared.
    let (first, _) = pass(&s, &proxy, &opts, 4).await;
    let mut reports = vec![wire(&first)];
    let cave =
        db.save_category(&CategoryInput { id: None, name: "Cave".into(), parent_id: None }, now()).await.unwrap();
    let cidres =
        db.save_category(&CategoryInput { id: None, name: "Cidres".into(), parent_id: Some(cave.id) }, now()).await;
    let cidres = cidres.unwrap();
    let mut ids = Vec::new();
    for i in 0..23 {
        let mut p = product(&format!("Cidre {i}"), &format!("CID-{i}"), 300 + i);
        p.description = "x".repeat(40 * i as usize);
        p.category_id = Some(if i % 3 == 0 { cidres.id } else { cave.id });
        ids.push(db.save_product(&p, now()).await.unwrap().id);
    }
    let mut sent = Vec::new();
    let mut uids = HashMap::new();
    let (r, bodies) = pass(&s, &proxy, &opts, 5).await;
    reports.push(wire(&r));
    sent.push(batches(&bodies, &mut uids));

    // A photo goes up on its own (when it lands is the line's business, not compared).
    add_photo(db, s.t.dir.path(), ids[1], 7).await;
    sync_until_done_with(&s, &mut Rng::seeded(6), &opts).await;

    // Edits, one to the product with the photo; the products of « Cidres » deleted, then
    // the category; new products.
    for id in [ids[1], ids[2], ids[5], ids[10], ids[22]] {
        let mut input = comptoir_core::storage::product_to_input(&db.product(id).await.unwrap());
        input.variants[0].price_cents += 1;
        db.save_product(&input, now()).await.unwrap();
    }
    for id in ids.iter().step_by(3) {
        db.delete_product(*id).await.unwrap();
    }
    db.delete_category(cidres.id).await.unwrap();
    for i in 0..4 {
        db.save_product(&product(&format!("Poiré {i}"), &format!("POI-{i}"), 500 + i), now()).await.unwrap();
    }
    let (r, bodies) = pass(&s, &proxy, &opts, 7).await;
    reports.push(wire(&r));
    sent.push(batches(&bodies, &mut uids));

    let (r, bodies) = pass(&s, &proxy, &SyncOptions { reconcile: true, ..opts.clone() }, 8).await;
    assert_eq!((r.operations, bodies.len()), (0, 0), "the reconciliation found nothing to send: {r:?}");
    reports.push(wire(&r));
    assert_same_catalogue(&s).await;
    (reports, sent)
}

#[tokio::test]
async fn the_batches_sent_do_not_depend_on_the_page() {
    let (reports, sent) = scenario(3).await;
    let ops = |n: usize| sent[n].iter().map(Vec::len).sum::<usize>();
    // 2 categories and 23 products, 4 ops per batch.
    assert_eq!(sent[0].iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 4, 4, 4, 4, 1]);
    // 5 edits, 8 products and their category deleted, 4 new products.
    assert_eq!(ops(1), 5 + 8 + 1 + 4);
    let kinds: Vec<(&str, &str)> =
        sent[1].iter().flatten().map(|op| (op["op"].as_str().unwrap(), op["type"].as_str().unwrap())).collect();
    assert!(kinds.ends_with(&[("delete", "product"), ("delete", "category")]), "{kinds:?}");
    assert!(sent[1].iter().flatten().any(|op| op["data"]["images"].as_array().is_some_and(|i| i.len() == 1)));
    let (whole_reports, whole_sent) = scenario(SyncOptions::default().page).await;
    assert_eq!(sent, whole_sent, "the same batches, in the same order");
    assert_eq!(reports, whole_reports, "the same requests and bytes");
}

#[tokio::test]
async fn a_batch_lost_between_pages_is_resumed() {
    let (s, proxy) = small_batches().await;
    let opts = SyncOptions { idle_timeout: std::time::Duration::from_secs(2), ..paged(3) };
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            s.t.db.save_product(&product(&format!("Beurre {i}"), &format!("BEU-{i}"), 400), now()).await.unwrap().id,
        );
    }
    // The server commits the 7th batch (products, some pages in), its answer is lost.
    proxy.arm_after(BATCH, Fault::SwallowResponse, 6, 1);
    let err = sync_with(&s, &mut Rng::seeded(8), &opts).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err}");
    assert_eq!(proxy.applied(), 1);
    let lost = proxy.bodies(BATCH)[6].clone();
    assert!(lost.contains("\"product\""), "{lost}");
    assert!(s.t.db.open_batch().await.unwrap().is_some(), "the batch stays frozen for the retry");
    // An edit meanwhile, of a product not sent yet.
    let mut input = comptoir_core::storage::product_to_input(&s.t.db.product(ids[19]).await.unwrap());
    input.variants[0].price_cents = 555;
    s.t.db.save_product(&input, now()).await.unwrap();
    let before = proxy.bodies(BATCH).len();
    sync_until_done_with(&s, &mut Rng::seeded(9), &opts).await;
    // The same batch again first, with its key: its answer replayed, nothing doubled.
    assert_eq!(proxy.bodies(BATCH)[before], lost);
    assert_same_catalogue(&s).await;
}
