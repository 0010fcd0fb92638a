//! Issue 16: the installers.
//!
//! Every CI run checks the configuration the packages are built from, for the three
//! systems (the bundler itself runs on each one: Linux here, Windows and macOS on theirs).
//!
//! The packaging test proper is ignored here and run by `scripts/test-packages.sh`, which
//! builds release packages (too slow for every run): it installs the 0.1.0 .deb with
//! apt, opens the installed app in its window, removes the package and finds the shop's
//! data untouched; reinstalls, lets the app update itself from a loopback server — to
//! 0.1.1 when its window is closed, to 0.1.2 at once with a restart — and show each
//! version with the demo catalogue intact; then refuses a tampered package.
#![cfg(target_os = "linux")]
// The packaging test prints its timings and sizes for the closing note.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::e2e::{Driver, WAIT, click, screenshot, texts, wait_js, wait_text};
use crate::updates::Server;

fn conf() -> Value {
    serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap()
}

#[test]
fn the_installers_are_configured_for_every_system_in_french() {
    // What the bundler reads, through Tauri's own types (unknown or misspelt keys fail).
    let config: tauri::utils::config::Config = serde_json::from_value(conf()).unwrap();
    let bundle = &config.bundle;
    let targets = format!("{:?}", bundle.targets);
    for t in ["Deb", "Rpm", "Msi", "Nsis", "App", "Dmg"] {
        assert!(targets.contains(t), "{t} missing from {targets}");
    }
    assert!(bundle.active);
    assert_eq!(format!("{:?}", bundle.create_updater_artifacts), "Bool(true)");
    // Windows: the installer in French, per user (no administrator on most shop PCs),
    // WebView2's bootstrapper embedded (a Windows 10 PC may lack it, and be offline).
    let nsis = bundle.windows.nsis.as_ref().unwrap();
    assert_eq!(nsis.languages.as_deref(), Some(&["French".to_owned()][..]));
    assert_eq!(format!("{:?}", nsis.install_mode), "CurrentUser");
    assert!(format!("{:?}", bundle.windows.wix.as_ref().unwrap().language).contains("fr-FR"));
    assert!(format!("{:?}", bundle.windows.webview_install_mode).contains("EmbedBootstrapper"));
    assert_eq!(bundle.macos.minimum_system_version.as_deref(), Some("10.15"));
    // Linux: the bundler declares WebKitGTK, GTK and the tray's appindicator itself (the
    // packaging test reads them in the installed package); the keychain is recommended.
    let deb = &bundle.linux.deb;
    assert_eq!(deb.recommends.as_deref(), Some(&["gnome-keyring".to_owned()][..]));
    assert_eq!(bundle.linux.rpm.recommends.as_deref(), Some(&["gnome-keyring".to_owned()][..]));
    let template = deb.desktop_template.as_ref().unwrap();
    assert_eq!(Some(template), bundle.linux.rpm.desktop_template.as_ref());
    let desktop = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(template)).unwrap();
    for line in [
        "Comment=Catalogue, photos, commandes et promotions de votre boutique",
        "Categories=Office;",
        "Exec={{exec}}",
        "Icon={{icon}}",
    ] {
        assert!(desktop.lines().any(|l| l.starts_with(line)), "« {line} » missing from {template:?}");
    }
    for icon in &bundle.icon {
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(icon).is_file(), "{icon}");
    }

    // Updates: a minisign public key, an https address, and no private key anywhere in
    // the repository.
    let updater = &conf()["plugins"]["updater"];
    let key = base64::engine::general_purpose::STANDARD.decode(updater["pubkey"].as_str().unwrap()).unwrap();
    let key = String::from_utf8(key).unwrap();
    assert!(key.starts_with("untrusted comment: minisign public key"), "{key}");
    minisign::PublicKeyBox::from_string(&key).unwrap().into_public_key().unwrap();
    let endpoint = updater["endpoints"][0].as_str().unwrap();
    assert!(endpoint.starts_with("https://"), "{endpoint}");
    assert_eq!(updater.get("dangerousInsecureTransportProtocol"), None);
    let tracked = Command::new("git").args(["ls-files"]).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    for f in String::from_utf8(tracked.stdout).unwrap().lines() {
        if f.ends_with(".key") || f.contains("updater.key") {
            panic!("a private key is tracked: {f}");
        }
    }
}

