//! The marketplace token lives in the operating system's keychain, and only there:
//! Secret Service on Linux (gnome-keyring, KWallet), Keychain on macOS, Credential
//! Manager on Windows, through keyring-core and one explicit store per OS. There is
//! no plaintext fallback: without a keychain, connecting fails with a plain sentence.

use std::sync::{Arc, Mutex};

/// Keychain service name of Comptoir's entries; the account is the shop id.
pub const SERVICE: &str = "fr.orne.comptoir.marketplace";

/// Failures of the keychain. Messages never carry the secret.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "Aucun trousseau de clés n'est disponible sur cet ordinateur ({0}) : Comptoir ne peut pas garder le jeton de la place de marché en sécurité et ne l'écrira nulle part ailleurs"
    )]
    Unavailable(String),
    #[error("Aucun jeton de la place de marché dans le trousseau : reconnectez Comptoir avec un code d'appairage")]
    Missing,
    #[error("Le trousseau de clés a refusé l'opération : {0}")]
    Failed(String),
}

/// Where tokens are kept. The app and the CLI use [`OsKeychain`]; unit tests may use
/// [`MemoryKeychain`].
pub trait TokenStore: Send + Sync {
    fn set(&self, shop_id: &str, token: &str) -> Result<(), KeychainError>;
    fn get(&self, shop_id: &str) -> Result<String, KeychainError>;
    /// Removing an absent token is not an error.
    fn delete(&self, shop_id: &str) -> Result<(), KeychainError>;
}

/// The OS keychain through keyring-core.
pub struct OsKeychain {
    store: Arc<keyring_core::CredentialStore>,
    service: &'static str,
}

fn describe(e: &keyring_core::Error) -> String {
    // keyring-core errors describe the store, never the secret.
    match e {
        keyring_core::Error::NoStorageAccess(inner) => format!("accès refusé : {inner}"),
        keyring_core::Error::PlatformFailure(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

impl OsKeychain {
    /// Opens the platform's store. Fails (no fallback) when it is not reachable.
    pub fn open() -> Result<Self, KeychainError> {
        Self::open_service(SERVICE)
    }

    /// The same store under another service name: the backup passphrase
    /// (`backup::crypt::KEYCHAIN_SERVICE`) is kept apart from the marketplace tokens.
    pub fn open_service(service: &'static str) -> Result<Self, KeychainError> {
        let store = platform_store().map_err(|e| KeychainError::Unavailable(describe(&e)))?;
        Ok(Self { store, service })
    }

    fn entry(&self, shop_id: &str) -> Result<keyring_core::Entry, KeychainError> {
        keyring_core::Entry::new_in_store(&self.store, self.service, shop_id)
            .map_err(|e| KeychainError::Failed(describe(&e)))
    }
}

fn map_err(e: keyring_core::Error) -> KeychainError {
    match e {
        keyring_core::Error::NoEntry => KeychainError::Missing,
        keyring_core::Error::NoStorageAccess(_) | keyring_core::Error::PlatformFailure(_) => {
            KeychainError::Unavailable(describe(&e))
        }
        other => KeychainError::Failed(describe(&other)),
    }
}

impl TokenStore for OsKeychain {
    fn set(&self, shop_id: &str, token: &str) -> Result<(), KeychainError> {
        self.entry(shop_id)?.set_password(token).map_err(map_err)
    }

    fn get(&self, shop_id: &str) -> Result<String, KeychainError> {
        self.entry(shop_id)?.get_password().map_err(map_err)
    }

    fn delete(&self, shop_id: &str) -> Result<(), KeychainError> {
        match self.entry(shop_id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    // D-Bus Secret Service: gnome-keyring, KWallet, KeePassXC.
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore("no keychain on this platform".to_owned()))
}

/// In-memory store for tests of code that does not exercise the keychain itself.
#[derive(Default)]
pub struct MemoryKeychain(Mutex<std::collections::HashMap<String, String>>);

impl TokenStore for MemoryKeychain {
    fn set(&self, shop_id: &str, token: &str) -> Result<(), KeychainError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(shop_id.to_owned(), token.to_owned());
        Ok(())
    }

    fn get(&self, shop_id: &str) -> Result<String, KeychainError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(shop_id).cloned().ok_or(KeychainError::Missing)
    }

    fn delete(&self, shop_id: &str) -> Result<(), KeychainError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(shop_id);
        Ok(())
    }
}
