//! The columns of a product's [`Offer`], as one value both SQL drivers bind (sqlx for
//! the editor, rusqlite for the import's bulk path): one declaration of their order and
//! of how each is written and read back.

use crate::Result;
use crate::model::catalogue::{Offer, ProductKind, StockPolicy};
pub use crate::model::stored::StoredOffer;

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

impl StoredOffer {
    /// Back to an [`Offer`]; `what` names the product in the error if a value is damaged.
    pub fn into_offer(self, what: &str) -> Result<Offer> {
        self.decode(|_, field, detail| crate::Error::Corrupt(format!("{field} de {what} : {detail}")))
    }

    /// [`Self::into_offer`] for the offer of the row `id` of `products`: a damaged value
    /// is named by its table, its row and its column (issue 19).
    pub fn into_offer_at(self, id: i64) -> Result<Offer> {
        self.decode(|column, _, detail| super::corrupt_at("products", id, column, detail))
    }

    /// `damaged(column, field, detail)`: the error for a value that cannot be read back,
    /// never a default. A delay or a duration out of its type's range is damaged too.
    fn decode(self, damaged: impl Fn(&str, &str, String) -> crate::Error) -> Result<Offer> {
        let out_of_range = |column: &str, field: &str, n: i64| damaged(column, field, format!("hors limites « {n} »"));
        Ok(Offer {
            packaging: self.packaging,
            kind: ProductKind::from_stored(&self.kind)
                .ok_or_else(|| damaged("kind", "type", format!("type inconnu « {} »", self.kind)))?,
            stock_policy: StockPolicy::from_stored(&self.stock_policy).ok_or_else(|| {
                damaged("stock_policy", "gestion du stock", format!("gestion inconnue « {} »", self.stock_policy))
            })?,
            lead_time_days: self
                .lead_time_days
                .map(|d| u16::try_from(d).map_err(|_| out_of_range("lead_time_days", "délai", d)))
                .transpose()?,
            duration_minutes: self
                .duration_min
                .map(|d| u32::try_from(d).map_err(|_| out_of_range("duration_min", "durée", d)))
                .transpose()?,
            sessions: serde_json::from_str(&self.sessions)
                .map_err(|e| damaged("sessions", "séances", e.to_string()))?,
            food: self
                .food
                .as_deref()
                .map(|f| {
                    serde_json::from_str(f).map_err(|e| damaged("food", "informations alimentaires", e.to_string()))
                })
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
