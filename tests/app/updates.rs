//! Updates through the real updater plugin and the app's commands (mock runtime), from
//! a real HTTP server on loopback, with packages signed by a throwaway minisign key (the
//! way `tauri signer sign` signs): an offer with its French notes; an older or equal
//! version refused or ignored; a package whose signature does not match, or whose
//! download is cut short, refused in French with nothing kept; a build from the sources
//! told what to do instead. Installing a real package is the packaging test's
//! (`scripts/test-packages.sh`), which builds them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use comptoir_core::update::{Package, Platform};
use serde_json::{Value, json};
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// What the server answers for a path: the body, and a Content-Length to announce
/// instead of the body's (a download cut short).
#[derive(Clone)]
struct Reply {
    body: Vec<u8>,
    announced_len: Option<usize>,
}

/// A minimal HTTP/1.1 server: one request per connection, replies from a table the
/// test changes between steps.
pub(crate) struct Server {
    port: u16,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
}

impl Server {
    fn start() -> Self {
        Self::bind(0)
    }

    /// On a given port (the packaging test's packages have their update address built in).
    pub(crate) fn bind(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let table = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let table = table.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    // Drain the headers.
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) <= 2 {
                            break;
                        }
                    }
                    let reply = table.lock().unwrap().get(&path).cloned();
                    let _ = match reply {
                        Some(r) => {
                            let len = r.announced_len.unwrap_or(r.body.len());
                            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
                                .and_then(|()| stream.write_all(&r.body))
                        }
                        None => {
                            write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        }
                    };
                    // Closing with fewer bytes than announced is the cut-short download.
                });
            }
        });
        Self { port, routes }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn serve(&self, path: &str, body: Vec<u8>, announced_len: Option<usize>) {
        self.routes.lock().unwrap().insert(path.into(), Reply { body, announced_len });
    }
}

/// The release key of these tests, made for each run (the real one never leaves the
/// publisher's machine).
struct Key(minisign::KeyPair);

impl Key {
    fn new() -> Self {
        Self(minisign::KeyPair::generate_unencrypted_keypair().unwrap())
    }

    /// As tauri.conf.json holds it: the base64 of minisign's public key file.
    fn public(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.pk.to_box().unwrap().to_string())
    }

    /// As the manifest holds it: the base64 of the `.sig` file.
    fn sign(&self, bytes: &[u8]) -> String {
        let sig =
            minisign::sign(None, &self.0.sk, std::io::Cursor::new(bytes), Some("timestamp:0\tfile:comptoir.deb"), None)
                .unwrap();
        base64::engine::general_purpose::STANDARD.encode(sig.to_string())
    }
}

