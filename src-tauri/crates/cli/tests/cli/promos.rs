use predicates::str::contains;

use crate::support::Shop;

/// A date `days` from today as the shop types it (the CLI reads the real clock).
fn day(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).format("%d/%m/%Y").to_string()
}

#[test]
fn promotions_are_set_listed_refused_with_reasons_and_ended() {
    let shop = Shop::new();
    for (name, sku, price) in [("Miel de fleurs", "MIEL-500", "8,90"), ("Cidre brut", "CID-75", "6,50")] {
        shop.cli()
            .args(["products", "add", "--name", name, "--sku", sku, "--price", price, "--vat", "5,5"])
            .assert()
            .success();
    }
    let (from, to) = (day(3), day(10));

    // Not below the price applied until now: refused, nothing saved, exit code 1.
    shop.cli()
        .args(["promos", "add", "MIEL-500", "--price", "8,90", "--from", &from, "--to", &to])
        .assert()
        .code(1)
        .stderr(contains("MIEL-500 : 8,90 € n'est pas moins cher que le prix actuel, 8,90 €."));
    shop.cli()
        .args(["promos", "add", "MIEL-500", "NOPE", "--percent", "10", "--from", &from])
        .assert()
        .code(1)
        .stderr(contains("Référence introuvable : NOPE."));
    shop.cli()
        .args(["promos", "add", "MIEL-500", "--percent", "10", "--from", "bientôt"])
        .assert()
        .code(1)
        .stderr(contains("Début : date illisible « bientôt »"));
    assert_eq!(shop.json(&["promos", "list", "--json"]), serde_json::json!([]));

    let added = shop.json(&[
        "promos",
        "add",
        "MIEL-500",
        "CID-75",
        "--percent",
        "20",
        "--from",
        &from,
        "--to",
        &to,
        "--campaign",
        "Fête du miel",
        "--json",
    ]);
    assert_eq!(added["created"], 2);
    let list = shop.json(&["promos", "list", "--json"]);
    let got: Vec<(String, i64, i64, String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sku"].as_str().unwrap().to_owned(),
                p["price_cents"].as_i64().unwrap(),
                p["reference_cents"].as_i64().unwrap(),
                p["starts_text"].as_str().unwrap().to_owned(),
                p["ends_text"].as_str().unwrap().to_owned(),
                p["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Cidre brut before Miel (catalogue order); 6,50 € − 20 % = 5,20 €, 8,90 € − 20 % = 7,12 €.
    assert_eq!(
        got,
        [
            ("CID-75".into(), 520, 650, from.clone(), to.clone(), "planned".into()),
            ("MIEL-500".into(), 712, 890, from.clone(), to.clone(), "planned".into()),
        ]
    );
    shop.cli().args(["promos", "list"]).assert().success().stdout(contains(format!(
        "CID-75  Cidre brut  6,50 € → 5,20 €, référence 6,50 €  du {from} au {to}  prévue [Fête du miel]"
    )));
    let campaigns = shop.json(&["campaigns", "list", "--json"]);
    assert_eq!(campaigns["own"][0]["name"], "Fête du miel");
    assert_eq!(campaigns["own"][0]["promotion_count"], 2);

    // Overlapping the first on the same variant: refused, naming it.
    let id = list[0]["id"].as_i64().unwrap();
    shop.cli()
        .args(["promos", "add", "CID-75", "--price", "5,00", "--from", &day(5)])
        .assert()
        .code(1)
        .stderr(contains(format!("CID-75 : chevauche la promotion n° {id}")));

    // Not started yet: withdrawn.
    shop.cli().args(["promos", "end", &id.to_string()]).assert().success().stdout(contains("retirée"));
    assert_eq!(shop.json(&["promos", "list", "--json"]).as_array().unwrap().len(), 1);
    shop.cli().args(["promos", "end", &id.to_string()]).assert().code(1).stderr(contains("Promotion introuvable"));
}