// ---- The packaging test (scripts/test-packages.sh) ----

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn installed_version() -> Option<String> {
    let out = Command::new("dpkg-query").args(["-W", "-f", "${Status} ${Version}", "comptoir"]).output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.strip_prefix("install ok installed ").map(str::to_owned)
}

fn apt_install(deb: &Path) {
    let t = Instant::now();
    run("apt-get", &["install", "-y", "--allow-downgrades", "-q", deb.to_str().unwrap()]);
    println!("packaging: apt-get install {} in {:.1} s", deb.display(), t.elapsed().as_secs_f64());
}

/// Every file under `dir` with its size and content hash: what « untouched » means.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, String)> {
    use sha2::{Digest, Sha256};
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                all.insert(
                    p.strip_prefix(dir).unwrap().to_owned(),
                    (bytes.len() as u64, format!("{:x}", Sha256::digest(&bytes))),
                );
            }
        }
    }
    all
}

/// Sends the visible windows titled `title` the window manager's close request.
fn close_like_the_user(title: &str) {
    let out =
        Command::new("xdotool").args(["search", "--onlyvisible", "--name", &format!("^{title}$")]).output().unwrap();
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    assert!(!ids.is_empty(), "no window « {title} »");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tools/close-window.py");
    run("python3", &[script.to_str().unwrap()].into_iter().chain(ids.iter().map(String::as_str)).collect::<Vec<_>>());
}

fn wait_for_version(version: &str) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while installed_version().as_deref() != Some(version) {
        assert!(Instant::now() < deadline, "{version} never installed");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn env_path(var: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(var).unwrap_or_else(|| panic!("{var} is set by scripts/test-packages.sh")))
}