/// A package-like payload: only its signature matters to the download.
fn package_bytes() -> Vec<u8> {
    (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

fn manifest(server: &Server, version: &str, pkg_path: &str, signature: &str) -> Vec<u8> {
    let entry = json!({"url": server.url(pkg_path), "signature": signature});
    serde_json::to_vec(&json!({
        "version": version,
        "notes": "Nouveautés : les promotions de Noël s'affichent sur la vitrine.",
        "pub_date": "2026-12-01T09:00:00Z",
        "platforms": {
            "linux-x86_64": entry, "linux-x86_64-deb": entry, "windows-x86_64": entry,
            "darwin-x86_64": entry, "darwin-aarch64": entry, "linux-aarch64": entry,
        }
    }))
    .unwrap()
}

struct Harness {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn harness(server: &Server, key: &Key, package: Package) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let state = tauri::async_runtime::block_on(comptoir_app::AppState::open(
        Some(dir.path()),
        Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
        Arc::new(comptoir_core::sync::credentials::MemoryKeychain::default()),
    ))
    .unwrap();
    let mut context = mock_context(noop_assets());
    // The app's own configuration, with this test's key and server in place of the
    // Département's (http allowed: loopback).
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({
            "pubkey": key.public(),
            "endpoints": [server.url("/latest.json")],
            "dangerousInsecureTransportProtocol": true,
        }),
    );
    let builder = comptoir_app::specta_builder::<MockRuntime>();
    let app = mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(state)
        .manage(comptoir_app::updates::Updates::new(Platform { package, can_elevate: true }))
        .invoke_handler(builder.invoke_handler())
        .build(context)
        .unwrap();
    builder.mount_events(&app);
    comptoir_app::updates::attach(app.handle());
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    Harness { _app: app, webview, _dir: dir }
}

impl Harness {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        crate::ipc::invoke_on(&self.webview, cmd, body)
    }

    /// « Rechercher une mise à jour » then « À la prochaine fermeture »: the status once
    /// the download has ended (kept for the quit, or refused).
    fn fetch_for_quit(&self) -> Value {
        self.invoke("update_check", json!({})).unwrap();
        self.invoke("update_install_at_quit", json!({})).unwrap();
        self.settled()
    }

    /// Waits for the background download to reach a stage other than downloading.
    fn settled(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.invoke("update_status", json!({})).unwrap();
            let stage = status["stage"]["stage"].as_str().unwrap().to_owned();
            if stage != "downloading" && stage != "available" {
                return status;
            }
            assert!(Instant::now() < deadline, "still {stage}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn an_update_is_offered_in_french_downloaded_verified_and_kept_for_the_next_quit() {
    let (server, key) = (Server::start(), Key::new());
    let bytes = package_bytes();
    server.serve("/comptoir_9.0.0_amd64.deb", bytes.clone(), None);
    server.serve("/latest.json", manifest(&server, "9.0.0", "/comptoir_9.0.0_amd64.deb", &key.sign(&bytes)), None);
    let h = harness(&server, &key, Package::Deb);

    let status = h.invoke("update_status", json!({})).unwrap();
    assert_eq!(status["current"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["stage"]["stage"], "idle");

    let status = h.invoke("update_check", json!({})).unwrap();
    assert_eq!(status["offer"]["version"], "9.0.0");
    assert_eq!(status["offer"]["notes"], "Nouveautés : les promotions de Noël s'affichent sur la vitrine.");
    assert_eq!(status["offer"]["blocked"], Value::Null);
    assert_eq!(status["stage"]["stage"], "available");

    h.invoke("update_install_at_quit", json!({})).unwrap();
    let status = h.settled();
    assert_eq!(status["stage"]["stage"], "at_quit", "{status}");
}

#[test]
fn a_package_that_does_not_match_its_signature_is_refused_and_nothing_is_kept() {
    let (server, key) = (Server::start(), Key::new());
    let bytes = package_bytes();
    let signature = key.sign(&bytes);
    let mut tampered = bytes.clone();
    tampered[100_000] ^= 0x40;
    server.serve("/pkg.deb", tampered, None);
    server.serve("/latest.json", manifest(&server, "9.0.0", "/pkg.deb", &signature), None);
    let h = harness(&server, &key, Package::Deb);
    let status = h.fetch_for_quit();
    let error = &status["stage"]["error"];
    assert_eq!(status["stage"]["stage"], "failed", "{status}");
    assert_eq!(error["code"], "update_refused");
    let msg = error["message"].as_str().unwrap();
    assert!(msg.starts_with("La mise à jour 9.0.0 n'a pas été installée : sa signature ne correspond pas"), "{msg}");
    assert!(msg.contains("Rien n'a été modifié"), "{msg}");

    // Signed by another key (not the Département's): refused the same way.
    let other = Key::new();
    server.serve("/pkg.deb", bytes.clone(), None);
    server.serve("/latest.json", manifest(&server, "9.0.1", "/pkg.deb", &other.sign(&bytes)), None);
    let status = h.fetch_for_quit();
    assert_eq!(status["stage"]["error"]["code"], "update_refused", "{status}");

    // The right signature now: taken, though the bad tries came first.
    server.serve("/latest.json", manifest(&server, "9.0.2", "/pkg.deb", &key.sign(&bytes)), None);
    assert_eq!(h.fetch_for_quit()["stage"]["stage"], "at_quit");
}

#[test]
fn a_download_cut_short_is_refused_as_interrupted() {
    let (server, key) = (Server::start(), Key::new());
    let bytes = package_bytes();
    // The server announces the whole file and closes half-way.
    server.serve("/pkg.deb", bytes[..bytes.len() / 2].to_vec(), Some(bytes.len()));
    server.serve("/latest.json", manifest(&server, "9.0.0", "/pkg.deb", &key.sign(&bytes)), None);
    let h = harness(&server, &key, Package::Deb);
    let status = h.fetch_for_quit();
    assert_eq!(status["stage"]["stage"], "failed", "{status}");
    assert_eq!(status["stage"]["error"]["code"], "update_download");
    assert!(status["stage"]["error"]["message"].as_str().unwrap().contains("le téléchargement s'est interrompu"));

    // A file served whole but itself truncated fails its signature instead.
    server.serve("/pkg.deb", bytes[..bytes.len() / 2].to_vec(), None);
    server.serve("/latest.json", manifest(&server, "9.0.1", "/pkg.deb", &key.sign(&bytes)), None);
    assert_eq!(h.fetch_for_quit()["stage"]["error"]["code"], "update_refused");
}

#[test]
fn an_older_manifest_is_refused_and_the_same_version_is_up_to_date() {
    let (server, key) = (Server::start(), Key::new());
    let bytes = package_bytes();
    server.serve("/pkg.deb", bytes.clone(), None);
    server.serve("/latest.json", manifest(&server, "0.0.9", "/pkg.deb", &key.sign(&bytes)), None);
    let h = harness(&server, &key, Package::Deb);
    let e = h.invoke("update_check", json!({})).unwrap_err();
    assert_eq!(e["code"], "update_refused");
    assert!(e["message"].as_str().unwrap().contains("propose la version 0.0.9, qui n'est pas plus récente"), "{e}");
    let status = h.invoke("update_status", json!({})).unwrap();
    assert_eq!(status["offer"], Value::Null);
    // Nothing to take.
    assert_eq!(h.invoke("update_install_now", json!({})).unwrap_err()["code"], "not_found");

    server.serve("/latest.json", manifest(&server, env!("CARGO_PKG_VERSION"), "/pkg.deb", &key.sign(&bytes)), None);
    let status = h.invoke("update_check", json!({})).unwrap();
    assert_eq!(status["offer"], Value::Null);
    assert_eq!(status["last_check"], format!("Comptoir {} est à jour.", env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_unreachable_server_is_said_when_asked_and_a_build_from_source_is_told_what_to_do() {
    let (server, key) = (Server::start(), Key::new());
    let h = harness(&server, &key, Package::FromSource);
    // No manifest served: 404.
    let e = h.invoke("update_check", json!({})).unwrap_err();
    assert_eq!(e["code"], "update_download", "{e}");
    assert!(e["message"].as_str().unwrap().contains("Comptoir réessaiera demain"), "{e}");

    let bytes = package_bytes();
    server.serve("/pkg.deb", bytes.clone(), None);
    server.serve("/latest.json", manifest(&server, "9.0.0", "/pkg.deb", &key.sign(&bytes)), None);
    let status = h.invoke("update_check", json!({})).unwrap();
    let blocked = &status["offer"]["blocked"];
    assert_eq!(blocked["code"], "update_unsupported");
    assert!(blocked["message"].as_str().unwrap().contains("compilée depuis les sources"), "{blocked}");
    // Refused before any download.
    let e = h.invoke("update_install_now", json!({})).unwrap_err();
    assert_eq!(e["code"], "update_unsupported");
    assert_eq!(h.invoke("update_status", json!({})).unwrap()["stage"]["stage"], "available");
}
