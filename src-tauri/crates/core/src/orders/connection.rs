//! The marketplace client of the orders feed, built from the connection that
//! `connect` stored (issue 6): the address and shop id in SQLite, the token in the
//! OS keychain. The app and `comptoir-cli orders …` use [`client_from_connection`];
//! [`client_for`] is the override for scripts and benchmarks that bring their own
//! address and token.

use std::time::Duration;

use comptoir_protocol::client::Client;

use crate::Db;
use crate::sync::SyncError;
use crate::sync::credentials::TokenStore;

/// No byte for this long on a request means the connection is dead. The SSE stream
/// carries a heartbeat comment every 15 s (the reference server's default) and a
/// long-poll round waits at most 25 s on the server, so only a connection that went
/// half-open (the PC slept, the box rebooted) stays silent this long.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The HTTP client of the feed and of the order actions. Unlike the sync pass there
/// is no overall request timeout: the SSE response lasts as long as the connection.
pub fn feed_http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(READ_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// A client for an explicit address and token (the `--url` override).
pub fn client_for(url: &str, token: &str) -> Client {
    Client::with_http(feed_http(), url.trim().trim_end_matches('/'), token.trim())
}

/// The client of the stored connection. Fails with [`SyncError::NotConnected`] when
/// Comptoir was never connected (or was disconnected), and with the keychain's own
/// French sentence when the token cannot be read.
pub async fn client_from_connection(db: &Db, keychain: &dyn TokenStore) -> Result<Client, SyncError> {
    let st = db.sync_state().await?;
    let (Some(url), Some(shop_id)) = (st.marketplace_url, st.shop_id) else {
        return Err(SyncError::NotConnected);
    };
    let token = keychain.get(&shop_id)?;
    Ok(client_for(&url, &token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::credentials::MemoryKeychain;

    #[tokio::test]
    async fn not_connected_then_connected() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_in(dir.path()).await.unwrap();
        let keychain = MemoryKeychain::default();
        let err = client_from_connection(&db, &keychain).await.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::SyncNotConnected);
        assert!(err.to_string().starts_with("Comptoir n'est pas connecté"), "{err}");

        db.set_sync_connection("http://127.0.0.1:8787/", "shop_1", "Fromagerie", "{}").await.unwrap();
        // Connected, but the token is not in the keychain (another session removed it).
        let err = client_from_connection(&db, &keychain).await.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Keychain);
        keychain.set("shop_1", "tok-secret").unwrap();
        let client = client_from_connection(&db, &keychain).await.unwrap();
        assert_eq!(client.token(), "tok-secret");
        db.close().await;
    }
}
