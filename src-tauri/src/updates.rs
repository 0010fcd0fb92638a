//! Updates of Comptoir itself: tauri-plugin-updater looks at the address in
//! tauri.conf.json, downloads, and verifies the package's minisign signature against
//! the public key there; comptoir-core's `update` module decides the rest (newer only,
//! an installation the updater can replace, never during work, a backup first).
//!
//! At start (after [`update::FIRST_CHECK_AFTER`]) and once a day the app looks, quietly:
//! offline, it tries again the next day. An offer is shown as « Mise à jour 0.2.0
//! disponible » with its notes; the shopkeeper installs now (Comptoir restarts) or at
//! the next quit (downloaded now, installed while Comptoir closes).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use comptoir_core::update::{self, Busy, Failure, Installer, Package, Platform, Stage, UpdateOffer, UpdateStatus};
use comptoir_core::{ErrorPayload, Result};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::UpdaterExt;

use crate::AppState;
use crate::services::LiveEvent;

/// The update the app knows of, shared by the daily check, the commands and the exit hook.
pub struct Updates {
    /// How Comptoir is installed here ([`platform`] in the app; tests choose).
    platform: Platform,
    inner: Mutex<Inner>,
    /// The actions, bound to the app's handle by [`attach`]: the commands reach them
    /// without naming the runtime (the same commands serve the window and the tests'
    /// mock runtime).
    actions: OnceLock<Actions>,
}

/// What the window asks of the updater.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Check,
    InstallNow,
    InstallAtQuit,
}

type Outcome = std::result::Result<UpdateStatus, ErrorPayload>;
/// A downloaded, verified package, kept for an install at quit.
type Downloaded = Arc<Vec<u8>>;
type Actions = Arc<dyn Fn(Action) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + Sync>;

struct Inner {
    status: UpdateStatus,
    update: Option<tauri_plugin_updater::Update>,
    /// Downloaded and verified, for an install at quit.
    bytes: Option<Downloaded>,
    /// Installed at the next quit.
    at_quit: bool,
    /// An install is under way (the exit hook then lets the app go).
    busy: bool,
}

impl Updates {
    pub fn new(platform: Platform) -> Self {
        Self {
            platform,
            inner: Mutex::new(Inner {
                status: UpdateStatus {
                    current: crate::version().into(),
                    offer: None,
                    stage: Stage::Idle,
                    checked_at: None,
                    last_check: None,
                },
                update: None,
                bytes: None,
                at_quit: false,
                busy: false,
            }),
            actions: OnceLock::new(),
        }
    }

    /// Runs an action; before [`attach`] (no app yet) there is nothing to run it with.
    pub async fn run(&self, action: Action) -> Outcome {
        let Some(actions) = self.actions.get().cloned() else {
            return Ok(self.status());
        };
        actions(action).await
    }
}

/// Binds the actions to the app (at setup; the tests after building their app).
pub fn attach<R: Runtime>(handle: &AppHandle<R>) {
    let app = handle.clone();
    let actions: Actions = Arc::new(move |action| {
        let app = app.clone();
        Box::pin(async move {
            match action {
                Action::Check => check(&app, true).await,
                Action::InstallNow => install_now(&app).map(|()| app.state::<Updates>().status()),
                Action::InstallAtQuit => install_at_quit(&app).map(|()| app.state::<Updates>().status()),
            }
        })
    });
    let _ = handle.state::<Updates>().actions.set(actions);
}

impl Updates {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn status(&self) -> UpdateStatus {
        self.lock().status.clone()
    }
}

/// Sets the stage and tells the window.
fn set_stage<R: Runtime>(app: &AppHandle<R>, stage: Stage) {
    let updates = app.state::<Updates>();
    let status = {
        let mut inner = updates.lock();
        inner.status.stage = stage;
        inner.status.clone()
    };
    app.state::<AppState>().live.send(LiveEvent::Update { status });
}

/// The installed package kind (written into the binary by Tauri's bundler), and whether
/// a Linux system package can get the administrator rights it needs.
pub fn platform() -> Platform {
    use tauri::utils::config::BundleType;
    let package = match tauri::utils::platform::bundle_type() {
        Some(BundleType::Deb) => Package::Deb,
        Some(BundleType::Rpm) => Package::Rpm,
        Some(BundleType::AppImage) => Package::AppImage,
        Some(BundleType::Msi) => Package::Msi,
        Some(BundleType::Nsis) => Package::Nsis,
        Some(BundleType::App | BundleType::Dmg) => Package::MacApp,
        None => Package::FromSource,
    };
    Platform { package, can_elevate: can_elevate() }
}

/// The updater installs a .deb or .rpm through `pkexec`, else `sudo`; with neither on
/// the PATH it can only fail after the download.
#[cfg(target_os = "linux")]
fn can_elevate() -> bool {
    let on_path = |tool: &str| {
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
    };
    on_path("pkexec") || on_path("sudo")
}

