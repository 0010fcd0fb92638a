//! Installing an update (issue 16), on a real shop folder: the install waits for the
//! work running, takes a backup of the shop first (on disk, listed, readable), and a
//! backup that cannot be taken stops it before anything is installed.
//!
//! The download and the signature check are tauri-plugin-updater's, tested through the
//! app (tests/app/updates.rs) against a real HTTP server; here the package is bytes.

use std::cell::Cell;
use std::sync::Mutex;

use comptoir_core::backup::{self, Reason};
use comptoir_core::shop::{self, StartChoice};
use comptoir_core::update::{self, Busy, Installer, Stage};
use comptoir_core::{Error, ErrorCode, Result};

use crate::support::{fresh_db, now};

/// The package the shell would have downloaded and verified; `install` records what
/// the shop folder held at that moment.
struct Package {
    bytes: Vec<u8>,
    installed: Mutex<Option<Vec<u8>>>,
    backups_at_install: Mutex<Vec<Reason>>,
    data_dir: std::path::PathBuf,
    refuse: bool,
}

impl Installer for Package {
    fn version(&self) -> &str {
        "0.2.0"
    }

    async fn download(&self, mut progress: impl FnMut(u64, Option<u64>) + Send) -> Result<Vec<u8>> {
        let total = self.bytes.len() as u64;
        for at in (0..=total).step_by(16 * 1024) {
            progress(at, Some(total));
        }
        progress(total, Some(total));
        Ok(self.bytes.clone())
    }

    fn install(&self, bytes: &[u8]) -> Result<()> {
        let listed = backup::list_backups(&self.data_dir)?;
        *self.backups_at_install.lock().unwrap() = listed.iter().map(|b| b.reason).collect();
        if self.refuse {
            return Err(update::refused(update::Failure::InstallRefused, "0.2.0"));
        }
        *self.installed.lock().unwrap() = Some(bytes.to_vec());
        Ok(())
    }
}

fn package(data_dir: &std::path::Path, refuse: bool) -> Package {
    Package {
        bytes: (0..300_000u32).map(|i| (i % 251) as u8).collect(),
        installed: Mutex::new(None),
        backups_at_install: Mutex::new(Vec::new()),
        data_dir: data_dir.to_owned(),
        refuse,
    }
}

#[tokio::test]
async fn an_update_waits_for_the_import_then_backs_the_shop_up_then_installs() {
    let t = fresh_db().await;
    shop::start(&t.db, StartChoice::Demo, now()).await.unwrap();
    let pkg = package(t.dir.path(), false);

    let mut stages = Vec::new();
    let bytes = update::download(&pkg, |s| stages.push(s)).await.unwrap();
    assert_eq!(bytes, pkg.bytes);
    // 300,000 bytes said every 64 KiB, not at each of the 20 chunks.
    assert!((4..=6).contains(&stages.len()), "{stages:?}");
    assert_eq!(stages.last(), Some(&Stage::Downloading { received: 262_144, total: Some(300_000) }));

    // An import runs for the first two looks.
    let looks = Cell::new(0);
    let busy = || {
        looks.set(looks.get() + 1);
        Busy { import: looks.get() <= 2, ..Busy::default() }
    };
    let mut stages = Vec::new();
    let report = update::install(&pkg, &bytes, busy, t.dir.path(), None, now, |s| stages.push(s)).await.unwrap();
    assert_eq!(stages, [Stage::Waiting { what: "l'import en cours".into() }, Stage::BackingUp, Stage::Installing]);
    assert_eq!(report.reason, Reason::BeforeUpdate);
    // The backup was on disk, listed, before the package went in.
    assert_eq!(*pkg.backups_at_install.lock().unwrap(), [Reason::BeforeUpdate]);
    assert_eq!(pkg.installed.lock().unwrap().as_deref(), Some(&bytes[..]));
    // And it holds the shop: the demo catalogue's products.
    let listed = backup::list_backups(t.dir.path()).unwrap();
    let described = backup::describe(&listed[0].path).unwrap();
    assert!(described.counts.products >= 10, "{:?}", described.counts);
}

#[tokio::test]
async fn no_backup_no_install() {
    let t = fresh_db().await;
    shop::start(&t.db, StartChoice::Demo, now()).await.unwrap();
    // The backups folder cannot be created: a file sits where it goes.
    std::fs::write(backup::local_root(t.dir.path()), b"not a folder").unwrap();
    let pkg = package(t.dir.path(), false);
    let mut stages = Vec::new();
    let e = update::install(&pkg, &pkg.bytes, Busy::default, t.dir.path(), None, now, |s| stages.push(s))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Update { code: ErrorCode::UpdateRefused, .. }), "{e:?}");
    assert!(
        e.to_string().contains("La mise à jour 0.2.0 attend") && e.to_string().contains("Rien n'a été installé"),
        "{e}"
    );
    assert_eq!(stages, [Stage::BackingUp]);
    assert!(pkg.installed.lock().unwrap().is_none());
}

#[tokio::test]
async fn a_refused_install_says_so_in_french_and_the_backup_stays() {
    let t = fresh_db().await;
    shop::start(&t.db, StartChoice::Demo, now()).await.unwrap();
    let pkg = package(t.dir.path(), true);
    let e = update::install(&pkg, &pkg.bytes, Busy::default, t.dir.path(), None, now, |_| {}).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::UpdateRefused);
    assert!(e.to_string().contains("le système a refusé l'installation"), "{e}");
    assert_eq!(backup::list_backups(t.dir.path()).unwrap().len(), 1);
}
