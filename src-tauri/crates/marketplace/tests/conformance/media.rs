use std::collections::BTreeMap;

use comptoir_marketplace::Config;
use comptoir_protocol::auth::Scope;
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp, ObjectType, OpStatus, ProductData};
use comptoir_protocol::client::Client;
use comptoir_protocol::hash::sha256_hex;
use comptoir_protocol::media::UploadStatus;
use reqwest::Method;
use tokio::io::AsyncWriteExt;

use crate::support::*;

fn png(extra: &[u8]) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(extra);
    b
}

#[tokio::test]
async fn upload_is_content_addressed_and_never_repeated() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let bytes = png(b"camembert");
    let sha = sha256_hex(&bytes);
    assert_eq!(client.media_check(std::slice::from_ref(&sha)).await.unwrap(), std::slice::from_ref(&sha));
    let (obj, created) = client.media_put(&sha, "image/png", bytes.clone()).await.unwrap();
    assert!(created);
    assert_eq!((obj.size, obj.content_type.as_str()), (bytes.len() as u64, "image/png"));
    let (_, created) = client.media_put(&sha, "image/png", bytes).await.unwrap();
    assert!(!created, "second upload is 200, not 201");
    assert!(client.media_check(std::slice::from_ref(&sha)).await.unwrap().is_empty());

    // Now a product may reference it.
    let mut p = product(&[("CAM-250", 1)]);
    p.images = vec![sha];
    put_product(&client, "p-1", 0, &p).await;
}

#[tokio::test]
async fn hash_mismatch_is_422_and_stores_nothing() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let claimed = sha256_hex(&png(b"one"));
    let err = client.media_put(&claimed, "image/png", png(b"two")).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.code(), Some("media_hash_mismatch"));
    assert_eq!(client.media_check(std::slice::from_ref(&claimed)).await.unwrap(), [claimed]);
}

#[tokio::test]
async fn unknown_or_lying_media_types_are_refused() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let text = b"hello".to_vec();
    let err = client.media_put(&sha256_hex(&text), "text/plain", text).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(415), Some("unsupported_media_type")));
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    let err = client.media_put(&sha256_hex(&jpeg), "image/png", jpeg).await.unwrap_err();
    assert_eq!(err.status(), Some(415));
    let err = client.media_check(&["XYZ".to_owned()]).await.unwrap_err();
    assert_eq!(err.problem().unwrap().errors[0].pointer, "/sha256/0");
}

#[tokio::test]
async fn photos_over_the_limit_are_413() {
    let config = Config { max_media_bytes: 1024, ..Config::default() };
    let srv = start_with(config, Default::default()).await;
    let (_, client) = srv.shop("Fromagerie").await;
    let big = png(&[7u8; 2048]);
    let err = client.media_put(&sha256_hex(&big), "image/png", big).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(413), Some("payload_too_large")));
    let small = png(&[7u8; 512]);
    client.media_put(&sha256_hex(&small), "image/png", small).await.unwrap();
}

// ---- Resumable uploads, reading photos back, releasing unreferenced photos -----

/// A PNG-looking photo of `n` bytes after the signature, different for each `seed`.
fn photo(n: usize, seed: u8) -> Vec<u8> {
    png(&(0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect::<Vec<_>>())
}

fn upload_headers(offset: u64, length: u64) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/offset+octet-stream".to_owned()),
        ("upload-offset", offset.to_string()),
        ("upload-length", length.to_string()),
        ("upload-media-type", "image/png".to_owned()),
    ]
}

fn upload_patch_with(srv: &Server, token: &str, sha: &str, headers: &[(&str, String)]) -> reqwest::RequestBuilder {
    let mut rb = srv.raw(Method::PATCH, &format!("/v1/media/{sha}/upload")).bearer_auth(token);
    for (k, v) in headers {
        rb = rb.header(*k, v);
    }
    rb
}

fn upload_patch(srv: &Server, token: &str, sha: &str, offset: u64, length: u64) -> reqwest::RequestBuilder {
    upload_patch_with(srv, token, sha, &upload_headers(offset, length))
}

/// Every photo of the shop, sha256 → referenced.
async fn held(client: &Client) -> BTreeMap<String, bool> {
    let mut all = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = client.media_list(cursor.as_deref(), Some(2)).await.unwrap();
        all.extend(page.items.into_iter().map(|m| (m.sha256, m.referenced)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return all,
        }
    }
}

