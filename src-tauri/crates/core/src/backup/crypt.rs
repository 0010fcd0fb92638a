//! Encryption of the database copy that leaves the PC: the age format (a maintained,
//! specified format with independent implementations), with a passphrase recipient
//! (scrypt). Orders hold customers' names, e-mails and phone numbers; a USB key gets
//! lost. The passphrase lives in the OS keychain, beside the marketplace token, behind
//! the same [`TokenStore`] abstraction.
//!
//! Photos are not encrypted: they are product photos whose renders the marketplace
//! publishes, and content-addressed files are what lets a backup copy only new ones.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use age::secrecy::SecretString;

use super::backup_error;
use crate::Result;
use crate::sync::credentials::{KeychainError, TokenStore};

/// Keychain service of the backup passphrase (the marketplace token has its own).
pub const KEYCHAIN_SERVICE: &str = "fr.orne.comptoir.backup";
/// Keychain account of the backup passphrase.
pub const KEYCHAIN_ACCOUNT: &str = "passphrase";

/// Keeps the passphrase in the keychain (`keychain` opened on [`KEYCHAIN_SERVICE`]).
pub fn store_passphrase(keychain: &dyn TokenStore, passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < 8 {
        return Err(crate::Error::invalid(
            "passphrase",
            "too_short",
            "La phrase de passe des sauvegardes doit compter au moins 8 caractères",
        ));
    }
    keychain.set(KEYCHAIN_ACCOUNT, passphrase).map_err(keychain_error)
}

/// The passphrase kept in the keychain, `None` when there is none.
pub fn load_passphrase(keychain: &dyn TokenStore) -> Result<Option<String>> {
    match keychain.get(KEYCHAIN_ACCOUNT) {
        Ok(p) => Ok(Some(p)),
        Err(KeychainError::Missing) => Ok(None),
        Err(e) => Err(keychain_error(e)),
    }
}

fn keychain_error(e: KeychainError) -> crate::Error {
    backup_error(crate::ErrorCode::BackupPassphrase, format!("Phrase de passe des sauvegardes : {e}"))
}

/// Encrypts `plain` into `out` (written and flushed; the caller renames it into place).
pub(crate) fn encrypt_file(plain: &Path, out: &Path, passphrase: &str) -> Result<()> {
    let encryptor = age::Encryptor::with_user_passphrase(SecretString::from(passphrase.to_owned()));
    let mut input = BufReader::new(File::open(plain)?);
    let file = File::create(out)?;
    let mut writer = encryptor.wrap_output(BufWriter::new(file)).map_err(crate::Error::Io)?;
    std::io::copy(&mut input, &mut writer)?;
    let mut inner = writer.finish()?;
    inner.flush()?;
    inner.into_inner().map_err(|e| crate::Error::Io(e.into_error()))?.sync_all()?;
    Ok(())
}

/// Decrypts `encrypted` into `out`. A wrong passphrase and a damaged file are told
/// apart: age authenticates the header with the passphrase, then every 64 KiB chunk.
pub(crate) fn decrypt_file(encrypted: &Path, out: &Path, passphrase: &str, what: &str) -> Result<()> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(File::open(encrypted)?)).map_err(|e| {
        backup_error(crate::ErrorCode::BackupDamaged, format!("{what} : en-tête de chiffrement illisible ({e})"))
    })?;
    let identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    let mut reader = decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => backup_error(
            crate::ErrorCode::BackupPassphrase,
            format!("{what} : la phrase de passe ne permet pas de la déchiffrer"),
        ),
        other => backup_error(crate::ErrorCode::BackupDamaged, format!("{what} : déchiffrement impossible ({other})")),
    })?;
    let mut file = File::create(out)?;
    std::io::copy(&mut reader, &mut file).map_err(|e| {
        backup_error(crate::ErrorCode::BackupDamaged, format!("{what} : le contenu chiffré est altéré ({e})"))
    })?;
    file.sync_all()?;
    Ok(())
}
