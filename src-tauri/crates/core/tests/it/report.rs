//! The support report (issue 16) on a real shop: orders whose customers have details
//! easy to grep for, a log file that leaked the token and a customer's details, and the
//! zip read back byte by byte: no secret and no customer detail in any of its files,
//! and what support needs in rapport.txt and etat.json. And the log files themselves.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use comptoir_core::logs::{self, Program};
use comptoir_core::report::{self, ReportInput};
use comptoir_protocol::orders::{Customer, Order, OrderStatus};

use crate::support::{camembert_order, fresh_db, now, product};

const TOKEN: &str = "mkt_7f3Qz9LwX2vB8nR4tY6u";

struct Client {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
}

const CLIENTS: [Client; 2] = [
    Client {
        name: "Philomène Vautrin-Lebrasseur",
        email: "philomene.vautrin@laposte-exemple.fr",
        phone: "06 71 82 93 04",
    },
    Client { name: "Archibald Quesnay", email: "a.quesnay@ferme-exemple.fr", phone: "+33 7 65 43 21 09" },
];

/// What must appear in no file of the zip, in the forms a log line may use.
fn forbidden() -> Vec<String> {
    let mut v = vec![TOKEN.to_owned()];
    for c in &CLIENTS {
        v.push(c.name.to_owned());
        v.extend(c.name.split([' ', '-']).map(str::to_owned));
        v.push(c.email.to_owned());
        v.push(c.phone.to_owned());
        v.push(c.phone.chars().filter(char::is_ascii_digit).collect());
    }
    v.extend(["0671829304".to_owned(), "765432109".to_owned(), "PHILOMÈNE".to_owned()]);
    v
}

fn order(id: &str, client: &Client, status: OrderStatus) -> Order {
    let customer =
        Customer { name: client.name.into(), email: Some(client.email.into()), phone: Some(client.phone.into()) };
    camembert_order(id, customer, status, "CAM-250", 1)
}

/// A log file as the app writes them, with a leak in it, and files that are not logs.
fn write_logs(data_dir: &Path) {
    let dir = logs::dir(data_dir);
    std::fs::create_dir_all(&dir).unwrap();
    let leak = format!(
        "2026-11-28T09:31:00.000Z ERROR comptoir_test: fuite simulée : Authorization: Bearer {TOKEN} pour {} tél. 0671829304 ({}), jeton={TOKEN}",
        CLIENTS[0].email, CLIENTS[0].name
    );
    let lines = [
        "2026-11-01T08:00:00.000Z  WARN comptoir_core::sync::engine: ancienne alerte du mois dernier".to_owned(),
        "2026-11-28T09:00:00.000Z  INFO comptoir_core::logs: Comptoir 0.1.0 démarre".to_owned(),
        "2026-11-28T09:30:00.000Z  WARN comptoir_core::sync::engine: synchronisation échouée (échec n° 2) : HTTP 503 service_unavailable".to_owned(),
        leak,
        format!("2026-11-28T09:32:00.000Z  INFO comptoir_test: commande de {} (+33 7 65 43 21 09)", CLIENTS[1].name),
    ];
    std::fs::write(dir.join("comptoir-app.2026-11-28.log"), lines.join("\n") + "\n").unwrap();
    std::fs::write(dir.join("notes.txt"), TOKEN).unwrap();
    std::fs::write(data_dir.join("jeton.txt"), TOKEN).unwrap();
}

