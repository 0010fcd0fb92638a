//! Order lists and pick lists, written then read back cell by cell (calamine, csv).

use std::collections::BTreeMap;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use comptoir_core::Db;
use comptoir_core::catalogue::Unit;
use comptoir_core::export::orders::{self as ox, PickList};
use comptoir_core::orders::notify::{self, NotificationKind, NotifyConfig};
use comptoir_protocol::orders::{Customer, Order, OrderLine, OrderStatus, Pickup};

use crate::support::{fresh_db, now, product};

const EVIL: &str = "=HYPERLINK(\"http://evil.example\",\"Cliquez\")";

fn line(id: &str, sku: &str, title: &str, qty: i64, price: i64) -> OrderLine {
    OrderLine {
        line_id: id.into(),
        sku: sku.into(),
        product_external_id: format!("p-{sku}"),
        title: title.into(),
        options: BTreeMap::new(),
        quantity: qty,
        unit_price_ttc: price,
        vat_rate: "5.5".into(),
        refused: false,
        promotion_id: None,
        regular_price_ttc: None,
    }
}

fn order(id: &str, customer: &str, at: DateTime<Utc>, status: OrderStatus, lines: Vec<OrderLine>) -> Order {
    let total = lines.iter().filter(|l| !l.refused).map(|l| l.quantity * l.unit_price_ttc).sum();
    Order {
        id: id.into(),
        shop_id: "shop_1".into(),
        version: 1,
        status,
        customer: Customer { name: customer.into(), email: Some("client@example.fr".into()), phone: None },
        lines,
        total_ttc: total,
        currency: "EUR".into(),
        created_at: at,
        updated_at: at,
        accept_before: at + chrono::Duration::hours(2),
        pickup: None,
        refusal_reason: None,
        cancellation: None,
    }
}

/// 28 Nov 2026 (Paris): Marie (pending), the formula customer (ready, pickup code),
/// one cancelled order; 30 Nov: one more. Local catalogue: Comté sold by the kg.
async fn seeded() -> crate::support::TestDb {
    let t = fresh_db().await;
    let mut comte = product("Comté 18 mois", "COMTE", 2400);
    comte.unit = Unit::Kg;
    t.db.save_product(&comte, now()).await.unwrap();
    t.db.save_product(&product("Miel 500 g", "MIEL", 850), now()).await.unwrap();
    let d = |day, h| Utc.with_ymd_and_hms(2026, 11, day, h, 0, 0).unwrap();
    let s = &t.db;
    s.store_order(
        &order(
            "ord_a",
            "Marie Dupont",
            d(28, 8),
            OrderStatus::PendingAcceptance,
            vec![
                // Charged at a promotion's price: 8,50 € instead of 10,00 €.
                OrderLine {
                    promotion_id: Some("p3".into()),
                    regular_price_ttc: Some(1000),
                    ..line("l1", "MIEL", "Miel 500 g", 10, 850)
                },
                line("l2", "COMTE", "Comté 18 mois", 2, 2400),
            ],
        ),
        now(),
    )
    .await
    .unwrap();
    let mut evil = order(
        "ord_b",
        EVIL,
        d(28, 9),
        OrderStatus::ReadyForPickup,
        vec![line("l1", "MIEL", "Miel 500 g", 2, 850), line("l2", "COMTE", "Comté 18 mois", 1, 2400)],
    );
    evil.pickup = Some(Pickup { code: "=1+1".into(), ready_until: d(28, 16) });
    s.store_order(&evil, now()).await.unwrap();
    s.store_order(
        &order(
            "ord_c",
            "Annulé Client",
            d(28, 10),
            OrderStatus::Cancelled,
            vec![line("l1", "MIEL", "Miel 500 g", 5, 850)],
        ),
        now(),
    )
    .await
    .unwrap();
    s.store_order(
        &order(
            "ord_d",
            "Hors Période",
            d(30, 10),
            OrderStatus::Accepted,
            vec![line("l1", "MIEL", "Miel 500 g", 1, 850)],
        ),
        now(),
    )
    .await
    .unwrap();
    t
}

fn cell_str(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn cell_f(r: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match r.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row},{col}) n'est pas un nombre : {other:?}"),
    }
}

