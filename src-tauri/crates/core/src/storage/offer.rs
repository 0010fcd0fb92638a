//! The columns of a product's [`Offer`], as one value both SQL drivers bind (sqlx for
//! the editor, rusqlite for the import's bulk path): one declaration of their order and
//! of how each is written and read back.

use crate::Result;
use crate::catalogue::{Offer, ProductKind, StockPolicy};

/// The offer's columns in `products`, in [`StoredOffer`]'s order.
pub(crate) const OFFER_COLUMNS: &str = "packaging, kind, stock_policy, lead_time_days, duration_min, sessions, food";
/// [`OFFER_COLUMNS`] of the products table aliased `p`.
pub(crate) const OFFER_COLUMNS_P: &str =
    "p.packaging, p.kind, p.stock_policy, p.lead_time_days, p.duration_min, p.sessions, p.food";
/// `OFFER_COLUMNS = ?` pairs for an UPDATE.
pub(crate) const OFFER_SET: &str =
    "packaging = ?, kind = ?, stock_policy = ?, lead_time_days = ?, duration_min = ?, sessions = ?, food = ?";
/// Placeholders for [`OFFER_COLUMNS`] in an INSERT.
pub(crate) const OFFER_PLACEHOLDERS: &str = "?, ?, ?, ?, ?, ?, ?";

/// An [`Offer`] as its columns hold it (also inside an import's undo snapshots, where
/// snapshots taken before these columns existed read as the defaults).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredOffer {
    #[serde(default)]
    pub packaging: Option<String>,
    #[serde(default = "goods")]
    pub kind: String,
    #[serde(default = "counted")]
    pub stock_policy: String,
    #[serde(default)]
    pub lead_time_days: Option<i64>,
    #[serde(default)]
    pub duration_min: Option<i64>,
    #[serde(default = "no_sessions")]
    pub sessions: String,
    #[serde(default)]
    pub food: Option<String>,
}

impl Default for StoredOffer {
    fn default() -> Self {
        StoredOffer::from_offer(&Offer::default())
    }
}

fn goods() -> String {
    ProductKind::Goods.as_str().into()
}
fn counted() -> String {
    StockPolicy::Counted.as_str().into()
}
fn no_sessions() -> String {
    "[]".into()
}

impl StoredOffer {
    pub fn from_offer(o: &Offer) -> Self {
        StoredOffer {
            packaging: o.packaging.clone(),
            kind: o.kind.as_str().to_owned(),
            stock_policy: o.stock_policy.as_str().to_owned(),
            lead_time_days: o.lead_time_days.map(i64::from),
            duration_min: o.duration_minutes.map(i64::from),
            // Most products have no session: not worth serde for every row of an import.
            sessions: if o.sessions.is_empty() {
                "[]".into()
            } else {
                serde_json::to_string(&o.sessions).unwrap_or_else(|_| "[]".into())
            },
            food: o.food.as_ref().and_then(|f| serde_json::to_string(f).ok()),
        }
    }

    /// The offer of a plain product (goods, stock counted, nothing else said), which is
    /// what the columns' own defaults hold (migration 0011): an INSERT may leave them out.
    pub fn is_default(&self) -> bool {
        self.packaging.is_none()
            && self.kind == ProductKind::Goods.as_str()
            && self.stock_policy == StockPolicy::Counted.as_str()
            && self.lead_time_days.is_none()
            && self.duration_min.is_none()
            && self.sessions == "[]"
            && self.food.is_none()
    }

    /// Back to an [`Offer`]; `what` names the product in the error if a value is damaged.
    pub fn into_offer(self, what: &str) -> Result<Offer> {
        let damaged = |field: &str, value: &str| crate::Error::Corrupt(format!("{field} de {what} : « {value} »"));
        Ok(Offer {
            packaging: self.packaging,
            kind: ProductKind::from_stored(&self.kind).ok_or_else(|| damaged("type", &self.kind))?,
            stock_policy: StockPolicy::from_stored(&self.stock_policy)
                .ok_or_else(|| damaged("gestion du stock", &self.stock_policy))?,
            lead_time_days: self.lead_time_days.and_then(|d| u16::try_from(d).ok()),
            duration_minutes: self.duration_min.and_then(|d| u32::try_from(d).ok()),
            sessions: super::stored_json(format_args!("séances de {what}"), &self.sessions)?,
            food: self
                .food
                .as_deref()
                .map(|f| super::stored_json(format_args!("informations alimentaires de {what}"), f))
                .transpose()?,
        })
    }

    /// Binds the columns in [`OFFER_COLUMNS`] order on a sqlx query.
    pub fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
        q.bind(&self.packaging)
            .bind(&self.kind)
            .bind(&self.stock_policy)
            .bind(self.lead_time_days)
            .bind(self.duration_min)
            .bind(&self.sessions)
            .bind(&self.food)
    }

    /// Reads the columns from a rusqlite row, starting at `first`.
    pub fn from_rusqlite(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(StoredOffer {
            packaging: r.get(first)?,
            kind: r.get(first + 1)?,
            stock_policy: r.get(first + 2)?,
            lead_time_days: r.get(first + 3)?,
            duration_min: r.get(first + 4)?,
            sessions: r.get(first + 5)?,
            food: r.get(first + 6)?,
        })
    }

    /// The values in [`OFFER_COLUMNS`] order, for rusqlite.
    pub fn values(&self) -> [&dyn rusqlite::ToSql; 7] {
        [
            &self.packaging,
            &self.kind,
            &self.stock_policy,
            &self.lead_time_days,
            &self.duration_min,
            &self.sessions,
            &self.food,
        ]
    }

    /// Reads the columns from a sqlx row, starting at `first`.
    pub fn from_sqlx(r: &sqlx::sqlite::SqliteRow, first: usize) -> Self {
        use sqlx::Row;
        StoredOffer {
            packaging: r.get(first),
            kind: r.get(first + 1),
            stock_policy: r.get(first + 2),
            lead_time_days: r.get(first + 3),
            duration_min: r.get(first + 4),
            sessions: r.get(first + 5),
            food: r.get(first + 6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_offer_is_the_default() {
        assert!(StoredOffer::default().is_default());
        let o = Offer { packaging: Some("pot".into()), ..Offer::default() };
        assert!(!StoredOffer::from_offer(&o).is_default());
        let o = Offer { sessions: vec![], food: Some(Default::default()), ..Offer::default() };
        assert!(!StoredOffer::from_offer(&o).is_default());
    }
}
