//! `report OUT.zip` through the real binary on a demo shop: the zip's entries, and the
//! CLI's own rotating log file in the data directory.

use std::io::Read;
use std::path::Path;

use predicates::str::contains;

use crate::support::Shop;

fn unzip(path: &Path) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().unwrap().into_owned(), text)
        })
        .collect()
}

fn cli_logs(data_dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(data_dir.join("logs"))
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()))
        .filter(|(name, _)| name.starts_with("comptoir-cli.") && name.ends_with(".log"))
        .collect()
}

#[test]
fn report_writes_the_zip_and_the_cli_keeps_its_log() {
    let shop = Shop::new();
    shop.cli().arg("demo").assert().success();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("rapport assistance.zip");

    shop.cli()
        .arg("report")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains(format!("Rapport pour l'assistance écrit dans {}", out.display())))
        .stdout(contains("3 fichiers"))
        .stdout(contains("contrôle d'intégrité ok"));

    let files = unzip(&out);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(&names[..2], ["rapport.txt", "etat.json"], "{names:?}");
    assert!(names[2].starts_with("journaux/comptoir-cli.") && names[2].ends_with(".log"), "{names:?}");
    let text = &files[0].1;
    assert!(text.contains(&format!("Programme : comptoir-cli {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("PRAGMA integrity_check) : ok"), "{text}");
    // The demo run's log, finished before the report began.
    assert!(files[2].1.contains("commande « demo »"), "{}", files[2].1);
    let state: serde_json::Value = serde_json::from_str(&files[1].1).unwrap();
    assert_eq!(state["database"]["integrity_ok"], true);
    assert!(state["counts"]["products"].as_i64().unwrap() > 0);

    let logs = cli_logs(shop.dir.path());
    assert_eq!(logs.len(), 1, "one file a day: {logs:?}");
    let log = &logs[0].1;
    for want in
        ["comptoir-cli", "démarre", "commande « demo »", "commande « report »", "rapport pour l'assistance écrit"]
    {
        assert!(log.contains(want), "the log lacks « {want} »:\n{log}");
    }
    assert!(!log.contains('\u{1b}'), "no colours: {log:?}");

    let json = shop.json(&["report", &elsewhere.path().join("r2.zip").to_string_lossy(), "--json"]);
    assert_eq!(json["files"], 3);
    assert_eq!(json["integrity_ok"], true);
    assert!(json["bytes"].as_u64().unwrap() > 0);
}

#[test]
fn a_report_that_cannot_be_written_is_a_french_error() {
    let shop = Shop::new();
    let out = shop.dir.path().join("absent").join("rapport.zip");
    shop.cli()
        .arg("report")
        .arg(&out)
        .assert()
        .code(3)
        .stderr(contains(format!("Erreur : Impossible d'écrire {}", out.display())));
    let logs = cli_logs(shop.dir.path());
    assert!(logs[0].1.contains("ERROR") && logs[0].1.contains("commande « report » en échec"), "{logs:?}");
}