#[tokio::test]
async fn orders_xlsx_reads_back_cell_by_cell() {
    let t = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commandes.xlsx");
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let rows = ox::export_orders(&t.db, &path, day, day).await.unwrap();
    assert_eq!(rows, 5);
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let r = wb.worksheet_range("Commandes").unwrap();
    assert_eq!(r.height(), 7, "en-tête + 5 lignes + total");
    let headers: Vec<String> = (0..16).map(|c| cell_str(&r, 0, c)).collect();
    assert_eq!(headers, ox::ORDER_HEADERS);
    // Row 1: Marie's honey.
    assert_eq!(cell_f(&r, 1, 0), 1001.0);
    match r.get_value((1, 1)) {
        Some(Data::DateTime(dt)) => {
            assert_eq!(dt.as_datetime().unwrap().to_string(), "2026-11-28 09:00:00", "heure de Paris");
        }
        other => panic!("date attendue : {other:?}"),
    }
    assert_eq!(cell_str(&r, 1, 2), "Nouvelle");
    assert_eq!(cell_str(&r, 1, 3), "Marie Dupont");
    assert_eq!(cell_str(&r, 1, 8), "Au retrait");
    assert_eq!(cell_str(&r, 1, 9), "MIEL");
    assert_eq!(cell_str(&r, 1, 10), "Miel 500 g");
    assert_eq!(cell_f(&r, 1, 11), 10.0);
    assert_eq!(cell_f(&r, 1, 12), 8.5);
    assert_eq!(cell_f(&r, 1, 13), 85.0);
    assert_eq!(cell_str(&r, 1, 14), "5,5 %");
    // The regular price beside a promotion's, and nothing for a line at the regular price.
    assert_eq!(cell_f(&r, 1, 15), 10.0);
    assert!(r.get_value((2, 15)).is_none_or(|v| *v == Data::Empty), "{:?}", r.get_value((2, 15)));
    // The formula customer is text, not a formula; so is the pickup code.
    assert_eq!(cell_str(&r, 3, 3), EVIL);
    assert_eq!(cell_str(&r, 3, 7), "=1+1");
    assert_eq!(cell_str(&r, 3, 2), "Prête");
    // Cancelled order listed, its line counted for what it is.
    assert_eq!(cell_str(&r, 5, 2), "Annulée");
    // Totals: 10+2+2+1+5 = 20 items; 85+48+17+24+42.50 = 216.50 €.
    assert_eq!(cell_str(&r, 6, 0), "Total");
    assert_eq!(cell_f(&r, 6, 11), 20.0);
    assert_eq!(cell_f(&r, 6, 13), 216.5);
    let formulas = wb.worksheet_formula("Commandes").unwrap();
    assert_eq!(formulas.get_value((6, 13)).map(String::as_str), Some("SUBTOTAL(109,N2:N6)"));
    assert!(formulas.get_value((3, 3)).is_none_or(|f| f.is_empty()), "aucune formule dans le nom");
}

