//! The real app in a real WebKitGTK window, driven through tauri-driver and
//! WebKitWebDriver: create a product in the UI, find it by searching without accents,
//! restart the app, and find it again. Needs an X display (`.ci/run` starts Xvfb) and
//! `tauri-driver` on the PATH (or in `TAURI_DRIVER`); it fails loudly otherwise.
#![cfg(target_os = "linux")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn start(data_dir: &Path) -> Self {
        // No camera here: WebKit's mock capture device stands in for the webcam.
        Self::start_with(data_dir, |cmd| {
            cmd.env("COMPTOIR_MOCK_CAMERA", "1");
        })
    }

    /// The same, with more of the app's environment set by `configure` (the footprint
    /// bench runs the app as a shop does, under several WebKit settings).
    pub fn start_with(data_dir: &Path, configure: impl FnOnce(&mut Command)) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end test needs an X display: run it through .ci/run or xvfb-run"
        );
        let program = std::env::var_os("TAURI_DRIVER").map(PathBuf::from).unwrap_or_else(|| "tauri-driver".into());
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(&program);
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            // The app inherits this environment through tauri-driver and WebKitWebDriver.
            .env(comptoir_core::paths::DATA_DIR_ENV, data_dir)
            // The driver ends a session by closing the window: quit then, not to the tray.
            .env("COMPTOIR_QUIT_ON_CLOSE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        configure(&mut cmd);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start {}: {e} (cargo install tauri-driver --locked)", program.display())
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }

    pub async fn session(&self) -> Client {
        self.session_of(Path::new(env!("CARGO_BIN_EXE_comptoir"))).await
    }

    /// A session with another build of the app (the packaging test's installed one).
    pub async fn session_of(&self, app: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({"application": app}));
        ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session with the Comptoir window")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

pub(crate) async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c.wait().at_most(WAIT).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Waits until the catalogue list shows exactly the rows whose names are `names`.
async fn wait_for_rows(c: &Client, names: &[&str]) {
    let deadline = Instant::now() + WAIT;
    loop {
        // textContent rather than WebDriver's "visible text", whose visibility heuristics
        // stumble on the virtual list's absolutely positioned rows.
        let seen: Vec<String> = serde_json::from_value(
            c.execute(
                "return [...document.querySelectorAll('[data-testid=product-row] [data-testid=row-name]')].map(e => e.textContent.trim())",
                vec![],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        if seen == names {
            return;
        }
        if Instant::now() >= deadline {
            screenshot(c, "e2e-failure.png").await;
            panic!("expected rows {names:?}, the window shows {seen:?} (see artifacts/e2e-failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    // Two animation frames, or the capture may predate the last change.
    c.execute_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
        vec![],
    )
    .await
    .unwrap();
    let png = c.screenshot().await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_a_product_find_it_without_accents_and_keep_it_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());

    let c = driver.session().await;
    // A new shop is greeted in French and offered a clean start.
    let title = c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=welcome] h1")).await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Bienvenue dans Comptoir");
    click(&c, "[data-testid=start-clean]").await;
    click(&c, "[data-testid=empty-new-product]").await;

    type_into(&c, "#product-name", "Pâté de campagne de l'Orne").await;
    type_into(&c, "[data-testid=variant-sku-0]", "PAT-ORNE-180").await;
    // An unreadable price is caught inline before anything is sent.
    type_into(&c, "[data-testid=variant-price-0]", "douze").await;
    click(&c, "[data-testid=save-product]").await;
    let msg = c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=variant-price-0-error]")).await.unwrap();
    assert_eq!(msg.text().await.unwrap(), "Prix illisible (exemple attendu : 12,50)");
    type_into(&c, "[data-testid=variant-price-0]", "12,50").await;
    type_into(&c, "[data-testid=variant-stock-0]", "8").await;
    click(&c, "[data-testid=save-product]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=toast]")).await.unwrap();

    type_into(&c, "[data-testid=search]", "pate orne").await;
    wait_for_rows(&c, &["Pâté de campagne de l'Orne"]).await;
    let price = c
        .execute(
            "return document.querySelector('[data-testid=product-row] [data-testid=row-price]').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(price, "12,50\u{a0}€");
    type_into(&c, "[data-testid=search]", "camembert").await;
    wait_for_rows(&c, &[]).await;
    type_into(&c, "[data-testid=search]", "PATE").await;
    wait_for_rows(&c, &["Pâté de campagne de l'Orne"]).await;
    screenshot(&c, "e2e-catalogue.png").await;
    c.close().await.unwrap();

    // Restart: a new session launches a new app process on the same data directory.
    let c = driver.session().await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=search]")).await.unwrap();
    type_into(&c, "[data-testid=search]", "campagne").await;
    wait_for_rows(&c, &["Pâté de campagne de l'Orne"]).await;
    screenshot(&c, "e2e-after-restart.png").await;
    c.close().await.unwrap();
    drop(driver);

    assert!(data.path().join("comptoir.db").exists(), "the catalogue lives in a real SQLite file");
}

