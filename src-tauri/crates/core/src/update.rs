//! Updating Comptoir itself: the rules a shop PC nobody maintains needs, not the
//! transport. The desktop shell downloads, verifies (minisign, the public key in
//! tauri.conf.json) and installs with tauri-plugin-updater; what is decided here is
//! *whether* and *when*: an offer is taken only when it is newer, only on a kind of
//! installation the updater can replace, never while work is running, and always after
//! a backup of the shop.
//!
//! Every refusal is an [`Error::Update`] with a French sentence that says that nothing
//! changed and what to do; the UI words its title from the code.

use std::cmp::Ordering;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::backup::{self, BackupOptions, BackupReport, Reason};
use crate::sync::credentials::TokenStore;
use crate::{Error, ErrorCode, Result};

/// The app looks for an update at start, then once a day for as long as it runs.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 3600);

/// How long after start the first look waits: the first seconds belong to the shopkeeper
/// (and to the database opening), not to the network.
pub const FIRST_CHECK_AFTER: Duration = Duration::from_secs(20);

/// How often a waiting install looks again whether the work it waits for has ended.
pub const BUSY_POLL: Duration = Duration::from_secs(2);

/// How Comptoir was installed on this PC, which decides whether (and how) an update
/// can replace it. Tauri's bundler writes the kind into the binary it packages; a
/// binary built with `cargo build` carries none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Package {
    Deb,
    Rpm,
    AppImage,
    Msi,
    Nsis,
    /// The macOS `.app` (installed from the dmg).
    MacApp,
    /// Built from the sources: nothing to replace, the developer updates it.
    FromSource,
}

/// What the updater needs from this PC to apply a package of the installed kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub package: Package,
    /// Linux system packages (deb, rpm) are installed with administrator rights, asked
    /// through `pkexec` (or `sudo`); running as root needs neither.
    pub can_elevate: bool,
}

/// Whether the updater can replace this installation. Checked *before* downloading:
/// a shopkeeper is not made to wait for 10 MB that cannot be installed.
pub fn can_apply(platform: Platform, offered: &str) -> Result<()> {
    let say = |message: String| Err(Error::Update { code: ErrorCode::UpdateUnsupported, message });
    match platform.package {
        Package::FromSource => say(format!(
            "La version {offered} de Comptoir est disponible, mais cette copie a été compilée depuis les sources : \
             elle ne peut pas se mettre à jour seule. Récupérez la nouvelle version des sources (git pull) et recompilez-la, \
             ou installez le paquet publié par le Département."
        )),
        Package::Deb | Package::Rpm if !platform.can_elevate => {
            let (file, cmd) = if platform.package == Package::Deb {
                ("le fichier .deb", "sudo apt install ./comptoir_*.deb")
            } else {
                ("le fichier .rpm", "sudo dnf install ./comptoir-*.rpm")
            };
            say(format!(
                "La version {offered} de Comptoir est disponible, mais ce PC ne permet pas de l'installer depuis Comptoir \
                 (ni pkexec ni sudo pour demander les droits d'administrateur). Téléchargez {file} depuis le site \
                 du Département et installez-le avec « {cmd} », ou demandez-le à l'assistance. Rien n'a été modifié."
            ))
        }
        _ => Ok(()),
    }
}

/// Whether a version the server announced is offered to the shopkeeper: a newer one
/// is (`true`), the one installed is not (`false`: up to date), an older one is refused
/// in words — a stale or replayed manifest, never a downgrade.
pub fn is_offer(current: &str, offered: &str) -> Result<bool> {
    match compare(current, offered)? {
        Ordering::Greater => Ok(true),
        Ordering::Equal => Ok(false),
        Ordering::Less => Err(not_newer(current, offered)),
    }
}

/// What a look that found nothing newer says.
pub fn up_to_date(current: &str) -> String {
    format!("Comptoir {current} est à jour.")
}

/// The update server could not be reached or answered something unreadable: not the
/// shop's problem, the next look is tomorrow.
pub fn unreachable() -> Error {
    Error::Update {
        code: ErrorCode::UpdateDownload,
        message: "Le serveur des mises à jour n'a pas pu être joint, ou sa réponse est illisible. \
                  Comptoir réessaiera demain ; rien n'a changé."
            .into(),
    }
}