#[tokio::test]
async fn orders_csv_is_french_excel_and_injection_safe() {
    let t = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commandes.csv");
    let (from, to) = (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    assert_eq!(ox::export_orders(&t.db, &path, from, to).await.unwrap(), 6);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM UTF-8");
    let mut rd = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    assert_eq!(rd.headers().unwrap().iter().collect::<Vec<_>>(), ox::ORDER_HEADERS);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    assert_eq!(&rows[0][0], "1001");
    assert_eq!(&rows[0][1], "28/11/2026 09:00");
    assert_eq!(&rows[0][12], "8,50");
    assert_eq!(&rows[0][13], "85,00");
    assert_eq!(&rows[0][15], "10,00");
    assert_eq!(&rows[1][15], "");
    assert_eq!(&rows[2][3], format!("'{EVIL}"));
    assert_eq!(&rows[2][6], "28/11/2026 17:00");
    assert_eq!(&rows[2][7], "'=1+1");
    assert_eq!(&rows[5][0], "1004");
    assert_eq!(&rows[6][0], "Total");
    assert_eq!(&rows[6][11], "21");
    assert_eq!(&rows[6][13], "225,00");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
}

#[tokio::test]
async fn pick_list_for_a_day_per_product_and_per_bag() {
    let t = seeded().await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let p: PickList = ox::pick_list(&t.db, day).await.unwrap();
    let texts: Vec<&str> = p.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["3 kg de Comté 18 mois", "12 × Miel 500 g"], "la commande annulée n'est pas à préparer");
    assert_eq!(p.bags.len(), 2);
    assert_eq!(p.bags[1].customer, EVIL);
    assert_eq!(p.bags[1].pickup_code.as_deref(), Some("=1+1"));
    assert_eq!(p.bags[0].items, ["10 × Miel 500 g", "2 kg de Comté 18 mois"]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preparation.xlsx");
    ox::export_pick_list(&t.db, &path, day).await.unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let r = wb.worksheet_range("À préparer").unwrap();
    assert_eq!(cell_str(&r, 0, 0), "Liste de préparation — samedi 28 novembre 2026");
    assert_eq!(cell_str(&r, 1, 0), "Quantité");
    assert_eq!(cell_f(&r, 2, 0), 3.0);
    assert_eq!(cell_str(&r, 2, 3), "3 kg de Comté 18 mois");
    assert_eq!(cell_f(&r, 3, 0), 12.0);
    assert_eq!(cell_str(&r, 3, 1), "Miel 500 g");
    assert_eq!(cell_f(&r, 3, 4), 2.0);
    let bags = wb.worksheet_range("Sacs").unwrap();
    assert_eq!(cell_f(&bags, 1, 0), 1001.0);
    assert_eq!(cell_str(&bags, 2, 1), EVIL);
    assert_eq!(cell_str(&bags, 2, 2), "=1+1");
    assert_eq!(cell_f(&bags, 2, 3), 41.0);
    assert_eq!(cell_str(&bags, 2, 4), "2 × Miel 500 g, 1 kg de Comté 18 mois");

    let html_path = dir.path().join("preparation.html");
    ox::export_pick_list(&t.db, &html_path, day).await.unwrap();
    let html = std::fs::read_to_string(html_path).unwrap();
    assert!(html.contains("12 × Miel 500 g"));
    assert!(html.contains("=HYPERLINK(&quot;http://evil.example&quot;"));
}

async fn claim_all(db: &Db, cfg: &NotifyConfig, at: DateTime<Utc>) -> Vec<comptoir_core::orders::Notification> {
    notify::decide(db, cfg, at).await.unwrap()
}

#[tokio::test]
async fn notifications_once_grouped_and_reminders_across_restarts() {
    let t = seeded().await;
    let cfg = NotifyConfig { group_from: 3, remind_after: Some(std::time::Duration::from_secs(600)), sound: false };
    // Only the pending order is announced; the others are marked without a banner.
    let first = claim_all(&t.db, &cfg, now()).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].title, "Nouvelle commande n° 1001 — Marie D.");
    assert_eq!(first[0].body, "10 × Miel 500 g, 2 × Comté 18 mois · 133,00 €");
    assert!(claim_all(&t.db, &cfg, now()).await.is_empty(), "jamais deux fois");

    // Reopened (a restart): still nothing to repeat.
    let path = t.db.path().to_path_buf();
    t.db.clone().close().await;
    let db = Db::open_file(&path).await.unwrap();
    assert!(claim_all(&db, &cfg, now()).await.is_empty());

    // A burst: one calm grouped notification.
    let at = Utc.with_ymd_and_hms(2026, 11, 28, 11, 0, 0).unwrap();
    for i in 0..3 {
        db.store_order(
            &order(
                &format!("ord_x{i}"),
                &format!("Client{i} Nom"),
                at,
                OrderStatus::PendingAcceptance,
                vec![line("l1", "MIEL", "Miel 500 g", 1, 850)],
            ),
            now(),
        )
        .await
        .unwrap();
    }
    let burst = claim_all(&db, &cfg, now()).await;
    assert_eq!(burst.len(), 1);
    assert_eq!(burst[0].title, "3 nouvelles commandes");
    assert!(matches!(&burst[0].kind, NotificationKind::Grouped { order_ids } if order_ids.len() == 3));
    assert!(burst[0].body.ends_with("25,50 € au total"), "{}", burst[0].body);

    // Ten minutes later, the four still pending are reminded, once.
    let later = now() + chrono::Duration::minutes(11);
    let reminders = claim_all(&db, &cfg, later).await;
    assert_eq!(reminders.len(), 4);
    assert!(reminders.iter().all(|n| matches!(n.kind, NotificationKind::Reminder { .. })));
    assert_eq!(reminders[0].title, "Commande n° 1001 toujours en attente — Marie D.");
    assert!(claim_all(&db, &cfg, later + chrono::Duration::hours(1)).await.is_empty());
}