/// Issue 14: the shop's own words (a bottle of cider, 75 cl) and the food information.
/// A food product cannot be published without its allergens: the editor says what is
/// missing before saving, and Rust refuses the save with the French reason on the field;
/// ticking « aucun » is an answer, and the list then shows the unit price.
#[tokio::test(flavor = "multi_thread")]
async fn a_food_product_cannot_be_published_without_its_allergens() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-clean]").await;
    click(&c, "[data-testid=empty-new-product]").await;

    type_into(&c, "#product-name", "Cidre brut fermier").await;
    type_into(&c, "[data-testid=product-packaging]", "bouteille").await;
    type_into(&c, "[data-testid=variant-sku-0]", "CID-75").await;
    type_into(&c, "[data-testid=variant-price-0]", "6,50").await;
    type_into(&c, "[data-testid=variant-net-0]", "75cl").await;
    // The unit price is Rust's, shown while typing: 6,50 € for 75 cl, half-up.
    wait_text(&c, "[data-testid=variant-unit-price-0]", "8,67 € / l").await;

    click(&c, "[data-testid=product-is-food]").await;
    type_into(&c, "[data-testid=food-ingredients]", "Pommes à cidre, levures ; contient des sulfites").await;
    type_into(&c, "[data-testid=food-storage]", "À conserver debout, au frais").await;
    type_into(&c, "[data-testid=food-abv]", "5,5").await;
    wait_text(&c, "[data-testid=alcohol-mentions]", "Vente interdite aux mineurs").await;
    // The ingredients name an allergen the checklist does not tick.
    wait_text(&c, "[data-testid=unticked-allergens]", "sulfites").await;
    // Before any save, the editor says what publishing needs.
    wait_text(&c, "[data-testid=publish-problems]", "Allergènes non renseignés").await;

    c.execute(
        "const s = document.querySelector('[data-testid=product-status]'); s.value = 'published'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "[data-testid=save-product]").await;
    let msg = wait_text(&c, "[data-testid=allergens-error]", "Allergènes non renseignés").await;
    assert!(msg.contains("« aucun »"), "{msg}");
    wait_text(&c, "[data-testid=editor-banner]", "Corrigez").await;
    screenshot(&c, "e2e-food-refused.png").await;

    click(&c, "[data-testid=allergen-sulphites]").await;
    click(&c, "[data-testid=save-product]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=toast]")).await.unwrap();
    wait_for_rows(&c, &["Cidre brut fermier"]).await;
    wait_text(&c, "[data-testid=row-packaging]", "bouteille").await;
    wait_text(&c, "[data-testid=row-unit-price]", "8,67 € / l").await;
    let badge = texts(&c, "[data-testid=product-row] .badge").await;
    assert!(badge.iter().any(|b| b == "Publié"), "{badge:?}");
    screenshot(&c, "e2e-food-published.png").await;
    c.close().await.unwrap();
}

/// Issue 18 (part): the « Premiers pas » steps ticked from what the shop holds, help on
/// every screen with « ? » or F1, closed with Échap, and the text zoom (Ctrl +, up to
/// 200 %, remembered after a restart; Ctrl 0 back to 100 %).
#[tokio::test(flavor = "multi_thread")]
async fn help_first_steps_and_the_zoom_is_remembered() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=search]")).await.unwrap();
    let key = |k: &'static str, ctrl: bool| {
        let c = c.clone();
        async move {
            c.execute(
                "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], ctrlKey: arguments[1], bubbles: true}));",
                vec![json!(k), json!(ctrl)],
            )
            .await
            .unwrap();
        }
    };
    // « Premiers pas »: the demo's products tick the first step, the marketplace is
    // still to connect; hidden, then shown again from the help.
    assert!(wait_text(&c, "[data-testid=first-step-products]", "19 produit(s)").await.contains("Vos produits"));
    let market = texts(&c, "[data-testid=first-step-market]").await.join("");
    assert!(market.contains("à faire"), "{market}");
    click(&c, "[data-testid=first-steps-hide]").await;
    wait_js(&c, "the first steps hide", "!document.querySelector('[data-testid=first-steps]')").await;
    key("F1", false).await;
    wait_text(&c, "[data-testid=help] h2", "Catalogue").await;
    click(&c, "[data-testid=help-first-steps]").await;
    wait_text(&c, "[data-testid=first-steps] h2", "Premiers pas").await;
    key("F1", false).await;
    wait_text(&c, "[data-testid=help] h2", "Catalogue").await;
    // The printable quick start, shown over the window like the pick list.
    click(&c, "[data-testid=help-quick-start]").await;
    wait_text(&c, "[data-testid=quick-start-page]", "4. Publier").await;
    key("Escape", false).await;
    wait_js(&c, "the quick start closes", "!document.querySelector('[data-testid=quick-start-page]')").await;
    key("Escape", false).await;
    wait_js(&c, "the help closes", "!document.querySelector('[data-testid=help]')").await;
    click(&c, "[data-testid=nav-import]").await;
    key("?", false).await;
    wait_text(&c, "[data-testid=help]", "rien n'est écrit avant que vous confirmiez").await;
    key("Escape", false).await;

    // The webview's own zoom: the page is laid out in fewer CSS pixels.
    let width = || {
        let c = c.clone();
        async move { c.execute("return document.documentElement.clientWidth", vec![]).await.unwrap().as_f64().unwrap() }
    };
    let normal = width().await;
    for _ in 0..5 {
        key("+", true).await;
    }
    wait_js(&c, "200 % zoom", &format!("document.documentElement.clientWidth < {} * 0.6", normal)).await;
    // Nothing is lost at 200 %: every screen's button and the help are still in view.
    wait_js(
        &c,
        "the navigation wraps rather than running off the edge",
        "[...document.querySelectorAll('.topbar button')].every(b => b.getBoundingClientRect().right <= document.documentElement.clientWidth)",
    )
    .await;
    screenshot(&c, "e2e-zoom-200.png").await;
    c.close().await.unwrap();

    let c = driver.session().await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=search]")).await.unwrap();
    wait_js(&c, "the zoom is remembered", &format!("document.documentElement.clientWidth < {} * 0.6", normal)).await;
    c.execute(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '0', ctrlKey: true, bubbles: true}));",
        vec![],
    )
    .await
    .unwrap();
    wait_js(&c, "back to 100 %", &format!("document.documentElement.clientWidth > {} * 0.95", normal)).await;
    c.close().await.unwrap();
}