/// Compares the installed version with the one offered (semantic versions, as in
/// Cargo.toml: `0.1.10` is newer than `0.1.9`, `0.2.0-rc.1` older than `0.2.0`).
fn compare(current: &str, offered: &str) -> Result<Ordering> {
    let parse = |v: &str| {
        semver::Version::parse(v.trim_start_matches('v')).map_err(|e| Error::Update {
            code: ErrorCode::UpdateRefused,
            message: format!("Le numéro de version « {v} » annoncé par le serveur de mises à jour est illisible ({e}). Rien n'a été installé."),
        })
    };
    Ok(parse(offered)?.cmp(&parse(current)?))
}

/// An offer that is not newer than what is installed: a stale or replayed manifest
/// (never a downgrade, which could run an older schema against a newer database).
fn not_newer(current: &str, offered: &str) -> Error {
    Error::Update {
        code: ErrorCode::UpdateRefused,
        message: format!(
            "Le serveur de mises à jour propose la version {offered}, qui n'est pas plus récente que la version installée \
             ({current}) : elle est refusée et rien n'a été installé."
        ),
    }
}

/// Why a downloaded update was not installed. The shell sorts the updater's errors
/// into these; each says that nothing was installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The package does not match its signature under the key built into Comptoir:
    /// tampered with, damaged, or not published by the Département.
    Signature,
    /// The download stopped before the end (connection lost, file cut short).
    Download,
    /// The file is not an installation package of the installed kind.
    NotAPackage,
    /// The manifest has no package for this system.
    NoPackageForThisSystem,
    /// The system refused the installation (administrator password refused, package
    /// manager busy).
    InstallRefused,
}

/// The refusal the window shows. The updater's own words (English, technical) go to the
/// log, where support reads them, not to the shopkeeper.
pub fn refused(failure: Failure, version: &str) -> Error {
    let (code, what) = match failure {
        Failure::Signature => (
            ErrorCode::UpdateRefused,
            "sa signature ne correspond pas : le fichier a été modifié ou abîmé, ou ne vient pas du Département",
        ),
        Failure::Download => (
            ErrorCode::UpdateDownload,
            "le téléchargement s'est interrompu avant la fin ; Comptoir réessaiera plus tard",
        ),
        Failure::NotAPackage => {
            (ErrorCode::UpdateRefused, "le fichier reçu n'est pas un paquet d'installation de Comptoir pour ce PC")
        }
        Failure::NoPackageForThisSystem => {
            (ErrorCode::UpdateUnsupported, "aucun paquet n'est publié pour ce système ; l'assistance peut vous aider")
        }
        Failure::InstallRefused => (
            ErrorCode::UpdateRefused,
            "le système a refusé l'installation (droits d'administrateur refusés ou gestionnaire de paquets occupé)",
        ),
    };
    Error::Update {
        code,
        message: format!("La mise à jour {version} n'a pas été installée : {what}. Rien n'a été modifié."),
    }
}

/// The long work an install must not cut short.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Busy {
    pub import: bool,
    pub photos: bool,
    pub sync: bool,
}

impl Busy {
    /// What the install waits for, in French (`None`: nothing, it can go).
    pub fn waiting_for(self) -> Option<String> {
        let mut parts = Vec::new();
        if self.import {
            parts.push("l'import en cours");
        }
        if self.photos {
            parts.push("le traitement des photos");
        }
        if self.sync {
            parts.push("la synchronisation avec la place de marché");
        }
        match parts.as_slice() {
            [] => None,
            [one] => Some((*one).to_owned()),
            [init @ .., last] => Some(format!("{} et {last}", init.join(", "))),
        }
    }
}

/// Waits until no import, photo batch or sync is running; `waiting` hears what is
/// waited for each time it changes (the window shows it). Returns at once when idle.
/// `busy` is read again every `poll`: the work ends by itself, nothing is cancelled.
pub async fn wait_until_idle(busy: impl Fn() -> Busy, poll: Duration, mut waiting: impl FnMut(&str)) {
    let mut said: Option<String> = None;
    while let Some(what) = busy().waiting_for() {
        if said.as_deref() != Some(what.as_str()) {
            waiting(&what);
            said = Some(what);
        }
        tokio::time::sleep(poll).await;
    }
}