async fn put_photo(client: &Client, bytes: &[u8]) -> String {
    let sha = sha256_hex(bytes);
    client.media_put(&sha, "image/png", bytes.to_vec()).await.unwrap();
    sha
}

fn with_images(sku: &str, images: &[&String]) -> ProductData {
    let mut p = product(&[(sku, 1)]);
    p.images = images.iter().map(|s| (*s).clone()).collect();
    p
}

async fn delete_product(client: &Client, ext: &str, base: i64) {
    let req = CatalogBatchRequest { ops: vec![CatalogOp::delete(ObjectType::Product, ext, base)] };
    let r = client.catalog_batch(&key(), &req).await.unwrap().value;
    assert_eq!(r.results[0].status, OpStatus::Ok, "{:?}", r.results[0]);
}

async fn sweep(srv: &Server) -> (u64, u64) {
    let r = srv.admin.media_sweep().await.unwrap();
    (r.deleted, r.partial_uploads_deleted)
}

#[tokio::test]
async fn resumable_upload_in_three_pieces_is_stored_byte_for_byte() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let bytes = photo(200_000, 1);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);
    assert_eq!(client.media_upload_status(&sha).await.unwrap(), None);

    let cuts = [0, 70_001, 150_000, bytes.len()];
    for w in cuts.windows(2) {
        let s = client.media_upload(&sha, "image/png", len, w[0] as u64, bytes[w[0]..w[1]].to_vec()).await.unwrap();
        let last = w[1] == bytes.len();
        assert_eq!((s.offset, s.length, s.complete), (w[1] as u64, len, last), "{s:?}");
        assert_eq!(s.content_type, "image/png");
        assert_eq!(client.media_upload_status(&sha).await.unwrap(), Some(s));
        let missing = client.media_check(std::slice::from_ref(&sha)).await.unwrap();
        assert_eq!(missing.is_empty(), last, "a partial upload is not a photo yet");
    }
    let (content_type, back) = client.media_get(&sha).await.unwrap();
    assert_eq!(content_type, "image/png");
    assert!(back == bytes, "the stored bytes are the uploaded ones");

    // The whole-photo PUT still answers as before: already there.
    let (obj, created) = client.media_put(&sha, "image/png", bytes).await.unwrap();
    assert_eq!((obj.size, created), (len, false));
}

#[tokio::test]
async fn a_wrong_offset_is_409_with_the_servers_offset() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let bytes = photo(5_000, 2);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);

    // Nothing held: only offset 0 starts an upload.
    let resp = upload_patch(&srv, &shop.token, &sha, 10, len).body(bytes[10..20].to_vec()).send().await.unwrap();
    assert_eq!(resp.headers()["upload-offset"], "0");
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("upload_offset_mismatch")));

    let s = client.media_upload(&sha, "image/png", len, 0, bytes[..1000].to_vec()).await.unwrap();
    assert_eq!((s.offset, s.complete), (1000, false));
    let resp = upload_patch(&srv, &shop.token, &sha, 500, len).body(bytes[500..].to_vec()).send().await.unwrap();
    assert_eq!(resp.headers()["upload-offset"], "1000");
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p["code"].as_str()), (409, Some("upload_offset_mismatch")));
    assert!(p["detail"].as_str().unwrap().contains("1000"), "{p}");

    // The client hands the server's offset back rather than an error, and nothing moved.
    let s = client.media_upload(&sha, "image/png", len, 0, bytes.clone()).await.unwrap();
    assert_eq!((s.offset, s.length, s.complete), (1000, len, false));
    // Another length (or type) than the upload was started with is not the same upload.
    let err = client.media_upload(&sha, "image/png", len + 1, 1000, bytes[1000..].to_vec()).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("upload_length_mismatch")));
    let err = client.media_upload(&sha, "image/jpeg", len, 1000, bytes[1000..].to_vec()).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("upload_length_mismatch")));

    let resp = upload_patch(&srv, &shop.token, &sha, 1000, len).body(bytes[1000..].to_vec()).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.headers()["upload-offset"].to_str().unwrap()), (201, "5008"));
    assert_eq!(client.media_get(&sha).await.unwrap().1, bytes);
}