/// Answers the native GTK "open" dialog the way a person would: waits for its window,
/// opens the location field (Ctrl+L), types the path and presses Entrée. xdotool drives
/// the real dialog through the X server; there is no window manager under Xvfb, so the
/// dialog is focused explicitly, and the whole gesture is repeated if the dialog is
/// still there (GTK may not have finished building its widgets the first time).
pub(crate) fn answer_file_dialog(title: &str, path: &Path) {
    let find = || -> Option<String> {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .expect("xdotool (apt install xdotool)");
        String::from_utf8_lossy(&out.stdout).lines().last().map(|l| l.trim().to_owned())
    };
    let run = |args: &[&str]| {
        let _ = Command::new("xdotool").args(args).status();
    };
    let deadline = Instant::now() + WAIT;
    let mut window = loop {
        if let Some(w) = find() {
            break w;
        }
        assert!(Instant::now() < deadline, "the file dialog « {title} » did not open");
        std::thread::sleep(Duration::from_millis(100));
    };
    for attempt in 0..4 {
        std::thread::sleep(Duration::from_millis(700 + 500 * attempt));
        run(&["windowfocus", "--sync", &window]);
        if path.is_dir() {
            // A folder chooser opens on « Recent », where nothing can be chosen: go to a
            // real folder first (Alt+Home, the home folder) so that « Open » can take one.
            run(&["key", "--clearmodifiers", "alt+Home"]);
            std::thread::sleep(Duration::from_millis(500));
        }
        run(&["key", "--clearmodifiers", "ctrl+l"]);
        std::thread::sleep(Duration::from_millis(250));
        run(&["key", "--clearmodifiers", "ctrl+a"]);
        run(&["type", "--delay", "15", &path.display().to_string()]);
        std::thread::sleep(Duration::from_millis(300));
        run(&["key", "Return"]);
        if path.is_dir() {
            // The folder typed opens; then « Open » (the dialog's default, Alt+O) takes it.
            std::thread::sleep(Duration::from_millis(800));
            if find().is_some() {
                run(&["key", "--clearmodifiers", "alt+o"]);
            }
        }
        let gone_by = Instant::now() + Duration::from_secs(4);
        while Instant::now() < gone_by {
            match find() {
                None => return,
                Some(w) => window = w,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("the file dialog « {title} » did not take the path {}", path.display());
}

/// Text of every element matching `css`, through textContent (see `wait_for_rows`).
pub(crate) async fn texts(c: &Client, css: &str) -> Vec<String> {
    serde_json::from_value(
        c.execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim().replace(/\\s+/g, ' '))",
            vec![json!(css)],
        )
        .await
        .unwrap(),
    )
    .unwrap()
}

pub(crate) async fn wait_text(c: &Client, css: &str, want: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let t = texts(c, css).await.join(" | ");
        if t.contains(want) {
            return t;
        }
        if Instant::now() >= deadline {
            screenshot(c, "e2e-failure.png").await;
            panic!("{css}: expected « {want} », the window shows « {t} » (see artifacts/e2e-failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn import_a_french_excel_csv_through_the_file_dialog_then_undo_it() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    // Saved by French Excel: Windows-1252, `;`, "6,90 €", a title row, one bad price.
    let text = "Inventaire boutique;;;;\r\n\
Réf.;Libellé;PV TTC;TVA;Qté\r\n\
CAM-250;Camembert de Normandie AOP;6,90 €;5,5 %;24\r\n\
POM-70;Pommeau de Normandie;18,50 €;20 %;6\r\n\
TEU-1;Teurgoule;douze;5,5 %;4\r\n";
    let csv = files.path().join("inventaire.csv");
    std::fs::write(&csv, encoding_rs::WINDOWS_1252.encode(text).0).unwrap();

    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-clean]").await;
    click(&c, "[data-testid=nav-import]").await;
    click(&c, "[data-testid=import-choose]").await;
    let path = csv.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Choisir un fichier", &path)).await.unwrap();

    // What Comptoir understood: the encoding, the delimiter, the header under the title.
    let info = wait_text(&c, "[data-testid=import-fileinfo]", "inventaire.csv").await;
    assert!(info.contains("windows-1252") && info.contains("en-têtes ligne 2"), "{info}");
    let mapping = texts(&c, "[data-testid=mapping] tbody tr").await;
    assert!(mapping[0].contains("Camembert") || mapping[1].contains("Camembert"), "{mapping:?}");
    screenshot(&c, "e2e-import-mapping.png").await;

    click(&c, "[data-testid=import-simulate]").await;
    let counts = wait_text(&c, "[data-testid=import-counts]", "2 produits à créer").await;
    assert!(counts.contains("1 ligne rejetée"), "{counts}");
    assert_eq!(texts(&c, "[data-testid=import-errors] tbody tr").await.len(), 1);
    // The row as the spreadsheet numbers it, the column letter and header, the value.
    let cells = texts(&c, "[data-testid=import-errors] tbody tr td").await;
    assert_eq!(cells[..3], ["5", "C (PV TTC)", "douze"], "{cells:?}");
    assert!(cells[3].starts_with("Prix"), "{cells:?}");
    screenshot(&c, "e2e-import-simulation.png").await;

    click(&c, "[data-testid=import-apply]").await;
    wait_text(&c, "[data-testid=import-done]", "2 créé(s)").await;
    click(&c, "[data-testid=nav-catalogue]").await;
    type_into(&c, "[data-testid=search]", "normandie").await;
    wait_for_rows(&c, &["Camembert de Normandie AOP", "Pommeau de Normandie"]).await;

    // Undo in one click: the catalogue is back to empty.
    click(&c, "[data-testid=nav-import]").await;
    wait_text(&c, "[data-testid=import-history]", "inventaire.csv").await;
    c.execute("window.confirm = () => true", vec![]).await.unwrap();
    click(&c, "[data-testid=import-history] button").await;
    wait_text(&c, "[data-testid=import-history]", "annulé le").await;
    click(&c, "[data-testid=nav-catalogue]").await;
    type_into(&c, "[data-testid=search]", "normandie").await;
    wait_for_rows(&c, &[]).await;
    c.close().await.unwrap();
}

/// The reference marketplace server, a real process on a real SQLite file.
pub(crate) struct Marketplace {
    child: Child,
    pub(crate) url: String,
    pub(crate) db: PathBuf,
    _dir: tempfile::TempDir,
}

impl Marketplace {
    pub(crate) fn binary() -> PathBuf {
        // Built with the workspace (nextest builds every member); next to the app binary.
        let app = Path::new(env!("CARGO_BIN_EXE_comptoir"));
        let bin = app.with_file_name(format!("comptoir-marketplace{}", std::env::consts::EXE_SUFFIX));
        if !bin.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            // The same profile as this test binary: the release benches find it beside theirs.
            let profile: &[&str] = if cfg!(debug_assertions) { &[] } else { &["--release"] };
            let st = Command::new(cargo).args(["build", "-p", "comptoir-marketplace"]).args(profile).status().unwrap();
            assert!(st.success(), "cargo build -p comptoir-marketplace");
        }
        bin
    }

    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("market.sqlite3");
        let port = free_port();
        let child = Self::serve(&db, port, None);
        Self { child, url: format!("http://127.0.0.1:{port}"), db, _dir: dir }
    }

    fn serve(db: &Path, port: u16, clock_start: Option<&str>) -> Child {
        let mut cmd = Command::new(Self::binary());
        cmd.args(["--db", db.to_str().unwrap(), "serve", "--addr", &format!("127.0.0.1:{port}")]);
        if let Some(start) = clock_start {
            cmd.args(["--clock-start", start]);
        }
        let child = cmd.stdout(Stdio::null()).spawn().unwrap();
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the marketplace did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    /// Stops the server and starts it again on the same file and port with its clock
    /// at `clock_start` (RFC 3339): the days pass for the marketplace only.
    fn restart_at(&mut self, clock_start: &str) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        self.child = Self::serve(&self.db, port, Some(clock_start));
    }

    /// `GET path` over plain HTTP/1.1: the body, as a buyer's browser would get it.
    fn get(&self, path: &str) -> String {
        use std::io::{Read, Write};
        let host = self.url.trim_start_matches("http://");
        let mut tcp = std::net::TcpStream::connect(host).unwrap();
        write!(tcp, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = String::new();
        tcp.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "GET {path}: chunked");
        body.to_owned()
    }

    /// A new shop on this marketplace: its id and a pairing code.
    pub(crate) fn create_shop(&self, name: &str) -> (String, String) {
        let shop = self.cli(&["shop", "create", name, "--json"]);
        (shop["shop_id"].as_str().unwrap().to_owned(), shop["pairing_code"].as_str().unwrap().to_owned())
    }

    /// Pairs the app in the window with `code` from the Place de marché screen (the token
    /// goes to the keychain: gnome-keyring in CI).
    pub(crate) async fn connect(&self, c: &Client, code: &str) {
        click(c, "[data-testid=nav-market]").await;
        type_into(c, "[data-testid=market-url]", &self.url).await;
        type_into(c, "[data-testid=market-code]", code).await;
        click(c, "[data-testid=market-connect]").await;
    }

    fn cli(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(Self::binary()).arg("--db").arg(&self.db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }
}

impl Drop for Marketplace {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_to_the_marketplace_sync_the_demo_shop_and_accept_an_incoming_order() {
    let market = Marketplace::start();
    let (shop_id, code) = market.create_shop("Fromagerie du Perche");

    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    wait_text(&c, "[data-testid=sync-label]", "Non connecté").await;

    // Connect with the pairing code; the token goes to the keychain (gnome-keyring in CI).
    market.connect(&c, &code).await;
    wait_text(&c, "[data-testid=market-connected] h2", "Fromagerie du Perche").await;
    // The background worker sends the whole demo catalogue by itself.
    wait_text(&c, "[data-testid=sync-label]", "Synchronisé").await;
    wait_text(&c, "[data-testid=feed-link]", "Commandes en direct").await;
    screenshot(&c, "e2e-market.png").await;

    // A customer orders on the marketplace: the order shows up without any click.
    click(&c, "[data-testid=nav-orders]").await;
    let url = market.url.clone();
    let m = Marketplace::binary();
    let st = Command::new(m)
        .args(["simulate", "--url", &url, "--shop", &shop_id, "--orders", "1", "--interval-ms", "0"])
        .arg("--db")
        .arg(&market.db)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "simulate");
    wait_text(&c, "[data-testid=tab-new]", "Nouvelles 1").await;
    click(&c, "[data-testid=order-row]").await;
    let detail = wait_text(&c, "[data-testid=order-detail]", "Commande n° 1").await;
    assert!(detail.contains("Nouvelle"), "{detail}");
    screenshot(&c, "e2e-order.png").await;

    click(&c, "[data-testid=order-accept]").await;
    wait_text(&c, "[data-testid=tab-to_prepare]", "À préparer 1").await;
    c.close().await.unwrap();
}

/// Issue 20, end to end: a Christmas campaign on three products set in the window,
/// synced, shown by the marketplace's storefront with the reduced price beside the
/// reference price struck through; past its end — by the marketplace's own clock, the
/// shop not involved — the regular price is back.
#[tokio::test(flavor = "multi_thread")]
async fn a_campaign_on_three_products_reaches_the_storefront_then_ends_by_the_marketplace_clock() {
    let mut market = Marketplace::start();
    let (shop_id, code) = market.create_shop("Fromagerie du Perche");

    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    market.connect(&c, &code).await;
    wait_text(&c, "[data-testid=sync-label]", "Synchronisé").await;

    // Three products the storefront shows, one variant each, and their prices.
    let products: serde_json::Value =
        serde_json::from_str(&market.get(&format!("/storefront/v1/shops/{shop_id}/products?limit=100"))).unwrap();
    let picked: Vec<(String, String, i64)> = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["variants"].as_array().unwrap().len() == 1)
        .take(3)
        .map(|p| {
            let v = &p["variants"][0];
            (
                p["title"].as_str().unwrap().to_owned(),
                v["sku"].as_str().unwrap().to_owned(),
                v["price_ttc"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(picked.len(), 3, "{products}");
    let euros = |cents: i64| format!("{},{:02} €", cents / 100, cents % 100);

    // The campaign: from now (today's date) to tomorrow included, −20 %.
    click(&c, "[data-testid=nav-promotions]").await;
    click(&c, "[data-testid=promo-new]").await;
    let skus: Vec<&str> = picked.iter().map(|(_, sku, _)| sku.as_str()).collect();
    type_into(&c, "[data-testid=promo-target-skus]", &skus.join(" ")).await;
    click(&c, "[data-testid=promo-kind-percent]").await;
    type_into(&c, "[data-testid=promo-percent]", "20").await;
    let paris = chrono::Utc::now() + chrono::Duration::hours(1);
    let tomorrow = (paris + chrono::Duration::days(1)).format("%d/%m/%Y").to_string();
    type_into(&c, "[data-testid=promo-to]", &tomorrow).await;
    type_into(&c, "[data-testid=promo-campaign-name]", "Noël 2026").await;
    let preview = wait_text(&c, "[data-testid=promo-preview]", "3 déclinaisons").await;
    assert!(preview.contains("aucune refusée"), "{preview}");
    screenshot(&c, "e2e-promotion-form.png").await;
    // The preview settled (no newer one on its way), then « Mettre en promotion ». Under
    // load the preview's list may still grow and move the button while a pointer click
    // is aimed at it: the button is pressed as a keyboard user would, by its own action.
    wait_js(&c, "preview settled", "!document.querySelector('#promo-preview-title .spinner')").await;
    c.execute("document.querySelector('[data-testid=promo-save]').click()", vec![]).await.unwrap();
    wait_js(&c, "three promotions listed", "document.querySelectorAll('[data-testid=promo-row]').length === 3").await;
    // The background sync sends them; the list says so.
    wait_js(
        &c,
        "all three on the marketplace",
        "[...document.querySelectorAll('[data-testid=promo-market-state]')].every(e => e.textContent.includes('Sur la place de marché'))",
    )
    .await;
    screenshot(&c, "e2e-promotions.png").await;

    // What a buyer's browser gets: the reduced price, the reference price struck through.
    let page = market.get(&format!("/storefront/v1/shops/{shop_id}/page"));
    for (title, sku, price) in &picked {
        // Half-up to the cent, as Comptoir rounds a percentage off.
        let reduced = (price * 80 + 50) / 100;
        let at = page
            .find(&format!("data-sku=\"{}\"", html_text(sku)))
            .unwrap_or_else(|| panic!("{title} ({sku}) not on the page:\n{page}"));
        let variant = &page[at..page[at..].find("</li>").map_or(page.len(), |e| at + e)];
        // The reduced price, the reference price struck through, the reduction (a unit
        // such as « le lot » may stand between them).
        for shown in [
            format!("<strong class=\"price\">{}</strong>", euros(reduced)),
            format!("<del>{}</del>", euros(*price)),
            "<span class=\"discount\">\u{2212}20 %</span>".to_owned(),
        ] {
            assert!(variant.contains(&shown), "{title}: {shown} missing:\n{variant}");
        }
    }

    // Three days later for the marketplace only: the campaign is over, the prices are back.
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    market.restart_at(&later);
    let page = market.get(&format!("/storefront/v1/shops/{shop_id}/page"));
    assert!(!page.contains("<del>"), "still on promotion:\n{page}");
    let products: serde_json::Value =
        serde_json::from_str(&market.get(&format!("/storefront/v1/shops/{shop_id}/products?limit=100"))).unwrap();
    for (_, sku, price) in &picked {
        let v = products["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["variants"].as_array().unwrap())
            .find(|v| v["sku"] == sku.as_str())
            .unwrap();
        assert_eq!(v["price_ttc"].as_i64(), Some(*price), "{sku}");
        assert!(v.get("promotion").is_none(), "{sku}: {v}");
    }
    c.close().await.unwrap();
}

/// Text as the storefront page writes it (HTML-escaped).
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Polls a JavaScript expression until it is true.
pub(crate) async fn wait_js(c: &Client, what: &str, expr: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if c.execute(&format!("return !!({expr})"), vec![]).await.unwrap() == json!(true) {
            return;
        }
        if Instant::now() >= deadline {
            screenshot(c, "e2e-failure.png").await;
            panic!("{what}: never true: {expr} (see artifacts/e2e-failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn photos_are_matched_to_products_shown_turned_and_taken_with_the_webcam() {
    use comptoir_core::photos::fixtures::{jpeg, test_card};
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    // Named after the demo Camembert's SKU, as a phone export would be renamed.
    let photo = files.path().join("cam-250.jpg");
    std::fs::write(&photo, jpeg(&test_card(1600, 1200), false)).unwrap();

    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    click(&c, "[data-testid=nav-photos]").await;
    click(&c, "[data-testid=photos-choose]").await;
    let path = photo.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Choisir des fichiers", &path)).await.unwrap();

    // Review: the file name gave the product; nothing is attached before "Rattacher".
    let review = wait_text(&c, "[data-testid=photos-review] tbody", "Camembert de Normandie AOP").await;
    assert!(review.contains("cam-250.jpg") && review.contains("CAM-250"), "{review}");
    screenshot(&c, "e2e-photos-review.png").await;
    click(&c, "[data-testid=photos-apply]").await;
    wait_text(&c, "[data-testid=toast]", "1 photo rattachée").await;

    // The webcam (WebKit's mock device here): the frame goes through the pipeline and
    // waits in the library for a product.
    click(&c, "[data-testid=photos-camera]").await;
    wait_js(
        &c,
        "the camera picture",
        "document.querySelector('[data-testid=webcam-video]')?.readyState >= 2 \
         || document.querySelector('[data-testid=webcam-error]')",
    )
    .await;
    let camera_error = texts(&c, "[data-testid=webcam-error]").await;
    assert!(camera_error.is_empty(), "the webcam did not start: {camera_error:?}");
    screenshot(&c, "e2e-photos-webcam.png").await;
    click(&c, "[data-testid=webcam-capture]").await;
    wait_text(&c, "[data-testid=photos-grid]", "Photo 20").await;
    // Thumbnails load through the photo:// protocol in the real web view.
    wait_js(
        &c,
        "the webcam photo's thumbnail",
        "[...document.querySelectorAll('[data-testid=photo-tile] img')].some(i => i.complete && i.naturalWidth > 0)",
    )
    .await;
    screenshot(&c, "e2e-photos-library.png").await;

    // The product shows its photo; a quarter turn re-renders it upright the other way.
    click(&c, "[data-testid=nav-catalogue]").await;
    type_into(&c, "[data-testid=search]", "CAM-250").await;
    wait_for_rows(&c, &["Camembert de Normandie AOP"]).await;
    c.execute("document.querySelector('[data-testid=product-row]').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))", vec![])
        .await
        .unwrap();
    let landscape = "(() => { const i = document.querySelector('[data-testid=product-photo-img]'); \
                     return i && i.complete && i.naturalWidth > i.naturalHeight && i.naturalHeight > 0; })()";
    wait_js(&c, "the product photo", landscape).await;
    // Pressed by its own action, as a keyboard user would: a pointer click aimed at the
    // lower edge of the editor's panel can land beside the button while the panel is
    // still settling on a loaded machine.
    c.execute("document.querySelector('[data-testid=photo-rotate]').click()", vec![]).await.unwrap();
    let portrait = "(() => { const i = document.querySelector('[data-testid=product-photo-img]'); \
                    return i && i.complete && i.naturalHeight > i.naturalWidth && i.naturalWidth > 0; })()";
    wait_js(&c, "the turned photo", portrait).await;
    screenshot(&c, "e2e-product-photos.png").await;
    c.close().await.unwrap();
}

/// The backups screen in the real window: a backup taken from it appears in its list
/// with what it holds, and the status bar says how old it is.
#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_from_its_screen_is_listed_and_the_status_bar_says_its_age() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    click(&c, "[data-testid=nav-backups]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=backup-overdue]")).await.unwrap();
    click(&c, "[data-testid=backup-now]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=backup-row]")).await.unwrap();
    let rows = texts(&c, "[data-testid=backup-row]").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("à la demande") && rows[0].contains("ce PC"), "{rows:?}");
    let age = wait_text(&c, "[data-testid=backup-age]", "Sauvegarde :").await;
    assert!(!age.contains("Aucune"), "{age}");
    screenshot(&c, "e2e-backups.png").await;
    c.close().await.unwrap();
    drop(driver);
    let backups: Vec<_> = std::fs::read_dir(data.path().join("backups"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("comptoir-"))
        .collect();
    assert_eq!(backups.len(), 1, "one finished backup on the PC");
}

/// Issue 16: « Aide › Créer un rapport pour l'assistance » through the native save
/// dialog: the zip is where the shopkeeper chose, with the report and the app's log, and
/// the help shows the version.
#[tokio::test(flavor = "multi_thread")]
async fn a_support_report_is_saved_from_the_help() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    click(&c, "[data-testid=start-demo]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=search]")).await.unwrap();
    click(&c, "[data-testid=help-button]").await;
    wait_text(&c, "[data-testid=app-version]", &format!("Comptoir {}", env!("CARGO_PKG_VERSION"))).await;
    c.execute("document.querySelector('[data-testid=support-report]').click()", vec![]).await.unwrap();
    let path = out.path().join("rapport-boutique.zip");
    let answer = path.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Enregistrer sous", &answer)).await.unwrap();
    let said = wait_text(&c, "[data-testid=toast]", "Rapport enregistré").await;
    assert!(said.contains("rapport-boutique.zip"), "{said}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned()).collect();
    assert!(names.iter().any(|n| n == "rapport.txt"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("journaux/comptoir-app")), "{names:?}");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("rapport.txt").unwrap(), &mut text).unwrap();
    assert!(text.contains(&format!("Comptoir {}", env!("CARGO_PKG_VERSION"))), "{text}");
    c.close().await.unwrap();
}

/// axe-core (ui/node_modules, locked in ui/package-lock.json) run in the real window.
/// The WebDriver wraps a script in a function: a newline after axe's source keeps its
/// last line comment (if any) from swallowing the wrapper's closing brace.
async fn axe_violations(c: &Client, what: &str) -> Vec<String> {
    let axe =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js"))
            .expect("axe-core (scripts/setup-ui.sh installs it)");
    let loaded = c.execute(&format!("{axe}\n;return typeof window.axe;"), vec![]).await.unwrap();
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                                resultTypes: ['violations']})
               .then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ')}`)))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    found.into_iter().map(|v| format!("[{what}] {v}")).collect()
}

/// Issue 18: every screen and the main dialogs audited by axe-core in the real window
/// (WCAG 2.1 A and AA, and axe's best practices): no serious or critical violation.
#[tokio::test(flavor = "multi_thread")]
async fn every_screen_and_dialog_passes_the_axe_audit() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    let mut all = Vec::new();
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=start-demo]")).await.unwrap();
    all.extend(axe_violations(&c, "accueil").await);
    click(&c, "[data-testid=start-demo]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=product-row]")).await.unwrap();
    for screen in ["catalogue", "photos", "categories", "import", "promotions", "orders", "market", "backups"] {
        c.execute(&format!("document.querySelector('[data-testid=nav-{screen}]').click()"), vec![]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        all.extend(axe_violations(&c, screen).await);
    }
    // The dialogs: the product editor, a new promotion, the help.
    c.execute("document.querySelector('[data-testid=nav-catalogue]').click()", vec![]).await.unwrap();
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=product-row]")).await.unwrap();
    c.execute(
        "document.querySelector('[data-testid=product-row]').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))",
        vec![],
    )
    .await
    .unwrap();
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=product-editor]")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    all.extend(axe_violations(&c, "fiche produit").await);
    c.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", vec![])
        .await
        .unwrap();
    c.execute("document.querySelector('[data-testid=nav-promotions]').click()", vec![]).await.unwrap();
    click(&c, "[data-testid=promo-new]").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    all.extend(axe_violations(&c, "nouvelle promotion").await);
    c.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", vec![])
        .await
        .unwrap();
    click(&c, "[data-testid=help-button]").await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=help]")).await.unwrap();
    all.extend(axe_violations(&c, "aide").await);
    c.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", vec![])
        .await
        .unwrap();

    // At 200 % text zoom, every screen still fits the window's width: nothing runs off
    // the edge (WCAG 1.4.4, 1.4.10); the window scrolls down, never sideways.
    for _ in 0..5 {
        c.execute(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '+', ctrlKey: true, bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    }
    let mut overflow = Vec::new();
    for screen in ["catalogue", "photos", "categories", "import", "promotions", "orders", "market", "backups"] {
        c.execute(&format!("document.querySelector('[data-testid=nav-{screen}]').click()"), vec![]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let wide = c
            .execute(
                "const w = document.documentElement.clientWidth;
                 // Inside a box that scrolls sideways (a wide table) is allowed (WCAG 1.4.10).
                 const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
                     const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; }
                   return false; };
                 return [...document.querySelectorAll('main *, header *, footer *')]
                   .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > w + 1
                                && getComputedStyle(e).position !== 'fixed' && !inScroller(e))
                   .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.dataset.testid || ''));",
                vec![],
            )
            .await
            .unwrap();
        let wide: Vec<String> = serde_json::from_value(wide).unwrap();
        if !wide.is_empty() {
            screenshot(&c, &format!("e2e-zoom-200-{screen}.png")).await;
            overflow.push(format!("[{screen} à 200 %] {}", wide.join(", ")));
        }
    }
    c.execute(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '0', ctrlKey: true, bubbles: true}));",
        vec![],
    )
    .await
    .unwrap();
    c.close().await.unwrap();
    all.extend(overflow);
    assert!(all.is_empty(), "{} problems:\n{}", all.len(), all.join("\n"));
}