/// The backup taken just before an install (the same backups as the « Sauvegardes »
/// screen, marked « avant une mise à jour »). Failing, it stops the install: a shop
/// is not updated without a way back.
pub async fn backup_before(
    data_dir: &Path,
    keychain: Option<&dyn TokenStore>,
    version: &str,
    now: DateTime<Utc>,
) -> Result<BackupReport> {
    let opts = BackupOptions { reason: Some(Reason::BeforeUpdate), ..BackupOptions::default() };
    backup::backup_now(data_dir, &opts, keychain, now).await.map_err(|e| Error::Update {
        code: ErrorCode::UpdateRefused,
        message: format!(
            "La mise à jour {version} attend : la sauvegarde qui la précède n'a pas pu être faite ({e}). Rien n'a été installé."
        ),
    })
}

/// An update the marketplace's server announced, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UpdateOffer {
    pub version: String,
    /// The release notes, in French, as published.
    pub notes: String,
    /// Why this installation cannot take it from Comptoir, and what to do instead
    /// ([`can_apply`]); the window then shows the sentence instead of the buttons.
    pub blocked: Option<crate::ErrorPayload>,
}

/// Where an update stands, pushed to the window at each change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Nothing offered (or not looked yet).
    Idle,
    Available,
    /// Bytes received, and the size when the server said it.
    Downloading {
        received: u64,
        total: Option<u64>,
    },
    /// Downloaded and verified, installed when Comptoir is closed.
    AtQuit,
    /// Waiting for the work named (French) to end.
    Waiting {
        what: String,
    },
    BackingUp,
    Installing,
    /// Refused or failed; nothing changed. The offer stays, to try again.
    Failed {
        error: crate::ErrorPayload,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UpdateStatus {
    /// The version running.
    pub current: String,
    pub offer: Option<UpdateOffer>,
    pub stage: Stage,
    /// When the server was last asked (RFC 3339), and what the last look found when it
    /// was not an offer (up to date, unreachable, a refused manifest), in French.
    pub checked_at: Option<String>,
    pub last_check: Option<String>,
}

/// The two steps of the updater the shell wraps (tauri-plugin-updater's `Update`):
/// download then verify the signature, and install verified bytes.
pub trait Installer {
    /// The version being installed.
    fn version(&self) -> &str;
    /// Downloads the package and verifies it against its signature; `progress` hears
    /// the bytes received so far and the total when the server said it.
    fn download(&self, progress: impl FnMut(u64, Option<u64>) + Send) -> impl Future<Output = Result<Vec<u8>>> + Send;
    /// Installs verified bytes. On Windows the installer takes over and Comptoir exits.
    fn install(&self, bytes: &[u8]) -> Result<()>;
}

/// Downloads and verifies an update, saying the progress every 64 KiB (a message per
/// network packet would flood the window).
pub async fn download(installer: &impl Installer, mut on_stage: impl FnMut(Stage) + Send) -> Result<Vec<u8>> {
    let mut last_step = u64::MAX;
    installer
        .download(move |received, total| {
            if received / 65536 != last_step {
                last_step = received / 65536;
                on_stage(Stage::Downloading { received, total });
            }
        })
        .await
}

/// Installs downloaded bytes the safe way: once no import, photo batch or sync runs,
/// and after a backup of the shop (a failed backup stops the install). Returns the
/// backup taken. After it, the shell restarts Comptoir (or lets it close), and the
/// new version migrates the database at start, itself after another backup.
pub async fn install(
    installer: &impl Installer,
    bytes: &[u8],
    busy: impl Fn() -> Busy,
    data_dir: &Path,
    keychain: Option<&dyn TokenStore>,
    now: impl Fn() -> DateTime<Utc>,
    mut on_stage: impl FnMut(Stage),
) -> Result<BackupReport> {
    wait_until_idle(busy, BUSY_POLL, |what| on_stage(Stage::Waiting { what: what.to_owned() })).await;
    on_stage(Stage::BackingUp);
    let backup = backup_before(data_dir, keychain, installer.version(), now()).await?;
    on_stage(Stage::Installing);
    installer.install(bytes)?;
    tracing::info!(version = installer.version(), backup_at = %backup.created_at, "mise à jour installée");
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn versions_compare_as_numbers_and_pre_releases_come_before() {
        assert_eq!(compare("0.1.0", "0.2.0").unwrap(), Ordering::Greater);
        assert_eq!(compare("0.1.9", "0.1.10").unwrap(), Ordering::Greater);
        assert_eq!(compare("0.2.0", "0.2.0").unwrap(), Ordering::Equal);
        assert_eq!(compare("0.1.1", "0.1.0").unwrap(), Ordering::Less);
        assert_eq!(compare("0.2.0", "0.2.0-rc.1").unwrap(), Ordering::Less);
        assert_eq!(compare("0.1.0", "v0.1.1").unwrap(), Ordering::Greater);
        let e = compare("0.1.0", "deux").unwrap_err();
        assert_eq!(e.code(), ErrorCode::UpdateRefused);
        assert!(e.to_string().contains("« deux »"), "{e}");
    }

    #[test]
    fn only_a_newer_version_is_offered() {
        assert!(is_offer("0.1.0", "0.1.1").unwrap());
        assert!(!is_offer("0.1.1", "0.1.1").unwrap());
        assert_eq!(is_offer("0.1.1", "0.1.0").unwrap_err().code(), ErrorCode::UpdateRefused);
        assert_eq!(up_to_date("0.1.1"), "Comptoir 0.1.1 est à jour.");
        assert_eq!(unreachable().code(), ErrorCode::UpdateDownload);
    }

    #[test]
    fn an_older_offer_is_refused_in_french() {
        let e = not_newer("0.1.1", "0.1.0");
        assert_eq!(e.code(), ErrorCode::UpdateRefused);
        assert!(e.to_string().contains("0.1.0") && e.to_string().contains("rien n'a été installé"), "{e}");
    }

    #[test]
    fn a_build_from_source_or_a_system_package_without_rights_says_what_to_do() {
        let src = can_apply(Platform { package: Package::FromSource, can_elevate: true }, "0.2.0").unwrap_err();
        assert_eq!(src.code(), ErrorCode::UpdateUnsupported);
        assert!(src.to_string().contains("compilée depuis les sources"), "{src}");
        let deb = can_apply(Platform { package: Package::Deb, can_elevate: false }, "0.2.0").unwrap_err();
        assert!(deb.to_string().contains("sudo apt install ./comptoir_*.deb"), "{deb}");
        let rpm = can_apply(Platform { package: Package::Rpm, can_elevate: false }, "0.2.0").unwrap_err();
        assert!(rpm.to_string().contains("dnf"), "{rpm}");
        for package in [Package::Deb, Package::Rpm] {
            assert!(can_apply(Platform { package, can_elevate: true }, "0.2.0").is_ok());
        }
        for package in [Package::AppImage, Package::Msi, Package::Nsis, Package::MacApp] {
            assert!(can_apply(Platform { package, can_elevate: false }, "0.2.0").is_ok(), "{package:?}");
        }
    }

    #[test]
    fn every_refusal_says_nothing_changed() {
        for f in [
            Failure::Signature,
            Failure::Download,
            Failure::NotAPackage,
            Failure::NoPackageForThisSystem,
            Failure::InstallRefused,
        ] {
            let e = refused(f, "0.2.0");
            assert!(e.to_string().starts_with("La mise à jour 0.2.0 n'a pas été installée"), "{e}");
            assert!(e.to_string().ends_with("Rien n'a été modifié."), "{e}");
        }
        assert_eq!(refused(Failure::Download, "0.2.0").code(), ErrorCode::UpdateDownload);
    }

    #[test]
    fn what_an_install_waits_for_is_said_in_one_sentence() {
        assert_eq!(Busy::default().waiting_for(), None);
        assert_eq!(Busy { import: true, ..Busy::default() }.waiting_for().unwrap(), "l'import en cours");
        assert_eq!(
            Busy { import: true, photos: true, sync: true }.waiting_for().unwrap(),
            "l'import en cours, le traitement des photos et la synchronisation avec la place de marché"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_install_waits_for_the_work_to_end_and_says_each_change_once() {
        // An import then a sync, each over a few polls; the install goes once both end.
        let polls = Cell::new(0u32);
        let busy = || {
            polls.set(polls.get() + 1);
            match polls.get() {
                1..=3 => Busy { import: true, ..Busy::default() },
                4..=5 => Busy { sync: true, ..Busy::default() },
                _ => Busy::default(),
            }
        };
        let mut heard = Vec::new();
        let started = tokio::time::Instant::now();
        wait_until_idle(busy, BUSY_POLL, |w| heard.push(w.to_owned())).await;
        assert_eq!(heard, ["l'import en cours", "la synchronisation avec la place de marché"]);
        assert_eq!(polls.get(), 6);
        assert_eq!(started.elapsed(), BUSY_POLL * 5);
        // Idle from the start: no wait at all, nothing said.
        let mut said = false;
        wait_until_idle(Busy::default, BUSY_POLL, |_| said = true).await;
        assert!(!said);
    }
}
