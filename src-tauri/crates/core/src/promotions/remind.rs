//! The desktop reminder the day before promotions start or end: « 3 promotions
//! commencent demain ». Each promotion's start and end are told once (claimed in the
//! database before the notification is shown, as new orders are).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::PromotionView;
use crate::orders::{Notification, NotificationKind, Notifier};
use crate::storage::promotions::PromotionSelect;
use crate::{Db, Result};

/// How far ahead a start or an end is told.
pub const AHEAD: Duration = Duration::hours(24);
/// How often the app looks.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The notifications due at `now`, claimed: at most one for what starts within a day and
/// one for what ends within a day.
pub async fn due(db: &Db, now: DateTime<Utc>) -> Result<Vec<Notification>> {
    let mut out = Vec::new();
    for starting in [true, false] {
        let ids = db.claim_promotion_reminders(starting, now, now + AHEAD).await?;
        if ids.is_empty() {
            continue;
        }
        let select = PromotionSelect { ids: Some(ids.clone()), ..Default::default() };
        let list: Vec<PromotionView> =
            db.promotions(&select).await?.into_iter().map(|p| PromotionView::new(p, now)).collect();
        out.push(notification(starting, &list, ids));
    }
    Ok(out)
}

fn notification(starting: bool, list: &[PromotionView], ids: Vec<i64>) -> Notification {
    let n = list.len();
    let title = match (starting, n) {
        (true, 1) => "Une promotion commence bientôt".to_owned(),
        (true, _) => format!("{n} promotions commencent bientôt"),
        (false, 1) => "Une promotion se termine bientôt".to_owned(),
        (false, _) => format!("{n} promotions se terminent bientôt"),
    };
    // The products by name, each once, then when.
    let mut names: Vec<&str> = Vec::new();
    for p in list {
        if !names.contains(&p.product_name.as_str()) {
            names.push(&p.product_name);
        }
    }
    let shown = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    let more = if names.len() > 3 { format!(" et {} autres", names.len() - 3) } else { String::new() };
    let when = list
        .first()
        .map(|p| {
            if starting {
                format!("le {}", p.starts_text)
            } else {
                format!("après le {}", p.ends_text.clone().unwrap_or_default())
            }
        })
        .unwrap_or_default();
    let campaign = list.first().and_then(|p| p.campaign_name.as_deref()).map(|c| format!(" ({c})")).unwrap_or_default();
    let body = if starting {
        format!("{shown}{more}{campaign} : prix réduit {when}.")
    } else {
        format!("{shown}{more}{campaign} : retour au prix normal {when}.")
    };
    Notification { kind: NotificationKind::Promotions { starting, ids }, title, body, sound: false }
}

/// Looks every [`EVERY`] for reminders due and shows them (the app's background task).
pub fn spawn(db: Db, notifier: Arc<dyn Notifier>, clock: crate::orders::feed::Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match due(&db, clock()).await {
                Ok(list) => {
                    for n in list {
                        let notifier = notifier.clone();
                        let shown = tokio::task::spawn_blocking(move || notifier.notify(&n)).await;
                        if let Ok(Err(e)) = shown {
                            tracing::warn!("promotion reminder: {e}");
                        }
                    }
                }
                Err(e) => tracing::warn!("promotion reminders: {e}"),
            }
            tokio::time::sleep(EVERY).await;
        }
    })
}