/// What a person did in the window: clicks, and keys typed (file dialogs counted apart:
/// a person browses them, the test types the path).
#[derive(Default)]
struct Gestures {
    clicks: u32,
    keys: u32,
    dialogs: u32,
}

impl Gestures {
    async fn click(&mut self, c: &Client, css: &str) {
        self.clicks += 1;
        click(c, css).await;
    }

    async fn type_into(&mut self, c: &Client, css: &str, text: &str) {
        self.clicks += 1;
        self.keys += text.chars().count() as u32;
        type_into(c, css, text).await;
    }

    async fn answer(&mut self, title: &'static str, path: &Path) {
        self.dialogs += 1;
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || answer_file_dialog(title, &path)).await.unwrap();
    }
}

/// Issue 18, measured: a new shop's first hour in the real window. An empty data
/// directory → import a 50-row spreadsheet with a Photo column → add the folder of its 50
/// photos (named by SKU), review and attach → pair with the reference marketplace → sync
/// → the marketplace's storefront lists the 50 products, each with its photo. Prints the
/// wall time of each step and the gestures; asserts what the marketplace holds, never a
/// time. Figures in release: `cargo test --release -p comptoir --test app first_hour -- --nocapture`
/// under xvfb-run (README, Benchmarks).
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::print_stdout)] // the figures are this test's output
async fn the_first_hour_fifty_products_with_photos_on_the_marketplace() {
    use comptoir_core::photos::fixtures::{jpeg, test_card};
    const N: usize = 50;
    let market = Marketplace::start();
    let (shop_id, code) = market.create_shop("L'Atelier des Bougies");
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let photos = files.path().join("photos boutique");
    std::fs::create_dir_all(&photos).unwrap();
    let mut sheet = String::from("Référence;Nom;Prix TTC;TVA;Catégorie;Stock;Statut;Photo\r\n");
    for i in 1..=N {
        sheet.push_str(&format!(
            "BOU-{i:03};Bougie parfumée n° {i};{},50 €;20 %;Maison;10;Publié;BOU-{i:03}.jpg\r\n",
            10 + i % 15
        ));
        std::fs::write(photos.join(format!("BOU-{i:03}.jpg")), jpeg(&test_card(1600, 1200), false)).unwrap();
    }
    let csv = files.path().join("mes produits.csv");
    std::fs::write(&csv, sheet).unwrap();

    let mut g = Gestures::default();
    let mut steps: Vec<(&str, Duration)> = Vec::new();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    let start = Instant::now();

    let t = Instant::now();
    g.click(&c, "[data-testid=start-clean]").await;
    g.click(&c, "[data-testid=nav-import]").await;
    g.click(&c, "[data-testid=import-choose]").await;
    g.answer("Choisir un fichier", &csv).await;
    wait_text(&c, "[data-testid=import-fileinfo]", "mes produits.csv").await;
    g.click(&c, "[data-testid=import-simulate]").await;
    wait_text(&c, "[data-testid=import-counts]", &format!("{N} produits à créer")).await;
    g.click(&c, "[data-testid=import-apply]").await;
    wait_text(&c, "[data-testid=import-done]", &format!("{N} créé(s)")).await;
    steps.push(("import du tableur (50 lignes)", t.elapsed()));

    let t = Instant::now();
    g.click(&c, "[data-testid=nav-photos]").await;
    g.click(&c, "[data-testid=photos-folder]").await;
    g.answer("Choisir un dossier", &photos).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let rows = texts(&c, "[data-testid=photos-review] tbody tr").await;
        if rows.len() == N && rows.iter().all(|r| r.contains("BOU-")) {
            break;
        }
        assert!(Instant::now() < deadline, "review: {} rows", rows.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    g.click(&c, "[data-testid=photos-apply]").await;
    wait_text(&c, "[data-testid=toast]", &format!("{N} photos rattachées")).await;
    steps.push(("photos : dossier, revue, rattachement (50)", t.elapsed()));

    let t = Instant::now();
    g.click(&c, "[data-testid=nav-market]").await;
    g.type_into(&c, "[data-testid=market-url]", &market.url).await;
    g.type_into(&c, "[data-testid=market-code]", &code).await;
    g.click(&c, "[data-testid=market-connect]").await;
    wait_text(&c, "[data-testid=market-connected] h2", "L'Atelier des Bougies").await;
    steps.push(("appairage avec la place de marché", t.elapsed()));

    let t = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(600);
    let listed = loop {
        let products: serde_json::Value =
            serde_json::from_str(&market.get(&format!("/storefront/v1/shops/{shop_id}/products?limit=100"))).unwrap();
        let items = products["items"].as_array().cloned().unwrap_or_default();
        if items.len() == N && items.iter().all(|p| !p["images"].as_array().unwrap().is_empty()) {
            break items;
        }
        assert!(Instant::now() < deadline, "the marketplace lists {} products", items.len());
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    steps.push(("synchronisation : 50 produits publiés avec leur photo", t.elapsed()));
    let total = start.elapsed();
    assert!(listed.iter().all(|p| p["title"].as_str().unwrap().starts_with("Bougie parfumée")));
    wait_text(&c, "[data-testid=sync-label]", "Synchronisé").await;
    screenshot(&c, "e2e-first-hour.png").await;
    c.close().await.unwrap();

    println!("first hour: from an empty data directory to {N} products with their photos on the marketplace");
    for (what, d) in &steps {
        println!("  {what:<55} {:>6.1} s", d.as_secs_f64());
    }
    println!("  {:<55} {:>6.1} s", "total", total.as_secs_f64());
    println!("  gestures: {} clicks, {} keys typed, {} file dialogs", g.clicks, g.keys, g.dialogs);
}

/// Presses Tab (as the keyboard does, through WebDriver) until `css` has the focus, and
/// checks at each stop that the focused control shows it (an outline or a ring): no
/// mouse. Returns the number of Tab presses.
async fn tab_to(c: &Client, css: &str) -> u32 {
    for presses in 1..=60 {
        c.active_element().await.unwrap().send_keys(&fantoccini::key::Key::Tab.to_string()).await.unwrap();
        let (here, visible): (bool, bool) = serde_json::from_value(
            c.execute(
                "const e = document.activeElement, s = getComputedStyle(e);
                 const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
                 return [e.matches(arguments[0]), ring || e === document.body];",
                vec![json!(css)],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        if !visible {
            screenshot(c, "e2e-focus-invisible.png").await;
            let what = c.execute("return document.activeElement.outerHTML.slice(0, 200)", vec![]).await.unwrap();
            panic!("the focus is not visible on {what}");
        }
        if here {
            return presses;
        }
    }
    panic!("{css} never got the focus by Tab");
}

/// Alt + a key, as the keyboard sends it (the modifier held for the key, then released).
async fn alt(c: &Client, key: char) {
    use fantoccini::key::Key;
    c.active_element().await.unwrap().send_keys(&format!("{}{key}{}", Key::Alt, Key::Null)).await.unwrap();
}

async fn press(c: &Client, key: fantoccini::key::Key) {
    c.active_element().await.unwrap().send_keys(&key.to_string()).await.unwrap();
}

/// Issue 18: the onboarding path by keyboard alone — the welcome screen, a spreadsheet
/// imported, the marketplace paired — with the focus visible at every stop.
#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::print_stdout)]
async fn the_onboarding_path_by_keyboard_alone() {
    use fantoccini::key::Key;
    let market = Marketplace::start();
    let (_, code) = market.create_shop("Miellerie du Houlme");
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("miels.csv");
    std::fs::write(&csv, "Référence;Nom;Prix TTC;TVA\r\nMIEL-500;Miel de fleurs 500 g;8,90 €;5,5 %\r\nMIEL-250;Miel de châtaignier 250 g;5,20 €;5,5 %\r\n").unwrap();
    let driver = Driver::start(data.path());
    let c = driver.session().await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=start-clean]")).await.unwrap();
    let mut tabs = 0;
    tabs += tab_to(&c, "[data-testid=start-clean]").await;
    press(&c, Key::Enter).await;
    c.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=nav-import]")).await.unwrap();
    // Alt+4: the import screen.
    alt(&c, '4').await;
    tabs += tab_to(&c, "[data-testid=import-choose]").await;
    press(&c, Key::Enter).await;
    let path = csv.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("Choisir un fichier", &path)).await.unwrap();
    wait_text(&c, "[data-testid=import-fileinfo]", "miels.csv").await;
    tabs += tab_to(&c, "[data-testid=import-simulate]").await;
    press(&c, Key::Enter).await;
    wait_text(&c, "[data-testid=import-counts]", "2 produits à créer").await;
    tabs += tab_to(&c, "[data-testid=import-apply]").await;
    press(&c, Key::Enter).await;
    wait_text(&c, "[data-testid=import-done]", "2 créé(s)").await;
    // Alt+7: the marketplace; the address and the pairing code typed, Entrée.
    alt(&c, '7').await;
    tabs += tab_to(&c, "[data-testid=market-url]").await;
    c.active_element().await.unwrap().send_keys(&market.url).await.unwrap();
    tabs += tab_to(&c, "[data-testid=market-code]").await;
    c.active_element().await.unwrap().send_keys(&code).await.unwrap();
    tabs += tab_to(&c, "[data-testid=market-connect]").await;
    press(&c, Key::Enter).await;
    wait_text(&c, "[data-testid=market-connected] h2", "Miellerie du Houlme").await;
    wait_text(&c, "[data-testid=sync-label]", "Synchronisé").await;
    screenshot(&c, "e2e-keyboard-onboarding.png").await;
    c.close().await.unwrap();
    println!("keyboard onboarding: {tabs} Tab presses, no mouse");
}
