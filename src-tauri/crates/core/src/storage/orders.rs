//! SQL of the orders received from the marketplace, their feed position, their
//! notifications and the merchant actions waiting to be sent.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use comptoir_protocol::orders::{Order, OrderStatus};
use comptoir_protocol::paris;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{Db, ts};
use crate::model::catalogue::{ProductKind, StockPolicy, Unit};
use crate::model::orders::{LocalLine, LocalOrder, OrderFilter, StoreOutcome};
use crate::{Error, Result};

const ORDER_COLUMNS: &str = "o.id, o.server_id, o.number, o.status, o.version, o.customer_name, o.customer_email,
    o.customer_phone, o.pickup_at, o.pickup_code, o.payment_status, o.total_cents, o.accept_before,
    o.refusal_reason, o.created_at, o.updated_at, o.received_at, o.notified_at,
    (SELECT count(*) FROM order_transitions t WHERE t.order_server_id = o.server_id AND t.state = 'pending')";

fn ts_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The names of [`ORDER_COLUMNS`] a damaged value is reported under.
const ORDER_COLUMN_NAMES: [&str; 18] = [
    "id",
    "server_id",
    "number",
    "status",
    "version",
    "customer_name",
    "customer_email",
    "customer_phone",
    "pickup_at",
    "pickup_code",
    "payment_status",
    "total_cents",
    "accept_before",
    "refusal_reason",
    "created_at",
    "updated_at",
    "received_at",
    "notified_at",
];

fn order_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<LocalOrder> {
    let id: i64 = r.get(0);
    let at = |i: usize| super::stored_instant("orders", id, ORDER_COLUMN_NAMES[i], r.get::<&str, _>(i));
    let opt_at = |i: usize| {
        r.get::<Option<&str>, _>(i).map(|s| super::stored_instant("orders", id, ORDER_COLUMN_NAMES[i], s)).transpose()
    };
    Ok(LocalOrder {
        id,
        server_id: r.get(1),
        number: r.get(2),
        status: OrderStatus::parse(r.get::<&str, _>(3)),
        version: r.get(4),
        customer_name: r.get(5),
        customer_email: r.get(6),
        customer_phone: r.get(7),
        pickup_at: opt_at(8)?,
        pickup_code: r.get(9),
        payment_status: r.get(10),
        total_cents: r.get(11),
        accept_before: at(12)?,
        refusal_reason: r.get(13),
        created_at: at(14)?,
        updated_at: at(15)?,
        received_at: at(16)?,
        notified_at: opt_at(17)?,
        pending_actions: r.get(18),
        lines: Vec::new(),
    })
}

/// Fills `lines` of the given orders in one query.
async fn with_lines(conn: &mut SqliteConnection, mut orders: Vec<LocalOrder>) -> Result<Vec<LocalOrder>> {
    if orders.is_empty() {
        return Ok(orders);
    }
    let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(orders.len());
    for (i, o) in orders.iter().enumerate() {
        by_id.insert(o.id, i);
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT order_id, line_id, sku, title, options, quantity, unit_price_cents, vat_rate, refused,
                promotion_id, regular_price_cents
         FROM order_lines WHERE order_id IN (",
    );
    let mut sep = qb.separated(", ");
    for o in &orders {
        sep.push_bind(o.id);
    }
    qb.push(") ORDER BY order_id, position");
    for r in qb.build().fetch_all(&mut *conn).await? {
        let Some(&i) = by_id.get(&r.get::<i64, _>(0)) else { continue };
        orders[i].lines.push(LocalLine {
            line_id: r.get(1),
            sku: r.get(2),
            title: r.get(3),
            options: super::stored_json(format_args!("options d'une ligne de commande"), r.get::<&str, _>(4))?,
            quantity: r.get(5),
            unit_price_cents: r.get(6),
            vat_rate: r.get(7),
            refused: r.get::<i64, _>(8) != 0,
            promotion_id: r.get(9),
            regular_price_cents: r.get(10),
        });
    }
    Ok(orders)
}

/// How orders are stored, as the `orders` module decides it (`orders::stock::RULES`):
/// storage numbers and moves stock only as told.
#[derive(Debug, Clone, Copy)]
pub struct OrderRules {
    /// The number the shop's first order gets; the next ones follow the highest.
    pub first_number: i64,
    /// The stock a line takes once stored (what it took so far is in the facts); the
    /// difference moves the variant's stock.
    pub stock_taken: fn(&LineStock) -> i64,
}

/// What storage knows of one line of an order being stored, for [`OrderRules::stock_taken`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineStock {
    pub status: OrderStatus,
    pub refused: bool,
    pub quantity: i64,
    /// What the line has taken so far (0 for a new one).
    pub taken: i64,
    /// The offer of the product its SKU belongs to, as stored (`None`: no product has
    /// the SKU any more; a value this version does not know is `None` inside).
    pub product: Option<ProductStock>,
}

