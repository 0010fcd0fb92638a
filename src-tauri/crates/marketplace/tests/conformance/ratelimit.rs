use std::time::Duration;

use comptoir_marketplace::{Config, RateLimitConfig};
use reqwest::Method;

use crate::support::*;

#[tokio::test]
async fn each_token_has_its_own_bucket() {
    let config = Config { rate_limit: Some(RateLimitConfig { burst: 3, per_second: 0.5 }), ..Config::default() };
    let srv = start_with(config, Default::default()).await;
    let (shop, client) = srv.shop("Fromagerie").await;
    for remaining in ["2", "1", "0"] {
        let resp = srv.raw(Method::GET, "/v1/me").bearer_auth(&shop.token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["ratelimit-limit"], "3");
        assert_eq!(resp.headers()["ratelimit-remaining"], remaining);
        assert!(resp.headers().contains_key("ratelimit-reset"));
    }
    let resp = srv.raw(Method::GET, "/v1/me").bearer_auth(&shop.token).send().await.unwrap();
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_eq!(resp.headers()["ratelimit-remaining"], "0");
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p["code"].as_str()), (429, Some("rate_limited")));

    let err = client.me().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert!(err.is_retryable());

    let (_, other) = srv.shop("Boucherie").await;
    other.me().await.unwrap();

    srv.clock.advance(chrono::Duration::seconds(2));
    client.me().await.unwrap();
    assert_eq!(client.me().await.unwrap_err().status(), Some(429));
}
