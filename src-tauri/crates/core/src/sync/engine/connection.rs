//! Connecting Comptoir to a marketplace (a pairing code or a token, checked with
//! `GET /v1/me`, the token kept in the OS keychain) and disconnecting it; the sync's
//! HTTP client.

use std::time::Duration;

use comptoir_protocol::auth::PairRequest;
use comptoir_protocol::client::Client;
use comptoir_protocol::me::Me;
use serde::Serialize;

use super::{SResult, SyncError, api_error};
use crate::Db;
use crate::sync::credentials::TokenStore;

/// Who we are connected to, for the settings screen and `connect`'s output.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Connection {
    pub url: String,
    pub shop_id: String,
    pub shop_name: String,
    pub max_batch_ops: u32,
    pub max_media_bytes: u64,
}

/// A URL is acceptable when it is https, or plain http to the loopback only.
pub fn check_url(url: &str) -> SResult<String> {
    let u = url.trim().trim_end_matches('/');
    let rest = if let Some(r) = u.strip_prefix("https://") {
        r
    } else if let Some(r) = u.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = if host.starts_with('[') {
            host.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host.rsplit_once(':').map_or(host, |(h, _)| h)
        };
        if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
            return Err(SyncError::BadUrl(format!(
                "{u} : seules les adresses https:// sont acceptées (http:// uniquement pour 127.0.0.1 ou localhost)"
            )));
        }
        r
    } else {
        return Err(SyncError::BadUrl(format!("{u} : l'adresse doit commencer par https://")));
    };
    if rest.is_empty() {
        return Err(SyncError::BadUrl(format!("{u} : il manque le nom du serveur")));
    }
    Ok(u.to_owned())
}

/// The HTTP client of the sync: a limit on connecting, none on a whole request (the
/// protocol client's idle watchdog decides when a line is dead, see
/// `comptoir_protocol::transfer`).
fn http(idle: Duration) -> reqwest::Client {
    reqwest::Client::builder().connect_timeout(Duration::from_secs(10).min(idle)).build().unwrap_or_default()
}

pub(super) fn client(url: &str, token: &str, idle: Duration) -> Client {
    Client::with_http(http(idle), url, token).with_idle_timeout(Some(idle))
}

/// How the shop proves who it is when connecting.
pub enum Credential {
    PairingCode(String),
    Token(String),
}

/// Connects to a marketplace: pairs (or takes the token), checks it with `GET /v1/me`,
/// stores the token in the OS keychain (only there) and the address in the database.
pub async fn connect(db: &Db, url: &str, cred: Credential, keychain: &dyn TokenStore) -> SResult<Connection> {
    let url = check_url(url)?;
    let token = match cred {
        Credential::Token(t) => t.trim().to_owned(),
        Credential::PairingCode(code) => {
            let req = PairRequest { pairing_code: code.trim().to_owned(), device_name: Some("Comptoir".to_owned()) };
            Client::pair(&url, &req).await.map_err(|e| api_error(&e))?.token
        }
    };
    let client = client(&url, &token, Duration::from_secs(60));
    let me = client.me().await.map_err(|e| api_error(&e))?;
    keychain.set(&me.shop.id, &token)?;
    let limits = serde_json::to_string(&me.limits).unwrap_or_default();
    db.set_sync_connection(&url, &me.shop.id, &me.shop.name, &limits).await?;
    tracing::info!("connecté à la place de marché {url}, boutique {}", me.shop.id);
    Ok(connection(&url, &me))
}

fn connection(url: &str, me: &Me) -> Connection {
    Connection {
        url: url.to_owned(),
        shop_id: me.shop.id.clone(),
        shop_name: me.shop.name.clone(),
        max_batch_ops: me.limits.max_batch_ops,
        max_media_bytes: me.limits.max_media_bytes,
    }
}

/// Forgets the connection and removes the token from the keychain.
pub async fn disconnect(db: &Db, keychain: &dyn TokenStore) -> SResult<()> {
    let st = db.sync_state().await?;
    if let Some(shop) = st.shop_id {
        keychain.delete(&shop)?;
    }
    db.clear_sync_connection().await?;
    tracing::info!("déconnecté de la place de marché");
    Ok(())
}