/// Send a `PATCH` of the whole photo from 0 by hand, but only its first `sent` bytes.
async fn patch_by_hand(srv: &Server, token: &str, sha: &str, bytes: &[u8], sent: usize) -> tokio::net::TcpStream {
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let len = bytes.len();
    let head = format!(
        "PATCH /v1/media/{sha}/upload HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nUpload-Length: {len}\r\n\
         Upload-Media-Type: image/png\r\nContent-Length: {len}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&bytes[..sent]).await.unwrap();
    tcp.flush().await.unwrap();
    tcp
}

/// The offset the server reports, once it reaches `until` or after 10 s.
async fn server_offset(client: &Client, sha: &str, until: u64) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let offset = client.media_upload_status(sha).await.unwrap().map_or(0, |s| s.offset);
        if offset == until || std::time::Instant::now() > deadline {
            return offset;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_connection_cut_mid_body_keeps_the_bytes_that_arrived() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let bytes = photo(400_000, 3);
    let (sha, len) = (sha256_hex(&bytes), bytes.len());
    let sent = len / 2;

    // By hand: a head announcing the whole photo, half of it, then the line drops.
    let mut tcp = patch_by_hand(&srv, &shop.token, &sha, &bytes, sent).await;
    tcp.shutdown().await.unwrap();
    drop(tcp);

    // The server writes what it holds when it sees the cut; wait for that (no timing
    // asserted: at least one 64 KiB piece was written while the body streamed).
    let offset = server_offset(&client, &sha, sent as u64).await;
    assert!(offset > 0 && offset <= sent as u64, "held {offset} of the {sent} bytes sent");
    assert!(!client.media_upload_status(&sha).await.unwrap().unwrap().complete);
    // The batch check tells the same offset, so a client resumes without asking each photo.
    let other = sha256_hex(b"never sent");
    let check = client.media_check_detailed(&[sha.clone(), other.clone()]).await.unwrap();
    assert_eq!(check.missing, vec![sha.clone(), other]);
    assert_eq!(check.partial.into_iter().collect::<Vec<_>>(), vec![(sha.clone(), offset)]);

    let s =
        client.media_upload(&sha, "image/png", len as u64, offset, bytes[offset as usize..].to_vec()).await.unwrap();
    assert!(s.complete && s.offset == len as u64, "{s:?}");
    let (_, back) = client.media_get(&sha).await.unwrap();
    assert_eq!(sha256_hex(&back), sha);
    let check = client.media_check_detailed(std::slice::from_ref(&sha)).await.unwrap();
    assert!(check.missing.is_empty() && check.partial.is_empty(), "{check:?}");
}

#[tokio::test]
async fn a_connection_gone_silent_keeps_the_bytes_that_arrived() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let bytes = photo(200_000, 17);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);
    // Not a multiple of the 64 KiB pieces: the rest waits in memory until the line
    // has been quiet for a moment, then is written although the connection stays open
    // (half-open: the peer vanished without a word).
    let sent = 100_000;
    let tcp = patch_by_hand(&srv, &shop.token, &sha, &bytes, sent).await;
    assert_eq!(server_offset(&client, &sha, sent as u64).await, sent as u64);

    // The client, on a new connection, resumes from there.
    let s = client.media_upload(&sha, "image/png", len, sent as u64, bytes[sent..].to_vec()).await.unwrap();
    assert!(s.complete, "{s:?}");
    assert!(client.media_get(&sha).await.unwrap().1 == bytes);
    drop(tcp);
}

#[tokio::test]
async fn a_hash_mismatch_at_completion_is_422_and_discards_the_partial() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let bytes = photo(3_000, 4);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);
    client.media_upload(&sha, "image/png", len, 0, bytes[..1500].to_vec()).await.unwrap();
    let mut tail = bytes[1500..].to_vec();
    tail[700] ^= 1;
    let err = client.media_upload(&sha, "image/png", len, 1500, tail).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("media_hash_mismatch")));
    assert_eq!(client.media_upload_status(&sha).await.unwrap(), None, "the partial upload is gone");
    assert_eq!(client.media_check(std::slice::from_ref(&sha)).await.unwrap(), std::slice::from_ref(&sha));

    // Bytes that hash right but are not the declared type: 415, discarded too.
    let text = b"not a photo at all".to_vec();
    let text_sha = sha256_hex(&text);
    let err = client.media_upload(&text_sha, "image/png", text.len() as u64, 0, text).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(415), Some("unsupported_media_type")));
    assert_eq!(client.media_upload_status(&text_sha).await.unwrap(), None);

    // Starting again from 0 works.
    let s = client.media_upload(&sha, "image/png", len, 0, bytes.clone()).await.unwrap();
    assert!(s.complete);
}

