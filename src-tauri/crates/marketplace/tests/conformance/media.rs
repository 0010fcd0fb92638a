use comptoir_marketplace::Config;
use comptoir_protocol::hash::sha256_hex;

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