/// Waits for the restarted app's start line in the log files.
fn wait_for_start_line(data: &Path, version: &str) -> Duration {
    let t = Instant::now();
    loop {
        let logs = comptoir_core::logs::dir(data);
        let found = std::fs::read_dir(&logs).into_iter().flatten().flatten().any(|e| {
            std::fs::read_to_string(e.path())
                .is_ok_and(|s| s.lines().any(|l| l.contains(&format!("Comptoir {version} démarre"))))
        });
        if found {
            return t.elapsed();
        }
        assert!(t.elapsed() < Duration::from_secs(180), "no start of Comptoir {version} in {}", logs.display());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The installed app on the shop's data, with the demo catalogue (19 products) and the
/// help open on its version.
async fn open_installed(data: &Path, version: &str) -> (Driver, fantoccini::Client) {
    let driver = Driver::start(data);
    let c = driver.session_of(Path::new("/usr/bin/comptoir")).await;
    wait_text(&c, "[data-testid=first-step-products]", "19 produit(s)").await;
    click(&c, "[data-testid=help-button]").await;
    wait_text(&c, "[data-testid=app-version]", &format!("Comptoir {version}")).await;
    (driver, c)
}

/// « Rechercher une mise à jour », the banner offers `offered`, « Installer maintenant ».
async fn install_offered(c: &fantoccini::Client, offered: &str) {
    click(c, "[data-testid=update-check]").await;
    wait_text(c, "[data-testid=update-text]", &format!("Mise à jour {offered} disponible")).await;
    c.execute("document.querySelector('[data-testid=help] button.primary').click()", vec![]).await.unwrap();
    c.execute("document.querySelector('[data-testid=update-now]').click()", vec![]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "builds release packages: run by scripts/test-packages.sh"]
async fn the_deb_installs_runs_updates_itself_and_refuses_a_tampered_update() {
    let old_deb = env_path("COMPTOIR_PKG_OLD");
    let served = env_path("COMPTOIR_PKG_SERVE");
    let port: u16 = std::env::var("COMPTOIR_PKG_PORT").unwrap().parse().unwrap();
    let bin = Path::new("/usr/bin/comptoir");
    let data = tempfile::tempdir().unwrap();

    // 1. Install 0.1.0 with the system's package manager.
    let _ = Command::new("apt-get").args(["remove", "-y", "-q", "comptoir"]).output();
    apt_install(&old_deb);
    assert_eq!(installed_version().as_deref(), Some("0.1.0"));
    let fields = run("dpkg-query", &["-W", "-f", "${Installed-Size}\t${Depends}", "comptoir"]);
    println!(
        "packaging: installed 0.1.0: Installed-Size {} KiB, Depends: {}",
        fields.split('\t').next().unwrap(),
        fields.split('\t').nth(1).unwrap()
    );
    for d in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libayatana-appindicator3-1"] {
        assert_eq!(fields.matches(d).count(), 1, "{d} in {fields}");
    }
    let listed = run("dpkg", &["-L", "comptoir"]);
    let desktop = listed.lines().find(|l| l.ends_with(".desktop")).expect("a desktop entry");
    let entry = std::fs::read_to_string(desktop).unwrap();
    assert!(entry.contains("Comment=Catalogue, photos, commandes et promotions"), "{entry}");
    assert!(entry.contains("Categories=Office;"), "{entry}");
    assert!(listed.lines().any(|l| l.contains("/icons/hicolor/")), "{listed}");

    // 2. The installed binary opens its French window; the demo shop goes in.
    let t = Instant::now();
    let driver = Driver::start(data.path());
    let c = driver.session_of(bin).await;
    wait_text(&c, "[data-testid=start-demo]", "").await;
    println!("packaging: installed app's window in {:.1} s", t.elapsed().as_secs_f64());
    let welcome = texts(&c, "main").await.join(" ");
    assert!(welcome.contains("Bienvenue"), "{welcome}");
    click(&c, "[data-testid=start-demo]").await;
    wait_text(&c, "[data-testid=first-step-products]", "19 produit(s)").await;
    screenshot(&c, "packaging-installed-0.1.0.png").await;
    c.close().await.unwrap();
    drop(driver);

    // 3. Removing the package leaves the shop's data alone.
    let before = snapshot(data.path());
    assert!(before.keys().any(|p| p.ends_with("comptoir.db")), "{before:?}");
    run("apt-get", &["remove", "-y", "-q", "comptoir"]);
    assert!(!bin.exists());
    assert_eq!(snapshot(data.path()), before, "the data directory changed when the package was removed");
    println!("packaging: removed; {} files in the data directory untouched", before.len());

    // 4. Reinstalled, it finds 0.1.1 on the update server; « À la prochaine fermeture »:
    //    downloaded now, installed when the window is closed (after a backup), no restart.
    apt_install(&old_deb);
    let server = Server::bind(port);
    for f in std::fs::read_dir(&served).unwrap() {
        let p = f.unwrap().path();
        server.serve(&format!("/{}", p.file_name().unwrap().to_str().unwrap()), std::fs::read(&p).unwrap(), None);
    }
    let release = |v: &str| -> (Value, PathBuf) {
        let m: Value =
            serde_json::from_slice(&std::fs::read(served.join(format!("latest-{v}.json"))).unwrap()).unwrap();
        let url = m["platforms"]["linux-x86_64-deb"]["url"].as_str().unwrap().to_owned();
        let deb = served.join(url.rsplit('/').next().unwrap());
        server.serve("/latest.json", serde_json::to_vec(&m).unwrap(), None);
        (m, deb)
    };
    let (_, deb_011) = release("0.1.1");
    println!("packaging: update download {} bytes ({})", std::fs::metadata(&deb_011).unwrap().len(), deb_011.display());
    let (driver, c) = open_installed(data.path(), "0.1.0").await;
    click(&c, "[data-testid=update-check]").await;
    wait_text(&c, "[data-testid=update-text]", "Mise à jour 0.1.1 disponible").await;
    c.execute("document.querySelector('[data-testid=help] button.primary').click()", vec![]).await.unwrap();
    c.execute("document.querySelector('[data-testid=update-at-quit]').click()", vec![]).await.unwrap();
    wait_text(&c, "[data-testid=update-text]", "sera installée à la fermeture de Comptoir").await;
    assert_eq!(installed_version().as_deref(), Some("0.1.0"), "installed before the quit");
    let t = Instant::now();
    // The window closed as the shopkeeper closes it, by its close button (the session is
    // left alone: ending it would have WebKitWebDriver kill the app mid-install).
    close_like_the_user("Comptoir");
    wait_for_version("0.1.1");
    println!("packaging: 0.1.1 installed {:.1} s after the window was closed", t.elapsed().as_secs_f64());
    let deadline = Instant::now() + Duration::from_secs(30);
    while Command::new("pgrep").args(["-x", "comptoir"]).status().unwrap().success() {
        assert!(Instant::now() < deadline, "Comptoir still running after its quit");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(driver);

    // 5. Started again: 0.1.1, the demo catalogue intact. 0.1.2 « Installer maintenant »:
    //    backup, install, restart into 0.1.2.
    let (_, deb_012) = release("0.1.2");
    let (driver, c) = open_installed(data.path(), "0.1.1").await;
    let t = Instant::now();
    install_offered(&c, "0.1.2").await;
    // The window goes with the old process; the package manager and the log say the rest.
    wait_for_version("0.1.2");
    println!("packaging: 0.1.2 installed {:.1} s after « Installer maintenant »", t.elapsed().as_secs_f64());
    wait_for_start_line(data.path(), "0.1.2");
    println!("packaging: restarted into 0.1.2 {:.1} s after « Installer maintenant »", t.elapsed().as_secs_f64());
    let before_update = comptoir_core::backup::list_backups(data.path())
        .unwrap()
        .iter()
        .filter(|b| b.reason == comptoir_core::backup::Reason::BeforeUpdate)
        .count();
    assert_eq!(before_update, 2, "one backup before each update");
    let _ = c.close().await;
    drop(driver);
    // The restarted app is nobody's child here: stop it before opening a session.
    let _ = Command::new("pkill").args(["-TERM", "-x", "comptoir"]).status();
    std::thread::sleep(Duration::from_secs(2));

    // 6. 0.1.2 shows itself with the catalogue; a tampered package announced as 0.1.3
    //    (0.1.2's signature, one byte changed) is refused in French, 0.1.2 stays.
    let (driver, c) = open_installed(data.path(), "0.1.2").await;
    screenshot(&c, "packaging-updated-0.1.2.png").await;
    let (mut m, _) = release("0.1.2");
    let mut tampered = std::fs::read(&deb_012).unwrap();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    server.serve("/tampered.deb", tampered, None);
    m["version"] = json!("0.1.3");
    for (_, entry) in m["platforms"].as_object_mut().unwrap() {
        entry["url"] = json!(format!("http://127.0.0.1:{port}/tampered.deb"));
    }
    server.serve("/latest.json", serde_json::to_vec(&m).unwrap(), None);
    install_offered(&c, "0.1.3").await;
    wait_js(
        &c,
        "the tampered update is refused",
        "document.querySelector('[data-testid=update-banner]')?.dataset.stage === 'failed'",
    )
    .await;
    let said = texts(&c, "[data-testid=update-text]").await.join(" ");
    println!("packaging: tampered 0.1.3 refused: « {said} »");
    assert!(said.contains("sa signature ne correspond pas") && said.contains("Rien n'a été modifié"), "{said}");
    assert_eq!(installed_version().as_deref(), Some("0.1.2"));
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=search]")).await.unwrap();
    screenshot(&c, "packaging-tampered-refused.png").await;
    c.close().await.unwrap();
    drop(driver);
    run("apt-get", &["remove", "-y", "-q", "comptoir"]);
}
