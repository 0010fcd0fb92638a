//! The sync status always visible in the app: Synchronisé / N modifications en attente /
//! Hors ligne depuis 14 h 32 / Conflit à résoudre.

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use serde::Serialize;

use crate::storage::sync::SyncIssue;
use crate::{Db, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    NotConnected,
    Synced,
    Pending,
    Offline,
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncStatus {
    pub state: SyncState,
    pub marketplace_url: Option<String>,
    pub shop_name: Option<String>,
    /// Changes waiting to be sent (one per product or category).
    pub pending: i64,
    pub offline_since: Option<String>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    /// Everything a person must look at (moderation rejections, refused data).
    pub issues: Vec<SyncIssue>,
    /// French sentence for the status bar.
    pub label: String,
}

/// Current status; `offset` is the shop's local UTC offset (for "14 h 32").
pub async fn sync_status(db: &Db, offset: FixedOffset) -> Result<SyncStatus> {
    let st = db.sync_state().await?;
    let pending = db.outbox_len().await?;
    let issues = db.sync_issues().await?;
    let state = if st.shop_id.is_none() {
        SyncState::NotConnected
    } else if !issues.is_empty() {
        SyncState::Conflict
    } else if st.offline_since.is_some() {
        SyncState::Offline
    } else if pending > 0 {
        SyncState::Pending
    } else {
        SyncState::Synced
    };
    let incomplete = issues.iter().filter(|i| i.kind == super::detail::INCOMPLETE).count();
    let label = label(&state, pending, st.offline_since, issues.len(), incomplete, offset);
    let iso = |d: Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    Ok(SyncStatus {
        state,
        marketplace_url: st.marketplace_url,
        shop_name: st.shop_name,
        pending,
        offline_since: iso(st.offline_since),
        last_success_at: iso(st.last_success_at),
        last_error: st.last_error,
        issues,
        label,
    })
}

fn label(
    state: &SyncState,
    pending: i64,
    offline_since: Option<DateTime<Utc>>,
    issues: usize,
    incomplete: usize,
    offset: FixedOffset,
) -> String {
    match state {
        SyncState::NotConnected => "Non connecté à la place de marché".to_owned(),
        SyncState::Synced => "Synchronisé".to_owned(),
        SyncState::Pending if pending == 1 => "1 modification en attente".to_owned(),
        SyncState::Pending => format!("{pending} modifications en attente"),
        SyncState::Offline => {
            let t = offline_since.unwrap_or_default().with_timezone(&offset);
            format!("Hors ligne depuis {} h {:02}", t.hour(), t.minute())
        }
        // Only products held back for missing information: said as what to do.
        SyncState::Conflict if incomplete == issues && issues == 1 => {
            "1 produit à compléter avant sa mise en ligne".to_owned()
        }
        SyncState::Conflict if incomplete == issues => {
            format!("{issues} produits à compléter avant leur mise en ligne")
        }
        SyncState::Conflict if issues == 1 => "Conflit à résoudre".to_owned(),
        SyncState::Conflict => format!("{issues} conflits à résoudre"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn labels_are_french() {
        let paris = FixedOffset::east_opt(3600).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 13, 32, 0).unwrap();
        assert_eq!(label(&SyncState::Offline, 3, Some(at), 0, 0, paris), "Hors ligne depuis 14 h 32");
        assert_eq!(label(&SyncState::Pending, 12, None, 0, 0, paris), "12 modifications en attente");
        assert_eq!(label(&SyncState::Synced, 0, None, 0, 0, paris), "Synchronisé");
        assert_eq!(label(&SyncState::Conflict, 0, None, 1, 0, paris), "Conflit à résoudre");
        assert_eq!(label(&SyncState::Conflict, 0, None, 1, 1, paris), "1 produit à compléter avant sa mise en ligne");
        assert_eq!(
            label(&SyncState::Conflict, 0, None, 3, 3, paris),
            "3 produits à compléter avant leur mise en ligne"
        );
        assert_eq!(label(&SyncState::Conflict, 0, None, 3, 2, paris), "3 conflits à résoudre");
    }
}