fn unzip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        out.insert(f.name().unwrap().into_owned(), bytes);
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_report_holds_what_support_needs_and_no_secret_nor_customer() {
    let t = fresh_db().await;
    comptoir_core::demo::generate(&t.db, 40, now()).await.unwrap();
    t.db.save_product(&product("Camembert fermier", "CAM-250", 520), now()).await.unwrap();
    t.db.store_order(&order("ord_1", &CLIENTS[0], OrderStatus::PendingAcceptance), now()).await.unwrap();
    t.db.store_order(&order("ord_2", &CLIENTS[1], OrderStatus::PendingAcceptance), now()).await.unwrap();
    write_logs(t.dir.path());
    let products = t.db.shop_facts("").await.unwrap().products;

    let out = t.dir.path().join("rapport-assistance.zip");
    let input = ReportInput {
        data_dir: t.dir.path().to_owned(),
        program: "Comptoir 9.8.7".into(),
        secrets: vec![TOKEN.into()],
    };
    let summary = report::write(&t.db, &input, &out, now()).await.unwrap();
    assert!(summary.integrity_ok);
    assert_eq!(summary.files, 3);
    assert_eq!(summary.bytes, std::fs::metadata(&out).unwrap().len());
    assert_eq!(summary.path, out.display().to_string());

    let files = unzip(&out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["etat.json", "journaux/comptoir-app.2026-11-28.log", "rapport.txt"]);
    for (name, bytes) in &files {
        for f in forbidden() {
            assert!(!contains(bytes, &f), "{name} holds « {f} »:\n{}", String::from_utf8_lossy(bytes));
        }
    }

    let text = String::from_utf8(files["rapport.txt"].clone()).unwrap();
    for want in [
        "Programme : Comptoir 9.8.7".to_owned(),
        format!("comptoir-core : {}", env!("CARGO_PKG_VERSION")),
        format!("MSP/{}", comptoir_protocol::PROTOCOL_VERSION),
        "Contrôle d'intégrité (PRAGMA integrity_check) : ok — la base est saine".to_owned(),
        format!("Produits : {products} "),
        "Commandes : 2 (Nouvelle : 2)".to_owned(),
        "Connecté à une place de marché : non".to_owned(),
        "Dernière sauvegarde : aucune".to_owned(),
        "2026-11-28T09:30:00Z WARN [journal comptoir-app.2026-11-28.log] comptoir_core::sync::engine: synchronisation échouée (échec n° 2) : HTTP 503".to_owned(),
        "ERROR [journal comptoir-app.2026-11-28.log] comptoir_test: fuite simulée : Authorization: [masqué]".to_owned(),
    ] {
        assert!(text.contains(&want), "rapport.txt lacks « {want} »:\n{text}");
    }
    // Newest first; the warning of last month is past the report's days.
    assert!(text.find("fuite simulée").unwrap() < text.find("HTTP 503").unwrap());
    assert!(!text.contains("ancienne alerte"));

    let log = String::from_utf8(files["journaux/comptoir-app.2026-11-28.log"].clone()).unwrap();
    assert!(log.contains("ancienne alerte"), "the file itself is whole: {log}");
    assert!(log.contains("INFO comptoir_test: commande de [masqué] ([masqué])"), "{log}");

    let state: serde_json::Value = serde_json::from_slice(&files["etat.json"]).unwrap();
    assert_eq!(state["program"], "Comptoir 9.8.7");
    assert_eq!(state["database"]["integrity_ok"], true);
    assert_eq!(state["database"]["integrity_check"], serde_json::json!(["ok"]));
    assert_eq!(state["counts"]["products"], products);
    assert_eq!(state["counts"]["orders"], 2);
    assert_eq!(state["sync"]["connected"], false);
    assert_eq!(state["logs"].as_array().unwrap().len(), 1);
    assert_eq!(state["recent_errors"][0]["level"], "ERROR");
}

#[tokio::test]
async fn a_report_that_cannot_be_written_names_its_file() {
    let t = fresh_db().await;
    let out = t.dir.path().join("pas-de-dossier").join("rapport.zip");
    let input = ReportInput { data_dir: t.dir.path().to_owned(), program: "Comptoir".into(), secrets: vec![] };
    let e = report::write(&t.db, &input, &out, now()).await.unwrap_err();
    assert_eq!(e.code(), comptoir_core::ErrorCode::Io);
    assert!(e.to_string().starts_with(&format!("Impossible d'écrire {}", out.display())), "{e}");
    assert!(!t.dir.path().join("pas-de-dossier").exists());
}

#[test]
fn logs_go_to_daily_files_without_colours() {
    let dir = tempfile::tempdir().unwrap();
    let guard = logs::init(dir.path(), Program::Cli, "0.1.0").unwrap();
    tracing::warn!("essai du journal : {}", 42);
    drop(guard);
    // A second subscriber cannot be installed in a process: no panic, a guard all the same.
    let other = tempfile::tempdir().unwrap();
    let again = logs::init(other.path(), Program::App, "0.1.0").unwrap();
    drop(again);

    let files: Vec<_> = std::fs::read_dir(logs::dir(dir.path())).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("comptoir-cli.") && name.ends_with(".log"), "{name}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!text.contains('\u{1b}'), "no colours in files: {text:?}");
    let lines: Vec<_> = text.lines().filter_map(logs::parse_line).collect();
    assert!(lines.iter().any(|l| l.level == "INFO" && l.rest.contains("comptoir-cli") && l.rest.contains("démarre")));
    let warn = lines.iter().find(|l| l.rest.ends_with("essai du journal : 42")).expect(&text);
    assert_eq!(warn.level, "WARN");
    assert!(warn.rest.starts_with("it::report: "), "{}", warn.rest);
}