/// A product's kind and stock policy as stored (`None`: a value this version does not know).
pub type ProductStock = (Option<ProductKind>, Option<StockPolicy>);

/// Inserts or updates one order snapshot, its lines and the local stock they take,
/// inside the caller's transaction.
pub(crate) async fn store_order_tx(
    conn: &mut SqliteConnection,
    o: &Order,
    rules: &OrderRules,
    now: DateTime<Utc>,
) -> Result<StoreOutcome> {
    let existing: Option<(i64, i64)> = sqlx::query_as("SELECT id, version FROM orders WHERE server_id = ?")
        .bind(&o.id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((_, v)) = existing
        && v >= o.version
    {
        return Ok(StoreOutcome::Ignored);
    }
    let snapshot = serde_json::to_string(o).map_err(|e| Error::Conflict(format!("Commande illisible : {e}")))?;
    let pickup_at = o.pickup.as_ref().map(|p| ts_ms(p.ready_until));
    let pickup_code = o.pickup.as_ref().map(|p| p.code.clone());
    let (id, outcome) = match existing {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orders (server_id, number, status, version, customer_name, customer_email, customer_phone,
                    pickup_at, pickup_code, total_cents, accept_before, refusal_reason, created_at, updated_at,
                    received_at, snapshot)
                 VALUES (?, (SELECT coalesce(max(number) + 1, ?) FROM orders), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 RETURNING id",
            )
            .bind(&o.id)
            .bind(rules.first_number)
            .bind(o.status.as_str())
            .bind(o.version)
            .bind(&o.customer.name)
            .bind(&o.customer.email)
            .bind(&o.customer.phone)
            .bind(&pickup_at)
            .bind(&pickup_code)
            .bind(o.total_ttc)
            .bind(ts_ms(o.accept_before))
            .bind(&o.refusal_reason)
            .bind(ts_ms(o.created_at))
            .bind(ts_ms(o.updated_at))
            .bind(ts_ms(now))
            .bind(&snapshot)
            .fetch_one(&mut *conn)
            .await?;
            (id, StoreOutcome::New)
        }
        Some((id, _)) => {
            sqlx::query(
                "UPDATE orders SET status = ?, version = ?, customer_name = ?, customer_email = ?, customer_phone = ?,
                    pickup_at = ?, pickup_code = ?, total_cents = ?, accept_before = ?, refusal_reason = ?,
                    updated_at = ?, snapshot = ?
                 WHERE id = ?",
            )
            .bind(o.status.as_str())
            .bind(o.version)
            .bind(&o.customer.name)
            .bind(&o.customer.email)
            .bind(&o.customer.phone)
            .bind(&pickup_at)
            .bind(&pickup_code)
            .bind(o.total_ttc)
            .bind(ts_ms(o.accept_before))
            .bind(&o.refusal_reason)
            .bind(ts_ms(o.updated_at))
            .bind(&snapshot)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            (id, StoreOutcome::Updated)
        }
    };
    // The stock an order takes mirrors what the marketplace already did when the
    // order was placed (or released): it is not a change of the shop to send back, so
    // the sync triggers are kept quiet (unless the caller, the sync pass, already is).
    let quieted = sqlx::query("INSERT OR IGNORE INTO sync_remote_apply (id) VALUES (1)")
        .execute(&mut *conn)
        .await?
        .rows_affected()
        > 0;
    let taken: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT line_id, stock_taken FROM order_lines WHERE order_id = ?")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    for (pos, l) in o.lines.iter().enumerate() {
        let had = taken.get(&l.line_id).copied().unwrap_or(0);
        let want = (rules.stock_taken)(&LineStock {
            status: o.status,
            refused: l.refused,
            quantity: l.quantity,
            taken: had,
            product: stored_offer_of(&mut *conn, &l.sku).await?,
        });
        let mut now_taken = had;
        if want != had {
            let moved = sqlx::query("UPDATE variants SET stock = stock - ?, updated_at = ? WHERE sku = ?")
                .bind(want - had)
                .bind(ts(now))
                .bind(&l.sku)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if moved > 0 {
                now_taken = want;
            }
        }
        let options = serde_json::to_string(&l.options).unwrap_or_else(|_| "{}".to_owned());
        sqlx::query(
            "INSERT INTO order_lines (order_id, position, line_id, sku, title, options, quantity, unit_price_cents,
                vat_rate, refused, stock_taken, promotion_id, regular_price_cents)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (order_id, line_id) DO UPDATE SET position = excluded.position, sku = excluded.sku,
                title = excluded.title, options = excluded.options, quantity = excluded.quantity,
                unit_price_cents = excluded.unit_price_cents, vat_rate = excluded.vat_rate,
                refused = excluded.refused, stock_taken = excluded.stock_taken,
                promotion_id = excluded.promotion_id, regular_price_cents = excluded.regular_price_cents",
        )
        .bind(id)
        .bind(pos as i64)
        .bind(&l.line_id)
        .bind(&l.sku)
        .bind(&l.title)
        .bind(options)
        .bind(l.quantity)
        .bind(l.unit_price_ttc)
        .bind(&l.vat_rate)
        .bind(l.refused)
        .bind(now_taken)
        .bind(&l.promotion_id)
        .bind(l.regular_price_ttc)
        .execute(&mut *conn)
        .await?;
    }
    if quieted {
        sqlx::query("DELETE FROM sync_remote_apply").execute(&mut *conn).await?;
    }
    Ok(outcome)
}