#[tokio::test]
async fn a_patch_on_a_stored_photo_is_200_complete() {
    let srv = start().await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let bytes = photo(2_000, 5);
    let sha = put_photo(&client, &bytes).await;
    let len = bytes.len() as u64;
    let resp = upload_patch(&srv, &shop.token, &sha, 0, len).body(bytes.clone()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let s: UploadStatus = resp.json().await.unwrap();
    assert_eq!((s.offset, s.length, s.complete), (len, len, true));
    // Whatever the offset and body: the photo is there.
    let s = client.media_upload(&sha, "image/png", len, 17, b"ignored".to_vec()).await.unwrap();
    assert_eq!((s.offset, s.complete), (len, true));
    assert_eq!(client.media_upload_status(&sha).await.unwrap().unwrap(), s);
}

#[tokio::test]
async fn upload_requests_are_checked_before_any_byte_is_kept() {
    let config = Config { max_media_bytes: 4096, ..Config::default() };
    let srv = start_with(config, Default::default()).await;
    let (shop, client) = srv.shop("Fromagerie").await;
    let bytes = photo(1_000, 6);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);
    let t = &shop.token;
    let code = |r: reqwest::Response| async move { problem_of(r).await.1["code"].as_str().unwrap().to_owned() };
    let with = |name: &'static str, value: Option<&str>| {
        let mut h = upload_headers(0, len);
        h.retain(|(k, _)| *k != name);
        h.extend(value.map(|v| (name, v.to_owned())));
        h
    };

    let r = upload_patch(&srv, t, &sha, 0, 5000).body(bytes.clone()).send().await.unwrap();
    assert_eq!((r.status().as_u16(), code(r).await.as_str()), (413, "payload_too_large"));
    for (name, value, status, expected) in [
        ("upload-media-type", Some("image/gif"), 415, "unsupported_media_type"),
        ("content-type", Some("image/png"), 415, "unsupported_media_type"),
        ("content-type", None, 415, "unsupported_media_type"),
        ("upload-offset", None, 400, "malformed_request"),
        ("upload-offset", Some("-1"), 400, "malformed_request"),
        ("upload-length", None, 400, "malformed_request"),
        ("upload-length", Some("0"), 400, "malformed_request"),
        ("upload-media-type", None, 400, "malformed_request"),
    ] {
        let r = upload_patch_with(&srv, t, &sha, &with(name, value)).body(bytes.clone()).send().await.unwrap();
        assert_eq!((r.status().as_u16(), code(r).await.as_str()), (status, expected), "{name}: {value:?}");
    }
    // A body longer than what is left of the photo.
    let mut long = bytes.clone();
    long.push(0);
    let r = upload_patch(&srv, t, &sha, 0, len).body(long).send().await.unwrap();
    assert_eq!((r.status().as_u16(), code(r).await.as_str()), (413, "payload_too_large"));
    assert_eq!(client.media_upload_status(&sha).await.unwrap(), None);
    let r = upload_patch(&srv, t, "ABC", 0, len).body(bytes.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);

    // A token without `catalog:write` may neither upload nor read photos.
    let orders_only = srv.admin.issue_token(&shop.shop_id, &[Scope::OrdersRead]).await.unwrap();
    let other = srv.client(&orders_only.token);
    let err = other.media_upload(&sha, "image/png", len, 0, bytes.clone()).await.unwrap_err();
    assert_eq!(err.code(), Some("insufficient_scope"));
    assert_eq!(other.media_list(None, None).await.unwrap_err().code(), Some("insufficient_scope"));
    assert_eq!(other.media_upload_status(&sha).await.unwrap_err().code(), Some("insufficient_scope"));
}