/// Windows' installers ask for elevation themselves (UAC); macOS replaces the .app the
/// user owns.
#[cfg(not(target_os = "linux"))]
fn can_elevate() -> bool {
    true
}

/// Sorts the updater's errors into the refusals core words in French.
fn failure(e: &tauri_plugin_updater::Error) -> Failure {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => Failure::Signature,
        E::InvalidUpdaterFormat | E::BinaryNotFoundInArchive => Failure::NotAPackage,
        E::TargetNotFound(_) | E::TargetsNotFound(_) | E::UnsupportedArch | E::UnsupportedOs => {
            Failure::NoPackageForThisSystem
        }
        E::AuthenticationFailed | E::DebInstallFailed | E::PackageInstallFailed => Failure::InstallRefused,
        _ => Failure::Download,
    }
}

fn refusal(e: &tauri_plugin_updater::Error, version: &str) -> comptoir_core::Error {
    tracing::warn!(version, error = %e, "mise à jour : refus de l'updater");
    update::refused(failure(e), version)
}

/// The plugin's update, as core's [`Installer`].
struct PluginInstaller<'a>(&'a tauri_plugin_updater::Update);

impl Installer for PluginInstaller<'_> {
    fn version(&self) -> &str {
        &self.0.version
    }

    async fn download(&self, mut progress: impl FnMut(u64, Option<u64>) + Send) -> Result<Vec<u8>> {
        let mut received = 0u64;
        self.0
            .download(
                |chunk, total| {
                    received += chunk as u64;
                    progress(received, total);
                },
                || {},
            )
            .await
            .map_err(|e| refusal(&e, &self.0.version))
    }

    fn install(&self, bytes: &[u8]) -> Result<()> {
        self.0.install(bytes).map_err(|e| refusal(&e, &self.0.version))
    }
}

/// Looks for an update. `manual` (« Rechercher une mise à jour »): an unreachable
/// server or a refused manifest is said; the daily look only notes it in the status
/// and the log.
pub async fn check<R: Runtime>(app: &AppHandle<R>, manual: bool) -> std::result::Result<UpdateStatus, ErrorPayload> {
    let updates = app.state::<Updates>();
    if updates.lock().busy {
        return Ok(updates.status());
    }
    // Every announced release comes back, older ones included, so that core compares
    // and a replayed older manifest is refused in words rather than silently ignored.
    let checked = match app.updater_builder().version_comparator(|_, _| true).build() {
        Ok(u) => u.check().await,
        Err(e) => Err(e),
    };
    let now = chrono::Utc::now().to_rfc3339();
    let mut inner = updates.lock();
    inner.status.checked_at = Some(now);
    let outcome: std::result::Result<Option<tauri_plugin_updater::Update>, comptoir_core::Error> = match checked {
        Ok(None) => Ok(None),
        Ok(Some(u)) => update::is_offer(crate::version(), &u.version).map(|newer| newer.then_some(u)),
        Err(e @ (tauri_plugin_updater::Error::TargetNotFound(_) | tauri_plugin_updater::Error::TargetsNotFound(_))) => {
            Err(refusal(&e, "annoncée"))
        }
        Err(e) => {
            tracing::info!(error = %e, "serveur des mises à jour injoignable");
            Err(update::unreachable())
        }
    };
    match outcome {
        Ok(Some(u)) => {
            let known = inner.status.offer.as_ref().is_some_and(|o| o.version == u.version);
            if !known {
                tracing::info!(version = %u.version, "mise à jour disponible");
                inner.status.offer = Some(UpdateOffer {
                    version: u.version.clone(),
                    notes: u.body.clone().unwrap_or_default(),
                    blocked: update::can_apply(updates.platform, &u.version).err().map(Into::into),
                });
                inner.status.stage = Stage::Available;
                inner.bytes = None;
                inner.at_quit = false;
                inner.update = Some(u);
            }
            inner.status.last_check = None;
        }
        Ok(None) => {
            inner.status.last_check = Some(update::up_to_date(crate::version()));
        }
        Err(e) => {
            tracing::warn!(error = %e, "vérification des mises à jour");
            inner.status.last_check = Some(e.to_string());
            if manual {
                let status = inner.status.clone();
                drop(inner);
                app.state::<AppState>().live.send(LiveEvent::Update { status });
                return Err(e.into());
            }
        }
    }
    let status = inner.status.clone();
    drop(inner);
    app.state::<AppState>().live.send(LiveEvent::Update { status: status.clone() });
    Ok(status)
}

/// The daily look, for as long as the app runs.
pub fn spawn_checks<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(update::FIRST_CHECK_AFTER).await;
        loop {
            let _ = check(&app, false).await;
            tokio::time::sleep(update::CHECK_EVERY).await;
        }
    });
}