/// The kind and stock policy of the product a SKU belongs to (`None`: no product has it).
async fn stored_offer_of(conn: &mut SqliteConnection, sku: &str) -> Result<Option<ProductStock>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT p.kind, p.stock_policy FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = ?",
    )
    .bind(sku)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(kind, policy)| (ProductKind::from_stored(&kind), StockPolicy::from_stored(&policy))))
}

/// A merchant action waiting to be sent.
#[derive(Debug, Clone)]
pub struct QueuedTransition {
    pub id: i64,
    pub order_server_id: String,
    pub idempotency_key: String,
    pub request: serde_json::Value,
    pub attempts: i64,
}

impl Db {
    /// Stores one snapshot in its own transaction (see [`store_order_tx`]), under the
    /// orders module's rules (`Db::store_order`).
    pub async fn store_order_with(&self, o: &Order, rules: &OrderRules, now: DateTime<Utc>) -> Result<StoreOutcome> {
        let mut tx = self.pool.begin().await?;
        let r = store_order_tx(&mut tx, o, rules, now).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// The last acknowledged event sequence (0 before the first).
    pub async fn order_feed_seq(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT last_seq FROM order_feed WHERE id = 1").fetch_one(&self.pool).await?)
    }

    pub async fn ack_order_feed(&self, seq: i64) -> Result<()> {
        sqlx::query("UPDATE order_feed SET last_seq = max(last_seq, ?) WHERE id = 1")
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Until when the orders were last reconciled (the server's time, minus overlap).
    pub async fn orders_reconciled_until(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> =
            sqlx::query_scalar("SELECT reconciled_until FROM order_feed WHERE id = 1").fetch_one(&self.pool).await?;
        s.map(|s| super::stored_instant("order_feed", 1, "reconciled_until", &s)).transpose()
    }

    pub async fn set_orders_reconciled_until(&self, t: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE order_feed SET reconciled_until = ? WHERE id = 1")
            .bind(ts_ms(t))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks every order never notified as notified at `now` and returns those that
    /// still wait for acceptance (the others need no banner any more).
    pub async fn claim_unnotified_orders(&self, now: DateTime<Utc>) -> Result<Vec<LocalOrder>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.notified_at IS NULL AND o.status = 'pending_acceptance'
             ORDER BY o.number"
        )))
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("UPDATE orders SET notified_at = ? WHERE notified_at IS NULL")
            .bind(ts_ms(now))
            .execute(&mut *tx)
            .await?;
        let orders = with_lines(&mut tx, rows.iter().map(order_from_row).collect::<Result<_>>()?).await?;
        tx.commit().await?;
        Ok(orders)
    }