#[tokio::test]
async fn the_media_list_holds_exactly_the_shops_photos() {
    let srv = start().await;
    let (_, a) = srv.shop("Fromagerie").await;
    let (_, b) = srv.shop("Cave du Perche").await;
    let shared = photo(100, 7);
    let a1 = put_photo(&a, &photo(100, 8)).await;
    let a2 = put_photo(&a, &photo(100, 9)).await;
    let s = sha256_hex(&shared);
    a.media_upload(&s, "image/png", shared.len() as u64, 0, shared.clone()).await.unwrap();
    let b1 = put_photo(&b, &photo(100, 10)).await;
    put_photo(&b, &shared).await;
    // A partial upload is not a photo the shop holds.
    let partial = photo(100, 11);
    a.media_upload(&sha256_hex(&partial), "image/png", partial.len() as u64, 0, partial[..50].to_vec()).await.unwrap();
    put_product(&a, "p-1", 0, &with_images("CAM-250", &[&a1])).await;

    let expected: BTreeMap<String, bool> = [(a1.clone(), true), (a2, false), (s.clone(), false)].into();
    assert_eq!(held(&a).await, expected);
    assert_eq!(held(&b).await, [(b1.clone(), false), (s.clone(), false)].into());
    let page = a.media_list(None, Some(500)).await.unwrap();
    assert!(page.next_cursor.is_none());
    let item = page.items.iter().find(|m| m.sha256 == a1).unwrap();
    assert_eq!((item.size, item.content_type.as_str(), item.created_at), (108, "image/png", srv.state.now()));

    // Another shop's photo does not exist for this one.
    let err = a.media_get(&b1).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("media_not_found")));
    assert_eq!(a.media_upload_status(&b1).await.unwrap(), None);
    assert_eq!(a.media_list(Some("zz"), None).await.unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn a_replaced_photo_is_swept_after_the_grace_period_never_the_referenced_one() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let grace = srv.state.config.media_grace;
    let a = put_photo(&client, &photo(300, 12)).await;
    let b = put_photo(&client, &photo(300, 13)).await;
    assert_eq!(held(&client).await, [(a.clone(), false), (b.clone(), false)].into(), "fresh uploads");
    let v = put_product(&client, "p-1", 0, &with_images("CAM-250", &[&a])).await;
    assert_eq!(held(&client).await, [(a.clone(), true), (b.clone(), false)].into());
    // The shop renders a new version of the photo: the product now lists B only.
    let v = put_product(&client, "p-1", v, &with_images("CAM-250", &[&b])).await;
    assert_eq!(held(&client).await, [(a.clone(), false), (b.clone(), true)].into());
    assert!(client.media_check(std::slice::from_ref(&a)).await.unwrap().is_empty(), "still held until swept");

    assert_eq!(sweep(&srv).await, (0, 0), "within the grace period");
    srv.clock.advance(grace - chrono::Duration::minutes(1));
    assert_eq!(sweep(&srv).await, (0, 0));
    srv.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(sweep(&srv).await, (1, 0));
    assert_eq!(client.media_get(&a).await.unwrap_err().code(), Some("media_not_found"));
    assert_eq!(client.media_check(std::slice::from_ref(&a)).await.unwrap(), std::slice::from_ref(&a));
    assert_eq!(held(&client).await, [(b.clone(), true)].into());
    client.media_get(&b).await.unwrap();

    // Listing a swept photo again needs it uploaded again.
    let req = CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", v, &with_images("CAM-250", &[&a]))] };
    let r = client.catalog_batch(&key(), &req).await.unwrap().value;
    assert_eq!(r.results[0].problem.as_ref().unwrap().code, "media_missing");

    // Deleting the product releases B.
    delete_product(&client, "p-1", v).await;
    assert_eq!(held(&client).await, [(b.clone(), false)].into());
    assert_eq!(sweep(&srv).await, (0, 0));
    srv.clock.advance(grace + chrono::Duration::seconds(1));
    assert_eq!(sweep(&srv).await, (1, 0));
    assert!(held(&client).await.is_empty());
}

