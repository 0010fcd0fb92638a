//! Per-product sync detail for the product view: is it on the marketplace, waiting to
//! be sent, refused by moderation (and why), and which of its photos are online.

use serde::Serialize;

use crate::storage::sync::SyncIssue;
use crate::{Db, Result};

/// Kind of the issue of a product withheld for missing information (`sync::wire`).
pub const INCOMPLETE: &str = "incomplete";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProductSyncState {
    /// Comptoir is not connected to a marketplace.
    NotConnected,
    /// A change waits to be sent (or is being sent).
    Pending,
    /// Refused: by moderation, or the marketplace found the data invalid. A person must act.
    Rejected,
    /// Published in Comptoir but sent unpublished: what the law requires to sell it
    /// online is missing (the food information of Regulation (EU) No 1169/2011). The
    /// label says what; completing the product puts it on sale.
    Incomplete,
    /// On the marketplace and visible to customers.
    Published,
    /// On the marketplace but not shown (a draft in Comptoir).
    Unpublished,
    /// Never sent and nothing to send (a draft never published).
    LocalOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PhotoSyncState {
    pub sha256: String,
    /// The marketplace holds this photo (confirmed by it).
    pub uploaded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ProductSyncDetail {
    pub product_id: i64,
    /// The id the marketplace knows the product by.
    pub external_id: String,
    pub state: ProductSyncState,
    /// The version the marketplace holds, when it holds the product.
    pub server_version: Option<i64>,
    /// `approved`, `rejected` or `unknown`, as the marketplace last said.
    pub moderation: Option<String>,
    /// Moderation's reason for a rejection, in the marketplace's words.
    pub rejection_reason: Option<String>,
    /// Open issues of this product (rejected by moderation, refused data).
    pub issues: Vec<SyncIssue>,
    pub photos: Vec<PhotoSyncState>,
    /// French sentence for the product view.
    pub label: String,
}

/// The sync detail of one product; `not_found` when it does not exist.
pub async fn product_sync_detail(db: &Db, product_id: i64) -> Result<ProductSyncDetail> {
    let r = db.product_sync_row(product_id).await?;
    let rejected_by_moderation = r.moderation.as_deref() == Some("rejected");
    let incomplete = r.issues.iter().find(|i| i.kind == INCOMPLETE).map(|i| i.message.clone());
    let refused = r.issues.iter().find(|i| i.kind != INCOMPLETE).map(|i| i.message.clone());
    let state = if !r.connected {
        ProductSyncState::NotConnected
    } else if rejected_by_moderation || refused.is_some() {
        // A rejection stays shown even while a correction waits to be sent.
        ProductSyncState::Rejected
    } else if incomplete.is_some() {
        // Likewise until the completed product is sent.
        ProductSyncState::Incomplete
    } else if r.pending {
        ProductSyncState::Pending
    } else if r.server_version.is_some() && r.published_locally {
        ProductSyncState::Published
    } else if r.server_version.is_some() {
        ProductSyncState::Unpublished
    } else {
        ProductSyncState::LocalOnly
    };
    let reason = if rejected_by_moderation { r.moderation_reason.clone() } else { None };
    let uploaded = r.photos.iter().filter(|(_, up)| *up).count();
    let issue = if state == ProductSyncState::Incomplete { incomplete } else { refused };
    let label = label(&state, reason.as_deref(), issue.as_deref(), r.in_flight, uploaded, r.photos.len());
    Ok(ProductSyncDetail {
        product_id,
        external_id: r.uid,
        state,
        server_version: r.server_version,
        moderation: r.moderation,
        rejection_reason: reason,
        issues: r.issues,
        photos: r.photos.into_iter().map(|(sha256, uploaded)| PhotoSyncState { sha256, uploaded }).collect(),
        label,
    })
}

fn label(
    state: &ProductSyncState,
    reason: Option<&str>,
    issue: Option<&str>,
    in_flight: bool,
    uploaded: usize,
    photos: usize,
) -> String {
    let main = match state {
        ProductSyncState::NotConnected => "Non connecté à la place de marché".to_owned(),
        ProductSyncState::Pending if in_flight => "Envoi en cours vers la place de marché".to_owned(),
        ProductSyncState::Pending => "Modification en attente d'envoi".to_owned(),
        ProductSyncState::Rejected => match reason.or(issue) {
            Some(why) => format!("Refusé par la place de marché : {why}"),
            None => "Refusé par la place de marché".to_owned(),
        },
        // The issue's message says it all: « Non publié sur la place de marché : … ».
        ProductSyncState::Incomplete => issue.map_or_else(
            || "Non publié sur la place de marché : informations obligatoires manquantes".to_owned(),
            str::to_owned,
        ),
        ProductSyncState::Published => "En ligne sur la place de marché".to_owned(),
        ProductSyncState::Unpublished => "Sur la place de marché, non visible (brouillon)".to_owned(),
        ProductSyncState::LocalOnly => "Uniquement dans Comptoir".to_owned(),
    };
    match photos {
        0 => main,
        n if uploaded == n => format!("{main} ; photos envoyées ({n}/{n})"),
        n => format!("{main} ; photos envoyées : {uploaded}/{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_french_and_give_the_reason() {
        assert_eq!(
            label(&ProductSyncState::Rejected, Some("photo floue"), None, false, 1, 2),
            "Refusé par la place de marché : photo floue ; photos envoyées : 1/2"
        );
        assert_eq!(
            label(&ProductSyncState::Published, None, None, false, 2, 2),
            "En ligne sur la place de marché ; photos envoyées (2/2)"
        );
        assert_eq!(label(&ProductSyncState::Pending, None, None, true, 0, 0), "Envoi en cours vers la place de marché");
        let why = "Non publié sur la place de marché : Allergènes non renseignés";
        assert_eq!(label(&ProductSyncState::Incomplete, None, Some(why), false, 0, 0), why);
    }
}