    /// Orders still pending that arrived before `due` and were not reminded yet;
    /// marks them reminded.
    pub async fn claim_reminders(&self, due: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<LocalOrder>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.status = 'pending_acceptance' AND o.reminded_at IS NULL
               AND o.notified_at IS NOT NULL AND o.received_at <= ? ORDER BY o.number"
        )))
        .bind(ts_ms(due))
        .fetch_all(&mut *tx)
        .await?;
        let orders: Vec<LocalOrder> = rows.iter().map(order_from_row).collect::<Result<_>>()?;
        for o in &orders {
            sqlx::query("UPDATE orders SET reminded_at = ? WHERE id = ?")
                .bind(ts_ms(now))
                .bind(o.id)
                .execute(&mut *tx)
                .await?;
        }
        let orders = with_lines(&mut tx, orders).await?;
        tx.commit().await?;
        Ok(orders)
    }

    /// The orders matching `filter`, newest first, with their lines.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<LocalOrder>> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE 1 = 1"));
        if let Some(s) = filter.status {
            qb.push(" AND o.status = ").push_bind(s.as_str());
        }
        if let Some(d) = filter.from {
            qb.push(" AND o.created_at >= ").push_bind(ts_ms(paris::midnight(d)));
        }
        if let Some(d) = filter.to
            && let Some(next) = d.succ_opt()
        {
            qb.push(" AND o.created_at < ").push_bind(ts_ms(paris::midnight(next)));
        }
        qb.push(" ORDER BY o.created_at DESC, o.number DESC");
        let mut conn = self.pool.acquire().await?;
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let mut orders: Vec<LocalOrder> = rows.iter().map(order_from_row).collect::<Result<_>>()?;
        if let Some(day) = filter.pickup_day {
            orders.retain(|o| o.pickup_day() == day);
        }
        with_lines(&mut conn, orders).await
    }

    /// One order by its marketplace id (`ord_…`) or its number (`1042`).
    pub async fn order(&self, reference: &str) -> Result<LocalOrder> {
        let reference = reference.trim().trim_start_matches("n°").trim();
        let number: Option<i64> = reference.parse().ok();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.server_id = ? OR o.number = ?"
        )))
        .bind(reference)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::not_found("Commande", reference))?;
        let mut conn = self.pool.acquire().await?;
        Ok(with_lines(&mut conn, vec![order_from_row(&row)?]).await?.remove(0))
    }

    /// Queues a merchant action; the key is what the marketplace deduplicates on.
    pub async fn queue_transition(
        &self,
        order_server_id: &str,
        idempotency_key: &str,
        request: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO order_transitions (order_server_id, idempotency_key, request, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(order_server_id)
        .bind(idempotency_key)
        .bind(request.to_string())
        .bind(ts_ms(now))
        .bind(ts_ms(now))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Pending actions, oldest first.
    pub async fn pending_transitions(&self) -> Result<Vec<QueuedTransition>> {
        let rows = sqlx::query(
            "SELECT id, order_server_id, idempotency_key, request, attempts FROM order_transitions
             WHERE state = 'pending' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                Ok(QueuedTransition {
                    id,
                    order_server_id: r.get(1),
                    idempotency_key: r.get(2),
                    request: super::stored_json(format_args!("action en attente n° {id}"), r.get::<&str, _>(3))?,
                    attempts: r.get(4),
                })
            })
            .collect()
    }

    /// Records the outcome of one attempt of a merchant action (see
    /// `Db::finish_transition`), an answer stored under the orders module's rules.
    pub async fn finish_transition_with(
        &self,
        id: i64,
        outcome: std::result::Result<&Order, (&str, bool)>,
        rules: &OrderRules,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        match outcome {
            Ok(order) => {
                store_order_tx(&mut tx, order, rules, now).await?;
                sqlx::query(
                    "UPDATE order_transitions SET state = 'done', attempts = attempts + 1, last_error = NULL,
                        updated_at = ? WHERE id = ?",
                )
                .bind(ts_ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Err((message, permanent)) => {
                sqlx::query(
                    "UPDATE order_transitions SET state = ?, attempts = attempts + 1, last_error = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(if permanent { "failed" } else { "pending" })
                .bind(message)
                .bind(ts_ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sale unit of each known SKU (keys lower-cased; SKUs are case-insensitive).
    pub async fn units_of_skus(&self, skus: &[String]) -> Result<HashMap<String, Unit>> {
        let mut out = HashMap::new();
        for chunk in skus.chunks(500) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT v.sku, p.unit FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku IN (",
            );
            let mut sep = qb.separated(", ");
            for s in chunk {
                sep.push_bind(s.clone());
            }
            qb.push(")");
            for r in qb.build().fetch_all(&self.pool).await? {
                let unit: &str = r.get(1);
                if let Some(u) = Unit::from_stored(unit) {
                    out.insert(r.get::<String, _>(0).to_lowercase(), u);
                }
            }
        }
        Ok(out)
    }
}