#[tokio::test]
async fn a_photo_stays_while_any_product_lists_it() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let grace = srv.state.config.media_grace;
    let a = put_photo(&client, &photo(300, 14)).await;
    let c = put_photo(&client, &photo(300, 15)).await;
    let v1 = put_product(&client, "p-1", 0, &with_images("CAM-250", &[&a, &c])).await;
    let v2 = put_product(&client, "p-2", 0, &with_images("CAM-500", &[&a])).await;

    // p-1 drops both; A is still listed by p-2.
    let v1 = put_product(&client, "p-1", v1, &with_images("CAM-250", &[])).await;
    assert_eq!(held(&client).await, [(a.clone(), true), (c.clone(), false)].into());
    // Before C's grace period ends, p-2 takes it: it is referenced again.
    srv.clock.advance(grace / 2);
    let v2 = put_product(&client, "p-2", v2, &with_images("CAM-500", &[&a, &c])).await;
    srv.clock.advance(grace * 2);
    assert_eq!(sweep(&srv).await, (0, 0));
    assert_eq!(held(&client).await, [(a.clone(), true), (c.clone(), true)].into());

    // Stock moves rewrite p-2 without touching its photos.
    let stock = comptoir_protocol::stock::StockBatchRequest {
        ops: vec![comptoir_protocol::stock::StockOp::Adjust { sku: "CAM-500".to_owned(), delta: 3 }],
    };
    client.stock_batch(&key(), &stock).await.unwrap();
    srv.clock.advance(grace * 2);
    assert_eq!(sweep(&srv).await, (0, 0));

    delete_product(&client, "p-1", v1).await;
    delete_product(&client, "p-2", v2 + 1).await;
    assert_eq!(held(&client).await, [(a.clone(), false), (c.clone(), false)].into());
    srv.clock.advance(grace);
    assert_eq!(sweep(&srv).await, (2, 0));
}

#[tokio::test]
async fn a_partial_upload_untouched_for_a_day_is_purged() {
    let srv = start().await;
    let (_, client) = srv.shop("Fromagerie").await;
    let bytes = photo(1_000, 16);
    let (sha, len) = (sha256_hex(&bytes), bytes.len() as u64);
    client.media_upload(&sha, "image/png", len, 0, bytes[..100].to_vec()).await.unwrap();
    srv.clock.advance(chrono::Duration::hours(23));
    assert_eq!(sweep(&srv).await, (0, 0));
    // More bytes restart its day.
    client.media_upload(&sha, "image/png", len, 100, bytes[100..200].to_vec()).await.unwrap();
    srv.clock.advance(chrono::Duration::hours(23));
    assert_eq!(sweep(&srv).await, (0, 0));
    assert_eq!(client.media_upload_status(&sha).await.unwrap().unwrap().offset, 200);
    srv.clock.advance(chrono::Duration::hours(2));
    assert_eq!(sweep(&srv).await, (0, 1));
    assert_eq!(client.media_upload_status(&sha).await.unwrap(), None);
    // The client learns it must start over.
    let s = client.media_upload(&sha, "image/png", len, 200, bytes[200..].to_vec()).await.unwrap();
    assert_eq!((s.offset, s.complete), (0, false));
    assert!(client.media_upload(&sha, "image/png", len, 0, bytes).await.unwrap().complete);
}

#[tokio::test]
async fn the_migration_releases_the_photos_no_product_lists() {
    use sqlx::sqlite::SqliteConnectOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    // A database as the previous server version left it.
    let opts = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    sqlx::migrate!("./migrations").run_to(1, &pool).await.unwrap();
    let (a, b) = (sha256_hex(b"a"), sha256_hex(b"b"));
    let data = serde_json::to_string(&with_images("CAM-250", &[&a, &a])).unwrap();
    sqlx::query(
        "INSERT INTO shops (id, name, created_at) VALUES ('s', 'Fromagerie', 0);
         INSERT INTO media (shop_id, sha256, content_type, size, bytes, created_at)
           VALUES ('s', ?1, 'image/png', 1, x'00', 0), ('s', ?2, 'image/png', 1, x'00', 0);
         INSERT INTO products (shop_id, external_id, version, data, updated_at) VALUES ('s', 'p-1', 1, ?3, 0);
         INSERT INTO products (shop_id, external_id, version, deleted, updated_at) VALUES ('s', 'p-2', 2, 1, 0);",
    )
    .bind(&a)
    .bind(&b)
    .bind(&data)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let db = comptoir_marketplace::Db::open(&path).await.unwrap();
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT sha256, unreferenced_since FROM media ORDER BY sha256 = ?")
            .bind(&b)
            .fetch_all(&db.reader)
            .await
            .unwrap();
    assert_eq!(rows[0], (a.clone(), None), "listed by p-1");
    let since = chrono::DateTime::from_timestamp_millis(rows[1].1.expect("b is unreferenced")).unwrap();
    // Its grace period starts at the migration, not at its upload (1970 here).
    assert!((chrono::Utc::now() - since).num_minutes().abs() < 5, "{since}");
    let refs: Vec<(String, String)> =
        sqlx::query_as("SELECT sha256, product_external_id FROM media_refs").fetch_all(&db.reader).await.unwrap();
    assert_eq!(refs, [(a, "p-1".to_owned())]);
}
