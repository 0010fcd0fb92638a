//! The SQL of the support report (the `report` module): what the shop holds, counted; the
//! database's own checks; the errors stored beside the data; and the customers' details
//! the report must mask wherever they turn up (logs, error messages).

use serde::Serialize;
use sqlx::Row;

use super::Db;
use crate::Result;

/// What the shop holds, counted for support.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportCounts {
    pub products: i64,
    pub published_products: i64,
    pub variants: i64,
    pub categories: i64,
    pub photos: i64,
    pub product_photos: i64,
    pub orders: i64,
    /// (status as stored, count), by status.
    pub orders_by_status: Vec<(String, i64)>,
    pub promotions: i64,
    pub campaigns: i64,
    pub market_campaigns: i64,
    pub import_batches: i64,
    pub import_batches_undone: i64,
    /// Changes waiting for the marketplace, and those whose last try failed.
    pub outbox_pending: i64,
    pub outbox_failing: i64,
    /// Open sync issues (moderation, refused data, conflicts).
    pub sync_issues: i64,
    pub order_actions_pending: i64,
    pub order_actions_failed: i64,
}

/// The orders feed's position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedFacts {
    /// The last event acknowledged.
    pub last_seq: i64,
    pub reconciled_until: Option<String>,
    pub last_order_received_at: Option<String>,
}

/// An error kept in the database (the outbox, the sync issues, the order actions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredError {
    /// RFC 3339, as stored.
    pub at: Option<String>,
    /// `outbox`, `sync_issue`, `order_action`.
    pub source: String,
    /// What it is about: an entity and its uid, an order's marketplace id.
    pub subject: String,
    pub message: String,
}

/// Each kind of stored error is capped at this many, newest first.
const STORED_ERRORS_PER_KIND: i64 = 50;

impl Db {
    /// The counts of the report, in one read transaction.
    pub async fn report_counts(&self) -> Result<ReportCounts> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "SELECT (SELECT count(*) FROM products),
                    (SELECT count(*) FROM products WHERE status = 'published'),
                    (SELECT count(*) FROM variants),
                    (SELECT count(*) FROM categories),
                    (SELECT count(*) FROM photos),
                    (SELECT count(*) FROM product_photos),
                    (SELECT count(*) FROM orders),
                    (SELECT count(*) FROM promotions),
                    (SELECT count(*) FROM campaigns),
                    (SELECT count(*) FROM market_campaigns),
                    (SELECT count(*) FROM import_batches),
                    (SELECT count(*) FROM import_batches WHERE undone_at IS NOT NULL),
                    (SELECT count(*) FROM sync_outbox),
                    (SELECT count(*) FROM sync_outbox WHERE last_error IS NOT NULL),
                    (SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL),
                    (SELECT count(*) FROM order_transitions WHERE state = 'pending'),
                    (SELECT count(*) FROM order_transitions WHERE state = 'failed')",
        )
        .fetch_one(&mut *tx)
        .await?;
        let orders_by_status: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, count(*) FROM orders GROUP BY status ORDER BY status")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(ReportCounts {
            products: r.get(0),
            published_products: r.get(1),
            variants: r.get(2),
            categories: r.get(3),
            photos: r.get(4),
            product_photos: r.get(5),
            orders: r.get(6),
            orders_by_status,
            promotions: r.get(7),
            campaigns: r.get(8),
            market_campaigns: r.get(9),
            import_batches: r.get(10),
            import_batches_undone: r.get(11),
            outbox_pending: r.get(12),
            outbox_failing: r.get(13),
            sync_issues: r.get(14),
            order_actions_pending: r.get(15),
            order_actions_failed: r.get(16),
        })
    }

    /// `PRAGMA integrity_check`'s answer, line by line (`["ok"]` for a sound file).
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?)
    }

    /// The last migration applied to this database.
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn feed_facts(&self) -> Result<FeedFacts> {
        let r = sqlx::query(
            "SELECT last_seq, reconciled_until, (SELECT max(received_at) FROM orders) FROM order_feed WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(FeedFacts { last_seq: r.get(0), reconciled_until: r.get(1), last_order_received_at: r.get(2) })
    }

    /// The errors kept with the data: changes the marketplace refused or could not take,
    /// open sync issues, order actions that failed or keep failing. Newest first per kind.
    pub async fn stored_errors(&self) -> Result<Vec<StoredError>> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT changed_at, 'outbox', entity || ' ' || uid || ' (' || attempts || ' essai(s))',
                    last_error FROM sync_outbox WHERE last_error IS NOT NULL ORDER BY changed_at DESC LIMIT ?1)
             UNION ALL
             SELECT * FROM (SELECT created_at, 'sync_issue', entity || ' ' || uid || ' [' || kind || ']', message
                    FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY created_at DESC LIMIT ?1)
             UNION ALL
             SELECT * FROM (SELECT updated_at, 'order_action',
                    order_server_id || ' [' || state || ', ' || attempts || ' essai(s)]', last_error
                    FROM order_transitions WHERE last_error IS NOT NULL AND state <> 'done'
                    ORDER BY updated_at DESC LIMIT ?1)",
        )
        .bind(STORED_ERRORS_PER_KIND)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredError { at: r.get(0), source: r.get(1), subject: r.get(2), message: r.get(3) })
            .collect())
    }

    /// Every customer name, e-mail and phone number the orders hold (the columns and the
    /// stored snapshots alike), distinct and non-empty: what a report masks.
    pub async fn customer_details(&self) -> Result<CustomerDetails> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT kind, CAST(v AS TEXT) FROM (
                SELECT 'name' AS kind, customer_name AS v FROM orders
                UNION ALL SELECT 'email', customer_email FROM orders
                UNION ALL SELECT 'phone', customer_phone FROM orders
                UNION ALL SELECT 'name', json_extract(snapshot, '$.customer.name') FROM orders
                UNION ALL SELECT 'email', json_extract(snapshot, '$.customer.email') FROM orders
                UNION ALL SELECT 'phone', json_extract(snapshot, '$.customer.phone') FROM orders)
             WHERE v IS NOT NULL AND trim(CAST(v AS TEXT)) <> ''",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = CustomerDetails::default();
        for (kind, v) in rows {
            match kind.as_str() {
                "name" => out.names.push(v),
                "email" => out.emails.push(v),
                _ => out.phones.push(v),
            }
        }
        Ok(out)
    }
}

/// See [`Db::customer_details`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerDetails {
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
}