fn busy<R: Runtime>(app: &AppHandle<R>) -> impl Fn() -> Busy + use<R> {
    let app = app.clone();
    move || {
        let state = app.state::<AppState>();
        Busy {
            import: state.import_control.lock().unwrap_or_else(|e| e.into_inner()).is_some(),
            photos: state.photos_cancel.lock().unwrap_or_else(|e| e.into_inner()).is_some(),
            sync: state.sync.state().borrow().running,
        }
    }
}

/// Takes the offer for an install: refused when there is none, when it is blocked, or
/// when an install already runs.
fn take<R: Runtime>(
    app: &AppHandle<R>,
) -> std::result::Result<(tauri_plugin_updater::Update, Option<Downloaded>), ErrorPayload> {
    let updates = app.state::<Updates>();
    let mut inner = updates.lock();
    let Some(u) = inner.update.clone() else {
        return Err(comptoir_core::Error::not_found("mise à jour", "aucune n'est proposée").into());
    };
    if let Some(blocked) = inner.status.offer.as_ref().and_then(|o| o.blocked.clone()) {
        return Err(blocked);
    }
    if inner.busy {
        return Err(comptoir_core::Error::Conflict("La mise à jour est déjà en cours.".into()).into());
    }
    inner.busy = true;
    Ok((u, inner.bytes.clone()))
}

async fn download_once<R: Runtime>(
    app: &AppHandle<R>,
    u: &tauri_plugin_updater::Update,
    have: Option<Arc<Vec<u8>>>,
) -> Result<Arc<Vec<u8>>> {
    if let Some(b) = have {
        return Ok(b);
    }
    let progress_app = app.clone();
    let bytes = Arc::new(update::download(&PluginInstaller(u), move |s| set_stage(&progress_app, s)).await?);
    app.state::<Updates>().lock().bytes = Some(bytes.clone());
    Ok(bytes)
}

async fn install_downloaded<R: Runtime>(
    app: &AppHandle<R>,
    u: &tauri_plugin_updater::Update,
    bytes: &[u8],
) -> Result<()> {
    let state = app.state::<AppState>();
    let stage_app = app.clone();
    update::install(
        &PluginInstaller(u),
        bytes,
        busy(app),
        &state.data_dir,
        Some(&*state.backup_keychain),
        chrono::Utc::now,
        move |s| set_stage(&stage_app, s),
    )
    .await
    .map(drop)
}

fn failed<R: Runtime>(app: &AppHandle<R>, e: comptoir_core::Error) {
    tracing::warn!(error = %e, "mise à jour non installée");
    app.state::<Updates>().lock().busy = false;
    set_stage(app, Stage::Failed { error: e.into() });
}

/// « Installer maintenant »: download (if not yet), wait for the work running, back up,
/// install, restart into the new version. Runs in the background; the window follows
/// the stages.
pub fn install_now<R: Runtime>(app: &AppHandle<R>) -> std::result::Result<(), ErrorPayload> {
    let (u, have) = take(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let done = async {
            let bytes = download_once(&app, &u, have).await?;
            install_downloaded(&app, &u, &bytes).await
        };
        match done.await {
            Ok(()) => app.request_restart(),
            Err(e) => failed(&app, e),
        }
    });
    Ok(())
}

/// « À la prochaine fermeture »: downloaded and verified now, installed when Comptoir
/// is quit (see [`on_exit_requested`]).
pub fn install_at_quit<R: Runtime>(app: &AppHandle<R>) -> std::result::Result<(), ErrorPayload> {
    let (u, have) = take(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match download_once(&app, &u, have).await {
            Ok(_) => {
                {
                    let updates = app.state::<Updates>();
                    let mut inner = updates.lock();
                    inner.at_quit = true;
                    inner.busy = false;
                }
                set_stage(&app, Stage::AtQuit);
            }
            Err(e) => failed(&app, e),
        }
    });
    Ok(())
}

/// Comptoir is quitting with an update to install at quit: the exit waits for the work
/// running, the backup and the install, then goes on. Returns whether the exit must be
/// held (the install then exits the app itself).
pub fn on_exit_requested<R: Runtime>(app: &AppHandle<R>) -> bool {
    let (u, bytes) = {
        let updates = app.state::<Updates>();
        let mut inner = updates.lock();
        if !inner.at_quit || inner.busy {
            return false;
        }
        let (Some(u), Some(b)) = (inner.update.clone(), inner.bytes.clone()) else {
            return false;
        };
        inner.busy = true;
        inner.at_quit = false;
        (u, b)
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = install_downloaded(&app, &u, &bytes).await {
            // The app closes anyway, as asked; the offer is made again at the next start.
            tracing::warn!(error = %e, "mise à jour à la fermeture non installée");
        }
        app.exit(0);
    });
    true
}
